import { describe, expect, it } from 'vitest';
import type { Board, WaitingCall } from '../src/api/supervision';
import type { LiveEvent } from '../src/api/types';
import { alertsOf, burnMessage, initialWall, level, longestWait, waitingList, wallReducer, type WallState } from '../src/store/wallboard';

let seq = 0;
function event(topic: string, kind: string, payload: Record<string, unknown>, extra: Partial<LiveEvent> = {}): LiveEvent {
  seq += 1;
  return { type: 'event', seq, topic, kind, at: '2026-12-01T10:00:00Z', call_id: null, seat: null, payload, ...extra };
}

const T0 = Date.parse('2026-12-01T10:00:00Z');

function waiting(id: string, position: number, priority = 0, queuedAt = '2026-12-01T09:59:30Z'): WaitingCall {
  return { id, state: 'queued', caller_raw: '0612345678', caller_e164: '+212612345678', queue: 'line19', rang_at: queuedAt, queued_at: queuedAt, queue_priority: priority, position, wait_seconds: 30 };
}

const BURN = { status: 'ok', measured: 97, projected: 96, breach_in_seconds: null, horizon_seconds: 300, predicted_wait_seconds: 0, service_per_minute: 11, arrivals_per_minute: 8, target_seconds: 15, target_percent: 90 } as const;

function board(seats: Board['seats'] = [], alerts: Board['alerts'] = []): Board {
  return { at: '2026-12-01T10:00:00Z', windows: {} as Board['windows'], burn: { ...BURN }, seats, alerts, links: { ami: 'ok' } };
}

const apply = (state: WallState, ...events: LiveEvent[]) => events.reduce((s, e) => wallReducer(s, { type: 'live', event: e, now: T0 }), state);

describe('wallboard reducer', () => {
  it('counts waiting callers from call events at once, without waiting for the next board', () => {
    let s = wallReducer(initialWall, { type: 'waiting', calls: [waiting('a', 1)], now: T0 });
    expect(Object.keys(s.waiting)).toEqual(['a']);
    s = apply(s, event('call', 'queued', { state: 'queued' }, { call_id: 'b' }));
    expect(Object.keys(s.waiting).sort()).toEqual(['a', 'b']);
    expect(s.stale.waiting).toBe(true); // a newcomer: re-read the queue's order
    s = apply(s, event('call', 'answered', { state: 'answered' }, { call_id: 'a' }));
    expect(Object.keys(s.waiting)).toEqual(['b']);
    expect(s.changedAt).toBe(T0);
  });

  it('a batch of events (one frame) is the same as the events one by one', () => {
    const start = wallReducer(initialWall, { type: 'waiting', calls: [waiting('a', 1)], now: T0 });
    const events = [event('call', 'queued', { state: 'queued' }, { call_id: 'b' }), event('call', 'answered', { state: 'answered' }, { call_id: 'a' }), event('call', 'queued', { state: 'queued' }, { call_id: 'c' })];
    const batched = wallReducer(start, { type: 'batch', events, now: T0 });
    expect(batched).toEqual(apply(start, ...events));
    expect(Object.keys(batched.waiting).sort()).toEqual(['b', 'c']);
  });

  it('an update of a call that is not waiting changes nothing', () => {
    const s = wallReducer(initialWall, { type: 'waiting', calls: [], now: T0 });
    expect(apply(s, event('call', 'qualified', { state: 'qualified' }, { call_id: 'x' }))).toBe(s);
  });

  it('re-prioritised: the order is read again; the list follows the server order', () => {
    let s = wallReducer(initialWall, { type: 'waiting', calls: [waiting('a', 1), waiting('b', 2)], now: T0 });
    s = wallReducer(s, { type: 'fetching', what: 'waiting' });
    s = apply(s, event('call', 'reprioritised', { state: 'queued' }, { call_id: 'b' }));
    expect(s.stale.waiting).toBe(true);
    s = wallReducer(s, { type: 'waiting', calls: [waiting('b', 1, 10), waiting('a', 2)], now: T0 });
    expect(waitingList(s).map((r) => r.id)).toEqual(['b', 'a']);
  });

  it('callers the server has not listed yet come last, oldest first', () => {
    let s = wallReducer(initialWall, { type: 'waiting', calls: [waiting('a', 1)], now: T0 });
    s = apply(s, event('call', 'queued', { state: 'queued' }, { call_id: 'late', at: '2026-12-01T10:00:05Z' }), event('call', 'queued', { state: 'queued' }, { call_id: 'early', at: '2026-12-01T10:00:01Z' }));
    expect(waitingList(s).map((r) => r.id)).toEqual(['a', 'early', 'late']);
    expect(longestWait(s, T0 + 10_000)).toBe(40);
  });

  it('a seat change updates its card (state, since, call) and keeps the operator', () => {
    const seat = { name: 'Seat 01', state: 'available', paused_reason: null, call_id: null, since: '2026-12-01T09:00:00Z', operator: 'op01', call: null };
    let s = wallReducer(initialWall, { type: 'board', board: board([seat]), now: T0 });
    s = wallReducer(s, { type: 'waiting', calls: [waiting('c1', 1)], now: T0 });
    s = apply(s, event('seat', 'state', { state: 'ringing', call_id: 'c1', paused_reason: null, since: '2026-12-01T10:00:00Z' }, { seat: 'Seat 01' }));
    expect(s.seats['Seat 01']).toMatchObject({ state: 'ringing', operator: 'op01', since: '2026-12-01T10:00:00Z', call: { id: 'c1', rang_at: '2026-12-01T09:59:30Z' } });
  });

  it('the board replaces seats and clears the alerts the feed brought since the last one', () => {
    let s = apply(initialWall, event('alert', 'dispatch_escalated', { ticket_id: 'T1', priority: 'P1' }, { call_id: 'c9' }));
    expect(alertsOf(s).map((a) => a.key)).toEqual(['escalated:T1']);
    const alert = { key: 'burn_rate', kind: 'burn_rate', severity: 'warning' as const, since: null, seat: null, call_id: null, detail: {} };
    s = apply(s, event('stats', 'board', board([], [alert]) as unknown as Record<string, unknown>));
    expect(alertsOf(s).map((a) => a.key)).toEqual(['burn_rate']);
  });

  it('critical alerts come first, one per key', () => {
    const warn = { key: 'w', kind: 'seat_ringing', severity: 'warning' as const, since: null, seat: 'Seat 02', call_id: null, detail: {} };
    const crit = { key: 'c', kind: 'ami_down', severity: 'critical' as const, since: null, seat: null, call_id: null, detail: {} };
    const s = { ...initialWall, board: board([], [warn, crit]), liveAlerts: [{ ...warn }] };
    expect(alertsOf(s).map((a) => a.key)).toEqual(['c', 'w']);
  });

  it('samples the queue for the chart and forgets what is older than an hour', () => {
    let s = wallReducer(initialWall, { type: 'history', samples: [{ t: T0 - 2 * 3600_000, depth: 9, longest: 9 }] });
    s = wallReducer(s, { type: 'waiting', calls: [waiting('a', 1)], now: T0 });
    s = wallReducer(s, { type: 'sample', now: T0 });
    expect(s.history).toEqual([{ t: T0, depth: 1, longest: 30 }]);
  });
});

describe('tile colours', () => {
  it.each([
    [3, { warn: 5, alarm: 15 }, 'ok'],
    [5, { warn: 5, alarm: 15 }, 'warn'],
    [20, { warn: 5, alarm: 15 }, 'alarm'],
    [95, { warn: 92, alarm: 90 }, 'ok'], // lower is worse
    [91, { warn: 92, alarm: 90 }, 'warn'],
    [80, { warn: 92, alarm: 90 }, 'alarm'],
    [null, { warn: 1, alarm: 2 }, 'none'],
  ] as const)('%s with %o is %s', (value, threshold, expected) => {
    expect(level(value, threshold)).toBe(expected);
  });
});

describe('burn-rate banner', () => {
  it('says when the breach is expected, and that it happened', () => {
    expect(burnMessage(null).key).toBe('burn.unknown');
    expect(burnMessage({ ...BURN }).level).toBe('ok');
    const risk = burnMessage({ ...BURN, status: 'at_risk', breach_in_seconds: 44.6, projected: 88.1 });
    expect(risk).toMatchObject({ level: 'warn', key: 'burn.atRisk', params: { breachIn: 45, minutes: 1, projected: 88.1 } });
    expect(burnMessage({ ...BURN, status: 'breached', measured: 71.2 })).toMatchObject({ level: 'alarm', key: 'burn.breached', params: { measured: 71.2 } });
  });
});
