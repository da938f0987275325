/** Dates and times for the auditor, in the room's time zone, as `YYYY-MM-DD HH:mm:ss(.mmm)`
 * in every language: one unambiguous layout for case files, with Latin digits, that reads the
 * same inside right-to-left text. */
export function dateTime(iso: string | null | undefined, timeZone: string, _locale: string, millis = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(millis ? { fractionalSecondDigits: 3 } : {}),
  } as Intl.DateTimeFormatOptions).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const ms = millis ? `.${get('fractionalSecond')}` : '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}${ms}`;
}
