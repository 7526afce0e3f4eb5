import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { SqliteOutbox } from '../../device/src/outbox.js';
import { removeTempDirs, tempDir } from './helpers.js';

afterEach(removeTempDirs);

describe('outbox file from before reasons and tickets', () => {
  it('is upgraded in place: its pending press is still sent, then reasons and tickets continue the same seq', () => {
    const file = join(tempDir(), 'outbox.db');
    const old = new Database(file);
    old.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, panel TEXT NOT NULL,
      button TEXT NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL, clock_synced INTEGER NOT NULL, boot_id TEXT NOT NULL,
      uptime_ms INTEGER NOT NULL, flags TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', reason TEXT, settled_ms INTEGER)`);
    old
      .prepare(
        `INSERT INTO events (id, panel, button, at, at_ms, clock_synced, boot_id, uptime_ms, flags) VALUES (?, 'desk', 'bad', ?, ?, 1, 'b', 1, '[]')`,
      )
      .run('01OLDPRESS000001', '2026-11-30T10:00:00.000Z', Date.parse('2026-11-30T10:00:00.000Z'));
    old.close();

    const outbox = new SqliteOutbox(file);
    const common = { at: '2026-11-30T10:00:05.000Z', clockSynced: true, bootId: 'b', uptimeMs: 5 };
    const reason = outbox.appendReason({
      type: 'reason',
      id: '01REASON00000001',
      panel: 'desk',
      reasonFor: '01OLDPRESS000001',
      reason: 'slow',
      ...common,
    });
    const armed = outbox.append({ id: '01ARMED000000001', panel: 'desk', button: 'good', flags: [], ticket: 'A-017', ...common });
    expect([reason.seq, armed.seq]).toEqual([2, 3]);
    expect(outbox.pendingAfter(0, 10)).toEqual([
      {
        id: '01OLDPRESS000001',
        seq: 1,
        panel: 'desk',
        button: 'bad',
        at: '2026-11-30T10:00:00.000Z',
        clockSynced: true,
        bootId: 'b',
        uptimeMs: 1,
        flags: [],
      },
      { type: 'reason', id: '01REASON00000001', seq: 2, panel: 'desk', reasonFor: '01OLDPRESS000001', reason: 'slow', ...common },
      { id: '01ARMED000000001', seq: 3, panel: 'desk', button: 'good', flags: [], ticket: 'A-017', ...common },
    ]);
    outbox.close();
  });
});
