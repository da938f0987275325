/** English strings of the operator's call-back card. */
import type { callbacksFr } from './callbacks.fr';

export const callbacksEn: Record<keyof typeof callbacksFr, string> = {
  'callback.title': 'Call-back',
  'callback.offer': 'Call back {number}',
  'callback.waited': 'waited {minutes} min {seconds} s',
  'callback.callsToday': '{count} calls in 24 h',
  'callback.waitedSeconds': 'waited {seconds} s',
  'callback.callOnce': 'first call in 24 h',
  'callback.reason.abandoned': 'Hung up before an answer',
  'callback.reason.silent': 'Silent call',
  'callback.reason.cut_off': 'Call cut off',
  'callback.call': 'Call back',
  'callback.callKey': 'Alt+R',
  'callback.pickUp': 'Pick up (your phone is ringing)',
  'callback.hangUp': 'Hang up the call-back',
  'callback.decline': 'Leave it to another seat',
  'callback.calling': 'Calling {number} back (attempt {attempt})…',
  'callback.heard': 'What you heard',
  'callback.result.reached': 'Caller reached',
  'callback.result.no_answer': 'No answer',
  'callback.result.busy': 'Busy',
  'callback.result.invalid': 'Invalid number',
  'callback.result.seat_busy': 'Your phone was busy',
  'callback.result.seat_no_answer': 'Your phone did not pick up',
  'callback.result.failed': 'Call-back failed',
  'callback.last': 'Last call-back ({number}): {result}',
};
