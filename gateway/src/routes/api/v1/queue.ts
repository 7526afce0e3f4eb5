/**
 * The queue system's link (key role `queue`): operators opening and closing desks become assignments (and so
 * the duty on the kiosks), tickets called and served are stored once per id — served tickets are each
 * employee's and desk's visitors. A day's served tickets can also come as a CSV file (`served.csv`): a
 * ticket served at a desk at an instant is one visitor whichever way it came, however often.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { httpError } from '../../../plugins/app/errors.js';
import type { QueueEvent } from '../../../domain/organisation.js';
import { slicer } from '../../../lib/event-loop.js';
import { rotaInstant, type RotaError } from '../../../scoring/rota.js';
import { parseServed, SERVED_COLUMNS, SERVED_MAX_ROWS, servedCsvId } from '../../../scoring/served-csv.js';
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

const CsvErrors = Type.Object({
  error: Type.String(),
  message: Type.String(),
  errors: Type.Array(Type.Object({ line: Type.Integer(), message: Type.String() })),
});
/** Errors named in the message; the rest are in `errors`. */
const SHOWN = 20;
/** A served time this far ahead of the gateway's clock is a mistake (a wrong date or zone), not clock skew. */
const FUTURE_SLACK_MS = 5 * 60_000;

export const queueRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, mqtt }) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 }, (_req, body, done) => done(null, body));

  app.post(
    '/queue/served.csv',
    {
      onRequest: guard('queue', 'admin'),
      schema: {
        tags: ['queue system'],
        summary: `Import a day's served tickets (text/csv: ${SERVED_COLUMNS.join(', ')}; served = local time of the desk's office or ISO with an offset; at most ${SERVED_MAX_ROWS} rows), all or nothing; every error with its line. A ticket served at a desk at an instant counts once, also when the events endpoint sent it too. Queue, admin`,
        consumes: ['text/csv'],
        body: Type.String({ description: 'CSV; a header line naming the columns is optional' }),
        response: {
          200: Type.Object({
            stored: Type.Integer({ description: 'served tickets new to the gateway' }),
            duplicates: Type.Integer({ description: 'served tickets already stored (this file again, or the events endpoint)' }),
          }),
          400: CsvErrors,
          401: errorReplies[401],
          403: errorReplies[403],
        },
      },
    },
    async (req, reply) => {
      const { rows, errors } = await parseServed(req.body);
      const zones = new Map<string, string | undefined>(); // desk → its office's zone (undefined: not found)
      const operators = new Map<string, boolean>();
      const events: QueueEvent[] = [];
      const now = Date.now();
      const pause = slicer();
      for (const r of rows) {
        await pause();
        if (!zones.has(r.desk)) {
          const desk = await store.getOrg('desk', r.desk);
          zones.set(r.desk, desk ? (await store.getOrg('office', desk.officeId))?.timeZone : undefined);
        }
        if (!operators.has(r.operator)) operators.set(r.operator, (await store.getOrg('employee', r.operator)) !== undefined);
        const zone = zones.get(r.desk);
        if (!zone) errors.push({ line: r.line, message: `desk: desk "${r.desk}" not found` });
        if (!operators.get(r.operator)) errors.push({ line: r.line, message: `operator: employee "${r.operator}" not found` });
        if (!zone) continue;
        const at = rotaInstant(r.served, zone);
        if (typeof at === 'string') errors.push({ line: r.line, message: `served: ${at}` });
        else if (at > now + FUTURE_SLACK_MS) errors.push({ line: r.line, message: `served: ${r.served} is in the future` });
        else
          events.push({
            id: servedCsvId(r.desk, r.ticket, at),
            type: 'served',
            deskId: r.desk,
            employeeId: r.operator,
            ticket: r.ticket,
            at,
          });
      }
      if (errors.length) return reply.code(400).send(refusal(errors.sort((a, b) => a.line - b.line)));
      const result = await store.storeServed(events);
      req.log.info(result, 'served tickets imported');
      return result;
    },
  );
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

function refusal(errors: RotaError[]) {
  return {
    error: 'Bad Request',
    message: `served tickets refused, nothing stored: ${errors
      .slice(0, SHOWN)
      .map((e) => `line ${e.line}: ${e.message}`)
      .join('; ')}${errors.length > SHOWN ? `; and ${errors.length - SHOWN} more` : ''}`,
    errors,
  };
}
