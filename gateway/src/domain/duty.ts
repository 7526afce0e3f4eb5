/**
 * Who is on duty: the pure part of the duty feed (mqtt/duty-feed.ts). A kiosk's staff panels bound to a desk
 * carry `duty` in its retained config — the employee assigned to that desk now, or null — and the feed wakes
 * at the next instant an assignment starts or ends.
 */
import type { KioskConfigMessage, Panel } from '../../../shared/src/index.js';
import type { DeskAssignment } from './organisation.js';

/** Panel.duty.name's limit in the contract. */
const DUTY_NAME_MAX = 120;

export type Duty = { employeeId: string; name: string } | null;

/** An assignment with the employee's name as the question says it (`questionName`, else `name`). */
export interface DutyAssignment extends DeskAssignment {
  name: string;
}

/** The employee on duty at each desk at `now`; assignments are half-open [from, to) and never overlap per desk. */
export function dutyAt(assignments: readonly DutyAssignment[], now: number): Map<string, Duty> {
  const out = new Map<string, Duty>();
  for (const a of assignments) {
    if (a.from <= now && (a.to === null || now < a.to))
      out.set(a.deskId, { employeeId: a.employeeId, name: a.name.slice(0, DUTY_NAME_MAX) });
  }
  return out;
}

/** The first instant after `now` at which some assignment starts or ends (null: none scheduled). */
export function nextBoundary(assignments: readonly DeskAssignment[], now: number): number | null {
  let next: number | null = null;
  for (const a of assignments) {
    for (const t of [a.from, a.to]) if (t !== null && t > now && (next === null || t < next)) next = t;
  }
  return next;
}

/**
 * The config's panels with `duty` set on each staff panel bound to a desk (`deskOf`: panel id → desk id) and
 * removed from every other panel; null when nothing changes, so an unchanged config keeps its revision.
 */
export function withDuty(
  config: Pick<KioskConfigMessage, 'panels'>,
  deskOf: ReadonlyMap<string, string>,
  onDuty: ReadonlyMap<string, Duty>,
): Panel[] | null {
  let changed = false;
  const panels = config.panels.map((p) => {
    const desk = p.kind === 'staff' ? deskOf.get(p.id) : undefined;
    if (desk === undefined) {
      if (p.duty === undefined) return p;
      changed = true;
      const { duty: _, ...rest } = p;
      return rest;
    }
    const duty = onDuty.get(desk) ?? null;
    if (sameDuty(p.duty, duty)) return p;
    changed = true;
    return { ...p, duty };
  });
  return changed ? panels : null;
}

function sameDuty(a: Duty | undefined, b: Duty): boolean {
  if (a === undefined) return false;
  if (a === null || b === null) return a === b;
  return a.employeeId === b.employeeId && a.name === b.name;
}
