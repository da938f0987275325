/**
 * The real seat phone: a JsSIP user agent registering as the seat's PJSIP endpoint over
 * secure websockets (asterisk/pjsip.conf, transport wss). It answers the INVITE that Queue()
 * sends, hangs up with BYE (or rejects a ringing INVITE), mutes and holds, and reports the
 * registration state and microphone problems as PhoneEvents.
 *
 * Only the JsSIP event interface is used (ua.on / session.on), through the small structural
 * types below, so the state machine is tested with mocked UA and session events.
 */
import { Emitter, type Phone, type PhoneEvent } from './phone';

export interface SipCredentials {
  ws_url: string;
  uri: string;
  authorization_user: string;
  password: string;
  display_name: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JsSIP event payloads vary by event
type Handler = (event: any) => void;

export interface SipSessionLike {
  direction: string; // 'incoming' | 'outgoing'
  remote_identity?: { uri?: { user?: string } };
  connection?: RTCPeerConnection | null;
  answer(options: { mediaConstraints: { audio: boolean; video: boolean } }): void;
  terminate(options?: { status_code?: number }): void;
  mute(options?: { audio: boolean }): void;
  unmute(options?: { audio: boolean }): void;
  hold(): boolean;
  unhold(): boolean;
  isEstablished(): boolean;
  isEnded(): boolean;
  on(event: string, handler: Handler): unknown;
}

export interface SipUaLike {
  start(): void;
  stop(): void;
  on(event: string, handler: Handler): unknown;
}

export type UaFactory = (credentials: SipCredentials) => SipUaLike;

/** The cause JsSIP gives when getUserMedia is refused (JsSIP.C.causes.USER_DENIED_MEDIA_ACCESS). */
export const USER_DENIED_MEDIA_ACCESS = 'User Denied Media Access';

export interface SipPhoneOptions {
  createUa: UaFactory;
  playRemote?: (stream: MediaStream) => void;
  mediaAvailable?: () => boolean;
}

export class SipPhone implements Phone {
  readonly mode = 'sip' as const;
  private readonly events = new Emitter();
  private ua: SipUaLike | null = null;
  private session: SipSessionLike | null = null;

  constructor(
    private readonly credentials: SipCredentials,
    private readonly options: SipPhoneOptions,
  ) {}

  on(listener: (event: PhoneEvent) => void): () => void {
    return this.events.on(listener);
  }

  async register(): Promise<void> {
    if (this.ua !== null) return;
    const ua = this.options.createUa(this.credentials);
    this.ua = ua;
    this.emit({ type: 'registration', state: 'registering' });
    ua.on('registered', () => this.emit({ type: 'registration', state: 'registered' }));
    ua.on('unregistered', () => this.emit({ type: 'registration', state: 'unregistered' }));
    ua.on('registrationFailed', (e: { cause?: string }) =>
      this.emit({ type: 'registration', state: 'failed', cause: e?.cause ?? 'unknown' }),
    );
    ua.on('disconnected', () => this.emit({ type: 'registration', state: 'registering', cause: 'websocket closed' }));
    ua.on('newRTCSession', (e: { session: SipSessionLike; originator: string }) => this.incoming(e.session, e.originator));
    ua.start();
  }

  async unregister(): Promise<void> {
    const ua = this.ua;
    this.ua = null;
    if (this.session !== null && !this.session.isEnded()) this.session.terminate();
    this.session = null;
    ua?.stop();
    this.emit({ type: 'registration', state: 'unregistered' });
  }

  async answer(): Promise<void> {
    const session = this.session;
    if (session === null) throw new Error('no incoming call on the phone');
    if (this.options.mediaAvailable && !this.options.mediaAvailable()) {
      this.emit({ type: 'error', kind: 'microphone', cause: 'no microphone access (HTTPS needed)' });
      return;
    }
    try {
      session.answer({ mediaConstraints: { audio: true, video: false } });
    } catch (error) {
      this.emit({ type: 'error', kind: 'other', cause: String(error) });
    }
  }

  async hangup(): Promise<void> {
    const session = this.session;
    if (session === null || session.isEnded()) return;
    // A ringing INVITE is rejected (486 Busy Here: the queue tries the next seat); a call ends with BYE.
    session.terminate(session.isEstablished() ? undefined : { status_code: 486 });
  }

  async setMuted(muted: boolean): Promise<void> {
    const session = this.session;
    if (session === null) return;
    if (muted) session.mute({ audio: true });
    else session.unmute({ audio: true });
  }

  async setHeld(held: boolean): Promise<void> {
    const session = this.session;
    if (session === null) return;
    if (held) session.hold();
    else session.unhold();
  }

  private emit(event: PhoneEvent): void {
    this.events.emit(event);
  }

  private incoming(session: SipSessionLike, originator: string): void {
    if (originator !== 'remote' || session.direction !== 'incoming') return;
    if (this.session !== null && !this.session.isEnded()) {
      session.terminate({ status_code: 486 }); // one call per seat
      return;
    }
    this.session = session;
    const mine = (): boolean => this.session === session;
    session.on('accepted', () => mine() && this.emit({ type: 'answered' }));
    session.on('confirmed', () => mine() && this.emit({ type: 'answered' }));
    session.on('ended', (e: { cause?: string }) => this.over(session, e?.cause));
    session.on('failed', (e: { cause?: string }) => {
      if (e?.cause === USER_DENIED_MEDIA_ACCESS) {
        this.emit({ type: 'error', kind: 'microphone', cause: e.cause });
      }
      this.over(session, e?.cause);
    });
    session.on('muted', () => mine() && this.emit({ type: 'muted', muted: true }));
    session.on('unmuted', () => mine() && this.emit({ type: 'muted', muted: false }));
    session.on('hold', () => mine() && this.emit({ type: 'held', held: true }));
    session.on('unhold', () => mine() && this.emit({ type: 'held', held: false }));
    session.on('peerconnection', (e: { peerconnection: RTCPeerConnection }) => {
      e.peerconnection.addEventListener('track', (t: RTCTrackEvent) => {
        const stream = t.streams[0];
        if (stream) this.options.playRemote?.(stream);
      });
    });
    this.emit({ type: 'incoming', from: session.remote_identity?.uri?.user ?? null });
  }

  private over(session: SipSessionLike, cause: string | undefined): void {
    if (this.session !== session) return;
    this.session = null;
    this.emit({ type: 'ended', cause: cause ?? 'ended' });
  }
}

/** The real user agent (JsSIP), loaded only when the seat is a SIP seat. */
export async function jssipUa(credentials: SipCredentials): Promise<SipUaLike> {
  const JsSIP = await import('jssip');
  const socket = new JsSIP.WebSocketInterface(credentials.ws_url);
  return new JsSIP.UA({
    sockets: [socket],
    uri: credentials.uri,
    authorization_user: credentials.authorization_user,
    password: credentials.password,
    display_name: credentials.display_name,
    register: true,
    session_timers: false,
  }) as unknown as SipUaLike;
}
