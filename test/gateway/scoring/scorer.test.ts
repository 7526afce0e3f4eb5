/**
 * The scoring core on plain data, no database: what a new press scores as from what the scorer holds
 * (and that it asks for what it lacks), and how a pass turns changed presses into rollup deltas.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MISUSE_RULES, type Event } from '../../../shared/src/index.js';
import type { CompanySettings } from '../../../gateway/src/domain/organisation.js';
import { TIME_SOURCE, type ScoredPress } from '../../../gateway/src/domain/press.js';
import { Pass } from '../../../gateway/src/scoring/pass.js';
import { MISS, Scorer } from '../../../gateway/src/scoring/scorer.js';

const settings: CompanySettings = { k: 0, neutralCountsAsDissatisfied: false, minSample: 30, misuse: DEFAULT_MISUSE_RULES };
const T = Date.parse('2026-03-02T09:30:00Z'); // 10:30 in Berlin
const BOGUS = Date.parse('2000-01-01T00:00:00Z');

function scorer(): Scorer {
  const s = new Scorer();
  s.setOrg(1, settings, [{ id: 'o', timeZone: 'Europe/Berlin' }]);
  s.putBinding('k', 'desk', { kioskId: 'k', panel: 'desk', kind: 'staff', officeId: 'o', deskId: 'd' });
  s.putBinding('k', 'free', null);
  s.putAssignments('d', [
    { deskId: 'd', employeeId: 'ann', from: T - 3_600_000, to: T + 60_000 },
    { deskId: 'd', employeeId: 'bob', from: T + 60_000, to: null },
  ]);
  return s;
}

let seq = 0;
const event = (over: Partial<Event> = {}): Event => ({
  id: `e${++seq}`,
  seq,
  panel: 'desk',
  button: 'good',
  at: new Date(T).toISOString(),
  clockSynced: true,
  bootId: 'b1',
  uptimeMs: 1_000,
  flags: [],
  ...over,
});

describe('Scorer.scoreCached', () => {
  it('asks for a binding it does not hold; an unbound panel scores as nothing', () => {
    const s = scorer();
    const pass = new Pass(s);
    expect(s.scoreCached('k', event({ panel: 'new' }), T, pass)).toBe(MISS);
    expect(s.scoreCached('k', event({ panel: 'free' }), T, pass)).toBeNull();
  });

  it('a synced press: its own time, the employee then at the desk, counted when its panel state allows', () => {
    const s = scorer();
    const pass = new Pass(s);
    expect(s.scoreCached('k', event(), T, pass)).toBe(MISS); // the panel's rule state is not held yet
    s.putPanelState('k', 'desk', null); // no timed press on it so far
    const first = s.scoreCached('k', event(), T, pass);
    expect(first).toMatchObject({
      officeId: 'o',
      deskId: 'd',
      kind: 'staff',
      employeeId: 'ann',
      t: T,
      timeSource: TIME_SOURCE.synced,
      excl: 0,
    });
    if (first === MISS || !first?.inOrder) throw new Error('expected an in-order press');
    s.advance(first.inOrder);
    // 2 s later, inside the 5 s lock-out: a repeat; 2 min later the next shift's employee, counted.
    expect(s.scoreCached('k', event(), T + 2_000, pass)).toMatchObject({ excl: 1 });
    expect(s.scoreCached('k', event(), T + 120_000, pass)).toMatchObject({ employeeId: 'bob', excl: 0 });
  });

  it('an unsynced press: corrected from its boot anchor, or uncertain (no time, nobody, never flagged) without one', () => {
    const s = scorer();
    const pass = new Pass(s);
    s.putPanelState('k', 'desk', null);
    const unsynced = event({ clockSynced: false, bootId: 'b2', uptimeMs: 5_000, at: new Date(BOGUS).toISOString() });
    expect(s.scoreCached('k', unsynced, BOGUS, pass)).toBe(MISS); // the boot's anchor is not held
    s.putAnchor('k', 'b2', null);
    expect(s.scoreCached('k', unsynced, BOGUS, pass)).toMatchObject({
      t: null,
      timeSource: TIME_SOURCE.uncertain,
      employeeId: null,
      excl: 0,
      inOrder: null,
    });
    s.putAnchor('k', 'b2', { uptimeMs: 65_000, at: T + 60_000 }); // a synced press one minute of uptime later
    expect(s.scoreCached('k', unsynced, BOGUS, pass)).toMatchObject({ t: T, timeSource: TIME_SOURCE.corrected, employeeId: 'ann' });
  });

  it("a press older than its panel's latest is left for the pass to judge, with the panel's later presses", () => {
    const s = scorer();
    const pass = new Pass(s);
    s.putPanelState('k', 'desk', { kioskId: 'k', panel: 'desk', lastT: T, lastSeq: 9, history: { lastAcceptedAt: T, recent: [T] } });
    const late = s.scoreCached('k', event({ seq: 3 }), T - 10_000, pass);
    expect(late).toMatchObject({ t: T - 10_000, excl: 0, inOrder: null });
    pass.addNew('k', event({ seq: 3 }), late as Exclude<typeof late, typeof MISS | null>);
    expect([...pass.stretches()]).toEqual([{ kioskId: 'k', panel: 'desk', min: T - 10_000, max: T - 10_000 }]);
    expect(pass.dirty('k', 'desk')).toBe(true);
  });
});

describe('Pass', () => {
  const stored = (over: Partial<ScoredPress>): ScoredPress => ({
    rid: 1,
    kioskId: 'k',
    panel: 'desk',
    seq: 1,
    button: 'good',
    bootId: 'b2',
    uptimeMs: 5_000,
    at: BOGUS,
    officeId: 'o',
    deskId: 'd',
    employeeId: 'ann',
    kind: 'staff',
    t: T,
    timeSource: TIME_SOURCE.corrected,
    excl: 0,
    ...over,
  });

  it('moves a re-corrected press from its old hour to its new one; rows that net to zero are left out', () => {
    const s = scorer();
    const pass = new Pass(s);
    const moved = pass.track(stored({ rid: 1 }));
    const kept = pass.track(stored({ rid: 2, uptimeMs: 4_000, button: 'bad', t: T - 3_600_000 })); // 09:30 in Berlin
    // A new anchor, earlier in the boot: 45 minutes later than the old one said.
    const anchor = { uptimeMs: 5_000, at: T + 45 * 60_000 };
    expect(pass.recorrect(moved, anchor)).toBe(true);
    expect(moved).toMatchObject({ t: T + 45 * 60_000, timeSource: TIME_SOURCE.corrected });
    expect(pass.attribute(moved, s.employee('d', moved.t))).toBe(true); // bob from T + 1 min
    expect(pass.attribute(kept, 'ann')).toBe(false);
    const { hours, days } = pass.rollupDeltas();
    const hourStart = (iso: string) => Date.parse(iso);
    // kept's row (09:00 local) lost its vote and got it back: no change, no row.
    expect(hours.map((d) => [d.hour.hourStart, d.hour.localHour, d.employee, d.good, d.bad])).toEqual([
      [hourStart('2026-03-02T09:00:00Z'), 10, 'ann', -1, 0],
      [hourStart('2026-03-02T10:00:00Z'), 11, 'bob', 1, 0],
    ]);
    // One local day: ann's vote goes, bob's comes.
    expect(days.map((d) => [d.day, d.employee, d.good])).toEqual([
      [20260302, 'ann', -1],
      [20260302, 'bob', 1],
    ]);
    // Re-flagged from the old time to the new.
    expect([...pass.stretches()]).toEqual([{ kioskId: 'k', panel: 'desk', min: T, max: T + 45 * 60_000 }]);
  });
});
