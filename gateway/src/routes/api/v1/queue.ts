/**
 * The queue system's link (key role `queue`): operators opening and closing desks become assignments (and so
 * the duty on the kiosks), tickets called and served are stored once per id — served tickets are each
 * employee's and desk's visitors.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { httpError } from '../../../plugins/app/errors.js';
import type { QueueEvent } from '../../../domain/organisation.js';
import { errorReplies } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const QueueEventBody = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'The queue system’s id for the event; a repeat is ignored' }),
  type: Type.Union([Type.Literal('opened'), Type.Literal('closed'), Type.Literal('called'), Type.Literal('served')], {
    description: 'opened/closed: the operator opened or closed the desk; called/served: a ticket at the desk by the operator',
  }),
  deskId: Type.String({ minLength: 1, maxLength: 64 }),
  operatorId: Type.String({ minLength: 1, maxLength: 64, description: 'The operator’s employee id' }),
  ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  at: Type.String({ format: 'date-time' }),
});

export const queueRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, mqtt }) => {
  app.post(
    '/queue/events',
    {
      onRequest: guard('queue', 'admin'),
      schema: {
        tags: ['queue system'],
        summary:
          'Events from the electronic queue: desks opened/closed by operators (→ assignments), tickets called/served (→ visitors). Idempotent by id. Queue, admin',
        body: Type.Object({ events: Type.Array(QueueEventBody, { minItems: 1, maxItems: 1000 }) }),
        response: {
          200: Type.Object({ stored: Type.Integer(), duplicates: Type.Integer(), reattributed: Type.Integer() }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      const events: QueueEvent[] = [];
      const known = new Map<string, boolean>();
      const exists = async (kind: 'desk' | 'employee', id: string) => {
        const key = `${kind} ${id}`;
        if (!known.has(key)) known.set(key, (await store.getOrg(kind, id)) !== undefined);
        return known.get(key)!;
      };
      for (const [i, e] of req.body.events.entries()) {
        if (!(await exists('desk', e.deskId))) throw httpError(400, `events[${i}].deskId: desk "${e.deskId}" not found`);
        if (!(await exists('employee', e.operatorId)))
          throw httpError(400, `events[${i}].operatorId: employee "${e.operatorId}" not found`);
        if ((e.type === 'called' || e.type === 'served') && !e.ticket) throw httpError(400, `events[${i}].ticket: required for ${e.type}`);
        events.push({
          id: e.id,
          type: e.type,
          deskId: e.deskId,
          employeeId: e.operatorId,
          at: Date.parse(e.at),
          ...(e.ticket ? { ticket: e.ticket } : {}),
        });
      }
      const result = await store.applyQueueEvents(events);
      if (!result.ok) throw httpError(409, `queue events refused, nothing stored: ${result.problems.join('; ')}`);
      if (events.some((e) => e.type === 'opened' || e.type === 'closed')) await mqtt.duty.refresh();
      // Armed panels at the desks invite the press now; repeats of a stored event re-arm harmlessly.
      await mqtt.arm(events.filter((e) => e.type === 'served'));
      const { ok: _, ...out } = result;
      return out;
    },
  );
};
