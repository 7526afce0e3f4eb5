import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { httpError } from '../../../plugins/app/errors.js';
import {
  errorReplies, EventPage, EventsQuery, KioskCredentials, KioskDetail, KioskIdParams, KioskPage, Page,
  PutConfigBody, RegisterKioskBody,
} from '../../../schemas.js';
import Type from 'typebox';
import { hashSecret, newSecret } from '../../../secrets.js';
import type { ApiDeps } from './deps.js';

const tags = ['kiosks'];

export const kioskRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, mqtt, guard }) => {
  // Managers get office-scoped access in a later issue; until then kiosks are for admins and technicians.
  const staff = guard('admin', 'technician');

  app.post('/kiosks', { preHandler: staff, schema: { tags, body: RegisterKioskBody, response: { 201: KioskCredentials, ...errorReplies } } }, async (req, reply) => {
    const password = newSecret();
    const created = await store.createKiosk({ ...req.body, passwordHash: hashSecret(password) });
    if (!created) throw httpError(409, `kiosk "${req.body.id}" is already registered`);
    req.log.info({ kioskId: req.body.id }, 'kiosk registered');
    return reply.code(201).send({ id: req.body.id, mqtt: { username: req.body.id, password } });
  });

  app.post('/kiosks/:id/credentials', { preHandler: staff, schema: { tags, params: KioskIdParams, response: { 200: KioskCredentials, ...errorReplies } } }, async (req) => {
    const password = newSecret();
    if (!(await store.setKioskPassword(req.params.id, hashSecret(password)))) throw notFound(req.params.id);
    mqtt.disconnectKiosk(req.params.id); // the old password must stop working now, not at the next reconnect
    req.log.info({ kioskId: req.params.id }, 'kiosk credentials rotated');
    return { id: req.params.id, mqtt: { username: req.params.id, password } };
  });

  app.get('/kiosks', { preHandler: staff, schema: { tags, querystring: Page, response: { 200: KioskPage, ...errorReplies } } }, async (req) => {
    const items = await store.listKiosks(req.query.after, req.query.limit);
    return { items, next: items.length === req.query.limit ? items[items.length - 1]!.id : null };
  });

  app.get('/kiosks/:id', { preHandler: staff, schema: { tags, params: KioskIdParams, response: { 200: KioskDetail, ...errorReplies } } }, async (req) => {
    const kiosk = await store.getKiosk(req.params.id);
    if (!kiosk) throw notFound(req.params.id);
    return { ...kiosk, gaps: await store.kioskGaps(req.params.id) };
  });

  app.get('/kiosks/:id/events', { preHandler: staff, schema: { tags, params: KioskIdParams, querystring: EventsQuery, response: { 200: EventPage, ...errorReplies } } }, async (req) => {
    if (!(await store.kioskExists(req.params.id))) throw notFound(req.params.id);
    const items = await store.listEvents(req.params.id, req.query.afterSeq, req.query.limit);
    return { items, nextAfterSeq: items.length === req.query.limit ? items[items.length - 1]!.seq : null };
  });

  app.put('/kiosks/:id/config', { preHandler: staff, schema: { tags, params: KioskIdParams, body: PutConfigBody, response: { 200: Type.Object({ rev: Type.Integer() }), ...errorReplies } } }, async (req) => {
    const msg = await store.putKioskConfig(req.params.id, req.body);
    if (!msg) throw notFound(req.params.id);
    // Stored first: if the broker is unreachable now, the config is republished on reconnect.
    const published = await mqtt.publishConfig(req.params.id, msg);
    req.log.info({ kioskId: req.params.id, rev: msg.rev, published }, 'kiosk config stored');
    return { rev: msg.rev };
  });
};

function notFound(id: string): Error {
  return httpError(404, `kiosk "${id}" is not registered`);
}
