/** API keys: `Authorization: Bearer <key>`, hashed at rest (see secrets.ts), with roles. */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { hashSecret, verifySecret } from '../../secrets.js';
import type { Role, Store } from '../../store/store.js';
import { httpError } from './errors.js';

export interface Principal { keyId: string; name: string; role: Role }

declare module 'fastify' {
  interface FastifyRequest { principal?: Principal }
}

export type RoleGuard = (...roles: Role[]) => preHandlerAsyncHookHandler;

export function roleGuard(store: Store, devMode: boolean): RoleGuard {
  async function identify(req: FastifyRequest): Promise<Principal> {
    const header = req.headers.authorization;
    if (!header) {
      if (devMode) return { keyId: 'dev', name: 'LB_DEV_MODE', role: 'admin' };
      throw httpError(401, 'missing API key: send "Authorization: Bearer <key>"');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw httpError(401, 'malformed Authorization header: expected "Bearer <key>"');
    const row = await store.apiKeyByHash(hashSecret(match[1]!));
    if (!row || !verifySecret(match[1]!, row.hash)) throw httpError(401, 'unknown API key');
    return { keyId: row.id, name: row.name, role: row.role };
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
