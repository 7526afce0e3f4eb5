import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { canSeeKiosk, canSeeOffice, visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import {
  ErrorReply,
  errorReplies,
  EventPage,
  EventsQuery,
  KioskCredentials,
  KioskDetail,
  KioskIdParams,
  KioskListQuery,
  KioskPage,
  PutConfigBody,
  RegisterKioskBody,
} from '../../schemas.js';
import Type from 'typebox';
import { hashSecret, newSecret, REVOKED } from '../../../lib/secrets.js';
import { BrokerRefused } from '../../../mqtt/kiosk-logins.js';
import { Binding, BindingBody, BindingParams } from '../../schemas-org.js';
import { configState, kioskHealth } from '../../../domain/kiosk-health.js';
import type { PanelBinding } from '../../../domain/organisation.js';
import { slicer } from '../../../lib/event-loop.js';
import type { Kiosk, Store } from '../../../store/store.js';
import type { PanelKind } from '../../../../../shared/src/index.js';
import type { ApiDeps } from './deps.js';

const tags = ['kiosks'];
/** The database has the change but the broker did not confirm it (an external broker unreachable, say). */
const brokerReplies = { 502: ErrorReply };

/** Kiosks read per query while listing (a page of the answer may take several). */
const SCAN_PAGE = 250;

export const kioskRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, mqtt, guard, config, fleet }) => {
  /**
   * A stored kiosk as the API shows it: health judged now, config state; the health memory stays inside.
   * Exactly KioskSummary's fields, so the listing can skip the schema serializer (JSON.stringify: a page of
   * 1000 in 5 ms instead of ~80 ms through fast-json-stringify's anyOf checks).
   */
  const present = (k: Kiosk, now: number) => {
    const { track, configAt, ...rest } = k;
    return {
      ...rest,
      configState: configState(k.config, configAt, k.status, track),
      health: kioskHealth({ status: k.status, track, thresholds: config.health, newestVersion: fleet.newestVersion(), now }),
    };
  };
  // Kiosks are for admins and technicians; a technician key with offices or regions reaches only their kiosks.
  const staff = guard('admin', 'technician');
  /** 404 for a kiosk that does not exist or is outside the key's scope: the two look alike. */
  const visible = async (req: FastifyRequest, id: string) => {
    if (!(await canSeeKiosk(store, req.principal, id))) throw notFound(id);
  };
  /** A binding may only point into the key's offices; one elsewhere is refused like a missing desk or office. */
  const bindable = async (req: FastifyRequest, b: PanelBinding, field: string) => {
    if (await canSeeOffice(store, req.principal, b.officeId)) return b;
    throw httpError(
      400,
      b.deskId ? `${field}.deskId: desk "${b.deskId}" does not exist` : `${field}.officeId: office "${b.officeId}" does not exist`,
    );
  };

  /** Runs the broker's side of a credential change; a refusal becomes a 502 that says what to do. */
  async function onBroker(
    reply: { code(n: number): { send(b: unknown): unknown } },
    what: string,
    retry: string,
    change: () => Promise<void>,
  ): Promise<boolean> {
    try {
      await change();
      return true;
    } catch (err) {
      if (!(err instanceof BrokerRefused)) throw err;
      app.log.error({ err }, `broker did not take the ${what}`);
      reply
        .code(502)
        .send({ error: 'Bad Gateway', message: `${what} stored, but the broker did not confirm it (${err.message}); ${retry}` });
      return false;
    }
  }

  app.post(
    '/kiosks',
    {
      onRequest: staff,
      schema: {
        tags,
        summary: 'Register a kiosk (and bind its panels); its MQTT password is shown only in this answer. Admin, technician',
        body: RegisterKioskBody,
        response: { 201: KioskCredentials, ...errorReplies, ...brokerReplies },
      },
    },
    async (req, reply) => {
      const { id, officeId, panels } = req.body;
      const scope = await visibleOffices(store, req.principal);
      if (scope && officeId === undefined)
        throw httpError(400, 'officeId: a technician key scoped to offices registers kiosks in one of them');
      if (scope && !scope.includes(officeId!)) throw httpError(404, `office "${officeId}" not found`);
      // Bindings are checked before anything is stored: a refused registration leaves no kiosk behind.
      // An officeId that names no office yet is kept as a label (as before the organisation model) and binds nothing.
      const bindings: PanelBinding[] = [];
      const officeKnown = officeId !== undefined && (await store.getOrg('office', officeId)) !== undefined;
      for (const [i, p] of (panels ?? []).entries()) {
        if (!officeKnown && !p.deskId) continue;
        bindings.push(
          await bindable(
            req,
            await resolveBinding(
              store,
              id,
              p.id,
              { kind: p.kind, ...(officeKnown ? { officeId } : {}), deskId: p.deskId ?? null },
              `panels[${i}]`,
            ),
            `panels[${i}]`,
          ),
        );
      }
      const password = newSecret();
      const created = await store.createKiosk({
        id,
        ...(officeId ? { officeId } : {}),
        ...(panels ? { panels: panels.map(({ deskId: _, ...p }) => p) } : {}),
        passwordHash: hashSecret(password),
        bindings,
      });
      if (!created) throw httpError(409, `kiosk "${req.body.id}" is already registered`);
      req.log.info({ kioskId: req.body.id }, 'kiosk registered');
      fleet.registered(id);
      if (
        !(await onBroker(
          reply,
          'kiosk login',
          `rotate its credentials (POST /api/v1/kiosks/${id}/credentials) once the broker is reachable`,
          () => mqtt.logins.set(id, password),
        ))
      )
        return reply;
      return reply.code(201).send({ id: req.body.id, mqtt: { username: req.body.id, password } });
    },
  );

  app.post(
    '/kiosks/:id/credentials',
    {
      onRequest: staff,
      schema: {
        tags,
        summary: 'Rotate a kiosk’s MQTT password; its live session is dropped at once. Admin, technician',
        params: KioskIdParams,
        response: { 200: KioskCredentials, ...errorReplies, ...brokerReplies },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      await visible(req, id);
      const password = newSecret();
      if (!(await store.setKioskPassword(id, hashSecret(password)))) throw notFound(id);
      // The old password must stop working now, not at the next reconnect: live sessions are dropped.
      if (!(await onBroker(reply, 'new password', 'repeat the request', () => mqtt.logins.set(id, password)))) return reply;
      req.log.info({ kioskId: id }, 'kiosk credentials rotated');
      return { id, mqtt: { username: id, password } };
    },
  );

  app.delete(
    '/kiosks/:id/credentials',
    {
      onRequest: staff,
      schema: {
        tags,
        summary: 'Revoke a kiosk’s MQTT credentials: dropped now, refused from then on. Admin, technician',
        params: KioskIdParams,
        response: { 204: Type.Null(), ...errorReplies, ...brokerReplies },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      await visible(req, id);
      if (!(await store.setKioskPassword(id, REVOKED))) throw notFound(id);
      // Refused at CONNECT from now on, and its live sessions dropped at once; POST …/credentials issues new ones.
      if (!(await onBroker(reply, 'revocation', 'repeat the request', () => mqtt.logins.revoke(id)))) return reply;
      req.log.info({ kioskId: id }, 'kiosk credentials revoked');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/kiosks',
    {
      onRequest: staff,
      config: { csv: true },
      schema: {
        tags,
        summary:
          'List kiosks with their last status, health and counters; ?problem=<rule> and ?online= filter by health, ?office= by office. Admin, technician (its offices)',
        querystring: KioskListQuery,
        response: { 200: KioskPage, ...errorReplies },
      },
    },
    async (req, reply) => {
      const { after, limit, problem, online, office } = req.query;
      const offices = await visibleOffices(store, req.principal);
      if (office !== undefined && (!(await store.getOrg('office', office)) || (offices !== undefined && !offices.includes(office)))) {
        throw httpError(404, `office "${office}" not found`);
      }
      const only = office === undefined ? {} : { office };
      const now = Date.now();
      // Read in small pages, the loop getting a turn between them: 1000 kiosks at once held it ~30 ms.
      // Health depends on `now`, so filters are judged here, not in SQL: pages are read until `limit` match.
      const pause = slicer();
      const filtered = problem !== undefined || online !== undefined;
      const items: ReturnType<typeof present>[] = [];
      const send = (next: string | null) => reply.serializer(JSON.stringify).send({ items, next });
      for (let cursor = after; ; ) {
        const want = filtered ? SCAN_PAGE : Math.min(SCAN_PAGE, limit - items.length);
        const page = await store.listKiosks(cursor, want, offices, only);
        for (const k of page) {
          const shown = present(k, now);
          if (online !== undefined && shown.health.online !== online) continue;
          if (problem !== undefined && !shown.health.problems.some((p) => p.rule === problem)) continue;
          items.push(shown);
          if (items.length === limit) return send(shown.id);
        }
        if (page.length < want) return send(null);
        cursor = page[page.length - 1]!.id;
        await pause();
      }
    },
  );

  app.get(
    '/kiosks/:id',
    {
      onRequest: staff,
      schema: {
        tags,
        summary: 'One kiosk: last status, counters and seq gaps. Admin, technician (its offices)',
        params: KioskIdParams,
        response: { 200: KioskDetail, ...errorReplies },
      },
    },
    async (req) => {
      await visible(req, req.params.id);
      const kiosk = await store.getKiosk(req.params.id);
      if (!kiosk) throw notFound(req.params.id);
      return { ...present(kiosk, Date.now()), gaps: await store.kioskGaps(req.params.id) };
    },
  );

  app.get(
    '/kiosks/:id/events',
    {
      onRequest: staff,
      config: { csv: true },
      schema: {
        tags,
        summary: 'The kiosk’s stored presses in seq order, paged by afterSeq. Admin, technician (its offices)',
        params: KioskIdParams,
        querystring: EventsQuery,
        response: { 200: EventPage, ...errorReplies },
      },
    },
    async (req) => {
      await visible(req, req.params.id);
      const items = await store.listEvents(req.params.id, req.query.afterSeq, req.query.limit);
      return { items, nextAfterSeq: items.length === req.query.limit ? items[items.length - 1]!.seq : null };
    },
  );

  app.put(
    '/kiosks/:id/config',
    {
      onRequest: staff,
      schema: {
        tags,
        summary:
          'Set the kiosk’s panels and misuse rules; sent as its retained config, applied without a restart (GET …/:id configState says whether it was). Admin, technician (its offices)',
        params: KioskIdParams,
        body: PutConfigBody,
        response: {
          200: Type.Object({
            rev: Type.Integer(),
            published: Type.Boolean({
              description: 'the broker took it; if false it is sent when the broker is reachable again',
            }),
          }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      await visible(req, req.params.id);
      const stored = await store.putKioskConfig(req.params.id, req.body);
      if (!stored) throw notFound(req.params.id);
      // Who is on duty goes on its staff panels (a revision more, published by the duty feed); what we publish
      // here is the newest revision, never one the feed has already replaced.
      const msg = (await mqtt.duty.refresh([req.params.id])).get(req.params.id) ?? stored;
      // Stored first: if the broker is unreachable now, the config is republished on reconnect.
      const published = await mqtt.publishConfig(req.params.id, msg);
      req.log.info({ kioskId: req.params.id, rev: msg.rev, published }, 'kiosk config stored');
      return { rev: msg.rev, published };
    },
  );

  app.get(
    '/kiosks/:id/bindings',
    {
      onRequest: staff,
      config: { csv: true },
      schema: {
        tags,
        summary: 'Which office or desk each of the kiosk’s panels scores for. Admin, technician (its offices)',
        params: KioskIdParams,
        response: { 200: Type.Object({ items: Type.Array(Binding) }), ...errorReplies },
      },
    },
    async (req) => {
      await visible(req, req.params.id);
      return { items: await store.listBindings(req.params.id) };
    },
  );

  app.put(
    '/kiosks/:id/panels/:panelId/binding',
    {
      onRequest: staff,
      schema: {
        tags,
        summary:
          'Bind a panel: staff → a desk, office/loyalty → an office; applies to presses stored from now on. Admin, technician (its offices)',
        params: BindingParams,
        body: BindingBody,
        response: { 200: Binding, ...errorReplies },
      },
    },
    async (req) => {
      await visible(req, req.params.id);
      const kiosk = await store.getKiosk(req.params.id);
      if (!kiosk) throw notFound(req.params.id);
      // The panel's kind: from the config the gateway pushed, the panels the kiosk reports running, or its registration.
      const reported = kiosk.status?.payload.panels ?? [];
      const known = [...(kiosk.config?.panels ?? []), ...reported, ...(kiosk.panels ?? [])].find((p) => p.id === req.params.panelId);
      const kind = req.body.kind ?? known?.kind;
      if (!kind)
        throw httpError(
          400,
          `kind: panel "${req.params.panelId}" is not among the kiosk's panels (registered, configured or reported in its status); give its kind`,
        );
      if (known && req.body.kind && known.kind !== req.body.kind)
        throw httpError(400, `kind: panel "${known.id}" is of kind ${known.kind}`);
      const officeId = req.body.officeId ?? kiosk.officeId ?? undefined;
      const b = await bindable(
        req,
        await resolveBinding(
          store,
          kiosk.id,
          req.params.panelId,
          { kind, ...(officeId ? { officeId } : {}), deskId: req.body.deskId ?? null },
          'binding',
        ),
        'binding',
      );
      await store.putBinding(b);
      req.log.info(
        { kioskId: kiosk.id, panel: b.panel, officeId: b.officeId, deskId: b.deskId },
        'panel bound; applies to presses stored from now on',
      );
      return b;
    },
  );

  app.delete(
    '/kiosks/:id/panels/:panelId/binding',
    {
      onRequest: staff,
      schema: {
        tags,
        summary: 'Unbind a panel: later presses are stored but not scored. Admin, technician (its offices)',
        params: BindingParams,
        response: { 204: Type.Null(), ...errorReplies },
      },
    },
    async (req, reply) => {
      await visible(req, req.params.id);
      if (!(await store.deleteBinding(req.params.id, req.params.panelId)))
        throw httpError(404, `panel "${req.params.panelId}" of kiosk "${req.params.id}" is not bound`);
      return reply.code(204).send(null);
    },
  );
};

/**
 * A staff panel is bound to a desk (office = the desk's), or to an office only (its presses then count
 * for the office as unattributed); office and loyalty panels to an office.
 */
async function resolveBinding(
  store: Store,
  kioskId: string,
  panel: string,
  b: { kind: PanelKind; officeId?: string; deskId: string | null },
  field: string,
): Promise<PanelBinding> {
  let officeId = b.officeId;
  if (b.deskId) {
    if (b.kind !== 'staff')
      throw httpError(400, `${field}.deskId: only staff panels are bound to a desk; ${b.kind} panels belong to the office`);
    const desk = await store.getOrg('desk', b.deskId);
    if (!desk) throw httpError(400, `${field}.deskId: desk "${b.deskId}" does not exist`);
    if (officeId && desk.officeId !== officeId)
      throw httpError(400, `${field}.deskId: desk "${desk.id}" is in office "${desk.officeId}", not "${officeId}"`);
    officeId = desk.officeId;
  }
  if (!officeId) throw httpError(400, `${field}: needs an officeId (or a deskId for a staff panel)`);
  if (!(await store.getOrg('office', officeId))) throw httpError(400, `${field}.officeId: office "${officeId}" does not exist`);
  return { kioskId, panel, kind: b.kind, officeId, deskId: b.deskId };
}

function notFound(id: string): Error {
  return httpError(404, `kiosk "${id}" is not registered`);
}
