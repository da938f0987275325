import { describe, expect, it } from 'vitest';
import type { FullStep } from '../src/api/supervision';
import { callFacts } from '../src/format/call';
import { entryReason, entryReasonText, readReasonCodes, reasonParts, type ReasonCode } from '../src/format/entryReasons';
import { translator, type Lang } from '../src/i18n/i18n';
import { stepDetail } from '../src/screens/audit/CallPage';

const code = (c: string, params: Record<string, string | number> = {}): ReasonCode => ({ code: c, params });

// Every code decision.py gives (callcenter/domain/entry_reasons.py), as each language shows it.
const TABLE: [ReasonCode, Record<Lang, string>][] = [
  [code('caller_id_kind', { kind: 'withheld' }), { fr: 'numéro masqué : pas de recherche des appels précédents', ar: 'رقم محجوب: لا بحث عن المكالمات السابقة', en: 'withheld caller ID: no look-up of earlier calls' }],
  [code('caller_id_kind', { kind: 'emergency' }), { fr: "numéro d'urgence : pas de recherche des appels précédents", ar: 'رقم طوارئ: لا بحث عن المكالمات السابقة', en: 'emergency-number caller ID: no look-up of earlier calls' }],
  [code('caller_id_kind', { kind: 'toll_free' }), { fr: 'numéro toll_free : pas de recherche des appels précédents', ar: 'رقم toll_free: لا بحث عن المكالمات السابقة', en: 'toll_free caller ID: no look-up of earlier calls' }],
  [code('repeat_unavailable'), { fr: 'recherche des appels précédents indisponible', ar: 'البحث عن المكالمات السابقة غير متاح', en: 'earlier calls could not be looked up' }],
  [code('callback_after_abandon', { count: 2, minutes: 30 }), { fr: 'rappelle après un appel abandonné (2 en 30 min)', ar: 'يعاود الاتصال بعد مكالمة متروكة (2 خلال 30 دقيقة)', en: 'calling back after an abandoned call (2 in 30 min)' }],
  [code('repeat_caller', { count: 1, minutes: 30 }), { fr: 'appel répété (déjà 1 en 30 min)', ar: 'اتصال متكرر (مكالمات سابقة: 1 خلال 30 دقيقة)', en: 'repeat caller (1 earlier in 30 min)' }],
  [code('first_call', { minutes: 30 }), { fr: 'premier appel depuis 30 min', ar: 'أول مكالمة منذ 30 دقيقة', en: 'first call in 30 min' }],
  [code('room_unavailable'), { fr: 'occupation de la salle inconnue : en file (la limite de la file reste appliquée)', ar: 'عدد المكالمات في القاعة غير معروف: في الطابور (حدّ الطابور ما زال مطبّقًا)', en: 'room count unknown: queued (the queue limit still applies)' }],
  [code('room_queued', { occupancy: 44, capacity: 60 }), { fr: 'salle 44/60 : en file', ar: 'القاعة 44/60: في الطابور', en: 'room 44/60: queued' }],
  [code('room_full_overflow', { occupancy: 61, capacity: 60 }), { fr: "salle pleine 61/60 : débordement (message d'attente puis nouvel essai, l'appelant reste en ligne)", ar: 'القاعة ممتلئة 61/60: مسار الفائض (رسالة انتظار ثم محاولة جديدة، ويبقى المتصل على الخط)', en: 'room full 61/60: overflow path (announcement and retry, the caller stays on the line)' }],
  [code('priority', { priority: 10 }), { fr: 'priorité 10', ar: 'الأولوية 10', en: 'priority 10' }],
  [code('safe_default', { notes: 'repeat_lookup_timeout, room_lookup_failed: OperationalError' }), { fr: 'décision par défaut (recherche des appels précédents trop lente, comptage de la salle en échec) : en file, priorité normale', ar: 'قرار احتياطي (البحث عن المكالمات السابقة بطيء، تعذّر عدّ مكالمات القاعة): في الطابور بأولوية عادية', en: 'safe default (earlier calls too slow to look up, room count failed): queued at normal priority' }],
  [code('safe_default', { notes: 'no_call_id, something_new: x' }), { fr: "décision par défaut (aucun identifiant d'appel, something_new: x) : en file, priorité normale", ar: 'قرار احتياطي (لا معرّف للمكالمة، something_new: x): في الطابور بأولوية عادية', en: 'safe default (no call id, something_new: x): queued at normal priority' }],
];

// The catalogues keep a figure with its word, and French's colons with what they follow, by
// no-break spaces (a line never starts with "; 61/60" or ": en file"); compared as spaces here.
const spaces = (texts: string[] | null) => texts?.map((x) => x.replace(/\u00a0/g, ' ')) ?? null;
const plain = (text: string) => text.replace(/\u00a0/g, ' ');

describe('entry reason codes, in each language', () => {
  for (const lang of ['fr', 'ar', 'en'] as const) {
    it.each(TABLE)(`${lang}: %o`, (reason, texts) => {
      expect(spaces(reasonParts([reason], translator(lang)))).toEqual([texts[lang]]);
    });
  }

  it('keeps figures with their words, and French colons and semicolons with what they follow', () => {
    const codes = [code('room_full_overflow', { occupancy: 61, capacity: 60 }), code('priority', { priority: 10 })];
    expect(entryReasonText(codes, '', translator('fr'))).toMatch(/^salle pleine\u00a061\/60\u00a0: débordement .*\)\u00a0; priorité\u00a010$/);
    expect(entryReasonText(codes, '', translator('ar'))).toMatch(/^القاعة ممتلئة\u00a061\/60: .*؛ الأولوية\u00a010$/);
  });

  it('joins the parts with each language’s separator', () => {
    const codes = [code('first_call', { minutes: 30 }), code('room_queued', { occupancy: 3, capacity: 60 }), code('priority', { priority: 0 })];
    expect(plain(entryReasonText(codes, 'first call in 30 min; room 3/60: queued; priority 0', translator('fr')))).toBe('premier appel depuis 30 min ; salle 3/60 : en file ; priorité 0');
    expect(plain(entryReasonText(codes, 'ignored', translator('ar')))).toBe('أول مكالمة منذ 30 دقيقة؛ القاعة 3/60: في الطابور؛ الأولوية 0');
  });

  it('falls back to the English sentence: no codes (recorded before them), an unknown code, a missing param', () => {
    const english = 'caller ID invalid: no repeat lookup; room 0/60: queued; priority 0';
    const t = translator('ar');
    expect(entryReason([], english, t)).toEqual({ translated: false, english });
    expect(entryReason([code('priority', { priority: 1 }), code('moon_phase')], english, t)).toEqual({ translated: false, english });
    expect(entryReason([code('room_queued', { occupancy: 3 })], english, t)).toEqual({ translated: false, english });
    expect(entryReason([], null, t)).toBeNull();
    expect(entryReasonText([code('moon_phase')], '', t)).toBe('');
  });

  it('reads only well-formed codes from a payload', () => {
    expect(readReasonCodes(undefined)).toEqual([]);
    expect(readReasonCodes('priority 0')).toEqual([]);
    expect(readReasonCodes([null, { params: {} }, { code: 'priority', params: { priority: 3, bad: { x: 1 } } }, { code: 'repeat_unavailable' }])).toEqual([
      code('priority', { priority: 3 }),
      code('repeat_unavailable'),
    ]);
  });
});

describe('where the reason is shown', () => {
  const reason_codes = [{ code: 'repeat_caller', params: { count: 2, minutes: 30 } }, { code: 'priority', params: { priority: 6 } }];
  const english = 'repeat caller (2 earlier in 30 min); room 5/60: queued; priority 6';

  it('the operator card takes the codes from the API, or from the entry step', () => {
    const call = { id: 'c1', state: 'offered', caller_e164: '+212612345678' } as never;
    const fromApi = callFacts({ call: { ...(call as object), entry_decision: { priority: 6, reason: english, reason_codes } } as never, steps: [] });
    expect(fromApi.reasons.map((r) => r.code)).toEqual(['repeat_caller', 'priority']);
    const fromStep = callFacts({ call, steps: [{ seq: 1, kind: 'entry_decision', at: '', payload: { route: 'queue', reason: english, reason_codes } }] });
    expect(fromStep.reasons).toEqual(fromApi.reasons);
    const old = callFacts({ call, steps: [{ seq: 1, kind: 'entry_decision', at: '', payload: { route: 'queue', reason: english } }] });
    expect([old.reasons, old.decision?.reason]).toEqual([[], english]);
  });

  const step = (kind: string, payload: Record<string, unknown>): FullStep => ({ seq: 2, kind, at: '', payload }) as unknown as FullStep;

  it('the audit timeline translates the decision and the overflow rounds, and keeps old steps in English', () => {
    const t = translator('fr');
    expect(plain(stepDetail(step('entry_decision', { reason: english, reason_codes, priority: 6 }), t))).toBe('appel répété (déjà 2 en 30 min) ; priorité 6'); // the priority once
    expect(plain(stepDetail(step('overflow_round', { reason: 'room full 61/60', reason_codes: [{ code: 'room_full_overflow', params: { occupancy: 61, capacity: 60 } }] }), translator('ar')))).toContain('القاعة ممتلئة 61/60');
    expect(stepDetail(step('entry_decision', { reason: english }), t)).toBe(english);
    // other steps' reasons are words of the catalogue; an unknown one is shown as it is
    expect(stepDetail(step('conversation_ended', { reason: 'agent' }), t)).toBe('le poste a raccroché');
    expect(stepDetail(step('conversation_ended', { reason: 'caller' }), translator('ar'))).toBe('أنهى المتصل المكالمة');
    expect(stepDetail(step('callback_closed', { reason: 'something_new' }), t)).toBe('something_new');
    // a step that is no decision keeps its priority
    expect(stepDetail(step('reprioritised', { priority: 2 }), t)).toBe('Priorité 2');
  });
});
