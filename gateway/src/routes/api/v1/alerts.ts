/**
 * Alerts and their lifecycle (docs/console.md#alerts): list, one with its comments and history, acknowledge,
 * comment, close; and the alert events feed for in-dashboard notifications. A manager sees and acts on an
 * alert only when every office it concerns is in its scope (company-wide alerts are an admin's): 404 otherwise.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import type { Alert, AlertFilter } from '../../../store/alerts.js';
import { errorReplies } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const tags = ['alerts'];
const lit = <const T extends readonly string[]>(...values: T) => Type.Enum(values);
const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);
const When = Type.String({ format: 'date-time' });
const State = lit('open', 'acknowledged', 'closed');

const AlertOut = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  scope: Type.Object({
    level: lit('company', 'region', 'office', 'desk', 'employee', 'kiosk'),
    id: Nullable(Type.String()),
  }),
  officeIds: Type.Array(Type.String()),
  severity: lit('negative', 'positive', 'fleet'),
  state: State,
  openedAt: When,
  acknowledgedAt: Nullable(When),
  acknowledgedBy: Nullable(Type.String()),
  closedAt: Nullable(When),
  closedBy: Nullable(Type.String({ description: 'null on a closed alert: closed by the gateway (auto-close)' })),
  title: Type.Object({ en: Type.String(), ru: Type.String() }),
  evidence: Type.Unknown({ description: 'n, share / count / index, baseline, z and p-value, window: why it fired' }),
  url: Type.String(),
});
const Comment = Type.Object({ id: Type.Integer(), at: When, by: Type.String(), text: Type.String() });
const EventOut = Type.Object({
  id: Type.Integer(),
  alertId: Type.String(),
  ruleId: Type.String(),
  kind: lit('opened', 'acknowledged', 'commented', 'closed'),
  at: When,
  actor: Nullable(Type.String()),
  officeIds: Type.Array(Type.String()),
  payload: Type.Unknown({ description: '{ alert, comment? } as delivered to webhooks' }),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });

const out = (a: Alert) => {
  const { subject: _, ...rest } = a;
  return { ...rest, url: `/#/alerts/${a.id}` };
};

export const alertRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'unknown';

  const loadVisible = async (req: FastifyRequest, id: string): Promise<Alert> => {
    const alert = await store.alerts.get(id);
    const visible = await visibleOffices(store, req.principal);
    const ok = alert && (visible === undefined || (alert.officeIds.length > 0 && alert.officeIds.every((o) => visible.includes(o))));
    if (!ok) throw httpError(404, `alert "${id}" not found`);
    return alert;
  };

  app.get(
    '/alerts',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Alerts, newest first, paged (`next` → `after`). state=active: not closed. Admin, manager (its offices)',
        querystring: Type.Object({
          state: Type.Optional(lit('open', 'acknowledged', 'closed', 'active')),
          office: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          rule: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          after: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          limit: Limit,
        }),
        response: { 200: Type.Object({ items: Type.Array(AlertOut), next: Nullable(Type.String()) }), ...errorReplies },
      },
    },
    async (req) => {
      const { state, office, rule, after, limit } = req.query;
      const visible = await visibleOffices(store, req.principal);
      const items = await store.alerts.list(
        {
          ...(state ? { state: state as AlertFilter['state'] } : {}),
          ...(office ? { officeId: office } : {}),
          ...(rule ? { ruleId: rule } : {}),
          ...(visible ? { visible } : {}),
        },
        after,
        limit,
      );
      return { items: items.map(out), next: items.length === limit ? items[items.length - 1]!.id : null };
    },
  );
  app.get(
    '/alerts/:id',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'One alert with its comments and history (every event, oldest first)',
        params: IdParams,
        response: {
          200: Type.Object({ ...AlertOut.properties, comments: Type.Array(Comment), history: Type.Array(EventOut) }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      const alert = await loadVisible(req, req.params.id);
      return { ...out(alert), ...(await store.alerts.details(alert.id)) };
    },
  );
  app.post(
    '/alerts/:id/acknowledge',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'open → acknowledged (by the caller, now); 409 when it is not open',
        params: IdParams,
        response: { 200: AlertOut, ...errorReplies },
      },
    },
    async (req) => {
      await loadVisible(req, req.params.id);
      const r = await store.alerts.acknowledge(req.params.id, actor(req));
      if (!r.ok) throw httpError(409, `alert "${req.params.id}" is ${r.alert?.state ?? 'gone'}, not open`);
      req.log.info({ alert: r.alert.id }, 'alert acknowledged');
      return out(r.alert);
    },
  );
  app.post(
    '/alerts/:id/comments',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Comment on an alert (any state)',
        params: IdParams,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false }),
        response: { 201: Comment, ...errorReplies },
      },
    },
    async (req, reply) => {
      await loadVisible(req, req.params.id);
      if (req.body.text.trim() === '') throw httpError(400, 'body/text must not be blank');
      const c = await store.alerts.comment(req.params.id, actor(req), req.body.text);
      if (!c) throw httpError(404, `alert "${req.params.id}" not found`);
      return reply.code(201).send(c);
    },
  );
  app.post(
    '/alerts/:id/close',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Close an alert (by the caller), with an optional comment; 409 when already closed',
        params: IdParams,
        body: Type.Optional(
          Type.Object({ comment: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })) }, { additionalProperties: false }),
        ),
        response: { 200: AlertOut, ...errorReplies },
      },
    },
    async (req) => {
      await loadVisible(req, req.params.id);
      const r = await store.alerts.close(req.params.id, actor(req), req.body?.comment);
      if (!r.ok) throw httpError(409, `alert "${req.params.id}" is already closed`);
      req.log.info({ alert: r.alert.id }, 'alert closed');
      return out(r.alert);
    },
  );
  app.get(
    '/alert-events',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Alert events after an id, oldest first: the in-dashboard notifications feed (scoped)',
        querystring: Type.Object({ after: Type.Integer({ minimum: 0, default: 0 }), limit: Limit }),
        response: { 200: Type.Object({ items: Type.Array(EventOut), next: Type.Integer() }), ...errorReplies },
      },
    },
    async (req) => {
      const visible = await visibleOffices(store, req.principal);
      const items = await store.alerts.events(req.query.after, req.query.limit, visible);
      return { items, next: items.length ? items[items.length - 1]!.id : req.query.after };
    },
  );
};
