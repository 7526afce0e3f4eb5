import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ApiKey, errorReplies, NewApiKey, NewApiKeyBody } from '../../../schemas.js';
import { hashSecret, newSecret } from '../../../secrets.js';
import type { ApiDeps } from './deps.js';

const tags = ['api keys'];

export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const admin = guard('admin');
  app.get('/api-keys', { onRequest: admin, config: { csv: true }, schema: { tags, response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...errorReplies } } }, async () => ({
    items: await store.listApiKeys(),
  }));
  app.post('/api-keys', { onRequest: admin, schema: { tags, body: NewApiKeyBody, response: { 201: NewApiKey, ...errorReplies } } }, async (req, reply) => {
    const key = newSecret();
    const created = await store.createApiKey({ ...req.body, hash: hashSecret(key) });
    req.log.info({ keyId: created.id, role: created.role }, 'api key created');
    return reply.code(201).send({ ...created, key });
  });
};
