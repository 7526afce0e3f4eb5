/**
 * `GET /api/v1/live`: server-sent events of presses, kiosk statuses and alert events as they happen
 * (live/hub.ts), scoped like the scores API. There is no replay (`Last-Event-ID` is ignored): a page
 * that reconnects refetches what it shows, then applies the events that follow.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../schemas.js';
import { EntityId } from '../../schemas-org.js';
import type { ApiDeps } from './deps.js';

const LiveQuery = Type.Object({
  office: Type.Optional(
    Type.Array(EntityId, { maxItems: 100, description: 'Only these offices (repeatable); omitted: every office the key may see' }),
  ),
});

export const liveRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, live }) => {
  app.get(
    '/live',
    {
      onRequest: guard('admin', 'manager', 'technician'),
      schema: {
        tags: ['live'],
        summary:
          'Live events (text/event-stream): press, kiosk, alert, resync; a comment every 15 s. Admin, manager (its scope); technician: kiosk events only (the fleet page). No replay: refetch on reconnect',
        querystring: LiveQuery,
        produces: ['text/event-stream'],
        response: {
          200: Type.String({ description: 'An endless text/event-stream' }),
          ...errorReplies,
          429: errorReplies[400],
          503: errorReplies[400],
        },
      },
    },
    async (req, reply) => {
      const principal = req.principal!;
      const visible = await visibleOffices(store, principal);
      const filter = req.query.office ? [...new Set(req.query.office)] : undefined;
      for (const id of filter ?? []) {
        if ((visible && !visible.includes(id)) || !(await store.getOrg('office', id))) throw httpError(404, `office "${id}" not found`);
      }
      const refused = live.refusal(principal.keyId);
      if (refused === 'too many') throw httpError(429, 'too many live streams open for this API key; close one first');
      if (refused === 'closed') throw httpError(503, 'the gateway is shutting down');
      // The security headers set so far (helmet) go out with the stream's own.
      const headers = Object.fromEntries(
        Object.entries(reply.getHeaders()).flatMap(([k, v]) => (v === undefined ? [] : [[k, typeof v === 'number' ? String(v) : v]])),
      );
      reply.hijack();
      live.open(reply.raw, { keyId: principal.keyId, visible, filter, kiosksOnly: principal.role === 'technician' }, headers);
      req.log.info({ offices: filter ?? visible ?? 'all', open: live.size }, 'live stream opened');
    },
  );
};
