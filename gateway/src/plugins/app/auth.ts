/**
 * API keys: `Authorization: Bearer <key>`, hashed at rest (see secrets.ts), with roles; or the console's
 * session cookie opened with such a key (session.ts), whose unsafe requests must carry its CSRF token.
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { hashSecret, verifySecret } from '../../lib/secrets.js';
import type { ApiKey, Role, Store } from '../../store/store.js';
import { httpError } from './errors.js';
import { csrfMatches, isUnsafe, sameOrigin, sessionCookie, type Sessions } from './session.js';

export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  offices: string[];
  regions: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** Runs at onRequest, before the body is parsed or validated: an anonymous caller learns nothing but 401. */
export type RoleGuard = (...roles: Role[]) => onRequestAsyncHookHandler;

/**
 * Failed logins per source address (plugins/external/rate-limit.ts): `wait` is the seconds a source must
 * wait before it may try again (0: it may), `failed` counts one more failure.
 */
export interface LoginThrottle {
  wait(req: FastifyRequest): Promise<number>;
  failed(req: FastifyRequest): Promise<void>;
}

/** The stored key a presented secret is, or undefined (unknown, revoked or rotated away). */
export async function keyFor(store: Store, key: string): Promise<(ApiKey & { hash: string }) | undefined> {
  const row = await store.apiKeyByHash(hashSecret(key));
  return row && verifySecret(key, row.hash) ? row : undefined;
}

export function roleGuard(store: Store, devMode: boolean, throttle: LoginThrottle, sessions?: Sessions): RoleGuard {
  /** A refused login: counted against its source and logged (the key never is). */
  async function refuse(req: FastifyRequest, reason: string): Promise<never> {
    await throttle.failed(req);
    req.log.info({ ip: req.ip, reason }, 'authentication failed');
    throw httpError(401, reason);
  }

  /**
   * The session cookie's principal. A stale cookie is not counted as a failed login: its token is random
   * 256 bits, so no guessing is worth throttling, and a browser left open overnight should not lock its office out.
   */
  async function fromSession(req: FastifyRequest, token: string): Promise<Principal> {
    const found = await sessions!.find(token);
    if (!found) throw httpError(401, 'session expired or signed out: sign in again');
    if (isUnsafe(req)) {
      if (!sameOrigin(req)) throw httpError(403, 'cross-origin request refused');
      if (!csrfMatches(token, req.headers['x-csrf-token'])) throw httpError(403, 'missing or wrong x-csrf-token for this session');
    }
    req.sessionToken = token;
    const { key } = found;
    return { keyId: key.id, name: key.name, role: key.role, offices: key.offices, regions: key.regions };
  }

  async function identify(req: FastifyRequest, reply: FastifyReply): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) {
      const token = sessions && sessionCookie(req);
      if (token) return fromSession(req, token);
      if (devMode) return { keyId: 'dev', name: 'LB_DEV_MODE', role: 'admin', offices: [], regions: [] };
      throw httpError(401, 'missing API key: send "Authorization: Bearer <key>" (or sign in to the console)');
    }
    // Checked before the key: while a source waits, even the right key gets 429, so guesses tell nothing.
    const wait = await throttle.wait(req);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw httpError(429, `too many failed logins from this address: retry in ${wait} s`);
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return refuse(req, 'malformed Authorization header: expected "Bearer <key>"');
    const row = await keyFor(store, match[1]!);
    if (!row) return refuse(req, 'unknown API key');
    return { keyId: row.id, name: row.name, role: row.role, offices: row.offices, regions: row.regions };
  }
  return (...roles) =>
    async function requireRole(req: FastifyRequest, reply: FastifyReply) {
      const principal = await identify(req, reply);
      req.principal = principal;
      req.log = req.log.child({ apiKey: principal.name });
      if (!roles.includes(principal.role)) {
        throw httpError(403, `role "${principal.role}" may not do this; needs ${roles.join(' or ')}`);
      }
    };
}

/**
 * What a principal may see: undefined = everything (admin, and a technician key without a scope, as
 * before scopes); a manager, or a technician with a scope, only the offices of its key and the offices
 * of its regions. Out-of-scope resources answer 404, exactly as if they did not exist.
 */
export async function visibleOffices(store: Store, p: Principal | undefined): Promise<string[] | undefined> {
  if (!p || p.role === 'admin') return undefined;
  if (p.role === 'technician' && p.offices.length === 0 && p.regions.length === 0) return undefined;
  // A principal lives for one request, whose checks may ask several times: one query per request.
  let offices = scopedOffices.get(p);
  if (!offices) {
    offices = store.officesInRegions(p.regions).then((inRegions) => [...new Set([...p.offices, ...inRegions])]);
    scopedOffices.set(p, offices);
  }
  return offices;
}
const scopedOffices = new WeakMap<Principal, Promise<string[]>>();

/** A kiosk is a scoped principal's when it belongs to offices (see Store.kioskOffices) and all are visible. */
export async function canSeeKiosk(store: Store, p: Principal | undefined, kioskId: string): Promise<boolean> {
  const offices = await store.kioskOffices(kioskId);
  if (offices === undefined) return false;
  const visible = await visibleOffices(store, p);
  return visible === undefined || (offices.length > 0 && offices.every((o) => visible.includes(o)));
}

export async function canSeeOffice(store: Store, p: Principal | undefined, officeId: string | null): Promise<boolean> {
  const visible = await visibleOffices(store, p);
  return visible === undefined || (officeId !== null && visible.includes(officeId));
}

/** The regions a principal may see: undefined = all (admin); a manager, reviewer or crm, those of its key; others none. */
export function visibleRegions(p: Principal | undefined): string[] | undefined {
  if (!p || p.role === 'admin') return undefined;
  return p.role === 'manager' || p.role === 'reviewer' || p.role === 'crm' ? p.regions : [];
}

export function canSeeRegion(p: Principal | undefined, regionId: string): boolean {
  const visible = visibleRegions(p);
  return visible === undefined || visible.includes(regionId);
}
