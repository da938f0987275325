/** The incident routes' shapes: GET /me/call/incidents, POST /me/call/attach, GET /audit/incidents/{id}. */
import type { CallOut } from './types';
import type { FullStep } from './supervision';

/** Why an incident is suggested: same_caller, near (value: metres), same_address, same_street,
 * same_type, callers (value: how many call about it), recent (value: minutes since its last call). */
export interface Reason {
  code: string;
  value: number | null;
}

export interface IncidentSummary {
  id: string;
  incident_type: string | null;
  priority: string | null;
  address: string;
  opened_at: string;
  last_at: string;
  callers: number;
  ticket_id: string | null;
  ticket_state: string | null;
}

export interface Suggestion {
  incident: IncidentSummary;
  score: number;
  reasons: Reason[];
}

export interface Attached {
  call_id: string;
  incident_id: string;
  ticket_id: string | null;
  callers: number; // 0: the call already reported it
}

export interface AuditIncident {
  id: string;
  callers: number;
  opened_at: string;
  last_at: string;
  priority: string | null;
  ticket_id: string | null;
  ticket_state: string | null;
  calls: { call: CallOut; steps: FullStep[] }[];
}
