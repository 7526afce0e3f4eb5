/**
 * `Store` over a `SqlDriver`: the same code on SQLite and PostgreSQL (sqlite.ts, postgres.ts pick the driver).
 * Here kiosks, their presses (ingest-writer.ts), dead letters and API keys; the organisation and score reads below it.
 */
import { EXCL, OUTSIDE_ARMED_WINDOW } from '../domain/armed.js';
import { ulid } from 'ulid';
import type { KioskConfigMessage, Panel } from '../../../shared/src/index.js';
import type { HealthTrack } from '../domain/kiosk-health.js';
import { AlertStore } from './alerts.js';
import { CaseStore } from './cases.js';
import { CountUploads } from './count-uploads.js';
import { DeliveryStore } from './deliveries.js';
import { armedPanels, dutySnapshot, replaceConfigPanels, type ArmedPanel, type DutySnapshot } from './duty.js';
import { ingestWriter } from './ingest-writer.js';
import { LiveReads } from './live-reads.js';
import { LoopStore } from './loop.js';
import { bindPanel, SqlOrgStore } from './organisation.js';
import { ScoringStore } from './scoring-store.js';
import { SessionStore } from './sessions.js';
import { all, get, inList, run, value, type Q, type Row, type SqlDriver } from './sql.js';
import type {
  ApiKey,
  ApiKeyScope,
  BatchOutcome,
  DeadLetter,
  IngestWork,
  Kiosk,
  KioskFilter,
  NewKiosk,
  Role,
  SeqGap,
  Store,
  StoredEvent,
} from './store.js';

const now = (): string => new Date().toISOString();
const json = <T>(text: unknown): T | null => (typeof text === 'string' ? (JSON.parse(text) as T) : null);

/**
 * A kiosk's columns for the API (never its password hash), and when its last press happened: the newest
 * stored event by seq, one step down the (kiosk_id, seq) index.
 */
const KIOSK_COLUMNS = `k.id, k.office_id, k.panels, k.created_at, k.status, k.status_at, k.config, k.config_at, k.health,
  k.received, k.duplicates, k.rejected, k.last_seq,
  (SELECT e.at FROM events e WHERE e.kiosk_id = k.id ORDER BY e.seq DESC LIMIT 1) AS last_press_at`;

function kioskFromRow(r: Row): Kiosk {
  return {
    id: r.id as string,
    officeId: (r.office_id as string | null) ?? null,
    panels: json<Panel[]>(r.panels),
    createdAt: r.created_at as string,
    status: r.status ? { payload: JSON.parse(r.status as string), receivedAt: r.status_at as string } : null,
    config: json<KioskConfigMessage>(r.config),
    configAt: (r.config_at as string | null) ?? null,
    track: json<HealthTrack>(r.health),
    lastPressAt: r.last_press_at == null ? null : new Date(r.last_press_at as number).toISOString(),
    counters: {
      received: r.received as number,
      duplicates: r.duplicates as number,
      rejected: r.rejected as number,
      lastSeq: r.last_seq as number,
    },
  };
}

function eventFromRow(r: Row): StoredEvent {
  const excl = Number(r.excl ?? 0);
  const excluded: NonNullable<StoredEvent['excluded']> = [];
  if (excl & EXCL.misuse) excluded.push('misuse');
  if (excl & EXCL.armed) excluded.push(OUTSIDE_ARMED_WINDOW);
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
    ...(r.ticket ? { ticket: r.ticket as string } : {}),
    ...(r.reason ? { reason: r.reason as string } : {}),
    ...(excluded.length ? { excluded } : {}),
  };
}

function* withScope<K extends { id: string }>(key: K): Q<K & ApiKeyScope> {
  const rows = yield* all<{ scope: string; ref_id: string }>(
    'SELECT scope, ref_id FROM api_key_scopes WHERE key_id = ? ORDER BY ref_id',
    key.id,
  );
  const pick = (scope: string) => rows.filter((r) => r.scope === scope).map((r) => r.ref_id);
  return { ...key, offices: pick('office'), regions: pick('region') };
}

const API_KEY = 'id, name, role, created_at AS "createdAt"';

/** A key's hash stops working for good (revoked or rotated): remembered so it is refused, not "unknown". */
function* retireHash(key: { hash: string; id: string; name: string }): Q<void> {
  yield* run(
    'INSERT INTO revoked_api_keys (hash, key_id, name, revoked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    key.hash,
    key.id,
    key.name,
    now(),
  );
}

export class SqlStore extends SqlOrgStore implements Store {
  protected scoring: ScoringStore;
  protected countUploads: CountUploads;
  readonly live: LiveReads;
  readonly alerts: AlertStore;
  readonly deliveries: DeliveryStore;
  readonly sessions: SessionStore;
  readonly loop: LoopStore;
  readonly cases: CaseStore;
  private readonly writeIngest: (work: IngestWork) => Promise<BatchOutcome[]>;

  constructor(readonly driver: SqlDriver) {
    super();
    this.scoring = new ScoringStore(driver);
    this.countUploads = new CountUploads(driver);
    this.live = new LiveReads(driver);
    this.alerts = new AlertStore(driver);
    this.deliveries = new DeliveryStore(driver);
    this.sessions = new SessionStore(driver);
    this.loop = new LoopStore(driver);
    this.cases = new CaseStore(driver, this.scoring);
    this.writeIngest = ingestWriter(driver, this.scoring);
  }

  async migrate(): Promise<void> {
    await this.driver.migrate();
    await this.countUploads.finishPending();
  }

  async ping(): Promise<boolean> {
    return (await this.driver.query(() => value<number>('SELECT 1'))) === 1;
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  async createKiosk(k: NewKiosk): Promise<boolean> {
    const insert = () =>
      run(
        'INSERT INTO kiosks (id, office_id, panels, password_hash, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        k.id,
        k.officeId ?? null,
        k.panels ? JSON.stringify(k.panels) : null,
        k.passwordHash,
        now(),
      );
    const bindings = k.bindings ?? [];
    if (bindings.length === 0) return (await this.driver.query(insert)) === 1;
    // The kiosk and its bindings in one transaction: a failed binding leaves no kiosk behind.
    return this.orgChange(function* () {
      if ((yield* insert()) !== 1) return false;
      for (const b of bindings) yield* bindPanel(b);
      return true;
    });
  }

  async setKioskPassword(id: string, passwordHash: string): Promise<boolean> {
    return (await this.driver.query(() => run('UPDATE kiosks SET password_hash = ? WHERE id = ?', passwordHash, id))) === 1;
  }

  async kioskPasswordHash(id: string): Promise<string | undefined> {
    return this.driver.query(() => value<string>('SELECT password_hash FROM kiosks WHERE id = ?', id));
  }

  async kioskExists(id: string): Promise<boolean> {
    return (await this.driver.query(() => value('SELECT 1 FROM kiosks WHERE id = ?', id))) !== undefined;
  }

  async getKiosk(id: string): Promise<Kiosk | undefined> {
    const r = await this.driver.query(() => get(`SELECT ${KIOSK_COLUMNS} FROM kiosks k WHERE k.id = ?`, id));
    return r && kioskFromRow(r);
  }

  async listKiosks(after: string | undefined, limit: number, offices?: readonly string[], only: KioskFilter = {}): Promise<Kiosk[]> {
    const where = ['k.id > ?'];
    const args: unknown[] = [after ?? ''];
    if (offices) {
      const label = inList('k.office_id', offices);
      const bound = inList('b.office_id', offices);
      where.push(
        '(k.office_id IS NOT NULL OR EXISTS (SELECT 1 FROM panel_bindings b WHERE b.kiosk_id = k.id))',
        `(k.office_id IS NULL OR ${label.sql})`,
        `NOT EXISTS (SELECT 1 FROM panel_bindings b WHERE b.kiosk_id = k.id AND NOT (${bound.sql}))`,
      );
      args.push(...label.args, ...bound.args);
    }
    if (only.office !== undefined) {
      where.push('(k.office_id = ? OR EXISTS (SELECT 1 FROM panel_bindings b WHERE b.kiosk_id = k.id AND b.office_id = ?))');
      args.push(only.office, only.office);
    }
    if (only.desk !== undefined) {
      where.push('EXISTS (SELECT 1 FROM panel_bindings b WHERE b.kiosk_id = k.id AND b.desk_id = ?)');
      args.push(only.desk);
    }
    const rows = await this.driver.query(() =>
      all(`SELECT ${KIOSK_COLUMNS} FROM kiosks k WHERE ${where.join(' AND ')} ORDER BY k.id LIMIT ?`, ...args, limit),
    );
    return rows.map(kioskFromRow);
  }

  async kioskOffices(id: string): Promise<string[] | undefined> {
    return this.driver.query(function* () {
      const kiosk = yield* get<{ office_id: string | null }>('SELECT office_id FROM kiosks WHERE id = ?', id);
      if (!kiosk) return undefined;
      const bound = yield* all<{ office_id: string }>('SELECT DISTINCT office_id FROM panel_bindings WHERE kiosk_id = ?', id);
      return [...new Set([...(kiosk.office_id ? [kiosk.office_id] : []), ...bound.map((b) => b.office_id)])];
    });
  }

  async kioskGaps(id: string): Promise<SeqGap[]> {
    return this.driver.query(() =>
      all<SeqGap>('SELECT from_seq AS "from", to_seq AS "to" FROM seq_gaps WHERE kiosk_id = ? ORDER BY from_seq', id),
    );
  }

  async fleetSummary(): Promise<{ registered: number; online: number }> {
    return (await this.driver.query(() =>
      get<{ registered: number; online: number }>(
        `SELECT count(*) AS registered, coalesce(sum(CASE WHEN status_state = 'online' THEN 1 ELSE 0 END), 0) AS online FROM kiosks`,
      ),
    ))!;
  }

  async putKioskConfig(id: string, cfg: Omit<KioskConfigMessage, 'v' | 'rev'>): Promise<KioskConfigMessage | undefined> {
    const forUpdate = this.driver.forUpdate;
    return this.driver.transaction(function* () {
      const rev = yield* value<number>(`SELECT config_rev FROM kiosks WHERE id = ?${forUpdate}`, id);
      if (rev === undefined) return undefined;
      const msg: KioskConfigMessage = { v: 1, rev: rev + 1, ...cfg };
      yield* run('UPDATE kiosks SET config = ?, config_rev = ?, config_at = ? WHERE id = ?', JSON.stringify(msg), msg.rev, now(), id);
      return msg;
    });
  }

  async allKioskConfigs(): Promise<Array<{ kioskId: string; config: KioskConfigMessage }>> {
    const rows = await this.driver.query(() =>
      all<{ id: string; config: string }>('SELECT id, config FROM kiosks WHERE config IS NOT NULL'),
    );
    return rows.map((r) => ({ kioskId: r.id, config: JSON.parse(r.config) }));
  }

  async dutySnapshot(since: number, kioskIds?: readonly string[]): Promise<DutySnapshot> {
    return this.driver.query(() => dutySnapshot(since, kioskIds));
  }

  async armedPanels(deskIds: readonly string[]): Promise<ArmedPanel[]> {
    return this.driver.query(() => armedPanels(deskIds));
  }

  async replaceConfigPanels(kioskId: string, rev: number, panels: Panel[]): Promise<KioskConfigMessage | undefined> {
    const forUpdate = this.driver.forUpdate;
    return this.driver.transaction(() => replaceConfigPanels(kioskId, rev, panels, forUpdate));
  }

  async orgRev(): Promise<number> {
    return Number((await this.driver.query(() => value<number>('SELECT org_rev FROM settings WHERE id = 1'))) ?? 0);
  }

  async listEvents(kioskId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.driver.query(() =>
      all('SELECT * FROM events WHERE kiosk_id = ? AND seq > ? ORDER BY seq, id LIMIT ?', kioskId, afterSeq, limit),
    );
    return rows.map(eventFromRow);
  }

  async commitIngest(work: IngestWork): Promise<BatchOutcome[]> {
    return this.writeIngest(work);
  }

  async listDeadLetters(limit: number): Promise<DeadLetter[]> {
    return this.driver.query(() =>
      all<DeadLetter>(
        `SELECT id, received_at AS "receivedAt", topic, kiosk_id AS "kioskId", reason, payload
      FROM dead_letters ORDER BY id DESC LIMIT ?`,
        limit,
      ),
    );
  }

  async pruneDeadLetters(keep: number): Promise<number> {
    return this.driver.query(() => run('DELETE FROM dead_letters WHERE id <= (SELECT max(id) FROM dead_letters) - ?', keep));
  }

  async createApiKey(k: { name: string; role: Role; hash: string } & Partial<ApiKeyScope>): Promise<ApiKey> {
    const key: ApiKey = { id: ulid(), name: k.name, role: k.role, createdAt: now(), offices: k.offices ?? [], regions: k.regions ?? [] };
    const scope = 'INSERT INTO api_key_scopes (key_id, scope, ref_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING';
    await this.driver.transaction(function* () {
      yield* run(
        'INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)',
        key.id,
        key.name,
        key.role,
        k.hash,
        key.createdAt,
      );
      for (const o of key.offices) yield* run(scope, key.id, 'office', o);
      for (const r of key.regions) yield* run(scope, key.id, 'region', r);
    });
    return key;
  }

  async upsertApiKey(k: { name: string; role: Role; hash: string }): Promise<void> {
    await this.driver.transaction(function* () {
      yield* run('DELETE FROM api_keys WHERE name = ? AND hash <> ?', k.name, k.hash);
      // ON CONFLICT, not delete-then-insert: gateways starting together on one database all bootstrap the same key.
      yield* run(
        `INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (hash) DO UPDATE SET name = excluded.name, role = excluded.role`,
        ulid(),
        k.name,
        k.role,
        k.hash,
        now(),
      );
    });
  }

  async apiKeyByHash(hash: string): Promise<(ApiKey & { hash: string }) | undefined> {
    return this.driver.query(function* () {
      const r = yield* get<ApiKey & { hash: string }>(`SELECT ${API_KEY}, hash FROM api_keys WHERE hash = ?`, hash);
      return r && (yield* withScope(r));
    });
  }

  async revokeApiKey(id: string): Promise<ApiKey | 'missing' | 'last admin'> {
    return this.driver.transaction(function* () {
      const key = yield* get<ApiKey & { hash: string }>(`SELECT ${API_KEY}, hash FROM api_keys WHERE id = ?`, id);
      if (!key) return 'missing' as const;
      // Counted in the same transaction that deletes: two admins revoking each other cannot both succeed.
      if (key.role === 'admin' && (yield* value<number>(`SELECT count(*) FROM api_keys WHERE role = 'admin'`)) === 1)
        return 'last admin' as const;
      const scoped = yield* withScope(key);
      yield* retireHash(key);
      yield* run('DELETE FROM api_keys WHERE id = ?', id); // its scopes go with it (ON DELETE CASCADE)
      const { hash: _, ...out } = scoped;
      return out;
    });
  }

  async rotateApiKey(id: string, hash: string): Promise<ApiKey | undefined> {
    return this.driver.transaction(function* () {
      const key = yield* get<ApiKey & { hash: string }>(`SELECT ${API_KEY}, hash FROM api_keys WHERE id = ?`, id);
      if (!key) return undefined;
      yield* retireHash(key);
      yield* run('UPDATE api_keys SET hash = ? WHERE id = ?', hash, id);
      const { hash: _, ...out } = yield* withScope(key);
      return out;
    });
  }

  async isRevokedApiKey(hash: string): Promise<boolean> {
    return (await this.driver.query(() => value('SELECT 1 FROM revoked_api_keys WHERE hash = ?', hash))) !== undefined;
  }

  async listApiKeys(): Promise<ApiKey[]> {
    return this.driver.query(function* () {
      const out: ApiKey[] = [];
      for (const k of yield* all<ApiKey>(`SELECT ${API_KEY} FROM api_keys ORDER BY created_at, id`)) out.push(yield* withScope(k));
      return out;
    });
  }

  async countApiKeys(role: Role): Promise<number> {
    return (await this.driver.query(() => value<number>('SELECT count(*) AS n FROM api_keys WHERE role = ?', role))) ?? 0;
  }
}
