/**
 * Attack: numbers beyond what the database and JSON can hold. seq 1e300 once became the kiosk's
 * lastSeq (9223372036854776000) and broke its gap checks for good; 2⁵³+1 was stored as 2⁵³. seq and
 * uptimeMs must be safe integers; anything else is rejected by id with a reason and dead-lettered.
 * Real gateway process, a real MQTT.js kiosk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { registerKiosk, startGateway, type Gateway } from '../../scripts/lib/processes.js';
import { batch, event, kiosk } from '../gateway/helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.proc.kill();
  gw = undefined;
});

describe('seq and uptimeMs bounds', () => {
  it('rejects seq 1e300, seq 2^53+1 and uptimeMs 1e300 by id; the kiosk’s lastSeq and gaps stay right', async () => {
    gw = await startGateway();
    const { password } = await registerKiosk(gw, 'k-seq');
    const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, 'k-seq', password);
    const first = event(1);
    const huge = event(2);
    const unsafe = event(3);
    const longUptime = event(4);
    // Raw JSON text: JSON.stringify cannot write 2^53+1, and these must reach the gateway as sent.
    const raw = JSON.stringify(batch('k-seq', [first, huge, unsafe, longUptime]))
      .replace(`"seq":2,`, '"seq":1e300,')
      .replace(`"seq":3,`, '"seq":9007199254740993,')
      .replace(`"uptimeMs":${longUptime.uptimeMs}`, '"uptimeMs":1e300');
    await k.publishEvents(raw);
    const ack = await k.nextAck();
    expect(ack.ids).toEqual([first.id]);
    const reasons = Object.fromEntries((ack.rejected ?? []).map((r) => [r.id, r.reason]));
    expect(reasons[huge.id]).toMatch(/seq: must be .*9007199254740991/);
    expect(reasons[unsafe.id]).toMatch(/seq: must be .*9007199254740991/);
    expect(reasons[longUptime.id]).toMatch(/uptimeMs: must be .*9007199254740991/);

    // Gap checks still work: seq 2 next is in order, seq 5 after it opens a gap of 3..4.
    await k.publishEvents(batch('k-seq', [event(2), event(5)]));
    expect((await k.nextAck()).ids).toHaveLength(2);
    const detail = (await gw.api('GET', '/api/v1/kiosks/k-seq')).body;
    expect(detail.counters).toMatchObject({ received: 3, rejected: 3, lastSeq: 5 });
    expect(detail.gaps).toEqual([{ from: 3, to: 4 }]);
    const letters = (await gw.api('GET', '/api/v1/dead-letters')).body.items.filter((d: { kioskId: string }) => d.kioskId === 'k-seq');
    expect(letters).toHaveLength(3);
    await k.close();
  });
});
