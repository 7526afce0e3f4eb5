/**
 * What scores are computed from, read in SQL both databases run: rollups by day, hour and subject, the
 * days and hours with presses, visitor and sales counts (scoring/ turns them into scores and rankings).
 */
import type { PanelKind } from '../../../shared/src/index.js';
import type { CountRow, DayGrain, DayRow, EmployeeDays, HourRow, PeriodCount, RankRow, Subject } from '../domain/score.js';
import { TIME_SOURCE } from '../domain/press.js';
import { dayToUtc, monthParts, wholeMonths } from '../scoring/calendar.js';
import type { ReasonPress } from '../scoring/reasons.js';
import type { CountUploads } from './count-uploads.js';
import { all, inList, value, type Row, type SqlDriver } from './sql.js';

const COUNT_SUMS = 'sum(good) AS good, sum(neutral) AS neutral, sum(bad) AS bad, sum(excl) AS excluded';
const REVIEW_SUMS = `sum(rev_bad) AS "revBad", sum(rev_neutral) AS "revNeutral", sum(ext_bad) AS "extBad", sum(ext_neutral) AS "extNeutral"`;
const SUMS = `${COUNT_SUMS}, ${REVIEW_SUMS},
  sum(off_bad) AS "offBad", sum(off_neutral) AS "offNeutral", sum(prod_bad) AS "prodBad", sum(prod_neutral) AS "prodNeutral"`;
const UNATTRIBUTED = `(kind = 'staff' AND employee_id = '') AS unattributed`;
// Rollup rows whose presses all moved elsewhere (re-attribution, clock correction) remain at zero: not a group.
const NON_EMPTY = 'HAVING sum(good) + sum(neutral) + sum(bad) + sum(excl) > 0';
const NON_EMPTY_ROW = 'good + neutral + bad + excl > 0';
const DAY_MS = 86_400_000;
const countsTable = (table: 'visitors' | 'sales') => (table === 'sales' ? 'sales' : 'visitors');

/** A rollup table's rows over [from, to) of its time column: local days (yyyymmdd) or local months (yyyymm). */
interface RollupRange {
  table: 'rollup_day' | 'rollup_month';
  at: 'day' | 'month';
  from: number;
  to: number;
}

/** A rank row's sums: the counts, then (inkQualified only) the review counts. */
const RANK_SUMS = ['good', 'neutral', 'bad', 'excluded', 'revBad', 'revNeutral', 'extBad', 'extNeutral'] as const;
const rankFields = (review: boolean) => (review ? RANK_SUMS : RANK_SUMS.slice(0, 4));

function subjectWhere(s: Subject): { sql: string; args: unknown[] } {
  switch (s.level) {
    case 'company':
      return { sql: '1 = 1', args: [] };
    case 'region':
      return { sql: 'office_id IN (SELECT id FROM offices WHERE region_id = ?)', args: [s.id] };
    case 'office':
      return { sql: 'office_id = ?', args: [s.id] };
    case 'desk':
      return { sql: `desk_id = ? AND desk_id <> ''`, args: [s.id] };
    case 'employee':
      return { sql: `employee_id = ? AND employee_id <> ''`, args: [s.id] };
  }
}

// SQLite gives the unattributed flag as 0/1, PostgreSQL as a boolean. Set in place: the row is the driver's
// own, and a copy of each of an office's year of rows cost ~1 ms of a 15 ms request.
const toCounts = <R extends CountRow>(r: Row): R => {
  r.unattributed = Boolean(r.unattributed);
  return r as unknown as R;
};

/** A ranking's sums over one part of its period (rollup_day's days or rollup_month's months). */
function rankPartSql(
  level: 'employee' | 'office' | 'desk',
  kind: PanelKind,
  { table, at, from, to }: RollupRange,
  officeIds: readonly string[] | undefined,
  review: boolean,
): { sql: string; args: unknown[] } {
  // Only the sums the index needs: summing is most of a ranking's cost, and a ranking shows no cause figures.
  const sums = review ? `${COUNT_SUMS}, ${REVIEW_SUMS}` : COUNT_SUMS;
  const outer = rankFields(review)
    .map((f) => `r."${f}"`)
    .join(', ');
  // Offices given: only their rows (the primary key's prefix) — except an employee's, which count wherever
  // they pressed: those who belong to the offices or pressed there, with all their rows. `kind || ''`
  // keeps SQLite's planner off the by-day (by-month) index (the whole period's rows, ~3 s for a year of
  // day rows at 10 M presses) and on the primary key or rollup_day_employee (a few ms). A month's rows of
  // every employee are few enough to scan in rollup_month_by_month.
  const offices = officeIds ? inList('office_id', officeIds) : { sql: '1 = 1', args: [] };
  const kindIs = officeIds && (level !== 'employee' || table === 'rollup_day') ? `kind || '' = ?` : 'kind = ?';
  const employees = officeIds
    ? {
        sql: `employee_id IN (SELECT id FROM employees WHERE ${offices.sql}
         UNION SELECT employee_id FROM ${table} WHERE ${offices.sql} AND ${at} >= ? AND ${at} < ? AND employee_id <> '')`,
        args: [...offices.args, ...offices.args, from, to],
      }
    : { sql: '1 = 1', args: [] };
  const range = `${kindIs} AND ${at} >= ? AND ${at} < ?`;
  const [sql, args] =
    level === 'desk'
      ? [
          `SELECT desk_id AS id, min(office_id) AS "officeId", ${sums} FROM ${table}
       WHERE ${range} AND desk_id <> '' AND ${offices.sql} GROUP BY desk_id ${NON_EMPTY}`,
          offices.args,
        ]
      : level === 'employee'
        ? [
            `SELECT r.id, coalesce(e.office_id, r."anyOffice") AS "officeId", ${outer}
       FROM (SELECT employee_id AS id, min(office_id) AS "anyOffice", ${sums} FROM ${table}
       WHERE ${range} AND employee_id <> '' AND ${employees.sql} GROUP BY employee_id ${NON_EMPTY}) r
       LEFT JOIN employees e ON e.id = r.id`,
            employees.args,
          ]
        : [
            `SELECT office_id AS id, office_id AS "officeId", ${sums} FROM ${table}
       WHERE ${range} AND ${offices.sql} GROUP BY office_id ${NON_EMPTY}`,
            offices.args,
          ];
  return { sql, args: [kind, from, to, ...args] };
}

export abstract class SqlScoreReads {
  abstract readonly driver: SqlDriver;
  protected abstract countUploads: CountUploads;

  async listCounts(
    table: 'visitors' | 'sales',
    officeIds: readonly string[],
    deskId: string | null,
    fromDay: number,
    toDay: number,
  ): Promise<PeriodCount[]> {
    await this.countUploads.settled(); // never half an upload
    const offices = inList('office_id', officeIds);
    // The start_ms bounds only narrow the key range scanned (office, desk, start): a local day starts within
    // a day either side of its UTC date in every zone, so they keep every entry of the days asked for.
    const rows = await this.driver.query(() =>
      all<PeriodCount>(
        `SELECT office_id AS "officeId", desk_id AS "deskId", start_ms AS start, end_ms AS "end", day, count
      FROM ${countsTable(table)} WHERE ${offices.sql} AND desk_id = ? AND start_ms >= ? AND start_ms < ? AND day >= ? AND day < ?
      ORDER BY office_id, start_ms`,
        ...offices.args,
        deskId ?? '',
        dayToUtc(fromDay) - DAY_MS,
        dayToUtc(toDay) + DAY_MS,
        fromDay,
        toDay,
      ),
    );
    return rows.map((r) => ({ ...r, deskId: r.deskId || null }));
  }

  async listDeskCounts(table: 'visitors' | 'sales', officeIds: readonly string[], fromDay: number, toDay: number): Promise<PeriodCount[]> {
    const offices = inList('office_id', officeIds);
    return this.driver.query(() =>
      all<PeriodCount>(
        `SELECT office_id AS "officeId", desk_id AS "deskId", start_ms AS start, end_ms AS "end", day, count
      FROM ${countsTable(table)} WHERE ${offices.sql} AND desk_id <> '' AND day >= ? AND day < ?
      ORDER BY office_id, desk_id, start_ms`,
        ...offices.args,
        fromDay,
        toDay,
      ),
    );
  }

  async pressDays(officeIds: readonly string[], fromDay: number, toDay: number): Promise<Array<{ officeId: string; day: number }>> {
    const offices = inList('office_id', officeIds);
    // DISTINCT over the non-empty rows: a quarter cheaper than GROUP BY … HAVING sum(…) (counts are never negative).
    return this.driver.query(() =>
      all<{ officeId: string; day: number }>(
        `SELECT DISTINCT office_id AS "officeId", day FROM rollup_day
      WHERE ${offices.sql} AND day >= ? AND day < ? AND ${NON_EMPTY_ROW}`,
        ...offices.args,
        fromDay,
        toDay,
      ),
    );
  }

  async employeePressDays(fromDay: number, toDay: number, employeeIds?: readonly string[]): Promise<EmployeeDays[]> {
    // employee_id <> '' either way: it lets SQLite use the partial index rollup_day_employee (employee, day).
    // One row per employee, its days joined into one string (a month of 3 000 employees is ~47 000 days, and a
    // row per day cost more to hand over than to read); sorted and made distinct here, where it costs less than
    // a sort in SQL (a day with presses on two panels or desks is two rows).
    const ids = employeeIds ? inList('employee_id', employeeIds) : { sql: '1 = 1', args: [] };
    const rows = await this.driver.query(() =>
      all<{ employeeId: string; days: string }>(
        `SELECT employee_id AS "employeeId", string_agg(CAST(day AS TEXT), ',') AS days FROM rollup_day
      WHERE employee_id <> '' AND ${ids.sql} AND day >= ? AND day < ? AND ${NON_EMPTY_ROW} GROUP BY employee_id`,
        ...ids.args,
        fromDay,
        toDay,
      ),
    );
    return rows.map((r) => {
      const days = r.days
        .split(',')
        .map(Number)
        .sort((a, b) => a - b);
      return { employeeId: r.employeeId, days: days.filter((d, i) => i === 0 || d !== days[i - 1]) };
    });
  }

  async pressHours(officeIds: readonly string[], from: number, to: number): Promise<Array<{ officeId: string; hourStart: number }>> {
    const offices = inList('office_id', officeIds);
    return this.driver.query(() =>
      all<{ officeId: string; hourStart: number }>(
        `SELECT DISTINCT office_id AS "officeId", hour_start AS "hourStart" FROM rollup_hour
      WHERE ${offices.sql} AND hour_start >= ? AND hour_start < ? AND ${NON_EMPTY_ROW}`,
        ...offices.args,
        from,
        to,
      ),
    );
  }

  async queueFedDays(officeIds: readonly string[], fromDay: number, toDay: number): Promise<Array<{ officeId: string; day: number }>> {
    const offices = inList('office_id', officeIds);
    return this.driver.query(() =>
      all<{ officeId: string; day: number }>(
        `SELECT DISTINCT office_id AS "officeId", day FROM queue_days WHERE ${offices.sql} AND day >= ? AND day < ?`,
        ...offices.args,
        fromDay,
        toDay,
      ),
    );
  }

  async queueServed(
    by: 'desk' | 'employee',
    ids: readonly string[] | null,
    fromDay: number,
    toDay: number,
  ): Promise<Array<{ id: string; officeId: string; day: number; served: number }>> {
    const column = by === 'desk' ? 'desk_id' : 'employee_id';
    const which = ids ? inList(column, ids) : { sql: '1 = 1', args: [] };
    return this.driver.query(() =>
      all<{ id: string; officeId: string; day: number; served: number }>(
        `SELECT ${column} AS id, office_id AS "officeId", day, sum(served) AS served FROM queue_days
      WHERE ${which.sql} AND day >= ? AND day < ? AND served > 0 GROUP BY ${column}, office_id, day`,
        ...which.args,
        fromDay,
        toDay,
      ),
    );
  }

  async countsByDay(subject: Subject, fromDay: number, toDay: number, grain: DayGrain = 'day'): Promise<DayRow[]> {
    // Summed for an office (a region, the company): whole local months from rollup_month (~200 rows for an
    // office's year instead of ~4 000 day rows), the days around them from rollup_day.
    const summed = grain !== 'day' && subject.level !== 'desk' && subject.level !== 'employee';
    const whole = summed ? wholeMonths(fromDay, toDay) : null;
    if (!whole) return this.dayCounts(subject, { table: 'rollup_day', at: 'day', from: fromDay, to: toDay }, grain);
    const parts: RollupRange[] = [
      { table: 'rollup_day', at: 'day', from: fromDay, to: whole.fromDay },
      { table: 'rollup_month', at: 'month', from: whole.fromMonth, to: whole.toMonth },
      { table: 'rollup_day', at: 'day', from: whole.toDay, to: toDay },
    ];
    const rows = await Promise.all(parts.filter((p) => p.from < p.to).map((p) => this.dayCounts(subject, p, grain)));
    return rows.flat();
  }

  private async dayCounts(subject: Subject, { table, at, from, to }: RollupRange, grain: DayGrain): Promise<DayRow[]> {
    const w = subjectWhere(subject);
    // Summed rows carry a day of the month (the range) they sum: their first with presses, or a month's first.
    const first = table === 'rollup_month' ? 'min(month) * 100 + 1' : 'min(day)';
    const [day, group] = {
      day: ['day', 'day'],
      month: [first, table === 'rollup_month' ? 'month' : 'day / 100'],
      period: [first, null],
    }[grain];
    const rows = await this.driver.query(() =>
      all(
        `SELECT ${day} AS day, kind, ${UNATTRIBUTED}, ${SUMS} FROM ${table} WHERE ${w.sql} AND ${at} >= ? AND ${at} < ?
      GROUP BY ${group ? `${group}, ` : ''}kind, unattributed ${NON_EMPTY}`,
        ...w.args,
        from,
        to,
      ),
    );
    return rows.map((r) => toCounts<DayRow>(r));
  }

  async countsByHour(subject: Subject, from: number, to: number): Promise<HourRow[]> {
    const w = subjectWhere(subject);
    const rows = await this.driver.query(() =>
      all(
        `SELECT hour_start AS "hourStart", local_hour AS "localHour", weekday, kind, ${UNATTRIBUTED}, ${SUMS}
      FROM rollup_hour WHERE ${w.sql} AND hour_start >= ? AND hour_start < ?
      GROUP BY hour_start, local_hour, weekday, kind, unattributed ${NON_EMPTY}`,
        ...w.args,
        from,
        to,
      ),
    );
    return rows.map((r) => toCounts<HourRow>(r));
  }

  async breakdown(subject: Subject, range: { fromDay: number; toDay: number } | { from: number; to: number }): Promise<HourRow[]> {
    // An office's (region's, the company's) whole local months from rollup_cell; the days around them, and
    // desks, employees and instant ranges, from the hour rows.
    const days = 'fromDay' in range && subject.level !== 'desk' && subject.level !== 'employee' ? range : null;
    const whole = days ? wholeMonths(days.fromDay, days.toDay) : null;
    if (!days || !whole) return this.hourBreakdown(subject, range);
    const w = subjectWhere(subject);
    const cells = await this.driver.query(() =>
      all(
        `SELECT 0 AS "hourStart", local_hour AS "localHour", weekday, kind, FALSE AS unattributed, ${SUMS}
      FROM rollup_cell WHERE ${w.sql} AND month >= ? AND month < ? GROUP BY local_hour, weekday, kind ${NON_EMPTY}`,
        ...w.args,
        whole.fromMonth,
        whole.toMonth,
      ),
    );
    const rows = cells.map((r) => toCounts<HourRow>(r));
    for (const [fromDay, toDay] of [
      [days.fromDay, whole.fromDay],
      [whole.toDay, days.toDay],
    ] as const) {
      if (fromDay < toDay) rows.push(...(await this.hourBreakdown(subject, { fromDay, toDay })));
    }
    return rows;
  }

  private async hourBreakdown(
    subject: Subject,
    range: { fromDay: number; toDay: number } | { from: number; to: number },
  ): Promise<HourRow[]> {
    const w = subjectWhere(subject);
    // Local days: hour_start bounds a day either side narrow the key range scanned (office, hour_start, …),
    // as in listCounts. No unattributed split: the breakdown's cells are scored per kind only, and each
    // extra group key made SQLite sort a year's hour rows once more.
    const [cond, args] =
      'fromDay' in range
        ? [
            'hour_start >= ? AND hour_start < ? AND day >= ? AND day < ?',
            [dayToUtc(range.fromDay) - DAY_MS, dayToUtc(range.toDay) + DAY_MS, range.fromDay, range.toDay],
          ]
        : ['hour_start >= ? AND hour_start < ?', [range.from, range.to]];
    const rows = await this.driver.query(() =>
      all(
        `SELECT 0 AS "hourStart", local_hour AS "localHour", weekday, kind, FALSE AS unattributed, ${SUMS}
      FROM rollup_hour WHERE ${w.sql} AND ${cond} GROUP BY local_hour, weekday, kind ${NON_EMPTY}`,
        ...w.args,
        ...args,
      ),
    );
    return rows.map((r) => toCounts<HourRow>(r));
  }

  async rankCounts(
    level: 'employee' | 'office' | 'desk',
    kind: PanelKind,
    fromDay: number,
    toDay: number,
    officeIds?: readonly string[],
    review = true,
  ): Promise<RankRow[]> {
    // Months from rollup_month (a month of 3 000 employees: ~2 700 rows instead of ~45 000 day rows), days
    // from rollup_day; a month mostly inside is its month less its days outside (calendar.ts monthParts).
    const parts = monthParts(fromDay, toDay).map((p): RollupRange & { sign: 1 | -1 } =>
      p.grain === 'month'
        ? { table: 'rollup_month', at: 'month', from: p.from, to: p.to, sign: p.sign }
        : { table: 'rollup_day', at: 'day', from: p.from, to: p.to, sign: p.sign },
    );
    const sums = parts.map((p) => rankPartSql(level, kind, p, officeIds, review));
    if (sums.length === 1) return this.driver.query(() => all<RankRow>(sums[0]!.sql, ...sums[0]!.args));
    // One statement, so one snapshot: the months and the days taken from them are read at the same moment.
    const fields = rankFields(review);
    // A part taken away only subtracts: its subjects are in the month it is taken from.
    const signed = parts.map(
      (p, i) =>
        `SELECT id, ${p.sign === 1 ? '"officeId"' : 'CAST(NULL AS TEXT) AS "officeId"'},
        ${fields.map((f) => `${p.sign === 1 ? '' : '-'}"${f}" AS "${f}"`).join(', ')} FROM (${sums[i]!.sql}) p${i}`,
    );
    return this.driver.query(() =>
      all<RankRow>(
        `SELECT id, min("officeId") AS "officeId", ${fields.map((f) => `sum("${f}") AS "${f}"`).join(', ')}
        FROM (${signed.join(' UNION ALL ')}) parts GROUP BY id
        HAVING sum(good) + sum(neutral) + sum(bad) + sum(excluded) > 0`,
        ...sums.flatMap((x) => x.args),
      ),
    );
  }

  /** Counted bad presses with a reason and t in [from, to) of the subject (events_reason), with their office's zone. */
  async reasonPresses(subject: Subject, from: number, to: number): Promise<ReasonPress[]> {
    const w = subjectWhere(subject);
    const rows = await this.driver.query(() =>
      all<ReasonPress>(
        `SELECT events.kind, events.reason, events.t, offices.time_zone AS zone FROM events JOIN offices ON offices.id = events.office_id
        WHERE reason IS NOT NULL AND t >= ? AND t < ? AND excl = 0 AND button = 'bad' AND ${w.sql}`,
        from,
        to,
        ...w.args,
      ),
    );
    return rows.map((r) => ({ ...r, t: Number(r.t) }));
  }

  async timeUncertain(officeIds: readonly string[]): Promise<number> {
    const offices = inList('office_id', officeIds);
    return (
      (await this.driver.query(() =>
        value<number>(`SELECT count(*) FROM events WHERE time_source = ${TIME_SOURCE.uncertain} AND ${offices.sql}`, ...offices.args),
      )) ?? 0
    );
  }
}
