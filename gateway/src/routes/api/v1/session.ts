/**
 * The console's sign-in: an API key exchanged for a session cookie (plugins/app/session.ts). Sign-in is
 * throttled like every key check (failed attempts per source address), and refused from another origin
 * so no page elsewhere can sign a browser in under its own key.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { keyFor } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { clearSessionCookie, csrfFor, sameOrigin, sessionCookie, setSessionCookie } from '../../../plugins/app/session.js';
import { ROLES } from '../../../store/store.js';
import { errorReplies, Role } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const tags = ['session'];
const SessionInfo = Type.Object({
  name: Type.String({ description: "The API key's name" }),
  role: Role,
  offices: Type.Array(Type.String()),
  regions: Type.Array(Type.String()),
  expiresAt: Type.String({ description: 'Absolute expiry (ISO); an idle session ends earlier' }),
  csrfToken: Type.String({ description: 'Send as header x-csrf-token on every POST, PUT, PATCH and DELETE made with the cookie' }),
});
const replies = { ...errorReplies, 429: errorReplies[401] };

export const sessionRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, throttle, sessions }) => {
  app.post(
    '/session',
    {
      schema: {
        tags,
        summary: 'Sign in to the console: exchange an API key for a session cookie (lb_session, HttpOnly, SameSite=Strict). Any role',
        security: [],
        body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
        response: { 200: SessionInfo, ...replies },
      },
    },
    async (req, reply) => {
      if (!sameOrigin(req)) throw httpError(403, 'cross-origin sign-in refused');
      const wait = await throttle.wait(req);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw httpError(429, `too many failed logins from this address: retry in ${wait} s`);
      }
      const key = await keyFor(store, req.body.key);
      if (!key) {
        await throttle.failed(req);
        req.log.info({ ip: req.ip, reason: 'unknown API key' }, 'console sign-in failed');
        throw httpError(401, 'unknown API key');
      }
      const opened = await sessions.open(key);
      setSessionCookie(req, reply, opened.token, sessions.maxMs);
      req.log.info({ apiKey: key.name, expiresAt: opened.expiresAt }, 'console session opened');
      return {
        name: key.name,
        role: key.role,
        offices: key.offices,
        regions: key.regions,
        expiresAt: opened.expiresAt,
        csrfToken: opened.csrfToken,
      };
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags,
        summary: "The console session of this browser's cookie: who, scope, expiry and its CSRF token. 401 without a live session",
        response: { 200: SessionInfo, ...replies },
      },
    },
    async (req) => {
      const token = sessionCookie(req);
      const found = token ? await sessions.find(token) : undefined;
      if (!token || !found) throw httpError(401, 'no session: sign in');
      const { key, session } = found;
      return {
        name: key.name,
        role: key.role,
        offices: key.offices,
        regions: key.regions,
        expiresAt: new Date(session.expiresAt).toISOString(),
        csrfToken: csrfFor(token),
      };
    },
  );

  app.delete(
    '/session',
    {
      onRequest: guard(...ROLES),
      schema: {
        tags,
        summary: 'Sign out: ends the session of the cookie (needs x-csrf-token) and clears the cookie',
        response: { 204: Type.Null(), ...replies },
      },
    },
    async (req, reply) => {
      if (req.sessionToken) {
        await sessions.close(req.sessionToken);
        req.log.info('console session closed');
      }
      clearSessionCookie(req, reply);
      return reply.code(204).send(null);
    },
  );
};
