/**
 * The auditor's search filter and the URL it lives in (so a search is a link to share), and
 * the room-time conversions of its time range. Pure.
 */
export interface AuditFilter {
  number: string;
  since: string; // room-local 'YYYY-MM-DDTHH:mm' (as the input shows it), '' for none
  until: string;
  seat: string;
  outcome: string;
  incident_type: string;
  before: string; // paging cursor: rang before this ISO instant ('' for the first page)
}

export const EMPTY_FILTER: AuditFilter = { number: '', since: '', until: '', seat: '', outcome: '', incident_type: '', before: '' };
const KEYS = Object.keys(EMPTY_FILTER) as (keyof AuditFilter)[];
export const PAGE_SIZE = 25;

export function filterFromSearch(search: string): AuditFilter {
  const q = new URLSearchParams(search);
  const f = { ...EMPTY_FILTER };
  for (const k of KEYS) f[k] = (q.get(k) ?? '').slice(0, 80);
  return f;
}

/** The filter as a query string (empty fields left out; `lang` and `wall`-like extras kept). */
export function filterToSearch(f: AuditFilter, keep: URLSearchParams = new URLSearchParams()): string {
  const q = new URLSearchParams();
  for (const [k, v] of keep) if (!(KEYS as string[]).includes(k)) q.set(k, v);
  for (const k of KEYS) if (f[k].trim()) q.set(k, f[k].trim());
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The offset (ms) of `timeZone` from UTC at instant `utcMs`. */
function zoneOffset(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(utcMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** A room-local 'YYYY-MM-DDTHH:mm' as an ISO UTC instant, or null if it is not one. */
export function roomLocalToIso(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local.trim());
  if (!m) return null;
  const guess = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
  let utc = guess - zoneOffset(guess, timeZone);
  utc = guess - zoneOffset(utc, timeZone); // across a DST change, the offset at the result
  return new Date(utc).toISOString();
}

/** The API query of a filter: times in UTC; `limit` one more than a page to know if more follow. */
export function searchQuery(f: AuditFilter, timeZone: string): string {
  const q = new URLSearchParams();
  if (f.number.trim()) q.set('number', f.number.trim());
  const since = roomLocalToIso(f.since, timeZone);
  if (since) q.set('since', since);
  const untilLocal = roomLocalToIso(f.until, timeZone);
  const before = f.before && !Number.isNaN(Date.parse(f.before)) ? f.before : null;
  const until = [untilLocal, before].filter((x): x is string => x !== null).sort()[0];
  if (until) q.set('until', until);
  if (f.seat.trim()) q.set('seat', f.seat.trim());
  if (f.outcome) q.set('outcome', f.outcome);
  if (f.incident_type) q.set('incident_type', f.incident_type);
  q.set('limit', String(PAGE_SIZE + 1));
  return q.toString();
}

/** The export's query for the same filter (every page, not only the one shown). */
export function exportQuery(f: AuditFilter, timeZone: string, format: 'csv' | 'jsonl'): string {
  const q = new URLSearchParams(searchQuery({ ...f, before: '' }, timeZone));
  q.delete('limit');
  q.set('format', format);
  return q.toString();
}
