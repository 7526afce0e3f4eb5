/** Visitor and sales counts per office (or desk) per local hour or day: the denominators of ИНК, coverage, conversion. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { canSeeOffice } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../../schemas.js';
import { CountPage, CountsBody, CountsQuery, OfficeParams } from '../../../schemas-org.js';
import { formatDay, parseDate, startOfDay } from '../../../scoring/calendar.js';
import { localHour, nextBucketStart, type Span } from '../../../scoring/periods.js';
import type { PeriodCount } from '../../../store/org.js';
import type { ApiDeps } from './deps.js';

const tags = ['visitors and sales'];

export const countRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const allowed = guard('admin', 'manager');
  const office = async (req: FastifyRequest, id: string) => {
    const o = await store.getOrg('office', id);
    if (!o || !(await canSeeOffice(store, req.principal, o.id))) throw httpError(404, `office "${id}" not found`);
    return o;
  };

  for (const table of ['visitors', 'sales'] as const) {
    app.put(`/offices/:officeId/${table}`, { onRequest: allowed, schema: { tags, params: OfficeParams, body: CountsBody, response: { 200: Type.Object({ stored: Type.Integer() }), ...errorReplies } } }, async (req) => {
      const o = await office(req, req.params.officeId);
      const rows: PeriodCount[] = [];
      // An upload is usually many entries for few days and desks: each day's hours and each desk are looked up once.
      const days = new Map<number, { span: Span; hours: Map<number, Span> }>();
      const deskOffices = new Map<string, string | undefined>();
      for (const [i, e] of req.body.entries.entries()) {
        const day = parseDate(e.date);
        if (day === undefined) throw httpError(400, `entries[${i}].date: "${e.date}" is not a date`);
        if (e.deskId) {
          if (!deskOffices.has(e.deskId)) deskOffices.set(e.deskId, (await store.getOrg('desk', e.deskId))?.officeId);
          if (deskOffices.get(e.deskId) !== o.id) throw httpError(400, `entries[${i}].deskId: desk "${e.deskId}" is not in office "${o.id}"`);
        }
        let d = days.get(day);
        if (!d) days.set(day, (d = localDay(day, o.timeZone)));
        let { start, end } = d.span;
        if (e.hour !== undefined) {
          const hour = d.hours.get(e.hour);
          if (!hour) throw httpError(400, `entries[${i}].hour: ${e.date} ${e.hour}:00 does not exist in ${o.timeZone} (clocks skipped it)`);
          ({ start, end } = hour);
        }
        rows.push({ officeId: o.id, deskId: e.deskId ?? null, start, end, day, count: e.count });
      }
      await store.putCounts(table, rows);
      return { stored: rows.length };
    });

    app.get(`/offices/:officeId/${table}`, { onRequest: allowed, config: { csv: true }, schema: { tags, params: OfficeParams, querystring: CountsQuery, response: { 200: CountPage, ...errorReplies } } }, async (req) => {
      const o = await office(req, req.params.officeId);
      const from = parseDate(req.query.from);
      const to = parseDate(req.query.to);
      if (from === undefined || to === undefined) throw httpError(400, 'from, to: must be real dates YYYY-MM-DD');
      const items = await store.listCounts(table, [o.id], req.query.deskId ?? null, from, to);
      const iso = (t: number) => new Date(t).toISOString();
      return { items: items.map((c) => ({ officeId: c.officeId, deskId: c.deskId, start: iso(c.start), end: iso(c.end), date: formatDay(c.day), count: c.count })) };
    });
  }
};

/** A local day's span and its clock hours (a repeated hour, when clocks go back, is its first occurrence). */
function localDay(day: number, zone: string): { span: Span; hours: Map<number, Span> } {
  const midnight = startOfDay(day, zone);
  const end = nextBucketStart(midnight, zone, 'day');
  const hours = new Map<number, Span>();
  for (let t = midnight; t < end; ) {
    const next = nextBucketStart(t, zone, 'hour');
    const hour = localHour(t, zone);
    if (!hours.has(hour)) hours.set(hour, { start: t, end: next });
    t = next;
  }
  return { span: { start: midnight, end }, hours };
}
