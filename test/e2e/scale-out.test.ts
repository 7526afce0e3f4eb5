/**
 * Several gateways behind one external Mosquitto, one PostgreSQL database (docs/gateway.md,
 * "Several gateways"): two built gateway processes in one MQTT 5 share group split the kiosks'
 * messages; one is frozen and then SIGKILLed while presses are flowing, and later restarted. The kiosks resend what
 * the dead gateway never acked, the survivor takes it, and the database ends up with every press
 * exactly once: seq 1..N per kiosk, no gap, no duplicate. Real processes, broker and database.
 */
import { afterEach, expect, it } from 'vitest';
import { ProtocolKiosk, makeEvents } from '../../scripts/protocol-kiosk.js';
import type { Event } from '../../shared/src/index.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, type GatewayProcessOptions, registerKiosk, startGateway, until } from '../../scripts/lib/processes.js';
import { type Mosquitto, startMosquitto } from '../../scripts/lib/mosquitto.js';

const service = { username: 'lb-gateway', password: 'gateway-secret-for-scale-out' };
const GROUP = 'lb-gateways';
const KIOSKS = ['k-scale-1', 'k-scale-2', 'k-scale-3', 'k-scale-4'];
const FIRST_WAVE = 1500; // presses per kiosk while gateway B is killed
const SECOND_WAVE = 400; // presses per kiosk after B is back

let pg: Postgres | undefined;
let mosq: Mosquitto | undefined;
const gateways: Gateway[] = [];
const kiosks: ProtocolKiosk[] = [];
afterEach(async () => {
  await Promise.all(kiosks.splice(0).map((k) => k.close()));
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await mosq?.kill('SIGTERM');
  await pg?.stop();
});

/** Resolves once `gw` has (re)subscribed `times` times, i.e. it is a member of the share group. */
async function subscribed(gw: Gateway, times = 1): Promise<void> {
  let seen = 0;
  await gw.proc.waitFor((l) => l.msg === 'mqtt subscribed' && ++seen >= times, `mqtt subscribed ×${times}`);
}

const committedBatches = (gw: Gateway) => gw.proc.count('batch committed');

/** Every stored event of a kiosk, page by page, through the REST API. */
async function storedEvents(gw: Gateway, id: string): Promise<{ id: string; seq: number }[]> {
  const all: { id: string; seq: number }[] = [];
  let afterSeq = 0;
  for (;;) {
    const res = await gw.api('GET', `/api/v1/kiosks/${id}/events?afterSeq=${afterSeq}&limit=1000`);
    expect(res.status).toBe(200);
    all.push(...res.body.items);
    if (res.body.nextAfterSeq === null) return all;
    afterSeq = res.body.nextAfterSeq;
  }
}

it('two gateways sharing the kiosks and one database: a SIGKILLed gateway loses and duplicates nothing', async () => {
  pg = await startPostgres();
  const databaseUrl = await pg.newDatabase('lb_scale_out');
  mosq = await startMosquitto(service);
  const url = `mqtt://127.0.0.1:${mosq.port}`;
  const gatewayOpts = (clientId: string): GatewayProcessOptions => ({
    databaseUrl,
    mqtt: { url, ...service, clientId, shareGroup: GROUP },
    logLevel: 'debug', // a 'batch committed' line per batch shows which gateway stored what
  });

  // Started one after the other. (Started at the same instant, one of two gateways sometimes exits
  // with a duplicate key on api_keys.hash: both write the LB_ADMIN_TOKEN key; see docs/gateway.md.)
  const a = await startGateway(gatewayOpts('lb-gateway-a'));
  gateways.push(a);
  let b = await startGateway(gatewayOpts('lb-gateway-b'));
  gateways.push(b);
  await Promise.all([subscribed(a), subscribed(b)]);

  // Registered through one gateway, known to the other through the shared database.
  const creds = [];
  for (const id of KIOSKS) creds.push({ username: id, password: (await registerKiosk(a, id)).password });
  expect((await b.api('GET', `/api/v1/kiosks/${KIOSKS[0]}`)).status).toBe(200);
  await mosq.addUsers(creds); // restarts Mosquitto: both gateways reconnect and rejoin the group
  await Promise.all([subscribed(a, 2), subscribed(b, 2)]);

  const sent = new Map<string, Event[]>();
  for (const [i, id] of KIOSKS.entries()) {
    const k = new ProtocolKiosk({ url, kioskId: id, password: creds[i]!.password, batchSize: 50, window: 2, retransmitMs: 2000 });
    kiosks.push(k);
    await k.connect();
    sent.set(id, makeEvents(FIRST_WAVE, { firstSeq: 1, at: Date.now() - 3_600_000 }));
  }
  // The first wave in two parts, so that presses are still flowing when B dies however fast or slow
  // the machine is: the first part until B has stored a few batches of its own ...
  const split = FIRST_WAVE / 3;
  const firstPart = kiosks.map((k, i) => k.deliver(sent.get(KIOSKS[i]!)!.slice(0, split)));
  await until(async () => (committedBatches(b) >= 3 ? true : undefined), 'gateway B stores batches', 30_000);
  // ... then B freezes (its broker session stays up: the broker keeps dealing it its share, unacked),
  // the rest of the wave is sent, and B is SIGKILLed once A has carried on storing meanwhile.
  b.proc.child.kill('SIGSTOP');
  const aBefore = committedBatches(a);
  const firstWave = [...firstPart, ...kiosks.map((k, i) => k.deliver(sent.get(KIOSKS[i]!)!.slice(split)))];
  await until(async () => (committedBatches(a) >= aBefore + 3 ? true : undefined), 'gateway A stores while B is frozen', 30_000);
  const unsettledAtKill = kiosks.reduce((n, k) => n + k.unsettled, 0);
  await b.proc.kill('SIGKILL');
  expect(unsettledAtKill).toBeGreaterThan(0);
  expect(committedBatches(a)).toBeGreaterThan(0); // A had its share too
  gateways.splice(gateways.indexOf(b), 1);

  // The kiosks resend what B never acked; A alone finishes the first wave.
  await Promise.all(firstWave);

  // B comes back under its client id, rejoins the group and takes a share of the second wave.
  b = await startGateway(gatewayOpts('lb-gateway-b'));
  gateways.push(b);
  await subscribed(b);
  const secondWave = kiosks.map((k, i) => {
    const more = makeEvents(SECOND_WAVE, { firstSeq: FIRST_WAVE + 1, at: Date.now() - 1_800_000 });
    sent.get(KIOSKS[i]!)!.push(...more);
    return k.deliver(more);
  });
  await Promise.all(secondWave);
  expect(committedBatches(b)).toBeGreaterThan(0);

  // The database, read through the surviving gateway's API: every press once, seq 1..N, no gap.
  const total = FIRST_WAVE + SECOND_WAVE;
  for (const [i, id] of KIOSKS.entries()) {
    expect(kiosks[i]!.rejected.size).toBe(0);
    expect(kiosks[i]!.acked.size).toBe(total);
    const detail = (await a.api('GET', `/api/v1/kiosks/${id}`)).body;
    expect(detail.counters).toMatchObject({ received: total, rejected: 0, lastSeq: total });
    expect(detail.gaps).toEqual([]);
    const stored = await storedEvents(a, id);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, n) => n + 1));
    expect(stored.map((e) => e.id)).toEqual(sent.get(id)!.map((e) => e.id));
    expect(new Set(stored.map((e) => e.id)).size).toBe(total);
    // The restarted gateway reads the same database.
    expect((await b.api('GET', `/api/v1/kiosks/${id}`)).body.counters.received).toBe(total);
  }
}, 180_000);
