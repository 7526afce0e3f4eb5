/**
 * Who is told of alerts (and sent reports): webhook subscriptions (`/webhooks`) and email subscriptions
 * (`/email-subscriptions`). Admin only. A webhook's signing secret is generated here and shown once, at
 * creation and on rotate; it is stored as is (it must be, to sign) and never logged.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import Type, { type Static, type TObject } from 'typebox';
import { newSecret } from '../../../lib/secrets.js';
import { httpError } from '../../../plugins/app/errors.js';
import type { Channel, Subscription } from '../../../store/deliveries.js';
import type { Store } from '../../../store/store.js';
import { errorReplies } from '../../schemas.js';
import { EntityId } from '../../schemas-org.js';
import type { ApiDeps } from './deps.js';

const tags = ['delivery'];
const Kind = Type.Union([
  Type.Literal('opened'),
  Type.Literal('acknowledged'),
  Type.Literal('commented'),
  Type.Literal('closed'),
  Type.Literal('negative-press'),
]);
const Scope = Type.Object({
  level: Type.Union([Type.Literal('company'), Type.Literal('region'), Type.Literal('office')]),
  id: Type.Optional(Type.Union([EntityId, Type.Null()], { description: 'The region or office; absent for company' })),
});
const Kinds = Type.Array(Kind, {
  uniqueItems: true,
  maxItems: 5,
  description: "Alert event kinds to tell; 'negative-press': every counted negative press (CRM follow-up, type press.negative); [] = none",
});
const KindsOut = Type.Array(Type.String(), { description: 'Alert event kinds told' });
const Frequency = Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly')]);
const WebhookUrl = Type.String({ pattern: '^https?://', maxLength: 2000, description: 'http(s) URL that receives the POSTs' });
const Email = Type.String({ pattern: '^[^\\s@<>,;]+@[^\\s@<>,;]+$', maxLength: 254 });

const WebhookBody = Type.Object(
  { url: WebhookUrl, scope: Scope, kinds: Kinds, enabled: Type.Boolean({ default: true }) },
  { additionalProperties: false },
);
const Webhook = Type.Object({
  id: Type.String(),
  url: Type.String(),
  scope: Scope,
  kinds: KindsOut,
  enabled: Type.Boolean(),
  createdAt: Type.String(),
});
const WebhookWithSecret = Type.Object({
  ...Webhook.properties,
  secret: Type.String({ description: 'The signing secret: shown only in this answer' }),
});
const EmailBody = Type.Object(
  {
    address: Email,
    language: Type.Union([Type.Literal('en'), Type.Literal('ru')], { default: 'en' }),
    scope: Scope,
    kinds: Type.Array(Kind, { uniqueItems: true, maxItems: 5, default: [] }),
    reports: Type.Array(Frequency, { uniqueItems: true, maxItems: 3, default: [] }),
    enabled: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
const EmailSubscription = Type.Object({
  id: Type.String(),
  address: Type.String(),
  language: Type.String(),
  scope: Scope,
  kinds: KindsOut,
  reports: Type.Array(Frequency),
  enabled: Type.Boolean(),
  createdAt: Type.String(),
});
const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const webhookOf = (s: Subscription) => ({
  id: s.id,
  url: s.target,
  scope: s.scope,
  kinds: s.kinds,
  enabled: s.enabled,
  createdAt: s.createdAt,
});
const emailOf = (s: Subscription) => ({
  id: s.id,
  address: s.target,
  language: s.language,
  scope: s.scope,
  kinds: s.kinds,
  reports: s.reports,
  enabled: s.enabled,
  createdAt: s.createdAt,
});

/** The scope as stored, after checking its region or office exists: a typo is a 400, not a silent nothing. */
async function checkedScope(store: Store, scope: { level: 'company' | 'region' | 'office'; id?: string | null }) {
  if (scope.level === 'company') {
    if (scope.id) throw httpError(400, 'scope.id: a company scope has no id');
    return { level: scope.level, id: null };
  }
  if (!scope.id) throw httpError(400, `scope.id: name the ${scope.level}`);
  if (!(await store.getOrg(scope.level, scope.id))) throw httpError(400, `scope.id: no ${scope.level} "${scope.id}"`);
  return { level: scope.level, id: scope.id };
}

/** What differs between the two channels' CRUD routes; the routes themselves are made once (`crud`). */
interface ChannelRoutes<B extends TObject> {
  channel: Channel;
  path: string;
  /** For messages: "webhook", "email subscription". */
  noun: string;
  body: B;
  out: TObject;
  /** The created answer's schema (a webhook's adds its secret) and extra fields. */
  created: TObject;
  summaries: { list: string; create: string; get: string; update: string };
  /** The stored fields the body sets. */
  fields(b: Static<B>, store: Store): Promise<Pick<Subscription, 'target' | 'scope' | 'kinds' | 'language' | 'reports' | 'enabled'>>;
  present(s: Subscription): object;
  /** Before the create: a secret to store and show once. */
  secret?: () => string;
  /** After a create or update (reports: look for a due period now). */
  changed?: () => void;
}

function crud<B extends TObject>(app: FastifyInstance, store: Store, admin: ReturnType<ApiDeps['guard']>, c: ChannelRoutes<B>): void {
  const missing = (id: string) => httpError(404, `${c.noun} "${id}" not found`);
  const find = async (id: string) => {
    const s = await store.deliveries.getSubscription(id);
    if (!s || s.channel !== c.channel) throw missing(id);
    return s;
  };
  app.get(
    c.path,
    {
      onRequest: admin,
      schema: { tags, summary: c.summaries.list, response: { 200: Type.Object({ items: Type.Array(c.out) }), ...errorReplies } },
    },
    async () => ({ items: (await store.deliveries.listSubscriptions(c.channel)).map(c.present) }),
  );
  app.post(
    c.path,
    { onRequest: admin, schema: { tags, summary: c.summaries.create, body: c.body, response: { 201: c.created, ...errorReplies } } },
    async (req, reply) => {
      const secret = c.secret?.();
      const s = await store.deliveries.createSubscription({
        channel: c.channel,
        ...(await c.fields(req.body as Static<B>, store)),
        ...(secret ? { secret } : {}),
      });
      req.log.info({ subscriptionId: s.id }, `${c.noun} created`);
      c.changed?.();
      return reply.code(201).send({ ...c.present(s), ...(secret ? { secret } : {}) });
    },
  );
  app.get<{ Params: { id: string } }>(
    `${c.path}/:id`,
    { onRequest: admin, schema: { tags, summary: c.summaries.get, params: Params, response: { 200: c.out, ...errorReplies } } },
    async (req) => c.present(await find(req.params.id)),
  );
  app.put<{ Params: { id: string } }>(
    `${c.path}/:id`,
    {
      onRequest: admin,
      schema: { tags, summary: c.summaries.update, params: Params, body: c.body, response: { 200: c.out, ...errorReplies } },
    },
    async (req) => {
      const s: Subscription = { ...(await find(req.params.id)), ...(await c.fields(req.body as Static<B>, store)) };
      if (!(await store.deliveries.updateSubscription(s))) throw missing(req.params.id);
      c.changed?.();
      return c.present(s);
    },
  );
  app.delete<{ Params: { id: string } }>(
    `${c.path}/:id`,
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Unsubscribe; its pending deliveries fail. Admin',
        params: Params,
        response: { 204: Type.Null(), ...errorReplies },
      },
    },
    async (req, reply) => {
      if (!(await store.deliveries.deleteSubscription(req.params.id, c.channel))) throw missing(req.params.id);
      return reply.code(204).send(null);
    },
  );
}

export const webhookRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, delivery }) => {
  const admin = guard('admin');
  crud(app, store, admin, {
    channel: 'webhook',
    path: '/webhooks',
    noun: 'webhook',
    body: WebhookBody,
    out: Webhook,
    created: WebhookWithSecret,
    summaries: {
      list: 'Webhook subscriptions (never their secrets). Admin',
      create: 'Subscribe a URL to alert events; the signing secret is shown only in this answer. Admin',
      get: 'One webhook subscription. Admin',
      update: 'Change a webhook subscription (its secret stays). Admin',
    },
    fields: async (b, st) => ({
      target: b.url,
      scope: await checkedScope(st, b.scope),
      kinds: b.kinds,
      language: 'en',
      reports: [],
      enabled: b.enabled,
    }),
    present: webhookOf,
    secret: newSecret,
  });
  crud(app, store, admin, {
    channel: 'email',
    path: '/email-subscriptions',
    noun: 'email subscription',
    body: EmailBody,
    out: EmailSubscription,
    created: EmailSubscription,
    summaries: {
      list: 'Email recipients of alerts and reports. Admin',
      create: 'Send an address alert mail and/or daily, weekly, monthly reports (the last completed period at once). Admin',
      get: 'One email subscription. Admin',
      update: 'Change an email subscription. Admin',
    },
    fields: async (b, st) => ({
      target: b.address,
      scope: await checkedScope(st, b.scope),
      kinds: b.kinds,
      language: b.language,
      reports: b.reports,
      enabled: b.enabled,
    }),
    present: emailOf,
    changed: () => void delivery.checkReports(),
  });

  app.post(
    '/webhooks/:id/rotate',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'New signing secret, shown only in this answer; retries sign with it. Admin',
        params: Params,
        response: { 200: WebhookWithSecret, ...errorReplies },
      },
    },
    async (req) => {
      const s = await store.deliveries.getSubscription(req.params.id);
      if (s?.channel !== 'webhook') throw httpError(404, `webhook "${req.params.id}" not found`);
      const secret = newSecret();
      if (!(await store.deliveries.setSecret(s.id, secret))) throw httpError(404, `webhook "${req.params.id}" not found`);
      req.log.info({ subscriptionId: s.id }, 'webhook secret rotated');
      return { ...webhookOf(s), secret };
    },
  );
};
