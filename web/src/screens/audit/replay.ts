/**
 * The replay of a call: what was true at a moment of its timeline (the call's state, the seat,
 * the queue position, what the operator had typed), and the timing of the steps. Pure.
 */
import type { FullStep } from '../../api/supervision';

export interface Moment {
  index: number; // the last step at or before the moment (-1 before the first)
  state: string | null;
  seat: string | null;
  position: number | null;
  priority: number | null;
  typed: Record<string, unknown> | null; // the qualification as last typed (qualified / amended)
}

export function stepTime(step: FullStep): number {
  return Date.parse(step.at);
}

/** The steps' times relative to the first one (ms), in order. */
export function offsets(steps: FullStep[]): number[] {
  if (steps.length === 0) return [];
  const t0 = stepTime(steps[0]!);
  return steps.map((s) => Math.max(0, stepTime(s) - t0));
}

export function momentAt(steps: FullStep[], elapsedMs: number): Moment {
  const at = offsets(steps);
  const m: Moment = { index: -1, state: null, seat: null, position: null, priority: null, typed: null };
  for (let i = 0; i < steps.length; i += 1) {
    if (at[i]! > elapsedMs) break;
    const p = steps[i]!.payload;
    m.index = i;
    if (typeof p.state === 'string') m.state = p.state;
    const kind = steps[i]!.kind;
    if (kind === 'queued') m.position = typeof p.position === 'number' ? p.position : m.position;
    if (['answered', 'abandoned', 'left_queue', 'overflowed', 'lost'].includes(kind)) m.position = null;
    if (kind === 'offered' || kind === 'answered') m.seat = typeof p.seat === 'string' ? p.seat : m.seat;
    if (kind === 'ring_no_answer' || kind === 'abandoned' || kind === 'queued') m.seat = null;
    if ((kind === 'entry_decision' || kind === 'reprioritised') && typeof p.priority === 'number') m.priority = p.priority;
    if (kind === 'qualified' || kind === 'amended') {
      const { state: _state, by: _by, ticket_id: _ticket, ...typed } = p;
      m.typed = typed;
    }
  }
  return m;
}

/** Milliseconds between Asterisk's time and the arrival time of a step, when both are known
 * and they differ by at least `threshold` ms (otherwise null). */
export function clockGap(step: FullStep, threshold = 500): number | null {
  if (!step.pbx_at) return null;
  const gap = Date.parse(step.received_at) - Date.parse(step.pbx_at);
  return Number.isNaN(gap) || Math.abs(gap) < threshold ? null : gap;
}

export const SPEEDS = [1, 4, 16] as const;
export type Speed = (typeof SPEEDS)[number];
