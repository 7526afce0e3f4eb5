/**
 * What the SQLite → PostgreSQL migration copies, in an order the foreign keys accept (regions before
 * offices before desks…, api_keys before api_key_scopes). `order` is the primary key: batches are read
 * in key order, so a table is read once from start to end.
 */
export interface TableSpec {
  name: string;
  order: string;
  /** An identity column whose sequence must continue past the copied maximum. */
  identity?: string;
}

export const TABLES: readonly TableSpec[] = [
  { name: 'kiosks', order: 'id' },
  { name: 'events', order: 'rid', identity: 'rid' },
  { name: 'seq_gaps', order: 'kiosk_id, from_seq' },
  { name: 'rejected_events', order: 'kiosk_id, id' },
  { name: 'dead_letters', order: 'id', identity: 'id' },
  { name: 'api_keys', order: 'id' },
  { name: 'api_key_scopes', order: 'key_id, scope, ref_id' },
  { name: 'revoked_api_keys', order: 'hash' },
  // Console sign-in sessions (token hashes only): signed-in managers stay signed in after the move.
  { name: 'sessions', order: 'id' },
  { name: 'settings', order: 'id' },
  { name: 'regions', order: 'id' },
  { name: 'offices', order: 'id' },
  { name: 'desks', order: 'id' },
  { name: 'employees', order: 'id' },
  { name: 'assignments', order: 'id' },
  { name: 'queue_events', order: 'id' },
  // Served tickets per office, local day, desk and employee: the employees' and desks' visitors (docs/scores.md).
  { name: 'queue_days', order: 'office_id, day, desk_id, employee_id' },
  // Reasons given after bad presses, each once per id (its press's events.reason is copied with events).
  { name: 'reasons', order: 'id' },
  // The review of negative answers: each case's current note and the append-only audit trail.
  { name: 'case_notes', order: 'event_id' },
  { name: 'case_audit', order: 'id', identity: 'id' },
  // The CRM's feed of negative presses (its export cursor) and the follow-ups it posted back.
  { name: 'crm_feed', order: 'seq', identity: 'seq' },
  { name: 'case_follow_ups', order: 'id', identity: 'id' },
  // Closing the loop: interventions, every version of the reference values, mystery-shopper visits.
  { name: 'interventions', order: 'id' },
  { name: 'reference_values', order: 'business_type, version' },
  { name: 'reference_company', order: 'id' },
  { name: 'mystery_shops', order: 'id' },
  { name: 'panel_bindings', order: 'kiosk_id, panel' },
  { name: 'desk_panels', order: 'desk_id, kiosk_id, panel' },
  { name: 'visitors', order: 'office_id, desk_id, start_ms' },
  { name: 'sales', order: 'office_id, desk_id, start_ms' },
  { name: 'boot_anchors', order: 'kiosk_id, boot_id' },
  { name: 'rollup_hour', order: 'office_id, hour_start, kind, desk_id, employee_id' },
  { name: 'rollup_day', order: 'office_id, day, kind, desk_id, employee_id' },
  { name: 'rollup_month', order: 'office_id, month, kind, desk_id, employee_id' },
  { name: 'rollup_cell', order: 'office_id, month, weekday, local_hour, kind' },
  { name: 'alert_events', order: 'id', identity: 'id' },
  { name: 'alert_rules', order: 'id' },
  { name: 'alerts', order: 'id' },
  { name: 'alert_offices', order: 'alert_id, office_id' },
  { name: 'alert_comments', order: 'id', identity: 'id' },
  { name: 'alert_conditions', order: 'rule_id, subject' },
  { name: 'subscriptions', order: 'id' },
  { name: 'deliveries', order: 'id', identity: 'id' },
];

/**
 * Visitor uploads in flight, not copied: a gateway start applies those past their commit point (the tool
 * refuses while there are any) and drops the others.
 */
export const IN_FLIGHT: readonly string[] = ['count_uploads', 'staged_counts'];

const ROLLUP_COUNTS = [
  'good',
  'neutral',
  'bad',
  'excl',
  'rev_bad',
  'rev_neutral',
  'ext_bad',
  'ext_neutral',
  'off_bad',
  'off_neutral',
  'prod_bad',
  'prod_neutral',
];

/** Sums compared after the copy, besides every table's row count. */
export const SUMS: ReadonlyArray<{ table: string; columns: readonly string[] }> = [
  { table: 'rollup_day', columns: ROLLUP_COUNTS },
  { table: 'rollup_hour', columns: ROLLUP_COUNTS },
  { table: 'rollup_month', columns: ROLLUP_COUNTS },
  { table: 'rollup_cell', columns: ROLLUP_COUNTS },
  { table: 'kiosks', columns: ['received', 'duplicates', 'rejected'] },
];

/** A precondition that does not hold: the tool refuses with one readable line and exit code 2. */
export class Refusal extends Error {}
