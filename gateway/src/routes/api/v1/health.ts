import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Health } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

export const healthRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, mqtt }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'Gateway health: database, broker, ingest, fleet summary. No key needed; 503 while degraded',
        security: [],
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      const dbOk = await store.ping().catch(() => false);
      const fleet = dbOk ? await store.fleetSummary() : { registered: 0, online: 0 };
      // SELECT 1 still answers on a full disk: the commits of presses are what tell.
      const failure = mqtt.ingest.commitFailure;
      const ok = dbOk && mqtt.connected() && !failure;
      return reply.code(ok ? 200 : 503).send({
        status: ok ? 'ok' : 'degraded',
        database: { ok: dbOk },
        broker: { mode: mqtt.mode, connected: mqtt.connected(), port: mqtt.brokerPort },
        ingest: failure ? { ok: false, ...failure } : { ok: true },
        fleet,
      });
    },
  );
};
