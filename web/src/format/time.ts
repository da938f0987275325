/** Times shown in the room's time zone (GET /room/config), whatever the browser's zone. */
export function formatTime(iso: string | null | undefined, timeZone: string, locale: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    numberingSystem: 'latn',
  }).format(date);
}

export function secondsSince(iso: string | null | undefined, now: number): number {
  if (!iso) return 0;
  const at = new Date(iso).getTime();
  return Number.isNaN(at) ? 0 : Math.max(0, Math.round((now - at) / 1000));
}

export function formatDistance(metres: number | null | undefined, locale: string): string {
  if (metres === null || metres === undefined) return '';
  if (metres < 1000) return `${Math.round(metres)} m`;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: 1, numberingSystem: 'latn' } as Intl.NumberFormatOptions).format(metres / 1000)} km`;
}
