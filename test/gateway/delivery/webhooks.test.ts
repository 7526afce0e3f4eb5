/**
 * Webhooks end to end in one gateway (real fastify, real SQLite, a real HTTP receiver on loopback):
 * alert_events rows become signed POSTs; 500s and timeouts are retried until a 2xx, then never sent again;
 * a 4xx fails at once and shows in the delivery log; scope and kinds pick who hears of what.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../gateway/src/lib/config.js';
import { startWebhookReceiver, verifySignature, type WebhookReceiver } from '../../../scripts/lib/webhook-receiver.js';
import { ADMIN_TOKEN, startGateway, until } from '../helpers.js';
import { call, ok } from '../org-helpers.js';
import { insertAlertEvent } from './alert-events.js';

let app: FastifyInstance;
let receiver: WebhookReceiver;
const base = testConfig().delivery;

beforeAll(async () => {
  ({ app } = await startGateway({ delivery: { ...base, pollMs: 20, retryBaseMs: 40, timeoutMs: 1500, maxAttempts: 4 } }));
  await ok(app, 'POST', '/regions', { id: 'north', name: 'North' });
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow', regionId: 'north' });
  await ok(app, 'POST', '/offices', { id: 'spb', name: 'St Petersburg', timeZone: 'Europe/Moscow', regionId: 'north' });
  await ok(app, 'POST', '/offices', { id: 'kzn', name: 'Kazan', timeZone: 'Europe/Moscow' });
});
afterAll(async () => {
  await app?.close();
});

const subscriptions: string[] = [];
afterEach(async () => {
  for (const id of subscriptions.splice(0)) await ok(app, 'DELETE', `/webhooks/${id}`);
  await receiver?.close();
});

async function subscribe(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  receiver = await startWebhookReceiver();
  const created = await ok(app, 'POST', '/webhooks', { url: receiver.url, kinds: ['opened', 'closed'], ...body });
  receiver.secret = created.secret;
  subscriptions.push(created.id);
  return created;
}

const deliveriesOf = async (subscription: string) => (await ok(app, 'GET', `/deliveries?subscription=${subscription}`)).items;

describe('webhooks', () => {
  it('an alert event is POSTed once, signed, with its idempotency key; the secret is shown only at creation', async () => {
    const sub = await subscribe({ scope: { level: 'office', id: 'msk' } });
    expect(sub.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await ok(app, 'GET', '/webhooks');
    expect(JSON.stringify(listed)).not.toContain(sub.secret);

    const alertId = await insertAlertEvent(app, { officeIds: ['msk'] });
    const got = await receiver.waitFor((r) => r.body.data !== undefined, 'the alert');
    expect(got.signatureValid).toBe(true);
    expect(got.body.type).toBe('alert.opened');
    expect((got.body.data as { alert: { id: string } }).alert.id).toBe(alertId);
    expect(got.idemKey).toBe(`${got.body.id}:${sub.id}`);
    expect(verifySignature('some other secret', got.signature, got.raw)).toBe(false);

    const [d] = await until(async () => {
      const items = await deliveriesOf(sub.id);
      return items[0]?.state === 'delivered' ? items : undefined;
    }, 'delivered in the log');
    expect(d).toMatchObject({ channel: 'webhook', state: 'delivered', attempts: 1, lastError: null, idemKey: got.idemKey });
    expect(receiver.received).toHaveLength(1);
  });

  it('500s and a timeout are retried with back-off until a 2xx, then never sent again', async () => {
    const sub = await subscribe({ scope: { level: 'company' } });
    receiver.answer = (_key, n) => (n === 0 || n === 2 ? 500 : n === 1 ? 'hold' : 200);
    await insertAlertEvent(app, { officeIds: ['kzn'] });
    await receiver.waitFor((r) => r.answer === 200, 'the 200');
    const d = await until(async () => (await deliveriesOf(sub.id)).find((x: { state: string }) => x.state === 'delivered'), 'delivered');
    expect(d.attempts).toBe(4);
    expect(d.lastError).toBe('HTTP 500'); // the last failed attempt's error stays in the log
    // Every attempt was signed afresh; the receiver saw 500, timeout, 500, 200 and then nothing more.
    expect(receiver.received.map((r) => r.answer)).toEqual([500, 'hold', 500, 200]);
    expect(receiver.received.every((r) => r.signatureValid)).toBe(true);
    await app.gateway.store.deliveries.listDeliveries({}, undefined, 1); // a round trip: nothing else is in flight
    expect(receiver.acceptedPerKey().get(d.idemKey)).toBe(1);
  });

  it('gives up after the configured attempts', async () => {
    const sub = await subscribe({ scope: { level: 'company' } });
    receiver.answer = () => 503;
    await insertAlertEvent(app, { officeIds: ['kzn'] });
    const d = await until(async () => (await deliveriesOf(sub.id)).find((x: { state: string }) => x.state === 'failed'), 'failed', 10_000);
    expect(d).toMatchObject({ attempts: 4, lastError: 'HTTP 503', nextAttemptAt: null });
    expect(receiver.received).toHaveLength(4);
  });

  it('a 4xx fails at once, shows in the log, and a retry from the API delivers it', async () => {
    const sub = await subscribe({ scope: { level: 'region', id: 'north' } });
    receiver.answer = (_key, n) => (n === 0 ? 410 : 200);
    await insertAlertEvent(app, { officeIds: ['spb'] });
    const failed = await until(
      async () =>
        (await ok(app, 'GET', '/deliveries?state=failed')).items.find((x: { subscriptionId: string }) => x.subscriptionId === sub.id),
      'failed',
    );
    expect(failed).toMatchObject({ attempts: 1, lastError: 'HTTP 410' });
    expect(receiver.received).toHaveLength(1);

    const retried = await ok(app, 'POST', `/deliveries/${failed.id}/retry`);
    expect(retried.state).toBe('pending');
    expect((await call(app, 'POST', `/deliveries/${failed.id}/retry`)).status).toBe(409);
    await receiver.waitFor((r) => r.answer === 200, 'the retried delivery');
    await until(async () => ((await deliveriesOf(sub.id))[0].state === 'delivered' ? true : undefined), 'delivered after retry');
  });

  it('scope and kinds decide who hears: another office, a region, a company-wide event, an unwanted kind', async () => {
    const office = await subscribe({ scope: { level: 'office', id: 'msk' }, kinds: ['opened'] });
    const officeReceiver = receiver;
    const region = await subscribe({ scope: { level: 'region', id: 'north' }, kinds: ['opened'] });
    const regionReceiver = receiver;
    await insertAlertEvent(app, { officeIds: ['kzn'] }); // no one of these
    await insertAlertEvent(app, { officeIds: ['spb'] }); // the region
    await insertAlertEvent(app, { officeIds: [] }); // company-wide: company scope only
    await insertAlertEvent(app, { officeIds: ['msk'], kind: 'closed' }); // a kind neither asked for
    const last = await insertAlertEvent(app, { officeIds: ['msk'] }); // both
    const isLast = (r: { body: { data: unknown } }) => (r.body.data as { alert: { id: string } }).alert.id === last;
    await officeReceiver.waitFor(isLast, 'office: the last event');
    await regionReceiver.waitFor(isLast, 'region: the last event');
    // All five events were fanned out before the last was sent (in order, a batch per transaction); wait
    // for every delivery made to be settled, then look at who got what.
    await until(async () => {
      const pending = await ok(app, 'GET', '/deliveries?state=pending');
      return pending.items.length === 0 ? true : undefined;
    }, 'no delivery pending');
    const alertIds = (r: WebhookReceiver) =>
      r.received.map((x) => (x.body.data as { alert: { officeIds: string[] } }).alert.officeIds.join());
    expect(alertIds(officeReceiver)).toEqual(['msk']);
    expect(alertIds(regionReceiver).sort()).toEqual(['msk', 'spb']);
    expect(office.id).not.toBe(region.id);
    await officeReceiver.close();
  });

  it('rotating the secret: later attempts are signed with the new one', async () => {
    const sub = await subscribe({ scope: { level: 'office', id: 'msk' } });
    const rotated = await ok(app, 'POST', `/webhooks/${sub.id}/rotate`);
    expect(rotated.secret).not.toBe(sub.secret);
    receiver.secret = rotated.secret;
    await insertAlertEvent(app, { officeIds: ['msk'] });
    expect((await receiver.waitFor(() => true, 'the alert')).signatureValid).toBe(true);
  });
});

describe('bad input and access', () => {
  it('refuses bad subscriptions with 400 and a reason', async () => {
    for (const [body, says] of [
      [{ url: 'ftp://x', scope: { level: 'company' }, kinds: [] }, 'url'],
      [{ url: 'http://127.0.0.1:1/x', scope: { level: 'office', id: 'nowhere' }, kinds: [] }, 'no office "nowhere"'],
      [{ url: 'http://127.0.0.1:1/x', scope: { level: 'office' }, kinds: [] }, 'name the office'],
      [{ url: 'http://127.0.0.1:1/x', scope: { level: 'company', id: 'msk' }, kinds: [] }, 'no id'],
      [{ url: 'http://127.0.0.1:1/x', scope: { level: 'company' }, kinds: ['exploded'] }, 'kinds'],
    ] as const) {
      const res = await call(app, 'POST', '/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body.message)).toContain(says);
    }
    // A caller cannot choose the secret: an unknown field is dropped, the secret generated.
    const chosen = await ok(app, 'POST', '/webhooks', {
      url: 'http://127.0.0.1:1/x',
      scope: { level: 'company' },
      kinds: [],
      secret: 'mine',
    });
    expect(chosen.secret).not.toBe('mine');
    await ok(app, 'DELETE', `/webhooks/${chosen.id}`);
    for (const [body, says] of [
      [{ address: 'not an address', scope: { level: 'company' } }, 'address'],
      [{ address: 'a@example.com', scope: { level: 'company' }, reports: ['hourly'] }, 'reports'],
      [{ address: 'a@example.com', scope: { level: 'company' }, language: 'de' }, 'language'],
    ] as const) {
      const res = await call(app, 'POST', '/email-subscriptions', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(String(res.body.message)).toContain(says);
    }
    expect((await call(app, 'GET', '/deliveries?state=lost')).status).toBe(400);
    expect((await call(app, 'POST', '/deliveries/abc/retry')).status).toBe(400);
    expect((await call(app, 'POST', '/deliveries/999999/retry')).status).toBe(404);
    expect((await call(app, 'GET', '/webhooks/nope')).status).toBe(404);
  });

  it('subscriptions are the admin’s; a manager sees only the deliveries of its offices', async () => {
    const key = await ok(app, 'POST', '/api-keys', { name: 'msk-manager', role: 'manager', offices: ['msk'] });
    const manager = { authorization: `Bearer ${key.key}` };
    expect((await call(app, 'GET', '/webhooks', undefined, manager)).status).toBe(403);
    expect((await call(app, 'POST', '/webhooks', { url: 'http://x/', scope: { level: 'company' }, kinds: [] }, manager)).status).toBe(403);
    await subscribe({ scope: { level: 'company' } });
    await insertAlertEvent(app, { officeIds: ['msk'] });
    await insertAlertEvent(app, { officeIds: ['kzn'] });
    await until(() => (receiver.received.length === 2 ? true : undefined), 'both delivered');
    const all = (await call(app, 'GET', '/deliveries?limit=1000')).body.items as Array<{ officeIds: string[]; id: number }>;
    const mine = (await call(app, 'GET', '/deliveries?limit=1000', undefined, manager)).body.items as Array<{
      officeIds: string[];
      id: number;
    }>;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((d) => d.officeIds.length > 0 && d.officeIds.every((o) => o === 'msk'))).toBe(true);
    expect(all.length).toBeGreaterThan(mine.length);
    const other = all.find((d) => d.officeIds.includes('kzn'))!;
    expect((await call(app, 'POST', `/deliveries/${other.id}/retry`, undefined, manager)).status).toBe(404);
    expect((await call(app, 'GET', '/deliveries', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    void ADMIN_TOKEN;
  });
});
