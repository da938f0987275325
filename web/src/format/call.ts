/**
 * What the panel shows about an offered call, from GET /me/call: the FastAGI entry decision and
 * the same caller's recent calls, taken from the call object when the API gives them, or read
 * from the timeline's `entered` step otherwise.
 */
import type { CallWithTimeline, EntryDecision, RecentCall } from '../api/types';
import { readReasonCodes, type ReasonCode } from './entryReasons';

export interface CallFacts {
  decision: EntryDecision | null;
  reasons: ReasonCode[]; // the decision's reason codes (none for calls recorded before them)
  recent: RecentCall[];
  numberKind: string | null;
}

export function callFacts(data: CallWithTimeline): CallFacts {
  const entered = data.steps.find((s) => s.kind === 'entry_decision' || (s.kind === 'entered' && ('route' in s.payload || 'reason' in s.payload)));
  const p = entered?.payload ?? {};
  const fromSteps: EntryDecision | null = entered
    ? {
        priority: (p.priority as number | undefined) ?? null,
        reason: (p.reason as string | undefined) ?? null,
        reason_codes: readReasonCodes(p.reason_codes),
        route: (p.route as string | undefined) ?? null,
        line_type: (p.number_kind as string | undefined) ?? null,
        repeat_count: (p.repeat_count as number | undefined) ?? null,
        callback_after_abandon: (p.callback_after_abandon as boolean | undefined) ?? null,
      }
    : null;
  const decision = data.call.entry_decision ?? fromSteps;
  const linked = Array.isArray(p.linked_call_ids) ? (p.linked_call_ids as string[]) : [];
  const recent = data.call.recent_calls ?? linked.map((id) => ({ id, rang_at: null, outcome: null }));
  return { decision, reasons: readReasonCodes(decision?.reason_codes), recent, numberKind: decision?.line_type ?? (p.number_kind as string | undefined) ?? null };
}
