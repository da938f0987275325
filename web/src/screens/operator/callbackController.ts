/**
 * The call-back card's effects: `GET /me/callback` when the store says the offer is stale (one
 * request at a time, and every few seconds while nothing is offered: a seat frees itself at
 * the end of its wrap-up without any event), and the operator's actions: call back, decline,
 * say how it went. The live feed is the operator panel's (`OperatorController.liveListeners`).
 */
import type { Api } from '../../api/http';
import type { CallbackOffer, OperatorResult } from '../../api/callbacks';
import type { LiveEvent } from '../../api/types';
import { callbackReducer, initialCallbacks, type CallbackAction, type CallbackState } from '../../store/callbacks';
import { createStore, type Store } from '../../store/store';
import type { OperatorController } from './controller';

const POLL_MS = 5000;
// The seat's own call (the call-back ringing it, then the conversation) sends no call event
// to the panel: while it lasts the seat is re-read this often.
const SEAT_MS = 2000;

export class CallbackController {
  readonly store: Store<CallbackState, CallbackAction> = createStore(callbackReducer, initialCallbacks);
  private inflight = false;
  private stopped = true;
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly api: Api,
    readonly operator: OperatorController,
    private readonly onError: (message: string) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.cleanups.push(this.store.subscribe(() => this.sync()));
    const listener = (event: LiveEvent) => this.onLive(event);
    this.operator.liveListeners.add(listener);
    this.cleanups.push(() => this.operator.liveListeners.delete(listener));
    const timer = setInterval(() => {
      if (this.store.get().task === null) this.store.dispatch({ type: 'reload' });
    }, POLL_MS);
    this.cleanups.push(() => clearInterval(timer));
    const seatTimer = setInterval(() => {
      const seat = this.operator.store.get().seat;
      const own = seat !== null && seat.call_id === null && (seat.state === 'ringing' || seat.state === 'in_call');
      if (own || this.store.get().task?.status === 'calling') this.rereadSeat();
    }, SEAT_MS);
    this.cleanups.push(() => clearInterval(seatTimer));
    this.sync();
  }

  stop(): void {
    this.stopped = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private onLive(event: LiveEvent): void {
    const seat = this.operator.store.get().seat?.name ?? null;
    this.store.dispatch({ type: 'live', event, seat });
    if (event.topic === 'callback' && event.seat !== null && event.seat === seat) this.rereadSeat();
  }

  /** The operator panel reads the seat again (its effect does it once at a time). */
  private rereadSeat(): void {
    this.operator.store.dispatch({ type: 'reload' });
  }

  private sync(): void {
    if (!this.store.get().stale || this.inflight || this.stopped) return;
    this.inflight = true;
    this.store.dispatch({ type: 'fetching' });
    this.api
      .get<CallbackOffer>('/me/callback')
      .then((offer) => this.store.dispatch({ type: 'offer', task: offer.task, whyNone: offer.why_none }))
      .catch(() => {
        // no seat known to the PBX yet (409), or the API is away: asked again at the next poll
      })
      .finally(() => {
        this.inflight = false;
        if (!this.stopped) this.sync();
      });
  }

  private async act(path: string, body?: unknown): Promise<void> {
    try {
      await this.api.post(path, body);
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    } finally {
      this.store.dispatch({ type: 'reload' });
      this.rereadSeat();
    }
  }

  /** Picks up the seat's phone ringing for the call-back (the demo phone: through the API). */
  async pickUp(): Promise<void> {
    try {
      await this.operator.phone?.answer();
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    } finally {
      this.rereadSeat();
    }
  }

  /** Ends the call-back conversation (the seat's own call). */
  async hangUp(): Promise<void> {
    try {
      await this.operator.phone?.hangup();
    } catch (error) {
      this.onError(error instanceof Error ? error.message : String(error));
    } finally {
      this.rereadSeat();
    }
  }

  callBack(callId: string): Promise<void> {
    return this.act(`/me/callback/${encodeURIComponent(callId)}/call`);
  }

  decline(callId: string): Promise<void> {
    return this.act(`/me/callback/${encodeURIComponent(callId)}/decline`);
  }

  result(callId: string, result: OperatorResult): Promise<void> {
    return this.act(`/me/callback/${encodeURIComponent(callId)}/result`, { result });
  }
}
