import { describe, expect, it } from 'vitest';
import type { LiveEvent, Ticket } from '../src/api/types';
import { candidatesOf, dispatchReducer, initialDispatch, type DispatchAction, type DispatchState } from '../src/store/dispatch';

const ticket = (id: string, priority: string, created_at: string, extra: Partial<Ticket> = {}): Ticket => ({
  id, call_id: `c-${id}`, state: 'sent', created_at, unit: null, acknowledged_by: null, acknowledged_at: null,
  qualification: { incident_type: 'theft', priority: priority as Ticket['qualification']['priority'], address: 'x', latitude: null, longitude: null, callback_e164: null, notes: '' },
  candidates: [{ unit: 'CAR-01', kind: 'car', distance_m: 100 }, { unit: 'CAR-02', kind: 'car', distance_m: 900 }],
  ...extra,
});
const A = ticket('T-1', 'P3', '2026-12-01T10:00:00Z');
const B = ticket('T-2', 'P1', '2026-12-01T10:05:00Z');
const C = ticket('T-3', 'P1', '2026-12-01T10:01:00Z');
const loaded = (tickets: Ticket[], extra: Partial<DispatchState> = {}): DispatchState => dispatchReducer({ ...initialDispatch, ...extra }, { type: 'loaded', tickets, units: [] });
const live = (kind: string, payload: unknown, topic = 'dispatch'): DispatchAction => ({
  type: 'live', event: { type: 'event', seq: 1, topic, kind, at: '', call_id: null, seat: null, payload } as LiveEvent,
});
const ids = (s: DispatchState) => s.tickets.map((t) => t.id);

describe('dispatchReducer: (state, action) -> state', () => {
  it.each([
    ['most urgent first: priority, then the oldest', loaded([A, B, C]), ['T-3', 'T-2', 'T-1'], 'T-3'],
    ['a created ticket takes its place by urgency', dispatchReducer(loaded([A, B]), live('ticket_created', C)), ['T-3', 'T-2', 'T-1'], 'T-2'],
    ['an acknowledged ticket leaves the list', dispatchReducer(loaded([A, B]), live('ticket_acknowledged', { ...B, unit: 'CAR-01' })), ['T-1'], 'T-1'],
    ['arrow down moves the selection', dispatchReducer(loaded([A, B, C]), { type: 'move', by: 1 }), ['T-3', 'T-2', 'T-1'], 'T-2'],
    ['arrow up stops at the top', dispatchReducer(loaded([A, B, C]), { type: 'move', by: -1 }), ['T-3', 'T-2', 'T-1'], 'T-3'],
    ['arrow down stops at the bottom', dispatchReducer(loaded([A, B]), { type: 'move', by: 5 }), ['T-2', 'T-1'], 'T-1'],
  ] as [string, DispatchState, string[], string][])('%s', (_name, state, order, selected) => {
    expect(ids(state)).toEqual(order);
    expect(state.selected).toBe(selected);
  });

  it('escalation highlights the ticket (dispatch event or alert)', () => {
    const s1 = dispatchReducer(loaded([A, B]), live('ticket_escalated', { ...A, state: 'escalated' }));
    expect(s1.tickets.find((t) => t.id === 'T-1')!.escalated).toBe(true);
    const s2 = dispatchReducer(loaded([A, B]), live('dispatch_escalated', { ticket_id: 'T-2' }, 'alert'));
    expect(s2.tickets.find((t) => t.id === 'T-2')!.escalated).toBe(true);
  });

  it('a digit picks a candidate of the selected ticket; out of range is ignored', () => {
    const s = loaded([A]);
    expect(dispatchReducer(s, { type: 'pick', index: 1 }).picked).toBe(1);
    expect(dispatchReducer(s, { type: 'pick', index: 4 })).toBe(s);
  });

  it('moving to another ticket forgets the picked unit; Escape cancels it', () => {
    const s = dispatchReducer(loaded([A, B]), { type: 'pick', index: 0 });
    expect(dispatchReducer(s, { type: 'move', by: 1 }).picked).toBeNull();
    expect(dispatchReducer(s, { type: 'cancel' }).picked).toBeNull();
  });

  it('acknowledged here: off the list, remembered, selection moves on', () => {
    const s = dispatchReducer(dispatchReducer(loaded([A, B]), { type: 'pick', index: 0 }), { type: 'sending', id: 'T-2' });
    const done = dispatchReducer(s, { type: 'acknowledged', ticket: { ...B, unit: 'CAR-01', acknowledged_by: 'dispatcher' } });
    expect(ids(done)).toEqual(['T-1']);
    expect(done.selected).toBe('T-1');
    expect(done.picked).toBeNull();
    expect(done.sending).toBeNull();
    expect(done.acknowledged.map((t) => t.unit)).toEqual(['CAR-01']);
  });

  it('an update keeps the candidates it does not carry', () => {
    const s = dispatchReducer(loaded([A]), live('ticket_escalated', { ...A, candidates: undefined }));
    expect(s.tickets[0]!.candidates).toHaveLength(2);
  });

  it('a failure is shown and sending stops', () => {
    const s = dispatchReducer({ ...loaded([A]), sending: 'T-1' }, { type: 'failed', message: 'already acknowledged' });
    expect(s).toMatchObject({ sending: null, error: 'already acknowledged' });
  });
});

describe('candidatesOf', () => {
  it('a ticket without coordinates offers the available units, without distance', () => {
    const bare = { ...A, candidates: [] };
    const units = [
      { id: 'CAR-09', kind: 'car', status: 'busy', latitude: 0, longitude: 0 },
      { id: 'FOOT-01', kind: 'foot', status: 'available', latitude: 0, longitude: 0 },
    ];
    const state = dispatchReducer(initialDispatch, { type: 'loaded', tickets: [bare], units });
    expect(candidatesOf(state, bare)).toEqual([{ unit: 'FOOT-01', kind: 'foot', distance_m: null }]);
    expect(dispatchReducer(state, { type: 'pick', index: 0 }).picked).toBe(0);
  });
  it('the stale flag is cleared when the fetch starts, not when it ends', () => {
    const s = dispatchReducer(initialDispatch, { type: 'fetching' });
    expect(s.stale).toBe(false);
    expect(dispatchReducer(s, { type: 'reload' }).stale).toBe(true);
    expect(dispatchReducer(s, { type: 'acknowledged', ticket: A }).stale).toBe(true);
  });
});
