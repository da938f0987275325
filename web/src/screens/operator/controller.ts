/**
 * The operator panel's effects: the live feed into the store, HTTP reloads when the store says
 * something is stale (one request per resource at a time), the phone's events into its own
 * store, and the seat and call actions. Components call these; they never fetch themselves.
 */
import { ApiError, type Api } from '../../api/http';
import type { CallOut, CallWithTimeline, LiveEvent, PhoneConfig, RoomConfig, SeatOut } from '../../api/types';
import { LiveFeed } from '../../live/feed';
import { createPhone } from '../../phone/choose';
import { initialPhone, phoneReducer, type Phone, type PhoneEvent, type PhoneState } from '../../phone/phone';
import { createStore, type Store } from '../../store/store';
import { initialOperator, operatorReducer, type OperatorAction, type OperatorState } from '../../store/operator';

type What = 'seat' | 'call' | 'calls';

/** After a 503 (the bridge is restarting, or has not heard from the PBX yet) a resource is read
 * again after this many ms, doubling up to the last: the panel comes back by itself. */
export const UNAVAILABLE_RETRY_MS = [1000, 2000, 4000, 8000] as const;

export function unavailableRetryDelay(attempt: number): number {
  return UNAVAILABLE_RETRY_MS[Math.min(Math.max(attempt, 0), UNAVAILABLE_RETRY_MS.length - 1)]!;
}

export class OperatorController {
  readonly store: Store<OperatorState, OperatorAction> = createStore(operatorReducer, initialOperator);
  readonly phoneStore: Store<PhoneState, PhoneEvent> = createStore(phoneReducer, initialPhone);
  phone: Phone | null = null;
  /** Other parts of the panel that follow the live feed (the call-back card). */
  readonly liveListeners = new Set<(event: LiveEvent) => void>();
  private feed: LiveFeed | null = null;
  private readonly inflight = new Set<What>();
  private readonly unavailable = new Map<What, number>();
  private readonly cleanups: (() => void)[] = [];
  private stopped = false;
  private generation = 0;

  constructor(
    readonly api: Api,
    private readonly token: () => string | null,
    private readonly config: RoomConfig,
    private readonly onExpired: () => void,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.generation += 1;
    this.cleanups.push(this.store.subscribe(() => this.sync()));
    const timer = setInterval(() => this.store.dispatch({ type: 'tick', now: Date.now() }), 1000);
    this.cleanups.push(() => clearInterval(timer));
    this.feed = new LiveFeed({
      feed: 'operator',
      origin: location.origin,
      token: this.token,
      onEvent: (event) => {
        this.store.dispatch({ type: 'live', event, now: Date.now(), wrapupSeconds: this.config.wrapup_seconds });
        for (const listener of this.liveListeners) listener(event);
      },
      onReload: () => this.store.dispatch({ type: 'reload' }),
      onStatus: (status) => this.store.dispatch({ type: 'feed', status }),
      onUnauthorized: this.onExpired,
    });
    this.feed.start();
    void this.startPhone();
  }

  stop(): void {
    this.stopped = true;
    this.feed?.stop();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    void this.phone?.unregister().catch(() => {});
  }

  private async startPhone(): Promise<void> {
    const generation = this.generation;
    try {
      const config = await this.api.get<PhoneConfig>('/me/phone');
      if (generation !== this.generation || this.stopped) return;
      const phone = await createPhone(this.api, config);
      if (generation !== this.generation || this.stopped) return;
      this.phone = phone;
      this.cleanups.push(phone.on((event) => this.phoneStore.dispatch(event)));
      await phone.register();
    } catch (error) {
      this.phoneStore.dispatch({ type: 'error', kind: 'other', cause: message(error) });
    }
  }

  /** Reload what is stale, one request per resource at a time. */
  private sync(): void {
    const { stale, seat, call } = this.store.get();
    // The demo phone hears of the caller hanging up only through the API's call state.
    if (this.phone?.mode === 'demo' && (call === null || call.call.line_ended) && this.phoneStore.get().line !== 'idle') {
      this.phoneStore.dispatch({ type: 'ended', cause: 'remote' });
    }
    if (stale.seat) this.fetch('seat', async () => {
      const next = await this.api.get<SeatOut>('/seats/me');
      this.store.dispatch({ type: 'seat', seat: next, now: Date.now(), wrapupSeconds: this.config.wrapup_seconds });
    });
    if (stale.call && !stale.seat && !this.inflight.has('seat')) this.fetch('call', async () => {
      let call: CallWithTimeline | null = null;
      // Asked even when the seat has no call: the API then answers with the seat's last call
      // if its caller hung up before the hand-off (line_ended), which can still be sent.
      if (seat !== null) {
        try {
          call = await this.api.get<CallWithTimeline>('/me/call');
        } catch (error) {
          // 409: no call to show (or it left the seat between the two reads).
          if (!(error instanceof ApiError && error.status === 409)) throw error;
        }
      }
      this.store.dispatch({ type: 'call', call });
    });
    if (stale.calls) this.fetch('calls', async () => {
      const calls = await this.api.get<CallOut[]>('/me/calls?limit=50');
      this.store.dispatch({ type: 'calls', calls });
    });
  }

  private fetch(what: What, run: () => Promise<void>): void {
    if (this.inflight.has(what) || this.stopped) return;
    this.inflight.add(what);
    this.store.dispatch({ type: 'fetching', what });
    run()
      .then(() => this.unavailable.delete(what))
      .catch((error: unknown) => {
        this.onError(message(error));
        if (error instanceof ApiError && error.status === 503) this.retryLater(what);
      })
      .finally(() => {
        this.inflight.delete(what);
        if (!this.stopped) this.sync();
      });
  }

  private retryLater(what: What): void {
    const attempt = this.unavailable.get(what) ?? 0;
    this.unavailable.set(what, attempt + 1);
    const delay = unavailableRetryDelay(attempt);
    const generation = this.generation;
    const timer = setTimeout(() => {
      if (!this.stopped && generation === this.generation) this.store.dispatch({ type: 'stale', what });
    }, delay);
    this.cleanups.push(() => clearTimeout(timer));
  }

  /** Seat actions: the feed confirms them (and the store applies them). */
  async seatAction(action: 'login' | 'logout' | 'unpause' | 'pause', reason?: string): Promise<void> {
    await this.api.post(`/seats/me/${action}`, action === 'pause' ? { reason } : undefined);
  }

  async transfer(extension: string): Promise<void> {
    await this.api.post('/me/call/transfer', { extension });
  }

  /** Hands `callId` off: the call on the seat, or its last one after the caller hung up (the
   * API refuses with 409 if `callId` is neither, so a form never goes to another call). */
  async handoff(qualification: Record<string, unknown>, callId: string): Promise<string> {
    const result = await this.api.post<{ call_id: string; ticket_id: string }>('/me/call/handoff', { ...qualification, call_id: callId });
    this.store.dispatch({ type: 'handed-off', callId: result.call_id || callId, ticketId: result.ticket_id, at: new Date().toISOString() });
    this.store.dispatch({ type: 'reload' });
    return result.ticket_id;
  }
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
