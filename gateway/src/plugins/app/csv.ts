/**
 * CSV for every list and score endpoint: routes say `config: { csv: true }`; a request with
 * `Accept: text/csv` then gets the response's table — `items`, else `buckets`, else the answer itself —
 * one row per element. The columns are fixed per endpoint, derived once from its 200 response schema
 * (nested fields as dotted names, `scores.staff.ink.value`), so the header never depends on the data:
 * absent values are empty cells. Intervals are two columns (`ci95_lo`, `ci95_hi`), lists of plain values
 * one cell joined by spaces, lists of objects one cell of JSON. Non-integer numbers are rounded to
 * 4 decimal places. One serializer, no per-route code.
 */
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    csv?: boolean;
    csvTable?: CsvTable;
  }
}

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  const?: unknown;
  enum?: unknown[];
};

interface Column {
  name: string;
  path: Array<string | number>;
  format: 'value' | 'list' | 'json';
}
export interface CsvTable {
  rows: 'items' | 'buckets' | 'self';
  columns: Column[];
}

/** Decimal places of non-integer numbers in CSV (indices, intervals, changes). */
export const CSV_DECIMALS = 4;

const isNull = (s: Schema) => s.type === 'null';
const variants = (s: Schema): Schema[] => (s.anyOf ?? s.oneOf ?? [s]).filter((v) => !isNull(v));
const isPlain = (s: Schema): boolean => {
  const vs = variants(s);
  return (
    vs.length > 0 &&
    vs.every((v) =>
      v.anyOf || v.oneOf
        ? isPlain(v)
        : v.const !== undefined ||
          v.enum !== undefined ||
          (typeof v.type === 'string' && ['string', 'number', 'integer', 'boolean'].includes(v.type)),
    )
  );
};

/** Properties of an object schema, intersections and unions of objects merged (first declaration wins the order). */
function properties(s: Schema): Record<string, Schema> | undefined {
  if (s.allOf) return Object.assign({}, ...s.allOf.map((p) => properties(p) ?? {}));
  const objects = variants(s).filter((v) => v.properties || v.allOf);
  if (objects.length === 0 || objects.length !== variants(s).length) return undefined;
  return Object.assign({}, ...objects.map((o) => (o.allOf ? properties(o) : o.properties)));
}

function columnsOf(s: Schema, path: Array<string | number>, out: Column[]): Column[] {
  const name = path.join('.');
  const props = properties(s);
  if (props) {
    for (const [key, child] of Object.entries(props)) columnsOf(child, [...path, key], out);
    return out;
  }
  const array = variants(s).find((v) => v.type === 'array');
  if (array && Array.isArray(array.items)) {
    // A [lo, hi] interval is two columns; any other tuple one column per place.
    if (path.at(-1) === 'ci95' && array.items.length === 2)
      out.push({ name: `${name}_lo`, path: [...path, 0], format: 'value' }, { name: `${name}_hi`, path: [...path, 1], format: 'value' });
    else for (const [i, item] of array.items.entries()) columnsOf(item, [...path, i], out);
    return out;
  }
  if (array) out.push({ name, path, format: array.items && !Array.isArray(array.items) && isPlain(array.items) ? 'list' : 'json' });
  else out.push({ name, path, format: isPlain(s) ? 'value' : 'json' });
  return out;
}

/** The table of a response schema: which rows, which columns. */
export function csvTable(response: unknown): CsvTable {
  const s = (response ?? {}) as Schema;
  const props = properties(s) ?? {};
  for (const rows of ['items', 'buckets'] as const) {
    const list = props[rows];
    if (list && list.type === 'array' && list.items && !Array.isArray(list.items)) return { rows, columns: columnsOf(list.items, [], []) };
  }
  return { rows: 'self', columns: columnsOf(s, [], []) };
}

function read(row: unknown, path: Array<string | number>): unknown {
  let v = row;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[key];
  }
  return v;
}

function text(v: unknown, format: Column['format']): string {
  if (v === null || v === undefined) return '';
  if (format === 'json') return JSON.stringify(v);
  if (format === 'list' && Array.isArray(v)) return v.map((x) => text(x, 'value')).join(' ');
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(CSV_DECIMALS)));
  return String(v);
}

/**
 * A cell per RFC 4180: quoted when it holds `,` `;` `"` CR or LF, so a spreadsheet whose list separator
 * is `;` (ru-RU Excel) cannot split it either. Formula guard (CSV injection): text starting with = + - @
 * tab or CR gets a leading `'`, and so does any such character that a `;`-splitting spreadsheet or a line
 * break would put at the start of a cell (after `;`, CR or LF, spaces or quotes between).
 */
function cell(value: string, isText: boolean): string {
  const safe = isText ? value.replace(/(^|[;\r\n])([ "]*)(?=[=+\-@\t\r])/g, "$1$2'") : value;
  return /[",;\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(payload: unknown, table: CsvTable): string {
  const body = payload as Record<string, unknown> | null;
  const rows = table.rows === 'self' ? [payload] : Array.isArray(body?.[table.rows]) ? (body[table.rows] as unknown[]) : [];
  const line = (cells: string[]) => cells.join(',');
  return `${[
    line(table.columns.map((c) => cell(c.name, false))),
    ...rows.map((r) =>
      line(
        table.columns.map((c) => {
          const v = read(r, c.path);
          return cell(text(v, c.format), typeof v === 'string' || c.format !== 'value');
        }),
      ),
    ),
  ].join('\r\n')}\r\n`;
}

export function wantsCsv(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/csv\b/i.test(accept);
}

export function registerCsv(app: FastifyInstance): void {
  // Each CSV route's table is worked out once, when the route is declared.
  app.addHook('onRoute', (route) => {
    if (!route.config?.csv) return;
    const response = (route.schema?.response as Record<string, unknown> | undefined)?.[200];
    if (!response) throw new Error(`${route.method} ${route.url}: a CSV route needs a 200 response schema`);
    route.config.csvTable = csvTable(response);
  });
  // preSerialization: only successful object payloads become CSV; errors stay JSON.
  app.addHook('preSerialization', async (req, reply, payload) => {
    const table = req.routeOptions.config.csvTable;
    if (reply.statusCode >= 400 || !table || !wantsCsv(req.headers.accept)) return payload;
    reply.type('text/csv; charset=utf-8');
    reply.serializer((p: unknown) => toCsv(p, table));
    return payload;
  });
}
