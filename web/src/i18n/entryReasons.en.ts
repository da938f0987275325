/** English strings of the call-entry decision's reasons (the step's own English is the
 * auditors' wording; these are the panel's). */
import type { entryReasonsFr } from './entryReasons.fr';

export const entryReasonsEn: Record<keyof typeof entryReasonsFr, string> = {
  'entry.reason.caller_id_kind': '{kind} caller ID: no look-up of earlier calls',
  'entry.reason.repeat_unavailable': 'earlier calls could not be looked up',
  'entry.reason.callback_after_abandon': 'calling back after an abandoned call ({count} in {minutes}\u00a0min)',
  'entry.reason.repeat_caller': 'repeat caller ({count} earlier in {minutes}\u00a0min)',
  'entry.reason.first_call': 'first call in {minutes}\u00a0min',
  'entry.reason.room_unavailable': 'room count unknown: queued (the queue limit still applies)',
  'entry.reason.room_queued': 'room\u00a0{occupancy}/{capacity}: queued',
  'entry.reason.room_full_overflow': 'room full\u00a0{occupancy}/{capacity}: overflow path (announcement and retry, the caller stays on the line)',
  'entry.reason.priority': 'priority\u00a0{priority}',
  'entry.reason.safe_default': 'safe default ({notes}): queued at normal priority',
  'entry.separator': '; ',
  'entry.kind.withheld': 'withheld',
  'entry.kind.invalid': 'invalid',
  'entry.kind.empty': 'missing',
  'entry.kind.emergency': 'emergency-number',
  'entry.kind.short': 'short-code',
  'entry.note.repeat_lookup_timeout': 'earlier calls too slow to look up',
  'entry.note.repeat_lookup_failed': 'earlier calls look-up failed',
  'entry.note.room_lookup_timeout': 'room count too slow',
  'entry.note.room_lookup_failed': 'room count failed',
  'entry.note.linkedid_unavailable': 'call id not read',
  'entry.note.no_call_id': 'no call id',
  'entry.noteSeparator': ', ',
};
