/**
 * `npm run migrate-to-postgres` for real: a gateway database written through the real SqliteStore (organisation,
 * bound panels, presses with gaps, rejections, dead letters, API keys), the built CLI run as a child process
 * against a fresh database of a throwaway PostgreSQL server, then the gateway's PgStore on that database
 * answers exactly as the SqliteStore did — and keeps working (new presses, same API keys).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../shared/src/index.js';
import { MIGRATIONS } from '../../gateway/src/store/migrations.js';
import { PgStore } from '../../gateway/src/store/postgres.js';
import { SqliteStore } from '../../gateway/src/store/sqlite.js';
import type { SqlStore } from '../../gateway/src/store/sql-store.js';
import { value } from '../../gateway/src/store/sql.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { freePort, ROOT } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';

const CLI = join(ROOT, 'dist/scripts/sqlite-to-postgres.js');
const T0 = Date.parse('2026-03-10T08:00:00Z'); // 09:00 in Berlin
const FROM_DAY = 20260301;
const TO_DAY = 20260401;
const BUTTONS = ['good', 'neutral', 'bad'] as const;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI under plain node, as an operator runs it (no LB_DATABASE_URL inherited). */
async function cli(...args: string[]): Promise<Run> {
  const env = { ...process.env };
  delete env.LB_DATABASE_URL;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: tempDir('migrate-cwd'), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

function press(seq: number, at: number, panel: string, i: number, extra: Partial<Event> = {}): Event {
  return {
    id: ulid(),
    seq,
    panel,
    button: BUTTONS[i % 3]!,
    at: new Date(at).toISOString(),
    clockSynced: true,
    bootId: 'boot-1',
    uptimeMs: 1_000_000 + (at - T0),
    flags: [],
    ...extra,
  };
}

/** A gateway database as a customer's would look after some weeks, written only through the store. */
async function fillGateway(store: SqliteStore): Promise<void> {
  await store.migrate();
  await store.putSettings({
    k: 0.25,
    neutralCountsAsDissatisfied: true,
    minSample: 12,
    misuse: { lockoutMs: 3000, burstCount: 4, burstWindowMs: 8000 },
  });
  await store.createOrg('region', { id: 'north', name: 'North' });
  await store.createOrg('office', { id: 'berlin', name: 'Berlin', timeZone: 'Europe/Berlin', regionId: 'north', k: 0.5 });
  await store.createOrg('office', { id: 'lisbon', name: 'Lisbon', timeZone: 'Europe/Lisbon', regionId: null, k: null });
  await store.createOrg('desk', { id: 'desk-1', officeId: 'berlin', name: 'Desk 1' });
  await store.createOrg('employee', { id: 'anna', name: 'Anna', officeId: 'berlin' });
  await store.createOrg('employee', { id: 'ben', name: 'Ben', officeId: 'berlin' });
  await store.putAssignment({ id: 'a1', deskId: 'desk-1', employeeId: 'anna', from: T0 - 3_600_000, to: T0 + 3 * 3_600_000 });
  await store.putAssignment({ id: 'a2', deskId: 'desk-1', employeeId: 'ben', from: T0 + 3 * 3_600_000, to: null });
  for (const id of ['k-berlin', 'k-lisbon', 'k-spare']) await store.createKiosk({ id, passwordHash: `pw-hash-${id}` });
  await store.putBinding({ kioskId: 'k-berlin', panel: 'desk', kind: 'staff', officeId: 'berlin', deskId: 'desk-1' });
  await store.putBinding({ kioskId: 'k-berlin', panel: 'loy', kind: 'loyalty', officeId: 'berlin', deskId: null });
  await store.putBinding({ kioskId: 'k-lisbon', panel: 'front', kind: 'office', officeId: 'lisbon', deskId: null });
  await store.putKioskConfig('k-berlin', { panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } }] });
  await store.putCounts('visitors', [
    {
      officeId: 'berlin',
      deskId: null,
      day: 20260310,
      hourly: false,
      replaceAll: false,
      counts: [{ start: T0 - 3_600_000, end: T0 + 20 * 3_600_000, count: 140 }],
    },
  ]);
  await store.createApiKey({ name: 'berlin-manager', role: 'manager', hash: 'sha256-manager', offices: ['berlin'], regions: ['north'] });
  await store.upsertApiKey({ name: 'bootstrap-admin', role: 'admin', hash: 'sha256-admin' });
  const leaked = await store.createApiKey({ name: 'leaked', role: 'technician', hash: 'sha256-leaked' });
  await store.revokeApiKey(leaked.id);

  // k-berlin: 300 presses over a working day, seqs 1..320 with two holes (gaps), in batches of 25.
  const berlin: Event[] = [];
  for (let seq = 1, i = 0; seq <= 320; seq++) {
    if ((seq >= 101 && seq <= 110) || (seq >= 201 && seq <= 210)) continue;
    berlin.push(press(seq, T0 + i * 90_000, i % 4 === 3 ? 'loy' : 'desk', i));
    i++;
  }
  // k-lisbon: 120 presses, among them a burst that the misuse rules exclude.
  const lisbon = Array.from({ length: 120 }, (_, i) =>
    press(i + 1, T0 + (i < 110 ? i * 120_000 : 110 * 120_000 + (i - 110) * 500), 'front', i, { bootId: 'boot-l' }),
  );
  for (let i = 0; i < berlin.length; i += 25) {
    await store.commitIngest({
      batches: [{ kioskId: 'k-berlin', events: berlin.slice(i, i + 25), rejected: [] }],
      statuses: [],
      deadLetters: [],
    });
  }
  await store.commitIngest({
    batches: [
      {
        kioskId: 'k-lisbon',
        events: lisbon,
        rejected: [{ id: 'broken-1', seq: 500, reason: 'schema: button must be good, neutral or bad' }],
      },
    ],
    statuses: [{ kioskId: 'k-lisbon', payload: { v: 1, state: 'online', version: '0.1.0' } }],
    deadLetters: [
      { topic: 'lb/v1/kiosks/ghost/events', kioskId: 'ghost', reason: 'kiosk is not registered', payload: '{"v":1}' },
      // A binary payload's preview, as the gateway keeps it: SQLite text may hold NUL, PostgreSQL text may not.
      { topic: 'lb/v1/kiosks/k-lisbon/events', kioskId: 'k-lisbon', reason: 'not JSON', payload: '\u0000\u0001binary garbage' },
    ],
  });
  // A resend (duplicates) and a late press filling part of a gap.
  await store.commitIngest({
    batches: [{ kioskId: 'k-berlin', events: [berlin[0]!, press(105, T0 + 60_000, 'desk', 7)], rejected: [] }],
    statuses: [],
    deadLetters: [],
  });
}

const sortRows = <T>(rows: T[]): T[] => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/** Everything a gateway's API answers from the store, for one side-by-side comparison. */
async function snapshot(store: SqlStore) {
  const kiosks = await store.listKiosks(undefined, 100);
  const perKiosk: Record<string, unknown> = {};
  for (const k of kiosks) {
    perKiosk[k.id] = {
      gaps: await store.kioskGaps(k.id),
      events: await store.listEvents(k.id, 0, 10_000),
      bindings: await store.listBindings(k.id),
      passwordHash: await store.kioskPasswordHash(k.id),
    };
  }
  const subjects = [
    { level: 'company' },
    { level: 'region', id: 'north' },
    { level: 'office', id: 'lisbon' },
    { level: 'employee', id: 'anna' },
    { level: 'desk', id: 'desk-1' },
  ] as const;
  const counts: Record<string, unknown> = {};
  for (const s of subjects) {
    counts[JSON.stringify(s)] = {
      byDay: sortRows(await store.countsByDay(s, FROM_DAY, TO_DAY)),
      byHour: sortRows(await store.countsByHour(s, T0 - 86_400_000, T0 + 86_400_000)),
    };
  }
  return {
    kiosks,
    perKiosk,
    counts,
    rankEmployees: sortRows(await store.rankCounts('employee', 'staff', FROM_DAY, TO_DAY)),
    rankOffices: sortRows(await store.rankCounts('office', 'office', FROM_DAY, TO_DAY)),
    settings: await store.getSettings(),
    apiKeys: await store.listApiKeys(),
    offices: await store.listOrg('office', undefined, 100),
    employees: await store.listOrg('employee', undefined, 100),
    assignments: await store.listAssignments({}, undefined, 100),
    visitors: await store.listCounts('visitors', ['berlin'], null, FROM_DAY, TO_DAY),
    deadLetters: await store.listDeadLetters(100),
    fleet: await store.fleetSummary(),
    uncertain: await store.timeUncertain(['berlin', 'lisbon']),
  };
}

let server: Postgres;
let dir: string;
let file: string;
let before: Awaited<ReturnType<typeof snapshot>>;
let fileHash: string;
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p tsconfig.build.json, or npm test)`);
  server = await startPostgres();
  dir = tempDir('migrate');
  file = join(dir, 'gateway.db');
  const store = new SqliteStore(file);
  await fillGateway(store);
  before = await snapshot(store);
  await store.close(); // the gateway is stopped before the migration
  fileHash = sha256(file);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('npm run migrate-to-postgres', () => {
  let url: string;

  it('copies every table into an empty PostgreSQL database, verifies it and prints a summary', async () => {
    url = await server.newDatabase();
    const run = await cli('--from', file, '--to', url, '--batch', '40');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}events +421$/m); // k-berlin 300 + 1 late, k-lisbon 120 (the resend is not stored twice)
    expect(run.stdout).toMatch(/^ {2}seq_gaps +3$/m); // 101–104, 106–110, 201–210
    expect(run.stdout).toMatch(/^ {2}kiosks +3$/m);
    expect(run.stdout).toMatch(/^ {2}api_key_scopes +2$/m);
    expect(run.stdout).toMatch(/^ {2}revoked_api_keys +1$/m);
    expect(run.stdout).toMatch(
      /^ {2}dead_letters +2 {2}\(1 values held NUL characters, which PostgreSQL text cannot: replaced by U\+FFFD\)$/m,
    );
    expect(run.stdout).toMatch(/^ {2}rollup_day +[1-9]\d*$/m);
    expect(run.stdout).toMatch(/^verified: \d+ checks equal/m);
    expect(run.stdout).toMatch(/^copied \d+ rows in \d+\.\d\d s \(\d+ rows\/s\)$/m);
    expect(run.stdout).toMatch(/events\.rid 422, dead_letters\.id 3/);
    expect(sha256(file)).toBe(fileHash); // only read
  }, 60_000);

  it('leaves a PostgreSQL store that answers exactly as the SQLite store did: kiosks, counters, events, gaps, scores, keys', async () => {
    const store = new PgStore(url);
    try {
      await store.migrate(); // what a gateway does at start: nothing left to do
      const after = await snapshot(store);
      const nulReplaced = before.deadLetters.map((d) => ({ ...d, payload: d.payload.replaceAll('\u0000', '\uFFFD') }));
      expect(after).toEqual({ ...before, deadLetters: nulReplaced });
      expect(after.deadLetters.find((d) => d.reason === 'not JSON')!.payload).toBe('\uFFFD\u0001binary garbage');
      // The data is really there, not two empty answers that agree.
      expect(after.kiosks.find((k) => k.id === 'k-berlin')!.counters).toEqual({ received: 301, duplicates: 1, rejected: 0, lastSeq: 320 });
      expect(after.kiosks.find((k) => k.id === 'k-lisbon')!.status?.payload.state).toBe('online');
      expect(after.perKiosk['k-berlin']).toMatchObject({
        gaps: [
          { from: 101, to: 104 },
          { from: 106, to: 110 },
          { from: 201, to: 210 },
        ],
      });
      expect(after.rankEmployees.map((r) => r.id)).toEqual(['anna', 'ben']);
      const excluded = (after.counts['{"level":"office","id":"lisbon"}'] as { byDay: Array<{ excluded: number }> }).byDay.reduce(
        (n, r) => n + r.excluded,
        0,
      );
      expect(excluded).toBeGreaterThan(0);
      expect(after.settings).toMatchObject({ k: 0.25, neutralCountsAsDissatisfied: true, minSample: 12 });
    } finally {
      await store.close();
    }
  });

  it('keeps working on PostgreSQL: new presses and dead letters get fresh ids, the same API key hashes authenticate', async () => {
    const store = new PgStore(url);
    try {
      const dayBefore = await store.countsByDay({ level: 'employee', id: 'ben' }, FROM_DAY, TO_DAY);
      const [outcome] = await store.commitIngest({
        batches: [{ kioskId: 'k-berlin', events: [press(321, T0 + 8 * 3_600_000, 'desk', 0)], rejected: [] }],
        statuses: [],
        deadLetters: [{ topic: 'lb/v1/kiosks/ghost/events', kioskId: 'ghost', reason: 'kiosk is not registered', payload: '{}' }],
      });
      expect(outcome).toMatchObject({ inserted: 1, duplicates: 0, rejected: [] });
      expect(await store.driver.query(() => value<number>("SELECT rid FROM events WHERE kiosk_id = 'k-berlin' AND seq = 321"))).toBe(422);
      expect((await store.listDeadLetters(1))[0]).toMatchObject({ id: 3, kioskId: 'ghost' });
      expect((await store.getKiosk('k-berlin'))!.counters).toMatchObject({ received: 302, lastSeq: 320 + 1 });
      // The new press (after the copied ones) is scored for Ben, assigned since T0 + 3 h, on top of the copied rollups.
      const good = (rows: typeof dayBefore) => rows.filter((r) => r.kind === 'staff').reduce((n, r) => n + r.good, 0);
      expect(good(await store.countsByDay({ level: 'employee', id: 'ben' }, FROM_DAY, TO_DAY))).toBe(good(dayBefore) + 1);

      expect(await store.apiKeyByHash('sha256-manager')).toMatchObject({
        name: 'berlin-manager',
        role: 'manager',
        offices: ['berlin'],
        regions: ['north'],
      });
      expect(await store.apiKeyByHash('sha256-admin')).toMatchObject({ name: 'bootstrap-admin', role: 'admin' });
      expect(await store.kioskPasswordHash('k-lisbon')).toBe('pw-hash-k-lisbon');
      expect(await store.isRevokedApiKey('sha256-leaked')).toBe(true); // a revoked LB_ADMIN_TOKEN stays revoked
    } finally {
      await store.close();
    }
  });

  it('refuses to merge into a database that already holds gateway data (exit 2, one line, nothing written)', async () => {
    const run = await cli('--from', file, '--to', url);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/refused: .* already holds gateway data \(kiosks: 3, events: 422, .*never merges into a live one/);
    const store = new PgStore(url);
    try {
      expect(await store.driver.query(() => value<number>('SELECT count(*) FROM events'))).toBe(422);
    } finally {
      await store.close();
    }
  });
});

describe('npm run migrate-to-postgres on a file a gateway still has open', () => {
  it('warns that a gateway may still be running, and copies what is committed (the write-ahead log included)', async () => {
    const open = new SqliteStore(join(tempDir('migrate-open'), 'gateway.db'));
    try {
      await open.migrate();
      await open.createKiosk({ id: 'k', passwordHash: 'h' });
      await open.commitIngest({
        batches: [{ kioskId: 'k', events: [1, 2, 3].map((n) => press(n, T0 + n * 60_000, 'p', n)), rejected: [] }],
        statuses: [],
        deadLetters: [],
      });
      const run = await cli('--from', open.db.name, '--to', await server.newDatabase());
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^warning: .*gateway\.db-wal holds data: is a gateway still running on this file\? Stop it first/);
      expect(run.stdout).toMatch(/^ {2}events +3$/m);
    } finally {
      await open.close();
    }
  });
});

describe('npm run migrate-to-postgres refuses clearly (exit 2, one line) and writes nothing', () => {
  const oneLine = (run: Run, pattern: RegExp) => {
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(pattern);
  };

  it('when the SQLite file is missing', async () => {
    oneLine(await cli('--from', join(dir, 'nope.db'), '--to', server.url), /refused: no SQLite database at .*nope\.db/);
  });

  it('when the file is not a gateway database', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a database at all, but long enough to have a header of sorts '.repeat(4));
    oneLine(await cli('--from', text, '--to', server.url), /refused: .*notes\.txt is not a gateway database/);
    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE t (x)').close();
    oneLine(
      await cli('--from', other, '--to', server.url),
      /refused: .*other\.db is not a gateway database \(no kiosks and events tables\)/,
    );
  });

  it('when the file is at an older schema version: start the current gateway on it first', async () => {
    const old = join(dir, 'old.db');
    const db = new Database(old);
    for (let v = 0; v < MIGRATIONS.length - 1; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length - 1}`);
    db.close();
    const target = await server.newDatabase();
    oneLine(
      await cli('--from', old, '--to', target),
      new RegExp(
        `refused: .*old\\.db has schema version ${MIGRATIONS.length - 1}, this tool copies version ${MIGRATIONS.length}: start the current gateway once on it`,
      ),
    );
    const store = new PgStore(target);
    try {
      expect(await store.driver.query(() => value<string | null>("SELECT to_regclass('public.kiosks')::text"))).toBeNull(); // not even the schema
    } finally {
      await store.close();
    }
  });

  it('when the file has rows PostgreSQL would refuse (a reference to a missing row)', async () => {
    const broken = join(dir, 'broken.db');
    copyFileSync(file, broken);
    const db = new Database(broken);
    db.pragma('foreign_keys = OFF'); // as in the sqlite3 shell
    db.exec("DELETE FROM regions WHERE id = 'north'"); // an office still refers to it
    db.close();
    oneLine(
      await cli('--from', broken, '--to', await server.newDatabase()),
      /refused: .*broken\.db has rows whose referenced row is missing, which PostgreSQL would refuse \(offices → regions: 1\)/,
    );
  });

  it('when no, an invalid or an unreachable PostgreSQL URL is given', async () => {
    oneLine(await cli('--from', file), /refused: no PostgreSQL database given: use --to .* or set LB_DATABASE_URL/);
    oneLine(await cli('--from', file, '--to', 'mysql://db/x'), /refused: --to must be a postgres:\/\/ or postgresql:\/\/ URL/);
    oneLine(await cli('--from', file, '--to', 'not a url'), /refused: --to is not a URL/);
    const port = await freePort(); // nothing listens there
    oneLine(
      await cli('--from', file, '--to', `postgres://lb:secret@127.0.0.1:${port}/lb`),
      new RegExp(`refused: cannot reach PostgreSQL at postgres://lb:\\*\\*\\*@127\\.0\\.0\\.1:${port}/lb: `),
    );
    oneLine(
      await cli('--from', file, '--to', server.url.replace(/\/postgres$/, '/missing_db')),
      /refused: cannot reach PostgreSQL .*missing_db.*does not exist \(create it first/,
    );
  });
});
