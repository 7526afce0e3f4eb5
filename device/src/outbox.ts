/**
 * The kiosk's outbox: the source of truth for every press until the gateway acknowledges it.
 * SQLite (better-sqlite3) on disk, so a week offline is bounded by disk, not memory.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Event, ReasonEvent, Rejection } from '../../shared/src/index.js';

/** A press as recorded before it has a seq (seq is assigned by the commit). */
export type PressRecord = Omit<Event, 'seq'>;
/** The answer to "why?" after a bad press: the same stream and seq counter as presses. */
export type ReasonRecord = Omit<ReasonEvent, 'seq'>;
/** What the outbox sends, in seq order. */
export type OutboxEvent = Event | ReasonEvent;

export interface OutboxStats {
  pending: number;
  oldestPendingAgeMs: number | null;
  lastSeq: number;
}

export interface Outbox {
  /** Commits the press durably and returns it with its seq; throws when the disk refuses. */
  append(press: PressRecord): Event;
  /** Commits a reason answer durably, with the next seq; throws when the disk refuses. */
  appendReason(reason: ReasonRecord): ReasonEvent;
  /** Pending events with seq > afterSeq, in seq order. */
  pendingAfter(afterSeq: number, limit: number): OutboxEvent[];
  markDelivered(ids: readonly string[], nowMs: number): number;
  markRejected(rejections: readonly Rejection[], nowMs: number): number;
  stats(nowMs: number): OutboxStats;
  /** Deletes delivered/rejected rows settled before `beforeMs`; seq is never reused (AUTOINCREMENT). */
  prune(beforeMs: number): number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, -- AUTOINCREMENT: a pruned seq is never handed out again
  id TEXT NOT NULL UNIQUE,
  panel TEXT NOT NULL,
  button TEXT NOT NULL,
  at TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  clock_synced INTEGER NOT NULL,
  boot_id TEXT NOT NULL,
  uptime_ms INTEGER NOT NULL,
  flags TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'rejected')),
  reason TEXT,
  settled_ms INTEGER
);
-- added with reasons and armed mode; older files get them by ALTER (see addColumns)
-- kind: 'press' or 'reason'; a reason row keeps button '' and names its press in reason_for
CREATE INDEX IF NOT EXISTS events_pending ON events (seq) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS events_settled ON events (settled_ms) WHERE state <> 'pending';
`;

interface Row {
  seq: number;
  id: string;
  panel: string;
  button: string;
  at: string;
  clock_synced: number;
  boot_id: string;
  uptime_ms: number;
  flags: string;
  kind: string;
  ticket: string | null;
  reason_for: string | null;
  answer: string | null;
}

/** Columns newer than the first outbox files: added in place, so a kiosk keeps its pending presses across an upgrade. */
const ADDED_COLUMNS: Record<string, string> = {
  kind: `TEXT NOT NULL DEFAULT 'press'`,
  ticket: 'TEXT',
  reason_for: 'TEXT',
  answer: 'TEXT',
};

const toEvent = (r: Row): OutboxEvent =>
  r.kind === 'reason'
    ? {
        type: 'reason',
        id: r.id,
        seq: r.seq,
        panel: r.panel,
        reasonFor: r.reason_for!,
        reason: r.answer!,
        at: r.at,
        clockSynced: r.clock_synced === 1,
        bootId: r.boot_id,
        uptimeMs: r.uptime_ms,
      }
    : toPress(r);

const toPress = (r: Row): Event => ({
  id: r.id,
  seq: r.seq,
  panel: r.panel,
  button: r.button as Event['button'],
  at: r.at,
  clockSynced: r.clock_synced === 1,
  bootId: r.boot_id,
  uptimeMs: r.uptime_ms,
  flags: JSON.parse(r.flags) as string[],
  ...(r.ticket ? { ticket: r.ticket } : {}),
});

export class SqliteOutbox implements Outbox {
  readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertReason: Database.Statement;
  private readonly selectPending: Database.Statement;
  private readonly deliver: Database.Statement;
  private readonly reject: Database.Statement;
  private readonly pendingSummary: Database.Statement;
  private readonly lastSeq: Database.Statement;

  constructor(file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL fsyncs the WAL on every commit: the "thank you" LED promises the press survives a power cut
    // right after it, which NORMAL (fsync only at checkpoint) does not guarantee.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const present = new Set((this.db.pragma('table_info(events)') as { name: string }[]).map((c) => c.name));
    for (const [column, type] of Object.entries(ADDED_COLUMNS))
      if (!present.has(column)) this.db.exec(`ALTER TABLE events ADD COLUMN ${column} ${type}`);
    this.insert = this.db.prepare(
      `INSERT INTO events (id, panel, button, at, at_ms, clock_synced, boot_id, uptime_ms, flags, ticket)
       VALUES (@id, @panel, @button, @at, @atMs, @clockSynced, @bootId, @uptimeMs, @flags, @ticket)`,
    );
    this.insertReason = this.db.prepare(
      `INSERT INTO events (kind, id, panel, button, at, at_ms, clock_synced, boot_id, uptime_ms, flags, reason_for, answer)
       VALUES ('reason', @id, @panel, '', @at, @atMs, @clockSynced, @bootId, @uptimeMs, '[]', @reasonFor, @reason)`,
    );
    this.selectPending = this.db.prepare(`SELECT * FROM events WHERE state = 'pending' AND seq > ? ORDER BY seq LIMIT ?`);
    this.deliver = this.db.prepare(`UPDATE events SET state = 'delivered', settled_ms = ? WHERE id = ? AND state = 'pending'`);
    this.reject = this.db.prepare(`UPDATE events SET state = 'rejected', reason = ?, settled_ms = ? WHERE id = ? AND state = 'pending'`);
    this.pendingSummary = this.db.prepare(`SELECT count(*) AS n, min(at_ms) AS oldest FROM events WHERE state = 'pending'`);
    this.lastSeq = this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`);
  }

  append(press: PressRecord): Event {
    const info = this.insert.run({
      ...press,
      atMs: Date.parse(press.at),
      clockSynced: press.clockSynced ? 1 : 0,
      flags: JSON.stringify(press.flags),
      ticket: press.ticket ?? null,
    });
    return { ...press, seq: Number(info.lastInsertRowid) };
  }

  appendReason(reason: ReasonRecord): ReasonEvent {
    const info = this.insertReason.run({ ...reason, atMs: Date.parse(reason.at), clockSynced: reason.clockSynced ? 1 : 0 });
    return { ...reason, seq: Number(info.lastInsertRowid) };
  }

  pendingAfter(afterSeq: number, limit: number): OutboxEvent[] {
    return (this.selectPending.all(afterSeq, limit) as Row[]).map(toEvent);
  }

  markDelivered(ids: readonly string[], nowMs: number): number {
    return this.db.transaction(() => ids.reduce((n, id) => n + this.deliver.run(nowMs, id).changes, 0))();
  }

  markRejected(rejections: readonly Rejection[], nowMs: number): number {
    return this.db.transaction(() => rejections.reduce((n, r) => n + this.reject.run(r.reason.slice(0, 500), nowMs, r.id).changes, 0))();
  }

  stats(nowMs: number): OutboxStats {
    const pending = this.pendingSummary.get() as { n: number; oldest: number | null };
    const last = this.lastSeq.get() as { seq: number } | undefined;
    return {
      pending: pending.n,
      oldestPendingAgeMs: pending.oldest === null ? null : Math.max(0, nowMs - pending.oldest),
      lastSeq: last?.seq ?? 0,
    };
  }

  /** Settled state of one event (for tests and diagnostics). */
  stateOf(id: string): { state: string; reason: string | null } | undefined {
    return this.db.prepare(`SELECT state, reason FROM events WHERE id = ?`).get(id) as never;
  }

  prune(beforeMs: number): number {
    return this.db.prepare(`DELETE FROM events WHERE state <> 'pending' AND settled_ms < ?`).run(beforeMs).changes;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
