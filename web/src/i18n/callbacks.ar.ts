/** Arabic strings of the operator's call-back card. */
import type { callbacksFr } from './callbacks.fr';

export const callbacksAr: Record<keyof typeof callbacksFr, string> = {
  'callback.title': 'معاودة الاتصال',
  'callback.offer': 'معاودة الاتصال بالرقم {number}',
  'callback.waited': 'انتظر {minutes} د {seconds} ث',
  'callback.callsToday': '{count} مكالمات خلال 24 ساعة',
  'callback.waitedSeconds': 'انتظر {seconds} ث',
  'callback.callOnce': 'أول مكالمة خلال 24 ساعة',
  'callback.reason.abandoned': 'أغلق الخط قبل الرد',
  'callback.reason.silent': 'مكالمة صامتة',
  'callback.reason.cut_off': 'مكالمة منقطعة',
  'callback.call': 'معاودة الاتصال',
  'callback.callKey': 'Alt+R',
  'callback.pickUp': 'ارفع السماعة (هاتفك يرن)',
  'callback.hangUp': 'إنهاء معاودة الاتصال',
  'callback.decline': 'اتركها لمركز آخر',
  'callback.calling': 'جارٍ الاتصال بالرقم {number} (المحاولة {attempt})…',
  'callback.heard': 'ما سمعته',
  'callback.result.reached': 'تم الوصول إلى المتصل',
  'callback.result.no_answer': 'لا رد',
  'callback.result.busy': 'مشغول',
  'callback.result.invalid': 'رقم غير صالح',
  'callback.result.seat_busy': 'هاتفك كان مشغولاً',
  'callback.result.seat_no_answer': 'هاتفك لم يرد',
  'callback.result.failed': 'فشلت معاودة الاتصال',
  'callback.last': 'آخر معاودة اتصال ({number}): {result}',
};
