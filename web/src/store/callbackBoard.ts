/**
 * The call-back tasks as the supervisor's wallboard shows them (pure): how many in each state,
 * the ones still to call back in the order seats are offered them (the most calls from the
 * number, then cut off, silent, abandoned, then the oldest), and the latest not callable.
 */
import type { CallbackStatus, CallbackTask } from '../api/callbacks';

export interface CallbackBoard {
  counts: Record<CallbackStatus, number>;
  live: CallbackTask[];
  notCallable: CallbackTask[];
}

const RANK: Record<CallbackTask['reason'], number> = { cut_off: 0, silent: 1, abandoned: 2 };
const LIVE = new Set<CallbackStatus>(['open', 'offered', 'calling']);

export function callbackBoard(tasks: CallbackTask[], limit = 10): CallbackBoard {
  const counts: Record<CallbackStatus, number> = { open: 0, offered: 0, calling: 0, reached: 0, closed: 0, gave_up: 0, not_callable: 0 };
  for (const task of tasks) counts[task.status] += 1;
  const live = tasks
    .filter((t) => LIVE.has(t.status))
    .sort((a, b) => b.repeat_count - a.repeat_count || RANK[a.reason] - RANK[b.reason] || a.created_at.localeCompare(b.created_at) || a.call_id.localeCompare(b.call_id))
    .slice(0, limit);
  const notCallable = tasks
    .filter((t) => t.status === 'not_callable')
    .sort((a, b) => b.created_at.localeCompare(a.created_at))
    .slice(0, 5);
  return { counts, live, notCallable };
}
