/**
 * Presses that become cases after their ingest reach the CRM too (issue 13, docs/review.md "CRM"): presses
 * through the real ingest path into a real SQLite gateway, the export pulled over HTTP, the webhook sent to a
 * real HTTP receiver on loopback. A press that gets its time when its boot's clock is anchored later, and one
 * whose misuse flag new rules lift, are fed then, with their `press.negative` webhooks; neutral presses are
 * fed when neutral starts to count, without webhooks (a setting changed, no customer answered just now).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../gateway/src/lib/config.js';
import type { SqliteStore } from '../../../gateway/src/store/sqlite.js';
import { startWebhookReceiver, type Received, type WebhookReceiver } from '../../../scripts/lib/webhook-receiver.js';
import { startGateway } from '../helpers.js';
import { call, ingest, mskDeskWithCrmHook, ok, press } from '../org-helpers.js';

let app: FastifyInstance;
let crm: WebhookReceiver;
let crmKey: Record<string, string>;
const base = testConfig().delivery;
const hour = Date.now() - 3 * 3_600_000;
const at = (s: number) => new Date(hour + s * 1000).toISOString();

/** The export from the start: the ids in feed order. */
const exported = async () =>
  ((await call(app, 'GET', '/cases/export?limit=1000', undefined, crmKey)).body.items as Array<{ id: string; at: string }>).map(
    (c) => c.id,
  );
/** The press a webhook is about. */
const pressOf = (r: Received) => (r.body as { data?: { pressId?: string } }).data?.pressId;
/** The press.negative webhook rows queued for a press (the delivery outbox). */
const queued = (id: string) =>
  (app.gateway.store as SqliteStore).db.prepare('SELECT count(*) AS n FROM alert_events WHERE alert_id = ?').get(`press:${id}`) as {
    n: number;
  };

beforeAll(async () => {
  ({ app } = await startGateway({ delivery: { ...base, pollMs: 20, retryBaseMs: 40, timeoutMs: 1500, maxAttempts: 4 } }));
  crm = await startWebhookReceiver();
  await mskDeskWithCrmHook(app, crm);
  crmKey = { authorization: `Bearer ${(await ok(app, 'POST', '/api-keys', { name: 'CRM', role: 'crm', offices: ['msk'] })).key}` };
});
afterAll(async () => {
  await app?.close();
  await crm?.close();
});

describe('cases that become cases after their ingest', () => {
  it("a press whose time is learnt later (its boot's clock anchored) is fed then, with its webhook", async () => {
    // Unsynced: no time, so no case yet.
    const early = press('k-msk', 'desk', 'bad', '2021-01-01T00:00:00Z', { clockSynced: false, bootId: 'boot-9', uptimeMs: 5_000 });
    await ingest(app, 'k-msk', [early]);
    expect(await exported()).toEqual([]);
    expect(queued(early.id).n).toBe(0);
    // Same boot, 65 s of uptime later, synced: the early press was 65 s before it.
    await ingest(app, 'k-msk', [press('k-msk', 'desk', 'good', at(65), { bootId: 'boot-9', uptimeMs: 70_000 })]);
    expect(await exported()).toEqual([early.id]);
    const [item] = (await call(app, 'GET', '/cases/export', undefined, crmKey)).body.items;
    expect(item).toMatchObject({ id: early.id, at: at(0), employeeId: 'elena', counted: true });
    const hook = await crm.waitFor((r) => pressOf(r) === early.id, 'the late case webhook', 10_000);
    expect(hook.signatureValid).toBe(true);
    expect(hook.body).toMatchObject({ type: 'press.negative', data: { pressId: early.id, at: at(0), employeeId: 'elena' } });
  });

  it('a press whose misuse flag new rules lift is fed then, once, with its webhook', async () => {
    const first = press('k-msk', 'desk', 'bad', at(600));
    const mashed = press('k-msk', 'desk', 'bad', at(602)); // within the 5 s lock-out: misuse
    await ingest(app, 'k-msk', [first, mashed]);
    expect((await exported()).slice(-1)).toEqual([first.id]);
    // A 1 s lock-out: the second press counts now.
    await ok(app, 'PATCH', '/settings', { misuse: { lockoutMs: 1000 } });
    expect((await exported()).slice(-2)).toEqual([first.id, mashed.id]);
    await crm.waitFor((r) => pressOf(r) === mashed.id, 'the lifted press webhook', 10_000);
    // Back to 5 s and to 1 s again: it stops counting (the export says so) and counts again, fed once.
    await ok(app, 'PATCH', '/settings', { misuse: { lockoutMs: 5000 } });
    const stopped = (await call(app, 'GET', '/cases/export?limit=1000', undefined, crmKey)).body.items.find(
      (c: { id: string }) => c.id === mashed.id,
    );
    expect(stopped.counted).toBe(false);
    await ok(app, 'PATCH', '/settings', { misuse: { lockoutMs: 1000 } });
    expect((await exported()).filter((id) => id === mashed.id)).toHaveLength(1);
    expect(queued(mashed.id).n).toBe(1);
  });

  it('neutral presses are fed when neutral starts to count, without webhooks; switched off and on, not again', async () => {
    const neutral = [press('k-msk', 'desk', 'neutral', at(1200)), press('k-msk', 'desk', 'neutral', at(1260))];
    await ingest(app, 'k-msk', neutral);
    const before = await exported();
    expect(before).not.toContain(neutral[0]!.id);
    const on = await ok(app, 'PATCH', '/settings', { neutralCountsAsDissatisfied: true });
    expect(on.neutralCountsAsDissatisfied).toBe(true);
    expect(await exported()).toEqual([...before, neutral[0]!.id, neutral[1]!.id]);
    expect(neutral.map((p) => queued(p.id).n)).toEqual([0, 0]);
    // A neutral press ingested now is a case at once: fed by ingest, with its webhook.
    const now = press('k-msk', 'desk', 'neutral', at(1320));
    await ingest(app, 'k-msk', [now]);
    expect((await exported()).slice(-1)).toEqual([now.id]);
    expect(queued(now.id).n).toBe(1);
    // Off, then on again: the export marks them not counted, then counted; none is fed twice.
    await ok(app, 'PATCH', '/settings', { neutralCountsAsDissatisfied: false });
    const off = (await call(app, 'GET', '/cases/export?limit=1000', undefined, crmKey)).body.items as Array<{
      id: string;
      counted: boolean;
    }>;
    expect(off.filter((c) => c.id === neutral[0]!.id).map((c) => c.counted)).toEqual([false]);
    await ok(app, 'PATCH', '/settings', { neutralCountsAsDissatisfied: true });
    const all = await exported();
    expect(all).toEqual([...new Set(all)]);
    expect(all.slice(-3)).toEqual([neutral[0]!.id, neutral[1]!.id, now.id]);
  });
});
