/**
 * Caller numbers for humans: Moroccan numbers as +212 6 12 34 56 78, others grouped by three;
 * the line type from the FastAGI's number kind, or from the Moroccan numbering plan.
 */
export function formatNumber(e164: string | null | undefined, raw: string | null | undefined): string | null {
  if (e164 && /^\+\d{6,15}$/.test(e164)) {
    if (e164.startsWith('+212') && e164.length === 13) {
      const n = e164.slice(4);
      return `+212 ${n[0]} ${n.slice(1, 3)} ${n.slice(3, 5)} ${n.slice(5, 7)} ${n.slice(7, 9)}`;
    }
    const digits = e164.slice(1);
    const groups = digits.match(/\d{1,3}/g) ?? [];
    return `+${groups.join(' ')}`;
  }
  const cleaned = (raw ?? '').trim();
  if (!cleaned || /^(anonymous|unknown|restricted|private)$/i.test(cleaned)) return null;
  return cleaned;
}

export type LineType = 'mobile' | 'fixed' | 'unknown';

export function lineType(e164: string | null | undefined, numberKind?: string | null): LineType {
  const kind = (numberKind ?? '').toLowerCase();
  if (kind.includes('mobile')) return 'mobile';
  if (kind.includes('fixed') || kind.includes('landline')) return 'fixed';
  if (e164?.startsWith('+212') && e164.length === 13) {
    const first = e164[4];
    if (first === '6' || first === '7') return 'mobile';
    if (first === '5') return 'fixed';
  }
  return 'unknown';
}
