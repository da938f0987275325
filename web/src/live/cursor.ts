/**
 * The pure part of the live-feed client: where the feed stands (last sequence number seen)
 * and what a message or a close means for it. No sockets, no timers: tested as tables.
 *
 * Promise kept to the screens: each event is delivered once and in order (a duplicate after a
 * resume is dropped), and whenever the feed cannot give what was missed (`trimmed`, `reset`, or
 * the very first `hello`), the screen is told to reload its state over HTTP.
 */
import type { LiveMessage } from '../api/types';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'forbidden';

export interface Cursor {
  lastSeq: number | null; // the last sequence number delivered (or the resume point)
  attempt: number; // consecutive failed connections, for the backoff
  status: FeedStatus;
}

export const initialCursor: Cursor = { lastSeq: null, attempt: 0, status: 'connecting' };

export interface Step {
  cursor: Cursor;
  deliver: boolean; // hand the message to the screen's store
  reload: boolean; // the screen must re-read its state over HTTP
}

export function onMessage(cursor: Cursor, message: LiveMessage): Step {
  switch (message.type) {
    case 'hello':
      return {
        cursor: { lastSeq: cursor.lastSeq ?? message.seq, attempt: 0, status: 'live' },
        deliver: false,
        reload: cursor.lastSeq === null,
      };
    case 'event':
      if (cursor.lastSeq !== null && message.seq <= cursor.lastSeq) {
        return { cursor, deliver: false, reload: false };
      }
      return { cursor: { ...cursor, lastSeq: message.seq }, deliver: true, reload: false };
    case 'trimmed':
      // What came between is gone from the log: the feed goes on, the state comes over HTTP.
      return {
        cursor: { ...cursor, lastSeq: Math.max(cursor.lastSeq ?? 0, message.first_available - 1) },
        deliver: false,
        reload: true,
      };
    case 'reset':
      // The server's log restarted: our position means nothing there any more.
      return { cursor: { ...cursor, lastSeq: message.seq }, deliver: false, reload: true };
    case 'behind':
    case 'error':
      return { cursor, deliver: false, reload: false };
  }
}

export type CloseAction = 'retry' | 'retry-now' | 'login' | 'stop';

/** What a closed socket means: 4401 log in again, 4403 stop, 4008 resume at once, else backoff. */
export function onClose(cursor: Cursor, code: number): { cursor: Cursor; action: CloseAction } {
  if (code === 4401) return { cursor: { ...cursor, status: 'unauthorized' }, action: 'login' };
  if (code === 4403) return { cursor: { ...cursor, status: 'forbidden' }, action: 'stop' };
  if (code === 4008) return { cursor: { ...cursor, status: 'reconnecting' }, action: 'retry-now' };
  return {
    cursor: { ...cursor, status: 'reconnecting', attempt: cursor.attempt + 1 },
    action: 'retry',
  };
}

/** Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped at 15 s; `random` in [0, 1). */
export function backoffMs(attempt: number, random: number): number {
  const base = Math.min(15000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + 0.5 * random));
}

export function feedUrl(origin: string, feed: string, token: string, after: number | null): string {
  const ws = origin.replace(/^http/, 'ws');
  const query = new URLSearchParams({ token });
  if (after !== null) query.set('after', String(after));
  return `${ws}/live/${feed}?${query.toString()}`;
}
