/**
 * The press trigger alone: with the periodic tick at its slowest (10 min), a rule is judged because a
 * press of its office was committed, within the coalescing delay — and a burst of presses is judged in a
 * few evaluations, not one per press.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kiosk, startGateway, until } from '../helpers.js';
import { call, ok, press, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let k: Awaited<ReturnType<typeof kiosk>>;

beforeAll(async () => {
  let mqttUrl: string;
  ({ app, mqttUrl } = await startGateway({ alertTickMs: 600_000 }));
  await ok(app, 'POST', '/offices', { id: 'p', name: 'P', timeZone: 'UTC' });
  await ok(app, 'POST', '/offices', { id: 'q', name: 'Q', timeZone: 'UTC' });
  const res = await call(app, 'POST', '/kiosks', { id: 'k-p', officeId: 'p', panels: [staffPanel()] });
  k = await kiosk(mqttUrl, 'k-p', res.body.mqtt.password);
});
afterAll(async () => {
  await k?.close();
  await app?.close();
});

it('a committed press re-judges the rules covering its office (and only those), coalesced', async () => {
  const rule = await ok(app, 'POST', '/alert-rules', {
    name: 'P: 20 bad',
    kind: 'count',
    scope: { level: 'office', id: 'p' },
    windowMinutes: 60,
    button: 'bad',
    threshold: 20,
  });
  const other = await ok(app, 'POST', '/alert-rules', {
    name: 'Q: any bad',
    kind: 'count',
    scope: { level: 'office', id: 'q' },
    windowMinutes: 60,
    button: 'bad',
    threshold: 1,
  });
  const judged: string[] = [];
  const evaluate = app.gateway.alerts.evaluate.bind(app.gateway.alerts);
  app.gateway.alerts.evaluate = (r, now) => {
    judged.push(r.id);
    return evaluate(r, now);
  };
  // 20 bad presses, 7 s apart in the last minutes, published as 20 messages as fast as they are acked.
  const end = Date.now() - 1000;
  const started = Date.now();
  for (let i = 0; i < 20; i++) {
    await k.publishEvents({ v: 1, kioskId: 'k-p', events: [press('k-p', 'desk', 'bad', new Date(end - (19 - i) * 7000).toISOString())] });
    await k.nextAck();
  }
  const [alert] = await until(async () => {
    const items = (await call(app, 'GET', `/alerts?rule=${rule.id}`)).body.items;
    return items.length ? items : undefined;
  }, 'the alert, from presses alone');
  expect(alert.evidence.count).toBe(20);
  await app.gateway.alerts.idle();
  // Coalesced: at most one evaluation per 250 ms (plus the one in flight), never one per press.
  const elapsed = Date.now() - started;
  expect(judged.filter((id) => id === rule.id).length).toBeLessThanOrEqual(Math.ceil(elapsed / 250) + 1);
  expect(judged.filter((id) => id === rule.id).length).toBeLessThan(20);
  expect(judged).not.toContain(other.id); // office Q had no press
});
