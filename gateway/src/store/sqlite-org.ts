/** SQLite side of `OrgStore`: organisation CRUD, assignments with re-attribution, counts, rollup queries. */
import type Database from 'better-sqlite3';
import type { PanelKind } from '../../../shared/src/index.js';
import { attributionChanges, validateAssignments, type DeskAssignment } from '../scoring/attribution.js';
import type {
  Assignment, AssignmentResult, CompanySettings, CountRow, DayRow, HourRow, OrgEntity, OrgKind, OrgStore,
  PanelBinding, PeriodCount, RankRow, Subject,
} from './org.js';
import type { Scorer } from './sqlite-scoring.js';

type Row = Record<string, unknown>;

const TABLES: Record<OrgKind, { table: string; columns: Record<string, string>; scope: string | null; refs: Array<[string, string]> }> = {
  region: { table: 'regions', columns: { id: 'id', name: 'name' }, scope: null, refs: [['offices', 'region_id']] },
  office: {
    table: 'offices', columns: { id: 'id', name: 'name', timeZone: 'time_zone', regionId: 'region_id', k: 'k' }, scope: 'id',
    refs: [['desks', 'office_id'], ['employees', 'office_id'], ['panel_bindings', 'office_id'], ['events', 'office_id']],
  },
  desk: { table: 'desks', columns: { id: 'id', officeId: 'office_id', name: 'name' }, scope: 'office_id', refs: [['assignments', 'desk_id'], ['panel_bindings', 'desk_id']] },
  employee: { table: 'employees', columns: { id: 'id', name: 'name', officeId: 'office_id' }, scope: 'office_id', refs: [['assignments', 'employee_id']] },
};

const select = (kind: OrgKind) => Object.entries(TABLES[kind].columns).map(([f, c]) => `${c} AS "${f}"`).join(', ');
const SUMS = 'sum(good) AS good, sum(neutral) AS neutral, sum(bad) AS bad, sum(excl) AS excluded';
const UNATTRIBUTED = `(kind = 'staff' AND employee_id = '') AS unattributed`;

function subjectWhere(s: Subject): { sql: string; args: unknown[] } {
  switch (s.level) {
    case 'company': return { sql: '1', args: [] };
    case 'region': return { sql: 'office_id IN (SELECT id FROM offices WHERE region_id = ?)', args: [s.id] };
    case 'office': return { sql: 'office_id = ?', args: [s.id] };
    case 'desk': return { sql: `desk_id = ? AND desk_id <> ''`, args: [s.id] };
    case 'employee': return { sql: `employee_id = ? AND employee_id <> ''`, args: [s.id] };
  }
}

const toCounts = <R extends CountRow>(r: Row): R => ({ ...r, unattributed: r.unattributed === 1 }) as unknown as R;

export abstract class SqliteOrgStore implements OrgStore {
  abstract readonly db: Database.Database;
  protected abstract scorer: Scorer;

  async getSettings(): Promise<CompanySettings> {
    return this.scorer.settings();
  }

  async putSettings(s: CompanySettings): Promise<void> {
    this.db.prepare(`UPDATE settings SET k = ?, neutral_dissatisfied = ?, min_sample = ?, lockout_ms = ?, burst_count = ?,
      burst_window_ms = ? WHERE id = 1`).run(s.k, s.neutralCountsAsDissatisfied ? 1 : 0, s.minSample, s.misuse.lockoutMs, s.misuse.burstCount, s.misuse.burstWindowMs);
    this.scorer.invalidate();
  }

  async listOrg<K extends OrgKind>(kind: K, after: string | undefined, limit: number, officeIds?: readonly string[]): Promise<OrgEntity<K>[]> {
    const t = TABLES[kind];
    const scoped = officeIds && t.scope ? ` AND ${t.scope} IN (SELECT value FROM json_each(?))` : '';
    const args: unknown[] = [after ?? ''];
    if (scoped) args.push(JSON.stringify(officeIds));
    return this.db.prepare(`SELECT ${select(kind)} FROM ${t.table} WHERE id > ?${scoped} ORDER BY id LIMIT ?`).all(...args, limit) as OrgEntity<K>[];
  }

  async getOrg<K extends OrgKind>(kind: K, id: string): Promise<OrgEntity<K> | undefined> {
    return this.db.prepare(`SELECT ${select(kind)} FROM ${TABLES[kind].table} WHERE id = ?`).get(id) as OrgEntity<K> | undefined;
  }

  async createOrg<K extends OrgKind>(kind: K, value: OrgEntity<K>): Promise<boolean> {
    const t = TABLES[kind];
    const fields = Object.keys(t.columns);
    const sql = `INSERT OR IGNORE INTO ${t.table} (${Object.values(t.columns).join(', ')}) VALUES (${fields.map(() => '?').join(', ')})`;
    const ok = this.db.prepare(sql).run(...fields.map((f) => (value as unknown as Row)[f] ?? null)).changes === 1;
    this.scorer.invalidate();
    return ok;
  }

  async updateOrg<K extends OrgKind>(kind: K, value: OrgEntity<K>): Promise<boolean> {
    const t = TABLES[kind];
    const fields = Object.keys(t.columns).filter((f) => f !== 'id');
    const sql = `UPDATE ${t.table} SET ${fields.map((f) => `${t.columns[f]} = ?`).join(', ')} WHERE id = ?`;
    const ok = this.db.prepare(sql).run(...fields.map((f) => (value as unknown as Row)[f] ?? null), value.id).changes === 1;
    this.scorer.invalidate();
    return ok;
  }

  async deleteOrg(kind: OrgKind, id: string): Promise<{ result: 'missing' | 'deleted' } | { result: 'referenced'; by: string }> {
    const t = TABLES[kind];
    return this.db.transaction(() => {
      for (const [table, column] of t.refs) {
        if (this.db.prepare(`SELECT 1 FROM ${table} WHERE ${column} = ? LIMIT 1`).get(id)) return { result: 'referenced' as const, by: table.replace('_', ' ') };
      }
      const gone = this.db.prepare(`DELETE FROM ${t.table} WHERE id = ?`).run(id).changes === 1;
      return { result: gone ? ('deleted' as const) : ('missing' as const) };
    })();
  }

  async officesInRegions(regionIds: readonly string[]): Promise<string[]> {
    return this.db.prepare('SELECT id FROM offices WHERE region_id IN (SELECT value FROM json_each(?))').pluck().all(JSON.stringify(regionIds)) as string[];
  }

  async listAssignments(filter: { deskId?: string; employeeId?: string; officeIds?: readonly string[] }, after: string | undefined, limit: number): Promise<Assignment[]> {
    const where = ['a.id > ?'];
    const args: unknown[] = [after ?? ''];
    if (filter.deskId) { where.push('a.desk_id = ?'); args.push(filter.deskId); }
    if (filter.employeeId) { where.push('a.employee_id = ?'); args.push(filter.employeeId); }
    if (filter.officeIds) { where.push('d.office_id IN (SELECT value FROM json_each(?))'); args.push(JSON.stringify(filter.officeIds)); }
    return this.db.prepare(`SELECT a.id, a.desk_id AS deskId, a.employee_id AS employeeId, a.from_ms AS "from", a.to_ms AS "to"
      FROM assignments a JOIN desks d ON d.id = a.desk_id WHERE ${where.join(' AND ')} ORDER BY a.id LIMIT ?`).all(...args, limit) as Assignment[];
  }

  async getAssignment(id: string): Promise<Assignment | undefined> {
    return this.db.prepare('SELECT id, desk_id AS deskId, employee_id AS employeeId, from_ms AS "from", to_ms AS "to" FROM assignments WHERE id = ?').get(id) as Assignment | undefined;
  }

  async putAssignment(a: Assignment): Promise<AssignmentResult> {
    return this.db.transaction((): AssignmentResult => {
      const old = this.rawAssignment(a.id);
      const related = this.db.prepare(`SELECT id, desk_id AS deskId, employee_id AS employeeId, from_ms AS "from", to_ms AS "to"
        FROM assignments WHERE (desk_id = ? OR employee_id = ?) AND id <> ? ORDER BY from_ms`).all(a.deskId, a.employeeId, a.id) as Assignment[];
      const list = [...related, a];
      const problems = validateAssignments(list).map((p) => p.replace(/assignments\[(\d+)\]/g, (_, i: string) => `assignment ${list[Number(i)]!.id}`));
      if (problems.length) return { ok: false, problems };
      const desks = [...new Set([a.deskId, ...(old ? [old.deskId] : [])])];
      const before = desks.flatMap((d) => this.scorer.assignments(d));
      this.db.prepare('INSERT OR REPLACE INTO assignments (id, desk_id, employee_id, from_ms, to_ms) VALUES (?, ?, ?, ?, ?)').run(a.id, a.deskId, a.employeeId, a.from, a.to);
      return { ok: true, assignment: a, reattributed: this.reattribute(desks, before) };
    })();
  }

  async deleteAssignment(id: string): Promise<{ reattributed: number } | undefined> {
    return this.db.transaction(() => {
      const old = this.rawAssignment(id);
      if (!old) return undefined;
      const before = this.scorer.assignments(old.deskId);
      this.db.prepare('DELETE FROM assignments WHERE id = ?').run(id);
      return { reattributed: this.reattribute([old.deskId], before) };
    })();
  }

  private rawAssignment(id: string): Assignment | undefined {
    return this.db.prepare('SELECT id, desk_id AS deskId FROM assignments WHERE id = ?').get(id) as Assignment | undefined;
  }

  /** After assignments of `desks` changed from `before`: re-attributes the presses whose employee changed. */
  private reattribute(desks: string[], before: DeskAssignment[]): number {
    this.scorer.invalidate();
    const after = desks.flatMap((d) => this.scorer.assignments(d));
    const pass = this.scorer.newPass();
    for (const span of attributionChanges(before, after)) this.scorer.reattribute(pass, span.deskId, span.from, span.to);
    return pass.finish();
  }

  async putBinding(b: PanelBinding): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO panel_bindings (kiosk_id, panel, kind, office_id, desk_id) VALUES (?, ?, ?, ?, ?)').run(b.kioskId, b.panel, b.kind, b.officeId, b.deskId);
    this.scorer.invalidate();
  }

  async deleteBinding(kioskId: string, panel: string): Promise<boolean> {
    const ok = this.db.prepare('DELETE FROM panel_bindings WHERE kiosk_id = ? AND panel = ?').run(kioskId, panel).changes === 1;
    this.scorer.invalidate();
    return ok;
  }

  async listBindings(kioskId: string): Promise<PanelBinding[]> {
    return this.db.prepare('SELECT kiosk_id AS kioskId, panel, kind, office_id AS officeId, desk_id AS deskId FROM panel_bindings WHERE kiosk_id = ? ORDER BY panel').all(kioskId) as PanelBinding[];
  }

  async putCounts(table: 'visitors' | 'sales', rows: PeriodCount[]): Promise<void> {
    // A day entry replaces the hourly entries of its day and the other way round, so nothing counts twice.
    const clear = this.db.prepare(`DELETE FROM ${table === 'sales' ? 'sales' : 'visitors'} WHERE office_id = ? AND desk_id = ? AND day = ?
      AND (end_ms - start_ms > 7200000) <> ?`);
    const put = this.db.prepare(`INSERT OR REPLACE INTO ${table === 'sales' ? 'sales' : 'visitors'} (office_id, desk_id, start_ms, end_ms, day, count) VALUES (?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const r of rows) {
        clear.run(r.officeId, r.deskId ?? '', r.day, r.end - r.start > 7_200_000 ? 1 : 0);
        put.run(r.officeId, r.deskId ?? '', r.start, r.end, r.day, r.count);
      }
    })();
  }

  async listCounts(table: 'visitors' | 'sales', officeIds: readonly string[], deskId: string | null, fromDay: number, toDay: number): Promise<PeriodCount[]> {
    const rows = this.db.prepare(`SELECT office_id AS officeId, desk_id AS deskId, start_ms AS start, end_ms AS "end", day, count
      FROM ${table === 'sales' ? 'sales' : 'visitors'} WHERE office_id IN (SELECT value FROM json_each(?)) AND desk_id = ? AND day >= ? AND day < ?
      ORDER BY office_id, start_ms`).all(JSON.stringify(officeIds), deskId ?? '', fromDay, toDay) as PeriodCount[];
    return rows.map((r) => ({ ...r, deskId: r.deskId || null }));
  }

  async countsByDay(subject: Subject, fromDay: number, toDay: number): Promise<DayRow[]> {
    const w = subjectWhere(subject);
    return (this.db.prepare(`SELECT day, kind, ${UNATTRIBUTED}, ${SUMS} FROM rollup_day WHERE ${w.sql} AND day >= ? AND day < ?
      GROUP BY day, kind, unattributed`).all(...w.args, fromDay, toDay) as Row[]).map((r) => toCounts<DayRow>(r));
  }

  async countsByHour(subject: Subject, from: number, to: number): Promise<HourRow[]> {
    const w = subjectWhere(subject);
    return (this.db.prepare(`SELECT hour_start AS hourStart, local_hour AS localHour, weekday, kind, ${UNATTRIBUTED}, ${SUMS}
      FROM rollup_hour WHERE ${w.sql} AND hour_start >= ? AND hour_start < ?
      GROUP BY hour_start, local_hour, weekday, kind, unattributed`).all(...w.args, from, to) as Row[]).map((r) => toCounts<HourRow>(r));
  }

  async breakdown(subject: Subject, range: { fromDay: number; toDay: number } | { from: number; to: number }): Promise<HourRow[]> {
    const w = subjectWhere(subject);
    const [cond, a, b] = 'fromDay' in range ? ['day >= ? AND day < ?', range.fromDay, range.toDay] : ['hour_start >= ? AND hour_start < ?', range.from, range.to];
    return (this.db.prepare(`SELECT 0 AS hourStart, local_hour AS localHour, weekday, kind, ${UNATTRIBUTED}, ${SUMS}
      FROM rollup_hour WHERE ${w.sql} AND ${cond} GROUP BY local_hour, weekday, kind, unattributed`).all(...w.args, a, b) as Row[]).map((r) => toCounts<HourRow>(r));
  }

  async rankCounts(level: 'employee' | 'office', kind: PanelKind, fromDay: number, toDay: number): Promise<RankRow[]> {
    const sql = level === 'employee'
      ? `SELECT r.*, coalesce(e.office_id, r.anyOffice) AS officeId FROM (SELECT employee_id AS id, min(office_id) AS anyOffice, ${SUMS}
         FROM rollup_day WHERE kind = ? AND day >= ? AND day < ? AND employee_id <> '' GROUP BY employee_id) r LEFT JOIN employees e ON e.id = r.id`
      : `SELECT office_id AS id, office_id AS officeId, ${SUMS} FROM rollup_day WHERE kind = ? AND day >= ? AND day < ? GROUP BY office_id`;
    return this.db.prepare(sql).all(kind, fromDay, toDay) as RankRow[];
  }

  async timeUncertain(officeIds: readonly string[]): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM events WHERE time_source = 2 AND office_id IN (SELECT value FROM json_each(?))').pluck().get(JSON.stringify(officeIds)) as number;
  }
}
