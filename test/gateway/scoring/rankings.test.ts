/**
 * Rankings compare like with like, as a pure function: one basis for every item, subjects whose
 * visitors are unknown left out of a by-visitors ranking (and said why). Values worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { rankCandidates, rankSubjects, type RankOptions, type RankSubject } from '../../../gateway/src/scoring/rankings.js';

const counts = (good: number, neutral: number, bad: number, excluded = 0) => ({
  good,
  neutral,
  bad,
  total: good + neutral + bad,
  excluded,
});

// The honest office has visitor counts: P = 30, B = 5, V = 60 → S = 30, ИНК = (5 + 30) / 60 = 0.58…;
// B/P = 5/30 = 0.17. The other has none: B/P = 9/30 = 0.3. Mixed, the honest one would rank last.
const honest: RankSubject = { id: 'spb', officeId: 'spb', counts: counts(20, 5, 5), k: 0, visitors: 60 };
const uncounted: RankSubject = {
  id: 'msk',
  officeId: 'msk',
  counts: counts(15, 6, 9),
  k: 0,
  visitors: null,
  visitorsMissing: [{ officeId: 'msk', days: ['2026-03-04'] }],
};
const thin: RankSubject = { id: 'kzn', officeId: 'kzn', counts: counts(1, 0, 1), k: 0, visitors: 10 };
const base: RankOptions = { index: 'ink', kind: 'staff', basis: 'visitors', neutralCountsAsDissatisfied: false, minSample: 30 };

describe('rankings', () => {
  it('basis=visitors: (B′ + (1 − k)·S) / V; visitors unknown → left out with the reason and the missing days', () => {
    const r = rankSubjects([uncounted, honest, thin], base);
    expect(r.items.map((i) => [i.rank, i.id, i.value, i.n, i.coverageKnown])).toEqual([[1, 'spb', 35 / 60, 60, true]]);
    expect(r.leftOut).toBe(2);
    expect(r.leftOutReasons).toEqual({ visitorsUnknown: 1, insufficientSample: 1 });
    expect(r.leftOutSubjects).toEqual([
      { id: 'kzn', officeId: 'kzn', reason: 'insufficientSample' },
      { id: 'msk', officeId: 'msk', reason: 'visitorsUnknown', visitorsMissing: [{ officeId: 'msk', days: ['2026-03-04'] }] },
    ]);
  });

  it('basis=visitors with k = 0.5 and neutral counted: (B + N + 0.5·S) / V', () => {
    const r = rankSubjects([{ ...honest, k: 0.5 }], { ...base, neutralCountsAsDissatisfied: true });
    expect(r.items[0]!.value).toBeCloseTo((5 + 5 + 0.5 * 30) / 60, 12);
  });

  it('basis=presses: B′ / P for every subject, each saying whether its visitors are known', () => {
    const r = rankSubjects([uncounted, honest, thin], { ...base, basis: 'presses' });
    expect(r.items.map((i) => [i.rank, i.id, i.value, i.n, i.coverageKnown])).toEqual([
      [1, 'spb', 5 / 30, 30, true],
      [2, 'msk', 9 / 30, 30, false],
    ]);
    expect(r.leftOutReasons).toEqual({ visitorsUnknown: 0, insufficientSample: 1 });
  });

  it('CSAT and ИЭЛ rank higher first, on presses; ties by id', () => {
    const a: RankSubject = { id: 'a', officeId: 'o', counts: counts(20, 5, 5), k: 0, visitors: null };
    const b: RankSubject = { id: 'b', officeId: 'o', counts: counts(24, 3, 3), k: 0, visitors: null };
    const c: RankSubject = { id: 'c', officeId: 'o', counts: counts(24, 3, 3), k: 0, visitors: null };
    const r = rankSubjects([a, c, b], { ...base, index: 'csat', basis: 'presses' });
    expect(r.items.map((i) => [i.id, i.value])).toEqual([
      ['b', 24 / 30],
      ['c', 24 / 30],
      ['a', 20 / 30],
    ]);
  });

  it('a subject whose presses were all misuse is left out as insufficient', () => {
    const r = rankSubjects([{ id: 'x', officeId: 'o', counts: counts(0, 0, 0, 4), k: 0, visitors: null }], {
      ...base,
      basis: 'presses',
      minSample: 1,
    });
    expect(r.items).toEqual([]);
    expect(r.leftOutSubjects).toEqual([{ id: 'x', officeId: 'o', reason: 'insufficientSample' }]);
  });
});

describe('ranking candidates', () => {
  const office = (id: string, regionId: string | null, k: number | null = null) => ({ id, name: id, timeZone: 'UTC', regionId, k });
  const offices = [office('a', 'north', 0.5), office('b', 'north'), office('c', 'south'), office('d', null)];
  const row = (id: string, officeId: string, good: number) => ({ id, officeId, good, neutral: 0, bad: 1, excluded: 0 });
  const rows = [row('a', 'a', 3), row('b', 'b', 4), row('c', 'c', 5), row('d', 'd', 6)];

  it("regions sum their offices within the caller's regions, at the company k; a region without presses is no candidate", () => {
    const all = rankCandidates('region', rows, [...offices, office('e', 'east')], 0.2, { offices: undefined, regions: undefined });
    expect(all.map((c) => [c.id, c.counts.total, c.k, c.visitorsOf])).toEqual([
      ['north', 9, 0.2, { officeIds: ['a', 'b'], deskId: null }],
      ['south', 6, 0.2, { officeIds: ['c'], deskId: null }],
    ]);
    expect(rankCandidates('region', rows, offices, 0.2, { offices: ['a', 'b', 'c'], regions: ['south'] }).map((c) => c.id)).toEqual([
      'south',
    ]);
  });

  it("offices, desks and employees within the caller's offices, each at its office k; an employee's visitors are their own", () => {
    const scope = { offices: ['a', 'b'], regions: [] };
    expect(rankCandidates('office', rows, offices, 0.2, scope).map((c) => [c.id, c.k, c.visitorsOf])).toEqual([
      ['a', 0.5, { officeIds: ['a'], deskId: null }],
      ['b', 0.2, { officeIds: ['b'], deskId: null }],
    ]);
    expect(rankCandidates('desk', [row('a-d1', 'a', 1)], offices, 0.2, scope)[0]!.visitorsOf).toEqual({ officeIds: ['a'], deskId: 'a-d1' });
    expect(
      rankCandidates('employee', [row('ann', 'a', 1), row('zoe', 'c', 1)], offices, 0.2, scope).map((c) => [c.id, c.visitorsOf]),
    ).toEqual([['ann', { officeIds: ['a'], deskId: null, employeeId: 'ann' }]]);
  });
});
