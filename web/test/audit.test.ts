import { describe, expect, it } from 'vitest';
import type { FullStep } from '../src/api/supervision';
import { exportQuery, filterFromSearch, filterToSearch, roomLocalToIso, searchQuery } from '../src/screens/audit/filter';
import { clockGap, momentAt, offsets } from '../src/screens/audit/replay';

describe('audit filter', () => {
  it('round-trips through the URL, keeping lang and dropping empty fields', () => {
    const f = filterFromSearch('?number=0612345678&seat=Seat%2001&outcome=handed_off&lang=ar');
    expect(f).toMatchObject({ number: '0612345678', seat: 'Seat 01', outcome: 'handed_off', since: '' });
    expect(filterToSearch(f, new URLSearchParams('lang=ar&number=old'))).toBe('?lang=ar&number=0612345678&seat=Seat+01&outcome=handed_off');
  });
  it('reads room time (Casablanca) as UTC', () => {
    // Morocco is UTC+1 outside Ramadan.
    expect(roomLocalToIso('2026-12-01T10:30', 'Africa/Casablanca')).toBe('2026-12-01T09:30:00.000Z');
    expect(roomLocalToIso('2026-12-01T10:30', 'UTC')).toBe('2026-12-01T10:30:00.000Z');
    expect(roomLocalToIso('junk', 'UTC')).toBeNull();
  });
  it('pages with the earlier of `until` and the cursor; the export ignores the page', () => {
    const f = filterFromSearch('?until=2026-12-01T12:00&before=2026-12-01T09:00:00.000Z&incident_type=fire');
    const q = new URLSearchParams(searchQuery(f, 'UTC'));
    expect(q.get('until')).toBe('2026-12-01T09:00:00.000Z');
    expect(q.get('limit')).toBe('26');
    const e = new URLSearchParams(exportQuery(f, 'UTC', 'csv'));
    expect(e.get('until')).toBe('2026-12-01T12:00:00.000Z');
    expect(e.get('format')).toBe('csv');
    expect(e.get('incident_type')).toBe('fire');
    expect(e.has('limit')).toBe(false);
  });
});

function step(seq: number, kind: string, second: number, payload: Record<string, unknown>, pbxSecond: number | null = null): FullStep {
  const at = new Date(Date.UTC(2026, 11, 1, 10, 0, second)).toISOString();
  return { seq, kind, at, pbx_at: pbxSecond === null ? null : new Date(Date.UTC(2026, 11, 1, 10, 0, pbxSecond)).toISOString(), received_at: at, clock: 'pbx', inferred: false, source_id: `s${seq}`, payload };
}

const STEPS = [
  step(1, 'entered', 0, { state: 'ringing' }),
  step(2, 'queued', 1, { state: 'queued', position: 3 }),
  step(3, 'reprioritised', 4, { state: 'queued', priority: 10, by: 'supervisor' }),
  step(4, 'offered', 6, { state: 'offered', seat: 'Seat 01' }),
  step(5, 'answered', 8, { state: 'answered', seat: 'Seat 01', hold_seconds: 7 }, 5),
  step(6, 'qualified', 20, { state: 'qualified', incident_type: 'theft', priority: 'P1', address: 'Bd X', by: 'op01' }),
  step(7, 'amended', 25, { state: 'qualified', incident_type: 'theft', priority: 'P2', address: 'Bd X', by: 'op01' }),
];

describe('replay', () => {
  it('places steps on the time axis from the first one', () => {
    expect(offsets(STEPS)).toEqual([0, 1000, 4000, 6000, 8000, 20000, 25000]);
  });
  it.each([
    [-1, { index: -1, state: null }],
    [1500, { index: 1, state: 'queued', position: 3, seat: null }],
    [4000, { index: 2, priority: 10 }],
    [7000, { index: 3, state: 'offered', seat: 'Seat 01', position: 3 }],
    [9000, { index: 4, state: 'answered', seat: 'Seat 01', position: null, typed: null }],
    [21000, { index: 5, state: 'qualified', typed: { incident_type: 'theft', priority: 'P1', address: 'Bd X' } }],
    [99000, { index: 6, typed: { incident_type: 'theft', priority: 'P2', address: 'Bd X' } }],
  ])('at %s ms', (ms, expected) => {
    expect(momentAt(STEPS, ms)).toMatchObject(expected);
  });
  it('shows the PBX and arrival times only where they differ', () => {
    expect(clockGap(STEPS[4]!)).toBe(3000);
    expect(clockGap(STEPS[0]!)).toBeNull();
  });
});
