/**
 * The supervisor wallboard's state and its pure reducer. The board (statistics per window,
 * burn-rate forecast, seats, alerts) comes over HTTP once and then every few seconds on the
 * feed (`stats`/`board`); between boards, seat changes (`seat`/`state`) and call changes
 * (`call`) update the seats and the set of waiting callers at once, so the tiles that count
 * them change with the event, not with the next board.
 */
import type { LiveEvent } from '../api/types';
import type { Board, BoardSeat, RoomAlert, Threshold, WaitingCall, WallboardConfig, WindowName } from '../api/supervision';
import type { FeedStatus } from '../live/cursor';

export interface Sample {
  t: number; // epoch ms
  depth: number;
  longest: number; // seconds
}

export interface Waiter {
  since: number; // epoch ms the caller started waiting (queued_at, or the event's time)
}

export interface WallState {
  feed: FeedStatus;
  config: WallboardConfig | null;
  board: Board | null;
  seats: Record<string, BoardSeat>;
  order: WaitingCall[]; // the server's queue order, as last read
  waiting: Record<string, Waiter>; // callers waiting now, kept live from call events
  history: Sample[];
  window: WindowName;
  liveAlerts: RoomAlert[]; // alerts that arrived on the feed since the last board
  stale: { board: boolean; waiting: boolean };
  moved: string | null; // the call last re-prioritised here (highlighted)
  error: string | null;
  changedAt: number | null; // epoch ms of the last change on screen (for the freshness bench)
}

export const HISTORY_MS = 60 * 60 * 1000;
const WAITING_STATES = new Set(['queued', 'offered']);

export const initialWall: WallState = {
  feed: 'connecting',
  config: null,
  board: null,
  seats: {},
  order: [],
  waiting: {},
  history: [],
  window: '15m',
  liveAlerts: [],
  stale: { board: true, waiting: true },
  moved: null,
  error: null,
  changedAt: null,
};

export type WallAction =
  | { type: 'feed'; status: FeedStatus }
  | { type: 'reload' }
  | { type: 'fetching'; what: 'board' | 'waiting' }
  | { type: 'config'; config: WallboardConfig }
  | { type: 'board'; board: Board; now: number }
  | { type: 'waiting'; calls: WaitingCall[]; now: number }
  | { type: 'live'; event: LiveEvent; now: number }
  | { type: 'batch'; events: LiveEvent[]; now: number }
  | { type: 'window'; window: WindowName }
  | { type: 'sample'; now: number }
  | { type: 'history'; samples: Sample[] }
  | { type: 'moved'; id: string }
  | { type: 'failed'; message: string };

function time(iso: string | null | undefined, fallback: number): number {
  const at = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(at) ? fallback : at;
}

function seatsOf(board: Board): Record<string, BoardSeat> {
  return Object.fromEntries(board.seats.map((s) => [s.name, s]));
}

export function wallReducer(state: WallState, action: WallAction): WallState {
  switch (action.type) {
    case 'feed':
      return state.feed === action.status ? state : { ...state, feed: action.status };
    case 'reload':
      return { ...state, stale: { board: true, waiting: true } };
    case 'fetching':
      return state.stale[action.what] ? { ...state, stale: { ...state.stale, [action.what]: false } } : state;
    case 'config':
      return { ...state, config: action.config };
    case 'board':
      return { ...state, board: action.board, seats: seatsOf(action.board), liveAlerts: [], error: null, changedAt: action.now };
    case 'waiting': {
      const waiting: Record<string, Waiter> = {};
      for (const call of action.calls) waiting[call.id] = { since: time(call.queued_at ?? call.rang_at, action.now) };
      return { ...state, order: action.calls, waiting, error: null, changedAt: action.now };
    }
    case 'live':
      return onLive(state, action.event, action.now);
    case 'batch':
      return action.events.reduce((s, event) => onLive(s, event, action.now), state);
    case 'window':
      return { ...state, window: action.window };
    case 'sample': {
      const sample = { t: action.now, depth: Object.keys(state.waiting).length, longest: longestWait(state, action.now) };
      const kept = state.history.filter((s) => s.t > action.now - HISTORY_MS);
      return { ...state, history: [...kept, sample] };
    }
    case 'history':
      return { ...state, history: action.samples };
    case 'moved':
      return { ...state, moved: action.id, stale: { ...state.stale, waiting: true } };
    case 'failed':
      return { ...state, error: action.message };
  }
}

function onLive(state: WallState, event: LiveEvent, now: number): WallState {
  if (event.topic === 'stats' && event.kind === 'board') {
    const board = event.payload as unknown as Board;
    if (!board || !Array.isArray(board.seats)) return state;
    return { ...state, board, seats: seatsOf(board), liveAlerts: [], changedAt: now };
  }
  if (event.topic === 'seat' && event.kind === 'state' && event.seat) {
    const p = event.payload as { state?: string; paused_reason?: string | null; call_id?: string | null; since?: string };
    const before = state.seats[event.seat];
    const callId = p.call_id ?? null;
    const known = state.order.find((c) => c.id === callId);
    const call =
      callId === null
        ? null
        : before?.call?.id === callId
          ? before.call
          : { id: callId, rang_at: known?.rang_at ?? null, answered_at: null, incident_type: null, priority: null, caller_e164: known?.caller_e164 ?? null };
    const seat: BoardSeat = {
      name: event.seat,
      operator: before?.operator ?? null,
      state: p.state ?? 'logged_out',
      paused_reason: p.paused_reason ?? null,
      call_id: callId,
      since: p.since ?? event.at,
      call,
    };
    return { ...state, seats: { ...state.seats, [event.seat]: seat }, changedAt: now };
  }
  if (event.topic === 'call' && event.call_id) {
    const id = event.call_id;
    const callState = String(event.payload.state ?? '');
    const isWaiting = WAITING_STATES.has(callState);
    let waiting = state.waiting;
    if (isWaiting && !(id in waiting)) waiting = { ...waiting, [id]: { since: time(event.at, now) } };
    if (!isWaiting && id in waiting) {
      waiting = { ...waiting };
      delete waiting[id];
    }
    // A newcomer or a re-prioritisation changes the queue's order: re-read it.
    const reorder = event.kind === 'reprioritised' || (isWaiting && !state.order.some((c) => c.id === id));
    if (waiting === state.waiting && !reorder) return state;
    return { ...state, waiting, stale: reorder ? { ...state.stale, waiting: true } : state.stale, changedAt: now };
  }
  if (event.topic === 'alert') {
    const alert = alertOf(event);
    return { ...state, liveAlerts: [...state.liveAlerts.filter((a) => a.key !== alert.key), alert], changedAt: now };
  }
  return state;
}

/** An alert event as the panel shows it: the board's own alerts carry their shape; the
 * lifecycle's escalation alert is turned into one. */
export function alertOf(event: LiveEvent): RoomAlert {
  const p = event.payload as Partial<RoomAlert> & Record<string, unknown>;
  if (typeof p.key === 'string' && typeof p.severity === 'string') return p as RoomAlert;
  const ticket = String(p.ticket_id ?? event.call_id ?? event.seq);
  return {
    key: event.kind === 'dispatch_escalated' ? `escalated:${ticket}` : `${event.kind}:${event.seq}`,
    kind: event.kind,
    severity: 'critical',
    since: event.at,
    seat: event.seat,
    call_id: event.call_id,
    detail: { ticket_id: p.ticket_id, priority: p.priority, incident_type: p.incident_type },
  };
}

/** Callers waiting now, in the server's queue order; callers it did not list yet come last,
 * oldest first. */
export function waitingList(state: Pick<WallState, 'order' | 'waiting'>): { id: string; call: WaitingCall | null; since: number }[] {
  const listed = state.order.filter((c) => c.id in state.waiting).map((c) => ({ id: c.id, call: c, since: state.waiting[c.id]!.since }));
  const known = new Set(listed.map((c) => c.id));
  const extra = Object.entries(state.waiting)
    .filter(([id]) => !known.has(id))
    .sort((a, b) => a[1].since - b[1].since)
    .map(([id, w]) => ({ id, call: null, since: w.since }));
  return [...listed, ...extra];
}

export function longestWait(state: Pick<WallState, 'waiting'>, now: number): number {
  let oldest = now;
  for (const w of Object.values(state.waiting)) oldest = Math.min(oldest, w.since);
  return Math.max(0, Math.round((now - oldest) / 1000));
}

/** Every alert to show: the board's and those the feed brought since, deduplicated by key,
 * critical first. */
export function alertsOf(state: Pick<WallState, 'board' | 'liveAlerts'>): RoomAlert[] {
  const byKey = new Map<string, RoomAlert>();
  for (const a of [...(state.board?.alerts ?? []), ...state.liveAlerts]) byKey.set(a.key, a);
  return [...byKey.values()].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
}

export type Level = 'none' | 'ok' | 'warn' | 'alarm';

/** A tile's colour: amber from `warn`, red from `alarm`; lower is worse when alarm < warn. */
export function level(value: number | null | undefined, threshold: Threshold | undefined): Level {
  if (value === null || value === undefined || Number.isNaN(value)) return 'none';
  if (!threshold) return 'ok';
  const { warn, alarm } = threshold;
  if (alarm >= warn) return value >= alarm ? 'alarm' : value >= warn ? 'warn' : 'ok';
  return value <= alarm ? 'alarm' : value <= warn ? 'warn' : 'ok';
}

/** What the burn-rate banner says: its level and message (key + parameters). */
export function burnMessage(burn: Board['burn'] | null | undefined): { level: Level; key: 'burn.ok' | 'burn.atRisk' | 'burn.breached' | 'burn.unknown'; params: Record<string, string | number> } {
  if (!burn) return { level: 'none', key: 'burn.unknown', params: {} };
  const params = {
    target: burn.target_percent,
    seconds: burn.target_seconds,
    projected: burn.projected ?? '—',
    measured: burn.measured ?? '—',
    minutes: burn.breach_in_seconds === null ? '—' : Math.max(1, Math.ceil(burn.breach_in_seconds / 60)),
    breachIn: burn.breach_in_seconds === null ? '—' : Math.round(burn.breach_in_seconds),
  };
  if (burn.status === 'breached') return { level: 'alarm', key: 'burn.breached', params };
  if (burn.status === 'at_risk') return { level: 'warn', key: 'burn.atRisk', params };
  return { level: 'ok', key: 'burn.ok', params };
}
