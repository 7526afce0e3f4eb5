/**
 * Failed API logins per source address, counted by @fastify/rate-limit (its in-memory store: each
 * gateway counts its own). Only failures count, and a source past the limit waits out the rest of the
 * window whatever key it sends; see LoginThrottle in plugins/app/auth.ts. Before, ~1 500 wrong keys a
 * second were tried against one gateway.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../../lib/config.js';
import type { LoginThrottle } from '../app/auth.js';

export async function registerRateLimit(app: FastifyInstance, http: GatewayConfig['http']): Promise<LoginThrottle> {
  await app.register(rateLimit, { global: false });
  const failures = app.createRateLimit({
    max: http.authFailures,
    timeWindow: http.authWindowMs,
    keyGenerator: (req: FastifyRequest) => req.ip,
  });
  return {
    async wait(req) {
      const r = await failures(req, { increment: false });
      return !r.isAllowed && r.remaining === 0 ? Math.max(1, r.ttlInSeconds) : 0;
    },
    async failed(req) {
      await failures(req);
    },
  };
}
