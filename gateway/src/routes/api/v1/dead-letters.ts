import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { DeadLetter, errorReplies } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const Query = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }) });

export const deadLetterRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  app.get(
    '/dead-letters',
    {
      onRequest: guard('admin'),
      schema: {
        tags: ['dead letters'],
        summary: 'Messages the gateway could not accept, with the reason (newest first). Admin, technician',
        querystring: Query,
        response: { 200: Type.Object({ items: Type.Array(DeadLetter) }), ...errorReplies },
      },
    },
    async (req) => ({
      items: await store.listDeadLetters(req.query.limit),
    }),
  );
};
