/**
 * Attack: one kiosk floods malformed 20 KB messages. Each was stored whole as a dead letter (the
 * database grew 52 MB in 10 s). Now each kiosk's dead letters are capped (a burst, then a few a
 * minute, each a short preview) and counted beyond that, and a kiosk over its rate of refused
 * messages is throttled by the broker while other kiosks are served as usual.
 * Real gateway process with its SQLite file, real MQTT.js kiosks.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerKiosk, startGateway, until, type Gateway } from '../../scripts/lib/processes.js';
import { batch, event, kiosk } from '../gateway/helpers.js';
import { connect } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.proc.kill();
  gw = undefined;
});

const dbBytes = (dir: string) =>
  ['gateway.db', 'gateway.db-wal'].reduce((n, f) => n + (statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0), 0);

describe('a kiosk flooding malformed messages', () => {
  it('gets a few short dead letters and a count, is throttled, and other kiosks are served meanwhile', async () => {
    gw = await startGateway();
    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    const flood = await registerKiosk(gw, 'k-flood');
    const good = await kiosk(url, 'k-good', (await registerKiosk(gw, 'k-good')).password);
    const before = dbBytes(gw.dataDir);

    const attacker = await connect(url, { clientId: 'k-flood', username: 'k-flood', password: flood.password });
    const junk = `{"v":1,"kioskId":"k-flood","events":[${'x'.repeat(20_000)}`; // 20 KB of malformed JSON
    let acked = 0;
    const t0 = Date.now();
    const lane = async () => {
      while (Date.now() - t0 < 5000) {
        await attacker.publishAsync('lb/v1/kiosks/k-flood/events', junk, { qos: 1 });
        acked++;
      }
    };
    const lanes = Promise.all(Array.from({ length: 32 }, lane));
    // Meanwhile a well-behaved kiosk is acked as usual.
    await until(async () => (acked > 100 ? true : undefined), 'the flood under way', 5000).catch(() => undefined);
    const e = event(1);
    const sentAt = Date.now();
    await good.publishEvents(batch('k-good', [e]));
    expect((await good.nextAck()).ids).toEqual([e.id]);
    const goodAckMs = Date.now() - sentAt;
    await Promise.race([lanes, new Promise((r) => setTimeout(r, 6000))]);
    attacker.end(true);
    const seconds = (Date.now() - t0) / 1000;

    const letters = async () =>
      (
        (await gw!.api('GET', '/api/v1/dead-letters?limit=1000')).body.items as Array<{ kioskId: string; reason: string; payload: string }>
      ).filter((d) => d.kioskId === 'k-flood');
    const stored = await letters();
    const storedBytes = stored.reduce((n, d) => n + d.payload.length, 0);
    const growth = dbBytes(gw.dataDir) - before;
    console.log(
      `dead-letter flood: ${acked} messages of 20 KB taken by the broker in ${seconds.toFixed(1)} s; ${stored.length} dead letters stored (${storedBytes} payload chars); database +${(growth / 1e6).toFixed(2)} MB; good kiosk acked in ${goodAckMs} ms`,
    );
    expect(acked).toBeLessThan(300); // throttled (unthrottled: thousands)
    expect(stored.length).toBeLessThanOrEqual(25);
    expect(storedBytes).toBeLessThan(64 * 1024);
    expect(growth).toBeLessThan(8e6);
    expect(goodAckMs).toBeLessThan(2000);
    // What was not stored is counted, in a dead letter of its own.
    const summary = await until(
      async () => (await letters()).find((d) => /more dead letters from kiosk "k-flood" were not stored/.test(d.reason)),
      'the count of suppressed dead letters',
      20_000,
    );
    expect(Number(/(\d+) more dead letters/.exec(summary.reason)![1])).toBeGreaterThan(0);
  }, 60_000);
});
