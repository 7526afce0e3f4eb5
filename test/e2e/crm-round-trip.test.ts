/**
 * The CRM round trip (issue 13) with real processes and a real local HTTP receiver acting as the CRM: a
 * gateway process, a scripted kiosk's bad press over MQTT → the signed `press.negative` webhook reaches the
 * receiver, which verifies the signature → the CRM posts its survey's follow-up back with a `crm` key (and
 * retries it: stored once) → the reviewer sees the CRM's suggested cause on the case and classifies it →
 * the CRM's export returns the case once through its cursor, with the follow-up and the classification.
 */
import { ulid } from 'ulid';
import { afterEach, expect, it } from 'vitest';
import { ProtocolKiosk } from '../../scripts/protocol-kiosk.js';
import { type Gateway, startGateway } from '../../scripts/lib/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.js';
import { callAs, crmOffice, mskKey } from './crm-setup.js';

let gw: Gateway | undefined;
let kiosk: ProtocolKiosk | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await kiosk?.close();
  await gw?.proc.kill();
  await receiver?.close();
});

it('bad press → signed webhook → CRM follow-up → reviewer classifies → the export gives the case once', async () => {
  gw = await startGateway({ env: { LB_DELIVERY_POLL_MS: '50' }, readyTimeoutMs: 60_000 });
  const { password } = await crmOffice(gw);
  const crm = await mskKey(gw, 'crm', 'Bank CRM');
  const reviewer = await mskKey(gw, 'reviewer', 'Rita Reviewer');
  receiver = await startWebhookReceiver();
  const sub = await gw.api('POST', '/api/v1/webhooks', {
    url: receiver.url,
    scope: { level: 'office', id: 'msk' },
    kinds: ['negative-press'],
  });
  expect(sub.status).toBe(201);
  receiver.secret = sub.body.secret;

  // The kiosk: a good press, then a bad one for the customer with ticket A-017.
  kiosk = new ProtocolKiosk({ url: `mqtt://127.0.0.1:${gw.mqttPort}`, kioskId: 'k-msk', password });
  await kiosk.connect();
  const bootId = ulid();
  const at = (s: number) => new Date(Date.now() - 120_000 + s * 1000).toISOString();
  const common = { panel: 'desk', clockSynced: true, bootId, flags: [] };
  const good = { ...common, id: ulid(), seq: 1, button: 'good' as const, at: at(0), uptimeMs: 60_000 };
  const bad = { ...common, id: ulid(), seq: 2, button: 'bad' as const, at: at(30), uptimeMs: 90_000, ticket: 'A-017' };
  await kiosk.deliver([good, bad]);

  // The CRM receives the signed webhook and finds the customer by office, desk, time and ticket.
  const hook = await receiver.waitFor((r) => r.body.type === 'press.negative', 'press.negative', 30_000);
  expect(hook.signatureValid).toBe(true);
  const data = hook.body.data as { pressId: string; officeId: string; deskId: string; employeeId: string; at: string; ticket: string };
  expect(data).toMatchObject({ pressId: bad.id, officeId: 'msk', deskId: 'msk-1', employeeId: 'elena', at: bad.at, ticket: 'A-017' });

  // It surveys the customer and posts the outcome back to the case (the press's id); its retry is no duplicate.
  const followUp = { ref: 'survey-A-017', outcome: 'answered', answer: 'The queue screen skipped my number', cause: 'office', comment: '' };
  const posted = await callAs(gw, crm, 'POST', `/api/v1/cases/${data.pressId}/follow-up`, followUp);
  expect(posted.status).toBe(201);
  expect((await callAs(gw, crm, 'POST', `/api/v1/cases/${data.pressId}/follow-up`, followUp)).status).toBe(200);

  // The reviewer's queue shows the case, still pending, with the CRM's suggestion; the reviewer accepts it.
  const queue = await callAs(gw, reviewer, 'GET', '/api/v1/cases?status=pending');
  expect(queue.body.items).toHaveLength(1);
  expect(queue.body.items[0]).toMatchObject({ id: bad.id, status: 'pending', followUp: { cause: 'office', ref: 'survey-A-017' } });
  const classified = await callAs(gw, reviewer, 'PATCH', `/api/v1/cases/${bad.id}`, { cause: 'office', note: 'CRM survey-A-017' });
  expect(classified.body).toMatchObject({ status: 'classified', cause: 'office', classifiedBy: 'Rita Reviewer' });
  const history = await callAs(gw, reviewer, 'GET', `/api/v1/cases/${bad.id}/history`);
  expect(history.body.items.map((h: { to: string }) => h.to)).toEqual(['office']);
  expect(history.body.followUps).toHaveLength(1);

  // The CRM's pull: the case once, then nothing new from its cursor.
  const pull = await callAs(gw, crm, 'GET', '/api/v1/cases/export');
  expect(pull.body.items).toHaveLength(1);
  expect(pull.body.items[0]).toMatchObject({
    id: bad.id,
    ticket: 'A-017',
    cause: 'office',
    followUp: { ref: 'survey-A-017' },
    timeZone: 'Europe/Moscow',
  });
  expect(pull.body.items[0].localAt).toMatch(/\+03:00$/);
  const next = await callAs(gw, crm, 'GET', `/api/v1/cases/export?since=${pull.body.next}`);
  expect(next.body.items).toEqual([]);
  expect(receiver.received.filter((r) => r.body.type === 'press.negative')).toHaveLength(1);
}, 120_000);
