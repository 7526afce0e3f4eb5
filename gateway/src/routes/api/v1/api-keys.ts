import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { httpError } from '../../../plugins/app/errors.js';
import { ApiKey, errorReplies, NewApiKey, NewApiKeyBody } from '../../schemas.js';
import { hashSecret, newSecret } from '../../../lib/secrets.js';
import type { ApiDeps } from './deps.js';

const tags = ['api keys'];
const KeyParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const apiKeyRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const admin = guard('admin');
  app.get(
    '/api-keys',
    {
      onRequest: admin,
      config: { csv: true },
      schema: {
        tags,
        summary: 'List API keys (never their secrets). Admin',
        response: { 200: Type.Object({ items: Type.Array(ApiKey) }), ...errorReplies },
      },
    },
    async () => ({
      items: await store.listApiKeys(),
    }),
  );

  app.post(
    '/api-keys',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Create an API key with a role and scope; the key is shown only in this answer. Admin',
        body: NewApiKeyBody,
        response: { 201: NewApiKey, ...errorReplies },
      },
    },
    async (req, reply) => {
      const key = newSecret();
      const created = await store.createApiKey({ ...req.body, hash: hashSecret(key) });
      req.log.info({ keyId: created.id, role: created.role }, 'api key created');
      return reply.code(201).send({ ...created, key });
    },
  );

  // Both take effect on the next request: every request looks its key up in the database.
  app.post(
    '/api-keys/:id/rotate',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Rotate a key: a new secret, shown once; the old one stops working at once. Admin',
        params: KeyParams,
        response: { 200: NewApiKey, ...errorReplies },
      },
    },
    async (req) => {
      const key = newSecret();
      const rotated = await store.rotateApiKey(req.params.id, hashSecret(key));
      if (!rotated) throw httpError(404, `api key "${req.params.id}" not found`);
      req.log.info({ keyId: rotated.id, name: rotated.name }, 'api key rotated; the old secret no longer works');
      return { ...rotated, key };
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Revoke a key at once (not the last admin key). Admin',
        params: KeyParams,
        response: { 204: Type.Null(), ...errorReplies },
      },
    },
    async (req, reply) => {
      const revoked = await store.revokeApiKey(req.params.id);
      if (revoked === 'missing') throw httpError(404, `api key "${req.params.id}" not found`);
      if (revoked === 'last admin') throw httpError(409, 'this is the last admin key: create another admin key first, or rotate this one');
      req.log.info({ keyId: revoked.id, name: revoked.name }, 'api key revoked');
      return reply.code(204).send(null);
    },
  );
};
