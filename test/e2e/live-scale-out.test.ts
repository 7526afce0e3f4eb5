/**
 * Live updates across gateways (docs/console.md, "Live updates"): two built gateway processes on one
 * PostgreSQL database. A press a kiosk publishes to gateway A reaches a manager's live stream opened on
 * gateway B, with its office, desk and employee; when the database terminates the gateways' LISTEN
 * connections, they reconnect, the stream is told to refetch (`resync`) and the next press arrives again.
 */
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { kiosk, batch, event } from '../../scripts/lib/mqtt-kiosk.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, registerKiosk, startGateway } from '../../scripts/lib/processes.js';
import { openSse, type SseConnection } from '../../scripts/lib/sse-client.js';

let pgServer: Postgres | undefined;
const gateways: Gateway[] = [];
const streams: SseConnection[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await pgServer?.stop();
});

it('a press ingested by gateway A appears on a live stream opened on gateway B, also after the listen connection is killed', async () => {
  pgServer = await startPostgres();
  const databaseUrl = await pgServer.newDatabase('lb_live');
  // Each gateway runs its embedded broker; the kiosk talks to A only.
  const a = await startGateway({ databaseUrl });
  gateways.push(a);
  const b = await startGateway({ databaseUrl });
  gateways.push(b);
  await Promise.all([a, b].map((g) => g.proc.waitFor((l) => l.msg === 'live relay listening', 'live relay listening')));

  // The organisation, set up through A, is the same database B reads.
  await a.api('POST', '/api/v1/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' });
  await a.api('POST', '/api/v1/offices', { id: 'spb', name: 'St Petersburg', timeZone: 'Europe/Moscow' });
  await a.api('POST', '/api/v1/desks', { id: 'msk-1', officeId: 'msk', name: 'Desk 1' });
  await a.api('POST', '/api/v1/employees', { id: 'anna', name: 'Anna', officeId: 'msk' });
  await a.api('POST', '/api/v1/assignments', { deskId: 'msk-1', employeeId: 'anna', from: '2026-01-01T00:00:00Z' });
  const { password } = await registerKiosk(a, 'k-live', {
    officeId: 'msk',
    panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, deskId: 'msk-1' }],
  });
  const manager = await b.api('POST', '/api/v1/api-keys', { name: 'manager msk', role: 'manager', offices: ['msk'] });
  const other = await b.api('POST', '/api/v1/api-keys', { name: 'manager spb', role: 'manager', offices: ['spb'] });
  expect([manager.status, other.status]).toEqual([201, 201]);

  const open = async (gw: Gateway, key: string) => {
    const s = await openSse(`http://127.0.0.1:${gw.httpPort}/api/v1/live`, { authorization: `Bearer ${key}` });
    streams.push(s);
    expect(s.status).toBe(200);
    await s.next((f) => f.event === 'retry', 5000, 'the retry hint');
    return s;
  };
  const onB = await open(b, manager.body.key);
  const onA = await open(a, manager.body.key);
  const notMine = await open(b, other.body.key);

  const k = await kiosk(`mqtt://127.0.0.1:${a.mqttPort}`, 'k-live', password);
  const pressAndAwait = async (seq: number) => {
    const e = event(seq, { panel: 'desk', button: 'bad' });
    await k.publishEvents(batch('k-live', [e]));
    await k.nextAck();
    const frame = await onB.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === e.id, 10_000, `press ${seq} on gateway B`);
    return { e, got: JSON.parse(frame.data) };
  };
  try {
    const first = await pressAndAwait(1);
    expect(first.got).toEqual({
      kioskId: 'k-live',
      officeId: 'msk',
      deskId: 'msk-1',
      employeeId: 'anna',
      panel: 'desk',
      kind: 'staff',
      button: 'bad',
      at: first.e.at,
      eventId: first.e.id,
    });
    // A's own stream has it once (its own commit, not relayed back), and the other office's manager never.
    await onA.next((f) => f.event === 'press', 5000, 'the press on gateway A');

    // The database ends both gateways' LISTEN sessions.
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const killed = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'lb-live-listen'");
    await admin.end();
    expect(killed.rowCount).toBe(2);
    await b.proc.waitFor((l) => l.msg === 'live relay: listen connection lost, reconnecting', 'B logs the lost connection');
    await b.proc.waitFor((l) => l.msg === 'live relay listening again', 'B listens again');
    await onB.next((f) => f.event === 'resync', 5000, 'a resync after the reconnect');

    const second = await pressAndAwait(2);
    expect(second.got).toMatchObject({ officeId: 'msk', employeeId: 'anna', eventId: second.e.id });
    expect(onA.data('press').map((p) => p.eventId)).toEqual(expect.arrayContaining([first.e.id]));
    await onA.next((f) => f.event === 'press' && JSON.parse(f.data).eventId === second.e.id, 5000, 'the second press on A');
    expect(onA.data('press').map((p) => p.eventId)).toEqual([first.e.id, second.e.id]);
    expect(onB.data('press').map((p) => p.eventId)).toEqual([first.e.id, second.e.id]);
    expect(notMine.data('press')).toEqual([]);
  } finally {
    await k.close();
  }
}, 90_000);
