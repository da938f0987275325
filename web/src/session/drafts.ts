/**
 * Drafts of the qualification form, kept in localStorage per call until the hand-off succeeds:
 * a reload, a network drop or an expired session loses nothing the operator typed.
 */
export interface Draft {
  incident_type: string;
  priority: string;
  address: string;
  latitude: string;
  longitude: string;
  callback_e164: string;
  notes: string;
}

export const emptyDraft: Draft = {
  incident_type: '',
  priority: '',
  address: '',
  latitude: '',
  longitude: '',
  callback_e164: '',
  notes: '',
};

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const PREFIX = 'callcenter.draft.';

export function loadDraft(storage: KeyValueStore, callId: string): Draft | null {
  const text = storage.getItem(PREFIX + callId);
  if (!text) return null;
  try {
    return { ...emptyDraft, ...(JSON.parse(text) as Partial<Draft>) };
  } catch {
    return null;
  }
}

export function saveDraft(storage: KeyValueStore, callId: string, draft: Draft): void {
  storage.setItem(PREFIX + callId, JSON.stringify(draft));
}

export function dropDraft(storage: KeyValueStore, callId: string): void {
  storage.removeItem(PREFIX + callId);
}

export type Parsed =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; errors: Record<string, 'required' | 'number'> };

/** The form's text to the API's QualificationIn; the API checks the rest (422 per field). */
export function toQualification(draft: Draft): Parsed {
  const errors: Record<string, 'required' | 'number'> = {};
  for (const field of ['incident_type', 'priority', 'address'] as const) {
    if (!draft[field].trim()) errors[field] = 'required';
  }
  const coordinate = (field: 'latitude' | 'longitude'): number | null => {
    const text = draft[field].trim().replace(',', '.');
    if (!text) return null;
    const value = Number(text);
    if (!Number.isFinite(value)) errors[field] = 'number';
    return value;
  };
  const latitude = coordinate('latitude');
  const longitude = coordinate('longitude');
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    body: {
      incident_type: draft.incident_type,
      priority: draft.priority,
      address: draft.address.trim(),
      latitude,
      longitude,
      callback_e164: draft.callback_e164.trim().replace(/\s+/g, '') || null,
      notes: draft.notes,
    },
  };
}
