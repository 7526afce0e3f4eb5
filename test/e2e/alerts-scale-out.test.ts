/**
 * Alerts with several gateways on one PostgreSQL database (docs/console.md#alerts): each condition fires
 * ONE alert, however many gateways judge it at the same moment. Real gateway processes, real PostgreSQL,
 * presses from a scripted kiosk over MQTT; and the database's own guard raced directly from two stores.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PgStore } from '../../gateway/src/store/postgres.js';
import { kiosk } from '../../scripts/lib/mqtt-kiosk.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, registerKiosk, startGateway, until } from '../../scripts/lib/processes.js';
import type { Event } from '../../shared/src/index.js';
import { press } from '../gateway/org-helpers.js';

let pg: Postgres;
const gateways: Gateway[] = [];
beforeAll(async () => {
  pg = await startPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await pg?.stop();
});

const RULES = 12;

it('two gateway processes judging the same rules every 100 ms open exactly one alert per rule', async () => {
  const databaseUrl = await pg.newDatabase('lb_alerts_scale_out');
  const env = { LB_ALERT_TICK_MS: '100' };
  // One after the other (see scale-out.test.ts: both would write the LB_ADMIN_TOKEN key at once).
  const a = await startGateway({ databaseUrl, env });
  gateways.push(a);
  const b = await startGateway({ databaseUrl, env });
  gateways.push(b);

  expect((await a.api('POST', '/api/v1/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' })).status).toBe(201);
  const panels = [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } }];
  const { password } = await registerKiosk(a, 'k-pg', { officeId: 'msk', panels });
  // Rules made through both gateways: each sees them all through the database.
  const ruleIds: string[] = [];
  for (let i = 0; i < RULES; i++) {
    const gw = i % 2 === 0 ? a : b;
    const res = await gw.api('POST', '/api/v1/alert-rules', {
      name: `bad share ${i}`,
      kind: 'share',
      scope: { level: 'office', id: 'msk' },
      windowMinutes: 60,
      threshold: 0.5,
      minSample: 3,
    });
    expect(res.status).toBe(201);
    ruleIds.push(res.body.id);
  }

  // Three bad presses over the kiosk's MQTT connection to gateway A: every rule's condition now holds for both.
  const k = await kiosk(`mqtt://127.0.0.1:${a.mqttPort}`, 'k-pg', password);
  try {
    const end = Date.now() - 1000;
    const events: Event[] = [0, 1, 2].map((i) => press('k-pg', 'desk', 'bad', new Date(end - (2 - i) * 7000).toISOString()));
    await k.publishEvents({ v: 1, kioskId: 'k-pg', events });
    expect((await k.nextAck()).ids).toHaveLength(3);
  } finally {
    await k.close();
  }

  const active = async (gw: Gateway) =>
    (await gw.api('GET', '/api/v1/alerts?state=active&limit=500')).body.items as Array<{ ruleId: string; id: string }>;
  await until(async () => ((await active(b)).length >= RULES ? true : undefined), 'an alert for every rule', 30_000);
  // Let both keep judging for a while: still one alert per rule, seen alike from both gateways.
  const opens = () => a.proc.count('alert opened') + b.proc.count('alert opened');
  await until(async () => (a.proc.count('alert opened') + b.proc.count('alert opened') >= RULES ? true : undefined), 'open logs');
  const before = opens();
  await new Promise((r) => setTimeout(r, 1500)); // ~15 more evaluations of each rule on each gateway
  const fromA = await active(a);
  const fromB = await active(b);
  expect(fromA.map((x) => x.ruleId).sort()).toEqual([...ruleIds].sort());
  expect(fromB.map((x) => x.id).sort()).toEqual(fromA.map((x) => x.id).sort());
  expect(opens()).toBe(before);
  expect(opens()).toBe(RULES);
  // One 'opened' event per alert in the delivery outbox.
  const events = (await a.api('GET', '/api/v1/alert-events?limit=500')).body.items as Array<{ kind: string; alertId: string }>;
  const openedEvents = events.filter((e) => e.kind === 'opened');
  expect(openedEvents.map((e) => e.alertId).sort()).toEqual(fromA.map((x) => x.id).sort());
  console.log(`alerts opened by gateway A: ${a.proc.count('alert opened')}, by B: ${b.proc.count('alert opened')}`);
}, 120_000);

it('the database itself: 40 concurrent opens of one rule and subject from two stores make one alert', async () => {
  const url = await pg.newDatabase('lb_alerts_race');
  const stores = [new PgStore(url), new PgStore(url)];
  try {
    await stores[0]!.migrate();
    await stores[1]!.migrate();
    const alert = (i: number) => ({
      id: `A${String(i).padStart(3, '0')}`,
      ruleId: 'r1',
      ruleName: 'race',
      subject: 'office:msk',
      scope: { level: 'office' as const, id: 'msk' },
      officeIds: ['msk'],
      severity: 'negative' as const,
      openedAt: new Date().toISOString(),
      title: { en: 'x', ru: 'x' },
      evidence: { window: { from: '', to: '', minutes: 1 } },
    });
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 2]!.alerts.open(alert(i))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await stores[0]!.alerts.list({}, undefined, 100)).toHaveLength(1);
    expect((await stores[1]!.alerts.events(0, 100)).filter((e) => e.kind === 'opened')).toHaveLength(1);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}, 60_000);
