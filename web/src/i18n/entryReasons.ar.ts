/** Arabic strings of the call-entry decision's reasons. */
import type { entryReasonsFr } from './entryReasons.fr';

export const entryReasonsAr: Record<keyof typeof entryReasonsFr, string> = {
  'entry.reason.caller_id_kind': 'رقم {kind}: لا بحث عن المكالمات السابقة',
  'entry.reason.repeat_unavailable': 'البحث عن المكالمات السابقة غير متاح',
  'entry.reason.callback_after_abandon': 'يعاود الاتصال بعد مكالمة متروكة ({count} خلال {minutes}\u00a0دقيقة)',
  'entry.reason.repeat_caller': 'اتصال متكرر (مكالمات سابقة: {count} خلال {minutes}\u00a0دقيقة)',
  'entry.reason.first_call': 'أول مكالمة منذ {minutes}\u00a0دقيقة',
  'entry.reason.room_unavailable': 'عدد المكالمات في القاعة غير معروف: في الطابور (حدّ الطابور ما زال مطبّقًا)',
  'entry.reason.room_queued': 'القاعة\u00a0{occupancy}/{capacity}: في الطابور',
  'entry.reason.room_full_overflow': 'القاعة ممتلئة\u00a0{occupancy}/{capacity}: مسار الفائض (رسالة انتظار ثم محاولة جديدة، ويبقى المتصل على الخط)',
  'entry.reason.priority': 'الأولوية\u00a0{priority}',
  'entry.reason.safe_default': 'قرار احتياطي ({notes}): في الطابور بأولوية عادية',
  'entry.separator': '؛ ',
  'entry.kind.withheld': 'محجوب',
  'entry.kind.invalid': 'غير صالح',
  'entry.kind.empty': 'غائب',
  'entry.kind.emergency': 'طوارئ',
  'entry.kind.short': 'قصير',
  'entry.note.repeat_lookup_timeout': 'البحث عن المكالمات السابقة بطيء',
  'entry.note.repeat_lookup_failed': 'تعذّر البحث عن المكالمات السابقة',
  'entry.note.room_lookup_timeout': 'عدّ مكالمات القاعة بطيء',
  'entry.note.room_lookup_failed': 'تعذّر عدّ مكالمات القاعة',
  'entry.note.linkedid_unavailable': 'تعذّرت قراءة معرّف المكالمة',
  'entry.note.no_call_id': 'لا معرّف للمكالمة',
  'entry.noteSeparator': '، ',
};
