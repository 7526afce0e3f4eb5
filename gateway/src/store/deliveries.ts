/**
 * Delivery's persistence (gateway/src/delivery/ decides and sends): subscriptions, the fan-out of
 * alert_events into one delivery row per matching subscription, and the deliveries' lease-based claim.
 * Each delivery is made once (its idem_key is unique) and sent by one gateway at a time: a claim sets a
 * lease under `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has one writer and one gateway).
 */
import { ulid } from 'ulid';
import type { Delivery, DeliveryState } from '../../../shared/src/delivery-schema.js';

import { all, get, inList, run, value, type Q, type Row, type SqlDriver } from './sql.js';

export type { Delivery, DeliveryState };
export type Channel = Delivery['channel'];
export type ScopeLevel = 'company' | 'region' | 'office';
export type ReportFrequency = 'daily' | 'weekly' | 'monthly';

export interface Subscription {
  id: string;
  channel: Channel;
  /** The webhook URL or the email address. */
  target: string;
  scope: { level: ScopeLevel; id: string | null };
  /** Alert event kinds told ('opened', 'acknowledged', 'commented', 'closed'); [] = none. */
  kinds: string[];
  language: 'en' | 'ru';
  /** Email only: scheduled reports. */
  reports: ReportFrequency[];
  enabled: boolean;
  createdAt: string;
}
export type NewSubscription = Omit<Subscription, 'id' | 'createdAt'> & { secret?: string };

/** A claimed delivery, with what the sender needs. */
export interface ClaimedDelivery extends Delivery {
  payload: string;
  /** The webhook's signing secret now (a rotation applies to retries). */
  secret: string | null;
}
export interface NewDelivery {
  idemKey: string;
  subscriptionId: string;
  channel: Channel;
  target: string;
  officeIds: string[];
  payload: string;
}

/** One alert_events row as fan-out reads it. */
export interface AlertEventRow {
  id: number;
  alertId: string;
  kind: string;
  at: string;
  /** [] = company-wide. */
  officeIds: string[];
  payload: unknown;
}

/** An alert_events row (office_ids and payload are JSON): fan-out, reports and the live feed read it alike. */
export function alertEventFromRow(r: Record<string, unknown>): AlertEventRow {
  return {
    id: Number(r.id),
    alertId: r.alert_id as string,
    kind: r.kind as string,
    at: r.at as string,
    officeIds: JSON.parse(r.office_ids as string) as string[],
    payload: JSON.parse(r.payload as string) as unknown,
  };
}

const SUB_COLUMNS = 'id, channel, target, scope_level, scope_id, kinds, language, reports, enabled, created_at';

function subscriptionFromRow(r: Row): Subscription {
  return {
    id: r.id as string,
    channel: r.channel as Channel,
    target: r.target as string,
    scope: { level: r.scope_level as ScopeLevel, id: (r.scope_id as string | null) ?? null },
    kinds: JSON.parse(r.kinds as string) as string[],
    language: r.language as 'en' | 'ru',
    reports: JSON.parse(r.reports as string) as ReportFrequency[],
    enabled: r.enabled === 1,
    createdAt: r.created_at as string,
  };
}

const DELIVERY_COLUMNS =
  'd.id, d.idem_key, d.subscription_id, d.channel, d.target, d.office_ids, d.state, d.attempts, d.next_attempt_ms, d.last_error, d.created_at, d.done_at';

function deliveryFromRow(r: Row): Delivery {
  return {
    id: Number(r.id),
    idemKey: r.idem_key as string,
    subscriptionId: r.subscription_id as string,
    channel: r.channel as Channel,
    target: r.target as string,
    officeIds: JSON.parse(r.office_ids as string) as string[],
    state: r.state as DeliveryState,
    attempts: r.attempts as number,
    nextAttemptAt: r.state === 'pending' ? new Date(Number(r.next_attempt_ms)).toISOString() : null,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: r.created_at as string,
    doneAt: (r.done_at as string | null) ?? null,
  };
}

const DELIVERY_INSERT_COLUMNS = [
  'idem_key',
  'subscription_id',
  'channel',
  'target',
  'office_ids',
  'payload',
  'state',
  'next_attempt_ms',
  'created_at',
];

function* insertDeliveries(rows: NewDelivery[], now: number): Q<number> {
  let inserted = 0;
  const at = new Date(now).toISOString();
  for (const d of rows) {
    inserted += yield* run(
      `INSERT INTO deliveries (${DELIVERY_INSERT_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING`,
      d.idemKey,
      d.subscriptionId,
      d.channel,
      d.target,
      JSON.stringify(d.officeIds),
      d.payload,
      now,
      at,
    );
  }
  return inserted;
}

export class DeliveryStore {
  constructor(private readonly driver: SqlDriver) {}

  // ── subscriptions ──────────────────────────────────────────────────────────────────────────────────

  async createSubscription(s: NewSubscription): Promise<Subscription> {
    const id = ulid();
    const createdAt = new Date().toISOString();
    await this.driver.query(() =>
      run(
        `INSERT INTO subscriptions (${SUB_COLUMNS}, secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        s.channel,
        s.target,
        s.scope.level,
        s.scope.id,
        JSON.stringify(s.kinds),
        s.language,
        JSON.stringify(s.reports),
        s.enabled ? 1 : 0,
        createdAt,
        s.secret ?? null,
      ),
    );
    return {
      id,
      createdAt,
      channel: s.channel,
      target: s.target,
      scope: s.scope,
      kinds: s.kinds,
      language: s.language,
      reports: s.reports,
      enabled: s.enabled,
    };
  }

  async getSubscription(id: string): Promise<Subscription | undefined> {
    const r = await this.driver.query(() => get(`SELECT ${SUB_COLUMNS} FROM subscriptions WHERE id = ?`, id));
    return r && subscriptionFromRow(r);
  }

  async listSubscriptions(channel?: Channel): Promise<Subscription[]> {
    const rows = await this.driver.query(() =>
      channel
        ? all(`SELECT ${SUB_COLUMNS} FROM subscriptions WHERE channel = ? ORDER BY id`, channel)
        : all(`SELECT ${SUB_COLUMNS} FROM subscriptions ORDER BY id`),
    );
    return rows.map(subscriptionFromRow);
  }

  /** Replaces the editable fields; false when there is no such subscription. */
  async updateSubscription(s: Omit<Subscription, 'createdAt'>): Promise<boolean> {
    const changed = await this.driver.query(() =>
      run(
        'UPDATE subscriptions SET target = ?, scope_level = ?, scope_id = ?, kinds = ?, language = ?, reports = ?, enabled = ? WHERE id = ? AND channel = ?',
        s.target,
        s.scope.level,
        s.scope.id,
        JSON.stringify(s.kinds),
        s.language,
        JSON.stringify(s.reports),
        s.enabled ? 1 : 0,
        s.id,
        s.channel,
      ),
    );
    return changed === 1;
  }

  async setSecret(id: string, secret: string): Promise<boolean> {
    return (
      (await this.driver.query(() => run("UPDATE subscriptions SET secret = ? WHERE id = ? AND channel = 'webhook'", secret, id))) === 1
    );
  }

  /** Deletes it; its pending deliveries fail ("subscription deleted"), the log keeps them. */
  async deleteSubscription(id: string, channel: Channel): Promise<boolean> {
    const at = new Date().toISOString();
    return this.driver.transaction(function* () {
      const n = yield* run('DELETE FROM subscriptions WHERE id = ? AND channel = ?', id, channel);
      if (n === 1)
        yield* run(
          "UPDATE deliveries SET state = 'failed', last_error = 'subscription deleted', done_at = ? WHERE subscription_id = ? AND state = 'pending'",
          at,
          id,
        );
      return n === 1;
    });
  }

  // ── fan-out ────────────────────────────────────────────────────────────────────────────────────────

  /** Whether some alert event waits for fan-out (cheap: the partial index). */
  async hasPendingEvents(): Promise<boolean> {
    return (await this.driver.query(() => value('SELECT id FROM alert_events WHERE fanned_out = 0 LIMIT 1'))) !== undefined;
  }

  /**
   * In one transaction: up to `limit` events not yet fanned out (locked, skipping those another gateway
   * holds), the deliveries `plan` makes of them, and fanned_out = 1. Returns the events taken and the
   * deliveries made (fewer when another gateway made some first).
   */
  async fanOut(
    limit: number,
    plan: (events: AlertEventRow[], subs: Subscription[]) => NewDelivery[],
    now: number,
  ): Promise<{ events: number; made: number }> {
    const lock = this.driver.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    return this.driver.transaction(function* () {
      const rows = yield* all(
        `SELECT id, alert_id, kind, at, office_ids, payload FROM alert_events WHERE fanned_out = 0 ORDER BY id LIMIT ?${lock}`,
        limit,
      );
      if (rows.length === 0) return { events: 0, made: 0 };
      const events = rows.map(alertEventFromRow);
      const subs = (yield* all(`SELECT ${SUB_COLUMNS} FROM subscriptions WHERE enabled = 1 ORDER BY id`)).map(subscriptionFromRow);
      const made = yield* insertDeliveries(plan(events, subs), now);
      const ids = inList(
        'id',
        events.map((e) => e.id),
      );
      yield* run(`UPDATE alert_events SET fanned_out = 1 WHERE ${ids.sql}`, ...ids.args);
      return { events: events.length, made };
    });
  }

  /** Inserts deliveries (reports); those whose idem_key exists are skipped. Returns how many were new. */
  async addDeliveries(rows: NewDelivery[], now: number): Promise<number> {
    return this.driver.transaction(() => insertDeliveries(rows, now));
  }

  /** The first local date (YYYY-MM-DD) of the latest report made for a subscription and frequency, if any. */
  async lastReportDate(subscriptionId: string, frequency: ReportFrequency): Promise<string | undefined> {
    const prefix = `report:${subscriptionId}:${frequency}:`;
    // Keys end in YYYY-MM-DD: the greatest key is the latest period. A range, not LIKE: ids may hold `_`.
    const key = await this.driver.query(() =>
      value<string>('SELECT MAX(idem_key) FROM deliveries WHERE idem_key >= ? AND idem_key < ?', `${prefix}0`, `${prefix}:`),
    );
    return key ? key.slice(prefix.length) : undefined;
  }

  async hasDelivery(idemKey: string): Promise<boolean> {
    return (await this.driver.query(() => value('SELECT 1 FROM deliveries WHERE idem_key = ?', idemKey))) !== undefined;
  }

  // ── the worker's claim ─────────────────────────────────────────────────────────────────────────────

  /**
   * Claims up to `limit` pending deliveries due at `now` whose lease (if any) has run out, for `leaseMs`:
   * the attempt counts from here, so a gateway killed while sending still used one.
   */
  async claim(by: string, channels: readonly Channel[], now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const lock = this.driver.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const ch = inList('channel', channels);
    return this.driver.transaction(function* () {
      const due = yield* all<{ id: number }>(
        `SELECT id FROM deliveries WHERE state = 'pending' AND next_attempt_ms <= ? AND ${ch.sql}
        AND (claimed_until_ms IS NULL OR claimed_until_ms < ?) ORDER BY next_attempt_ms, id LIMIT ?${lock}`,
        now,
        ...ch.args,
        now,
        limit,
      );
      if (due.length === 0) return [];
      const dueIds = due.map((d) => Number(d.id));
      const ids = inList('d.id', dueIds);
      const own = inList('id', dueIds);
      yield* run(
        `UPDATE deliveries SET claimed_by = ?, claimed_until_ms = ?, attempts = attempts + 1 WHERE ${own.sql}`,
        by,
        now + leaseMs,
        ...own.args,
      );
      const rows = yield* all(
        `SELECT ${DELIVERY_COLUMNS}, d.payload, s.secret FROM deliveries d LEFT JOIN subscriptions s ON s.id = d.subscription_id
        WHERE ${ids.sql} ORDER BY d.id`,
        ...ids.args,
      );
      return rows.map((r) => ({ ...deliveryFromRow(r), payload: r.payload as string, secret: (r.secret as string | null) ?? null }));
    });
  }

  /**
   * The outcome of an attempt by `by`: delivered, failed for good, or pending again at `retryAt`. Ignored
   * (false) when the lease passed to another gateway meanwhile.
   */
  async finish(
    id: number,
    by: string,
    outcome: { state: 'delivered' } | { state: 'failed'; error: string } | { state: 'pending'; error: string; retryAt: number },
  ): Promise<boolean> {
    const at = new Date().toISOString();
    const changed = await this.driver.query(() =>
      outcome.state === 'pending'
        ? run(
            `UPDATE deliveries SET last_error = ?, next_attempt_ms = ?, claimed_by = NULL, claimed_until_ms = NULL
            WHERE id = ? AND claimed_by = ? AND state = 'pending'`,
            outcome.error,
            outcome.retryAt,
            id,
            by,
          )
        : run(
            // A delivered row keeps the error of its last failed attempt: the log shows it had trouble.
            `UPDATE deliveries SET state = ?, last_error = ${outcome.state === 'failed' ? '?' : 'coalesce(?, last_error)'}, done_at = ?,
            claimed_by = NULL, claimed_until_ms = NULL WHERE id = ? AND claimed_by = ? AND state = 'pending'`,
            outcome.state,
            outcome.state === 'failed' ? outcome.error : null,
            at,
            id,
            by,
          ),
    );
    return changed === 1;
  }

  /** The earliest time a pending delivery is due, if any (the worker sleeps until then). */
  async nextDue(channels: readonly Channel[]): Promise<number | undefined> {
    const ch = inList('channel', channels);
    const v = await this.driver.query(() =>
      value<number | string | null>(
        `SELECT min(CASE WHEN claimed_until_ms IS NULL OR claimed_until_ms < next_attempt_ms THEN next_attempt_ms ELSE claimed_until_ms END)
        FROM deliveries WHERE state = 'pending' AND ${ch.sql}`,
        ...ch.args,
      ),
    );
    return v == null ? undefined : Number(v);
  }

  // ── the log ────────────────────────────────────────────────────────────────────────────────────────

  async getDelivery(id: number): Promise<Delivery | undefined> {
    const r = await this.driver.query(() => get(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = ?`, id));
    return r && deliveryFromRow(r);
  }

  /** Newest first, ids below `before`. */
  async listDeliveries(
    filter: { state?: DeliveryState; subscriptionId?: string },
    before: number | undefined,
    limit: number,
  ): Promise<Delivery[]> {
    const where: string[] = ['d.id < ?'];
    const args: unknown[] = [before ?? Number.MAX_SAFE_INTEGER];
    if (filter.state) where.push('d.state = ?'), args.push(filter.state);
    if (filter.subscriptionId) where.push('d.subscription_id = ?'), args.push(filter.subscriptionId);
    const rows = await this.driver.query(() =>
      all(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE ${where.join(' AND ')} ORDER BY d.id DESC LIMIT ?`, ...args, limit),
    );
    return rows.map(deliveryFromRow);
  }

  /** Makes a delivered or failed delivery pending again, due now, with a fresh count of attempts. */
  async retry(id: number, now: number): Promise<boolean> {
    return (
      (await this.driver.query(() =>
        run(
          "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_ms = ?, done_at = NULL, claimed_by = NULL, claimed_until_ms = NULL WHERE id = ? AND state <> 'pending'",
          now,
          id,
        ),
      )) === 1
    );
  }

  /** The latest event of each alert concerning these offices (or all) whose latest is not 'closed'. */
  async openAlerts(): Promise<AlertEventRow[]> {
    const rows = await this.driver.query(() =>
      all(
        `SELECT e.id, e.alert_id, e.kind, e.at, e.office_ids, e.payload FROM alert_events e
        WHERE e.id = (SELECT max(id) FROM alert_events l WHERE l.alert_id = e.alert_id) AND e.kind <> 'closed' ORDER BY e.id`,
      ),
    );
    return rows.map(alertEventFromRow);
  }
}
