/** Desk assignments (employee at desk over [from, to)); every change re-attributes the presses it affects. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { ulid } from 'ulid';
import { canSeeOffice, visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../schemas.js';
import { Assignment, AssignmentBody, AssignmentPage, AssignmentQuery, AssignmentSaved } from '../../schemas-org.js';
import type { Assignment as AssignmentRow } from '../../../domain/organisation.js';
import type { ApiDeps } from './deps.js';

const tags = ['assignments'];
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
const out = (a: AssignmentRow) => ({ ...a, from: iso(a.from)!, to: iso(a.to) });

export const assignmentRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');

  /** The desk's office must be visible; unknown or hidden desks are 404 alike. */
  const deskOffice = async (req: FastifyRequest, deskId: string, status = 404): Promise<string> => {
    const desk = await store.getOrg('desk', deskId);
    if (!desk || !(await canSeeOffice(store, req.principal, desk.officeId))) throw httpError(status, `deskId: desk "${deskId}" not found`);
    return desk.officeId;
  };
  const loadVisible = async (req: FastifyRequest, id: string) => {
    const a = await store.getAssignment(id);
    if (!a || !(await canSeeOffice(store, req.principal, (await store.getOrg('desk', a.deskId))?.officeId ?? null))) {
      throw httpError(404, `assignment "${id}" not found`);
    }
    return a;
  };
  const save = async (req: FastifyRequest, id: string, body: { deskId: string; employeeId: string; from: string; to?: string | null }) => {
    await deskOffice(req, body.deskId, 400);
    const employee = await store.getOrg('employee', body.employeeId);
    if (!employee || !(await canSeeOffice(store, req.principal, employee.officeId ?? null))) {
      throw httpError(400, `employeeId: employee "${body.employeeId}" not found`);
    }
    const to = body.to == null ? null : Date.parse(body.to);
    const result = await store.putAssignment({ id, deskId: body.deskId, employeeId: body.employeeId, from: Date.parse(body.from), to });
    if (!result.ok) throw httpError(409, `assignment refused: ${result.problems.join('; ')}`);
    req.log.info({ assignment: id, reattributed: result.reattributed }, 'assignment saved');
    return { assignment: out(result.assignment), reattributed: result.reattributed };
  };

  app.get(
    '/assignments',
    {
      onRequest: allowed,
      config: { csv: true },
      schema: {
        tags,
        summary: 'List shift assignments (employee at desk from/to), filtered by desk or employee. Admin, manager (its offices)',
        querystring: AssignmentQuery,
        response: { 200: AssignmentPage, ...errorReplies },
      },
    },
    async (req) => {
      const { deskId, employeeId, limit, after } = req.query;
      const officeIds = await visibleOffices(store, req.principal);
      const items = await store.listAssignments(
        { ...(deskId ? { deskId } : {}), ...(employeeId ? { employeeId } : {}), ...(officeIds ? { officeIds } : {}) },
        after,
        limit,
      );
      return { items: items.map(out), next: items.length === limit ? items[items.length - 1]!.id : null };
    },
  );
  app.get(
    '/assignments/:id',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'One shift assignment. Admin, manager (its offices)',
        params: IdParams,
        response: { 200: Assignment, ...errorReplies },
      },
    },
    async (req) => out(await loadVisible(req, req.params.id)),
  );
  app.post(
    '/assignments',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Assign an employee to a desk from/to; presses in that span are re-attributed. Admin, manager (its offices)',
        body: AssignmentBody,
        response: { 201: AssignmentSaved, ...errorReplies },
      },
    },
    async (req, reply) => reply.code(201).send(await save(req, ulid(), req.body)),
  );
  app.put(
    '/assignments/:id',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Correct an assignment; presses are re-attributed. Admin, manager (its offices)',
        params: IdParams,
        body: AssignmentBody,
        response: { 200: AssignmentSaved, ...errorReplies },
      },
    },
    async (req) => {
      await loadVisible(req, req.params.id);
      return save(req, req.params.id, req.body);
    },
  );
  app.delete(
    '/assignments/:id',
    {
      onRequest: allowed,
      schema: {
        tags,
        summary: 'Delete an assignment; its presses become unattributed. Admin, manager (its offices)',
        params: IdParams,
        response: { 200: Type.Object({ reattributed: Type.Integer() }), ...errorReplies },
      },
    },
    async (req) => {
      await loadVisible(req, req.params.id);
      const r = await store.deleteAssignment(req.params.id);
      if (!r) throw httpError(404, `assignment "${req.params.id}" not found`);
      return r;
    },
  );
};
