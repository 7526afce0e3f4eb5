/** Visitor and sales counts per office (or desk) per local hour or day: the denominators of ИНК, coverage, conversion. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { canSeeOffice } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../schemas.js';
import { CountPage, CountsBody, CountsQuery, OfficeParams } from '../../schemas-org.js';
import { slicer } from '../../../lib/event-loop.js';
import { formatDay, parseDate } from '../../../scoring/calendar.js';
import { dayReplacements, localDay, type PlacedEntry } from '../../../scoring/count-upload.js';
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
    app.put(
      `/offices/:officeId/${table}`,
      {
        onRequest: allowed,
        schema: {
          tags,
          summary: `Upload ${table} counts per local day or hour (all or nothing; a day entry replaces that day's hours). Admin, manager (its offices)`,
          params: OfficeParams,
          body: CountsBody,
          response: { 200: Type.Object({ stored: Type.Integer() }), ...errorReplies },
        },
      },
      async (req) => {
        const o = await office(req, req.params.officeId);
        // Every entry is checked before anything is written (all or nothing), in slices: 10 000 entries
        // over a year of local days take longer than a request may hold the event loop.
        const placed: PlacedEntry[] = [];
        const days = new Map<number, ReturnType<typeof localDay>>();
        const deskOffices = new Map<string, string | undefined>();
        const pause = slicer();
        for (const [i, e] of req.body.entries.entries()) {
          await pause();
          const day = parseDate(e.date);
          if (day === undefined) throw httpError(400, `entries[${i}].date: "${e.date}" is not a date`);
          if (e.deskId) {
            if (!deskOffices.has(e.deskId)) deskOffices.set(e.deskId, (await store.getOrg('desk', e.deskId))?.officeId);
            if (deskOffices.get(e.deskId) !== o.id)
              throw httpError(400, `entries[${i}].deskId: desk "${e.deskId}" is not in office "${o.id}"`);
          }
          let d = days.get(day);
          if (!d) days.set(day, (d = localDay(day, o.timeZone)));
          let { start, end } = d.span;
          if (e.hour !== undefined) {
            const hour = d.hours.get(e.hour);
            if (!hour)
              throw httpError(400, `entries[${i}].hour: ${e.date} ${e.hour}:00 does not exist in ${o.timeZone} (clocks skipped it)`);
            ({ start, end } = hour);
          }
          placed.push({ deskId: e.deskId ?? null, day, hourly: e.hour !== undefined, start, end, count: e.count });
        }
        await store.putCounts(table, dayReplacements(o.id, placed));
        return { stored: placed.length };
      },
    );

    app.get(
      `/offices/:officeId/${table}`,
      {
        onRequest: allowed,
        config: { csv: true },
        schema: {
          tags,
          summary: `List the office's (or a desk's) ${table} counts for local days from–to. Admin, manager (its offices)`,
          params: OfficeParams,
          querystring: CountsQuery,
          response: { 200: CountPage, ...errorReplies },
        },
      },
      async (req) => {
        const o = await office(req, req.params.officeId);
        const from = parseDate(req.query.from);
        const to = parseDate(req.query.to);
        if (from === undefined || to === undefined) throw httpError(400, 'from, to: must be real dates YYYY-MM-DD');
        const items = await store.listCounts(table, [o.id], req.query.deskId ?? null, from, to);
        const iso = (t: number) => new Date(t).toISOString();
        return {
          items: items.map((c) => ({
            officeId: c.officeId,
            deskId: c.deskId,
            start: iso(c.start),
            end: iso(c.end),
            date: formatDay(c.day),
            count: c.count,
          })),
        };
      },
    );
  }
};
