import { describe, expect, it } from 'vitest';
import type { CallWithTimeline, LiveEvent, SeatOut } from '../src/api/types';
import { initialOperator, operatorReducer, ticketState, wrapUpLeft, type OperatorAction, type OperatorState } from '../src/store/operator';
import { unavailableRetryDelay } from '../src/screens/operator/controller';

const seat = (state: SeatOut['state'], extra: Partial<SeatOut> = {}): SeatOut => ({
  name: 'Seat 01', interface: 'PJSIP/seat01', queue: 'line19', state, paused_reason: null, call_id: null, ...extra,
});
const fresh: OperatorState = { ...initialOperator, stale: { seat: false, call: false, calls: false } };
const withSeat = (s: SeatOut): OperatorState => ({ ...fresh, seat: s });
const live = (topic: string, kind: string, payload: Record<string, unknown> = {}, call_id: string | null = null): OperatorAction => ({
  type: 'live',
  event: { type: 'event', seq: 1, topic, kind, at: '2026-12-01T10:00:00Z', call_id, seat: 'Seat 01', payload } as LiveEvent,
  now: 1000,
  wrapupSeconds: 5,
});
const ticket = (extra: Record<string, unknown>) => ({ id: 'T-1', call_id: 'c1', state: 'sent', unit: null, escalated: false, ...extra });

describe('operatorReducer: (state, action) -> state', () => {
  const table: [string, OperatorState, OperatorAction, Partial<OperatorState>][] = [
    ['seat login is applied from the feed', withSeat(seat('logged_out')), live('seat', 'login'), { seat: seat('available') }],
    ['pause carries its reason', withSeat(seat('available')), live('seat', 'pause', { reason: 'training' }), { seat: seat('paused', { paused_reason: 'training' }) }],
    ['unpause clears the reason', withSeat(seat('paused', { paused_reason: 'break' })), live('seat', 'unpause'), { seat: seat('available') }],
    ['logout', withSeat(seat('available')), live('seat', 'logout'), { seat: seat('logged_out') }],
    ['pausing a ringing seat keeps it ringing and re-reads it', withSeat(seat('ringing', { call_id: 'c1' })), live('seat', 'pause', { reason: 'break' }),
      { seat: seat('ringing', { call_id: 'c1', paused_reason: 'break' }), stale: { seat: true, call: false, calls: false } }],
    ['a seat event before the seat is known asks for a reload', fresh, live('seat', 'login'), { stale: { seat: true, call: false, calls: false } }],
    ['a call event reloads the seat and the call', withSeat(seat('available')), live('call', 'offered', { state: 'offered' }, 'c1'), { stale: { seat: true, call: true, calls: false } }],
    ['the end of the conversation starts the wrap-up countdown', withSeat(seat('in_call')), live('call', 'conversation_ended', { state: 'answered' }, 'c1'),
      { seat: seat('wrap_up'), wrapUpUntil: 6000, stale: { seat: true, call: true, calls: false } }],
    ['a loaded wrap-up seat counts down from the config', fresh, { type: 'seat', seat: seat('wrap_up'), now: 0, wrapupSeconds: 5 }, { seat: seat('wrap_up'), wrapUpUntil: 5000 }],
    ['the PBX says available during the countdown: still wrap-up', { ...withSeat(seat('wrap_up')), wrapUpUntil: 5000 },
      { type: 'seat', seat: seat('available'), now: 4000, wrapupSeconds: 5 }, { seat: seat('wrap_up'), wrapUpUntil: 5000 }],
    ['after the countdown, available is available', { ...withSeat(seat('wrap_up')), wrapUpUntil: 5000 },
      { type: 'seat', seat: seat('available'), now: 5000, wrapupSeconds: 5 }, { seat: seat('available'), wrapUpUntil: null }],
    ['a new offer during the countdown wins', { ...withSeat(seat('wrap_up')), wrapUpUntil: 5000 },
      { type: 'seat', seat: seat('ringing', { call_id: 'c2' }), now: 4000, wrapupSeconds: 5 },
      { seat: seat('ringing', { call_id: 'c2' }), wrapUpUntil: null, stale: { seat: false, call: true, calls: false } }],
    ['the wrap-up ends by the clock', { ...withSeat(seat('wrap_up')), wrapUpUntil: 5000 }, { type: 'tick', now: 5000 },
      { seat: seat('available'), wrapUpUntil: null, stale: { seat: true, call: false, calls: false } }],
    ['a tick before the end changes nothing', { ...withSeat(seat('wrap_up')), wrapUpUntil: 5000 }, { type: 'tick', now: 4999 }, {}],
    ['the hand-off shows the ticket as sent', fresh, { type: 'handed-off', callId: 'c1', ticketId: 'T-1', at: 'x' },
      { handoffs: ['T-1'], handedOffCalls: { c1: 'T-1' }, tickets: { 'T-1': { id: 'T-1', call_id: 'c1', state: 'sent', unit: null, at: 'x' } }, stale: { seat: false, call: false, calls: true } }],
    ['escalated, live', { ...fresh, handoffs: ['T-1'] }, live('dispatch', 'ticket_escalated', ticket({ escalated: true })),
      { tickets: { 'T-1': { id: 'T-1', call_id: 'c1', state: 'escalated', unit: null, at: '2026-12-01T10:00:00Z' } } }],
    ['acknowledged by a unit, live', { ...fresh, handoffs: ['T-1'] }, live('dispatch', 'ticket_acknowledged', ticket({ state: 'acknowledged', unit: 'CAR-01' })),
      { tickets: { 'T-1': { id: 'T-1', call_id: 'c1', state: 'acknowledged', unit: 'CAR-01', at: '2026-12-01T10:00:00Z' } } }],
    ['fetching clears the stale flag of one resource', initialOperator, { type: 'fetching', what: 'calls' }, { stale: { seat: true, call: true, calls: false } }],
    ['one resource to read again (after a 503)', fresh, { type: 'stale', what: 'seat' }, { stale: { seat: true, call: false, calls: false } }],
    ['the feed asks for a reload of everything', fresh, { type: 'reload' }, { stale: { seat: true, call: true, calls: true } }],
  ];
  it.each(table)('%s', (_name, state, action, expected) => {
    expect(operatorReducer(state, action)).toEqual({ ...state, ...expected });
  });

  it('a ticket acknowledged updates the unit of the call in my calls', () => {
    const state: OperatorState = { ...fresh, calls: [{ id: 'c1', dispatch_ticket: null, dispatch_unit: null } as never] };
    const next = operatorReducer(state, live('dispatch', 'ticket_acknowledged', ticket({ unit: 'MOTO-2' })));
    expect(next.calls[0]!.dispatch_unit).toBe('MOTO-2');
    expect(next.handoffs).toEqual(['T-1']);
  });

  describe('the caller hangs up before the hand-off', () => {
    const onScreen = (extra: Record<string, unknown> = {}): CallWithTimeline =>
      ({ call: { id: 'c1', state: 'answered', line_ended: false, ...extra }, steps: [] }) as unknown as CallWithTimeline;

    it('line_ended keeps the call on screen, marked hung up, and asks for the last call', () => {
      const state: OperatorState = { ...withSeat(seat('in_call', { call_id: 'c1' })), call: onScreen() };
      const next = operatorReducer(state, live('call', 'line_ended', { state: 'answered' }, 'c1'));
      expect(next.call?.call.id).toBe('c1');
      expect(next.call?.call.line_ended).toBe(true);
      expect(next.call?.call.state).toBe('answered');
      expect(next.stale).toEqual({ seat: true, call: true, calls: true });
    });

    it('a later event on the call keeps it marked hung up', () => {
      const state: OperatorState = { ...withSeat(seat('available')), call: onScreen({ line_ended: true }) };
      const next = operatorReducer(state, live('call', 'qualified', { state: 'qualified' }, 'c1'));
      expect(next.call?.call.line_ended).toBe(true);
      expect(next.call?.call.state).toBe('qualified');
    });

    it('the seat without a call does not drop (nor keep re-reading) the hung-up call', () => {
      const state: OperatorState = { ...withSeat(seat('in_call', { call_id: 'c1' })), call: onScreen({ line_ended: true }) };
      const next = operatorReducer(state, { type: 'seat', seat: seat('available'), now: 10_000, wrapupSeconds: 5 });
      expect(next.stale.call).toBe(false);
      expect(next.call?.call.id).toBe('c1');
    });

    it('a new call on the seat replaces the hung-up one', () => {
      const state: OperatorState = { ...withSeat(seat('available')), call: onScreen({ line_ended: true }) };
      const next = operatorReducer(state, { type: 'seat', seat: seat('ringing', { call_id: 'c2' }), now: 10_000, wrapupSeconds: 5 });
      expect(next.stale.call).toBe(true);
    });

    it('a new call on the seat keeps the hung-up one to hand off, until it is handed off', () => {
      const state: OperatorState = { ...withSeat(seat('ringing', { call_id: 'c2' })), call: onScreen({ line_ended: true }) };
      const next = operatorReducer(state, { type: 'call', call: onScreen({ id: 'c2', state: 'offered' }) });
      expect(next.call?.call.id).toBe('c2');
      expect(next.hungUp?.call.id).toBe('c1');
      const again = operatorReducer(next, { type: 'call', call: onScreen({ id: 'c2', state: 'answered' }) });
      expect(again.hungUp?.call.id).toBe('c1');
      const sent = operatorReducer(again, { type: 'handed-off', callId: 'c1', ticketId: 'T-9', at: 'x' });
      expect(sent.hungUp).toBeNull();
    });

    it('no hung-up call is kept once handed off, or when the API has no call to show', () => {
      const handed: OperatorState = {
        ...withSeat(seat('ringing', { call_id: 'c2' })),
        call: onScreen({ line_ended: true }),
        tickets: { 'T-1': { id: 'T-1', call_id: 'c1', state: 'sent', unit: null, at: 'x' } },
      };
      expect(operatorReducer(handed, { type: 'call', call: onScreen({ id: 'c2', state: 'offered' }) }).hungUp).toBeNull();
      const kept: OperatorState = { ...fresh, call: onScreen({ id: 'c2', state: 'offered' }), hungUp: onScreen({ line_ended: true }) };
      expect(operatorReducer(kept, { type: 'call', call: null }).hungUp).toBeNull();
      const ended: OperatorState = { ...fresh, call: onScreen({ line_ended: true }) };
      expect(operatorReducer(ended, { type: 'call', call: onScreen({ id: 'c2', state: 'offered' }) }).hungUp?.call.id).toBe('c1');
      const notAnswered: OperatorState = { ...fresh, call: onScreen({ state: 'abandoned', line_ended: true }) };
      expect(operatorReducer(notAnswered, { type: 'call', call: onScreen({ id: 'c2', state: 'offered' }) }).hungUp).toBeNull();
    });

    it('a call still on the line that left the seat is re-read', () => {
      const state: OperatorState = { ...withSeat(seat('in_call', { call_id: 'c1' })), call: onScreen() };
      const next = operatorReducer(state, { type: 'seat', seat: seat('available'), now: 10_000, wrapupSeconds: 5 });
      expect(next.stale.call).toBe(true);
    });
  });

  it('wrapUpLeft rounds up the seconds left', () => {
    expect(wrapUpLeft({ ...withSeat(seat('wrap_up')), wrapUpUntil: 5000 }, 1001)).toBe(4);
    expect(wrapUpLeft(withSeat(seat('available')), 0)).toBeNull();
  });

  it('ticketState', () => {
    expect(ticketState('ticket_created', { unit: null, escalated: false, state: 'sent' })).toBe('sent');
    expect(ticketState('ticket_created', { unit: null, escalated: false, state: 'escalated' })).toBe('escalated');
    expect(ticketState('ticket_escalated', { unit: 'CAR-1', state: 'acknowledged' })).toBe('acknowledged');
  });
});

describe('after a 503 the panel reads again by itself', () => {
  it.each([
    [0, 1000],
    [1, 2000],
    [3, 8000],
    [9, 8000],
  ])('attempt %i waits %i ms', (attempt, ms) => {
    expect(unavailableRetryDelay(attempt)).toBe(ms);
  });
});
