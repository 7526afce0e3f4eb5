/**
 * GET /metrics: Prometheus text format. Needs an API key of role `metrics` (or admin); answers
 * anonymously only with LB_METRICS_ANONYMOUS=true (or in dev mode). docs/gateway.md#metrics.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { errorReplies } from './schemas.js';
import type { ApiDeps } from './api/v1/deps.js';

export const metricsRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { config, guard, metrics, fleet }) => {
  app.get(
    '/metrics',
    {
      ...(config.metricsAnonymous ? {} : { onRequest: guard('metrics', 'admin') }),
      schema: {
        tags: ['metrics'],
        summary: 'Prometheus metrics (text exposition format). API key of role metrics or admin',
        ...(config.metricsAnonymous ? { security: [] } : {}),
        response: { 200: Type.String(), ...errorReplies },
      },
    },
    async (_req, reply) => {
      await fleet.newScrape();
      const body = (await metrics.registry.metrics()) + (await fleet.backlogText());
      return reply.type(metrics.registry.contentType).send(body);
    },
  );
};
