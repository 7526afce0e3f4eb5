/**
 * The press.negative webhook is not lost when the gateway dies right after ingest's commit (issue 13): its
 * outbox row commits in the same transaction as the press (store/negative-feed.ts). A real gateway process
 * with the test-only fault hook LB_TEST_ONLY_FAULT=kill-after-ingest-commit SIGKILLs itself the moment a
 * flush that stored a press has committed; restarted without it, it delivers the webhook, signed, once — on
 * SQLite and on PostgreSQL. (Before, the outbox row was written after the commit, by a listener: lost here.)
 */
import { ulid } from 'ulid';
import { afterEach, expect, it } from 'vitest';
import { ProtocolKiosk } from '../../scripts/protocol-kiosk.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, startGateway, until } from '../../scripts/lib/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.js';
import { callAs, crmOffice, mskKey } from './crm-setup.js';

const gateways: Gateway[] = [];
const kiosks: ProtocolKiosk[] = [];
let receiver: WebhookReceiver | undefined;
let pgServer: Postgres | undefined;
afterEach(async () => {
  await Promise.all(kiosks.splice(0).map((k) => k.close()));
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await receiver?.close();
  await pgServer?.stop();
  pgServer = undefined;
});

for (const db of ['sqlite', 'postgres'] as const) {
  it(`on ${db}: a gateway SIGKILLed right after committing a bad press still sends its press.negative webhook, once`, async () => {
    const databaseUrl = db === 'postgres' ? await (pgServer = await startPostgres()).newDatabase('lb_crash') : undefined;
    const env = { LB_DELIVERY_POLL_MS: '50' };
    const setup = await startGateway({ ...(databaseUrl ? { databaseUrl } : {}), env, readyTimeoutMs: 60_000 });
    gateways.push(setup);
    const { password } = await crmOffice(setup);
    receiver = await startWebhookReceiver();
    const sub = await setup.api('POST', '/api/v1/webhooks', {
      url: receiver.url,
      scope: { level: 'office', id: 'msk' },
      kinds: ['negative-press'],
    });
    expect(sub.status).toBe(201);
    receiver.secret = sub.body.secret;
    const crm = await mskKey(setup, 'crm', 'CRM');
    await setup.proc.kill('SIGTERM');
    gateways.splice(0);

    // The same data, now with the fault armed: it dies the moment the press's flush has committed.
    const doomed = await startGateway({
      dataDir: setup.dataDir,
      ...(databaseUrl ? { databaseUrl } : {}),
      env: { ...env, LB_TEST_ONLY_FAULT: 'kill-after-ingest-commit' },
      readyTimeoutMs: 60_000,
    });
    gateways.push(doomed);
    const kiosk = new ProtocolKiosk({ url: `mqtt://127.0.0.1:${doomed.mqttPort}`, kioskId: 'k-msk', password, retransmitMs: 1000 });
    kiosks.push(kiosk);
    await kiosk.connect();
    const at = new Date(Date.now() - 60_000).toISOString();
    const bad = {
      id: ulid(),
      seq: 1,
      panel: 'desk',
      button: 'bad' as const,
      at,
      clockSynced: true,
      bootId: ulid(),
      uptimeMs: 90_000,
      flags: [],
      ticket: 'A-017',
    };
    const delivered = kiosk.deliver([bad]);
    await doomed.proc.exited;
    expect(doomed.proc.child.signalCode).toBe('SIGKILL');
    expect(kiosk.acked.size).toBe(0); // killed before its ack: the kiosk will resend
    expect(receiver.received).toHaveLength(0);

    // Restarted on the same ports and data: the outbox row was committed with the press, so it is sent.
    const again = await startGateway({
      dataDir: setup.dataDir,
      mqttPort: doomed.mqttPort,
      ...(databaseUrl ? { databaseUrl } : {}),
      env,
      readyTimeoutMs: 60_000,
    });
    gateways.push(again);
    const got = await receiver.waitFor((r) => r.body.type === 'press.negative', 'press.negative after the restart', 30_000);
    expect(got.signatureValid).toBe(true);
    expect(got.body.data).toMatchObject({ pressId: bad.id, officeId: 'msk', deskId: 'msk-1', employeeId: 'elena', ticket: 'A-017' });
    // The kiosk's resends (one or more, as its retransmit timer meets the restart) are duplicates: the press is
    // stored once, and no second webhook is queued for it.
    await delivered;
    const k = await again.api('GET', '/api/v1/kiosks/k-msk');
    expect(k.body.counters.received).toBe(1);
    expect(k.body.counters.duplicates).toBeGreaterThanOrEqual(1);
    const log = await until(async () => {
      const r = await again.api('GET', '/api/v1/deliveries');
      return r.body.items.every((d: { state: string }) => d.state === 'delivered') ? r.body.items : undefined;
    }, 'the delivery recorded');
    expect(log).toHaveLength(1);
    expect(receiver.acceptedPerKey().size).toBe(1);
    // And the CRM's export holds the case once.
    const pull = await callAs(again, crm, 'GET', '/api/v1/cases/export');
    expect(pull.body.items.map((c: { id: string }) => c.id)).toEqual([bad.id]);
  }, 120_000);
}
