/**
 * The dispatcher console's state and its pure reducer: pending tickets most urgent first
 * (P1 before P2, then oldest), the selected one, the unit picked for it (by its number in the
 * candidate list), and the tickets acknowledged here. Two keystrokes acknowledge: a digit picks
 * the unit, Enter confirms (the effect posts it).
 */
import type { Candidate, LiveEvent, Ticket, Unit } from '../api/types';
import type { FeedStatus } from '../live/cursor';

export interface DispatchState {
  feed: FeedStatus;
  tickets: Ticket[];
  units: Unit[]; // GET /dispatch/units: the choice when a ticket has no coordinates
  selected: string | null;
  picked: number | null; // index into the selected ticket's candidates
  sending: string | null; // ticket id being acknowledged
  acknowledged: Ticket[]; // newest first, at most 10
  stale: boolean;
  error: string | null;
}

export const initialDispatch: DispatchState = {
  feed: 'connecting',
  tickets: [],
  units: [],
  selected: null,
  picked: null,
  sending: null,
  acknowledged: [],
  stale: true,
  error: null,
};

export type DispatchAction =
  | { type: 'feed'; status: FeedStatus }
  | { type: 'reload' }
  | { type: 'fetching' }
  | { type: 'loaded'; tickets: Ticket[]; units: Unit[] }
  | { type: 'live'; event: LiveEvent }
  | { type: 'move'; by: number }
  | { type: 'select'; id: string }
  | { type: 'pick'; index: number }
  | { type: 'cancel' }
  | { type: 'sending'; id: string }
  | { type: 'acknowledged'; ticket: Ticket }
  | { type: 'failed'; message: string };

export function urgency(a: Ticket, b: Ticket): number {
  const pa = a.qualification?.priority ?? 'P9';
  const pb = b.qualification?.priority ?? 'P9';
  if (pa !== pb) return pa < pb ? -1 : 1;
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function withTickets(state: DispatchState, tickets: Ticket[]): DispatchState {
  const sorted = [...tickets].sort(urgency);
  const selected = sorted.some((t) => t.id === state.selected) ? state.selected : (sorted[0]?.id ?? null);
  return { ...state, tickets: sorted, selected, picked: selected === state.selected ? state.picked : null };
}

function upsert(tickets: Ticket[], ticket: Ticket): Ticket[] {
  const old = tickets.find((t) => t.id === ticket.id);
  const merged = old ? { ...old, ...ticket, candidates: ticket.candidates ?? old.candidates } : ticket;
  return [...tickets.filter((t) => t.id !== ticket.id), merged];
}

function remember(list: Ticket[], ticket: Ticket): Ticket[] {
  return [ticket, ...list.filter((t) => t.id !== ticket.id)].slice(0, 10);
}

export function selectedTicket(state: DispatchState): Ticket | null {
  return state.tickets.find((t) => t.id === state.selected) ?? null;
}

/** The units offered for a ticket: its nearest available ones, or (no coordinates given) every
 * available unit without a distance; at most 5, so one digit picks one. */
export function candidatesOf(state: Pick<DispatchState, 'units'>, ticket: Ticket): Candidate[] {
  if (ticket.candidates && ticket.candidates.length > 0) return ticket.candidates.slice(0, 5);
  return state.units
    .filter((u) => u.status === 'available')
    .slice(0, 5)
    .map((u) => ({ unit: u.id, kind: u.kind, distance_m: null }));
}

export function dispatchReducer(state: DispatchState, action: DispatchAction): DispatchState {
  switch (action.type) {
    case 'feed':
      return state.feed === action.status ? state : { ...state, feed: action.status };
    case 'reload':
      return state.stale ? state : { ...state, stale: true };
    case 'fetching':
      return state.stale ? { ...state, stale: false } : state;
    case 'loaded':
      return withTickets({ ...state, units: action.units }, action.tickets);
    case 'live':
      return onLive(state, action.event);
    case 'move': {
      if (state.tickets.length === 0) return state;
      const at = state.tickets.findIndex((t) => t.id === state.selected);
      const next = Math.min(state.tickets.length - 1, Math.max(0, (at < 0 ? 0 : at) + action.by));
      const id = state.tickets[next]?.id ?? null;
      return id === state.selected ? state : { ...state, selected: id, picked: null, error: null };
    }
    case 'select':
      return state.tickets.some((t) => t.id === action.id)
        ? { ...state, selected: action.id, picked: state.selected === action.id ? state.picked : null, error: null }
        : state;
    case 'pick': {
      const ticket = selectedTicket(state);
      const candidates = ticket ? candidatesOf(state, ticket) : [];
      return action.index >= 0 && action.index < candidates.length ? { ...state, picked: action.index, error: null } : state;
    }
    case 'cancel':
      return { ...state, picked: null, error: null };
    case 'sending':
      return { ...state, sending: action.id, error: null };
    case 'acknowledged':
      return withTickets(
        {
          ...state,
          stale: true, // the unit sent is busy now: re-read units and candidates
          sending: null,
          picked: null,
          acknowledged: remember(state.acknowledged, action.ticket),
        },
        state.tickets.filter((t) => t.id !== action.ticket.id),
      );
    case 'failed':
      return { ...state, sending: null, error: action.message };
  }
}

function onLive(state: DispatchState, event: LiveEvent): DispatchState {
  if (event.topic === 'dispatch' && event.kind === 'ticket_callers') return withCallers(state, event.payload);
  if (event.topic === 'dispatch') {
    const ticket = event.payload as unknown as Ticket;
    if (typeof ticket.id !== 'string') return state;
    if (event.kind === 'ticket_acknowledged' || ticket.unit) {
      const gone = withTickets(state, state.tickets.filter((t) => t.id !== ticket.id));
      return { ...gone, acknowledged: remember(state.acknowledged, ticket) };
    }
    const escalated = event.kind === 'ticket_escalated' || ticket.escalated === true;
    return withTickets(state, upsert(state.tickets, { ...ticket, escalated }));
  }
  if (event.topic === 'alert' && event.kind === 'dispatch_escalated') {
    const id = event.payload.ticket_id;
    return withTickets(
      state,
      state.tickets.map((t) => (t.id === id ? { ...t, escalated: true } : t)),
    );
  }
  return state;
}

/** Another caller reports a ticket's incident (`ticket_callers`: the ticket id and how many
 * calls report it now): the count changes, nothing else; an unknown ticket is not added. */
function withCallers(state: DispatchState, payload: Record<string, unknown>): DispatchState {
  const id = payload.id;
  const callers = Number(payload.callers);
  if (typeof id !== 'string' || !Number.isInteger(callers) || callers < 1) return state;
  const count = (t: Ticket): Ticket => (t.id === id ? { ...t, callers: Math.max(t.callers ?? 1, callers) } : t);
  if (!state.tickets.some((t) => t.id === id) && !state.acknowledged.some((t) => t.id === id)) return state;
  return { ...state, tickets: state.tickets.map(count), acknowledged: state.acknowledged.map(count) };
}
