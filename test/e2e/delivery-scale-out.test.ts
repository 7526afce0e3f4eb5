/**
 * Webhooks with two gateway processes on one PostgreSQL (docs/console.md, "Delivery"): every alert event
 * is fanned out once and each webhook received once per idempotency key, though both gateways run the
 * fan-out and the sender. One gateway is SIGKILLed while the receiver holds its request: after the lease
 * the other sends that delivery again — the one documented repeat (at-least-once across a crash at the
 * moment of sending), with the same idempotency key. Real processes, database, HTTP receiver.
 */
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, startGateway, until } from '../../scripts/lib/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.js';
import { INSERT_ALERT_EVENT, alertEventRow } from '../gateway/delivery/alert-events.js';

let pgServer: Postgres | undefined;
let receiver: WebhookReceiver | undefined;
let db: pg.Client | undefined;
const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await receiver?.close();
  await db?.end();
  await pgServer?.stop();
});

const LEASE_SECONDS = 3;
const pgSql = (sql: string) => {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
};
const alertIdOf = (body: { data: unknown }) => (body.data as { alert: { id: string } }).alert.id;

it('two gateways, one database: each webhook once; a gateway killed mid-delivery leaves it to the other', async () => {
  pgServer = await startPostgres();
  const databaseUrl = await pgServer.newDatabase('lb_delivery');
  const env = { LB_DELIVERY_LEASE_SECONDS: String(LEASE_SECONDS), LB_DELIVERY_TIMEOUT_MS: '60000', LB_DELIVERY_POLL_MS: '50' };
  gateways.push(await startGateway({ databaseUrl, env, logLevel: 'debug' }));
  gateways.push(await startGateway({ databaseUrl, env, logLevel: 'debug' }));
  const [a, b] = gateways as [Gateway, Gateway];
  expect((await a.api('POST', '/api/v1/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' })).status).toBe(201);
  receiver = await startWebhookReceiver();
  const sub = await b.api('POST', '/api/v1/webhooks', { url: receiver.url, scope: { level: 'office', id: 'msk' }, kinds: ['opened'] });
  expect(sub.status).toBe(201);
  receiver.secret = sub.body.secret;
  // The receiver holds the first request of alert "held" and never answers it.
  receiver.answer = (_key, n, body) => (alertIdOf(body) === 'held' && n === 0 ? 'hold' : 200);

  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const insert = (e: Parameters<typeof alertEventRow>[0]) => db!.query(pgSql(INSERT_ALERT_EVENT), alertEventRow(e));

  // While both run: 30 events, fanned out and sent by whichever gateway gets there first.
  for (let i = 0; i < 30; i++) await insert({ alertId: `before-${i}`, officeIds: ['msk'] });
  await until(async () => (receiver!.acceptedPerKey().size === 30 ? true : undefined), '30 webhooks', 20_000);

  // The held one: find the gateway sending it, and kill it while the receiver holds the request.
  await insert({ alertId: 'held', officeIds: ['msk'] });
  const held = await receiver.waitFor((r) => alertIdOf(r.body) === 'held', 'the held request');
  const sender = await until(
    async () => gateways.find((g) => g.proc.lines.some((l) => l.msg === 'delivery sending' && l.idemKey === held.idemKey)),
    'the gateway that sends it',
  );
  const survivor = sender === a ? b : a;
  await sender.proc.kill('SIGKILL');
  const killedAt = Date.now();

  for (let i = 0; i < 20; i++) await insert({ alertId: `after-${i}`, officeIds: ['msk'] });
  const resent = await receiver.waitFor((r) => alertIdOf(r.body) === 'held' && r.answer === 200, 'the held delivery, re-sent', 30_000);
  // Not before the dead gateway's lease ran out (it was claimed shortly before the kill).
  expect(resent.at - killedAt).toBeGreaterThan(LEASE_SECONDS * 1000 - 1500);
  expect(resent.idemKey).toBe(held.idemKey);
  expect(resent.signatureValid).toBe(true);
  await until(async () => (receiver!.acceptedPerKey().size === 51 ? true : undefined), 'all 51 webhooks', 20_000);

  // Each idempotency key accepted exactly once; the only key seen twice is the held one.
  const accepted = receiver.acceptedPerKey();
  expect([...accepted.values()].every((n) => n === 1)).toBe(true);
  const seen = new Map<string, number>();
  for (const r of receiver.received) seen.set(r.idemKey, (seen.get(r.idemKey) ?? 0) + 1);
  expect([...seen.entries()].filter(([, n]) => n > 1)).toEqual([[held.idemKey, 2]]);
  expect(receiver.received.every((r) => r.signatureValid)).toBe(true);

  // The log (from the survivor) agrees: all delivered, the held one on its second attempt.
  const log = await survivor.api('GET', '/api/v1/deliveries?limit=1000');
  expect(log.body.items).toHaveLength(51);
  expect(log.body.items.every((d: { state: string }) => d.state === 'delivered')).toBe(true);
  expect(log.body.items.find((d: { idemKey: string }) => d.idemKey === held.idemKey).attempts).toBe(2);
  // Between them the two gateways logged 51 sends: none was done twice apart from the killed attempt (never logged as sent).
  expect(a.proc.count('delivery sent') + b.proc.count('delivery sent')).toBe(51);
}, 120_000);
