/**
 * The organisation in SQL both databases run: settings, regions, offices, desks, employees, assignments
 * (with re-attribution) and panel bindings. Every change is an organisation change (`orgChange`), which
 * other gateways' scorers notice; what it means for stored presses the scoring core decides.
 */
import { attributionChanges, validateAssignments } from '../scoring/attribution.js';
import { dayOf } from '../scoring/calendar.js';
import type { RotaError } from '../scoring/rota.js';
import type { Assignment, CompanySettings, DeskAssignment, OrgEntity, OrgKind, PanelBinding, QueueEvent } from '../domain/organisation.js';
import { ulid } from 'ulid';
import type { DayCounts } from '../domain/score.js';
import { nextTurn } from '../lib/event-loop.js';
import { testOnlyFault } from '../lib/test-fault.js';
import { feedLateCases, feedNeutralCases } from './negative-feed.js';
import type { CountUploads } from './count-uploads.js';
import { SqlScoreReads } from './score-reads.js';
import type { ScoringStore } from './scoring-store.js';
import { all, get, inList, run, value, type Q, type Row, type SqlDriver } from './sql.js';
import type { AssignmentResult, ImportResult, OrgStore, QueueResult } from './store.js';

const TABLES: Record<OrgKind, { table: string; columns: Record<string, string>; scope: string | null; refs: Array<[string, string]> }> = {
  region: { table: 'regions', columns: { id: 'id', name: 'name' }, scope: 'id', refs: [['offices', 'region_id']] },
  office: {
    table: 'offices',
    columns: { id: 'id', name: 'name', timeZone: 'time_zone', regionId: 'region_id', k: 'k', businessType: 'business_type' },
    scope: 'id',
    refs: [
      ['desks', 'office_id'],
      ['employees', 'office_id'],
      ['panel_bindings', 'office_id'],
      ['events', 'office_id'],
    ],
  },
  desk: {
    table: 'desks',
    columns: { id: 'id', officeId: 'office_id', name: 'name' },
    scope: 'office_id',
    refs: [
      ['assignments', 'desk_id'],
      ['panel_bindings', 'desk_id'],
    ],
  },
  employee: {
    table: 'employees',
    columns: { id: 'id', name: 'name', officeId: 'office_id', questionName: 'question_name' },
    scope: 'office_id',
    refs: [['assignments', 'employee_id']],
  },
};

const select = (kind: OrgKind) =>
  Object.entries(TABLES[kind].columns)
    .map(([f, c]) => `${c} AS "${f}"`)
    .join(', ');
/** Optional columns are left out of an entity when NULL (an employee without a question name has none). */
const OPTIONAL = ['questionName', 'businessType'];
function tidy<T>(row: T | undefined): T | undefined {
  if (row) for (const f of OPTIONAL) if ((row as Row)[f] === null) delete (row as Row)[f];
  return row;
}
const ASSIGNMENT = 'id, desk_id AS "deskId", employee_id AS "employeeId", from_ms AS "from", to_ms AS "to"';

export abstract class SqlOrgStore extends SqlScoreReads implements OrgStore {
  abstract override readonly driver: SqlDriver;
  protected abstract scoring: ScoringStore;
  protected abstract override countUploads: CountUploads;

  /**
   * An organisation change: one transaction that first bumps org_rev (see ScoringStore.changeOrg).
   * Afterwards this gateway's scorer forgets what it held too: it was loaded before the change was written.
   */
  protected async orgChange<T>(work: () => Q<T>): Promise<T> {
    const scoring = this.scoring;
    try {
      return await this.driver.transaction(function* () {
        yield* scoring.changeOrg();
        return yield* work();
      });
    } finally {
      scoring.scorer.invalidate();
    }
  }

  async getSettings(): Promise<CompanySettings> {
    const scoring = this.scoring;
    return this.driver.query(function* () {
      yield* scoring.sync();
      return scoring.scorer.settings();
    });
  }

  async putSettings(s: CompanySettings): Promise<{ reflagged: number }> {
    const old = await this.getSettings();
    const before = old.misuse;
    // Neutral presses counting from now: the CRM's feed takes the stored ones from the start (a cursor in
    // settings, cleared when they stop counting).
    const neutralFeed = s.neutralCountsAsDissatisfied ? (old.neutralCountsAsDissatisfied ? 'crm_neutral_after' : '0') : 'NULL';
    const same =
      before.lockoutMs === s.misuse.lockoutMs &&
      before.burstCount === s.misuse.burstCount &&
      before.burstWindowMs === s.misuse.burstWindowMs;
    // New misuse rules: every stored press is judged again, from the first kiosk (a cursor in settings).
    await this.orgChange(() =>
      run(
        `UPDATE settings SET k = ?, neutral_dissatisfied = ?, min_sample = ?, lockout_ms = ?, burst_count = ?,
      burst_window_ms = ?, crm_neutral_after = ${neutralFeed}, rejudge_after = ${same ? 'rejudge_after' : "''"} WHERE id = 1`,
        s.k,
        s.neutralCountsAsDissatisfied ? 1 : 0,
        s.minSample,
        s.misuse.lockoutMs,
        s.misuse.burstCount,
        s.misuse.burstWindowMs,
      ),
    );
    const reflagged = await this.rejudge();
    await this.feedNeutralCases();
    return { reflagged };
  }

  /**
   * Feeds the CRM the stored neutral presses that became cases (neutralCountsAsDissatisfied switched on),
   * from the cursor in settings: a chunk per transaction, each moving the cursor with the rows it feeds, a
   * turn of the event loop between chunks (ingest gets its turns). Run after a settings change, and at start
   * (a gateway stopped half-way carries on). Returns how many presses it fed.
   */
  async feedNeutralCases(chunk = 2000): Promise<number> {
    const driver = this.driver;
    let fed = 0;
    for (;;) {
      const step = await driver.transaction(function* () {
        const at = yield* get<{ after: number | null }>(`SELECT crm_neutral_after AS after FROM settings WHERE id = 1${driver.forUpdate}`);
        if (at?.after === null || at?.after === undefined) return null;
        const r = yield* feedNeutralCases(driver, Number(at.after), chunk);
        yield* run('UPDATE settings SET crm_neutral_after = ? WHERE id = 1', r.next);
        return r;
      });
      if (!step) return fed;
      fed += step.fed;
      if (step.next === null) return fed;
      testOnlyFault('kill-while-feeding-neutrals');
      await nextTurn();
    }
  }

  /**
   * New misuse rules judge every stored press again, so no score mixes two rule sets. One panel per
   * transaction (each an organisation change, so other gateways drop their cached panel states), with a
   * turn of the event loop between panels: on SQLite each transaction runs on the loop, and ingest must
   * get its turns. (A single panel is still one transaction: about 5 ms per 1 000 of its presses.) Kiosks in
   * id order from the cursor in settings, moved past each kiosk once its panels are done: run after a
   * settings change, and at start (a gateway stopped half-way carries on; a kiosk judged again is harmless).
   * Returns the presses whose flag changed.
   */
  async rejudge(): Promise<number> {
    const scoring = this.scoring;
    const driver = this.driver;
    const cursor = await driver.query(() => value<string | null>('SELECT rejudge_after FROM settings WHERE id = 1'));
    if (cursor === null || cursor === undefined) return 0;
    // The cursor moves only while these are still the rules: a newer change restarts it and carries on itself.
    const m = (await this.getSettings()).misuse;
    const move = (to: string | null) =>
      driver.transaction(() =>
        run(
          'UPDATE settings SET rejudge_after = ? WHERE id = 1 AND lockout_ms = ? AND burst_count = ? AND burst_window_ms = ?',
          to,
          m.lockoutMs,
          m.burstCount,
          m.burstWindowMs,
        ),
      );
    const kiosks = await driver.query(() => all<{ id: string }>('SELECT id FROM kiosks WHERE id > ? ORDER BY id', cursor));
    let changed = 0;
    for (const k of kiosks) {
      await nextTurn();
      const panels = await driver.query(() =>
        all<{ panel: string }>('SELECT DISTINCT panel FROM events WHERE kiosk_id = ? AND t IS NOT NULL', k.id),
      );
      for (const p of panels) {
        await nextTurn();
        changed += await this.orgChange(function* () {
          const pass = scoring.newPass();
          pass.reflagWhole(k.id, p.panel);
          yield* scoring.finish(pass);
          // Presses whose misuse flag the new rules lifted may be cases now: the CRM's feed takes them.
          yield* feedLateCases(driver, pass.startedCounting(), scoring.scorer.settings().neutralCountsAsDissatisfied);
          return pass.reflagged;
        });
      }
      if ((await move(k.id)) === 0) return changed;
      testOnlyFault('kill-while-rejudging');
    }
    await move(null);
    return changed;
  }

  async listOrg<K extends OrgKind>(
    kind: K,
    after: string | undefined,
    limit: number,
    visible?: readonly string[],
  ): Promise<OrgEntity<K>[]> {
    const t = TABLES[kind];
    const scope = visible && t.scope ? inList(t.scope, visible) : { sql: '1 = 1', args: [] };
    const rows = await this.driver.query(() =>
      all<OrgEntity<K>>(
        `SELECT ${select(kind)} FROM ${t.table} WHERE id > ? AND ${scope.sql} ORDER BY id LIMIT ?`,
        after ?? '',
        ...scope.args,
        limit,
      ),
    );
    return rows.map((r) => tidy(r)!);
  }

  async getOrg<K extends OrgKind>(kind: K, id: string): Promise<OrgEntity<K> | undefined> {
    return tidy(await this.driver.query(() => get<OrgEntity<K>>(`SELECT ${select(kind)} FROM ${TABLES[kind].table} WHERE id = ?`, id)));
  }

  async createOrg<K extends OrgKind>(kind: K, v: OrgEntity<K>): Promise<boolean> {
    const t = TABLES[kind];
    const fields = Object.keys(t.columns);
    const sql = `INSERT INTO ${t.table} (${Object.values(t.columns).join(', ')}) VALUES (${fields.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`;
    return (await this.orgChange(() => run(sql, ...fields.map((f) => (v as unknown as Row)[f] ?? null)))) === 1;
  }

  async updateOrg<K extends OrgKind>(kind: K, v: OrgEntity<K>): Promise<boolean> {
    const t = TABLES[kind];
    const fields = Object.keys(t.columns).filter((f) => f !== 'id');
    const sql = `UPDATE ${t.table} SET ${fields.map((f) => `${t.columns[f]} = ?`).join(', ')} WHERE id = ?`;
    return (await this.orgChange(() => run(sql, ...fields.map((f) => (v as unknown as Row)[f] ?? null), v.id))) === 1;
  }

  async deleteOrg(kind: OrgKind, id: string): Promise<{ result: 'missing' | 'deleted' } | { result: 'referenced'; by: string }> {
    const t = TABLES[kind];
    return this.orgChange(function* () {
      for (const [table, column] of t.refs) {
        if (yield* get(`SELECT 1 AS x FROM ${table} WHERE ${column} = ? LIMIT 1`, id))
          return { result: 'referenced' as const, by: table.replace('_', ' ') };
      }
      const gone = (yield* run(`DELETE FROM ${t.table} WHERE id = ?`, id)) === 1;
      return { result: gone ? ('deleted' as const) : ('missing' as const) };
    });
  }

  async officesInRegions(regionIds: readonly string[]): Promise<string[]> {
    const regions = inList('region_id', regionIds);
    const rows = await this.driver.query(() => all<{ id: string }>(`SELECT id FROM offices WHERE ${regions.sql}`, ...regions.args));
    return rows.map((r) => r.id);
  }

  async listAssignments(
    filter: { deskId?: string; employeeId?: string; officeIds?: readonly string[] },
    after: string | undefined,
    limit: number,
  ): Promise<Assignment[]> {
    const where = ['a.id > ?'];
    const args: unknown[] = [after ?? ''];
    if (filter.deskId) {
      where.push('a.desk_id = ?');
      args.push(filter.deskId);
    }
    if (filter.employeeId) {
      where.push('a.employee_id = ?');
      args.push(filter.employeeId);
    }
    if (filter.officeIds) {
      const offices = inList('d.office_id', filter.officeIds);
      where.push(offices.sql);
      args.push(...offices.args);
    }
    return this.driver.query(() =>
      all<Assignment>(
        `SELECT a.id, a.desk_id AS "deskId", a.employee_id AS "employeeId", a.from_ms AS "from", a.to_ms AS "to"
      FROM assignments a JOIN desks d ON d.id = a.desk_id WHERE ${where.join(' AND ')} ORDER BY a.id LIMIT ?`,
        ...args,
        limit,
      ),
    );
  }

  async getAssignment(id: string): Promise<Assignment | undefined> {
    return this.driver.query(() => get<Assignment>(`SELECT ${ASSIGNMENT} FROM assignments WHERE id = ?`, id));
  }

  async putAssignment(a: Assignment): Promise<AssignmentResult> {
    const scoring = this.scoring;
    return this.orgChange(function* (): Q<AssignmentResult> {
      const old = yield* get<Assignment>(`SELECT ${ASSIGNMENT} FROM assignments WHERE id = ?`, a.id);
      const related = yield* all<Assignment>(
        `SELECT ${ASSIGNMENT} FROM assignments
        WHERE (desk_id = ? OR employee_id = ?) AND id <> ? ORDER BY from_ms`,
        a.deskId,
        a.employeeId,
        a.id,
      );
      const list = [...related, a];
      const problems = validateAssignments(list).map((p) =>
        p.replace(/assignments\[(\d+)\]/g, (_, i: string) => `assignment ${list[Number(i)]!.id}`),
      );
      if (problems.length) return { ok: false, problems };
      const desks = [...new Set([a.deskId, ...(old ? [old.deskId] : [])])];
      const before = yield* assignmentsOf(scoring, desks);
      yield* run(
        `INSERT INTO assignments (id, desk_id, employee_id, from_ms, to_ms) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET desk_id = excluded.desk_id, employee_id = excluded.employee_id,
        from_ms = excluded.from_ms, to_ms = excluded.to_ms`,
        a.id,
        a.deskId,
        a.employeeId,
        a.from,
        a.to,
      );
      return { ok: true, assignment: a, reattributed: yield* reattribute(scoring, desks, before) };
    });
  }

  async importAssignments(list: ReadonlyArray<Assignment & { line: number }>): Promise<ImportResult> {
    const scoring = this.scoring;
    const desks = [...new Set(list.map((a) => a.deskId))];
    const employees = [...new Set(list.map((a) => a.employeeId))];
    return this.orgChange(function* (): Q<ImportResult> {
      const byDesk = inList('desk_id', desks);
      const byEmployee = inList('employee_id', employees);
      const existing = yield* all<Assignment>(
        `SELECT ${ASSIGNMENT} FROM assignments WHERE ${byDesk.sql} OR ${byEmployee.sql} ORDER BY from_ms`,
        ...byDesk.args,
        ...byEmployee.args,
      );
      // A row already stored as it is (the same file imported again) is left alone, not refused as an overlap.
      const same = (a: Assignment, b: Assignment) =>
        a.deskId === b.deskId && a.employeeId === b.employeeId && a.from === b.from && a.to === b.to;
      const fresh = list.filter((a) => !existing.some((e) => same(e, a)));
      const all_ = [...existing, ...fresh];
      const name = (i: number) => (i < existing.length ? `assignment ${existing[i]!.id}` : `line ${fresh[i - existing.length]!.line}`);
      const problems: RotaError[] = validateAssignments(all_).map((p) => {
        const indexes = [...p.matchAll(/assignments\[(\d+)\]/g)].map((m) => Number(m[1]));
        const mine = indexes.find((i) => i >= existing.length) ?? existing.length;
        const text = p
          .replace(/^assignments\[\d+\](\.\w+)?: /, (_, f: string | undefined) => (f ? `${f.slice(1)}: ` : ''))
          .replace(/assignments\[(\d+)\]/g, (_, i: string) => name(Number(i)));
        return { line: fresh[mine - existing.length]?.line ?? 0, message: text };
      });
      if (problems.length) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
      const before = yield* assignmentsOf(scoring, desks);
      for (const a of fresh) {
        yield* run(
          'INSERT INTO assignments (id, desk_id, employee_id, from_ms, to_ms) VALUES (?, ?, ?, ?, ?)',
          a.id,
          a.deskId,
          a.employeeId,
          a.from,
          a.to,
        );
      }
      return {
        ok: true,
        created: fresh.length,
        unchanged: list.length - fresh.length,
        reattributed: yield* reattribute(scoring, desks, before),
      };
    });
  }

  async applyQueueEvents(events: readonly QueueEvent[]): Promise<QueueResult> {
    const scoring = this.scoring;
    const desks = [...new Set(events.map((e) => e.deskId))];
    const employees = [...new Set(events.map((e) => e.employeeId))];
    const received = new Date().toISOString();
    try {
      return await this.orgChange(function* (): Q<QueueResult> {
        const byDesk = inList('desk_id', desks);
        const byEmployee = inList('employee_id', employees);
        const related = function* () {
          return yield* all<Assignment>(
            `SELECT ${ASSIGNMENT} FROM assignments WHERE ${byDesk.sql} OR ${byEmployee.sql} ORDER BY from_ms`,
            ...byDesk.args,
            ...byEmployee.args,
          );
        };
        const before = yield* assignmentsOf(scoring, desks);
        let stored = 0;
        const places: Places = new Map();
        // In time order: a batch may hold a desk's whole day, opened and closed and opened again.
        for (const e of [...events].sort((a, b) => a.at - b.at)) {
          if (!(yield* recordQueueEvent(e, received, places))) continue; // the same id, or the same served ticket told again
          stored++;
          if (e.type === 'opened') {
            const open = yield* get(
              'SELECT 1 AS x FROM assignments WHERE desk_id = ? AND employee_id = ? AND to_ms IS NULL AND from_ms <= ?',
              e.deskId,
              e.employeeId,
              e.at,
            );
            if (open) continue; // told twice under different ids: still the same shift
            // Whoever held the desk, and wherever the operator was, ends now: queue systems miss "closed" events.
            yield* run(
              'UPDATE assignments SET to_ms = ? WHERE (desk_id = ? OR employee_id = ?) AND to_ms IS NULL AND from_ms < ?',
              e.at,
              e.deskId,
              e.employeeId,
              e.at,
            );
            yield* run(
              'INSERT INTO assignments (id, desk_id, employee_id, from_ms, to_ms) VALUES (?, ?, ?, ?, NULL)',
              ulid(),
              e.deskId,
              e.employeeId,
              e.at,
            );
          } else if (e.type === 'closed') {
            yield* run(
              'UPDATE assignments SET to_ms = ? WHERE desk_id = ? AND employee_id = ? AND to_ms IS NULL AND from_ms < ?',
              e.at,
              e.deskId,
              e.employeeId,
              e.at,
            );
          }
        }
        const list = yield* related();
        const problems = validateAssignments(list).map((p) =>
          p.replace(/assignments\[(\d+)\]/g, (_, i: string) => `assignment ${list[Number(i)]!.id}`),
        );
        if (problems.length) throw new QueueConflict(problems);
        return { ok: true, stored, duplicates: events.length - stored, reattributed: yield* reattribute(scoring, desks, before) };
      });
    } catch (err) {
      if (err instanceof QueueConflict) return { ok: false, problems: err.problems };
      throw err;
    }
  }

  async storeServed(events: readonly QueueEvent[]): Promise<{ stored: number; duplicates: number }> {
    // Served tickets change no assignment and no attribution: no organisation change, and on SQLite (which
    // writes on the event loop) a few hundred per transaction with turns between, not one long hold.
    const places: Places = new Map();
    const received = new Date().toISOString();
    // A ticket is two or three statements: 100 per SQLite transaction keeps each turn near 20 ms of CPU.
    const max = this.driver.maxRowsPerTransaction;
    const size = Math.min(Number.isFinite(max) ? Math.min(max, SERVED_PER_TRANSACTION) : max, events.length) || 1;
    let stored = 0;
    for (let i = 0; i < events.length; i += size) {
      if (i > 0) await nextTurn();
      const chunk = events.slice(i, i + size);
      stored += await this.driver.transaction(function* () {
        let n = 0;
        for (const e of chunk) if (yield* recordQueueEvent(e, received, places)) n++;
        return n;
      });
    }
    return { stored, duplicates: events.length - stored };
  }

  async deleteAssignment(id: string): Promise<{ reattributed: number } | undefined> {
    const scoring = this.scoring;
    return this.orgChange(function* () {
      const old = yield* get<Assignment>(`SELECT ${ASSIGNMENT} FROM assignments WHERE id = ?`, id);
      if (!old) return undefined;
      const before = yield* assignmentsOf(scoring, [old.deskId]);
      yield* run('DELETE FROM assignments WHERE id = ?', id);
      return { reattributed: yield* reattribute(scoring, [old.deskId], before) };
    });
  }

  async putBinding(b: PanelBinding): Promise<void> {
    await this.orgChange(() => bindPanel(b));
  }

  async deleteBinding(kioskId: string, panel: string): Promise<boolean> {
    return (await this.orgChange(() => run('DELETE FROM panel_bindings WHERE kiosk_id = ? AND panel = ?', kioskId, panel))) === 1;
  }

  async listBindings(kioskId: string): Promise<PanelBinding[]> {
    return this.driver.query(() =>
      all<PanelBinding>(
        `SELECT kiosk_id AS "kioskId", panel, kind, office_id AS "officeId", desk_id AS "deskId"
      FROM panel_bindings WHERE kiosk_id = ? ORDER BY panel`,
        kioskId,
      ),
    );
  }

  async putCounts(table: 'visitors' | 'sales', days: DayCounts[]): Promise<void> {
    await this.countUploads.put(table, days);
  }
}

/** Per desk its office and zone, and (days) the local day of each quarter hour met: dayOf is the costly part of a ticket. */
const SERVED_PER_TRANSACTION = 100;

type Places = Map<string, { officeId: string; zone: string; days?: Map<number, number> }>;

/** The local day of `at` in the place's zone; zone offsets are whole quarter hours, so a quarter hour lies in one day. */
function placeDay(place: { zone: string; days?: Map<number, number> }, at: number) {
  const quarter = Math.floor(at / 900_000);
  place.days ??= new Map();
  let day = place.days.get(quarter);
  if (day === undefined) place.days.set(quarter, (day = dayOf(at, place.zone)));
  return day;
}

/**
 * Stores a queue event once — by its id, and a served ticket by (desk, ticket, instant) whichever id it
 * came under — and counts it on the local day of the desk's office (queue_days: the day was fed, and the
 * operator's served tickets there; docs/scores.md). False when it was stored already.
 */
function* recordQueueEvent(e: QueueEvent, received: string, places: Places): Q<boolean> {
  const fresh = yield* run(
    `INSERT INTO queue_events (id, type, desk_id, employee_id, ticket, at_ms, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT DO NOTHING`,
    e.id,
    e.type,
    e.deskId,
    e.employeeId,
    e.ticket ?? null,
    e.at,
    received,
  );
  if (fresh === 0) return false;
  let place = places.get(e.deskId);
  if (!place) {
    place = yield* get<{ officeId: string; zone: string }>(
      'SELECT d.office_id AS "officeId", o.time_zone AS zone FROM desks d JOIN offices o ON o.id = d.office_id WHERE d.id = ?',
      e.deskId,
    );
    if (place) places.set(e.deskId, place);
  }
  if (place)
    yield* run(
      `INSERT INTO queue_days (office_id, day, desk_id, employee_id, served) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (office_id, day, desk_id, employee_id) DO UPDATE SET served = queue_days.served + excluded.served`,
      place.officeId,
      placeDay(place, e.at),
      e.deskId,
      e.employeeId,
      e.type === 'served' ? 1 : 0,
    );
  return true;
}

/** Thrown inside a queue transaction to roll it back: the assignments it implied overlap others. */
class QueueConflict extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

function* assignmentsOf(scoring: ScoringStore, desks: string[]): Q<DeskAssignment[]> {
  const out: DeskAssignment[] = [];
  for (const d of desks) out.push(...(yield* scoring.assignments(d)));
  return out;
}

/** After assignments of `desks` changed from `before`: re-attributes the presses whose employee changed. */
function* reattribute(scoring: ScoringStore, desks: string[], before: DeskAssignment[]): Q<number> {
  scoring.scorer.forgetDesks(desks);
  const after = yield* assignmentsOf(scoring, desks);
  const pass = scoring.newPass();
  for (const span of attributionChanges(before, after)) yield* scoring.reattribute(pass, span.deskId, span.from, span.to);
  return yield* scoring.finish(pass);
}

/** Binds (or re-binds) a panel; inside an organisation change. */
export function* bindPanel(b: PanelBinding): Q<void> {
  yield* run(
    `INSERT INTO panel_bindings (kiosk_id, panel, kind, office_id, desk_id) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (kiosk_id, panel) DO UPDATE SET kind = excluded.kind, office_id = excluded.office_id, desk_id = excluded.desk_id`,
    b.kioskId,
    b.panel,
    b.kind,
    b.officeId,
    b.deskId,
  );
  // Every panel ever bound to a desk, kept after re-binding: its stored presses keep the desk (see migrations).
  if (b.deskId)
    yield* run('INSERT INTO desk_panels (desk_id, kiosk_id, panel) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', b.deskId, b.kioskId, b.panel);
}
