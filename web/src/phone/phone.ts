/**
 * The seat's phone, as the screens see it: one interface, two implementations (SipPhone: the
 * browser is the seat's WebRTC endpoint; DemoPhone: the API drives the simulator's manual
 * seat). Screens never know which one they talk to. Its state is a pure reducer of its events.
 */
export type Registration = 'unregistered' | 'registering' | 'registered' | 'failed';

export type PhoneEvent =
  | { type: 'registration'; state: Registration; cause?: string }
  | { type: 'incoming'; from: string | null }
  | { type: 'answered' }
  | { type: 'ended'; cause?: string }
  | { type: 'muted'; muted: boolean }
  | { type: 'held'; held: boolean }
  | { type: 'error'; kind: 'microphone' | 'other'; cause: string };

export interface Phone {
  readonly mode: 'demo' | 'sip';
  register(): Promise<void>;
  unregister(): Promise<void>;
  answer(): Promise<void>;
  hangup(): Promise<void>;
  setMuted(muted: boolean): Promise<void>;
  setHeld(held: boolean): Promise<void>;
  on(listener: (event: PhoneEvent) => void): () => void;
}

export interface PhoneState {
  registration: Registration;
  registrationCause: string | null;
  line: 'idle' | 'ringing' | 'in_call';
  muted: boolean;
  held: boolean;
  error: { kind: 'microphone' | 'other'; cause: string } | null;
}

export const initialPhone: PhoneState = {
  registration: 'unregistered',
  registrationCause: null,
  line: 'idle',
  muted: false,
  held: false,
  error: null,
};

export function phoneReducer(state: PhoneState, event: PhoneEvent): PhoneState {
  switch (event.type) {
    case 'registration':
      return { ...state, registration: event.state, registrationCause: event.cause ?? null };
    case 'incoming':
      return { ...state, line: 'ringing', muted: false, held: false, error: null };
    case 'answered':
      return { ...state, line: 'in_call', error: null };
    case 'ended':
      return { ...state, line: 'idle', muted: false, held: false };
    case 'muted':
      return { ...state, muted: event.muted };
    case 'held':
      return { ...state, held: event.held };
    case 'error':
      return { ...state, error: { kind: event.kind, cause: event.cause } };
  }
}

/** A small listener set both implementations share. */
export class Emitter {
  private readonly listeners = new Set<(event: PhoneEvent) => void>();

  on(listener: (event: PhoneEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: PhoneEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
