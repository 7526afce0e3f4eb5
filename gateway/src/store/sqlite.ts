/** SQLite implementation of `Store` (better-sqlite3; synchronous underneath, async at the interface). */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import type { KioskConfigMessage, Panel } from '../../../shared/src/index.js';
import { MIGRATIONS } from './migrations.js';
import { ingestWriter } from './sqlite-ingest.js';
import { SqliteOrgStore } from './sqlite-org.js';
import { Scorer } from './sqlite-scoring.js';
import type {
  ApiKey, ApiKeyScope, BatchOutcome, DeadLetter, IngestWork, Kiosk, Role, SeqGap, Store, StoredEvent,
} from './store.js';

type Row = Record<string, unknown>;
const now = (): string => new Date().toISOString();
const json = <T>(text: unknown): T | null => (typeof text === 'string' ? (JSON.parse(text) as T) : null);

export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // An acked press must survive a power cut: fsync on every commit (group commit keeps this cheap).
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  return db;
}

export function migrate(db: Database.Database): number {
  const from = db.pragma('user_version', { simple: true }) as number;
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

function kioskFromRow(r: Row): Kiosk {
  return {
    id: r.id as string,
    officeId: (r.office_id as string | null) ?? null,
    panels: json<Panel[]>(r.panels),
    createdAt: r.created_at as string,
    status: r.status ? { payload: JSON.parse(r.status as string), receivedAt: r.status_at as string } : null,
    config: json<KioskConfigMessage>(r.config),
    counters: {
      received: r.received as number,
      duplicates: r.duplicates as number,
      rejected: r.rejected as number,
      lastSeq: r.last_seq as number,
    },
  };
}

function eventFromRow(r: Row): StoredEvent {
  return {
    id: r.id as string,
    seq: r.seq as number,
    panel: r.panel as string,
    button: r.button as StoredEvent['button'],
    at: new Date(r.at as number).toISOString(),
    clockSynced: r.clock_synced === 1,
    bootId: r.boot_id as string,
    uptimeMs: r.uptime_ms as number,
    flags: JSON.parse(r.flags as string) as string[],
    receivedAt: new Date(r.received_at as number).toISOString(),
  };
}

export class SqliteStore extends SqliteOrgStore implements Store {
  readonly db: Database.Database;
  protected scorer!: Scorer;
  private writeIngest!: (work: IngestWork) => BatchOutcome[];

  constructor(file: string) {
    super();
    this.db = openDatabase(file);
  }

  async migrate(): Promise<void> {
    migrate(this.db);
    this.scorer = new Scorer(this.db);
    this.writeIngest = ingestWriter(this.db, this.scorer);
  }

  async ping(): Promise<boolean> {
    return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async createKiosk(k: { id: string; officeId?: string; panels?: Panel[]; passwordHash: string }): Promise<boolean> {
    const info = this.db
      .prepare('INSERT OR IGNORE INTO kiosks (id, office_id, panels, password_hash, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(k.id, k.officeId ?? null, k.panels ? JSON.stringify(k.panels) : null, k.passwordHash, now());
    return info.changes === 1;
  }

  async setKioskPassword(id: string, passwordHash: string): Promise<boolean> {
    return this.db.prepare('UPDATE kiosks SET password_hash = ? WHERE id = ?').run(passwordHash, id).changes === 1;
  }

  async kioskPasswordHash(id: string): Promise<string | undefined> {
    const r = this.db.prepare('SELECT password_hash FROM kiosks WHERE id = ?').get(id) as Row | undefined;
    return r?.password_hash as string | undefined;
  }

  async kioskExists(id: string): Promise<boolean> {
    return this.db.prepare('SELECT 1 FROM kiosks WHERE id = ?').get(id) !== undefined;
  }

  async getKiosk(id: string): Promise<Kiosk | undefined> {
    const r = this.db.prepare('SELECT * FROM kiosks WHERE id = ?').get(id) as Row | undefined;
    return r && kioskFromRow(r);
  }

  async listKiosks(after: string | undefined, limit: number): Promise<Kiosk[]> {
    const rows = this.db
      .prepare('SELECT * FROM kiosks WHERE id > ? ORDER BY id LIMIT ?')
      .all(after ?? '', limit) as Row[];
    return rows.map(kioskFromRow);
  }

  async kioskGaps(id: string): Promise<SeqGap[]> {
    return this.db
      .prepare('SELECT from_seq AS "from", to_seq AS "to" FROM seq_gaps WHERE kiosk_id = ? ORDER BY from_seq')
      .all(id) as SeqGap[];
  }

  async fleetSummary(): Promise<{ registered: number; online: number }> {
    return this.db
      .prepare(`SELECT count(*) AS registered, coalesce(sum(status_state = 'online'), 0) AS online FROM kiosks`)
      .get() as { registered: number; online: number };
  }

  async putKioskConfig(id: string, cfg: Omit<KioskConfigMessage, 'v' | 'rev'>): Promise<KioskConfigMessage | undefined> {
    return this.db.transaction(() => {
      const r = this.db.prepare('SELECT config_rev FROM kiosks WHERE id = ?').get(id) as Row | undefined;
      if (!r) return undefined;
      const msg: KioskConfigMessage = { v: 1, rev: (r.config_rev as number) + 1, ...cfg };
      this.db.prepare('UPDATE kiosks SET config = ?, config_rev = ? WHERE id = ?').run(JSON.stringify(msg), msg.rev, id);
      return msg;
    })();
  }

  async allKioskConfigs(): Promise<Array<{ kioskId: string; config: KioskConfigMessage }>> {
    const rows = this.db.prepare('SELECT id, config FROM kiosks WHERE config IS NOT NULL').all() as Row[];
    return rows.map((r) => ({ kioskId: r.id as string, config: JSON.parse(r.config as string) }));
  }

  async listEvents(kioskId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = this.db
      .prepare('SELECT * FROM events WHERE kiosk_id = ? AND seq > ? ORDER BY seq, id LIMIT ?')
      .all(kioskId, afterSeq, limit) as Row[];
    return rows.map(eventFromRow);
  }

  async commitIngest(work: IngestWork): Promise<BatchOutcome[]> {
    return this.writeIngest(work);
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = this.db
      .prepare('SELECT id, received_at, topic, kiosk_id, reason, payload FROM dead_letters ORDER BY id DESC LIMIT ?')
      .all(limit) as Row[];
    return rows.map((r) => ({
      id: r.id as number,
      receivedAt: r.received_at as string,
      topic: r.topic as string,
      kioskId: (r.kiosk_id as string | null) ?? null,
      reason: r.reason as string,
      payload: r.payload as string,
    }));
  }

  async pruneDeadLetters(keep: number): Promise<number> {
    return this.db
      .prepare('DELETE FROM dead_letters WHERE id <= (SELECT max(id) FROM dead_letters) - ?')
      .run(keep).changes;
  }

  async createApiKey(k: { name: string; role: Role; hash: string } & Partial<ApiKeyScope>): Promise<ApiKey> {
    const key: ApiKey = { id: ulid(), name: k.name, role: k.role, createdAt: now(), offices: k.offices ?? [], regions: k.regions ?? [] };
    const scope = this.db.prepare('INSERT OR IGNORE INTO api_key_scopes (key_id, scope, ref_id) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(key.id, key.name, key.role, k.hash, key.createdAt);
      for (const o of key.offices) scope.run(key.id, 'office', o);
      for (const r of key.regions) scope.run(key.id, 'region', r);
    })();
    return key;
  }

  private withScope<K extends { id: string }>(key: K): K & ApiKeyScope {
    const rows = this.db.prepare('SELECT scope, ref_id FROM api_key_scopes WHERE key_id = ? ORDER BY ref_id').all(key.id) as Row[];
    const pick = (scope: string) => rows.filter((r) => r.scope === scope).map((r) => r.ref_id as string);
    return { ...key, offices: pick('office'), regions: pick('region') };
  }

  async upsertApiKey(k: { name: string; role: Role; hash: string }): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM api_keys WHERE name = ? OR hash = ?').run(k.name, k.hash);
      this.db
        .prepare('INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(ulid(), k.name, k.role, k.hash, now());
    })();
  }

  async apiKeyByHash(hash: string): Promise<(ApiKey & { hash: string }) | undefined> {
    const r = this.db
      .prepare('SELECT id, name, role, hash, created_at AS createdAt FROM api_keys WHERE hash = ?')
      .get(hash) as (ApiKey & { hash: string }) | undefined;
    return r && this.withScope(r);
  }

  async listApiKeys(): Promise<ApiKey[]> {
    return (this.db
      .prepare('SELECT id, name, role, created_at AS createdAt FROM api_keys ORDER BY created_at, id')
      .all() as ApiKey[]).map((k) => this.withScope(k));
  }

  async countApiKeys(role: Role): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM api_keys WHERE role = ?').get(role) as { n: number }).n;
  }
}
