/**
 * Console sign-in sessions (plugins/app/session.ts): one row per session with the SHA-256 of its cookie
 * token (never the token), the API key it was opened with, and when it was created, expires (absolute)
 * and was last used (idle expiry). A session lives only while its key does with the same secret: the
 * lookup joins the key on id and hash, so revoking the key (its row deleted, and these with it by the
 * foreign key) or rotating it (a new hash) ends every session opened with it.
 */
import type { ApiKey } from './store.js';
import { all, get, run, type SqlDriver } from './sql.js';

export interface SessionRecord {
  id: string;
  keyId: string;
  createdAt: number;
  expiresAt: number;
  lastSeen: number;
}

export interface NewSession extends SessionRecord {
  tokenHash: string;
  /** The API key's stored hash when the session was opened. */
  keyHash: string;
}

export class SessionStore {
  constructor(private readonly driver: SqlDriver) {}

  async create(s: NewSession): Promise<void> {
    await this.driver.query(() =>
      run(
        'INSERT INTO sessions (id, token_hash, key_id, key_hash, created_at, expires_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)',
        s.id,
        s.tokenHash,
        s.keyId,
        s.keyHash,
        s.createdAt,
        s.expiresAt,
        s.lastSeen,
      ),
    );
  }

  /**
   * The live session with this token hash and its key (with the key's scope), or undefined: unknown,
   * past its absolute expiry, idle longer than `idleMs`, or its key revoked or rotated since.
   */
  async find(tokenHash: string, now: number, idleMs: number): Promise<{ session: SessionRecord; key: ApiKey } | undefined> {
    return this.driver.query(function* () {
      const r = yield* get<SessionRecord & { name: string; role: ApiKey['role']; keyCreatedAt: string }>(
        `SELECT s.id, s.key_id AS "keyId", s.created_at AS "createdAt", s.expires_at AS "expiresAt", s.last_seen AS "lastSeen",
          k.name, k.role, k.created_at AS "keyCreatedAt"
        FROM sessions s JOIN api_keys k ON k.id = s.key_id AND k.hash = s.key_hash
        WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen > ?`,
        tokenHash,
        now,
        now - idleMs,
      );
      if (!r) return undefined;
      const scopes = yield* all<{ scope: string; ref_id: string }>(
        'SELECT scope, ref_id FROM api_key_scopes WHERE key_id = ? ORDER BY ref_id',
        r.keyId,
      );
      const pick = (scope: string) => scopes.filter((x) => x.scope === scope).map((x) => x.ref_id);
      const session: SessionRecord = { id: r.id, keyId: r.keyId, createdAt: r.createdAt, expiresAt: r.expiresAt, lastSeen: r.lastSeen };
      const key: ApiKey = {
        id: r.keyId,
        name: r.name,
        role: r.role,
        createdAt: r.keyCreatedAt,
        offices: pick('office'),
        regions: pick('region'),
      };
      return { session, key };
    });
  }

  /** Marks the session used now (the caller limits how often: one write a minute is plenty for idle expiry). */
  async touch(id: string, now: number): Promise<void> {
    await this.driver.query(() => run('UPDATE sessions SET last_seen = ? WHERE id = ?', now, id));
  }

  /** Sign-out: true when there was such a session. */
  async delete(tokenHash: string): Promise<boolean> {
    return (await this.driver.query(() => run('DELETE FROM sessions WHERE token_hash = ?', tokenHash))) > 0;
  }

  /** Forgets expired and idle sessions, and those whose key was rotated; returns how many. */
  async prune(now: number, idleMs: number): Promise<number> {
    return this.driver.query(() =>
      run(
        `DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?
          OR NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = sessions.key_id AND k.hash = sessions.key_hash)`,
        now,
        now - idleMs,
      ),
    );
  }
}
