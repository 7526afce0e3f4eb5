/**
 * New misuse rules re-judge every stored press, panel by panel. On SQLite each panel's transaction runs
 * on the event loop, so the loop must get turns between panels: a kiosk's press is acked while a
 * re-judge of many panels is under way, not after it.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { admin, batch, event, kiosk, registerKiosk, startGateway } from '../helpers.js';
import { dayNumber } from '../../../gateway/src/scoring/calendar.js';
import { ingest, ok, spaced, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let mqttUrl: string;
const PANELS = 40;

beforeAll(async () => {
  ({ app, mqttUrl } = await startGateway());
  await ok(app, 'POST', '/offices', { id: 'o', name: 'O', timeZone: 'Europe/Berlin' });
  await ok(app, 'POST', '/desks', { id: 'd', officeId: 'o', name: 'D' });
  for (let k = 0; k < PANELS; k++) {
    await registerKiosk(app, `k${k}`, { officeId: 'o', panels: [{ ...staffPanel(), deskId: 'd' }] });
    await ingest(app, `k${k}`, spaced(`k${k}`, 'desk', Array(300).fill('good'), '2026-03-02T08:00:00Z'));
  }
});
afterAll(async () => {
  await app?.close();
});

it('acks a press while new misuse rules re-judge the stored presses of many panels', async () => {
  const password = await registerKiosk(app, 'k-live');
  const k = await kiosk(mqttUrl, 'k-live', password);
  const order: string[] = [];
  const settings = app
    .inject({
      method: 'PUT',
      url: '/api/v1/settings',
      headers: admin,
      payload: {
        k: 0,
        neutralCountsAsDissatisfied: false,
        minSample: 30,
        misuse: { lockoutMs: 61_000, burstCount: 5, burstWindowMs: 10_000 },
      },
    })
    .then((res) => order.push(`settings ${res.statusCode}`));
  const e = event(1);
  await k.publishEvents(batch('k-live', [e]));
  expect((await k.nextAck(20_000)).ids).toEqual([e.id]);
  order.push('ack');
  await settings;
  await k.close();
  expect(order).toEqual(['ack', 'settings 200']);
  // Re-judged all the same: every other press of every panel is within the 61 s lock-out of the one before.
  const day = dayNumber(2026, 3, 2);
  expect((await app.gateway.store.rankCounts('office', 'staff', day, day + 1))[0]).toMatchObject({
    good: PANELS * 150,
    excluded: PANELS * 150,
  });
});
