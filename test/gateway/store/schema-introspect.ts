/**
 * Reads the schema a migrated SQLite and a migrated PostgreSQL database actually hold, in one normalised
 * shape, so that schema-parity.test.ts can list every difference between the two hand-written migration
 * lists. Normalised: a type is its SQLite affinity (PostgreSQL's integer and bigint are both INTEGER: SQLite
 * has no widths); expressions (defaults, partial index predicates, CHECKs) lose PostgreSQL's casts and the
 * parentheses it adds everywhere; PostgreSQL's INCLUDE columns count as an index's trailing columns (SQLite's
 * covering index). Bookkeeping is left out: `schema_migrations` (SQLite's is `PRAGMA user_version`) and
 * SQLite's internal tables. Collations are not compared (docs/gateway.md, "Where the schema lives").
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';

/** One line per fact: `events.rid type` → `"INTEGER"`. A difference is a key whose values differ. */
export type Schema = Map<string, string>;

const json = (v: unknown) => JSON.stringify(v);

/** Drops PostgreSQL's casts, all parentheses and spacing, so `((employee_id <> ''::text))` reads `employee_id <> ''`. */
export function normExpr(s: string | null): string | null {
  if (s === null) return null;
  const out = s
    .replace(/::(?:text|integer|bigint|smallint|numeric|double precision|real|boolean|character varying)\b/gi, '')
    .replace(/[()]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return /^'-?\d+(\.\d+)?'$/.test(out) ? out.slice(1, -1) : out; // PostgreSQL quotes a negative number
}

/** SQLite's type affinity of a declared type (https://sqlite.org/datatype3.html, 3.1). */
function sqliteAffinity(declared: string): string {
  const t = declared.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (/CHAR|CLOB|TEXT/.test(t)) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (/REAL|FLOA|DOUB/.test(t)) return 'REAL';
  return 'NUMERIC';
}

/** A PostgreSQL type as the SQLite affinity that stores the same values; anything else stays itself, so it differs. */
const PG_AFFINITY: Record<string, string> = {
  smallint: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'INTEGER',
  text: 'TEXT',
  'character varying': 'TEXT',
  real: 'REAL',
  'double precision': 'REAL',
  bytea: 'BLOB',
  numeric: 'NUMERIC',
};

const FK_ACTIONS: Record<string, string> = { a: 'NO ACTION', r: 'RESTRICT', c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' };

interface Column {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  generated: boolean;
}
interface Index {
  table: string;
  columns: string[];
  unique: boolean;
  where: string | null;
}
interface ForeignKey {
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: string;
  onUpdate: string;
}
interface Table {
  columns: Column[];
  primaryKey: string[];
  uniques: string[][];
  foreignKeys: ForeignKey[];
  checks: string[];
}

/** The one shape both readers fill. Columns keep their order; everything else is sorted, so its order never counts. */
function toSchema(tables: Map<string, Table>, indexes: Map<string, Index>, triggers: string[]): Schema {
  const out: Schema = new Map();
  for (const [name, t] of [...tables].sort(([a], [b]) => a.localeCompare(b))) {
    out.set(`table ${name}`, json(t.columns.map((c) => c.name)));
    for (const c of t.columns) {
      out.set(`${name}.${c.name} type`, json(c.type));
      out.set(`${name}.${c.name} not null`, json(c.notNull));
      out.set(`${name}.${c.name} default`, json(c.default));
      out.set(`${name}.${c.name} generated`, json(c.generated));
    }
    out.set(`${name} primary key`, json(t.primaryKey));
    out.set(`${name} unique`, json(t.uniques.map((u) => u.join(',')).sort()));
    out.set(`${name} foreign keys`, json(t.foreignKeys.map((f) => json(f)).sort()));
    out.set(`${name} checks`, json([...t.checks].sort()));
  }
  for (const [name, i] of [...indexes].sort(([a], [b]) => a.localeCompare(b))) out.set(`index ${name}`, json(i));
  out.set('triggers', json([...triggers].sort()));
  return out;
}

/** The bodies of a CREATE TABLE's CHECK constraints (SQLite keeps the statement's text, ALTERs folded in). */
function checksOf(createSql: string): string[] {
  const out: string[] = [];
  for (const m of createSql.matchAll(/\bCHECK\s*\(/gi)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    for (; i < createSql.length && depth > 0; i++) depth += createSql[i] === '(' ? 1 : createSql[i] === ')' ? -1 : 0;
    out.push(normExpr(createSql.slice(start, i - 1))!);
  }
  return out;
}

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}
const primaryKeyOf = (info: SqliteColumn[]) =>
  info
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);

export function sqliteSchema(db: Database.Database): Schema {
  const tables = new Map<string, Table>();
  const indexes = new Map<string, Index>();
  type Entry = { type: string; name: string; sql: string | null };
  const objects = db.prepare(`SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).all() as Entry[];
  const sqlOf = new Map(objects.map((o) => [o.name, o.sql ?? '']));
  for (const { name, sql } of objects.filter((o) => o.type === 'table')) {
    const withoutRowid = /\)\s*WITHOUT\s+ROWID\s*;?\s*$/i.test(sql!);
    const info = db.pragma(`table_xinfo("${name}")`) as SqliteColumn[];
    const primaryKey = primaryKeyOf(info);
    // INTEGER PRIMARY KEY of a rowid table is the rowid: never NULL, assigned when not given.
    const rowidAlias =
      !withoutRowid && primaryKey.length === 1 ? info.find((c) => c.pk === 1 && c.type.toUpperCase() === 'INTEGER')?.name : undefined;
    const columns = info.map((c) => ({
      name: c.name,
      type: sqliteAffinity(c.type),
      // A rowid table's other PRIMARY KEY columns admit NULL unless declared NOT NULL (an old SQLite quirk).
      notNull: c.notnull === 1 || c.name === rowidAlias || (c.pk > 0 && withoutRowid),
      default: normExpr(c.dflt_value),
      generated: c.name === rowidAlias,
    }));
    const uniques: string[][] = [];
    for (const ix of db.pragma(`index_list("${name}")`) as Array<{ name: string; unique: number; origin: string; partial: number }>) {
      const cols = (db.pragma(`index_xinfo("${ix.name}")`) as Array<{ name: string | null; key: number; desc: number }>)
        .filter((c) => c.key === 1)
        .map((c) => (c.name ?? '<expression>') + (c.desc ? ' DESC' : '')); // an expression index: read its SQL then
      if (ix.origin === 'u') uniques.push(cols);
      else if (ix.origin === 'c') {
        const where = ix.partial ? normExpr(/\bWHERE\b([\s\S]*)$/i.exec(sqlOf.get(ix.name)!)![1]!) : null;
        indexes.set(ix.name, { table: name, columns: cols, unique: ix.unique === 1, where });
      } // origin 'pk': the primary key, recorded above
    }
    type FkRow = { id: number; table: string; from: string; to: string | null; on_update: string; on_delete: string };
    const fkRows = db.pragma(`foreign_key_list("${name}")`) as FkRow[];
    const foreignKeys = [...new Set(fkRows.map((r) => r.id))].map((id) => {
      const rows = fkRows.filter((r) => r.id === id);
      const ref = rows[0]!;
      return {
        columns: rows.map((r) => r.from),
        refTable: ref.table,
        // REFERENCES t without columns means t's primary key
        refColumns: rows.every((r) => r.to !== null)
          ? rows.map((r) => r.to!)
          : primaryKeyOf(db.pragma(`table_info("${ref.table}")`) as SqliteColumn[]),
        onDelete: ref.on_delete,
        onUpdate: ref.on_update,
      };
    });
    tables.set(name, { columns, primaryKey, uniques, foreignKeys, checks: checksOf(sql!) });
  }
  return toSchema(
    tables,
    indexes,
    objects.filter((o) => o.type === 'trigger').map((o) => o.name),
  );
}

/** SQL for the names of table `rel`'s columns numbered in `cols` (an int2[] of attnums), in that order. */
const attnames = (cols: string, rel: string) => `ARRAY(SELECT a.attname::text FROM unnest(${cols}) WITH ORDINALITY u(n, i)
  JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = u.n ORDER BY u.i)`;

export async function pgSchema(client: pg.ClientBase): Promise<Schema> {
  const inSchema = `c.relnamespace = current_schema()::regnamespace AND c.relname <> 'schema_migrations'`;
  const cols = await client.query<{ tbl: string; name: string; type: string; notnull: boolean; dflt: string | null; identity: string }>(`
    SELECT c.relname AS tbl, a.attname AS name, format_type(a.atttypid, NULL) AS type, a.attnotnull AS notnull,
      pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS identity
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
    WHERE c.relkind IN ('r', 'p') AND ${inSchema} ORDER BY c.relname, a.attnum`);
  type Constraint = {
    tbl: string;
    type: string;
    cols: string[];
    ref: string | null;
    refcols: string[];
    upd: string;
    del: string;
    def: string;
  };
  const cons = await client.query<Constraint>(`
    SELECT c.relname AS tbl, k.contype AS type, ${attnames('k.conkey', 'k.conrelid')} AS cols,
      r.relname AS ref, ${attnames('k.confkey', 'k.confrelid')} AS refcols, k.confupdtype AS upd, k.confdeltype AS del,
      pg_get_constraintdef(k.oid) AS def
    FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_class r ON r.oid = k.confrelid
    WHERE ${inSchema}`);
  const idx = await client.query<{ tbl: string; name: string; unique: boolean; cols: string[]; options: number[]; pred: string | null }>(`
    SELECT c.relname AS tbl, i.relname AS name, x.indisunique AS unique,
      ARRAY(SELECT pg_get_indexdef(x.indexrelid, n, true) FROM generate_series(1, x.indnatts) n) AS cols,
      x.indoption::int2[] AS options, pg_get_expr(x.indpred, x.indrelid) AS pred
    FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
    WHERE ${inSchema} AND NOT EXISTS (
      SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))`);
  const trg = await client.query<{ name: string }>(`
    SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND ${inSchema}`);

  const tables = new Map<string, Table>();
  for (const r of cols.rows) {
    let t = tables.get(r.tbl);
    if (!t) tables.set(r.tbl, (t = { columns: [], primaryKey: [], uniques: [], foreignKeys: [], checks: [] }));
    const serial = r.dflt?.startsWith('nextval(') ?? false;
    t.columns.push({
      name: r.name,
      type: PG_AFFINITY[r.type] ?? r.type,
      notNull: r.notnull,
      default: serial ? null : normExpr(r.dflt),
      generated: r.identity !== '' || serial,
    });
  }
  for (const k of cons.rows) {
    const t = tables.get(k.tbl)!;
    if (k.type === 'p') t.primaryKey = k.cols;
    else if (k.type === 'u') t.uniques.push(k.cols);
    else if (k.type === 'c') t.checks.push(normExpr(k.def.replace(/^CHECK\s*/, ''))!);
    else if (k.type === 'f') {
      const [onDelete, onUpdate] = [FK_ACTIONS[k.del]!, FK_ACTIONS[k.upd]!];
      t.foreignKeys.push({ columns: k.cols, refTable: k.ref!, refColumns: k.refcols, onDelete, onUpdate });
    } else t.checks.push(`${k.type}: ${k.def}`); // a kind of constraint SQLite has not: always a difference
  }
  const indexes = new Map<string, Index>();
  for (const i of idx.rows) {
    indexes.set(i.name, {
      table: i.tbl,
      columns: i.cols.map((c, n) => c + ((i.options[n] ?? 0) & 1 ? ' DESC' : '')),
      unique: i.unique,
      where: normExpr(i.pred),
    });
  }
  return toSchema(
    tables,
    indexes,
    trg.rows.map((t) => t.name),
  );
}

/** Every fact that is not the same on both, as `what: SQLite …, PostgreSQL …`. */
export function schemaDifferences(sqlite: Schema, postgres: Schema): string[] {
  const keys = [...new Set([...sqlite.keys(), ...postgres.keys()])];
  return keys
    .filter((k) => sqlite.get(k) !== postgres.get(k))
    .map((k) => `${k}: SQLite ${sqlite.get(k) ?? '(none)'}, PostgreSQL ${postgres.get(k) ?? '(none)'}`);
}
