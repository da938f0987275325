/**
 * The dispatcher console's effects: /live/dispatch into the store (never polling), a reload of
 * GET /dispatch/tickets when the feed says so, and the acknowledgement with the picked unit.
 */
import { ApiError, type Api } from '../../api/http';
import type { Ticket, Unit } from '../../api/types';
import { LiveFeed } from '../../live/feed';
import { candidatesOf, dispatchReducer, initialDispatch, selectedTicket, type DispatchAction, type DispatchState } from '../../store/dispatch';
import { createStore, type Store } from '../../store/store';

export class DispatchController {
  readonly store: Store<DispatchState, DispatchAction> = createStore(dispatchReducer, initialDispatch);
  private feed: LiveFeed | null = null;
  private loading = false;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly api: Api,
    private readonly token: () => string | null,
    private readonly onExpired: () => void,
  ) {}

  start(): void {
    this.unsubscribe = this.store.subscribe(() => this.sync());
    this.feed = new LiveFeed({
      feed: 'dispatch',
      origin: location.origin,
      token: this.token,
      onEvent: (event) => this.store.dispatch({ type: 'live', event }),
      onReload: () => this.store.dispatch({ type: 'reload' }),
      onStatus: (status) => this.store.dispatch({ type: 'feed', status }),
      onUnauthorized: this.onExpired,
    });
    this.feed.start();
  }

  stop(): void {
    this.feed?.stop();
    this.unsubscribe?.();
  }

  private sync(): void {
    const state = this.store.get();
    if (!state.stale || this.loading || state.feed !== 'live') return;
    this.loading = true;
    this.store.dispatch({ type: 'fetching' });
    Promise.all([this.api.get<Ticket[]>('/dispatch/tickets'), this.api.get<Unit[]>('/dispatch/units')])
      .then(([tickets, units]) => this.store.dispatch({ type: 'loaded', tickets, units }))
      .catch((error: unknown) => this.store.dispatch({ type: 'failed', message: String(error instanceof Error ? error.message : error) }))
      .finally(() => {
        this.loading = false;
        this.sync();
      });
  }

  /** Enter: acknowledge the selected ticket with the picked unit. */
  async confirm(): Promise<void> {
    const state = this.store.get();
    const ticket = selectedTicket(state);
    const unit = state.picked === null || !ticket ? undefined : candidatesOf(state, ticket)[state.picked]?.unit;
    if (!ticket || !unit || state.sending) return;
    this.store.dispatch({ type: 'sending', id: ticket.id });
    try {
      const done = await this.api.post<Ticket>(`/dispatch/tickets/${encodeURIComponent(ticket.id)}/ack`, { unit });
      this.store.dispatch({ type: 'acknowledged', ticket: done });
    } catch (error) {
      this.store.dispatch({ type: 'failed', message: error instanceof ApiError ? String(error.message) : String(error) });
      if (error instanceof ApiError && error.status === 409) this.store.dispatch({ type: 'reload' });
    }
  }
}
