/**
 * The embedded broker answers a kiosk's exact-topic SUBSCRIBE from an index of retained messages
 * instead of aedes' scan over every retained topic (broker.ts, indexRetained), with the same answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Readable } from 'node:stream';
import { Aedes, type AedesPublishPacket } from 'aedes';
import { indexRetained } from '../../../gateway/src/mqtt/broker.js';

type Persistence = Parameters<typeof indexRetained>[0];

let broker: Aedes | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
  broker = undefined;
});

/** A real aedes memory persistence with the index, and a count of the original scans. */
async function indexed(): Promise<{ persistence: Persistence; scans: () => number }> {
  broker = await Aedes.createBroker();
  const persistence = (broker as unknown as { persistence: Persistence }).persistence;
  let scans = 0;
  const scan = persistence.createRetainedStreamCombi.bind(persistence);
  persistence.createRetainedStreamCombi = (patterns) => (scans++, scan(patterns));
  indexRetained(persistence);
  return { persistence, scans: () => scans };
}

function publish(topic: string, payload: string, retain = true): Promise<void> {
  const packet = { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain, dup: false } as AedesPublishPacket;
  return new Promise((resolve, reject) => broker!.publish(packet, (err) => (err ? reject(err) : resolve())));
}

async function retained(p: Persistence, patterns: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const packet of p.createRetainedStreamCombi(patterns) as Readable) {
    const pk = packet as AedesPublishPacket;
    out[pk.topic] = pk.payload.toString();
  }
  return out;
}

describe('retained messages for exact-topic subscriptions', () => {
  it('answers exact topics from the index, without scanning every retained topic', async () => {
    const { persistence, scans } = await indexed();
    for (let i = 0; i < 50; i++) await publish(`lb/v1/kiosks/k${i}/status`, `{"v":1,"n":${i}}`);
    await publish('lb/v1/kiosks/k7/config', '{"v":1,"rev":3}');
    await publish('lb/v1/kiosks/k8/config', '{"v":1,"rev":1}', false); // not retained: not kept

    expect(await retained(persistence, ['lb/v1/kiosks/k7/acks', 'lb/v1/kiosks/k7/config'])).toEqual({
      'lb/v1/kiosks/k7/config': '{"v":1,"rev":3}',
    });
    expect(await retained(persistence, ['lb/v1/kiosks/k8/acks', 'lb/v1/kiosks/k8/config'])).toEqual({});
    expect(scans()).toBe(0);
  });

  it('keeps the latest retained message per topic and forgets it on an empty payload', async () => {
    const { persistence } = await indexed();
    await publish('lb/v1/kiosks/k1/config', '{"v":1,"rev":1}');
    await publish('lb/v1/kiosks/k1/config', '{"v":1,"rev":2}');
    expect(await retained(persistence, ['lb/v1/kiosks/k1/config'])).toEqual({ 'lb/v1/kiosks/k1/config': '{"v":1,"rev":2}' });
    await publish('lb/v1/kiosks/k1/config', '');
    expect(await retained(persistence, ['lb/v1/kiosks/k1/config'])).toEqual({});
  });

  it('still scans for wildcard patterns, with the same answer as aedes alone', async () => {
    const { persistence, scans } = await indexed();
    await publish('lb/v1/kiosks/k1/status', 'a');
    await publish('lb/v1/kiosks/k2/status', 'b');
    await publish('lb/v1/kiosks/k2/config', 'c');
    expect(await retained(persistence, ['lb/v1/kiosks/+/status'])).toEqual({
      'lb/v1/kiosks/k1/status': 'a',
      'lb/v1/kiosks/k2/status': 'b',
    });
    expect(await retained(persistence, ['lb/v1/#'])).toEqual({
      'lb/v1/kiosks/k1/status': 'a',
      'lb/v1/kiosks/k2/status': 'b',
      'lb/v1/kiosks/k2/config': 'c',
    });
    expect(scans()).toBe(2);
  });
});
