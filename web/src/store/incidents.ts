/**
 * The operator's incident suggestions: the pure state of the panel under the qualification form
 * (what was asked for the draft, the answer, the attachment) and its reducer, tested as tables.
 * An answer for an older draft is dropped: only the latest question's suggestions are shown.
 * One key (F8) attaches the call to the first suggestion.
 */
import type { Attached, Reason, Suggestion } from '../api/incidents';
import type { Draft } from '../session/drafts';

export const ATTACH_KEY = 'F8';

export interface SuggestionsState {
  query: string | null; // the question asked for the current draft (null: nothing to ask yet)
  suggestions: Suggestion[];
  loading: boolean;
  error: string | null;
  attaching: string | null; // incident id
  attached: Attached | null;
}

export const initialSuggestions: SuggestionsState = {
  query: null,
  suggestions: [],
  loading: false,
  error: null,
  attaching: null,
  attached: null,
};

export type SuggestionsAction =
  | { type: 'ask'; query: string | null }
  | { type: 'answered'; query: string; suggestions: Suggestion[] }
  | { type: 'failed'; query: string; message: string }
  | { type: 'attaching'; incidentId: string }
  | { type: 'attached'; result: Attached }
  | { type: 'attach-failed'; message: string };

const number = (text: string): number | null => {
  const value = Number(text.trim().replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(value) ? value : null;
};

/** The query string of GET /me/call/incidents for what is typed, or null while nothing places
 * the event (no address, no coordinates: a type alone suggests nothing). */
export function suggestionQuery(draft: Draft, callId: string): string | null {
  const params = new URLSearchParams({ call_id: callId });
  const address = draft.address.trim();
  const lat = number(draft.latitude);
  const lon = number(draft.longitude);
  const placed = address.length >= 3 || (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180);
  if (!placed) return null;
  if (draft.incident_type) params.set('incident_type', draft.incident_type);
  if (address) params.set('address', address);
  if (lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    params.set('latitude', String(lat));
    params.set('longitude', String(lon));
  }
  return params.toString();
}

export function suggestionsReducer(state: SuggestionsState, action: SuggestionsAction): SuggestionsState {
  switch (action.type) {
    case 'ask':
      if (action.query === state.query) return state;
      return action.query === null
        ? { ...state, query: null, suggestions: [], loading: false, error: null }
        : { ...state, query: action.query, loading: true, error: null };
    case 'answered':
      return action.query === state.query ? { ...state, suggestions: action.suggestions, loading: false } : state;
    case 'failed':
      return action.query === state.query ? { ...state, loading: false, error: action.message } : state;
    case 'attaching':
      return state.attaching !== null || state.attached !== null ? state : { ...state, attaching: action.incidentId, error: null };
    case 'attached':
      return { ...state, attaching: null, attached: action.result, error: null };
    case 'attach-failed':
      return { ...state, attaching: null, error: action.message };
  }
}

/** The first suggestion, the one the attach key takes (none while attaching or attached). */
export function attachTarget(state: SuggestionsState): Suggestion | null {
  if (state.attaching !== null || state.attached !== null || state.loading) return null;
  return state.suggestions[0] ?? null;
}

/** A reason as a catalogue key and its parameters (`incident.reason.near`: "{metres} m away"). */
export function reasonText(reason: Reason): { key: string; params: Record<string, string | number> } {
  const key = `incident.reason.${reason.code}`;
  switch (reason.code) {
    case 'near':
      return { key, params: { metres: reason.value ?? 0 } };
    case 'callers':
      return { key, params: { count: reason.value ?? 0 } };
    case 'recent':
      return (reason.value ?? 0) < 1 ? { key: 'incident.reason.now', params: {} } : { key, params: { minutes: reason.value ?? 0 } };
    default:
      return { key, params: {} };
  }
}

/** "n callers" with its singular (a catalogue key and its parameters). */
export function callersText(count: number): { key: string; params: Record<string, string | number> } {
  return count === 1 ? { key: 'incident.callerOne', params: {} } : { key: 'dispatch.callersCount', params: { count } };
}
