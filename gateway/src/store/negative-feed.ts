/**
 * The CRM's feed of negative presses (issue 13, docs/review.md "CRM"), written INSIDE ingest's transaction,
 * after the scoring pass has judged every press of the flush: each newly stored press that is a case (counted
 * bad; neutral too when neutral counts as dissatisfied) gets
 * - a `crm_feed` row: the export's cursor (`seq`). SQLite has one writer, so seq order is commit order; on
 *   PostgreSQL the seq is taken under a transaction-scoped advisory lock held to the commit, so a
 *   transaction that takes a lower seq has committed before one that takes a higher one is visible — a CRM
 *   reading `seq > cursor` never steps over a seq that becomes visible later;
 * - on staff and office panels, while an enabled webhook subscription asks for kind 'negative-press', a
 *   delivery outbox row (alert_events, alert_id 'press:<id>'), which delivery/ sends as `press.negative`.
 * Both commit with the press or not at all: a gateway killed after ingest's commit loses no webhook.
 * A press that becomes a case later is fed then, in the transaction that made it one: a scoring pass that
 * gave it a time or lifted its misuse flag (with its webhook), or neutral presses when neutral starts to
 * count (without webhooks: organisation.ts feeds those a chunk per transaction, from a cursor in settings).
 */
import { TIME_SOURCE } from '../domain/press.js';
import { testOnlyFaultAt } from '../lib/test-fault.js';
import { all, inList, run, value, type Q, type Row, type SqlDriver } from './sql.js';

/** What a CRM needs of a negative press to match it to the customer served (the webhook's `data`). */
export interface NegativePress {
  pressId: string;
  kioskId: string;
  panelKind: 'staff' | 'office';
  button: 'bad' | 'neutral';
  officeId: string;
  deskId: string | null;
  employeeId: string | null;
  /** The press's corrected time, ISO. */
  at: string;
  ticket: string | null;
  reason: string | null;
}

export const NEGATIVE_PRESS = 'negative-press';

/** The key of the advisory lock that orders crm_feed's seqs by commit on PostgreSQL ("crm" in ASCII). */
const FEED_LOCK = 0x63726d;
/** Ids per IN list (PostgreSQL and SQLite both take far more; this keeps statements small). */
const CHUNK = 500;

const CASE_COLUMNS = 'id, kiosk_id, kind, button, office_id, desk_id, employee_id, t, ticket, reason';
/** A counted press (domain/press.ts isCounted) that is a case, and not fed yet. */
const IS_NEW_CASE = (neutral: boolean) => `excl = 0 AND t IS NOT NULL AND office_id IS NOT NULL AND time_source < ${TIME_SOURCE.uncertain}
  AND button IN ${neutral ? "('bad', 'neutral')" : "('bad')"} AND NOT EXISTS (SELECT 1 FROM crm_feed f WHERE f.event_id = events.id)`;

/**
 * Feeds the cases among these newly stored presses (ids in commit order) to the CRM: crm_feed rows, and
 * webhook outbox rows when wanted. Returns how many outbox rows it wrote (the caller wakes delivery).
 */
export function* feedNegatives(driver: SqlDriver, ids: readonly string[], neutral: boolean): Q<number> {
  return yield* feedRows(driver, yield* casesAmong('id', ids, neutral), true);
}

/**
 * Feeds the stored presses a scoring pass made count (`Pass.startedCounting`: a clock anchored late, a misuse
 * flag lifted) that are cases: like new ones, with their webhooks — a CRM learns of them as of any case.
 */
export function* feedLateCases(driver: SqlDriver, rids: readonly number[], neutral: boolean): Q<number> {
  return rids.length === 0 ? 0 : yield* feedRows(driver, yield* casesAmong('rid', rids, neutral), true);
}

/**
 * Neutral presses became cases (`neutralCountsAsDissatisfied` switched on): feeds the next `limit` counted
 * neutral presses after rid `after` that are not fed yet — without webhooks: a setting changed, not a
 * customer answered just now; the CRM finds them in the export. `next`: the rid to go on after (null: done).
 */
export function* feedNeutralCases(driver: SqlDriver, after: number, limit: number): Q<{ fed: number; next: number | null }> {
  // Read by rid, the counted cases picked out in SQL: a chunk reads `limit` neutral presses at most.
  const neutral = yield* all<{ rid: number }>(
    `SELECT rid FROM events WHERE rid > ? AND button = 'neutral' ORDER BY rid LIMIT ?`,
    after,
    limit,
  );
  if (neutral.length === 0) return { fed: 0, next: null };
  const last = Number(neutral.at(-1)!.rid);
  const rows = yield* all(
    `SELECT ${CASE_COLUMNS} FROM events WHERE rid > ? AND rid <= ? AND button = 'neutral' AND ${IS_NEW_CASE(true)} ORDER BY rid`,
    after,
    last,
  );
  yield* feedRows(driver, rows, false);
  return { fed: rows.length, next: neutral.length < limit ? null : last };
}

/** The cases among these presses (by id or rid), not fed yet, in the order given. */
function* casesAmong(key: 'id' | 'rid', keys: ReadonlyArray<string | number>, neutral: boolean): Q<Row[]> {
  const rows: Row[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) {
    const list = inList(key, keys.slice(i, i + CHUNK));
    rows.push(
      ...(yield* all(
        `SELECT ${key === 'rid' ? 'rid, ' : ''}${CASE_COLUMNS} FROM events WHERE ${list.sql} AND ${IS_NEW_CASE(neutral)}`,
        ...list.args,
      )),
    );
  }
  const order = new Map(keys.map((k, i) => [k, i]));
  const at = (r: Row) => order.get(key === 'rid' ? Number(r.rid) : (r.id as string))!;
  return rows.sort((a, b) => at(a) - at(b));
}

/** crm_feed rows for these cases, in order; and, with `webhooks`, their outbox rows when wanted. */
function* feedRows(driver: SqlDriver, rows: Row[], webhooks: boolean): Q<number> {
  if (rows.length === 0) return 0;
  if (driver.dialect === 'postgres') yield* value(`SELECT 1 FROM (SELECT pg_advisory_xact_lock(${FEED_LOCK})) AS locked`);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    yield* run(
      `INSERT INTO crm_feed (event_id, office_id) VALUES ${chunk.map(() => '(?, ?)').join(', ')}`,
      ...chunk.flatMap((r) => [r.id, r.office_id]),
    );
  }
  if (driver.dialect === 'postgres' && testOnlyFaultAt('slow-commit-after-crm-feed'))
    yield* value(`SELECT 1 FROM (SELECT pg_sleep(${(Math.random() * 0.05).toFixed(3)})) AS held`);
  if (!webhooks) return 0;
  const presses: NegativePress[] = rows
    .filter((r) => r.kind === 'staff' || r.kind === 'office')
    .map((r) => ({
      pressId: r.id as string,
      kioskId: r.kiosk_id as string,
      panelKind: r.kind as NegativePress['panelKind'],
      button: r.button as NegativePress['button'],
      officeId: r.office_id as string,
      deskId: (r.desk_id as string | null) ?? null,
      employeeId: (r.employee_id as string | null) ?? null,
      at: new Date(Number(r.t)).toISOString(),
      ticket: (r.ticket as string | null) ?? null,
      reason: (r.reason as string | null) ?? null,
    }));
  if (presses.length === 0 || !(yield* negativePressWanted())) return 0;
  const at = new Date().toISOString();
  // A press is fed once (crm_feed.event_id is unique, and only presses not fed are), so it is queued once.
  for (let i = 0; i < presses.length; i += CHUNK) {
    const chunk = presses.slice(i, i + CHUNK);
    yield* run(
      `INSERT INTO alert_events (alert_id, rule_id, kind, at, actor, office_ids, payload)
       VALUES ${chunk.map(() => "(?, '', ?, ?, NULL, ?, ?)").join(', ')}`,
      ...chunk.flatMap((p) => [`press:${p.pressId}`, NEGATIVE_PRESS, at, JSON.stringify([p.officeId]), JSON.stringify(p)]),
    );
  }
  return presses.length;
}

/** Whether an enabled webhook subscription asks for negative presses (else no outbox row is written). */
function* negativePressWanted(): Q<boolean> {
  const rows = yield* all<{ kinds: string }>("SELECT kinds FROM subscriptions WHERE enabled = 1 AND channel = 'webhook'");
  return rows.some((r) => (JSON.parse(r.kinds) as string[]).includes(NEGATIVE_PRESS));
}
