/**
 * The call-back offered to the operator's seat, and the last call-back's result: a pure
 * reducer fed by the live feed (topic `callback`, and the seat's own changes) and by the
 * HTTP reload of `GET /me/callback` that an effect performs when `stale` says so.
 */
import type { CallbackTask } from '../api/callbacks';
import type { LiveEvent } from '../api/types';

export interface LastResult {
  callId: string;
  number: string | null;
  result: string;
}

export interface CallbackState {
  task: CallbackTask | null; // offered to this seat, or being called back from it
  whyNone: string;
  last: LastResult | null; // how the last call-back from this seat ended
  stale: boolean;
}

export const initialCallbacks: CallbackState = { task: null, whyNone: '', last: null, stale: true };

export type CallbackAction =
  | { type: 'reload' }
  | { type: 'fetching' }
  | { type: 'offer'; task: CallbackTask | null; whyNone: string }
  | { type: 'live'; event: LiveEvent; seat: string | null };

const MINE = new Set(['offered', 'calling']);

function isTask(value: unknown): value is CallbackTask {
  const t = value as Partial<CallbackTask> | null;
  return typeof t?.call_id === 'string' && typeof t.status === 'string';
}

export function callbackReducer(state: CallbackState, action: CallbackAction): CallbackState {
  switch (action.type) {
    case 'reload':
      return state.stale ? state : { ...state, stale: true };
    case 'fetching':
      return state.stale ? { ...state, stale: false } : state;
    case 'offer':
      return { ...state, task: action.task, whyNone: action.whyNone };
    case 'live':
      return onLive(state, action.event, action.seat);
  }
}

function onLive(state: CallbackState, event: LiveEvent, seat: string | null): CallbackState {
  if (event.topic === 'seat' || event.topic === 'call') {
    // the seat became free or busy: the offer may change (the API decides)
    return state.stale ? state : { ...state, stale: true };
  }
  if (event.topic !== 'callback' || !isTask(event.payload)) return state;
  const task = event.payload;
  if (state.task !== null && task.call_id === state.task.call_id) {
    if (MINE.has(task.status) && task.seat === seat) return { ...state, task };
    // it ended (reached, closed by a repeat call, given up) or went back to the pool
    const ended = task.result !== null && state.task.status === 'calling';
    const last = ended ? { callId: task.call_id, number: task.number, result: task.result as string } : state.last;
    return { ...state, task: null, last, stale: true };
  }
  if (state.task === null && (task.status === 'open' || task.seat === seat)) return { ...state, stale: true };
  return state;
}
