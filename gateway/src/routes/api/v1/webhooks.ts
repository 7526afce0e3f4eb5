/**
 * Who is told of alerts (and sent reports): webhook subscriptions (`/webhooks`) and email subscriptions
 * (`/email-subscriptions`). Admin only. A webhook's signing secret is generated here and shown once, at
 * creation and on rotate; it is stored as is (it must be, to sign) and never logged.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
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

export const webhookRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, delivery }) => {
  const admin = guard('admin');
  const missing = (what: string, id: string) => httpError(404, `${what} "${id}" not found`);
  const find = async (channel: Channel, id: string) => {
    const s = await store.deliveries.getSubscription(id);
    if (!s || s.channel !== channel) throw missing(channel === 'webhook' ? 'webhook' : 'email subscription', id);
    return s;
  };

  // ── webhooks ──
  app.get(
    '/webhooks',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Webhook subscriptions (never their secrets). Admin',
        response: { 200: Type.Object({ items: Type.Array(Webhook) }), ...errorReplies },
      },
    },
    async () => ({ items: (await store.deliveries.listSubscriptions('webhook')).map(webhookOf) }),
  );
  app.post(
    '/webhooks',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Subscribe a URL to alert events; the signing secret is shown only in this answer. Admin',
        body: WebhookBody,
        response: { 201: WebhookWithSecret, ...errorReplies },
      },
    },
    async (req, reply) => {
      const secret = newSecret();
      const s = await store.deliveries.createSubscription({
        channel: 'webhook',
        target: req.body.url,
        scope: await checkedScope(store, req.body.scope),
        kinds: req.body.kinds,
        language: 'en',
        reports: [],
        enabled: req.body.enabled,
        secret,
      });
      req.log.info({ subscriptionId: s.id }, 'webhook created');
      return reply.code(201).send({ ...webhookOf(s), secret });
    },
  );
  app.get(
    '/webhooks/:id',
    {
      onRequest: admin,
      schema: { tags, summary: 'One webhook subscription. Admin', params: Params, response: { 200: Webhook, ...errorReplies } },
    },
    async (req) => webhookOf(await find('webhook', req.params.id)),
  );
  app.put(
    '/webhooks/:id',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Change a webhook subscription (its secret stays). Admin',
        params: Params,
        body: WebhookBody,
        response: { 200: Webhook, ...errorReplies },
      },
    },
    async (req) => {
      const old = await find('webhook', req.params.id);
      const s: Subscription = {
        ...old,
        target: req.body.url,
        scope: await checkedScope(store, req.body.scope),
        kinds: req.body.kinds,
        enabled: req.body.enabled,
      };
      if (!(await store.deliveries.updateSubscription(s))) throw missing('webhook', req.params.id);
      return webhookOf(s);
    },
  );
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
      const s = await find('webhook', req.params.id);
      const secret = newSecret();
      if (!(await store.deliveries.setSecret(s.id, secret))) throw missing('webhook', req.params.id);
      req.log.info({ subscriptionId: s.id }, 'webhook secret rotated');
      return { ...webhookOf(s), secret };
    },
  );
  app.delete(
    '/webhooks/:id',
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
      if (!(await store.deliveries.deleteSubscription(req.params.id, 'webhook'))) throw missing('webhook', req.params.id);
      return reply.code(204).send(null);
    },
  );

  // ── email ──
  app.get(
    '/email-subscriptions',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Email recipients of alerts and reports. Admin',
        response: { 200: Type.Object({ items: Type.Array(EmailSubscription) }), ...errorReplies },
      },
    },
    async () => ({ items: (await store.deliveries.listSubscriptions('email')).map(emailOf) }),
  );
  app.post(
    '/email-subscriptions',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Send an address alert mail and/or daily, weekly, monthly reports (the last completed period at once). Admin',
        body: EmailBody,
        response: { 201: EmailSubscription, ...errorReplies },
      },
    },
    async (req, reply) => {
      const s = await store.deliveries.createSubscription({
        channel: 'email',
        target: req.body.address,
        scope: await checkedScope(store, req.body.scope),
        kinds: req.body.kinds,
        language: req.body.language,
        reports: req.body.reports,
        enabled: req.body.enabled,
      });
      req.log.info({ subscriptionId: s.id }, 'email subscription created');
      void delivery.checkReports();
      return reply.code(201).send(emailOf(s));
    },
  );
  app.get(
    '/email-subscriptions/:id',
    {
      onRequest: admin,
      schema: { tags, summary: 'One email subscription. Admin', params: Params, response: { 200: EmailSubscription, ...errorReplies } },
    },
    async (req) => emailOf(await find('email', req.params.id)),
  );
  app.put(
    '/email-subscriptions/:id',
    {
      onRequest: admin,
      schema: {
        tags,
        summary: 'Change an email subscription. Admin',
        params: Params,
        body: EmailBody,
        response: { 200: EmailSubscription, ...errorReplies },
      },
    },
    async (req) => {
      const old = await find('email', req.params.id);
      const b = req.body;
      const s: Subscription = {
        ...old,
        target: b.address,
        scope: await checkedScope(store, b.scope),
        kinds: b.kinds,
        language: b.language,
        reports: b.reports,
        enabled: b.enabled,
      };
      if (!(await store.deliveries.updateSubscription(s))) throw missing('email subscription', req.params.id);
      void delivery.checkReports();
      return emailOf(s);
    },
  );
  app.delete(
    '/email-subscriptions/:id',
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
      if (!(await store.deliveries.deleteSubscription(req.params.id, 'email'))) throw missing('email subscription', req.params.id);
      return reply.code(204).send(null);
    },
  );
};
