/**
 * Review of negative answers (issue 13): every counted dissatisfied press is a case, which a reviewer
 * classifies by its cause. Pure decisions only; the store keeps the classification on the press
 * (events.cause) and its audit trail.
 */
export const CAUSES = ['staff', 'office', 'product', 'customer', 'unknown'] as const;
/** staff; office (premises, organisation, queues); product (quality, price); customer (error, expectation); unknown. */
export type Cause = (typeof CAUSES)[number];

/**
 * Causes the employee does not control: such negatives leave B in ИНК Персонал, qualified. `unknown` stays in:
 * a reviewer who cannot tell has not shown that the employee was not the cause.
 */
export const NOT_STAFF: ReadonlySet<Cause> = new Set<Cause>(['office', 'product', 'customer']);

export type CaseStatus = 'pending' | 'classified';

/** A counted press that is a case: bad, or neutral when neutral presses count as dissatisfied. */
export function isCaseButton(button: 'good' | 'neutral' | 'bad', neutralCountsAsDissatisfied: boolean): boolean {
  return button === 'bad' || (button === 'neutral' && neutralCountsAsDissatisfied);
}

/** One case as the API shows it. */
export interface Case {
  id: string;
  at: string;
  officeId: string;
  deskId: string | null;
  employeeId: string | null;
  kind: string;
  kioskId: string;
  panel: string;
  /** The panel's question as configured on the kiosk (null when the kiosk's config has none). */
  question: string | null;
  button: 'bad' | 'neutral';
  reason: string | null;
  ticket: string | null;
  status: CaseStatus;
  cause: Cause | null;
  note: string | null;
  classifiedBy: string | null;
  classifiedAt: string | null;
}

export interface CaseChange {
  id: number;
  caseId: string;
  at: string;
  by: string;
  from: Cause | null;
  to: Cause;
  note: string;
  /** Set when the change was part of a bulk classification (the same for all its cases). */
  batch: string | null;
}

/** Which cases a list or a bulk classification covers; offices: the caller's scope (undefined = all). */
export interface CaseFilter {
  officeIds?: readonly string[];
  officeId?: string;
  deskId?: string;
  employeeId?: string;
  /** Press time range [from, to), epoch ms. */
  from?: number;
  to?: number;
  status?: CaseStatus;
  cause?: Cause;
  kind?: string;
}
