/**
 * Alert rules (docs/console.md#alerts): CRUD. Admins write any scope; a manager only rules whose scope lies
 * within its offices or regions (company-wide rules are an admin's). Rules out of scope answer 404.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { ulid } from 'ulid';
import { ruleProblems, withDefaults, type AlertRule, type AlertRuleSpec } from '../../../domain/alert-rule.js';
import { canSeeOffice, canSeeRegion, visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import type { Store } from '../../../store/store.js';
import { errorReplies } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const tags = ['alerts'];
const lit = <const T extends readonly string[]>(...values: T) => Type.Enum(values);
const minutes = (description: string) => Type.Optional(Type.Number({ minimum: 0, maximum: 43_200, description }));
const Ref = Type.String({ minLength: 1, maxLength: 64 });

export const AlertRuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    kind: lit('share', 'index', 'count', 'fleet'),
    scope: Type.Object(
      {
        level: lit('company', 'region', 'office', 'desk', 'employee'),
        id: Type.Optional(Ref),
      },
      { additionalProperties: false, description: 'fleet rules: company, office or desk (each kiosk of it is a subject)' },
    ),
    mode: Type.Optional(lit('threshold', 'statistical')),
    enabled: Type.Optional(Type.Boolean()),
    panelKind: Type.Optional(lit('staff', 'office', 'loyalty', 'any')),
    windowMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 43_200, description: 'share, count, index: the sliding window' })),
    threshold: Type.Optional(
      Type.Number({ minimum: 0, maximum: 1_000_000, description: 'share/index: a proportion 0…1; count: N presses' }),
    ),
    direction: Type.Optional(lit('negative', 'positive')),
    includeNeutral: Type.Optional(Type.Boolean({ description: 'negative share rules: neutral presses count as bad' })),
    index: Type.Optional(lit('ink-staff', 'ink-office', 'csat')),
    comparison: Type.Optional(lit('above', 'below')),
    durationMinutes: minutes('index: how long the index must stay beyond the threshold'),
    button: Type.Optional(lit('good', 'neutral', 'bad')),
    condition: Type.Optional(lit('offline', 'board-disconnected', 'backlog-growing', 'clock-unsynced')),
    forMinutes: minutes('fleet: how long the kiosk must have had the problem'),
    /** statistical: one-sided two-proportion test (default) or Bernoulli CUSUM. */
    statistic: Type.Optional(lit('test', 'cusum')),
    oddsRatio: Type.Optional(
      Type.Number({
        exclusiveMinimum: 1,
        maximum: 100,
        description: 'cusum: the shift watched for, as odds over the baseline (default 2)',
      }),
    ),
    confidence: Type.Optional(
      Type.Number({
        minimum: 0.5,
        maximum: 0.9999,
        description: 'statistical: the test’s confidence, or the CUSUM’s (limit ln 1/(1 − c))',
      }),
    ),
    baselineDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, description: 'statistical: baseline before the window' })),
    minSample: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'least counted presses in the window' })),
    autoCloseAfterMinutes: minutes('condition clear this long → the gateway closes the alert'),
  },
  { additionalProperties: false },
);
export const AlertRuleOut = Type.Object({
  ...AlertRuleBody.properties,
  id: Type.String(),
  mode: lit('threshold', 'statistical'),
  enabled: Type.Boolean(),
  officeIds: Type.Array(Type.String(), { description: 'the offices the scope covered when saved; [] = company-wide' }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  updatedAt: Type.String({ format: 'date-time' }),
});
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Whether a principal may see (and change) a rule: admins all; others only rules within their offices/regions. */
export async function canSeeRule(store: Store, req: FastifyRequest, rule: Pick<AlertRule, 'scope' | 'officeIds'>): Promise<boolean> {
  const visible = await visibleOffices(store, req.principal);
  if (visible === undefined) return true;
  if (rule.scope.level === 'region') return canSeeRegion(req.principal, rule.scope.id!);
  return rule.officeIds.length > 0 && rule.officeIds.every((o) => visible.includes(o));
}

/** The offices a scope covers, or a 400 naming what does not exist (or is outside the caller's scope). */
async function scopeOffices(store: Store, req: FastifyRequest, scope: AlertRuleSpec['scope']): Promise<string[]> {
  const missing = () => httpError(400, `scope.id: ${scope.level} "${scope.id}" not found`);
  switch (scope.level) {
    case 'company':
      if ((await visibleOffices(store, req.principal)) !== undefined) throw httpError(403, 'company-wide rules are an admin’s');
      return [];
    case 'region':
      if (!(await store.getOrg('region', scope.id!)) || !canSeeRegion(req.principal, scope.id!)) throw missing();
      return store.officesInRegions([scope.id!]);
    case 'office':
      if (!(await store.getOrg('office', scope.id!)) || !(await canSeeOffice(store, req.principal, scope.id!))) throw missing();
      return [scope.id!];
    case 'desk': {
      const desk = await store.getOrg('desk', scope.id!);
      if (!desk || !(await canSeeOffice(store, req.principal, desk.officeId))) throw missing();
      return [desk.officeId];
    }
    case 'employee': {
      const e = await store.getOrg('employee', scope.id!);
      if (!e || !(await canSeeOffice(store, req.principal, e.officeId))) throw missing();
      return e.officeId ? [e.officeId] : [];
    }
  }
}

export const alertRuleRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');

  const loadVisible = async (req: FastifyRequest, id: string): Promise<AlertRule> => {
    const rule = await store.alerts.getRule(id);
    if (!rule || !(await canSeeRule(store, req, rule))) throw httpError(404, `alert rule "${id}" not found`);
    return rule;
  };

  const save = async (req: FastifyRequest, id: string, body: Static<typeof AlertRuleBody>, existing?: AlertRule): Promise<AlertRule> => {
    const spec = withDefaults(body as AlertRuleSpec);
    const problems = ruleProblems(spec);
    if (problems.length > 0) throw httpError(400, problems.join('; '));
    const officeIds = await scopeOffices(store, req, spec.scope);
    const now = new Date().toISOString();
    const rule: AlertRule = {
      ...spec,
      id,
      officeIds,
      createdAt: existing?.createdAt ?? now,
      createdBy: existing ? existing.createdBy : (req.principal?.name ?? null),
      updatedAt: now,
    };
    await store.alerts.putRule(rule);
    req.log.info({ rule: id, kind: rule.kind, scope: rule.scope }, existing ? 'alert rule changed' : 'alert rule created');
    return rule;
  };

  app.get(
    '/alert-rules',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'List alert rules. Admin, manager (rules within its offices/regions)',
        response: { 200: Type.Object({ items: Type.Array(AlertRuleOut) }), ...errorReplies },
      },
    },
    async (req) => {
      const items: AlertRule[] = [];
      for (const rule of await store.alerts.listRules()) if (await canSeeRule(store, req, rule)) items.push(rule);
      return { items };
    },
  );
  app.get(
    '/alert-rules/:id',
    {
      onRequest: allowed,
      schema: { tags, summary: 'One alert rule', params: IdParams, response: { 200: AlertRuleOut, ...errorReplies } },
    },
    async (req) => loadVisible(req, req.params.id),
  );
  app.post(
    '/alert-rules',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Create an alert rule (share, index, count, fleet; threshold or statistical). Admin, manager (its scope)',
        body: AlertRuleBody,
        response: { 201: AlertRuleOut, ...errorReplies },
      },
    },
    async (req, reply) => reply.code(201).send(await save(req, ulid(), req.body)),
  );
  app.put(
    '/alert-rules/:id',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Replace an alert rule; its conditions start afresh, its open alerts stay. Admin, manager (its scope)',
        params: IdParams,
        body: AlertRuleBody,
        response: { 200: AlertRuleOut, ...errorReplies },
      },
    },
    async (req) => save(req, req.params.id, req.body, await loadVisible(req, req.params.id)),
  );
  app.delete(
    '/alert-rules/:id',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Delete an alert rule; its open alerts are closed by the caller, their history stays',
        params: IdParams,
        response: { 204: Type.Null(), ...errorReplies },
      },
    },
    async (req, reply) => {
      await loadVisible(req, req.params.id);
      await store.alerts.deleteRule(req.params.id, req.principal?.name ?? 'unknown');
      return reply.code(204).send(null);
    },
  );
};
