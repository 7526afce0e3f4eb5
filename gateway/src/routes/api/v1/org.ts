/** CRUD for regions, offices, desks and employees, plus company settings. Admin writes; managers read their scope. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { canSeeOffice, canSeeRegion, visibleOffices, visibleRegions } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../schemas.js';
import {
  Desk,
  DeskBody,
  DeskPage,
  Employee,
  EmployeeBody,
  EmployeePage,
  IdParams,
  Office,
  OfficeBody,
  OfficePage,
  OrgPage,
  Region,
  RegionBody,
  RegionPage,
  Settings,
  SettingsPatch,
} from '../../schemas-org.js';
import { officeOf, type OrgEntity, type OrgKind } from '../../../domain/organisation.js';
import { isTimeZone } from '../../../scoring/periods.js';
import type { Store } from '../../../store/store.js';
import type { ApiDeps } from './deps.js';

const PLURAL: Record<OrgKind, string> = { region: 'regions', office: 'offices', desk: 'desks', employee: 'employees' };
const SCHEMAS = {
  region: { item: Region, body: RegionBody, page: RegionPage },
  office: { item: Office, body: OfficeBody, page: OfficePage },
  desk: { item: Desk, body: DeskBody, page: DeskPage },
  employee: { item: Employee, body: EmployeeBody, page: EmployeePage },
};

/** Cross-entity checks of a body; throws a 400/404 naming the field. */
async function check(store: Store, kind: OrgKind, value: Record<string, unknown>, existing: OrgEntity<OrgKind> | undefined): Promise<void> {
  const exists = async (k: OrgKind, field: string) => {
    const id = value[field];
    if (typeof id === 'string' && !(await store.getOrg(k, id))) throw httpError(400, `${field}: ${k} "${id}" does not exist`);
  };
  if (kind === 'office') {
    if (!isTimeZone(value.timeZone as string))
      throw httpError(400, `timeZone: "${value.timeZone}" is not an IANA time zone (e.g. Europe/Moscow)`);
    if (
      existing &&
      (existing as { timeZone: string }).timeZone !== value.timeZone &&
      (await store.countsByDay({ level: 'office', id: existing.id }, 19700101, 99991231)).length > 0
    ) {
      throw httpError(
        409,
        `timeZone: office "${existing.id}" already has scored presses bucketed in ${(existing as { timeZone: string }).timeZone}; create a new office instead`,
      );
    }
    await exists('region', 'regionId');
  }
  if (kind === 'desk' || kind === 'employee') await exists('office', 'officeId');
  if (kind === 'desk' && existing && (existing as { officeId: string }).officeId !== value.officeId) {
    throw httpError(409, 'officeId: a desk cannot move to another office; create a new desk');
  }
}

export const orgRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const admin = guard('admin');
  // Reviewers read the organisation of their scope too: the review queue names offices, desks and employees.
  const reader = guard('admin', 'manager', 'reviewer');

  const visible = async (req: FastifyRequest, kind: OrgKind, e: OrgEntity<OrgKind>): Promise<boolean> => {
    if (kind === 'region') return canSeeRegion(req.principal, e.id);
    return canSeeOffice(store, req.principal, officeOf(kind, e));
  };

  for (const kind of Object.keys(PLURAL) as OrgKind[]) {
    const plural = PLURAL[kind];
    const { item, body, page } = SCHEMAS[kind];
    const tags = [plural];
    const notFound = (id: string) => httpError(404, `${kind} "${id}" not found`);
    const load = async (req: FastifyRequest, id: string) => {
      const e = await store.getOrg(kind, id);
      if (!e || !(await visible(req, kind, e))) throw notFound(id);
      return e;
    };

    app.get(
      `/${plural}`,
      {
        onRequest: reader,
        config: { csv: true },
        schema: {
          tags,
          summary: `List ${plural}, paged by id. Admin, manager (its scope)`,
          querystring: OrgPage,
          response: { 200: page, ...errorReplies },
        },
      },
      async (req) => {
        // Scoped in the query, so a page is never cut short by filtering after the limit.
        let scope = kind === 'region' ? visibleRegions(req.principal) : await visibleOffices(store, req.principal);
        const { office } = req.query;
        if (office !== undefined) {
          if (kind !== 'desk' && kind !== 'employee') throw httpError(400, `office: filters desks and employees, not ${plural}`);
          if (!(await store.getOrg('office', office)) || (scope && !scope.includes(office)))
            throw httpError(404, `office "${office}" not found`);
          scope = [office];
        }
        const items = await store.listOrg(kind, req.query.after, req.query.limit, scope);
        return { items, next: items.length === req.query.limit ? items[items.length - 1]!.id : null };
      },
    );

    app.get(
      `/${plural}/:id`,
      {
        onRequest: reader,
        schema: {
          tags,
          summary: `One ${kind} by id. Admin, manager (its scope)`,
          params: IdParams,
          response: { 200: item, ...errorReplies },
        },
      },
      async (req) => load(req, req.params.id),
    );

    app.post(
      `/${plural}`,
      {
        onRequest: admin,
        schema: {
          tags,
          summary: `Create ${article(kind)}. Admin`,
          body: Type.Intersect([Type.Object({ id: IdParams.properties.id }), body]),
          response: { 201: item, ...errorReplies },
        },
      },
      async (req, reply) => {
        const value = normalise(kind, req.body as Record<string, unknown>);
        await check(store, kind, value as unknown as Record<string, unknown>, undefined);
        if (!(await store.createOrg(kind, value))) throw httpError(409, `${kind} "${value.id}" already exists`);
        return reply.code(201).send(value);
      },
    );

    app.put(
      `/${plural}/:id`,
      {
        onRequest: admin,
        schema: { tags, summary: `Replace ${article(kind)}. Admin`, params: IdParams, body, response: { 200: item, ...errorReplies } },
      },
      async (req) => {
        const existing = await store.getOrg(kind, req.params.id);
        if (!existing) throw notFound(req.params.id);
        const value = normalise(kind, { ...(req.body as Record<string, unknown>), id: req.params.id });
        await check(store, kind, value as unknown as Record<string, unknown>, existing);
        await store.updateOrg(kind, value);
        return value;
      },
    );

    app.delete(
      `/${plural}/:id`,
      {
        onRequest: admin,
        schema: {
          tags,
          summary: `Delete ${article(kind)} that nothing refers to any more. Admin`,
          params: IdParams,
          response: { 204: Type.Null(), ...errorReplies },
        },
      },
      async (req, reply) => {
        const r = await store.deleteOrg(kind, req.params.id);
        if (r.result === 'missing') throw notFound(req.params.id);
        if (r.result === 'referenced')
          throw httpError(409, `${kind} "${req.params.id}" is still referenced by ${r.by}; remove those first`);
        return reply.code(204).send(null);
      },
    );
  }

  app.get(
    '/settings',
    {
      onRequest: reader,
      schema: {
        tags: ['settings'],
        summary: 'Company scoring settings: k, neutral presses, minimum sample, misuse rules. Admin, manager',
        response: { 200: Settings, ...errorReplies },
      },
    },
    async () => store.getSettings(),
  );
  const saveSettings = async (req: FastifyRequest, next: Static<typeof Settings>) => {
    const { reflagged } = await store.putSettings(next);
    if (reflagged) req.log.info({ reflagged }, 'misuse rules changed: stored presses judged again');
    return store.getSettings();
  };
  app.put(
    '/settings',
    {
      onRequest: admin,
      schema: {
        tags: ['settings'],
        summary: 'Replace the settings; new misuse rules judge every stored press again. Admin',
        body: Settings,
        response: { 200: Settings, ...errorReplies },
      },
    },
    async (req) => saveSettings(req, req.body),
  );
  app.patch(
    '/settings',
    {
      onRequest: admin,
      schema: {
        tags: ['settings'],
        summary: 'Change some settings, keeping the rest. Admin',
        body: SettingsPatch,
        response: { 200: Settings, ...errorReplies },
      },
    },
    async (req) => {
      // Unknown fields are stripped by validation (as everywhere in the API); a change of nothing is a mistake.
      if (Object.keys(req.body).length === 0)
        throw httpError(400, 'body: nothing to change; give any of k, neutralCountsAsDissatisfied, minSample, misuse');
      const current = await store.getSettings();
      const { misuse, ...rest } = req.body;
      return saveSettings(req, { ...current, ...rest, misuse: { ...current.misuse, ...misuse } });
    },
  );
};

const article = (kind: OrgKind) => `${kind === 'office' || kind === 'employee' ? 'an' : 'a'} ${kind}`;

/** Optional nullable fields become explicit nulls, so responses always carry every field. */
function normalise(kind: OrgKind, v: Record<string, unknown>): OrgEntity<OrgKind> {
  const out =
    kind === 'office'
      ? {
          id: v.id,
          name: v.name,
          timeZone: v.timeZone,
          regionId: v.regionId ?? null,
          k: v.k ?? null,
          ...(v.businessType ? { businessType: v.businessType } : {}),
        }
      : kind === 'employee'
        ? { id: v.id, name: v.name, officeId: v.officeId ?? null, ...(v.questionName ? { questionName: v.questionName } : {}) }
        : kind === 'desk'
          ? { id: v.id, officeId: v.officeId, name: v.name }
          : { id: v.id, name: v.name };
  return out as unknown as OrgEntity<OrgKind>;
}
