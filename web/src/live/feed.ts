/**
 * The one live-feed client every screen uses: a websocket to /live/<feed>, resumed with
 * `after=<last seq>` after any drop, with exponential backoff; the decisions are in cursor.ts.
 *
 * It owns one socket and one timer at a time; `stop()` ends both. On 4401 it stops and asks
 * for a new token (`onUnauthorized`); `resume()` after a new login reconnects from where it was.
 */
import type { LiveEvent, LiveMessage } from '../api/types';
import { backoffMs, feedUrl, initialCursor, onClose, onMessage, type Cursor, type FeedStatus } from './cursor';

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number): void;
}

export interface FeedOptions {
  feed: 'operator' | 'dispatch' | 'supervisor';
  origin: string;
  token: () => string | null;
  onEvent: (event: LiveEvent) => void;
  onReload: () => void;
  onStatus: (status: FeedStatus) => void;
  onUnauthorized: () => void;
  socket?: (url: string) => SocketLike;
  schedule?: (fn: () => void, ms: number) => unknown;
  cancel?: (handle: unknown) => void;
  random?: () => number;
}

export class LiveFeed {
  private cursor: Cursor = initialCursor;
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private stopped = false;
  private readonly open: (url: string) => SocketLike;
  private readonly schedule: (fn: () => void, ms: number) => unknown;
  private readonly cancel: (handle: unknown) => void;

  constructor(private readonly options: FeedOptions) {
    this.open = options.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.schedule = options.schedule ?? ((fn, ms) => setTimeout(fn, ms));
    this.cancel = options.cancel ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  get lastSeq(): number | null {
    return this.cursor.lastSeq;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** After a new login: reconnect from the last sequence received. */
  resume(): void {
    if (this.socket !== null) return;
    this.cursor = { ...this.cursor, attempt: 0 };
    this.start();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.cancel(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
    }
  }

  private setStatus(status: FeedStatus): void {
    this.cursor = { ...this.cursor, status };
    this.options.onStatus(status);
  }

  private connect(): void {
    this.timer = null;
    const token = this.options.token();
    if (token === null) {
      this.setStatus('unauthorized');
      this.options.onUnauthorized();
      return;
    }
    this.setStatus(this.cursor.lastSeq === null ? 'connecting' : 'reconnecting');
    const socket = this.open(feedUrl(this.options.origin, this.options.feed, token, this.cursor.lastSeq));
    this.socket = socket;
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onclose = (ev) => this.closed(ev.code);
    socket.onerror = () => {};
  }

  private receive(data: unknown): void {
    let message: LiveMessage;
    try {
      message = JSON.parse(String(data)) as LiveMessage;
    } catch {
      return;
    }
    const before = this.cursor.status;
    const step = onMessage(this.cursor, message);
    this.cursor = step.cursor;
    if (step.cursor.status !== before) this.options.onStatus(step.cursor.status);
    if (step.reload) this.options.onReload();
    if (step.deliver && message.type === 'event') this.options.onEvent(message);
  }

  private closed(code: number): void {
    this.socket = null;
    if (this.stopped) return;
    const { cursor, action } = onClose(this.cursor, code);
    this.cursor = cursor;
    this.options.onStatus(cursor.status);
    if (action === 'login') {
      this.options.onUnauthorized();
    } else if (action === 'retry' || action === 'retry-now') {
      const delay = action === 'retry-now' ? 0 : backoffMs(cursor.attempt, (this.options.random ?? Math.random)());
      this.timer = this.schedule(() => this.connect(), delay);
    }
  }
}
