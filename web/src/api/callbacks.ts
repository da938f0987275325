/** The call-back routes' types (callcenter/api/callback_schemas.py). */
export type CallbackStatus = 'open' | 'offered' | 'calling' | 'reached' | 'closed' | 'gave_up' | 'not_callable';

export interface CallbackTask {
  call_id: string;
  number: string | null;
  caller_raw: string;
  reason: 'abandoned' | 'silent' | 'cut_off';
  status: CallbackStatus;
  created_at: string;
  waited_seconds: number | null;
  repeat_count: number;
  not_callable: 'withheld' | 'invalid_number' | null;
  seat: string | null;
  attempts: number;
  result: string | null;
  closed_by: string | null;
  updated_at: string | null;
}

export interface CallbackOffer {
  task: CallbackTask | null;
  why_none: string;
}

/** What an operator may say they heard. */
export const OPERATOR_RESULTS = ['reached', 'no_answer', 'busy', 'invalid'] as const;
export type OperatorResult = (typeof OPERATOR_RESULTS)[number];
