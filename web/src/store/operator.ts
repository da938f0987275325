/**
 * The operator panel's state and its pure reducer: the seat, the call on it, the tickets this
 * seat handed off, the shift's calls. Live events either change the state directly (seat
 * actions, ticket status) or ask for a reload over HTTP (`stale`), which an effect performs.
 */
import type { CallOut, CallWithTimeline, LiveEvent, SeatOut, Ticket } from '../api/types';
import type { FeedStatus } from '../live/cursor';

export interface TicketStatus {
  id: string;
  call_id: string;
  state: string; // sent, escalated, acknowledged
  unit: string | null;
  at: string;
}

export interface OperatorState {
  feed: FeedStatus;
  seat: SeatOut | null;
  call: CallWithTimeline | null;
  // The seat's last call whose caller hung up before the hand-off, kept on screen (its form)
  // while another call is on the seat: the API still takes its hand-off for a while.
  hungUp: CallWithTimeline | null;
  tickets: Record<string, TicketStatus>;
  handoffs: string[]; // ticket ids, newest first
  // Calls this seat handed off, by call id: the ticket's own call, or a call attached to an
  // incident that had its ticket already (the ticket names the call that opened it).
  handedOffCalls: Record<string, string>;
  calls: CallOut[];
  wrapUpUntil: number | null; // epoch ms
  stale: { seat: boolean; call: boolean; calls: boolean };
}

export const initialOperator: OperatorState = {
  feed: 'connecting',
  seat: null,
  call: null,
  hungUp: null,
  tickets: {},
  handoffs: [],
  handedOffCalls: {},
  calls: [],
  wrapUpUntil: null,
  stale: { seat: true, call: true, calls: true },
};

export type OperatorAction =
  | { type: 'feed'; status: FeedStatus }
  | { type: 'reload' }
  | { type: 'fetching'; what: 'seat' | 'call' | 'calls' }
  /** Read one resource again (e.g. after a 503 while the bridge has not heard from the PBX). */
  | { type: 'stale'; what: 'seat' | 'call' | 'calls' }
  | { type: 'seat'; seat: SeatOut; now: number; wrapupSeconds: number | null }
  | { type: 'call'; call: CallWithTimeline | null }
  | { type: 'calls'; calls: CallOut[] }
  | { type: 'handed-off'; callId: string; ticketId: string; at: string }
  | { type: 'tick'; now: number }
  | { type: 'live'; event: LiveEvent; now: number; wrapupSeconds: number | null };

const ENDED = new Set(['abandoned', 'closed', 'lost', 'transferred', 'overflowed']);

export function operatorReducer(state: OperatorState, action: OperatorAction): OperatorState {
  switch (action.type) {
    case 'feed':
      return state.feed === action.status ? state : { ...state, feed: action.status };
    case 'reload':
      return { ...state, stale: { seat: true, call: true, calls: true } };
    case 'stale':
      return state.stale[action.what] ? state : { ...state, stale: { ...state.stale, [action.what]: true } };
    case 'fetching':
      return state.stale[action.what] ? { ...state, stale: { ...state.stale, [action.what]: false } } : state;
    case 'seat':
      return withSeat(
        { ...state, stale: { ...state.stale, call: state.stale.call || (action.seat.call_id ?? null) !== shownOnSeat(state.call, action.seat) } },
        action.seat,
        action.now,
        action.wrapupSeconds,
      );
    case 'call':
      return { ...state, call: action.call, hungUp: keptHungUp(state, action.call) };
    case 'calls':
      return { ...state, calls: action.calls };
    case 'handed-off':
      return {
        ...state,
        tickets: {
          ...state.tickets,
          [action.ticketId]: state.tickets[action.ticketId] ?? {
            id: action.ticketId,
            call_id: action.callId,
            state: 'sent',
            unit: null,
            at: action.at,
          },
        },
        handoffs: [action.ticketId, ...state.handoffs.filter((t) => t !== action.ticketId)],
        handedOffCalls: { ...state.handedOffCalls, [action.callId]: action.ticketId },
        hungUp: state.hungUp?.call.id === action.callId ? null : state.hungUp,
        stale: { ...state.stale, calls: true },
      };
    case 'tick':
      if (state.seat?.state === 'wrap_up' && state.wrapUpUntil !== null && action.now >= state.wrapUpUntil) {
        return { ...state, seat: { ...state.seat, state: 'available' }, wrapUpUntil: null, stale: { ...state.stale, seat: true } };
      }
      return state;
    case 'live':
      return onLive(state, action.event, action.now, action.wrapupSeconds);
  }
}

/** A call is waiting for its qualification: answered (or qualified), no ticket asked yet. */
export function toQualify(call: CallWithTimeline, state: Pick<OperatorState, 'tickets'> & Partial<Pick<OperatorState, 'handedOffCalls'>>): boolean {
  const c = call.call;
  if (state.handedOffCalls?.[c.id] !== undefined) return false;
  // A hand-off on the timeline (its ticket, or its incident's ticket another call holds).
  if (call.steps.some((s) => s.kind !== 'attached' && (s.payload.ticket_id || s.payload.incident_ticket_id))) return false;
  return ['answered', 'qualified'].includes(c.state) && !c.dispatch_ticket && !Object.values(state.tickets).some((t) => t.call_id === c.id);
}

/** The hung-up call to keep when another call takes the seat: the one on screen if its caller
 * hung up before its hand-off, else the one already kept (unless it is the call again, or the
 * API has no call at all to show, which means none is left to hand off). */
function keptHungUp(state: OperatorState, next: CallWithTimeline | null): CallWithTimeline | null {
  if (next === null) return null;
  const shown = state.call;
  if (shown !== null && shown.call.id !== next.call.id && shown.call.line_ended && toQualify(shown, state)) return shown;
  return state.hungUp !== null && state.hungUp.call.id !== next.call.id ? state.hungUp : null;
}

/** The call id the seat should show for the call on screen: a call whose caller hung up is
 * kept on screen (it can still be handed off) while the seat has no other call. */
function shownOnSeat(call: CallWithTimeline | null, seat: SeatOut): string | null {
  if (call === null) return null;
  return call.call.line_ended && !seat.call_id ? null : call.call.id;
}

function withSeat(state: OperatorState, loaded: SeatOut, now: number, wrapupSeconds: number | null): OperatorState {
  // Asterisk shows no wrap-up state (a member in wrapuptime reads "not in use"): while the
  // countdown started by the end of the conversation runs, an "available" seat is in wrap-up.
  const inWrapUp = loaded.state === 'available' && state.wrapUpUntil !== null && now < state.wrapUpUntil;
  const seat: SeatOut = inWrapUp ? { ...loaded, state: 'wrap_up' } : loaded;
  let wrapUpUntil = state.wrapUpUntil;
  if (seat.state !== 'wrap_up') wrapUpUntil = null;
  else if (wrapUpUntil === null && wrapupSeconds !== null) wrapUpUntil = now + wrapupSeconds * 1000;
  return { ...state, seat, wrapUpUntil };
}

const BUSY = new Set(['ringing', 'in_call', 'wrap_up']);

/** A seat action as the feed reports it. Pausing a seat that rings or talks does not end the
 * call: the seat keeps its call state (the reason is kept) and is re-read from the PBX. */
const SEAT_KINDS: Record<string, (seat: SeatOut, reason: string | null) => SeatOut> = {
  login: (s) => ({ ...s, state: 'available', paused_reason: null }),
  logout: (s) => ({ ...s, state: 'logged_out', paused_reason: null, call_id: null }),
  pause: (s, reason) => (BUSY.has(s.state) ? { ...s, paused_reason: reason } : { ...s, state: 'paused', paused_reason: reason }),
  unpause: (s) => (BUSY.has(s.state) ? { ...s, paused_reason: null } : { ...s, state: 'available', paused_reason: null }),
};

function onLive(state: OperatorState, event: LiveEvent, now: number, wrapupSeconds: number | null): OperatorState {
  if (event.topic === 'seat') {
    const change = SEAT_KINDS[event.kind];
    if (state.seat === null || change === undefined) return { ...state, stale: { ...state.stale, seat: true } };
    const reason = typeof event.payload.reason === 'string' ? event.payload.reason : null;
    const next = withSeat(state, change(state.seat, reason), now, wrapupSeconds);
    return BUSY.has(state.seat.state) ? { ...next, stale: { ...next.stale, seat: true } } : next;
  }
  if (event.topic === 'call') {
    const callState = typeof event.payload.state === 'string' ? event.payload.state : null;
    let next: OperatorState = { ...state, stale: { seat: true, call: true, calls: state.stale.calls } };
    if (state.call !== null && state.call.call.id === event.call_id && callState !== null) {
      const lineEnded = state.call.call.line_ended === true || event.kind === 'line_ended';
      next = { ...next, call: { ...state.call, call: { ...state.call.call, state: callState, line_ended: lineEnded } } };
      if (ENDED.has(callState) || event.kind === 'line_ended') next = { ...next, stale: { ...next.stale, calls: true } };
    }
    if (event.kind === 'conversation_ended' && wrapupSeconds !== null && next.seat !== null) {
      next = { ...next, seat: { ...next.seat, state: 'wrap_up' }, wrapUpUntil: now + wrapupSeconds * 1000 };
    }
    return next;
  }
  if (event.topic === 'dispatch') {
    const ticket = event.payload as unknown as Ticket;
    if (typeof ticket.id !== 'string') return state;
    const status: TicketStatus = {
      id: ticket.id,
      call_id: ticket.call_id,
      state: ticketState(event.kind, ticket),
      unit: ticket.unit ?? null,
      at: event.at,
    };
    const handoffs = state.handoffs.includes(ticket.id) ? state.handoffs : [ticket.id, ...state.handoffs];
    const calls = state.calls.map((c) =>
      c.id === ticket.call_id ? { ...c, dispatch_ticket: ticket.id, dispatch_unit: ticket.unit ?? c.dispatch_unit } : c,
    );
    return { ...state, tickets: { ...state.tickets, [ticket.id]: status }, handoffs, calls };
  }
  return state;
}

/** Seconds left of the wrap-up, or null. */
export function wrapUpLeft(state: OperatorState, now: number): number | null {
  if (state.seat?.state !== 'wrap_up' || state.wrapUpUntil === null) return null;
  return Math.max(0, Math.ceil((state.wrapUpUntil - now) / 1000));
}

/** sent, escalated or acknowledged, from a dispatch event's kind and its ticket. */
export function ticketState(kind: string, ticket: Pick<Ticket, 'unit' | 'escalated' | 'state'>): string {
  if (kind === 'ticket_acknowledged' || ticket.unit) return 'acknowledged';
  if (kind === 'ticket_escalated' || ticket.escalated || ticket.state === 'escalated') return 'escalated';
  return 'sent';
}
