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
  /** The CRM's latest follow-up of the case (its suggestion; only a reviewer classifies). */
  followUp: FollowUp | null;
}

/** What came of the CRM's survey of the dissatisfied customer. */
export const FOLLOW_UP_OUTCOMES = ['answered', 'declined', 'unreachable'] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];

/** A CRM's follow-up of a case: stored once per CRM reference, never changed. */
export interface FollowUp {
  id: number;
  caseId: string;
  /** The CRM's own reference (its survey or ticket id): a retried POST with it finds this follow-up. */
  ref: string;
  outcome: FollowUpOutcome;
  /** The customer's answer, as the CRM recorded it. */
  answer: string | null;
  /** The cause the survey points to (the classification's vocabulary): a suggestion for the reviewer. */
  cause: Cause | null;
  comment: string;
  /** The name of the crm key that posted it. */
  by: string;
  at: string;
}

/** A case as the CRM pulls it (GET /cases/export): its position in the feed and its local time. */
export interface CrmCase extends Case {
  /** The feed position (commit order): pass the last one as `since` to get only newer cases. */
  seq: number;
  /** The office's time zone and the press time in it (ISO with offset). */
  timeZone: string;
  localAt: string;
  /** Still counted now (false: since re-judged as misuse, or neutral no longer counted). */
  counted: boolean;
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
