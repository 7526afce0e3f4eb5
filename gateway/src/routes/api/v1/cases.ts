/**
 * Cases (docs/review.md): every counted negative answer, its review and the primary localisation.
 * Admins, managers and reviewers read the cases of their scope; only a reviewer classifies (a manager is
 * not an independent expert: 403). The CRM (a `crm` key, scoped likewise) pulls the negative cases in commit
 * order (export) and posts what its survey of the customer found (follow-up): a suggestion shown to the
 * reviewer, never a classification. A case outside the caller's scope answers 404, as if it did not exist.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { EstimateSchema } from '../../../../../shared/src/index.js';
import { CAUSES, type CaseFilter, type Cause } from '../../../domain/case.js';
import { visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { parseDate, startOfDay } from '../../../scoring/calendar.js';
import { localise } from '../../../scoring/localisation.js';
import { decodeCursor } from '../../../store/cases.js';
import type { Store } from '../../../store/store.js';
import { errorReplies } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const tags = ['cases'];
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const CauseSchema = Type.Union(
  [Type.Literal('staff'), Type.Literal('office'), Type.Literal('product'), Type.Literal('customer'), Type.Literal('unknown')],
  {
    description: 'staff; office (premises, organisation, queues); product (quality, price); customer (error, expectation); unknown',
  },
);
const When = Type.String({ maxLength: 40, description: 'ISO date-time with offset, or a date YYYY-MM-DD (see docs/review.md)' });
/** Most cases one bulk classification may cover: a larger selection is refused (400), to be narrowed. */
const MAX_BULK = 10_000;

const FollowUpOut = Type.Object({
  id: Type.Integer(),
  caseId: Type.String(),
  ref: Type.String({ description: "The CRM's own reference (idempotency key of the POST)" }),
  outcome: Type.Union([Type.Literal('answered'), Type.Literal('declined'), Type.Literal('unreachable')], {
    description: 'answered: the customer answered the survey; declined; unreachable',
  }),
  answer: Nullable(Type.String({ description: "The customer's answer as the CRM recorded it" })),
  cause: Nullable(CauseSchema),
  comment: Type.String(),
  by: Type.String({ description: "The crm key's name" }),
  at: Type.String({ format: 'date-time' }),
});
const CaseOut = Type.Object({
  id: Type.String({ description: "The press's id" }),
  at: Type.String({ format: 'date-time', description: 'Press time (clock-corrected)' }),
  officeId: Type.String(),
  deskId: Nullable(Type.String()),
  employeeId: Nullable(Type.String({ description: 'Employee on duty at the desk at the press time' })),
  kind: Type.String({ description: 'Panel kind' }),
  kioskId: Type.String(),
  panel: Type.String(),
  question: Nullable(Type.String({ description: "The panel's question as its kiosk is configured now" })),
  button: Type.Union([Type.Literal('bad'), Type.Literal('neutral')]),
  reason: Nullable(Type.String({ description: 'Reason button the customer pressed after it' })),
  ticket: Nullable(Type.String({ description: 'Queue ticket the panel was armed for' })),
  status: Type.Union([Type.Literal('pending'), Type.Literal('classified')]),
  cause: Nullable(CauseSchema),
  note: Nullable(Type.String()),
  classifiedBy: Nullable(Type.String()),
  classifiedAt: Nullable(Type.String()),
  followUp: Nullable(FollowUpOut),
});
const CrmCaseOut = Type.Object({
  seq: Type.Integer({ description: 'Feed position, commit order: pass the answer’s `next` as `since`' }),
  ...CaseOut.properties,
  timeZone: Type.String({ description: "The office's IANA time zone" }),
  localAt: Type.String({ description: 'The press time in the office’s zone, ISO 8601 with offset' }),
  counted: Type.Boolean({ description: 'Still a counted case now (false: re-judged as misuse since, or neutral no longer counted)' }),
});
const Change = Type.Object({
  id: Type.Integer(),
  caseId: Type.String(),
  at: Type.String({ format: 'date-time' }),
  by: Type.String({ description: "The reviewer key's name" }),
  from: Nullable(CauseSchema),
  to: CauseSchema,
  note: Type.String(),
  batch: Nullable(Type.String({ description: 'Shared by the changes of one bulk classification' })),
});
const Selection = Type.Object({
  office: Type.Optional(Id),
  desk: Type.Optional(Id),
  employee: Type.Optional(Id),
  kind: Type.Optional(Type.Union([Type.Literal('staff'), Type.Literal('office'), Type.Literal('loyalty')])),
  from: Type.Optional(When),
  to: Type.Optional(When),
  status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('classified')])),
  cause: Type.Optional(CauseSchema),
});
const Classification = { cause: CauseSchema, note: Type.String({ maxLength: 2000, default: '' }) };
const Share = Type.Object({ n: Type.Integer(), share: Nullable(EstimateSchema) });
const LocalisationOut = Type.Object({
  officeId: Nullable(Type.String({ description: 'null: all the offices of the answer together' })),
  cases: Type.Integer(),
  classified: Type.Integer(),
  pending: Type.Integer({ description: 'Not yet classified: in no share' }),
  causes: Type.Object(Object.fromEntries(CAUSES.map((c) => [c, Share])) as Record<Cause, typeof Share>),
});

/** An instant from a date-time, or the start of a date in `zone` (UTC without an office). */
function instant(text: string, zone: string, name: string): number {
  const day = parseDate(text);
  if (day !== undefined) return startOfDay(day, zone);
  const t = /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(t)) throw httpError(400, `${name}: "${text}" is neither a date (YYYY-MM-DD) nor a date-time (ISO 8601 with offset)`);
  return t;
}

/** The filter a selection means within the caller's scope; 404 for an office outside it. */
async function filterOf(store: Store, req: FastifyRequest, s: Type.Static<typeof Selection>): Promise<CaseFilter> {
  const visible = await visibleOffices(store, req.principal);
  let zone = 'UTC';
  if (s.office) {
    const office = await store.getOrg('office', s.office);
    if (!office || (visible && !visible.includes(s.office))) throw httpError(404, `office "${s.office}" not found`);
    zone = office.timeZone;
  }
  const f: CaseFilter = {
    ...(visible ? { officeIds: visible } : {}),
    ...(s.office ? { officeId: s.office } : {}),
    ...(s.desk ? { deskId: s.desk } : {}),
    ...(s.employee ? { employeeId: s.employee } : {}),
    ...(s.kind ? { kind: s.kind } : {}),
    ...(s.status ? { status: s.status } : {}),
    ...(s.cause ? { cause: s.cause } : {}),
    ...(s.from ? { from: instant(s.from, zone, 'from') } : {}),
    ...(s.to ? { to: instant(s.to, zone, 'to') } : {}),
  };
  if (f.from !== undefined && f.to !== undefined && f.to <= f.from) throw httpError(400, 'to must be after from');
  return f;
}

export const caseRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const readers = guard('admin', 'manager', 'reviewer');
  const reviewers = guard('reviewer');
  const crm = guard('crm');
  /** Who acts: the key, by id and name (a reviewer classifying, a CRM posting a follow-up). */
  const reviewer = (req: FastifyRequest) => ({ keyId: req.principal!.keyId, name: req.principal!.name });

  const visibleCase = async (req: FastifyRequest, id: string) => {
    const visible = await visibleOffices(store, req.principal);
    const found = await store.cases.get(id, visible);
    if (!found) throw httpError(404, `case "${id}" not found`);
    return found;
  };

  app.get(
    '/cases',
    {
      onRequest: readers,
      config: { csv: true },
      schema: {
        tags,
        summary:
          'Cases (counted bad presses, and neutral ones when they count as dissatisfied) of the caller’s scope, oldest first, paged (`next` → `after`). Admin, manager, reviewer',
        querystring: Type.Object({
          ...Selection.properties,
          after: Type.Optional(Type.String({ maxLength: 40 })),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(CaseOut), next: Nullable(Type.String()) }), ...errorReplies },
      },
    },
    async (req) => {
      const { after, limit, ...selection } = req.query;
      const cursor = after === undefined ? undefined : decodeCursor(after);
      if (after !== undefined && !cursor) throw httpError(400, 'after: a `next` value of a previous page');
      return store.cases.list(await filterOf(store, req, selection), cursor, limit);
    },
  );

  app.get(
    '/cases/export',
    {
      onRequest: guard('crm', 'admin'),
      config: { csv: true },
      schema: {
        tags,
        summary:
          'The CRM’s pull: the negative cases of the caller’s scope in the order they were committed, after `since` (the `next` of the previous pull): each case once, none missed, even when presses arrive out of time order. CRM, admin',
        querystring: Type.Object({
          since: Type.String({
            pattern: '^[0-9]{1,15}$',
            default: '0',
            description: 'The `next` of the previous answer (0: from the start)',
          }),
          office: Type.Optional(Id),
          from: Type.Optional(When),
          to: Type.Optional(When),
          limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(CrmCaseOut),
            next: Type.String({ description: 'Pass as `since` next time' }),
            more: Type.Boolean({ description: 'More cases are ready now: pull again at once' }),
          }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      const { since, limit, office, from, to } = req.query;
      const f = await filterOf(store, req, { ...(office ? { office } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}) });
      return store.cases.export(f, Number(since), limit);
    },
  );

  app.get(
    '/cases/localisation',
    {
      onRequest: readers,
      config: { csv: true },
      schema: {
        tags,
        summary:
          'Primary localisation: the share of classified cases by cause, per office and in all, with 95 % Wilson intervals; pending counted beside. Admin, manager, reviewer',
        querystring: Type.Object({
          from: Type.String({ maxLength: 10, description: 'Local date YYYY-MM-DD (each office in its zone), inclusive' }),
          to: Type.String({ maxLength: 10, description: 'Local date, exclusive' }),
          office: Type.Optional(Id),
          kind: Type.Optional(Type.Union([Type.Literal('staff'), Type.Literal('office'), Type.Literal('loyalty')])),
        }),
        response: {
          200: Type.Object({
            from: Type.String(),
            to: Type.String(),
            kind: Nullable(Type.String()),
            items: Type.Array(LocalisationOut, { description: 'One per office with cases (or the office asked for)' }),
            total: LocalisationOut,
          }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      const { from, to, office, kind } = req.query;
      const fromDay = parseDate(from);
      const toDay = parseDate(to);
      if (fromDay === undefined || toDay === undefined) throw httpError(400, 'from, to: local dates YYYY-MM-DD');
      if (toDay <= fromDay) throw httpError(400, 'to must be after from');
      const visible = await visibleOffices(store, req.principal);
      const offices = (await store.listOrg('office', undefined, 1_000_000, visible)).filter((o) => !office || o.id === office);
      if (office && offices.length === 0) throw httpError(404, `office "${office}" not found`);
      const counts = await store.cases.causeCounts(
        offices.map((o) => ({ officeId: o.id, from: startOfDay(fromDay, o.timeZone), to: startOfDay(toDay, o.timeZone) })),
        kind,
      );
      const l = localise(
        offices.map((o) => o.id),
        counts,
      );
      return { from, to, kind: kind ?? null, items: l.offices.filter((o) => office || o.cases > 0), total: l.total };
    },
  );

  app.get(
    '/cases/:id',
    {
      onRequest: readers,
      schema: {
        tags,
        summary: 'One case. Admin, manager, reviewer (their scope)',
        params: Type.Object({ id: Id }),
        response: { 200: CaseOut, ...errorReplies },
      },
    },
    async (req) => visibleCase(req, req.params.id),
  );

  app.get(
    '/cases/:id/history',
    {
      onRequest: readers,
      config: { csv: true },
      schema: {
        tags,
        summary: 'Every classification of a case, oldest first: who, when, from → to, note (append-only). Admin, manager, reviewer',
        params: Type.Object({ id: Id }),
        response: {
          200: Type.Object({
            items: Type.Array(Change),
            followUps: Type.Optional(Type.Array(FollowUpOut, { description: 'What the CRM posted back, oldest first' })),
          }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      await visibleCase(req, req.params.id);
      return { items: await store.cases.history(req.params.id), followUps: await store.cases.followUps(req.params.id) };
    },
  );

  app.post(
    '/cases/:id/follow-up',
    {
      onRequest: crm,
      schema: {
        tags,
        summary:
          'The CRM posts what surveying the dissatisfied customer found: outcome, answer, the cause it points to (a suggestion for the reviewer, who classifies), comment. Idempotent on `ref`: a retry answers the stored follow-up (200), the same `ref` with another content 409. CRM only (its scope)',
        params: Type.Object({ id: Id }),
        body: Type.Object(
          {
            ref: Type.String({ minLength: 1, maxLength: 200, description: "The CRM's own reference (survey or ticket id)" }),
            outcome: FollowUpOut.properties.outcome,
            answer: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
            cause: Type.Optional(Nullable(CauseSchema)),
            comment: Type.String({ maxLength: 4000, default: '' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: FollowUpOut, 201: FollowUpOut, ...errorReplies },
      },
    },
    async (req, reply) => {
      await visibleCase(req, req.params.id);
      const { ref, outcome, answer, cause, comment } = req.body;
      const r = await store.cases.addFollowUp(
        { caseId: req.params.id, ref, outcome, answer: answer ?? null, cause: cause ?? null, comment },
        reviewer(req),
      );
      if ('conflict' in r)
        throw httpError(
          409,
          `ref "${ref}" was posted before ${r.conflict.caseId === req.params.id ? 'for this case with other content' : `for case "${r.conflict.caseId}"`}: a follow-up is never changed; post a new ref`,
        );
      if (r.created) req.log.info({ case: req.params.id, ref, outcome, cause: cause ?? null }, 'case follow-up stored');
      return reply.code(r.created ? 201 : 200).send(r.followUp);
    },
  );

  app.patch(
    '/cases/:id',
    {
      onRequest: reviewers,
      schema: {
        tags,
        summary: 'Classify one case (its cause, with a note); audited. Reviewer only (its scope)',
        params: Type.Object({ id: Id }),
        body: Type.Object(Classification, { additionalProperties: false }),
        response: { 200: CaseOut, ...errorReplies },
      },
    },
    async (req) => {
      const visible = await visibleOffices(store, req.principal);
      await visibleCase(req, req.params.id);
      await store.cases.classify({ ids: [req.params.id] }, visible, req.body.cause, req.body.note, reviewer(req), 1);
      req.log.info({ case: req.params.id, cause: req.body.cause }, 'case classified');
      return visibleCase(req, req.params.id);
    },
  );

  app.post(
    '/cases/classify',
    {
      onRequest: reviewers,
      schema: {
        tags,
        summary: `Classify a selection of cases at once — listed ids, or every case a filter matches (at most ${MAX_BULK}); each change audited. Reviewer only (its scope)`,
        body: Type.Object(
          {
            ...Classification,
            ids: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: 1000, uniqueItems: true })),
            filter: Type.Optional(Selection),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            changed: Type.Integer(),
            unchanged: Type.Integer({ description: 'Already had this cause and note' }),
            notCases: Type.Array(Type.String(), { description: 'Ids that are no case in your scope' }),
            batch: Nullable(Type.String()),
          }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      const { ids, filter, cause, note } = req.body;
      if ((ids === undefined) === (filter === undefined)) throw httpError(400, 'give either ids or filter');
      const visible = await visibleOffices(store, req.principal);
      const target = ids ? { ids } : { filter: await filterOf(store, req, filter!) };
      const r = await store.cases.classify(target, visible, cause, note, reviewer(req), MAX_BULK);
      if (!r) throw httpError(400, `the filter matches more than ${MAX_BULK} cases: narrow it (office, period, desk)`);
      req.log.info({ cause, changed: r.changed, batch: r.batch }, 'cases classified');
      return r;
    },
  );
};
