import { describe, expect, it } from 'vitest';
import type { LiveMessage } from '../src/api/types';
import { backoffMs, feedUrl, initialCursor, onClose, onMessage, type Cursor } from '../src/live/cursor';

const at = (lastSeq: number | null, status: Cursor['status'] = 'live', attempt = 0): Cursor => ({ lastSeq, status, attempt });
const ev = (seq: number): LiveMessage => ({ type: 'event', seq, topic: 'call', kind: 'offered', at: '', call_id: 'c', seat: 'Seat 01', payload: {} });

describe('onMessage: (cursor, message) -> (cursor, deliver, reload)', () => {
  const table: [string, Cursor, LiveMessage, Cursor, boolean, boolean][] = [
    ['first hello: start there and load over HTTP', initialCursor, { type: 'hello', feed: 'operator', seq: 40 }, at(40), false, true],
    ['hello on resume keeps our position, no reload', at(55, 'reconnecting', 3), { type: 'hello', feed: 'operator', seq: 55 }, at(55), false, false],
    ['a new event is delivered', at(40), ev(41), at(41), true, false],
    ['a filtered feed skips numbers', at(41), ev(47), at(47), true, false],
    ['a repeated event is dropped', at(47), ev(47), at(47), false, false],
    ['an older event is dropped', at(47), ev(12), at(47), false, false],
    ['trimmed: reload, go on from first_available', at(10), { type: 'trimmed', seq: 10, first_available: 500 }, at(499), false, true],
    ['reset: the log restarted, take its head and reload', at(900), { type: 'reset', seq: 3, requested: 900 }, at(3), false, true],
    ['behind: keep the position for the resume', at(77), { type: 'behind', seq: 77 }, at(77), false, false],
    ['error: nothing to deliver', at(77), { type: 'error', detail: 'no token' }, at(77), false, false],
  ];
  it.each(table)('%s', (_name, cursor, message, next, deliver, reload) => {
    expect(onMessage(cursor, message)).toEqual({ cursor: next, deliver, reload });
  });
});

describe('onClose: close code -> action', () => {
  it.each([
    [4401, 'login', 'unauthorized', 0],
    [4403, 'stop', 'forbidden', 0],
    [4008, 'retry-now', 'reconnecting', 0],
    [1006, 'retry', 'reconnecting', 1],
    [1001, 'retry', 'reconnecting', 1],
  ] as const)('%i -> %s', (code, action, status, attempt) => {
    expect(onClose(at(9), code)).toEqual({ cursor: at(9, status, attempt), action });
  });
});

describe('backoff', () => {
  it('doubles from 0.5 s and stops at 15 s, with jitter of +-25 %', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 12].map((a) => backoffMs(a, 0.5))).toEqual([500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    expect(backoffMs(3, 0)).toBe(1500);
    expect(backoffMs(3, 0.999)).toBeLessThan(2500);
  });
});

describe('feedUrl', () => {
  it('resumes with after=<last seq> and carries the token', () => {
    expect(feedUrl('https://room.example', 'dispatch', 'a b', 12)).toBe('wss://room.example/live/dispatch?token=a+b&after=12');
    expect(feedUrl('http://127.0.0.1:8000', 'operator', 't', null)).toBe('ws://127.0.0.1:8000/live/operator?token=t');
  });
});
