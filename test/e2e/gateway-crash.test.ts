/**
 * SIGKILL the gateway in the middle of ingesting a large backlog: a batch is committed whole or not
 * at all, an ack is only ever sent after commit, and the kiosk's resends are deduplicated.
 */
import { afterEach, expect, it } from 'vitest';
import { ProtocolKiosk, makeEvents } from '../../scripts/protocol-kiosk.js';
import { type Gateway, registerKiosk, startGateway, until } from '../../scripts/lib/processes.js';

const gateways: Gateway[] = [];
const kiosks: ProtocolKiosk[] = [];
afterEach(async () => {
  await Promise.all(kiosks.splice(0).map((k) => k.close()));
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
});

it('holds exactly the sent events after a SIGKILL mid-ingest and a restart', async () => {
  let gw = await startGateway();
  gateways.push(gw);
  const creds = await registerKiosk(gw, 'k-bulk');
  const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
  const kiosk = new ProtocolKiosk({ url, kioskId: 'k-bulk', password: creds.password, retransmitMs: 2000, window: 2 });
  kiosks.push(kiosk);
  await kiosk.connect();
  const events = makeEvents(20_000);
  const delivered = kiosk.deliver(events);

  // Kill as soon as the first acks show ingest is under way, with most of the backlog still unsent.
  await until(async () => (kiosk.acked.size > 0 ? true : undefined), 'first ack');
  await gw.proc.kill('SIGKILL');
  expect(kiosk.acked.size).toBeLessThan(events.length);

  gw = await startGateway({ dataDir: gw.dataDir, httpPort: gw.httpPort, mqttPort: gw.mqttPort });
  gateways.push(gw);
  await delivered;

  const k = (await gw.api('GET', '/api/v1/kiosks/k-bulk')).body;
  expect(kiosk.rejected.size).toBe(0);
  expect(k.counters.received).toBe(events.length);
  expect(k.counters.lastSeq).toBe(events.length);
  expect(k.gaps).toEqual([]);
});
