/** Dates and times with milliseconds in the room's time zone, for the auditor. */
export function dateTime(iso: string | null | undefined, timeZone: string, locale: string, millis = false): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    numberingSystem: 'latn',
    ...(millis ? { fractionalSecondDigits: 3 } : {}),
  } as Intl.DateTimeFormatOptions).format(d);
}
