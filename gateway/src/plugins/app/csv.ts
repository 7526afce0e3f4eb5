/**
 * CSV for every list and score endpoint: routes say `config: { csv: true }`; a request with
 * `Accept: text/csv` then gets the response's table — `items`, else `buckets` — one row per element,
 * nested fields flattened to dotted column names (`scores.staff.ink.value`). One serializer, no per-route code.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig { csv?: boolean }
}

type Flat = Record<string, string | number | boolean | null>;

function flatten(value: unknown, prefix: string, out: Flat): Flat {
  if (value === null || value === undefined) out[prefix] = null;
  else if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) out[prefix] = value.join(' ');
    else value.forEach((v, i) => flatten(v, `${prefix}.${i}`, out));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = value as string | number | boolean;
  return out;
}

function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Quote what would break a row, and defuse spreadsheet formulas (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(payload: unknown): string {
  const body = payload as { items?: unknown[]; buckets?: unknown[] } | null;
  const rows = (Array.isArray(body?.items) ? body.items : Array.isArray(body?.buckets) ? body.buckets : [payload]).map((r) => flatten(r, '', {}));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [columns.map(cell).join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}

export function wantsCsv(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/csv\b/i.test(accept);
}

export function registerCsv(app: FastifyInstance): void {
  // preSerialization: only successful object payloads become CSV; errors stay JSON.
  app.addHook('preSerialization', async (req, reply, payload) => {
    if (reply.statusCode >= 400 || !req.routeOptions.config.csv || !wantsCsv(req.headers.accept)) return payload;
    reply.type('text/csv; charset=utf-8');
    reply.serializer(toCsv);
    return payload;
  });
}
