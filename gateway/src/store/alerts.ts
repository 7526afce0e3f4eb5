/**
 * Alerts' persistence over the `SqlDriver` (same SQL on SQLite and PostgreSQL): rules, the counts the rules
 * judge (a window of stored presses, a baseline of hour rollups), the conditions' times, and the alerts with
 * their comments. Every alert change writes its `alert_events` row in the same transaction (the history the
 * console shows and the delivery outbox). One open alert per rule and subject is the database's rule
 * (unique partial index `alerts_one_open`): two gateways opening at once make one alert.
 */
import type { Button, PanelKind } from '../../../shared/src/index.js';
import type { AlertRule, Evidence, Severity } from '../domain/alert-rule.js';
import type { RawCounts } from '../domain/score.js';
import { all, get, inList, run, type Q, type Row, type SqlDriver } from './sql.js';

export type AlertState = 'open' | 'acknowledged' | 'closed';
export type AlertEventKind = 'opened' | 'acknowledged' | 'commented' | 'closed';

/** Who an alert is about: `scope` as the payload contract has it (a fleet rule's alerts are a kiosk's). */
export interface AlertSubject {
  key: string;
  scope: { level: 'company' | 'region' | 'office' | 'desk' | 'employee' | 'kiosk'; id: string | null };
  officeIds: string[];
}

export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  subject: string;
  scope: AlertSubject['scope'];
  officeIds: string[];
  severity: Severity;
  state: AlertState;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  closedAt: string | null;
  /** null while open, or when the gateway closed it (auto-close). */
  closedBy: string | null;
  title: { en: string; ru: string };
  evidence: Evidence;
}

export interface AlertComment {
  id: number;
  at: string;
  by: string;
  text: string;
}

export interface AlertEvent {
  id: number;
  alertId: string;
  ruleId: string;
  kind: AlertEventKind;
  at: string;
  actor: string | null;
  officeIds: string[];
  payload: AlertPayload;
}

/** The payload of every alert_events row (contract in the issue-15 brief). */
export interface AlertPayload {
  alert: Omit<Alert, 'subject' | 'acknowledgedAt' | 'acknowledgedBy' | 'closedAt' | 'closedBy'> & { url: string };
  comment?: { by: string; text: string };
}

/** Whose presses a window counts: offices (undefined = every office), optionally one desk or employee, one panel kind. */
export interface CountTarget {
  officeIds?: readonly string[];
  deskId?: string;
  employeeId?: string;
  panelKind?: PanelKind;
}

export interface Condition {
  breachSince: string | null;
  clearSince: string | null;
}

export interface AlertFilter {
  state?: AlertState | 'active';
  officeId?: string;
  ruleId?: string;
  /** Only alerts whose offices are all among these (and that have some); undefined = all. */
  visible?: readonly string[];
}

const json = <T>(v: unknown): T => JSON.parse(v as string) as T;

function ruleFromRow(r: Row): AlertRule {
  return {
    ...json<AlertRule>(r.spec),
    id: r.id as string,
    enabled: r.enabled === 1,
    officeIds: json<string[]>(r.office_ids),
    createdAt: r.created_at as string,
    createdBy: (r.created_by as string | null) ?? null,
    updatedAt: r.updated_at as string,
  };
}

function alertFromRow(r: Row): Alert {
  const body = json<Pick<Alert, 'ruleName' | 'scope' | 'officeIds' | 'severity' | 'title' | 'evidence'>>(r.body);
  return {
    id: r.id as string,
    ruleId: r.rule_id as string,
    subject: r.subject as string,
    state: r.state as AlertState,
    openedAt: r.opened_at as string,
    acknowledgedAt: (r.acknowledged_at as string | null) ?? null,
    acknowledgedBy: (r.acknowledged_by as string | null) ?? null,
    closedAt: (r.closed_at as string | null) ?? null,
    closedBy: (r.closed_by as string | null) ?? null,
    ...body,
  };
}

function eventFromRow(r: Row): AlertEvent {
  return {
    id: r.id as number,
    alertId: r.alert_id as string,
    ruleId: r.rule_id as string,
    kind: r.kind as AlertEventKind,
    at: r.at as string,
    actor: (r.actor as string | null) ?? null,
    officeIds: json<string[]>(r.office_ids),
    payload: json<AlertPayload>(r.payload),
  };
}

export function payloadOf(a: Alert, comment?: { by: string; text: string }): AlertPayload {
  const { subject: _s, acknowledgedAt: _aa, acknowledgedBy: _ab, closedAt: _ca, closedBy: _cb, ...rest } = a;
  return { alert: { ...rest, url: `/#/alerts/${a.id}` }, ...(comment ? { comment } : {}) };
}

function* writeEvent(a: Alert, kind: AlertEventKind, at: string, actor: string | null, comment?: { by: string; text: string }): Q<void> {
  yield* run(
    'INSERT INTO alert_events (alert_id, rule_id, kind, at, actor, office_ids, payload) VALUES (?, ?, ?, ?, ?, ?, ?)',
    a.id,
    a.ruleId,
    kind,
    at,
    actor,
    JSON.stringify(a.officeIds),
    JSON.stringify(payloadOf(a, comment)),
  );
}

function* alertById(id: string): Q<Alert | undefined> {
  const r = yield* get('SELECT * FROM alerts WHERE id = ?', id);
  return r ? alertFromRow(r) : undefined;
}

/** `a` visible to someone who sees only `visible`: it has offices and all are among them. */
function visibleSql(visible: readonly string[] | undefined): { sql: string; args: unknown[] } {
  if (visible === undefined) return { sql: '1 = 1', args: [] };
  const inside = inList('o.office_id', visible);
  return {
    sql: `EXISTS (SELECT 1 FROM alert_offices o WHERE o.alert_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM alert_offices o WHERE o.alert_id = a.id AND NOT (${inside.sql}))`,
    args: inside.args,
  };
}

function countsSql(target: CountTarget): { where: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  if (target.officeIds) {
    const l = inList('office_id', target.officeIds);
    parts.push(l.sql);
    args.push(...l.args);
  } else parts.push('office_id IN (SELECT id FROM offices)');
  for (const [column, v] of [
    ['desk_id', target.deskId],
    ['employee_id', target.employeeId],
  ] as const) {
    if (v !== undefined) {
      parts.push(`${column} = ?`);
      args.push(v);
    }
  }
  return { where: parts.join(' AND '), args };
}

/** A CUSUM needs no more than the latest presses: older ones' weight is long spent. */
const WINDOW_BUTTONS = 5000;
const ZERO: RawCounts = { good: 0, neutral: 0, bad: 0, excluded: 0 };
const num = (v: unknown) => Number(v ?? 0);

export class AlertStore {
  constructor(private readonly driver: SqlDriver) {}

  // ---- rules

  async listRules(): Promise<AlertRule[]> {
    return (await this.driver.query(() => all('SELECT * FROM alert_rules ORDER BY id'))).map(ruleFromRow);
  }

  async getRule(id: string): Promise<AlertRule | undefined> {
    const r = await this.driver.query(() => get('SELECT * FROM alert_rules WHERE id = ?', id));
    return r ? ruleFromRow(r) : undefined;
  }

  /** Creates or replaces the rule; a changed rule starts its conditions afresh (its open alerts stay). */
  async putRule(rule: AlertRule): Promise<void> {
    const { id, officeIds, createdAt, createdBy, updatedAt, enabled, ...spec } = rule;
    await this.driver.transaction(function* () {
      yield* run(
        `INSERT INTO alert_rules (id, name, kind, scope_level, scope_id, office_ids, spec, enabled, created_at, created_by, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, scope_level = excluded.scope_level,
          scope_id = excluded.scope_id, office_ids = excluded.office_ids, spec = excluded.spec, enabled = excluded.enabled,
          updated_at = excluded.updated_at`,
        id,
        spec.name,
        spec.kind,
        spec.scope.level,
        spec.scope.id ?? null,
        JSON.stringify(officeIds),
        JSON.stringify(spec),
        enabled ? 1 : 0,
        createdAt,
        createdBy,
        updatedAt,
      );
      yield* run('DELETE FROM alert_conditions WHERE rule_id = ?', id);
    });
  }

  /** Deletes the rule; its open alerts are closed by `actor` (with their events), its history stays. */
  async deleteRule(id: string, actor: string): Promise<boolean> {
    const at = new Date().toISOString();
    return this.driver.transaction(function* () {
      const open = (yield* all("SELECT * FROM alerts WHERE rule_id = ? AND state <> 'closed'", id)).map(alertFromRow);
      for (const a of open) {
        yield* run("UPDATE alerts SET state = 'closed', closed_at = ?, closed_by = ? WHERE id = ?", at, actor, a.id);
        yield* writeEvent({ ...a, state: 'closed', closedAt: at, closedBy: actor }, 'closed', at, actor);
      }
      yield* run('DELETE FROM alert_conditions WHERE rule_id = ?', id);
      return (yield* run('DELETE FROM alert_rules WHERE id = ?', id)) === 1;
    });
  }

  // ---- what the rules judge

  /** Counted presses (misuse excluded, time known) with corrected time in [from, to): events_office_t. */
  async windowCounts(target: CountTarget, from: number, to: number): Promise<RawCounts> {
    const { where, args } = countsSql(target);
    const kind = target.panelKind ? ' AND kind = ?' : '';
    const r = await this.driver.query(() =>
      get(
        `SELECT SUM(CASE WHEN button = 'good' THEN 1 ELSE 0 END) AS good, SUM(CASE WHEN button = 'neutral' THEN 1 ELSE 0 END) AS neutral,
          SUM(CASE WHEN button = 'bad' THEN 1 ELSE 0 END) AS bad
        FROM events WHERE ${where} AND t >= ? AND t < ? AND excl = 0${kind}`,
        ...args,
        from,
        to,
        ...(target.panelKind ? [target.panelKind] : []),
      ),
    );
    return r ? { good: num(r.good), neutral: num(r.neutral), bad: num(r.bad), excluded: 0 } : ZERO;
  }

  /**
   * The buttons of the counted presses stamped in [from, to), oldest first (the CUSUM's input): at most
   * `limit`, the latest ones when there are more.
   */
  async windowButtons(target: CountTarget, from: number, to: number, limit = WINDOW_BUTTONS): Promise<Button[]> {
    const { where, args } = countsSql(target);
    const kind = target.panelKind ? ' AND kind = ?' : '';
    const rows = await this.driver.query(() =>
      all(
        `SELECT button FROM events WHERE ${where} AND t >= ? AND t < ? AND excl = 0${kind} ORDER BY t DESC, id DESC LIMIT ?`,
        ...args,
        from,
        to,
        ...(target.panelKind ? [target.panelKind] : []),
        limit,
      ),
    );
    return rows.map((r) => r.button as Button).reverse();
  }

  /** Counted presses of the local hours starting in [from, to): the hour rollups, cheap over weeks. */
  async baselineCounts(target: CountTarget, from: number, to: number): Promise<RawCounts> {
    const { where, args } = countsSql(target);
    const kind = target.panelKind ? ' AND kind = ?' : '';
    const r = await this.driver.query(() =>
      get(
        `SELECT SUM(good) AS good, SUM(neutral) AS neutral, SUM(bad) AS bad, SUM(excl) AS excluded
        FROM rollup_hour WHERE ${where} AND hour_start >= ? AND hour_start < ?${kind}`,
        ...args,
        from,
        to,
        ...(target.panelKind ? [target.panelKind] : []),
      ),
    );
    return r ? { good: num(r.good), neutral: num(r.neutral), bad: num(r.bad), excluded: num(r.excluded) } : ZERO;
  }

  // ---- conditions

  async conditions(ruleId: string): Promise<Map<string, Condition>> {
    const rows = await this.driver.query(() =>
      all('SELECT subject, breach_since, clear_since FROM alert_conditions WHERE rule_id = ?', ruleId),
    );
    return new Map(
      rows.map((r) => [
        r.subject as string,
        { breachSince: (r.breach_since as string | null) ?? null, clearSince: (r.clear_since as string | null) ?? null },
      ]),
    );
  }

  /**
   * Records that the condition holds (`breach`) or is clear, as of `at`; an earlier time another gateway
   * wrote wins (COALESCE), so durations count from the first to see it. `forget`: clear and nothing open,
   * nothing to remember.
   */
  async markCondition(ruleId: string, subject: string, state: 'breach' | 'clear' | 'forget', at: string): Promise<void> {
    if (state === 'forget') {
      await this.driver.query(() => run('DELETE FROM alert_conditions WHERE rule_id = ? AND subject = ?', ruleId, subject));
      return;
    }
    const [breach, clear] = state === 'breach' ? [at, null] : [null, at];
    const set =
      state === 'breach'
        ? 'breach_since = COALESCE(alert_conditions.breach_since, excluded.breach_since), clear_since = NULL'
        : 'breach_since = NULL, clear_since = COALESCE(alert_conditions.clear_since, excluded.clear_since)';
    await this.driver.query(() =>
      run(
        `INSERT INTO alert_conditions (rule_id, subject, breach_since, clear_since) VALUES (?, ?, ?, ?)
        ON CONFLICT (rule_id, subject) DO UPDATE SET ${set}`,
        ruleId,
        subject,
        breach,
        clear,
      ),
    );
  }

  // ---- alerts

  /** The rule's alerts not closed, by subject. */
  async openAlerts(ruleId: string): Promise<Map<string, Alert>> {
    const rows = await this.driver.query(() => all("SELECT * FROM alerts WHERE rule_id = ? AND state <> 'closed'", ruleId));
    return new Map(rows.map((r) => [r.subject as string, alertFromRow(r)]));
  }

  /** Opens an alert unless one is open for its rule and subject (then undefined: nothing written). */
  async open(a: Omit<Alert, 'state' | 'acknowledgedAt' | 'acknowledgedBy' | 'closedAt' | 'closedBy'>): Promise<Alert | undefined> {
    const alert: Alert = { ...a, state: 'open', acknowledgedAt: null, acknowledgedBy: null, closedAt: null, closedBy: null };
    const body = JSON.stringify({
      ruleName: a.ruleName,
      scope: a.scope,
      officeIds: a.officeIds,
      severity: a.severity,
      title: a.title,
      evidence: a.evidence,
    });
    return this.driver.transaction(function* () {
      const inserted = yield* run(
        "INSERT INTO alerts (id, rule_id, subject, state, opened_at, body) VALUES (?, ?, ?, 'open', ?, ?) ON CONFLICT DO NOTHING",
        a.id,
        a.ruleId,
        a.subject,
        a.openedAt,
        body,
      );
      if (inserted !== 1) return undefined;
      for (const office of a.officeIds) yield* run('INSERT INTO alert_offices (alert_id, office_id) VALUES (?, ?)', a.id, office);
      yield* writeEvent(alert, 'opened', a.openedAt, null);
      return alert;
    });
  }

  async get(id: string): Promise<Alert | undefined> {
    return this.driver.query(() => alertById(id));
  }

  async list(filter: AlertFilter, after: string | undefined, limit: number): Promise<Alert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.state === 'active') where.push("a.state <> 'closed'");
    else if (filter.state) {
      where.push('a.state = ?');
      args.push(filter.state);
    }
    if (filter.ruleId) {
      where.push('a.rule_id = ?');
      args.push(filter.ruleId);
    }
    if (filter.officeId) {
      where.push('EXISTS (SELECT 1 FROM alert_offices f WHERE f.alert_id = a.id AND f.office_id = ?)');
      args.push(filter.officeId);
    }
    if (after) {
      where.push('a.id < ?');
      args.push(after);
    }
    const v = visibleSql(filter.visible);
    where.push(v.sql);
    args.push(...v.args);
    const rows = await this.driver.query(() =>
      all(`SELECT a.* FROM alerts a WHERE ${where.join(' AND ')} ORDER BY a.id DESC LIMIT ?`, ...args, limit),
    );
    return rows.map(alertFromRow);
  }

  async details(id: string): Promise<{ comments: AlertComment[]; history: AlertEvent[] }> {
    return this.driver.query(function* () {
      const comments = (yield* all('SELECT id, at, author, text FROM alert_comments WHERE alert_id = ? ORDER BY id', id)).map((r) => ({
        id: r.id as number,
        at: r.at as string,
        by: r.author as string,
        text: r.text as string,
      }));
      const history = (yield* all('SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id', id)).map(eventFromRow);
      return { comments, history };
    });
  }

  /** open → acknowledged; 'missing', or the alert as it is when it was not open. */
  async acknowledge(id: string, by: string): Promise<{ ok: true; alert: Alert } | { ok: false; alert: Alert | undefined }> {
    const at = new Date().toISOString();
    return this.driver.transaction(function* () {
      const changed = yield* run(
        "UPDATE alerts SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ? WHERE id = ? AND state = 'open'",
        at,
        by,
        id,
      );
      const alert = yield* alertById(id);
      if (changed !== 1 || !alert) return { ok: false, alert };
      yield* writeEvent(alert, 'acknowledged', at, by);
      return { ok: true, alert };
    });
  }

  async comment(id: string, by: string, text: string): Promise<AlertComment | undefined> {
    const at = new Date().toISOString();
    return this.driver.transaction(function* () {
      const alert = yield* alertById(id);
      if (!alert) return undefined;
      yield* run('INSERT INTO alert_comments (alert_id, at, author, text) VALUES (?, ?, ?, ?)', id, at, by, text);
      const row = yield* get<{ id: number }>('SELECT MAX(id) AS id FROM alert_comments WHERE alert_id = ?', id);
      yield* writeEvent(alert, 'commented', at, by, { by, text });
      return { id: row!.id, at, by, text };
    });
  }

  /**
   * → closed by `by` (null: the gateway, auto-close), with an optional comment told in the same event.
   * Only one closer wins: the others get `ok: false` with the alert as it is.
   */
  async close(id: string, by: string | null, text?: string): Promise<{ ok: true; alert: Alert } | { ok: false; alert: Alert | undefined }> {
    const at = new Date().toISOString();
    return this.driver.transaction(function* () {
      const changed = yield* run(
        "UPDATE alerts SET state = 'closed', closed_at = ?, closed_by = ? WHERE id = ? AND state <> 'closed'",
        at,
        by,
        id,
      );
      const alert = yield* alertById(id);
      if (changed !== 1 || !alert) return { ok: false, alert };
      const comment = text && by ? { by, text } : undefined;
      if (comment)
        yield* run('INSERT INTO alert_comments (alert_id, at, author, text) VALUES (?, ?, ?, ?)', id, at, comment.by, comment.text);
      yield* writeEvent(alert, 'closed', at, by, comment);
      return { ok: true, alert };
    });
  }

  /** alert_events after `after`, oldest first, of alerts visible to `visible` (undefined: all). */
  async events(after: number, limit: number, visible?: readonly string[]): Promise<AlertEvent[]> {
    const v = visibleSql(visible);
    const rows = await this.driver.query(() =>
      all(
        `SELECT e.* FROM alert_events e JOIN alerts a ON a.id = e.alert_id WHERE e.id > ? AND ${v.sql} ORDER BY e.id LIMIT ?`,
        after,
        ...v.args,
        limit,
      ),
    );
    return rows.map(eventFromRow);
  }
}
