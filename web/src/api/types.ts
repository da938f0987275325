/** Shapes of the callcenter API as the screens use them (see callcenter/api/schemas.py). */

export type Role = 'operator' | 'supervisor' | 'auditor' | 'dispatcher' | 'admin';
export type Priority = 'P1' | 'P2' | 'P3' | 'P4';

export interface Session {
  token: string;
  username: string;
  role: Role;
  seat: string | null;
  expiresAt: number; // epoch ms
}

export interface RoomConfig {
  incident_types: string[];
  priorities: Priority[];
  pause_reasons: string[];
  time_zone: string;
  wrapup_seconds: number | null;
  phone_mode: 'demo' | 'sip';
  sla_answer_seconds: number;
}

export type SeatStateName = 'logged_out' | 'available' | 'ringing' | 'in_call' | 'wrap_up' | 'paused';

export interface SeatOut {
  name: string;
  interface: string;
  queue: string;
  state: SeatStateName;
  paused_reason: string | null;
  call_id: string | null;
}

/** One part of why the call was routed so (callcenter/domain/entry_reasons.py). */
export interface ReasonCode {
  code: string;
  params: Record<string, string | number>;
}

export interface EntryDecision {
  priority: string | number | null;
  reason: string | null; // in English: shown only for calls recorded before reason_codes
  reason_codes?: ReasonCode[] | null; // why, as codes the panel translates (format/entryReasons)
  route?: string | null;
  line_type?: string | null;
  repeat_count?: number | null;
  callback_after_abandon?: boolean | null;
}

export interface RecentCall {
  id: string;
  rang_at: string | null;
  outcome: string | null;
  state?: string;
  seat?: string | null;
  incident_type?: string | null;
}

export interface CallOut {
  id: string;
  state: string;
  outcome: string | null;
  caller_raw: string;
  caller_e164: string | null;
  seat: string | null;
  line_ended?: boolean; // the caller hung up (GET /me/call: the seat's last call, still to hand off)
  rang_at: string | null;
  queued_at?: string | null;
  offered_at?: string | null;
  answered_at: string | null;
  ended_at: string | null;
  hold_seconds?: number | null;
  incident_type: string | null;
  priority: string | null;
  qualification?: Qualification | null;
  dispatch_ticket: string | null;
  dispatch_unit: string | null;
  incident_id?: string | null; // the incident the call reports (its own, or one it was attached to)
  entry_decision?: EntryDecision | null;
  recent_calls?: RecentCall[];
}

export interface StepOut {
  seq: number;
  kind: string;
  at: string;
  payload: Record<string, unknown>;
}

export interface CallWithTimeline {
  call: CallOut;
  steps: StepOut[];
}

export interface Qualification {
  incident_type: string;
  priority: Priority;
  address: string;
  latitude: number | null;
  longitude: number | null;
  callback_e164: string | null;
  notes: string;
}

export interface Unit {
  id: string;
  kind: string;
  status: string; // available, busy...
  latitude: number | null;
  longitude: number | null;
}

export interface Candidate {
  unit: string;
  kind: string;
  distance_m: number | null;
}

export interface Ticket {
  id: string;
  call_id: string;
  state: string; // pending, sent, escalated, acknowledged
  created_at: string;
  qualification: Qualification;
  unit: string | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  escalated?: boolean;
  caller_e164?: string | null;
  seat?: string | null;
  candidates?: Candidate[];
  incident_id?: string | null; // the incident the ticket's call reports
  callers?: number; // how many calls report that incident (attached calls included)
}

export interface PhoneConfigDemo {
  mode: 'demo';
  seat: string;
}

export interface PhoneConfigSip {
  mode: 'sip';
  seat: string;
  ws_url: string;
  uri: string;
  authorization_user: string;
  password: string;
  display_name: string;
}

export type PhoneConfig = PhoneConfigDemo | PhoneConfigSip;

/** A message of a live feed (callcenter/api/live.py). */
export type LiveMessage =
  | { type: 'hello'; feed: string; seq: number }
  | {
      type: 'event';
      seq: number;
      topic: string;
      kind: string;
      at: string;
      call_id: string | null;
      seat: string | null;
      payload: Record<string, unknown>;
    }
  | { type: 'trimmed'; seq: number; first_available: number }
  | { type: 'reset'; seq: number; requested: number }
  | { type: 'behind'; seq: number }
  | { type: 'error'; detail: string };

export type LiveEvent = Extract<LiveMessage, { type: 'event' }>;
