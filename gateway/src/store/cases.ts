/**
 * Cases (issue 13): the counted dissatisfied presses, read from the presses themselves — a case IS a
 * press (its id is the press's id), so it cannot drift from what the scores count. A reviewer's
 * classification is stored on the press (events.cause) through a scoring `Pass`, which moves the press's
 * contribution to the rollups' review columns; so ИНК Персонал, qualified, costs the score queries nothing
 * more than the rollup rows they already read. The current note is in case_notes; every change is appended
 * to case_audit in the same transaction, and nothing ever updates or deletes a case_audit row.
 */
import { ulid } from 'ulid';
import {
  isCaseButton,
  type Case,
  type CaseChange,
  type CaseFilter,
  type Cause,
  type CrmCase,
  type FollowUp,
  type FollowUpOutcome,
} from '../domain/case.js';
import { TIME_SOURCE } from '../domain/press.js';
import { nextTurn } from '../lib/event-loop.js';
import { localIso } from '../scoring/calendar.js';
import type { ScoringStore } from './scoring-store.js';
import { all, get, inList, run, type Q, type Row, type SqlDriver } from './sql.js';

/** Most cases one transaction classifies: on SQLite a transaction holds the event loop (~0.1 ms a case). */
const CASES_PER_TRANSACTION = 200;

const CASE_COLUMNS = `e.rid, e.id, e.t, e.office_id, e.desk_id, e.employee_id, e.kind, e.kiosk_id, e.panel, e.button, e.reason,
  e.ticket, e.cause, n.note, n.by_name, n.at AS note_at, fu.id AS fu_id, fu.crm_ref AS fu_ref, fu.outcome AS fu_outcome,
  fu.answer AS fu_answer, fu.cause AS fu_cause, fu.comment AS fu_comment, fu.by_name AS fu_by, fu.at AS fu_at`;
/** A case's note and its latest CRM follow-up, joined to the press. */
const CASE_JOINS = `LEFT JOIN case_notes n ON n.event_id = e.id
  LEFT JOIN case_follow_ups fu ON fu.id = (SELECT max(id) FROM case_follow_ups WHERE event_id = e.id)`;
const FOLLOW_UP_COLUMNS = `id AS fu_id, event_id, crm_ref AS fu_ref, outcome AS fu_outcome, answer AS fu_answer, cause AS fu_cause,
  comment AS fu_comment, by_name AS fu_by, at AS fu_at`;

/** Who classifies: the API key, by id and name (names are what people read in the history). */
export interface Reviewer {
  keyId: string;
  name: string;
}

export interface ClassifyResult {
  /** Cases whose cause (or note) this request set. */
  changed: number;
  /** Cases that already had this cause and note: nothing written. */
  unchanged: number;
  /** Ids asked for that are no case in the caller's scope (not found, good, misuse-flagged, not yet timed …). */
  notCases: string[];
  /** The id shared by the audit rows of one bulk request. */
  batch: string | null;
}

export interface CauseCount {
  officeId: string;
  /** null: pending. */
  cause: Cause | null;
  n: number;
}

/** A case's position in the list order (time, then arrival): the next page starts after it. */
export interface CaseCursor {
  t: number;
  rid: number;
}

export const encodeCursor = (c: CaseCursor): string => `${c.t}.${c.rid}`;
export function decodeCursor(text: string): CaseCursor | undefined {
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(text);
  return m ? { t: Number(m[1]), rid: Number(m[2]) } : undefined;
}

function where(f: CaseFilter, neutral: boolean): { sql: string; args: unknown[] } {
  const parts = [
    `e.office_id IS NOT NULL AND e.t IS NOT NULL AND e.time_source < ${TIME_SOURCE.uncertain} AND e.excl = 0`,
    neutral ? `e.button IN ('bad', 'neutral')` : `e.button = 'bad'`,
  ];
  const args: unknown[] = [];
  if (f.officeIds) {
    const l = inList('e.office_id', f.officeIds);
    parts.push(l.sql);
    args.push(...l.args);
  }
  const eq = (col: string, v: unknown) => {
    if (v === undefined) return;
    parts.push(`${col} = ?`);
    args.push(v);
  };
  eq('e.office_id', f.officeId);
  eq('e.desk_id', f.deskId);
  eq('e.employee_id', f.employeeId);
  eq('e.kind', f.kind);
  eq('e.cause', f.cause);
  if (f.from !== undefined) {
    parts.push('e.t >= ?');
    args.push(f.from);
  }
  if (f.to !== undefined) {
    parts.push('e.t < ?');
    args.push(f.to);
  }
  if (f.status === 'pending') parts.push('e.cause IS NULL');
  if (f.status === 'classified') parts.push('e.cause IS NOT NULL');
  return { sql: parts.join(' AND '), args };
}

function followUpFromRow(r: Row, caseId: string): FollowUp | null {
  if (r.fu_id === null || r.fu_id === undefined) return null;
  return {
    id: Number(r.fu_id),
    caseId,
    ref: r.fu_ref as string,
    outcome: r.fu_outcome as FollowUpOutcome,
    answer: (r.fu_answer as string | null) ?? null,
    cause: (r.fu_cause as Cause | null) ?? null,
    comment: r.fu_comment as string,
    by: r.fu_by as string,
    at: r.fu_at as string,
  };
}

/** A follow-up to store (the case's id is checked to be a case in the caller's scope first). */
export interface NewFollowUp {
  caseId: string;
  ref: string;
  outcome: FollowUpOutcome;
  answer: string | null;
  cause: Cause | null;
  comment: string;
}

function caseFromRow(r: Row, questions: Map<string, string | null>): Case {
  const cause = (r.cause as Cause | null) ?? null;
  return {
    id: r.id as string,
    at: new Date(Number(r.t)).toISOString(),
    officeId: r.office_id as string,
    deskId: (r.desk_id as string | null) ?? null,
    employeeId: (r.employee_id as string | null) ?? null,
    kind: r.kind as string,
    kioskId: r.kiosk_id as string,
    panel: r.panel as string,
    question: questions.get(`${r.kiosk_id}\u0000${r.panel}`) ?? null,
    button: r.button as Case['button'],
    reason: (r.reason as string | null) ?? null,
    ticket: (r.ticket as string | null) ?? null,
    status: cause === null ? 'pending' : 'classified',
    cause,
    note: (r.note as string | null) ?? null,
    classifiedBy: cause === null ? null : ((r.by_name as string | null) ?? null),
    classifiedAt: cause === null ? null : ((r.note_at as string | null) ?? null),
    followUp: followUpFromRow(r, r.id as string),
  };
}

const auditFromRow = (r: Row): CaseChange => ({
  id: Number(r.id),
  caseId: r.event_id as string,
  at: r.at as string,
  by: r.by_name as string,
  from: (r.from_cause as Cause | null) ?? null,
  to: r.to_cause as Cause,
  note: r.note as string,
  batch: (r.batch as string | null) ?? null,
});

export class CaseStore {
  constructor(
    private readonly driver: SqlDriver,
    private readonly scoring: ScoringStore,
  ) {}

  private async neutralCounts(): Promise<boolean> {
    const scoring = this.scoring;
    return this.driver.query(function* () {
      yield* scoring.sync();
      return scoring.scorer.settings().neutralCountsAsDissatisfied;
    });
  }

  /** The panels' questions as their kiosks' current configs (else registrations) word them. */
  private async questions(rows: Row[]): Promise<Map<string, string | null>> {
    const kiosks = [...new Set(rows.map((r) => r.kiosk_id as string))];
    const out = new Map<string, string | null>();
    if (kiosks.length === 0) return out;
    const l = inList('id', kiosks);
    const found = await this.driver.query(() =>
      all<{ id: string; config: string | null; panels: string | null }>(`SELECT id, config, panels FROM kiosks WHERE ${l.sql}`, ...l.args),
    );
    for (const k of found) {
      const config = k.config ? (JSON.parse(k.config) as { panels?: Array<{ id: string; question?: string }> }).panels : undefined;
      const registered = k.panels ? (JSON.parse(k.panels) as Array<{ id: string; question?: string }>) : undefined;
      for (const p of [...(registered ?? []), ...(config ?? [])]) out.set(`${k.id}\u0000${p.id}`, p.question ?? null);
    }
    return out;
  }

  /** Cases matching `f` in list order (time, then arrival), the page after `after`. */
  async list(f: CaseFilter, after: CaseCursor | undefined, limit: number): Promise<{ items: Case[]; next: string | null }> {
    const w = where(f, await this.neutralCounts());
    const cursor = after ? ' AND (e.t > ? OR (e.t = ? AND e.rid > ?))' : '';
    const args = after ? [...w.args, after.t, after.t, after.rid] : w.args;
    const rows = await this.driver.query(() =>
      all(`SELECT ${CASE_COLUMNS} FROM events e ${CASE_JOINS} WHERE ${w.sql}${cursor} ORDER BY e.t, e.rid LIMIT ?`, ...args, limit + 1),
    );
    const page = rows.slice(0, limit);
    const questions = await this.questions(page);
    const last = page.at(-1);
    return {
      items: page.map((r) => caseFromRow(r, questions)),
      next: rows.length > limit && last ? encodeCursor({ t: Number(last.t), rid: Number(last.rid) }) : null,
    };
  }

  /** The case with this id within `officeIds` (undefined = any), or undefined: no such press, or not a case. */
  async get(id: string, officeIds?: readonly string[]): Promise<Case | undefined> {
    const w = where({ ...(officeIds ? { officeIds } : {}) }, await this.neutralCounts());
    const row = await this.driver.query(() =>
      get(`SELECT ${CASE_COLUMNS} FROM events e ${CASE_JOINS} WHERE e.id = ? AND ${w.sql}`, id, ...w.args),
    );
    return row ? caseFromRow(row, await this.questions([row])) : undefined;
  }

  /**
   * The CRM's pull: fed cases (crm_feed, in commit order) after `since`, within the scope, office and press-time
   * range of `f`, the first `limit`. `next`: the seq to pass as `since` next time (the last one returned, else
   * `since`): a CRM that keeps it gets each fed case once and none is stepped over (see store/negative-feed.ts).
   */
  async export(
    f: Pick<CaseFilter, 'officeIds' | 'officeId' | 'from' | 'to'>,
    since: number,
    limit: number,
  ): Promise<{ items: CrmCase[]; next: string; more: boolean }> {
    const neutral = await this.neutralCounts();
    const parts = ['f.seq > ?'];
    const args: unknown[] = [since];
    if (f.officeIds) {
      const l = inList('f.office_id', f.officeIds);
      parts.push(l.sql);
      args.push(...l.args);
    }
    if (f.officeId !== undefined) parts.push('f.office_id = ?'), args.push(f.officeId);
    if (f.from !== undefined) parts.push('e.t >= ?'), args.push(f.from);
    if (f.to !== undefined) parts.push('e.t < ?'), args.push(f.to);
    const rows = await this.driver.query(() =>
      all(
        `SELECT f.seq, o.time_zone, e.excl, e.time_source, ${CASE_COLUMNS} FROM crm_feed f JOIN events e ON e.id = f.event_id
        JOIN offices o ON o.id = e.office_id ${CASE_JOINS} WHERE ${parts.join(' AND ')} ORDER BY f.seq LIMIT ?`,
        ...args,
        limit + 1,
      ),
    );
    const page = rows.slice(0, limit);
    const questions = await this.questions(page);
    const items = page.map((r): CrmCase => {
      const zone = r.time_zone as string;
      return {
        ...caseFromRow(r, questions),
        seq: Number(r.seq),
        timeZone: zone,
        localAt: localIso(Number(r.t), zone),
        counted:
          Number(r.excl) === 0 && r.t !== null && Number(r.time_source) < TIME_SOURCE.uncertain && isCaseButton(r.button as 'bad', neutral),
      };
    });
    return { items, next: String(items.at(-1)?.seq ?? since), more: rows.length > limit };
  }

  /**
   * Stores a CRM follow-up once per CRM reference. `created`: false when the reference was posted before
   * (a retry): the stored follow-up is answered, nothing written; `conflict` when that earlier post was for
   * another case or said something else.
   */
  async addFollowUp(f: NewFollowUp, by: Reviewer): Promise<{ followUp: FollowUp; created: boolean } | { conflict: FollowUp }> {
    const at = new Date().toISOString();
    return this.driver.transaction(function* () {
      const insert = `INSERT INTO case_follow_ups (event_id, crm_ref, outcome, answer, cause, comment, by_key, by_name, at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (crm_ref) DO NOTHING`;
      const added = yield* run(insert, f.caseId, f.ref, f.outcome, f.answer, f.cause, f.comment, by.keyId, by.name, at);
      const row = yield* get(`SELECT ${FOLLOW_UP_COLUMNS} FROM case_follow_ups WHERE crm_ref = ?`, f.ref);
      const stored = followUpFromRow(row!, row!.event_id as string)!;
      if (added > 0) return { followUp: stored, created: true };
      const same =
        stored.caseId === f.caseId &&
        stored.outcome === f.outcome &&
        stored.answer === f.answer &&
        stored.cause === f.cause &&
        stored.comment === f.comment;
      return same ? { followUp: stored, created: false } : { conflict: stored };
    });
  }

  /** Every follow-up of the case, oldest first (the caller has checked that the case is in its scope). */
  async followUps(id: string): Promise<FollowUp[]> {
    const rows = await this.driver.query(() => all(`SELECT ${FOLLOW_UP_COLUMNS} FROM case_follow_ups WHERE event_id = ? ORDER BY id`, id));
    return rows.map((r) => followUpFromRow(r, id)!);
  }

  /** Every change of the case, oldest first (the caller has checked that the case is in its scope). */
  async history(id: string): Promise<CaseChange[]> {
    const rows = await this.driver.query(() => all('SELECT * FROM case_audit WHERE event_id = ? ORDER BY id', id));
    return rows.map(auditFromRow);
  }

  /**
   * Classifies the cases with these ids, or all cases matching `filter` (at most `max`; more is refused
   * with undefined, nothing written), as `cause` with `note`. Cases of one request are written a few
   * hundred per transaction, each with its audit row, so a large bulk never holds the event loop long;
   * a case whose cause and note are already these is left alone (no audit row).
   */
  async classify(
    target: { ids: string[] } | { filter: CaseFilter },
    scope: readonly string[] | undefined,
    cause: Cause,
    note: string,
    by: Reviewer,
    max: number,
  ): Promise<ClassifyResult | undefined> {
    const neutral = await this.neutralCounts();
    const scoped: CaseFilter = scope ? { officeIds: scope } : {};
    let rids: Array<{ rid: number; id: string }>;
    const notCases: string[] = [];
    if ('ids' in target) {
      const w = where(scoped, neutral);
      const l = inList('e.id', target.ids);
      rids = await this.driver.query(() =>
        all<{ rid: number; id: string }>(`SELECT e.rid, e.id FROM events e WHERE ${l.sql} AND ${w.sql}`, ...l.args, ...w.args),
      );
      const found = new Set(rids.map((r) => r.id));
      for (const id of target.ids) if (!found.has(id)) notCases.push(id);
    } else {
      const w = where({ ...target.filter, ...scoped }, neutral);
      rids = await this.driver.query(() =>
        all<{ rid: number; id: string }>(`SELECT e.rid, e.id FROM events e WHERE ${w.sql} ORDER BY e.t, e.rid LIMIT ?`, ...w.args, max + 1),
      );
      if (rids.length > max) return undefined;
    }
    const batch = rids.length > 1 || !('ids' in target) ? ulid() : null;
    let changed = 0;
    for (let i = 0; i < rids.length; i += CASES_PER_TRANSACTION) {
      if (i > 0) await nextTurn();
      changed += await this.classifyChunk(rids.slice(i, i + CASES_PER_TRANSACTION), cause, note, by, batch, neutral);
    }
    return { changed, unchanged: rids.length - changed, notCases, batch };
  }

  private async classifyChunk(
    chunk: Array<{ rid: number; id: string }>,
    cause: Cause,
    note: string,
    by: Reviewer,
    batch: string | null,
    neutral: boolean,
  ): Promise<number> {
    const scoring = this.scoring;
    const at = new Date().toISOString();
    return this.driver.transaction(function* (): Q<number> {
      yield* scoring.sync(true);
      const pass = scoring.newPass();
      let changed = 0;
      for (const { rid, id } of chunk) {
        const press = yield* get<{ cause: Cause | null; excl: number; button: string }>(
          `SELECT cause, excl, button FROM events WHERE rid = ?${scoring.driver.forUpdate}`,
          rid,
        );
        const previous = yield* get<{ note: string }>('SELECT note FROM case_notes WHERE event_id = ?', id);
        // Re-checked inside the transaction: a re-flag since the selection may have made it misuse.
        if (press === undefined) continue;
        if (press.excl !== 0 || !isCaseButton(press.button as 'bad', neutral)) continue;
        if (press.cause === cause && previous?.note === note) continue;
        yield* scoring.classify(pass, rid, cause);
        yield* run(
          `INSERT INTO case_notes (event_id, note, by_key, by_name, at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT (event_id) DO UPDATE SET note = excluded.note, by_key = excluded.by_key, by_name = excluded.by_name, at = excluded.at`,
          id,
          note,
          by.keyId,
          by.name,
          at,
        );
        yield* run(
          'INSERT INTO case_audit (event_id, at, by_key, by_name, from_cause, to_cause, note, batch) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          id,
          at,
          by.keyId,
          by.name,
          press.cause ?? null,
          cause,
          note,
          batch,
        );
        changed++;
      }
      yield* scoring.finish(pass);
      return changed;
    });
  }

  /**
   * Dissatisfied presses per office and cause (null: pending) with press times in each office's [from, to):
   * the primary localisation of dissatisfaction. Read from the presses by (office, time).
   */
  async causeCounts(ranges: ReadonlyArray<{ officeId: string; from: number; to: number }>, kind?: string): Promise<CauseCount[]> {
    const neutral = await this.neutralCounts();
    const out: CauseCount[] = [];
    for (const r of ranges) {
      const w = where({ officeId: r.officeId, from: r.from, to: r.to, ...(kind ? { kind } : {}) }, neutral);
      const rows = await this.driver.query(() =>
        all<{ cause: Cause | null; n: number }>(`SELECT e.cause, count(*) AS n FROM events e WHERE ${w.sql} GROUP BY e.cause`, ...w.args),
      );
      for (const row of rows) out.push({ officeId: r.officeId, cause: row.cause ?? null, n: Number(row.n) });
    }
    return out;
  }
}
