/**
 * The wallboard's effects: /live/supervisor into the store, HTTP reads when the store says
 * they are stale (the first load, after a gap the feed could not fill, when the queue's order
 * changed), a sample of the queue every 2 s for the chart (kept in sessionStorage so a reload
 * keeps the curve), and the supervisor's actions (re-prioritise, force-pause, log out).
 */
import type { Api } from '../../api/http';
import type { Board, WaitingCall, WallboardConfig } from '../../api/supervision';
import type { LiveEvent } from '../../api/types';
import { LiveFeed } from '../../live/feed';
import { createStore, type Store } from '../../store/store';
import { HISTORY_MS, initialWall, wallReducer, type Sample, type WallAction, type WallState } from '../../store/wallboard';

const HISTORY_KEY = 'callcenter.wallboard.history';
const SAMPLE_MS = 2000;
const WAITING_MIN_GAP_MS = 400; // re-read the queue's order at most this often

export class WallboardController {
  readonly store: Store<WallState, WallAction> = createStore(wallReducer, initialWall);
  private feed: LiveFeed | null = null;
  private loading = { board: false, waiting: false };
  private lastWaitingRead = 0;
  private waitingTimer: ReturnType<typeof setTimeout> | null = null;
  private sampler: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private pending: { event: LiveEvent; received: number }[] = [];
  private flushScheduled = false;

  constructor(
    private readonly api: Api,
    private readonly token: () => string | null,
    private readonly onExpired: () => void,
  ) {}

  start(): void {
    try {
      const saved = JSON.parse(sessionStorage.getItem(HISTORY_KEY) ?? '[]') as Sample[];
      if (Array.isArray(saved)) this.store.dispatch({ type: 'history', samples: saved.filter((s) => s.t > Date.now() - HISTORY_MS) });
    } catch {
      // a damaged history is dropped
    }
    this.unsubscribe = this.store.subscribe(() => this.sync());
    this.api
      .get<WallboardConfig>('/wallboard/config')
      .then((config) => this.store.dispatch({ type: 'config', config }))
      .catch((e: unknown) => this.failed(e));
    this.feed = new LiveFeed({
      feed: 'supervisor',
      origin: location.origin,
      token: this.token,
      onEvent: (event) => this.onEvent(event),
      onReload: () => this.store.dispatch({ type: 'reload' }),
      onStatus: (status) => this.store.dispatch({ type: 'feed', status }),
      onUnauthorized: this.onExpired,
    });
    this.feed.start();
    this.sampler = setInterval(() => {
      this.store.dispatch({ type: 'sample', now: Date.now() });
      try {
        sessionStorage.setItem(HISTORY_KEY, JSON.stringify(this.store.get().history));
      } catch {
        // storage full: the chart keeps what it has in memory
      }
    }, SAMPLE_MS);
  }

  /** Events are applied once per frame (one render for all the events of a frame: at 600
   * calls the feed brings dozens a second, and rendering each alone costs more than it shows). */
  private onEvent(event: LiveEvent): void {
    this.pending.push({ event, received: Date.now() });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    const flush = () => this.flush();
    // A hidden tab gets no frames: flush on a timer there, so nothing piles up.
    if (document.hidden) setTimeout(flush, 250);
    else requestAnimationFrame(flush);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const now = Date.now();
    // The freshness bench (bench/wallboard_freshness.py) sets window.__ccFreshness: for each
    // call event that changed the calls-waiting tile, when it reached the page and when the
    // tile was on screen (after the next frame).
    const probe = (window as { __ccFreshness?: unknown[] }).__ccFreshness;
    const changed: { event: LiveEvent; received: number }[] = [];
    if (probe) {
      let state = this.store.get();
      for (const item of batch) {
        const next = wallReducer(state, { type: 'live', event: item.event, now });
        if (next.waiting !== state.waiting) changed.push(item);
        state = next;
      }
    }
    this.store.dispatch({ type: 'batch', events: batch.map((b) => b.event), now });
    if (probe && changed.length > 0) {
      requestAnimationFrame(() =>
        setTimeout(() => {
          const shown = Date.now();
          for (const { event, received } of changed) probe.push({ call_id: event.call_id, kind: event.kind, seq: event.seq, published: event.at, received, shown });
        }, 0),
      );
    }
  }

  stop(): void {
    this.feed?.stop();
    this.unsubscribe?.();
    if (this.sampler) clearInterval(this.sampler);
    if (this.waitingTimer) clearTimeout(this.waitingTimer);
  }

  private failed(error: unknown): void {
    this.store.dispatch({ type: 'failed', message: String(error instanceof Error ? error.message : error) });
  }

  private sync(): void {
    const state = this.store.get();
    if (state.feed !== 'live') return;
    if (state.stale.board && !this.loading.board) {
      this.loading.board = true;
      this.store.dispatch({ type: 'fetching', what: 'board' });
      this.api
        .get<Board>('/wallboard/board')
        .then((board) => this.store.dispatch({ type: 'board', board, now: Date.now() }))
        .catch((e: unknown) => this.failed(e))
        .finally(() => {
          this.loading.board = false;
          this.sync();
        });
    }
    if (state.stale.waiting && !this.loading.waiting && this.waitingTimer === null) {
      const wait = Math.max(0, this.lastWaitingRead + WAITING_MIN_GAP_MS - Date.now());
      this.waitingTimer = setTimeout(() => {
        this.waitingTimer = null;
        this.readWaiting();
      }, wait);
    }
  }

  private readWaiting(): void {
    this.loading.waiting = true;
    this.lastWaitingRead = Date.now();
    this.store.dispatch({ type: 'fetching', what: 'waiting' });
    this.api
      .get<WaitingCall[]>('/wallboard/waiting')
      .then((calls) => this.store.dispatch({ type: 'waiting', calls, now: Date.now() }))
      .catch((e: unknown) => this.failed(e))
      .finally(() => {
        this.loading.waiting = false;
        this.sync();
      });
  }

  async reprioritise(id: string, priority: number, reason: string): Promise<void> {
    await this.api.post(`/supervisor/calls/${encodeURIComponent(id)}/priority`, { priority, reason });
    this.store.dispatch({ type: 'moved', id });
  }

  async pause(seat: string, reason: string): Promise<void> {
    await this.api.post(`/supervisor/seats/${encodeURIComponent(seat)}/pause`, { reason });
  }

  async logout(seat: string): Promise<void> {
    await this.api.post(`/supervisor/seats/${encodeURIComponent(seat)}/logout`);
  }
}
