/**
 * Armed mode on the kiosk (in-process agent, real johnny-five LEDs on the virtual board, real broker):
 * an `arm` message lights the panel's LEDs for the window and the press made in it carries the ticket.
 * The gateway's ACL for `arm` is the gateway's part; this broker has no ACL (as in LB_DEV_MODE).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import mqtt from 'mqtt';
import type { Panel } from '../../shared/src/index.js';
import { Agent } from '../../device/src/agent.js';
import { resolveConfig } from '../../device/src/config.js';
import { deferCleanup, InProcessBoard, ManualClock, runCleanups, silentLog, tempDir } from './helpers.js';
import { brokerAndGateway } from './mqtt-helpers.js';

afterEach(runCleanups);

const panel: Panel = {
  id: 'desk',
  kind: 'staff',
  pins: { good: 2, neutral: 3, bad: 4 },
  leds: { good: 9, neutral: 10, bad: 11 },
  pullup: true,
  armed: { windowMs: 60_000 },
};

describe('armed panel', () => {
  it('arm → LEDs invite a press; the press in the window carries the ticket, once; outside the window none', async () => {
    const { gateway, ...mq } = await brokerAndGateway();
    const subscribed = new Promise<void>((resolve) =>
      mq.broker.on('subscribe', (subs) => subs.some((s) => s.topic === 'lb/v1/kiosks/k-arm/arm') && resolve()),
    );
    const config = resolveConfig({ kioskId: 'k-arm', dataDir: tempDir(), mqtt: { url: mq.url }, panels: [panel] }, {});
    const source = new InProcessBoard(config.panels);
    const lit = new Set<number>();
    source.io.on('pin', (pin: number, value: number) => value === 1 && pin >= 9 && lit.add(pin)); // LEDs, not pull-ups
    const clock = new ManualClock();
    const agent = new Agent(config, { log: silentLog, clock, source });
    await agent.start();
    await source.ready();
    deferCleanup(() => agent.stop());
    await subscribed;
    const admin = await mqtt.connectAsync(mq.url);
    deferCleanup(() => admin.endAsync());
    const arm = (ticket: string, windowMs: number) =>
      admin.publishAsync('lb/v1/kiosks/k-arm/arm', JSON.stringify({ v: 1, panel: 'desk', ticket, windowMs }), { qos: 1 });

    await arm('A-017', 5000);
    await vi.waitFor(() => expect([...lit].sort((a, b) => a - b)).toEqual([9, 10, 11]), { timeout: 3000 }); // every LED invites
    await source.tap(3, 0); // neutral, within the window
    clock.mono += 60_000;
    await source.tap(2, 0); // a second press: the ticket was used
    await vi.waitFor(() => expect(gateway.received).toHaveLength(2), { timeout: 5000 });
    expect(gateway.received.map((e) => [e.button, e.ticket])).toEqual([
      ['neutral', 'A-017'],
      ['good', undefined],
    ]);

    await arm('A-018', 1000);
    await admin.publishAsync('lb/v1/kiosks/k-arm/arm', 'not json', { qos: 1 }); // ignored, nothing breaks
    await new Promise((r) => setTimeout(r, 1500)); // the window (1 s) passes with nobody pressing
    clock.mono += 60_000;
    await source.tap(4, 0);
    await vi.waitFor(() => expect(gateway.received).toHaveLength(3), { timeout: 5000 });
    expect(gateway.received[2]).toMatchObject({ button: 'bad' });
    expect(gateway.received[2]!.ticket).toBeUndefined();
  }, 30_000);
});
