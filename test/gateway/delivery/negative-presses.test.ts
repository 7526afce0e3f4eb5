/**
 * The CRM's negative-press webhook end to end: presses ingested through the real ingest path, a real
 * HTTP receiver on loopback, the gateway's signed, persisted delivery. Each counted bad press on a staff
 * or office panel arrives once as `press.negative` with office, desk, employee, time and the ticket field; good
 * presses and misuse do not; nothing is sent to a subscription that did not ask for the kind.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../gateway/src/lib/config.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../scripts/lib/webhook-receiver.js';
import { startGateway, until } from '../helpers.js';
import { ingest, mskDeskWithCrmHook, ok, press } from '../org-helpers.js';

let app: FastifyInstance;
let crm: WebhookReceiver;
let other: WebhookReceiver;
const base = testConfig().delivery;

beforeAll(async () => {
  ({ app } = await startGateway({ delivery: { ...base, pollMs: 20, retryBaseMs: 40, timeoutMs: 1500, maxAttempts: 4 } }));
  crm = await startWebhookReceiver();
  await mskDeskWithCrmHook(app, crm);
  other = await startWebhookReceiver();
  other.secret = (await ok(app, 'POST', '/webhooks', { url: other.url, scope: { level: 'company' }, kinds: ['opened'] })).secret;
});
afterAll(async () => {
  await app?.close();
  await crm?.close();
  await other?.close();
});

describe('negative presses to the CRM', () => {
  it('each counted bad press arrives once, signed, with office, desk, employee, time and its ticket', async () => {
    const now = Date.now();
    const at = (s: number) => new Date(now - 60_000 + s * 1000).toISOString();
    const bad = press('k-msk', 'desk', 'bad', at(0), { ticket: 'A-017' });
    const good = press('k-msk', 'desk', 'good', at(10));
    const bad2 = press('k-msk', 'desk', 'bad', at(20));
    const mashed = press('k-msk', 'desk', 'bad', at(21)); // within the 5 s lock-out: misuse, not counted
    await ingest(app, 'k-msk', [bad, good, bad2, mashed]);

    const got = await until(async () => (crm.received.length >= 2 ? crm.received : undefined), 'two negative presses', 10_000);
    await app.gateway.store.deliveries.listDeliveries({}, undefined, 1);
    const bodies = got.map((r) => r.body as { id: string; type: string; data: Record<string, unknown> });
    expect(got.every((r) => r.signatureValid)).toBe(true);
    expect(bodies.map((b) => b.type)).toEqual(['press.negative', 'press.negative']);
    const first = bodies.find((b) => b.data.pressId === bad.id)!;
    expect(first.data).toMatchObject({
      pressId: bad.id,
      officeId: 'msk',
      deskId: 'msk-1',
      employeeId: 'elena',
      panelKind: 'staff',
      button: 'bad',
      at: bad.at,
      kioskId: 'k-msk',
    });
    // The ticket is the one the kiosk sent with the press (stored as events.ticket): the CRM finds the visit by it.
    expect(bodies.find((b) => b.data.pressId === bad.id)!.data).toHaveProperty('ticket', 'A-017');
    expect(bodies.map((b) => b.data.pressId).sort()).toEqual([bad.id, bad2.id].sort());
    expect(got.map((r) => r.idemKey)).toEqual(expect.arrayContaining([expect.stringContaining(`press:${bad.id}:`)]));
    // The delivery log holds them as delivered, once each; the other subscription heard nothing.
    const log = await until(async () => {
      const items = (await ok(app, 'GET', '/deliveries')).items as Array<{ state: string; target: string }>;
      const mine = items.filter((d) => d.target === crm.url);
      return mine.length === 2 && mine.every((d) => d.state === 'delivered') ? mine : undefined;
    }, 'delivered in the log');
    expect(log).toHaveLength(2);
    expect(other.received).toHaveLength(0);
    // A press ingested again (a kiosk's resend) is a duplicate: no second webhook.
    await ingest(app, 'k-msk', [bad]);
    await new Promise((r) => setTimeout(r, 400));
    expect(crm.received).toHaveLength(2);
  });
});
