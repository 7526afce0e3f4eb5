/**
 * SQLite schema, versioned, applied in order at start; `PRAGMA user_version` records how far we got
 * (pg-migrations.ts holds the same schema for PostgreSQL; test/gateway/store/schema-parity.test.ts fails
 * on any difference between the two). Never edit a shipped migration: append a new one, to both files.
 */
import { DEFAULT_MISUSE_RULES, DEFAULT_SCORE_SETTINGS } from '../../../shared/src/index.js';

/** A shared default as an SQL literal. */
function literal(v: number | boolean): string {
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (!Number.isFinite(v)) throw new RangeError(`not a finite default: ${v}`);
  return String(v);
}

/**
 * The settings columns' DEFAULTs (both databases), from shared/: they fill the one settings row a new
 * database gets. A changed shared default reaches databases created after it; an existing database keeps
 * the settings it has (the store never inserts that row again).
 */
export const SETTINGS_DEFAULTS = {
  k: literal(DEFAULT_SCORE_SETTINGS.k),
  neutralDissatisfied: literal(DEFAULT_SCORE_SETTINGS.neutralCountsAsDissatisfied),
  minSample: literal(DEFAULT_SCORE_SETTINGS.minSample),
  lockoutMs: literal(DEFAULT_MISUSE_RULES.lockoutMs),
  burstCount: literal(DEFAULT_MISUSE_RULES.burstCount),
  burstWindowMs: literal(DEFAULT_MISUSE_RULES.burstWindowMs),
} as const;
const D = SETTINGS_DEFAULTS;

/** The count columns of rollup_cell and rollup_month (the other rollups gained theirs by ALTER TABLE). */
export const ROLLUP_COUNTS_DDL = `good INTEGER NOT NULL DEFAULT 0,
    neutral INTEGER NOT NULL DEFAULT 0,
    bad INTEGER NOT NULL DEFAULT 0,
    excl INTEGER NOT NULL DEFAULT 0,
    rev_bad INTEGER NOT NULL DEFAULT 0,
    rev_neutral INTEGER NOT NULL DEFAULT 0,
    ext_bad INTEGER NOT NULL DEFAULT 0,
    ext_neutral INTEGER NOT NULL DEFAULT 0,
    off_bad INTEGER NOT NULL DEFAULT 0,
    off_neutral INTEGER NOT NULL DEFAULT 0,
    prod_bad INTEGER NOT NULL DEFAULT 0,
    prod_neutral INTEGER NOT NULL DEFAULT 0,`;

/** Fills rollup_cell from the hour rows (migration 20, PostgreSQL 18; the bench's bulk seed). */
export const ROLLUP_CELL_FILL = `INSERT INTO rollup_cell (office_id, month, weekday, local_hour, kind, good, neutral, bad, excl, rev_bad, rev_neutral, ext_bad, ext_neutral, off_bad, off_neutral, prod_bad, prod_neutral)
    SELECT office_id, day / 100, weekday, local_hour, kind, sum(good), sum(neutral), sum(bad), sum(excl), sum(rev_bad), sum(rev_neutral), sum(ext_bad), sum(ext_neutral), sum(off_bad), sum(off_neutral), sum(prod_bad), sum(prod_neutral) FROM rollup_hour
    GROUP BY office_id, day / 100, weekday, local_hour, kind HAVING sum(good) <> 0 OR sum(neutral) <> 0 OR sum(bad) <> 0 OR sum(excl) <> 0 OR sum(rev_bad) <> 0 OR sum(rev_neutral) <> 0 OR sum(ext_bad) <> 0 OR sum(ext_neutral) <> 0 OR sum(off_bad) <> 0 OR sum(off_neutral) <> 0 OR sum(prod_bad) <> 0 OR sum(prod_neutral) <> 0;`;

/** Fills rollup_month from the day rows (migration 21, PostgreSQL 19; the bench's bulk seed). */
export const ROLLUP_MONTH_FILL = `INSERT INTO rollup_month (office_id, month, kind, desk_id, employee_id, good, neutral, bad, excl, rev_bad, rev_neutral, ext_bad, ext_neutral, off_bad, off_neutral, prod_bad, prod_neutral)
    SELECT office_id, day / 100, kind, desk_id, employee_id, sum(good), sum(neutral), sum(bad), sum(excl), sum(rev_bad), sum(rev_neutral), sum(ext_bad), sum(ext_neutral), sum(off_bad), sum(off_neutral), sum(prod_bad), sum(prod_neutral) FROM rollup_day
    GROUP BY office_id, day / 100, kind, desk_id, employee_id HAVING sum(good) <> 0 OR sum(neutral) <> 0 OR sum(bad) <> 0 OR sum(excl) <> 0 OR sum(rev_bad) <> 0 OR sum(rev_neutral) <> 0 OR sum(ext_bad) <> 0 OR sum(ext_neutral) <> 0 OR sum(off_bad) <> 0 OR sum(off_neutral) <> 0 OR sum(prod_bad) <> 0 OR sum(prod_neutral) <> 0;`;

/** The rollup_month table (migration 21, WITHOUT ROWID; PostgreSQL 19, which has no such clause). */
export const rollupMonth = (withoutRowid: string) => `CREATE TABLE rollup_month (
    office_id TEXT NOT NULL, month INTEGER NOT NULL, kind TEXT NOT NULL, desk_id TEXT NOT NULL, employee_id TEXT NOT NULL,
${ROLLUP_COUNTS_DDL}
    PRIMARY KEY (office_id, month, kind, desk_id, employee_id)
  )${withoutRowid};`;

export const MIGRATIONS: readonly string[] = [
  /* 1: kiosks, events, gaps, rejections, dead letters, API keys */ `
  CREATE TABLE kiosks (
    id TEXT PRIMARY KEY,
    office_id TEXT,
    panels TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT,
    status_state TEXT,
    status_at TEXT,
    config TEXT,
    config_rev INTEGER NOT NULL DEFAULT 0,
    received INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0
  );
  -- id is the dedup key: a kiosk whose outbox was reset may reuse a seq with a new id.
  -- rid gives later consumers (rollups, exports) a cheap "everything since" cursor.
  CREATE TABLE events (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    kiosk_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    panel TEXT NOT NULL,
    button TEXT NOT NULL,
    at INTEGER NOT NULL,
    clock_synced INTEGER NOT NULL,
    boot_id TEXT NOT NULL,
    uptime_ms INTEGER NOT NULL,
    flags TEXT NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE INDEX events_kiosk_seq ON events (kiosk_id, seq);
  -- Missing seq ranges [from_seq, to_seq], inclusive; late events shrink or split them.
  CREATE TABLE seq_gaps (
    kiosk_id TEXT NOT NULL,
    from_seq INTEGER NOT NULL,
    to_seq INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, from_seq)
  );
  CREATE TABLE rejected_events (
    kiosk_id TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER,
    reason TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (kiosk_id, id)
  );
  CREATE TABLE dead_letters (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    topic TEXT NOT NULL,
    kiosk_id TEXT,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL
  );
  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  `,
  /* 2: organisation model, scored presses, rollups, API key scopes */ `
  CREATE TABLE settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    k REAL NOT NULL DEFAULT ${D.k},
    neutral_dissatisfied INTEGER NOT NULL DEFAULT ${D.neutralDissatisfied},
    min_sample INTEGER NOT NULL DEFAULT ${D.minSample},
    lockout_ms INTEGER NOT NULL DEFAULT ${D.lockoutMs},
    burst_count INTEGER NOT NULL DEFAULT ${D.burstCount},
    burst_window_ms INTEGER NOT NULL DEFAULT ${D.burstWindowMs}
  );
  INSERT INTO settings (id) VALUES (1);
  CREATE TABLE regions (id TEXT PRIMARY KEY, name TEXT NOT NULL);
  CREATE TABLE offices (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL,
    region_id TEXT REFERENCES regions (id), k REAL
  );
  CREATE INDEX offices_region ON offices (region_id);
  CREATE TABLE desks (id TEXT PRIMARY KEY, office_id TEXT NOT NULL REFERENCES offices (id), name TEXT NOT NULL);
  CREATE INDEX desks_office ON desks (office_id);
  CREATE TABLE employees (id TEXT PRIMARY KEY, name TEXT NOT NULL, office_id TEXT REFERENCES offices (id));
  -- Employee at desk over [from_ms, to_ms); to_ms NULL = still assigned.
  CREATE TABLE assignments (
    id TEXT PRIMARY KEY, desk_id TEXT NOT NULL REFERENCES desks (id),
    employee_id TEXT NOT NULL REFERENCES employees (id), from_ms INTEGER NOT NULL, to_ms INTEGER
  );
  CREATE INDEX assignments_desk ON assignments (desk_id, from_ms);
  CREATE INDEX assignments_employee ON assignments (employee_id, from_ms);
  -- A kiosk panel scored for an office (and a desk for staff panels).
  CREATE TABLE panel_bindings (
    kiosk_id TEXT NOT NULL, panel TEXT NOT NULL, kind TEXT NOT NULL,
    office_id TEXT NOT NULL REFERENCES offices (id), desk_id TEXT REFERENCES desks (id),
    PRIMARY KEY (kiosk_id, panel)
  );
  -- Every panel ever bound to a desk (never deleted: its stored presses keep the desk), so that
  -- re-attribution finds a desk's presses through its kiosks' events instead of a per-press desk index.
  CREATE TABLE desk_panels (
    desk_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, panel TEXT NOT NULL, PRIMARY KEY (desk_id, kiosk_id, panel)
  ) WITHOUT ROWID;
  CREATE TRIGGER panel_bindings_desk_insert AFTER INSERT ON panel_bindings WHEN NEW.desk_id IS NOT NULL BEGIN
    INSERT OR IGNORE INTO desk_panels (desk_id, kiosk_id, panel) VALUES (NEW.desk_id, NEW.kiosk_id, NEW.panel);
  END;
  CREATE TRIGGER panel_bindings_desk_update AFTER UPDATE ON panel_bindings WHEN NEW.desk_id IS NOT NULL BEGIN
    INSERT OR IGNORE INTO desk_panels (desk_id, kiosk_id, panel) VALUES (NEW.desk_id, NEW.kiosk_id, NEW.panel);
  END;
  -- Visitor and sales counts per office ('' desk) or desk, per local hour or day starting at start_ms.
  CREATE TABLE visitors (
    office_id TEXT NOT NULL, desk_id TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    day INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (office_id, desk_id, start_ms)
  ) WITHOUT ROWID;
  CREATE TABLE sales (
    office_id TEXT NOT NULL, desk_id TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    day INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (office_id, desk_id, start_ms)
  ) WITHOUT ROWID;
  -- Scoring of each press of a bound panel: t = clock-corrected time (NULL while uncertain),
  -- time_source 0 synced / 1 corrected / 2 uncertain, excl = gateway misuse flag (authoritative).
  -- No (kiosk_id, panel, t) index: presses of a panel arrive in time order but for clock corrections and
  -- filled gaps, so its rare readers (cold panel state, re-flagging, re-attribution) scan the kiosk's
  -- events through events_kiosk_seq instead of every press paying for one more index entry.
  ALTER TABLE events ADD COLUMN office_id TEXT;
  ALTER TABLE events ADD COLUMN desk_id TEXT;
  ALTER TABLE events ADD COLUMN employee_id TEXT;
  ALTER TABLE events ADD COLUMN kind TEXT;
  ALTER TABLE events ADD COLUMN t INTEGER;
  ALTER TABLE events ADD COLUMN time_source INTEGER;
  ALTER TABLE events ADD COLUMN excl INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX events_unsynced ON events (kiosk_id, boot_id) WHERE time_source > 0;
  CREATE INDEX events_uncertain_office ON events (office_id) WHERE time_source = 2;
  -- Per boot, the synced event with the smallest uptime: pins uptime to real time for that boot.
  CREATE TABLE boot_anchors (
    kiosk_id TEXT NOT NULL, boot_id TEXT NOT NULL, uptime_ms INTEGER NOT NULL, at INTEGER NOT NULL,
    PRIMARY KEY (kiosk_id, boot_id)
  ) WITHOUT ROWID;
  -- Rollups: counted presses (excl = misuse, not counted) per local hour and per local day (yyyymmdd).
  -- desk_id / employee_id '' = none (office panel, or unattributed).
  CREATE TABLE rollup_hour (
    office_id TEXT NOT NULL, hour_start INTEGER NOT NULL, kind TEXT NOT NULL, desk_id TEXT NOT NULL,
    employee_id TEXT NOT NULL, day INTEGER NOT NULL, local_hour INTEGER NOT NULL, weekday INTEGER NOT NULL,
    good INTEGER NOT NULL, neutral INTEGER NOT NULL, bad INTEGER NOT NULL, excl INTEGER NOT NULL,
    PRIMARY KEY (office_id, hour_start, kind, desk_id, employee_id)
  ) WITHOUT ROWID;
  CREATE INDEX rollup_hour_employee ON rollup_hour (employee_id, hour_start) WHERE employee_id <> '';
  CREATE INDEX rollup_hour_desk ON rollup_hour (desk_id, hour_start) WHERE desk_id <> '';
  CREATE TABLE rollup_day (
    office_id TEXT NOT NULL, day INTEGER NOT NULL, kind TEXT NOT NULL, desk_id TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    good INTEGER NOT NULL, neutral INTEGER NOT NULL, bad INTEGER NOT NULL, excl INTEGER NOT NULL,
    PRIMARY KEY (office_id, day, kind, desk_id, employee_id)
  ) WITHOUT ROWID;
  CREATE INDEX rollup_day_employee ON rollup_day (employee_id, day) WHERE employee_id <> '';
  CREATE INDEX rollup_day_desk ON rollup_day (desk_id, day) WHERE desk_id <> '';
  CREATE INDEX rollup_day_by_day ON rollup_day (kind, day, employee_id, office_id, good, neutral, bad, excl);
  CREATE TABLE api_key_scopes (
    key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE, scope TEXT NOT NULL, ref_id TEXT NOT NULL,
    PRIMARY KEY (key_id, scope, ref_id)
  );
  `,
  /* 3: desk_panels written by the store itself (one code path for SQLite and PostgreSQL); org_rev: every
     organisation change bumps it, so a gateway knows when its caches of bindings and assignments are stale */ `
  DROP TRIGGER panel_bindings_desk_insert;
  DROP TRIGGER panel_bindings_desk_update;
  ALTER TABLE settings ADD COLUMN org_rev INTEGER NOT NULL DEFAULT 0;
  `,
  /* 4: visitor/sales uploads in flight (SqlOrgStore.putCounts): staged in bounded transactions, then applied
     in bounded transactions; `ready` is an upload's commit point, after which a restart finishes applying it.
     Each staged row carries its (desk, day)'s instructions and the transaction (`chunk`) that applies it. */ `
  CREATE TABLE count_uploads (id TEXT PRIMARY KEY, tbl TEXT NOT NULL, created_ms INTEGER NOT NULL, ready INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE staged_counts (
    rid INTEGER PRIMARY KEY, i INTEGER NOT NULL, upload TEXT NOT NULL, chunk INTEGER NOT NULL,
    office_id TEXT NOT NULL, desk_id TEXT NOT NULL, day INTEGER NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
    hourly INTEGER NOT NULL, replace_all INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, count INTEGER NOT NULL
  );
  CREATE INDEX staged_counts_chunk ON staged_counts (upload, chunk);
  `,
  /* 5: hashes of revoked and rotated-away API keys: a revoked LB_ADMIN_TOKEN must not come back at the next start */ `
  CREATE TABLE revoked_api_keys (hash TEXT PRIMARY KEY, key_id TEXT NOT NULL, name TEXT NOT NULL, revoked_at TEXT NOT NULL);
  `,
  /* 6: kiosk health: what the rules remember between statuses (domain/kiosk-health.ts HealthTrack, JSON),
     and when the current config revision was stored and sent */ `
  ALTER TABLE kiosks ADD COLUMN health TEXT;
  ALTER TABLE kiosks ADD COLUMN config_at TEXT;
  `,
  /* 7: what happened to alerts, in order: the history the console shows, and an outbox for delivery — a row
     is written in the same transaction as the alert change it tells of; delivery fans it out to webhooks and
     mail (making its own delivery rows in one transaction with setting fanned_out), so a crash loses none.
     office_ids: JSON array of the offices concerned ([] = company-wide); payload: JSON of what is told */ `
  CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, rule_id TEXT NOT NULL, kind TEXT NOT NULL,
    at TEXT NOT NULL, actor TEXT, office_ids TEXT NOT NULL, payload TEXT NOT NULL, fanned_out INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX alert_events_pending ON alert_events (id) WHERE fanned_out = 0;
  CREATE INDEX alert_events_alert ON alert_events (alert_id, id);
  `,
  /* 8: alerts (gateway/src/store/alerts.ts, docs/console.md#alerts). alert_rules: each rule's spec as JSON,
     office_ids the offices its scope covered when saved ([] = company-wide). alerts: ONE open (not closed) alert
     per rule and subject, enforced by the unique partial index, so gateways evaluating at once make one;
     alert_offices: which offices an alert concerns (scoped reads). alert_conditions: since when a rule's
     condition has held (breach_since) or been clear (clear_since) for a subject: durations and auto-close
     survive restarts and agree across gateways. events_office_t: the rules' sliding windows read the presses
     of an office in a time range */ `
  CREATE TABLE alert_rules (
    id TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, scope_level TEXT NOT NULL, scope_id TEXT,
    office_ids TEXT NOT NULL, spec TEXT NOT NULL, enabled INTEGER NOT NULL, created_at TEXT NOT NULL, created_by TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE alerts (
    id TEXT NOT NULL PRIMARY KEY, rule_id TEXT NOT NULL, subject TEXT NOT NULL, state TEXT NOT NULL, opened_at TEXT NOT NULL,
    acknowledged_at TEXT, acknowledged_by TEXT, closed_at TEXT, closed_by TEXT, body TEXT NOT NULL
  );
  CREATE UNIQUE INDEX alerts_one_open ON alerts (rule_id, subject) WHERE state <> 'closed';
  CREATE INDEX alerts_rule ON alerts (rule_id, id);
  CREATE TABLE alert_offices (alert_id TEXT NOT NULL, office_id TEXT NOT NULL, PRIMARY KEY (alert_id, office_id));
  CREATE INDEX alert_offices_office ON alert_offices (office_id, alert_id);
  CREATE TABLE alert_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT, alert_id TEXT NOT NULL, at TEXT NOT NULL, author TEXT NOT NULL, text TEXT NOT NULL
  );
  CREATE INDEX alert_comments_alert ON alert_comments (alert_id, id);
  CREATE TABLE alert_conditions (
    rule_id TEXT NOT NULL, subject TEXT NOT NULL, breach_since TEXT, clear_since TEXT, PRIMARY KEY (rule_id, subject)
  );
  CREATE INDEX events_office_t ON events (office_id, t);
  `,
  /* 9: console sign-in sessions
     (store/sessions.ts). token_hash: SHA-256 of the cookie token, never the token; key_hash: the API key's
     hash when signed in, so rotating the key ends its sessions; deleting the key deletes them. Times in ms */ `
  CREATE TABLE sessions (
    id TEXT NOT NULL PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
    key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE, key_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_seen INTEGER NOT NULL
  );
  CREATE INDEX sessions_key ON sessions (key_id);
  `,
  /* 10: delivery (gateway/src/delivery/): who is told (subscriptions: a webhook URL with its signing secret —
     stored as is, it must be, to sign — or an email address with a language and report frequencies), and
     what is to be sent (deliveries, one per alert event and subscription or per report and period: idem_key
     is unique, so fan-out and report scheduling on several gateways make each once). A worker claims due
     rows with a lease (claimed_by, claimed_until_ms) and retries with back-off until delivered or failed */ `
  CREATE TABLE subscriptions (
    id TEXT NOT NULL PRIMARY KEY, channel TEXT NOT NULL, target TEXT NOT NULL, secret TEXT,
    scope_level TEXT NOT NULL, scope_id TEXT, kinds TEXT NOT NULL, language TEXT NOT NULL, reports TEXT NOT NULL,
    enabled INTEGER NOT NULL, created_at TEXT NOT NULL
  );
  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT, idem_key TEXT NOT NULL UNIQUE, subscription_id TEXT NOT NULL,
    channel TEXT NOT NULL, target TEXT NOT NULL, office_ids TEXT NOT NULL, payload TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL, last_error TEXT,
    claimed_by TEXT, claimed_until_ms INTEGER, created_at TEXT NOT NULL, done_at TEXT
  );
  CREATE INDEX deliveries_due ON deliveries (next_attempt_ms) WHERE state = 'pending';
  CREATE INDEX deliveries_subscription ON deliveries (subscription_id, id);
  `,
  /* 11 (issue 14's duty work): the employee's name as the staff
     question says it (e.g. the genitive), pushed to kiosks as the panel's duty; NULL = the name */ `
  ALTER TABLE employees ADD COLUMN question_name TEXT;
  -- What the queue system told (POST /api/v1/queue/events), once per id: desks opened and closed by operators
  -- (which became assignments), tickets called and served; served tickets are each employee's visitors.
  CREATE TABLE queue_events (
    id TEXT NOT NULL PRIMARY KEY, type TEXT NOT NULL, desk_id TEXT NOT NULL, employee_id TEXT NOT NULL, ticket TEXT,
    at_ms INTEGER NOT NULL, received_at TEXT NOT NULL
  );
  CREATE INDEX queue_events_served ON queue_events (employee_id, at_ms) WHERE type = 'served';
  `,
  /* 12: what a press carries beyond its button (docs/contract.md): the queue ticket an armed panel was armed
     for, and the reason the customer gave after a bad press (a ReasonEvent's option id, set on its press) */ `
  ALTER TABLE events ADD COLUMN ticket TEXT;
  ALTER TABLE events ADD COLUMN reason TEXT;
  `,
  /* 13 (issue 14, visitors from the queue): a served ticket is one visitor whichever way it came (the events
     endpoint's id or a served.csv line), so (desk, ticket, time) is unique among served events; queue_days
     counts each office day's served tickets per desk and operator, and marks the days the queue system fed */ `
  DELETE FROM queue_events WHERE type = 'served' AND id NOT IN
    (SELECT min(id) FROM queue_events WHERE type = 'served' GROUP BY desk_id, ticket, at_ms);
  CREATE UNIQUE INDEX queue_events_served_once ON queue_events (desk_id, ticket, at_ms) WHERE type = 'served';
  CREATE TABLE queue_days (
    office_id TEXT NOT NULL, day INTEGER NOT NULL, desk_id TEXT NOT NULL, employee_id TEXT NOT NULL,
    served INTEGER NOT NULL, PRIMARY KEY (office_id, day, desk_id, employee_id)
  ) WITHOUT ROWID;
  CREATE INDEX queue_days_employee ON queue_days (employee_id, day);
  CREATE INDEX queue_days_desk ON queue_days (desk_id, day);
  `,
  /* 14 (issue 14's armed mode and reasons): armed presses find the tickets served at their desk in their window
     (queue_events_desk) and whether a ticket was answered already (events_ticket); reasons: each ReasonEvent once
     per id (the dedup key), the press it explains and its option id, kept even when that press is unknown;
     events_reason: the scores' breakdown of counted bad presses by reason reads only presses that have one.
     events.excl is now a bit set: 1 = misuse (repeat/burst), 2 = outside the armed window */ `
  CREATE INDEX queue_events_desk ON queue_events (desk_id, at_ms) WHERE type = 'served';
  CREATE INDEX events_ticket ON events (desk_id, ticket) WHERE ticket IS NOT NULL;
  CREATE INDEX events_reason ON events (office_id, t) WHERE reason IS NOT NULL;
  CREATE TABLE reasons (
    id TEXT NOT NULL PRIMARY KEY, kiosk_id TEXT NOT NULL, seq INTEGER NOT NULL, panel TEXT NOT NULL, reason_for TEXT NOT NULL,
    reason TEXT NOT NULL, at INTEGER NOT NULL, received_at INTEGER NOT NULL
  );
  `,
  /* 15 (issue 13): review of negative answers. A case is a counted dissatisfied press (its id is the press's);
     events.cause is its current classification (NULL = pending), so the scoring pass carries it through every
     re-flag, clock correction and re-attribution like the rest of a press's contribution. The rollups count,
     among counted bad and neutral presses, those classified (rev_*) and those classified as not caused by staff
     (ext_*: office, product, customer): ИНК Персонал, qualified, and the pending backlog are then read from the
     rollups the scores already read. case_notes: the current note, who and when; case_audit: every change,
     append-only (nothing updates or deletes it). events_cases: the classified presses of an office by time
     (localisation by cause) */ `
  ALTER TABLE events ADD COLUMN cause TEXT;
  ALTER TABLE rollup_hour ADD COLUMN rev_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_hour ADD COLUMN rev_neutral INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_hour ADD COLUMN ext_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_hour ADD COLUMN ext_neutral INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN rev_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN rev_neutral INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN ext_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN ext_neutral INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX events_cases ON events (office_id, t) WHERE cause IS NOT NULL;
  CREATE TABLE case_notes (
    event_id TEXT NOT NULL PRIMARY KEY, note TEXT NOT NULL, by_key TEXT NOT NULL, by_name TEXT NOT NULL, at TEXT NOT NULL
  );
  CREATE TABLE case_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, at TEXT NOT NULL, by_key TEXT NOT NULL, by_name TEXT NOT NULL,
    from_cause TEXT, to_cause TEXT NOT NULL, note TEXT NOT NULL, batch TEXT
  );
  CREATE INDEX case_audit_event ON case_audit (event_id, id);
  `,
  /* 16 (issue 13, closing the loop): the closed loop (store/loop.ts, docs/scores.md). interventions:
     corrective actions on an employee, desk or office, with the subject's office for scoped reads; day is the local
     date YYYY-MM-DD. reference_values: every version of a business type's reference values (JSON per panel kind
     and index), appended, never overwritten. reference_company: the company's default business type (one row).
     offices.business_type: an office's own type. mystery_shops: mystery-shopper visits per employee */ `
  CREATE TABLE interventions (
    id TEXT NOT NULL PRIMARY KEY, subject_level TEXT NOT NULL, subject_id TEXT NOT NULL, office_id TEXT, day TEXT NOT NULL,
    kind TEXT NOT NULL, description TEXT NOT NULL, who TEXT NOT NULL, created_at TEXT NOT NULL
  );
  CREATE INDEX interventions_subject ON interventions (subject_level, subject_id, day);
  CREATE TABLE reference_values (
    business_type TEXT NOT NULL, version INTEGER NOT NULL, value_json TEXT NOT NULL, note TEXT, created_by TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (business_type, version)
  );
  CREATE TABLE reference_company (id TEXT NOT NULL PRIMARY KEY, business_type TEXT NOT NULL);
  ALTER TABLE offices ADD COLUMN business_type TEXT;
  CREATE TABLE mystery_shops (
    id TEXT NOT NULL PRIMARY KEY, employee_id TEXT NOT NULL, office_id TEXT, day TEXT NOT NULL, score REAL NOT NULL,
    notes TEXT NOT NULL, who TEXT NOT NULL, created_at TEXT NOT NULL
  );
  CREATE INDEX mystery_shops_employee ON mystery_shops (employee_id, day);
  `,
  /* 17 (issue 13, the CRM): crm_feed: every counted negative press in the order ingest committed it, written in
     ingest's transaction with its press.negative outbox row — the CRM export's cursor (seq) gives each case once,
     even when presses arrive out of time order. case_follow_ups: what the CRM learnt surveying the customer,
     once per CRM reference (a retried POST finds its row), append-only like case_audit */ `
  CREATE TABLE crm_feed (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, office_id TEXT NOT NULL);
  CREATE TABLE case_follow_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, crm_ref TEXT NOT NULL UNIQUE, outcome TEXT NOT NULL,
    answer TEXT, cause TEXT, comment TEXT NOT NULL, by_key TEXT NOT NULL, by_name TEXT NOT NULL, at TEXT NOT NULL
  );
  CREATE INDEX case_follow_ups_event ON case_follow_ups (event_id, id);
  `,
  /* 18 (issue 13, where qualified-out negatives go): the rollups also count, among the counted bad and neutral
     presses classified as not caused by staff (ext_*), those classified `office` (off_*) and `product` (prod_*), for
     the office- and product-caused figures (docs/scores.md, `causedBy`) read from the same rollup rows. Existing
     classifications are counted in: each hour row from its presses (events_cases; a local hour is one hour long),
     each day row from its hours */ `
  ALTER TABLE rollup_hour ADD COLUMN off_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_hour ADD COLUMN off_neutral INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_hour ADD COLUMN prod_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_hour ADD COLUMN prod_neutral INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN off_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN off_neutral INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN prod_bad INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rollup_day ADD COLUMN prod_neutral INTEGER NOT NULL DEFAULT 0;
  UPDATE rollup_hour SET
    off_bad = (SELECT count(*) FROM events e WHERE e.office_id = rollup_hour.office_id AND e.t >= rollup_hour.hour_start
      AND e.t < rollup_hour.hour_start + 3600000 AND e.cause = 'office' AND e.button = 'bad' AND e.excl = 0
      AND e.kind = rollup_hour.kind AND coalesce(e.desk_id, '') = rollup_hour.desk_id AND coalesce(e.employee_id, '') = rollup_hour.employee_id),
    off_neutral = (SELECT count(*) FROM events e WHERE e.office_id = rollup_hour.office_id AND e.t >= rollup_hour.hour_start
      AND e.t < rollup_hour.hour_start + 3600000 AND e.cause = 'office' AND e.button = 'neutral' AND e.excl = 0
      AND e.kind = rollup_hour.kind AND coalesce(e.desk_id, '') = rollup_hour.desk_id AND coalesce(e.employee_id, '') = rollup_hour.employee_id),
    prod_bad = (SELECT count(*) FROM events e WHERE e.office_id = rollup_hour.office_id AND e.t >= rollup_hour.hour_start
      AND e.t < rollup_hour.hour_start + 3600000 AND e.cause = 'product' AND e.button = 'bad' AND e.excl = 0
      AND e.kind = rollup_hour.kind AND coalesce(e.desk_id, '') = rollup_hour.desk_id AND coalesce(e.employee_id, '') = rollup_hour.employee_id),
    prod_neutral = (SELECT count(*) FROM events e WHERE e.office_id = rollup_hour.office_id AND e.t >= rollup_hour.hour_start
      AND e.t < rollup_hour.hour_start + 3600000 AND e.cause = 'product' AND e.button = 'neutral' AND e.excl = 0
      AND e.kind = rollup_hour.kind AND coalesce(e.desk_id, '') = rollup_hour.desk_id AND coalesce(e.employee_id, '') = rollup_hour.employee_id)
  WHERE ext_bad + ext_neutral > 0;
  UPDATE rollup_day SET
    off_bad = (SELECT coalesce(sum(h.off_bad), 0) FROM rollup_hour h WHERE h.office_id = rollup_day.office_id AND h.day = rollup_day.day
      AND h.kind = rollup_day.kind AND h.desk_id = rollup_day.desk_id AND h.employee_id = rollup_day.employee_id),
    off_neutral = (SELECT coalesce(sum(h.off_neutral), 0) FROM rollup_hour h WHERE h.office_id = rollup_day.office_id AND h.day = rollup_day.day
      AND h.kind = rollup_day.kind AND h.desk_id = rollup_day.desk_id AND h.employee_id = rollup_day.employee_id),
    prod_bad = (SELECT coalesce(sum(h.prod_bad), 0) FROM rollup_hour h WHERE h.office_id = rollup_day.office_id AND h.day = rollup_day.day
      AND h.kind = rollup_day.kind AND h.desk_id = rollup_day.desk_id AND h.employee_id = rollup_day.employee_id),
    prod_neutral = (SELECT coalesce(sum(h.prod_neutral), 0) FROM rollup_hour h WHERE h.office_id = rollup_day.office_id AND h.day = rollup_day.day
      AND h.kind = rollup_day.kind AND h.desk_id = rollup_day.desk_id AND h.employee_id = rollup_day.employee_id)
  WHERE ext_bad + ext_neutral > 0;
  `,
  /* 19 (issue 13, rankings at 10 M presses with 1 M classified cases): the day rollup's two ranking indexes
     cover every count, so ranking a month's employees reads no table row (issue 13's review counts had made
     each of ~47 000 index entries a primary-key lookup: 170 ms of a 400 ms ranking); the employee index,
     ordered by employee and day, also gives an employee's days with presses without a sort */ `
  DROP INDEX rollup_day_by_day;
  CREATE INDEX rollup_day_by_day ON rollup_day (kind, day, employee_id, office_id, good, neutral, bad, excl, rev_bad, rev_neutral, ext_bad, ext_neutral, off_bad, off_neutral, prod_bad, prod_neutral);
  DROP INDEX rollup_day_employee;
  CREATE INDEX rollup_day_employee ON rollup_day (employee_id, day, kind, office_id, good, neutral, bad, excl, rev_bad, rev_neutral, ext_bad, ext_neutral, off_bad, off_neutral, prod_bad, prod_neutral) WHERE employee_id <> '';
  ANALYZE rollup_day;
  `,
  /* 20 (issue 13, office scores at 10 M presses): rollup_cell, an office's counts per local (weekday, hour of
     day) over each local month (yyyymm), all its desks and employees together — the hour × weekday
     breakdown of whole months reads these instead of the hour rows (2 443 rows instead of 11 411 for an
     office's year in the 10 M-press bench). Kept by ingest with the hour and day rows; filled here from the
     hour rows */ `
  CREATE TABLE rollup_cell (
    office_id TEXT NOT NULL, month INTEGER NOT NULL, weekday INTEGER NOT NULL, local_hour INTEGER NOT NULL, kind TEXT NOT NULL,
${ROLLUP_COUNTS_DDL}
    PRIMARY KEY (office_id, month, weekday, local_hour, kind)
  ) WITHOUT ROWID;
  ${ROLLUP_CELL_FILL}
  `,
  /* 21 (issue 13, rankings at 10 M presses): rollup_month, the day rows summed per local month (yyyymm) —
     a month's ranking of 3 000 employees sums ~2 700 of these instead of ~45 000 day rows, and an office's
     year by month ~200 instead of ~4 000. Kept by ingest with the other rollups; filled here from the day
     rows. Its index serves rankings as rollup_day_by_day does, but covers no count: an upsert then changes
     the table row only (a covering index is rewritten with every count that changes — ingest's cost), and a
     month's ~2 700 rows are looked up as fast as read from an index on this table's size */ `
  ${rollupMonth(' WITHOUT ROWID')}
  CREATE INDEX rollup_month_by_month ON rollup_month (kind, month, employee_id);
  ${ROLLUP_MONTH_FILL}
  ANALYZE rollup_month;
  `,
  /* 22 (issue 13, cases that become cases later): where feeding the CRM the neutral presses that became
     cases when neutralCountsAsDissatisfied was switched on has got to (the last rid fed; NULL: nothing to
     feed), so a gateway stopped half-way carries on at its next start (store/negative-feed.ts) */ `
  ALTER TABLE settings ADD COLUMN crm_neutral_after BIGINT;
  `,
  /* 23 (issue 13, a settings change carried through a restart): where re-judging every stored press under new
     misuse rules has got to (the last kiosk whose panels are done; '' none yet; NULL nothing to re-judge), so a
     gateway stopped half-way carries on at its next start (store/organisation.ts rejudge) */ `
  ALTER TABLE settings ADD COLUMN rejudge_after TEXT;
  `,
];
