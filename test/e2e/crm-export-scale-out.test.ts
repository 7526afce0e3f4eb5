/**
 * The CRM's export cursor with two gateway processes on one PostgreSQL (docs/review.md, "CRM"): both ingest
 * bad presses at once, each from its own kiosk, while a CRM pages through `GET /cases/export?since=` on
 * either gateway in turn, as fast as it can. Every case must reach it exactly once: a press committed by one
 * gateway after the CRM read past a later position of the other would be missed for good (the cursor only
 * moves forward). Real processes, database, MQTT and HTTP. Without the advisory lock that orders the
 * positions by commit (store/negative-feed.ts) this test fails: cases are missed.
 */
import { afterEach, expect, it } from 'vitest';
import { batch, event, kiosk } from '../../scripts/lib/mqtt-kiosk.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, registerKiosk, startGateway } from '../../scripts/lib/processes.js';
import { callAs, crmOffice, mskKey } from './crm-setup.js';

let pgServer: Postgres | undefined;
const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await pgServer?.stop();
});

const BATCHES = 40;
const PER_BATCH = 10;

it('two gateways ingesting at once: a CRM paging the export on either gets every case once', async () => {
  pgServer = await startPostgres();
  const databaseUrl = await pgServer.newDatabase('lb_crm_cursor');
  // Each ingest transaction stays open up to 50 ms after writing its crm_feed rows (a test-only fault): the
  // window in which the other gateway's later rows would become visible first were seqs not in commit order.
  const env = { LB_TEST_ONLY_FAULT: 'slow-commit-after-crm-feed' };
  gateways.push(await startGateway({ databaseUrl, env, readyTimeoutMs: 60_000 }));
  gateways.push(await startGateway({ databaseUrl, env, readyTimeoutMs: 60_000 }));
  const [a, b] = gateways as [Gateway, Gateway];
  const first = await crmOffice(a);
  for (const [path, body] of [
    ['/api/v1/desks', { id: 'msk-2', officeId: 'msk', name: 'Window 2' }],
    ['/api/v1/employees', { id: 'ivan', name: 'Ivan Petrov', officeId: 'msk' }],
    ['/api/v1/assignments', { deskId: 'msk-2', employeeId: 'ivan', from: '2026-01-01T00:00:00Z' }],
  ] as const) {
    expect((await b.api('POST', path, body)).status).toBe(201);
  }
  const second = await registerKiosk(b, 'k-msk-2', {
    officeId: 'msk',
    panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, deskId: 'msk-2' }],
  });
  const crm = await mskKey(a, 'crm', 'Bank CRM');

  // Each kiosk sends 400 bad presses a minute apart (closer ones on a panel would be judged misuse), in
  // batches of 10, one after another as each is acked: 80 commits of crm_feed rows interleaved across gateways.
  const send = async (gw: Gateway, id: string, password: string): Promise<string[]> => {
    const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, id, password);
    const ids: string[] = [];
    const start = Date.now() - (BATCHES * PER_BATCH + 5) * 60_000;
    for (let i = 0; i < BATCHES; i++) {
      const presses = Array.from({ length: PER_BATCH }, (_, j) => {
        const n = i * PER_BATCH + j;
        return event(n + 1, { button: 'bad', at: new Date(start + n * 60_000).toISOString(), uptimeMs: 1_000_000 + n * 60_000 });
      });
      ids.push(...presses.map((p) => p.id));
      await k.publishEvents(batch(id, presses));
      const ack = await k.nextAck(15_000);
      expect(ack.rejected ?? []).toEqual([]);
      expect(ack.ids).toHaveLength(PER_BATCH);
    }
    await k.close();
    return ids;
  };

  // The CRM: pages of up to 7 cases, on a and b in turn, until the kiosks are done and a page comes back empty.
  const seen: string[] = [];
  let since = '0';
  let sending = true;
  const pull = async () => {
    for (let turn = 0; ; turn++) {
      const gw = turn % 2 === 0 ? a : b;
      const page = await callAs(gw, crm, 'GET', `/api/v1/cases/export?since=${since}&limit=7`);
      expect(page.status).toBe(200);
      const items = page.body.items as Array<{ id: string; seq: number }>;
      seen.push(...items.map((c) => c.id));
      since = page.body.next;
      if (!sending && items.length === 0) return turn;
    }
  };
  const pulling = pull();
  const sent = (await Promise.all([send(a, 'k-msk', first.password), send(b, 'k-msk-2', second.password)])).flat();
  sending = false;
  const pages = await pulling;

  expect(pages).toBeGreaterThan(BATCHES); // the CRM read while the gateways wrote
  expect(new Set(seen).size).toBe(seen.length); // no case twice
  expect([...seen].sort()).toEqual([...sent].sort()); // and none missed
  const cases = await a.api('GET', '/api/v1/cases?office=msk&limit=1000');
  expect(cases.status).toBe(200);
  expect(cases.body.items).toHaveLength(sent.length);
}, 180_000);
