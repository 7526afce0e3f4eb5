/** API keys: `Authorization: Bearer <key>`, hashed at rest (see secrets.ts), with roles. */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { hashSecret, verifySecret } from '../../secrets.js';
import type { Role, Store } from '../../store/store.js';
import { httpError } from './errors.js';

export interface Principal { keyId: string; name: string; role: Role; offices: string[]; regions: string[] }

declare module 'fastify' {
  interface FastifyRequest { principal?: Principal }
}

/** Runs at onRequest, before the body is parsed or validated: an anonymous caller learns nothing but 401. */
export type RoleGuard = (...roles: Role[]) => onRequestAsyncHookHandler;

export function roleGuard(store: Store, devMode: boolean): RoleGuard {
  async function identify(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) {
      if (devMode) return { keyId: 'dev', name: 'LB_DEV_MODE', role: 'admin', offices: [], regions: [] };
      throw httpError(401, 'missing API key: send "Authorization: Bearer <key>"');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw httpError(401, 'malformed Authorization header: expected "Bearer <key>"');
    const row = await store.apiKeyByHash(hashSecret(match[1]!));
    if (!row || !verifySecret(match[1]!, row.hash)) throw httpError(401, 'unknown API key');
    return { keyId: row.id, name: row.name, role: row.role, offices: row.offices, regions: row.regions };
  }
  return (...roles) =>
    async function requireRole(req: FastifyRequest, _reply: FastifyReply) {
      const principal = await identify(req);
      req.principal = principal;
      req.log = req.log.child({ apiKey: principal.name });
      if (!roles.includes(principal.role)) {
        throw httpError(403, `role "${principal.role}" may not do this; needs ${roles.join(' or ')}`);
      }
    };
}

/**
 * What a principal may see: undefined = everything (admin); a manager, only the offices of its key and
 * the offices of its regions. Out-of-scope resources answer 404, exactly as if they did not exist.
 */
export async function visibleOffices(store: Store, p: Principal | undefined): Promise<string[] | undefined> {
  if (!p || p.role === 'admin') return undefined;
  if (p.role !== 'manager') return [];
  // A principal lives for one request, whose checks may ask several times: one query per request.
  let offices = managerOffices.get(p);
  if (!offices) {
    offices = store.officesInRegions(p.regions).then((inRegions) => [...new Set([...p.offices, ...inRegions])]);
    managerOffices.set(p, offices);
  }
  return offices;
}
const managerOffices = new WeakMap<Principal, Promise<string[]>>();

export async function canSeeOffice(store: Store, p: Principal | undefined, officeId: string | null): Promise<boolean> {
  const visible = await visibleOffices(store, p);
  return visible === undefined || (officeId !== null && visible.includes(officeId));
}

/** The regions a principal may see: undefined = all (admin); a manager, those of its key; others none. */
export function visibleRegions(p: Principal | undefined): string[] | undefined {
  if (!p || p.role === 'admin') return undefined;
  return p.role === 'manager' ? p.regions : [];
}

export function canSeeRegion(p: Principal | undefined, regionId: string): boolean {
  const visible = visibleRegions(p);
  return visible === undefined || visible.includes(regionId);
}
