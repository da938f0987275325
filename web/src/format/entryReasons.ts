/**
 * Why the FastAGI routed the call so, in the reader's language. The entry decision's step
 * carries `reason_codes` (callcenter/domain/entry_reasons.py: a code and its params each), each
 * shown through its `entry.reason.<code>` text; the caller ID kind and a safe default's notes
 * are translated too. A step recorded before the codes existed, or one with a code or param
 * this panel does not know, shows the English sentence the step carries (`reason`), marked
 * as English so it still reads left to right in Arabic.
 */
import type { ReasonCode } from '../api/types';
import { fr } from '../i18n/fr';
import type { MessageKey, Translate } from '../i18n/i18n';

export type { ReasonCode };

/** What the panel shows: translated parts (joined by `separator`), or the English sentence. */
export type EntryReason = { translated: true; parts: string[]; separator: string } | { translated: false; english: string };

/** The codes of a step payload or an API answer, ignoring anything malformed. */
export function readReasonCodes(value: unknown): ReasonCode[] {
  if (!Array.isArray(value)) return [];
  const codes: ReasonCode[] = [];
  for (const item of value) {
    if (typeof item !== 'object' || item === null || typeof (item as { code?: unknown }).code !== 'string') continue;
    const raw = (item as { params?: unknown }).params;
    const params: Record<string, string | number> = {};
    if (typeof raw === 'object' && raw !== null) {
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'string' || typeof v === 'number') params[k] = v;
    }
    codes.push({ code: (item as { code: string }).code, params });
  }
  return codes;
}

const known = (key: string): key is MessageKey => key in fr;

/** A safe default's notes ("repeat_lookup_timeout, room_lookup_failed: OperationalError"):
 * each known one by its text (its detail is the auditors'), an unknown one as it is. */
function notesText(notes: string, t: Translate): string {
  return notes
    .split(', ')
    .filter((n) => n !== '')
    .map((note) => {
      const key = `entry.note.${note.split(':')[0]!.trim()}`;
      return known(key) ? t(key) : note;
    })
    .join(t('entry.noteSeparator'));
}

function shownParams(code: ReasonCode, t: Translate): Record<string, string | number> {
  const params = { ...code.params };
  if (code.code === 'caller_id_kind' && typeof params.kind === 'string') {
    const key = `entry.kind.${params.kind}`;
    if (known(key)) params.kind = t(key);
  }
  if (code.code === 'safe_default' && typeof params.notes === 'string') params.notes = notesText(params.notes, t);
  return params;
}

/** Each code's text, or null when one of them cannot be shown (unknown code, missing param). */
export function reasonParts(codes: ReasonCode[], t: Translate): string[] | null {
  const parts: string[] = [];
  for (const code of codes) {
    const key = `entry.reason.${code.code}`;
    if (!known(key)) return null;
    const text = t(key, shownParams(code, t));
    if (/\{\w+\}/.test(text)) return null; // a param the step lacks
    parts.push(text);
  }
  return parts;
}

export function entryReason(codes: ReasonCode[], english: string | null | undefined, t: Translate): EntryReason | null {
  const parts = codes.length > 0 ? reasonParts(codes, t) : null;
  if (parts !== null) return { translated: true, parts, separator: t('entry.separator') };
  return english ? { translated: false, english } : null;
}

/** The same as one line of text (the audit timeline). */
export function entryReasonText(codes: ReasonCode[], english: string | null | undefined, t: Translate): string {
  const reason = entryReason(codes, english, t);
  if (reason === null) return '';
  return reason.translated ? reason.parts.join(reason.separator) : reason.english;
}
