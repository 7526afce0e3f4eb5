/**
 * Who sat at a desk when a press happened. Intervals are half-open [from, to): at a shift change
 * exactly at the press time the press goes to the incoming employee, the one whose shift has begun.
 * No assignment → undefined ("unattributed"); nothing is ever guessed.
 */
import type { DeskAssignment } from '../domain/organisation.js';

export interface ValidationOptions {
  /**
   * Off by default: one person at two desks at once is far more often a move whose old assignment was
   * never closed than a real double desk, and leaving it open would credit them with the old desk's presses.
   */
  allowEmployeeAtTwoDesks?: boolean;
}

const end = (a: DeskAssignment) => a.to ?? Infinity;
const iso = (t: number | null) => (t === null || t === Infinity ? 'open end' : new Date(t).toISOString());
const span = (a: DeskAssignment) => `${iso(a.from)} – ${iso(a.to)}`;

/** Problems, each a sentence naming the assignments involved; empty when valid. */
export function validateAssignments(assignments: readonly DeskAssignment[], options: ValidationOptions = {}): string[] {
  const problems: string[] = [];
  assignments.forEach((a, i) => {
    if (!Number.isFinite(a.from)) problems.push(`assignments[${i}].from: must be a time`);
    else if (a.to !== null && !(a.to > a.from)) problems.push(`assignments[${i}].to: must be after from (${span(a)})`);
  });
  if (problems.length > 0) return problems;
  for (const [deskId, group] of groupIndexes(assignments, (a) => a.deskId)) {
    for (const [i, j] of overlaps(assignments, group)) {
      const [a, b] = [assignments[i]!, assignments[j]!];
      problems.push(
        `assignments[${j}]: desk ${deskId} already has employee ${a.employeeId} for ${span(a)} ` +
          `(assignments[${i}]), which overlaps ${b.employeeId} for ${span(b)}`,
      );
    }
  }
  if (options.allowEmployeeAtTwoDesks) return problems;
  for (const [employeeId, group] of groupIndexes(assignments, (a) => a.employeeId)) {
    for (const [i, j] of overlaps(assignments, group)) {
      const [a, b] = [assignments[i]!, assignments[j]!];
      problems.push(
        `assignments[${j}]: employee ${employeeId} is at desk ${a.deskId} for ${span(a)} ` +
          `(assignments[${i}]), which overlaps desk ${b.deskId} for ${span(b)}`,
      );
    }
  }
  return problems;
}

function groupIndexes(list: readonly DeskAssignment[], key: (a: DeskAssignment) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const [i, a] of list.entries()) groups.set(key(a), [...(groups.get(key(a)) ?? []), i]);
  return groups;
}

/** Pairs [earlier, later] of overlapping intervals, each later one reported against the longest-running earlier one. */
function overlaps(list: readonly DeskAssignment[], indexes: number[]): Array<[number, number]> {
  const sorted = [...indexes].sort((i, j) => list[i]!.from - list[j]!.from || i - j);
  const pairs: Array<[number, number]> = [];
  let reach: number | undefined;
  for (const j of sorted) {
    if (reach !== undefined && list[j]!.from < end(list[reach]!)) pairs.push([reach, j]);
    if (reach === undefined || end(list[j]!) > end(list[reach]!)) reach = j;
  }
  return pairs;
}

/**
 * The employee at `deskId` at `instant`, or undefined. Should invalid (overlapping) data ever reach it,
 * two matches also give undefined: a press is never credited to a guess.
 */
export function employeeAt(assignments: readonly DeskAssignment[], deskId: string, instant: number): string | undefined {
  // A plain loop: this runs for every press at ingest.
  let found: string | undefined;
  for (const a of assignments) {
    if (a.deskId !== deskId || a.from > instant || instant >= end(a)) continue;
    if (found !== undefined && found !== a.employeeId) return undefined;
    found = a.employeeId;
  }
  return found;
}

/**
 * Where attribution differs between two versions of the assignments (a retroactive correction): the
 * spans per desk whose presses must be re-attributed. Adjacent differing spans are merged.
 */
export function attributionChanges(
  before: readonly DeskAssignment[],
  after: readonly DeskAssignment[],
): Array<{ deskId: string; from: number; to: number | null }> {
  const desks = [...new Set([...before, ...after].map((a) => a.deskId))].sort();
  const changes: Array<{ deskId: string; from: number; to: number | null }> = [];
  for (const deskId of desks) {
    const onDesk = [...before, ...after].filter((a) => a.deskId === deskId);
    const cuts = [...new Set(onDesk.flatMap((a) => (a.to === null ? [a.from] : [a.from, a.to])))].sort((x, y) => x - y);
    cuts.forEach((from, i) => {
      if (employeeAt(before, deskId, from) === employeeAt(after, deskId, from)) return;
      const to = cuts[i + 1] ?? null;
      const last = changes.at(-1);
      if (last?.deskId === deskId && last.to === from) last.to = to;
      else changes.push({ deskId, from, to });
    });
  }
  return changes;
}
