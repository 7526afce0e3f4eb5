import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DeskAssignment } from '../../../gateway/src/domain/organisation.js';
import { attributionChanges, employeeAt, validateAssignments } from '../../../gateway/src/scoring/attribution.js';

const t = (hhmm: string) => Date.parse(`2026-03-02T${hhmm}:00Z`);
const assign = (deskId: string, employeeId: string, from: string, to: string | null): DeskAssignment => ({
  deskId,
  employeeId,
  from: t(from),
  to: to === null ? null : t(to),
});

const shifts = [
  assign('d1', 'elena', '08:00', '14:00'),
  assign('d1', 'ivan', '14:00', '20:00'),
  assign('d1', 'olga', '20:00', null),
  assign('d2', 'pavel', '09:00', '18:00'),
];

describe('employeeAt', () => {
  it.each([
    ['07:59', 'd1', undefined],
    ['08:00', 'd1', 'elena'],
    ['13:59', 'd1', 'elena'],
    ['14:00', 'd1', 'ivan'], // shift change exactly at the press: the incoming employee
    ['20:00', 'd1', 'olga'],
    ['23:59', 'd1', 'olga'], // open-ended assignment
    ['18:00', 'd2', undefined], // after the shift: unattributed, not the last employee
    ['12:00', 'd3', undefined], // desk without assignments
  ])('press at %s on %s → %s', (time, desk, employee) => {
    expect(employeeAt(shifts, desk, t(time))).toBe(employee);
  });

  it('one millisecond before the change still belongs to the outgoing employee', () => {
    expect(employeeAt(shifts, 'd1', t('14:00') - 1)).toBe('elena');
  });

  it('never guesses between two overlapping assignments that slipped past validation', () => {
    const bad = [assign('d1', 'elena', '08:00', '14:00'), assign('d1', 'ivan', '12:00', '20:00')];
    expect(employeeAt(bad, 'd1', t('13:00'))).toBeUndefined();
    expect(employeeAt(bad, 'd1', t('15:00'))).toBe('ivan');
  });
});

describe('validateAssignments', () => {
  it('accepts back-to-back shifts and an open end', () => {
    expect(validateAssignments(shifts)).toEqual([]);
  });

  it('refuses an overlap on one desk, naming desk, employees and times', () => {
    const problems = validateAssignments([...shifts, assign('d1', 'anna', '13:00', '15:00')]);
    expect(problems).toEqual([
      'assignments[4]: desk d1 already has employee elena for 2026-03-02T08:00:00.000Z – 2026-03-02T14:00:00.000Z ' +
        '(assignments[0]), which overlaps anna for 2026-03-02T13:00:00.000Z – 2026-03-02T15:00:00.000Z',
      'assignments[1]: desk d1 already has employee anna for 2026-03-02T13:00:00.000Z – 2026-03-02T15:00:00.000Z ' +
        '(assignments[4]), which overlaps ivan for 2026-03-02T14:00:00.000Z – 2026-03-02T20:00:00.000Z',
    ]);
  });

  it.each([
    ['a later shift under an open-ended one', [assign('d1', 'a', '08:00', null), assign('d1', 'b', '20:00', '21:00')], 1],
    [
      'two shifts inside a long one',
      [assign('d1', 'a', '08:00', '20:00'), assign('d1', 'b', '09:00', '10:00'), assign('d1', 'c', '11:00', '12:00')],
      2,
    ],
    ['identical shifts of one person', [assign('d1', 'a', '08:00', '10:00'), assign('d1', 'a', '08:00', '10:00')], 2],
  ])('refuses %s', (_name, list, count) => {
    expect(validateAssignments(list)).toHaveLength(count);
  });

  it('refuses one employee at two desks at once unless allowed', () => {
    const list = [assign('d1', 'elena', '08:00', null), assign('d2', 'elena', '12:00', '13:00')];
    expect(validateAssignments(list)).toEqual([
      'assignments[1]: employee elena is at desk d1 for 2026-03-02T08:00:00.000Z – open end (assignments[0]), ' +
        'which overlaps desk d2 for 2026-03-02T12:00:00.000Z – 2026-03-02T13:00:00.000Z',
    ]);
    expect(validateAssignments(list, { allowEmployeeAtTwoDesks: true })).toEqual([]);
  });

  it('refuses an empty or reversed interval and a missing start', () => {
    expect(validateAssignments([assign('d1', 'a', '10:00', '10:00'), { ...assign('d1', 'b', '11:00', null), from: Number.NaN }])).toEqual([
      'assignments[0].to: must be after from (2026-03-02T10:00:00.000Z – 2026-03-02T10:00:00.000Z)',
      'assignments[1].from: must be a time',
    ]);
  });
});

describe('attributionChanges (retroactive corrections)', () => {
  it('finds the hour that moves from elena to ivan when the handover is corrected to 13:00', () => {
    const corrected = [
      assign('d1', 'elena', '08:00', '13:00'),
      ...shifts.slice(1).map((a, i) => (i === 0 ? { ...a, from: t('13:00') } : a)),
    ];
    expect(attributionChanges(shifts, corrected)).toEqual([{ deskId: 'd1', from: t('13:00'), to: t('14:00') }]);
  });

  it('an assignment added to an unattributed gap, and one closed early', () => {
    const after = [...shifts.slice(0, 3), assign('d2', 'pavel', '09:00', '12:00'), assign('d2', 'anna', '18:00', '19:00')];
    // pavel loses 12:00–18:00 (now unattributed), anna gains 18:00–19:00: one span to re-attribute
    expect(attributionChanges(shifts, after)).toEqual([{ deskId: 'd2', from: t('12:00'), to: t('19:00') }]);
  });

  it('nothing changes → no spans', () => {
    expect(attributionChanges(shifts, [...shifts].reverse())).toEqual([]);
  });

  const day = (h: number) => t('00:00') + h * 3_600_000;
  const timeline = fc
    .array(
      fc.tuple(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('a', 'b', 'c'),
        fc.constantFrom('d1', 'd2'),
      ),
      { maxLength: 6 },
    )
    .map((list) => list.map(([h, len, employeeId, deskId]) => ({ deskId, employeeId, from: day(h), to: day(h + len) })));

  it('a press is re-attributed exactly when it falls inside a reported span', () => {
    fc.assert(
      fc.property(timeline, timeline, fc.integer({ min: 0, max: 30 * 60 }), fc.constantFrom('d1', 'd2'), (before, after, minute, desk) => {
        const press = t('00:00') + minute * 60_000;
        const changed = employeeAt(before, desk, press) !== employeeAt(after, desk, press);
        const inSpan = attributionChanges(before, after).some((c) => c.deskId === desk && c.from <= press && press < (c.to ?? Infinity));
        expect(inSpan).toBe(changed);
      }),
      { numRuns: 500 },
    );
  });

  it('on a valid timeline the press goes to the one covering assignment, or to nobody', () => {
    fc.assert(
      fc.property(timeline, fc.integer({ min: 0, max: 30 * 60 }), (list, minute) => {
        fc.pre(validateAssignments(list).length === 0);
        const press = t('00:00') + minute * 60_000;
        const covering = list.filter((a) => a.deskId === 'd1' && a.from <= press && press < a.to);
        expect(covering.length).toBeLessThanOrEqual(1);
        expect(employeeAt(list, 'd1', press)).toBe(covering[0]?.employeeId);
      }),
      { numRuns: 300 },
    );
  });
});
