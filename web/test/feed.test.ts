import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../src/api/types';
import type { FeedStatus } from '../src/live/cursor';
import { LiveFeed, type SocketLike } from '../src/live/feed';

class FakeSocket implements SocketLike {
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  closed: number | null = null;
  constructor(readonly url: string) {}
  send(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(code: number): void {
    this.onclose?.({ code });
  }
  close(code?: number): void {
    this.closed = code ?? 1000;
  }
}

function harness(token: () => string | null = () => 'tok') {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const events: number[] = [];
  const statuses: FeedStatus[] = [];
  let reloads = 0;
  let logins = 0;
  const feed = new LiveFeed({
    feed: 'operator',
    origin: 'http://room',
    token,
    onEvent: (e: LiveEvent) => events.push(e.seq),
    onReload: () => (reloads += 1),
    onStatus: (s) => statuses.push(s),
    onUnauthorized: () => (logins += 1),
    socket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    schedule: (fn, ms) => timers.push({ fn, ms }),
    cancel: () => {},
    random: () => 0.5,
  });
  const event = (seq: number) => ({ type: 'event', seq, topic: 'call', kind: 'offered', at: '', call_id: 'c1', seat: 'Seat 01', payload: {} });
  return { feed, sockets, timers, events, statuses, event, reloads: () => reloads, logins: () => logins };
}

describe('LiveFeed', () => {
  it('resumes after a drop with after=<last seq>, loses nothing and repeats nothing', () => {
    const h = harness();
    h.feed.start();
    expect(h.sockets[0]!.url).toBe('ws://room/live/operator?token=tok');
    h.sockets[0]!.send({ type: 'hello', feed: 'operator', seq: 10 });
    h.sockets[0]!.send(h.event(11));
    h.sockets[0]!.send(h.event(13));
    h.sockets[0]!.drop(1006);
    expect(h.timers).toHaveLength(1);
    expect(h.timers[0]!.ms).toBe(500);
    h.timers[0]!.fn();
    expect(h.sockets[1]!.url).toBe('ws://room/live/operator?token=tok&after=13');
    h.sockets[1]!.send({ type: 'hello', feed: 'operator', seq: 13 });
    h.sockets[1]!.send(h.event(13)); // a duplicate from the backlog is dropped
    h.sockets[1]!.send(h.event(14));
    expect(h.events).toEqual([11, 13, 14]);
    expect(h.reloads()).toBe(1); // the first hello only
    expect(h.statuses.at(-1)).toBe('live');
  });

  it('backs off exponentially while the server is down, and resets after a hello', () => {
    const h = harness();
    h.feed.start();
    for (let i = 0; i < 4; i += 1) {
      h.sockets.at(-1)!.drop(1006);
      h.timers.at(-1)!.fn();
    }
    expect(h.timers.map((t) => t.ms)).toEqual([500, 1000, 2000, 4000]);
    h.sockets.at(-1)!.send({ type: 'hello', feed: 'operator', seq: 0 });
    h.sockets.at(-1)!.drop(1006);
    expect(h.timers.at(-1)!.ms).toBe(500);
  });

  it('behind (4008): reconnects at once from the last seq', () => {
    const h = harness();
    h.feed.start();
    h.sockets[0]!.send({ type: 'hello', feed: 'operator', seq: 5 });
    h.sockets[0]!.send(h.event(6));
    h.sockets[0]!.send({ type: 'behind', seq: 6 });
    h.sockets[0]!.drop(4008);
    expect(h.timers[0]!.ms).toBe(0);
    h.timers[0]!.fn();
    expect(h.sockets[1]!.url).toContain('after=6');
  });

  it('4401: stops and asks for a login; resume() reconnects from where it was', () => {
    let token: string | null = 'old';
    const h = harness(() => token);
    h.feed.start();
    h.sockets[0]!.send({ type: 'hello', feed: 'operator', seq: 20 });
    h.sockets[0]!.send(h.event(21));
    h.sockets[0]!.send({ type: 'error', detail: 'expired' });
    h.sockets[0]!.drop(4401);
    expect(h.logins()).toBe(1);
    expect(h.timers).toHaveLength(0);
    expect(h.statuses.at(-1)).toBe('unauthorized');
    token = 'new';
    h.feed.resume();
    expect(h.sockets[1]!.url).toBe('ws://room/live/operator?token=new&after=21');
  });

  it('4403: stops for good', () => {
    const h = harness();
    h.feed.start();
    h.sockets[0]!.drop(4403);
    expect(h.timers).toHaveLength(0);
    expect(h.statuses.at(-1)).toBe('forbidden');
  });

  it('trimmed and reset ask the screen to reload over HTTP', () => {
    const h = harness();
    h.feed.start();
    h.sockets[0]!.send({ type: 'hello', feed: 'operator', seq: 3 });
    h.sockets[0]!.send({ type: 'trimmed', seq: 3, first_available: 50 });
    h.sockets[0]!.send({ type: 'reset', seq: 1, requested: 60 });
    expect(h.reloads()).toBe(3);
  });

  it('stop() closes the socket and schedules nothing', () => {
    const h = harness();
    h.feed.start();
    h.feed.stop();
    expect(h.sockets[0]!.closed).toBe(1000);
    expect(h.timers).toHaveLength(0);
  });
});
