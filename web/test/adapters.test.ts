import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api, ApiError } from '../src/api/http';
import { DemoPhone } from '../src/phone/demoPhone';
import type { PhoneEvent } from '../src/phone/phone';
import { dropDraft, emptyDraft, loadDraft, saveDraft, type KeyValueStore } from '../src/session/drafts';

afterEach(() => vi.unstubAllGlobals());

function respond(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(body), { status });
  });
  return calls;
}

const session = { token: 'tok', username: 'op01', role: 'operator' as const, seat: 'Seat 01', expiresAt: 0 };

describe('Api', () => {
  it('sends the bearer token and JSON', async () => {
    const calls = respond(200, { status: 'accepted' });
    await new Api(() => session).post('/seats/me/pause', { reason: 'break' });
    expect(calls[0]!.url).toBe('/seats/me/pause');
    expect(calls[0]!.init.headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'application/json' });
    expect(calls[0]!.init.body).toBe('{"reason":"break"}');
  });

  it('a 422 gives each message to its field', async () => {
    respond(422, { detail: [{ loc: ['body', 'callback_e164'], msg: 'must be E.164', type: 'value_error' }] });
    const error = await new Api(() => session).post('/me/call/handoff', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).fieldErrors()).toEqual([{ field: 'callback_e164', message: 'must be E.164' }]);
  });

  it('a 401 ends the session (the screen asks to log in again)', async () => {
    respond(401, { detail: 'token expired' });
    let expired = 0;
    const error = await new Api(() => session, () => (expired += 1)).get('/seats/me').catch((e: unknown) => e);
    expect(expired).toBe(1);
    expect((error as ApiError).message).toBe('token expired');
  });
});

describe('DemoPhone', () => {
  it('answer and hang up are the API calls that drive the simulator’s manual seat', async () => {
    const calls = respond(200, { status: 'accepted' });
    const phone = new DemoPhone(new Api(() => session));
    const events: PhoneEvent[] = [];
    phone.on((e) => events.push(e));
    await phone.register();
    await phone.answer();
    await phone.hangup();
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['POST /me/call/answer', 'POST /me/call/hangup']);
    expect(events.map((e) => e.type)).toEqual(['registration', 'answered', 'ended']);
  });

  it('a refused answer (no call any more) is an error, not an answered call', async () => {
    respond(409, { detail: 'no call on Seat 01' });
    const phone = new DemoPhone(new Api(() => session));
    const events: PhoneEvent[] = [];
    phone.on((e) => events.push(e));
    await expect(phone.answer()).rejects.toThrow('no call on Seat 01');
    expect(events).toEqual([]);
  });
});

describe('drafts', () => {
  it('are kept per call until dropped', () => {
    const data = new Map<string, string>();
    const storage: KeyValueStore = {
      getItem: (k) => data.get(k) ?? null,
      setItem: (k, v) => void data.set(k, v),
      removeItem: (k) => void data.delete(k),
    };
    expect(loadDraft(storage, 'c1')).toBeNull();
    saveDraft(storage, 'c1', { ...emptyDraft, address: 'Derb Omar' });
    expect(loadDraft(storage, 'c1')?.address).toBe('Derb Omar');
    expect(loadDraft(storage, 'c2')).toBeNull();
    dropDraft(storage, 'c1');
    expect(loadDraft(storage, 'c1')).toBeNull();
  });
});
