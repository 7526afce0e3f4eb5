/**
 * The hot path: every queued `events`/`status` message of one flush in ONE transaction (group commit:
 * one fsync for many messages), with prepared statements. Idempotent on event id.
 */
import type Database from 'better-sqlite3';
import type { Pass, Scorer } from './sqlite-scoring.js';
import type { BatchOutcome, EventsBatch, IngestWork, RejectedEvent } from './store.js';

/** The event insert, exported so the ingest benchmark's baseline runs exactly this statement. */
export const INSERT_EVENT_SQL = `INSERT OR IGNORE INTO events
  (id, kiosk_id, seq, panel, button, at, clock_synced, boot_id, uptime_ms, flags, received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The same insert with the scoring columns of a press on a bound panel (see sqlite-scoring.ts). */
const INSERT_SCORED_EVENT_SQL = `INSERT OR IGNORE INTO events
  (id, kiosk_id, seq, panel, button, at, clock_synced, boot_id, uptime_ms, flags, received_at,
   office_id, desk_id, employee_id, kind, t, time_source, excl)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function statements(db: Database.Database) {
  return {
    insertScored: db.prepare(INSERT_SCORED_EVENT_SQL),
    kioskSeq: db.prepare('SELECT last_seq FROM kiosks WHERE id = ?').pluck(),
    insertEvent: db.prepare(INSERT_EVENT_SQL),
    eventOwner: db.prepare('SELECT kiosk_id FROM events WHERE id = ?').pluck(),
    insertRejected: db.prepare(
      'INSERT OR IGNORE INTO rejected_events (kiosk_id, id, seq, reason, received_at) VALUES (?, ?, ?, ?, ?)',
    ),
    counters: db.prepare(
      `UPDATE kiosks SET received = received + ?, duplicates = duplicates + ?, rejected = rejected + ?,
        last_seq = max(last_seq, ?) WHERE id = ?`,
    ),
    gapAt: db.prepare(
      `SELECT from_seq AS "from", to_seq AS "to" FROM seq_gaps
       WHERE kiosk_id = ? AND from_seq <= ? ORDER BY from_seq DESC LIMIT 1`,
    ),
    insertGap: db.prepare('INSERT INTO seq_gaps (kiosk_id, from_seq, to_seq, recorded_at) VALUES (?, ?, ?, ?)'),
    deleteGap: db.prepare('DELETE FROM seq_gaps WHERE kiosk_id = ? AND from_seq = ?'),
    updateGap: db.prepare('UPDATE seq_gaps SET from_seq = ?, to_seq = ? WHERE kiosk_id = ? AND from_seq = ?'),
    status: db.prepare('UPDATE kiosks SET status = ?, status_state = ?, status_at = ? WHERE id = ?'),
    deadLetter: db.prepare(
      'INSERT INTO dead_letters (received_at, topic, kiosk_id, reason, payload) VALUES (?, ?, ?, ?, ?)',
    ),
  };
}
type Statements = ReturnType<typeof statements>;

/** A late event (seq at or below last_seq) fills its place in a recorded gap, if there is one. */
function fillGap(s: Statements, kioskId: string, seq: number): void {
  const gap = s.gapAt.get(kioskId, seq) as { from: number; to: number } | undefined;
  if (!gap || gap.to < seq) return;
  if (gap.from === seq && gap.to === seq) s.deleteGap.run(kioskId, gap.from);
  else if (gap.from === seq) s.updateGap.run(seq + 1, gap.to, kioskId, gap.from);
  else if (gap.to === seq) s.updateGap.run(gap.from, seq - 1, kioskId, gap.from);
  else {
    s.updateGap.run(gap.from, seq - 1, kioskId, gap.from);
    s.insertGap.run(kioskId, seq + 1, gap.to, new Date().toISOString());
  }
}

function writeBatch(s: Statements, scoring: { scorer: Scorer; pass: Pass }, b: EventsBatch, receivedAt: number, nowIso: string): BatchOutcome {
  const out: BatchOutcome = { kioskId: b.kioskId, ids: [], rejected: [...b.rejected], inserted: 0, duplicates: 0 };
  const stored = s.kioskSeq.get(b.kioskId) as number | undefined;
  if (stored === undefined) {
    for (const e of b.events) out.rejected.push({ id: e.id, seq: e.seq, reason: 'kiosk is not registered' });
    return out;
  }
  let lastSeq = stored;
  const { scorer, pass } = scoring;
  for (const e of b.events) {
    const at = Date.parse(e.at);
    const sc = scorer.scoreNew(b.kioskId, e, at, pass);
    const info = sc
      ? s.insertScored.run(
        e.id, b.kioskId, e.seq, e.panel, e.button, at, e.clockSynced ? 1 : 0, e.bootId, e.uptimeMs,
        JSON.stringify(e.flags), receivedAt, sc.officeId, sc.deskId, sc.employeeId, sc.kind, sc.t, sc.timeSource, sc.excl,
      )
      : s.insertEvent.run(
        e.id, b.kioskId, e.seq, e.panel, e.button, at, e.clockSynced ? 1 : 0,
        e.bootId, e.uptimeMs, JSON.stringify(e.flags), receivedAt,
      );
    if (info.changes === 1) {
      if (e.clockSynced) scorer.offerAnchor(pass, b.kioskId, e.bootId, e.uptimeMs, at);
      if (sc) {
        if (sc.inOrder) scorer.advance(sc.inOrder);
        pass.addNew({
          rid: Number(info.lastInsertRowid), kiosk_id: b.kioskId, panel: e.panel, seq: e.seq, button: e.button,
          boot_id: e.bootId, uptime_ms: e.uptimeMs, at, office_id: sc.officeId, desk_id: sc.deskId,
          employee_id: sc.employeeId, kind: sc.kind, t: sc.t, time_source: sc.timeSource, excl: sc.excl,
        }, sc.inOrder !== null);
      }
      out.inserted++;
      out.ids.push(e.id);
      if (e.seq > lastSeq + 1) s.insertGap.run(b.kioskId, lastSeq + 1, e.seq - 1, nowIso);
      if (e.seq > lastSeq) lastSeq = e.seq;
      else fillGap(s, b.kioskId, e.seq);
    } else if (s.eventOwner.get(e.id) === b.kioskId) {
      out.duplicates++;
      out.ids.push(e.id);
    } else {
      out.rejected.push({ id: e.id, seq: e.seq, reason: 'event id is already used by another kiosk' });
    }
  }
  let newlyRejected = 0;
  for (const r of out.rejected) newlyRejected += recordRejection(s, b.kioskId, r, nowIso);
  s.counters.run(out.inserted, out.duplicates, newlyRejected, lastSeq, b.kioskId);
  return out;
}

/** Returns 1 the first time an event id is rejected, 0 on a resend, so counters count events. */
function recordRejection(s: Statements, kioskId: string, r: RejectedEvent, nowIso: string): number {
  return s.insertRejected.run(kioskId, r.id, r.seq ?? null, r.reason, nowIso).changes;
}

export function ingestWriter(db: Database.Database, scorer: Scorer): (work: IngestWork) => BatchOutcome[] {
  const s = statements(db);
  const write = db.transaction((work: IngestWork): BatchOutcome[] => {
    const receivedAt = Date.now();
    const nowIso = new Date(receivedAt).toISOString();
    const pass = scorer.newPass();
    const outcomes = work.batches.map((b) => writeBatch(s, { scorer, pass }, b, receivedAt, nowIso));
    pass.finish();
    for (const st of work.statuses) {
      s.status.run(JSON.stringify(st.payload), st.payload.state, nowIso, st.kioskId);
    }
    for (const d of work.deadLetters) s.deadLetter.run(nowIso, d.topic, d.kioskId, d.reason, d.payload);
    return outcomes;
  });
  return (work) => {
    try {
      return write(work);
    } catch (err) {
      scorer.invalidate(); // caches may hold what the rolled-back transaction wrote (anchors)
      throw err;
    }
  };
}
