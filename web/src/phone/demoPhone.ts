/**
 * The demo phone: no SIP, no audio. `callcenter demo --seat "Seat 01"` leaves the seat to a
 * person, and answer/hang up are the API's (POST /me/call/answer, /me/call/hangup), which make
 * the simulator's manual seat pick up or hang up. Mute and hold have no line to act on here:
 * they only change the panel's state, so the buttons behave as on a real seat.
 */
import type { Api } from '../api/http';
import { Emitter, type Phone, type PhoneEvent } from './phone';

export class DemoPhone implements Phone {
  readonly mode = 'demo' as const;
  private readonly events = new Emitter();

  constructor(private readonly api: Api) {}

  on(listener: (event: PhoneEvent) => void): () => void {
    return this.events.on(listener);
  }

  async register(): Promise<void> {
    this.events.emit({ type: 'registration', state: 'registered' });
  }

  async unregister(): Promise<void> {
    this.events.emit({ type: 'registration', state: 'unregistered' });
  }

  async answer(): Promise<void> {
    await this.api.post('/me/call/answer');
    this.events.emit({ type: 'answered' });
  }

  async hangup(): Promise<void> {
    await this.api.post('/me/call/hangup');
    this.events.emit({ type: 'ended', cause: 'local' });
  }

  async setMuted(muted: boolean): Promise<void> {
    this.events.emit({ type: 'muted', muted });
  }

  async setHeld(held: boolean): Promise<void> {
    this.events.emit({ type: 'held', held });
  }
}
