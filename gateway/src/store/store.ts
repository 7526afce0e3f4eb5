/**
 * The gateway's repository. SQLite now, PostgreSQL later: every method is async-capable and speaks
 * in domain terms, never SQL. Ingest writes go through `commitIngest`, one transaction per call.
 */
import type { Event, KioskConfigMessage, Panel, StatusMessage } from '../../../shared/src/index.js';
import type { OrgStore, PanelBinding } from './org.js';

export type Role = 'admin' | 'technician' | 'manager';
export const ROLES: readonly Role[] = ['admin', 'technician', 'manager'];

export interface NewKiosk { id: string; officeId?: string; panels?: Panel[]; passwordHash: string; bindings?: PanelBinding[] }
export interface KioskCounters { received: number; duplicates: number; rejected: number; lastSeq: number }
export interface SeqGap { from: number; to: number }

export interface Kiosk {
  id: string;
  officeId: string | null;
  panels: Panel[] | null;
  createdAt: string;
  status: { payload: StatusMessage; receivedAt: string } | null;
  config: KioskConfigMessage | null;
  counters: KioskCounters;
}

export interface StoredEvent extends Omit<Event, 'at'> { at: string; receivedAt: string }

export interface DeadLetter {
  id: number;
  receivedAt: string;
  topic: string;
  kioskId: string | null;
  reason: string;
  payload: string;
}

/** A manager key sees only these offices and the offices of these regions; other roles ignore them. */
export interface ApiKeyScope { offices: string[]; regions: string[] }
export interface ApiKey extends ApiKeyScope { id: string; name: string; role: Role; createdAt: string }

/** One accepted `events` message, already validated. */
export interface EventsBatch { kioskId: string; events: Event[]; rejected: RejectedEvent[] }
export interface RejectedEvent { id: string; seq?: number; reason: string }
export interface NewDeadLetter { topic: string; kioskId: string | null; reason: string; payload: string }
export interface StatusUpdate { kioskId: string; payload: StatusMessage }

export interface IngestWork {
  batches: EventsBatch[];
  statuses: StatusUpdate[];
  deadLetters: NewDeadLetter[];
}

/** Per batch, in input order: ids now committed (new or duplicate) and ids refused. */
export interface BatchOutcome { kioskId: string; ids: string[]; rejected: RejectedEvent[]; inserted: number; duplicates: number }

export interface Store extends OrgStore {
  /** Creates tables / runs pending migrations. */
  migrate(): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;

  /** False when the id is taken (nothing written); bindings are written in the same transaction. */
  createKiosk(k: NewKiosk): Promise<boolean>;
  setKioskPassword(id: string, passwordHash: string): Promise<boolean>;
  kioskPasswordHash(id: string): Promise<string | undefined>;
  kioskExists(id: string): Promise<boolean>;
  getKiosk(id: string): Promise<Kiosk | undefined>;
  /** `offices`: only kiosks that belong to some of these offices and to none other (see kioskOffices). */
  listKiosks(after: string | undefined, limit: number, offices?: readonly string[]): Promise<Kiosk[]>;
  /** The offices a kiosk belongs to: its officeId and its panels' bindings' (undefined: no such kiosk). */
  kioskOffices(id: string): Promise<string[] | undefined>;
  kioskGaps(id: string): Promise<SeqGap[]>;
  fleetSummary(): Promise<{ registered: number; online: number }>;
  /** Stores panels/misuse as the next revision and returns the full message to publish. */
  putKioskConfig(id: string, cfg: Omit<KioskConfigMessage, 'v' | 'rev'>): Promise<KioskConfigMessage | undefined>;
  allKioskConfigs(): Promise<Array<{ kioskId: string; config: KioskConfigMessage }>>;

  listEvents(kioskId: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  commitIngest(work: IngestWork): Promise<BatchOutcome[]>;
  listDeadLetters(limit: number): Promise<DeadLetter[]>;
  pruneDeadLetters(keep: number): Promise<number>;

  createApiKey(k: { name: string; role: Role; hash: string } & Partial<ApiKeyScope>): Promise<ApiKey>;
  /** Creates or replaces the key row named `name` (used for LB_ADMIN_TOKEN). */
  upsertApiKey(k: { name: string; role: Role; hash: string }): Promise<void>;
  apiKeyByHash(hash: string): Promise<(ApiKey & { hash: string }) | undefined>;
  /** Deletes the key and remembers its hash as revoked; never the last admin key. */
  revokeApiKey(id: string): Promise<ApiKey | 'missing' | 'last admin'>;
  /** Gives the key a new secret (its hash) and remembers the old one as revoked. */
  rotateApiKey(id: string, hash: string): Promise<ApiKey | undefined>;
  /** Whether a key with this hash was revoked or rotated away. */
  isRevokedApiKey(hash: string): Promise<boolean>;
  listApiKeys(): Promise<ApiKey[]>;
  countApiKeys(role: Role): Promise<number>;
}
