import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { checker, Event, StatusMessage } from '../../shared/src/index.js';
import { Agent } from '../../device/src/agent.js';
import { resolveConfig } from '../../device/src/config.js';
import { deferCleanup, InProcessBoard, ManualClock, runCleanups, silentLog, tempDir } from './helpers.js';
import { brokerAndGateway } from './mqtt-helpers.js';

afterEach(runCleanups);

async function startAgent(url: string, dataDir: string) {
  const config = resolveConfig({ kioskId: 'k1', dataDir, mqtt: { url } }, {});
  const source = new InProcessBoard(config.panels);
  const clock = new ManualClock();
  const agent = new Agent(config, { log: silentLog, clock, source });
  await agent.start();
  await source.ready();
  deferCleanup(() => agent.stop());
  return { agent, source, clock };
}

describe('Agent (in-process board: real johnny-five on the virtual IO plugin)', () => {
  it('presses go button → flags → outbox → gateway; the LED lights only after the commit', async () => {
    const { url, gateway } = await brokerAndGateway();
    const { agent, source, clock } = await startAgent(url, tempDir());
    const pendingWhenLedLit: number[] = [];
    source.io.on('pin', (pin: number, value: number) => {
      if (pin === 9 && value === 1) pendingWhenLedLit.push(agent.outbox.stats(Date.now()).lastSeq);
    });
    for (const [i, gap] of [0, 1000, 1000].entries()) {
      clock.mono += gap;
      await source.tap(2, 0); // desk/good: pull-up, active LOW
      await vi.waitFor(() => expect(agent.outbox.stats(Date.now()).lastSeq).toBe(i + 1));
    }
    await vi.waitFor(() => expect(gateway.received).toHaveLength(3), { timeout: 5000 });
    expect(gateway.received.map((e) => [e.seq, e.flags])).toEqual([
      [1, []],
      [2, ['repeat']],
      [3, ['repeat']],
    ]);
    expect(gateway.received.map((e) => `${e.panel}/${e.button}`)).toEqual(['desk/good', 'desk/good', 'desk/good']);
    const checkEvent = checker(Event);
    expect(gateway.received.flatMap((e) => checkEvent.problems(e))).toEqual([]); // the contract's Event, as sent
    expect(pendingWhenLedLit[0]).toBe(1); // first blink happened with row 1 already committed
    await vi.waitFor(() => expect(agent.outbox.stats(Date.now()).pending).toBe(0));
  });

  it('applies a valid retained config (board restarted with new pins, persisted), refuses an invalid one and reports it', async () => {
    const { url } = await brokerAndGateway();
    const dataDir = tempDir();
    const { agent, source } = await startAgent(url, dataDir);
    const setPanels = vi.spyOn(source, 'setPanels');
    const admin = await mqtt.connectAsync(url);
    deferCleanup(() => admin.endAsync());
    const statuses: StatusMessage[] = [];
    admin.on('message', (_t, p) => statuses.push(JSON.parse(p.toString()) as StatusMessage));
    await admin.subscribeAsync('lb/v1/kiosks/k1/status', { qos: 1 });
    const lobby = { id: 'lobby', kind: 'office', pins: { good: 5, neutral: 6, bad: 7 } };

    await admin.publishAsync('lb/v1/kiosks/k1/config', JSON.stringify({ v: 1, rev: 2, panels: [lobby] }), { qos: 1, retain: true });
    await vi.waitFor(() => expect(agent.currentPanels()).toEqual([lobby]));
    expect(setPanels).toHaveBeenCalledWith([lobby]);
    expect(existsSync(join(dataDir, 'remote-config.json'))).toBe(true);
    await vi.waitFor(() => expect(statuses.at(-1)?.config).toEqual({ rev: 2 }), { timeout: 5000 });

    const broken = { v: 1, rev: 3, panels: [{ ...lobby, pins: { ...lobby.pins, bad: 'x' } }] };
    await admin.publishAsync('lb/v1/kiosks/k1/config', JSON.stringify(broken), { qos: 1, retain: true });
    await vi.waitFor(() => expect(statuses.at(-1)?.config?.error).toContain('panels[0].pins.bad: must be integer'), { timeout: 5000 });
    expect(statuses.at(-1)).toMatchObject({
      state: 'online',
      config: { rev: 2 },
      board: { connected: true },
      outbox: { pending: 0, memoryHeld: 0 },
    });
    expect(statuses.at(-1)?.panels).toEqual([{ id: 'lobby', kind: 'office' }]); // what it runs, for the gateway to learn
    expect(agent.currentPanels()).toEqual([lobby]); // the old one stays
    expect(checker(StatusMessage).problems(statuses.at(-1))).toEqual([]);

    const pinClash = { v: 1, rev: 4, panels: [lobby, { ...lobby, id: 'hall' }] };
    await admin.publishAsync('lb/v1/kiosks/k1/config', JSON.stringify(pinClash), { qos: 1, retain: true });
    await vi.waitFor(() => expect(statuses.at(-1)?.config?.error).toContain('panels[1].pins.good: pin 5 is already used'), {
      timeout: 5000,
    });
    await agent.stop(); // stop is idempotent: the deferred cleanup may call it again

    const restarted = new Agent(resolveConfig({ kioskId: 'k1', dataDir, mqtt: { url: 'mqtt://127.0.0.1:1' } }, {}), {
      log: silentLog,
      source: new InProcessBoard([]),
    });
    expect(restarted.currentPanels()).toEqual([lobby]); // persisted: survives a restart without the broker
    restarted.outbox.close();
  });
});
