/**
 * SipPhone's state machine through JsSIP's own event interface: a mocked UA and RTCSession
 * emit the events JsSIP emits (registered, registrationFailed, newRTCSession, accepted, ended,
 * failed, muted, hold...), and we check the phone's events, state and calls into the session.
 */
import { describe, expect, it } from 'vitest';
import { initialPhone, phoneReducer, type PhoneEvent } from '../src/phone/phone';
import { SipPhone, USER_DENIED_MEDIA_ACCESS, type SipSessionLike, type SipUaLike } from '../src/phone/sipPhone';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JsSIP event payloads vary by event
type Handler = (event: any) => void;

class Emitting {
  private handlers = new Map<string, Handler[]>();
  on(event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }
  emit(event: string, data: unknown = {}): void {
    for (const h of this.handlers.get(event) ?? []) h(data);
  }
}

class MockUa extends Emitting implements SipUaLike {
  started = 0;
  stopped = 0;
  start(): void {
    this.started += 1;
  }
  stop(): void {
    this.stopped += 1;
  }
}

class MockSession extends Emitting implements SipSessionLike {
  direction = 'incoming';
  remote_identity = { uri: { user: '0612345678' } };
  calls: string[] = [];
  established = false;
  ended = false;
  answerThrows: Error | null = null;
  answer(options: { mediaConstraints: { audio: boolean; video: boolean } }): void {
    if (this.answerThrows) throw this.answerThrows;
    this.calls.push(`answer audio=${options.mediaConstraints.audio} video=${options.mediaConstraints.video}`);
  }
  terminate(options?: { status_code?: number }): void {
    this.calls.push(`terminate ${options?.status_code ?? 'bye'}`);
  }
  mute(): void {
    this.calls.push('mute');
  }
  unmute(): void {
    this.calls.push('unmute');
  }
  hold(): boolean {
    this.calls.push('hold');
    return true;
  }
  unhold(): boolean {
    this.calls.push('unhold');
    return true;
  }
  isEstablished(): boolean {
    return this.established;
  }
  isEnded(): boolean {
    return this.ended;
  }
}

const creds = { ws_url: 'wss://pbx:8089/ws', uri: 'sip:seat01@pbx', authorization_user: 'seat01', password: 'x', display_name: 'Seat 01' };

async function setup(mediaAvailable = true) {
  const ua = new MockUa();
  const phone = new SipPhone(creds, { createUa: () => ua, mediaAvailable: () => mediaAvailable });
  const events: PhoneEvent[] = [];
  let state = initialPhone;
  phone.on((e) => {
    events.push(e);
    state = phoneReducer(state, e);
  });
  await phone.register();
  return { ua, phone, events, state: () => state };
}

function offer(ua: MockUa): MockSession {
  const session = new MockSession();
  ua.emit('newRTCSession', { session, originator: 'remote' });
  return session;
}

describe('SipPhone', () => {
  it('registers: registering, then registered; a failure names its cause', async () => {
    const { ua, state } = await setup();
    expect(ua.started).toBe(1);
    expect(state().registration).toBe('registering');
    ua.emit('registered');
    expect(state().registration).toBe('registered');
    ua.emit('registrationFailed', { cause: 'Authentication Error' });
    expect(state()).toMatchObject({ registration: 'failed', registrationCause: 'Authentication Error' });
  });

  it('rings on an incoming INVITE, answers with audio only, then is in a call', async () => {
    const { ua, phone, events, state } = await setup();
    const session = offer(ua);
    expect(events.at(-1)).toEqual({ type: 'incoming', from: '0612345678' });
    expect(state().line).toBe('ringing');
    await phone.answer();
    expect(session.calls).toEqual(['answer audio=true video=false']);
    session.emit('accepted');
    expect(state().line).toBe('in_call');
  });

  it('hang up: rejects a ringing INVITE with 486, ends an established call with BYE', async () => {
    const { ua, phone, state } = await setup();
    const ringing = offer(ua);
    await phone.hangup();
    expect(ringing.calls).toEqual(['terminate 486']);
    ringing.emit('failed', { cause: 'Rejected', originator: 'local' });
    expect(state().line).toBe('idle');

    const talking = offer(ua);
    await phone.answer();
    talking.established = true;
    talking.emit('confirmed');
    await phone.hangup();
    expect(talking.calls.at(-1)).toBe('terminate bye');
    talking.emit('ended', { cause: 'Terminated', originator: 'local' });
    expect(state().line).toBe('idle');
  });

  it('the caller hanging up ends the call', async () => {
    const { ua, events } = await setup();
    const session = offer(ua);
    session.emit('accepted');
    session.emit('ended', { cause: 'BYE', originator: 'remote' });
    expect(events.at(-1)).toEqual({ type: 'ended', cause: 'BYE' });
  });

  it('a refused microphone is reported as such', async () => {
    const { ua, phone, state } = await setup();
    const session = offer(ua);
    await phone.answer();
    session.emit('failed', { cause: USER_DENIED_MEDIA_ACCESS, originator: 'local' });
    expect(state().error).toEqual({ kind: 'microphone', cause: USER_DENIED_MEDIA_ACCESS });
    expect(state().line).toBe('idle');
  });

  it('without media devices (plain http) it does not even try to answer', async () => {
    const { ua, phone, state } = await setup(false);
    const session = offer(ua);
    await phone.answer();
    expect(session.calls).toEqual([]);
    expect(state().error?.kind).toBe('microphone');
  });

  it('mute and hold go to the session; its events drive the state', async () => {
    const { ua, phone, state } = await setup();
    const session = offer(ua);
    session.emit('accepted');
    await phone.setMuted(true);
    session.emit('muted', { audio: true });
    await phone.setHeld(true);
    session.emit('hold', { originator: 'local' });
    expect(state()).toMatchObject({ muted: true, held: true });
    await phone.setMuted(false);
    session.emit('unmuted', { audio: true });
    await phone.setHeld(false);
    session.emit('unhold', { originator: 'local' });
    expect(session.calls).toEqual(['mute', 'hold', 'unmute', 'unhold']);
    expect(state()).toMatchObject({ muted: false, held: false });
  });

  it('a second INVITE while busy is refused with 486; outgoing sessions are ignored', async () => {
    const { ua, events } = await setup();
    offer(ua);
    const second = offer(ua);
    expect(second.calls).toEqual(['terminate 486']);
    const outgoing = new MockSession();
    ua.emit('newRTCSession', { session: outgoing, originator: 'local' });
    expect(events.filter((e) => e.type === 'incoming')).toHaveLength(1);
  });

  it('events of a finished session no longer move the phone', async () => {
    const { ua, state } = await setup();
    const old = offer(ua);
    old.emit('ended', { cause: 'BYE' });
    offer(ua);
    old.emit('accepted');
    expect(state().line).toBe('ringing');
  });

  it('unregister stops the UA', async () => {
    const { ua, phone, state } = await setup();
    await phone.unregister();
    expect(ua.stopped).toBe(1);
    expect(state().registration).toBe('unregistered');
  });
});
