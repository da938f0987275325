/** Shapes of the wallboard's and the auditor's API reads (callcenter/api/routes/wallboard.py,
 * audit_links.py, boardfeed.py). */

export type WindowName = '15m' | '1h' | 'shift';
export const WINDOW_NAMES: WindowName[] = ['15m', '1h', 'shift'];

export interface Threshold {
  warn: number;
  alarm: number;
}

export interface WallboardConfig {
  thresholds: Record<string, Threshold>;
  target_seconds: number;
  target_percent: number;
  burn_horizon_seconds: number;
  ring_alert_seconds: number;
  windows: WindowName[];
}

export interface WindowStats {
  window: WindowName;
  since: string;
  calls_waiting: number;
  longest_wait_seconds: number | null;
  answered: number;
  abandoned: number;
  answered_within: Record<string, number | null>;
  average_speed_of_answer: number | null;
  abandon_rate: number | null;
  seats_by_state: Record<string, number>;
  occupancy: number | null;
  overflowing: number;
}

export type BurnStatus = 'ok' | 'at_risk' | 'breached';

export interface Burn {
  status: BurnStatus;
  measured: number | null;
  projected: number | null;
  breach_in_seconds: number | null;
  horizon_seconds: number;
  predicted_wait_seconds: number;
  service_per_minute: number;
  arrivals_per_minute: number;
  target_seconds: number;
  target_percent: number;
}

export interface BoardSeatCall {
  id: string;
  rang_at: string | null;
  answered_at: string | null;
  incident_type: string | null;
  priority: string | null;
  caller_e164: string | null;
}

export interface BoardSeat {
  name: string;
  state: string;
  paused_reason: string | null;
  call_id: string | null;
  since: string | null;
  operator: string | null;
  call: BoardSeatCall | null;
}

export interface RoomAlert {
  key: string;
  kind: string;
  severity: 'warning' | 'critical';
  since: string | null;
  seat: string | null;
  call_id: string | null;
  detail: Record<string, unknown>;
}

export interface Board {
  at: string;
  windows: Record<WindowName, WindowStats>;
  burn: Burn;
  seats: BoardSeat[];
  alerts: RoomAlert[];
  links: Record<string, string>;
}

export interface WaitingCall {
  id: string;
  state: string;
  caller_raw: string;
  caller_e164: string | null;
  queue: string | null;
  rang_at: string | null;
  queued_at: string | null;
  queue_priority: number;
  position: number;
  wait_seconds: number | null;
}

export interface LinkedCall {
  id: string;
  state: string;
  outcome: string | null;
  caller_raw: string;
  caller_e164: string | null;
  seat: string | null;
  rang_at: string | null;
  incident_type: string | null;
  link: 'caller' | 'incident' | 'entry';
}

export interface AccessEntry {
  id: number;
  at: string;
  username: string;
  role: string;
  action: string;
  call_id: string | null;
  detail: string;
}

export interface FullStep {
  seq: number;
  kind: string;
  at: string;
  pbx_at: string | null;
  received_at: string;
  clock: string;
  inferred: boolean;
  source_id: string;
  payload: Record<string, unknown>;
}
