/**
 * A UTF-8 byte order mark before valid JSON (some editors and HTTP-to-MQTT bridges add one) was
 * dead-lettered; it is accepted now. Real gateway process, a real MQTT.js kiosk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { kioskTopic } from '../../shared/src/index.js';
import { registerKiosk, startGateway, until, type Gateway } from '../../scripts/lib/processes.js';
import { batch, event, kiosk } from '../gateway/helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.proc.kill();
  gw = undefined;
});

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('a UTF-8 BOM before the JSON', () => {
  it('is accepted on events and status', async () => {
    gw = await startGateway();
    const { password } = await registerKiosk(gw, 'k-bom');
    const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, 'k-bom', password);
    const e = event(1);
    await k.publishEvents(Buffer.concat([BOM, Buffer.from(JSON.stringify(batch('k-bom', [e])))]));
    expect(await k.nextAck()).toEqual({ v: 1, ids: [e.id] });
    await k.client.publishAsync(kioskTopic('lb/v1', 'k-bom', 'status'), Buffer.concat([BOM, Buffer.from('{"v":1,"state":"online"}')]), {
      qos: 1,
      retain: true,
    });
    const status = await until(async () => (await gw!.api('GET', '/api/v1/kiosks/k-bom')).body.status ?? undefined, 'status stored');
    expect(status.payload).toEqual({ v: 1, state: 'online' });
    expect((await gw.api('GET', '/api/v1/dead-letters')).body.items).toEqual([]);
    await k.close();
  });
});
