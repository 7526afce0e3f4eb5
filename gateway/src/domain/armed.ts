/**
 * Armed mode (Panel.armed): a staff panel's press counts only within `windowMs` after a queue ticket was
 * served at its desk, one press per ticket, credited to the operator who served that ticket. Pure: the
 * store reads the served tickets and the tickets already answered, this decides.
 */

/** A ticket the queue system said was served at the desk, by `employeeId`, at `at` (epoch ms). */
export interface ServedTicket {
  ticket: string;
  employeeId: string;
  at: number;
}

/** Why an armed press is stored but not counted: the misuse flags' kin (events.excl bit 2). */
export const OUTSIDE_ARMED_WINDOW = 'outside-armed-window' as const;

/** events.excl is a bit set: misuse (repeat, burst) and outside the armed window are independent. */
export const EXCL = { misuse: 1, armed: 2 } as const;

export type ArmedVerdict = { counted: true; ticket: string; employeeId: string } | { counted: false; flag: typeof OUTSIDE_ARMED_WINDOW };

/** The window of a ticket served at `at`: [at, at + windowMs). */
export const inWindow = (served: ServedTicket, t: number, windowMs: number) => served.at <= t && t < served.at + windowMs;

/**
 * The verdict on a press at `t` on an armed panel. `served`: the tickets served at its desk whose window may
 * hold `t` (any order); `answered`: tickets already taken by a counted press. With `ticket` (the kiosk says
 * which ticket it was armed for) only that ticket can be answered; without, the latest unanswered ticket
 * whose window holds the press.
 */
export function judgeArmedPress(
  t: number,
  ticket: string | undefined,
  windowMs: number,
  served: readonly ServedTicket[],
  answered: ReadonlySet<string>,
): ArmedVerdict {
  const open = served.filter((s) => inWindow(s, t, windowMs) && !answered.has(s.ticket) && (ticket === undefined || s.ticket === ticket));
  const latest = open.reduce<ServedTicket | undefined>((best, s) => (!best || s.at > best.at ? s : best), undefined);
  return latest ? { counted: true, ticket: latest.ticket, employeeId: latest.employeeId } : { counted: false, flag: OUTSIDE_ARMED_WINDOW };
}
