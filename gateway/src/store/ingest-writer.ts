/**
 * The hot path: every queued `events`/`status` message of one flush in ONE transaction (group commit:
 * one fsync for many messages). Idempotent on event id. The kiosks' rows are locked first, in id order,
 * so gateways sharing a PostgreSQL database serialise per kiosk and cannot deadlock on each other. Round
 * trips per flush, not per press or message: lock, one insert per batch, one counters update, one status update.
 */
import { track, type HealthTrack } from '../domain/kiosk-health.js';
import { testOnlyFault } from '../lib/test-fault.js';
import type { Pass } from '../scoring/pass.js';
import { MISS, type NewScoring } from '../scoring/scorer.js';
import { feedLateCases, feedNegatives } from './negative-feed.js';
import type { ScoringStore } from './scoring-store.js';
import { all, get, inList, insertMany, insertRowSql, run, type Q, type SqlDriver } from './sql.js';
import type { ReasonEvent } from '../../../shared/src/index.js';
import type { BatchOutcome, EventsBatch, IngestWork, NewDeadLetter, RejectedEvent } from './store.js';

const EVENT_COLUMNS = [
  'id',
  'kiosk_id',
  'seq',
  'panel',
  'button',
  'at',
  'clock_synced',
  'boot_id',
  'uptime_ms',
  'flags',
  'received_at',
  'ticket',
];
const EVENT_TYPES = ['text', 'text', 'bigint', 'text', 'text', 'bigint', 'int', 'text', 'bigint', 'text', 'bigint', 'text'];
/** A press on a bound panel also stores its scoring (see scoring/scorer.ts). */
const SCORED_COLUMNS = [...EVENT_COLUMNS, 'office_id', 'desk_id', 'employee_id', 'kind', 't', 'time_source', 'excl'];
const SCORED_TYPES = [...EVENT_TYPES, 'text', 'text', 'text', 'text', 'bigint', 'int', 'int'];

/** The event insert, exported so the ingest benchmark's baseline runs exactly this statement. */
export const INSERT_EVENT_SQL = insertRowSql('events', EVENT_COLUMNS);

const SQL = {
  insertRejected: 'INSERT INTO rejected_events (kiosk_id, id, seq, reason, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  gapAt: `SELECT from_seq AS "from", to_seq AS "to" FROM seq_gaps
    WHERE kiosk_id = ? AND from_seq <= ? ORDER BY from_seq DESC LIMIT 1`,
  insertGap: 'INSERT INTO seq_gaps (kiosk_id, from_seq, to_seq, recorded_at) VALUES (?, ?, ?, ?)',
  deleteGap: 'DELETE FROM seq_gaps WHERE kiosk_id = ? AND from_seq = ?',
  updateGap: 'UPDATE seq_gaps SET from_seq = ?, to_seq = ? WHERE kiosk_id = ? AND from_seq = ?',
  deadLetter: 'INSERT INTO dead_letters (received_at, topic, kiosk_id, reason, payload) VALUES (?, ?, ?, ?, ?)',
  insertReason: `INSERT INTO reasons (id, kiosk_id, seq, panel, reason_for, reason, at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`,
  reasonOwner: 'SELECT kiosk_id FROM reasons WHERE id = ?',
  explained: 'SELECT rid, button FROM events WHERE id = ? AND kiosk_id = ?',
  setReason: 'UPDATE events SET reason = ? WHERE rid = ?',
};

/** A locked kiosk row as read, moved on by this transaction's batches; `delta`: what to add to its counters. */
interface KioskRow {
  id: string;
  last_seq: number;
  /** kiosks.config_rev: the armed panels held for the kiosk are those of this revision. */
  config_rev: number;
  received: number;
  /** HealthTrack as JSON (null before the first status since migration 6). */
  health: string | null;
  delta?: { received: number; duplicates: number; rejected: number };
}

/**
 * One UPDATE for every kiosk of the flush (a round trip per flush, not per message, on PostgreSQL).
 * `VALUES` in a CTE with its column names and CASTs runs on both SQLite (≥ 3.33, UPDATE … FROM) and PostgreSQL.
 */
function* updateKiosks(rows: KioskRow[]): Q<void> {
  const touched = rows.filter((k) => k.delta);
  if (touched.length === 0) return;
  const values = touched.map(() => '(?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))').join(', ');
  yield* run(
    `WITH v (id, received, duplicates, rejected, last_seq) AS (VALUES ${values})
    UPDATE kiosks SET received = kiosks.received + v.received, duplicates = kiosks.duplicates + v.duplicates,
      rejected = kiosks.rejected + v.rejected,
      last_seq = CASE WHEN kiosks.last_seq > v.last_seq THEN kiosks.last_seq ELSE v.last_seq END
    FROM v WHERE kiosks.id = v.id`,
    ...touched.flatMap((k) => [k.id, k.delta!.received, k.delta!.duplicates, k.delta!.rejected, k.last_seq]),
  );
}

/**
 * The last status of each kiosk in the flush, in one UPDATE, with the health memory moved on by every
 * status of the flush in order (a backlog rise between two statuses of one flush still counts).
 */
function* updateStatuses(statuses: IngestWork['statuses'], kiosks: Map<string, KioskRow>, nowIso: string): Q<void> {
  if (statuses.length === 0) return;
  const health = new Map<string, HealthTrack | null>();
  const last = new Map<string, IngestWork['statuses'][number]['payload']>();
  for (const st of statuses) {
    const row = kiosks.get(st.kioskId);
    if (!row) continue; // not registered (any more): nothing to update
    const prev = health.has(st.kioskId) ? health.get(st.kioskId)! : row.health ? (JSON.parse(row.health) as HealthTrack) : null;
    health.set(st.kioskId, track(prev, st.payload, nowIso));
    last.set(st.kioskId, st.payload);
  }
  if (last.size === 0) return;
  const values = [...last.keys()].map(() => '(?, ?, ?, ?)').join(', ');
  yield* run(
    `WITH v (id, status, state, health) AS (VALUES ${values})
    UPDATE kiosks SET status = v.status, status_state = v.state, status_at = ?, health = v.health FROM v WHERE kiosks.id = v.id`,
    ...[...last].flatMap(([id, payload]) => [id, JSON.stringify(payload), payload.state, JSON.stringify(health.get(id))]),
    nowIso,
  );
}

/** A late event (seq at or below last_seq) fills its place in a recorded gap, if there is one. */
function* fillGap(kioskId: string, seq: number, nowIso: string): Q<void> {
  const gap = yield* get<{ from: number; to: number }>(SQL.gapAt, kioskId, seq);
  if (!gap || gap.to < seq) return;
  if (gap.from === seq && gap.to === seq) yield* run(SQL.deleteGap, kioskId, gap.from);
  else if (gap.from === seq) yield* run(SQL.updateGap, seq + 1, gap.to, kioskId, gap.from);
  else if (gap.to === seq) yield* run(SQL.updateGap, gap.from, seq - 1, kioskId, gap.from);
  else {
    yield* run(SQL.updateGap, gap.from, seq - 1, kioskId, gap.from);
    yield* run(SQL.insertGap, kioskId, seq + 1, gap.to, nowIso);
  }
}

interface BatchContext {
  scoring: ScoringStore;
  pass: Pass;
  kiosk: KioskRow | undefined;
  receivedAt: number;
  nowIso: string;
  /** Dead letters this transaction writes (reasons for presses it cannot find). */
  deadLetters: NewDeadLetter[];
  topic: string;
}

/**
 * A kiosk's batch: every press scored first (each panel's rule state moving on as if all were new), then
 * all inserted in one operation, then the outcome per press in order. A press that turns out to be
 * stored already (a resend) did not move its panel's state after all: that panel's cached state is
 * dropped and, if the batch stored other presses on it, they are judged again at the end of the pass.
 */
function* writeBatch(b: EventsBatch, c: BatchContext): Q<BatchOutcome> {
  const out: BatchOutcome = { kioskId: b.kioskId, ids: [], stored: [], rejected: [...b.rejected], inserted: 0, duplicates: 0 };
  if (!c.kiosk) {
    for (const e of [...b.events, ...(b.reasons ?? [])]) out.rejected.push({ id: e.id, seq: e.seq, reason: 'kiosk is not registered' });
    return out;
  }
  const { scoring, pass, nowIso } = c;
  const scorer = scoring.scorer;
  const ats = b.events.map((e) => Date.parse(e.at));
  const scored = yield* scoreBatch(b, ats, c);
  const rids = yield* insertBatch(b, ats, scored, c.receivedAt);
  const owners = yield* ownersOf(b.events.filter((_, i) => rids[i] === undefined).map((e) => e.id));
  let lastSeq = c.kiosk.last_seq;
  const firstStored = new Map<string, number>(); // per panel, the earliest timed press this batch stored
  const broken = new Set<string>(); // panels whose rule state moved on for a press that was not stored
  for (let i = 0; i < b.events.length; i++) {
    const e = b.events[i]!;
    const sc = scored[i]!;
    if (rids[i] === undefined) {
      if (sc?.inOrder) broken.add(e.panel);
      if (owners.get(e.id) === b.kioskId) {
        out.duplicates++;
        out.ids.push(e.id);
      } else out.rejected.push({ id: e.id, seq: e.seq, reason: 'event id is already used by another kiosk' });
      continue;
    }
    if (e.clockSynced && !scorer.anchorHolds(b.kioskId, e.bootId, e.uptimeMs))
      yield* scoring.offerAnchor(pass, b.kioskId, e.bootId, e.uptimeMs, ats[i]!);
    if (sc) {
      pass.addNew(b.kioskId, e, sc);
      const first = firstStored.get(e.panel);
      if (sc.t !== null && (first === undefined || sc.t < first)) firstStored.set(e.panel, sc.t);
    }
    out.inserted++;
    out.ids.push(e.id);
    out.stored.push(i);
    lastSeq = yield* accountSeq(b.kioskId, e.seq, lastSeq, nowIso);
  }
  for (const r of b.reasons ?? []) lastSeq = yield* writeReason(b.kioskId, r, lastSeq, out, c);
  for (const panel of broken) {
    scorer.forgetPanel(b.kioskId, panel);
    const from = firstStored.get(panel);
    if (from !== undefined) pass.reflagAt({ kioskId: b.kioskId, panel }, from);
  }
  let newlyRejected = 0;
  for (const r of out.rejected) newlyRejected += yield* recordRejection(b.kioskId, r, nowIso);
  const d = (c.kiosk.delta ??= { received: 0, duplicates: 0, rejected: 0 });
  d.received += out.inserted;
  d.duplicates += out.duplicates;
  d.rejected += newlyRejected;
  c.kiosk.last_seq = lastSeq;
  c.kiosk.received += out.inserted;
  return out;
}

/** A stored event's seq: a jump records the gap before it, a late one fills its place; returns the new last seq. */
function* accountSeq(kioskId: string, seq: number, lastSeq: number, nowIso: string): Q<number> {
  if (seq > lastSeq + 1) yield* run(SQL.insertGap, kioskId, lastSeq + 1, seq - 1, nowIso);
  if (seq > lastSeq) return seq;
  yield* fillGap(kioskId, seq, nowIso);
  return lastSeq;
}

/**
 * A ReasonEvent: stored once per id (a resend is a duplicate, acked), its seq accounted like a press's, and
 * its option set on the bad press it explains. A reason whose press this kiosk never stored, or that explains
 * a press that is not bad, is kept (reasons table) and dead-lettered with why, and acked: resending cannot help.
 */
function* writeReason(kioskId: string, r: ReasonEvent, lastSeq: number, out: BatchOutcome, c: BatchContext): Q<number> {
  const at = Date.parse(r.at);
  if (!(yield* run(SQL.insertReason, r.id, kioskId, r.seq, r.panel, r.reasonFor, r.reason, at, c.receivedAt))) {
    const owner = yield* get<{ kiosk_id: string }>(SQL.reasonOwner, r.id);
    if (owner?.kiosk_id === kioskId) {
      out.duplicates++;
      out.ids.push(r.id);
    } else out.rejected.push({ id: r.id, seq: r.seq, reason: 'event id is already used by another kiosk' });
    return lastSeq;
  }
  const press = yield* get<{ rid: number; button: string }>(SQL.explained, r.reasonFor, kioskId);
  const problem = !press
    ? `reason ${r.id} ("${r.reason}") explains press ${r.reasonFor}, which kiosk ${kioskId} never delivered: kept, not scored`
    : press.button !== 'bad'
      ? `reason ${r.id} ("${r.reason}") explains press ${r.reasonFor}, a ${press.button} press; only bad presses have reasons: kept, not scored`
      : undefined;
  if (press && !problem) yield* run(SQL.setReason, r.reason, press.rid);
  if (problem) c.deadLetters.push({ topic: c.topic, kioskId, reason: problem, payload: JSON.stringify(r) });
  out.inserted++;
  out.ids.push(r.id);
  return yield* accountSeq(kioskId, r.seq, lastSeq, c.nowIso);
}

/** Every press of the batch scored in order, each panel's rule state moving on as if all were new. */
function* scoreBatch(b: EventsBatch, ats: number[], c: BatchContext): Q<Array<NewScoring | null>> {
  const scored: Array<NewScoring | null> = [];
  const scorer = c.scoring.scorer;
  for (const [i, e] of b.events.entries()) {
    const at = ats[i]!;
    let sc = scorer.scoreCached(b.kioskId, e, at, c.pass);
    if (sc === MISS) sc = yield* c.scoring.scoreNew(b.kioskId, e, at, c.pass);
    if (sc?.inOrder) scorer.advance(sc.inOrder);
    if (sc && sc.kind === 'staff' && sc.deskId !== null && sc.t !== null) {
      const windowMs = yield* c.scoring.armedWindow(b.kioskId, Number(c.kiosk!.config_rev), e.panel);
      if (windowMs !== undefined) yield* c.scoring.judgeArmed(e, sc, windowMs);
    }
    scored.push(sc);
  }
  return scored;
}

/** The batch's presses in one insert per shape (scored or not); per press its new rid, or undefined if already stored. */
function* insertBatch(b: EventsBatch, ats: number[], scored: Array<NewScoring | null>, receivedAt: number): Q<Array<number | undefined>> {
  const plainRows: unknown[][] = [];
  const scoredRows: unknown[][] = [];
  b.events.forEach((e, i) => {
    const sc = scored[i];
    const row: unknown[] = [
      e.id,
      b.kioskId,
      e.seq,
      e.panel,
      e.button,
      ats[i],
      e.clockSynced ? 1 : 0,
      e.bootId,
      e.uptimeMs,
      e.flags.length === 0 ? '[]' : JSON.stringify(e.flags),
      receivedAt,
      sc?.ticket !== undefined ? sc.ticket : (e.ticket ?? null),
    ];
    if (sc) row.push(sc.officeId, sc.deskId, sc.employeeId, sc.kind, sc.t, sc.timeSource, sc.excl);
    (sc ? scoredRows : plainRows).push(row);
  });
  const scoredRids = scoredRows.length
    ? yield* insertMany({ table: 'events', columns: SCORED_COLUMNS, pgTypes: SCORED_TYPES, rows: scoredRows })
    : [];
  const plainRids = plainRows.length
    ? yield* insertMany({ table: 'events', columns: EVENT_COLUMNS, pgTypes: EVENT_TYPES, rows: plainRows })
    : [];
  let nextScored = 0;
  let nextPlain = 0;
  return scored.map((sc) => (sc ? scoredRids[nextScored++] : plainRids[nextPlain++]));
}

/** Which kiosk owns each of these stored event ids: one query for the batch (a resend is all duplicates). */
function* ownersOf(ids: string[]): Q<Map<string, string>> {
  const owners = new Map<string, string>();
  if (ids.length === 0) return owners;
  const list = inList('id', ids);
  for (const r of yield* all<{ id: string; kiosk_id: string }>(`SELECT id, kiosk_id FROM events WHERE ${list.sql}`, ...list.args))
    owners.set(r.id, r.kiosk_id);
  return owners;
}

/** Returns 1 the first time an event id is rejected, 0 on a resend, so counters count events. */
function* recordRejection(kioskId: string, r: RejectedEvent, nowIso: string): Q<number> {
  return yield* run(SQL.insertRejected, kioskId, r.id, r.seq ?? null, r.reason, nowIso);
}

export function ingestWriter(driver: SqlDriver, scoring: ScoringStore): (work: IngestWork) => Promise<BatchOutcome[]> {
  const scorer = scoring.scorer;
  function* write(work: IngestWork): Q<{ outcomes: BatchOutcome[]; kiosks: Map<string, KioskRow> }> {
    const receivedAt = Date.now();
    const nowIso = new Date(receivedAt).toISOString();
    yield* scoring.sync(true);
    const kiosks = new Map<string, KioskRow>();
    const ids = [...new Set([...work.batches.map((b) => b.kioskId), ...work.statuses.map((s) => s.kioskId)])].sort();
    if (ids.length) {
      const list = inList('id', ids);
      for (const k of yield* all<KioskRow>(
        `SELECT id, last_seq, received, health, config_rev FROM kiosks WHERE ${list.sql} ORDER BY id${driver.forUpdate}`,
        ...list.args,
      )) {
        scorer.checkKiosk(k.id, k.received);
        kiosks.set(k.id, k);
      }
    }
    const pass = scoring.newPass();
    scoring.newTransaction();
    const outcomes: BatchOutcome[] = [];
    const deadLetters: NewDeadLetter[] = [];
    for (const b of work.batches) {
      const topic = b.topic ?? `kiosks/${b.kioskId}/events`;
      outcomes.push(yield* writeBatch(b, { scoring, pass, kiosk: kiosks.get(b.kioskId), receivedAt, nowIso, deadLetters, topic }));
    }
    yield* scoring.finish(pass);
    yield* updateKiosks([...kiosks.values()]);
    yield* updateStatuses(work.statuses, kiosks, nowIso);
    for (const d of [...work.deadLetters, ...deadLetters]) yield* run(SQL.deadLetter, nowIso, d.topic, d.kioskId, d.reason, d.payload);
    // The CRM's feed and press.negative webhooks commit with the presses (store/negative-feed.ts): after the
    // pass, so misuse and clock judgements of the whole flush are final; last, as PostgreSQL holds its lock to the commit.
    const negatives = work.batches.flatMap((b, i) => outcomes[i]!.stored.map((j) => b.events[j]!).filter((e) => e.button !== 'good'));
    const neutral = scorer.settings().neutralCountsAsDissatisfied;
    if (negatives.length > 0)
      yield* feedNegatives(
        driver,
        negatives.map((e) => e.id),
        neutral,
      );
    // Stored presses the pass made count (a boot's clock anchored, a misuse flag lifted by a late press).
    yield* feedLateCases(driver, pass.startedCounting(), neutral);
    return { outcomes, kiosks };
  }
  return async (work) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const { outcomes, kiosks } = await driver.transaction(() => write(work));
        if (outcomes.some((o) => o.inserted > 0)) testOnlyFault('kill-after-ingest-commit');
        for (const [id, k] of kiosks) scorer.stampKiosk(id, k.received);
        return outcomes;
      } catch (err) {
        scorer.invalidate(); // caches may hold what the rolled-back transaction read or wrote
        if (attempt >= 3 || !driver.isTransient(err)) throw err;
      }
    }
  };
}
