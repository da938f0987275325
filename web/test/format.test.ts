import { describe, expect, it } from 'vitest';
import { callFacts } from '../src/format/call';
import { formatNumber, lineType } from '../src/format/phone';
import { formatDistance, formatTime } from '../src/format/time';
import { emptyDraft, toQualification } from '../src/session/drafts';

describe('caller numbers for humans', () => {
  it.each([
    ['+212612345678', '0612345678', '+212 6 12 34 56 78'],
    ['+33612345678', '', '+336 123 456 78'],
    [null, 'anonymous', null],
    [null, '', null],
    [null, '19', '19'],
  ])('%s / %s -> %s', (e164, raw, shown) => {
    expect(formatNumber(e164, raw)).toBe(shown);
  });
  it('line type from the FastAGI, else the Moroccan plan', () => {
    expect(lineType('+212612345678')).toBe('mobile');
    expect(lineType('+212522123456')).toBe('fixed');
    expect(lineType('+212522123456', 'mobile')).toBe('mobile');
    expect(lineType(null)).toBe('unknown');
  });
});

describe('room time', () => {
  it('shows times in the room zone, not the browser zone', () => {
    expect(formatTime('2026-12-01T10:00:00Z', 'Africa/Casablanca', 'fr-MA')).toBe('11:00:00');
    expect(formatTime('2026-12-01T10:00:00Z', 'UTC', 'ar-MA')).toBe('10:00:00');
  });
  it('distances', () => {
    expect(formatDistance(850, 'fr-MA')).toBe('850 m');
    expect(formatDistance(1234, 'en-GB')).toBe('1.2 km');
  });
});

describe('the qualification draft', () => {
  it('names missing fields and bad coordinates', () => {
    expect(toQualification({ ...emptyDraft, latitude: 'north' })).toEqual({
      ok: false, errors: { incident_type: 'required', priority: 'required', address: 'required', latitude: 'number' },
    });
  });
  it('becomes the API body; a decimal comma is accepted', () => {
    expect(toQualification({ ...emptyDraft, incident_type: 'theft', priority: 'P1', address: ' Bd Zerktouni ', latitude: '33,58', callback_e164: '+212 612345678' })).toEqual({
      ok: true,
      body: { incident_type: 'theft', priority: 'P1', address: 'Bd Zerktouni', latitude: 33.58, longitude: null, callback_e164: '+212612345678', notes: '' },
    });
  });
});

describe('call facts', () => {
  const call = { id: 'c1', state: 'offered', caller_e164: '+212612345678' } as never;
  it('read the FastAGI decision and linked calls from the entered step', () => {
    const facts = callFacts({
      call,
      steps: [{ seq: 1, kind: 'entered', at: '', payload: { route: 'queue', priority: 5, reason: 'repeat caller', number_kind: 'mobile', linked_call_ids: ['c0'], callback_after_abandon: true } }],
    });
    expect(facts.decision).toMatchObject({ priority: 5, reason: 'repeat caller', callback_after_abandon: true });
    expect(facts.recent.map((r) => r.id)).toEqual(['c0']);
    expect(facts.numberKind).toBe('mobile');
  });
  it('prefer what the API gives in the call', () => {
    const facts = callFacts({
      call: { ...(call as object), entry_decision: { priority: 9, reason: 'P1', line_type: 'fixed' }, recent_calls: [{ id: 'c9', rang_at: null, outcome: 'abandoned' }] } as never,
      steps: [],
    });
    expect(facts.decision?.priority).toBe(9);
    expect(facts.recent[0]!.outcome).toBe('abandoned');
  });
});
