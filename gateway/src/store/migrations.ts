/**
 * Versioned schema, applied in order at start; `PRAGMA user_version` records how far we got.
 * Never edit a shipped migration: append a new one.
 */
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
];
