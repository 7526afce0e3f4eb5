/**
 * Attack: one event id twice in one batch with different content. It was silently acked (the second
 * copy dropped as a "duplicate"), so which press was counted depended on order. Now both copies are
 * rejected as a conflict, by id, with a reason; an exact repeat is still just a duplicate.
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

describe('a duplicate event id inside one batch', () => {
  it('is rejected as a conflict when the copies differ, and stored once when they are the same', async () => {
    gw = await startGateway();
    const { password } = await registerKiosk(gw, 'k-twice');
    const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, 'k-twice', password);
    const good = event(1, { button: 'good' });
    const bad = { ...good, button: 'bad' };
    const same = event(2);
    const other = event(3);
    await k.publishEvents(batch('k-twice', [good, same, bad, same, other]));
    const ack = await k.nextAck();
    expect(ack.ids).toEqual([same.id, other.id]);
    expect(ack.rejected).toEqual([{ id: good.id, reason: expect.stringMatching(/appears twice in the batch with different content/) }]);
    const stored = (await gw.api('GET', '/api/v1/kiosks/k-twice/events')).body.items.map((e: { id: string }) => e.id);
    expect(stored).toEqual([same.id, other.id]);
    const detail = (await gw.api('GET', '/api/v1/kiosks/k-twice')).body;
    expect(detail.counters).toMatchObject({ received: 2, duplicates: 0, rejected: 1 });
    await k.close();
  });
});
