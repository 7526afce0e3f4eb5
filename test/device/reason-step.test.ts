/**
 * The reason step after a bad press, in the agent (real johnny-five on the virtual board, real outbox,
 * real broker): reason buttons on their own pins, the LCD asking "why?", the answer on the events stream.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checker, ReasonEvent, type Panel } from '../../shared/src/index.js';
import { Agent } from '../../device/src/agent.js';
import { resolveConfig } from '../../device/src/config.js';
import type { IoWrite } from '../../device/src/virtual-io.js';
import { Hd44780, readAs } from '../../scripts/lib/hd44780.js';
import { deferCleanup, InProcessBoard, ManualClock, runCleanups, silentLog, tempDir } from './helpers.js';
import { brokerAndGateway } from './mqtt-helpers.js';

afterEach(runCleanups);

const panel: Panel = {
  id: 'desk',
  kind: 'staff',
  pins: { good: 2, neutral: 3, bad: 4 },
  pullup: true,
  question: 'Как вас обслужили?',
  display: { kind: 'lcd-i2c', cols: 20, rows: 4, rom: 'cyrillic' },
  reasons: {
    options: [
      { id: 'slow', label: 'Долго' },
      { id: 'rude', label: 'Невежливо' },
      { id: 'unsolved', label: 'Не решили' },
    ],
    pins: [5, 6, 7],
    timeoutMs: 1500,
  },
};

async function setup() {
  const { gateway, ...mq } = await brokerAndGateway();
  const config = resolveConfig(
    {
      kioskId: 'k-why',
      dataDir: tempDir(),
      mqtt: { url: mq.url },
      panels: [panel],
      texts: { lang: 'ru', whyQuestion: 'Что не так?' },
      display: { pageMs: 60_000, thanksMs: 500, offlineAfterMs: 300_000 },
    },
    {},
  );
  const source = new InProcessBoard(config.panels);
  const lcd = new Hd44780({ address: 0x27 });
  source.io.on('write', (w: IoWrite) => lcd.feed(w));
  const clock = new ManualClock();
  const agent = new Agent(config, { log: silentLog, clock, source });
  await agent.start();
  await source.ready();
  deferCleanup(() => agent.stop());
  const screen = () =>
    lcd
      .screen(20, 4, 'cyrillic')
      .map((l) => l.trimEnd())
      .filter(Boolean)
      .join(' ');
  return { agent, source, gateway, clock, screen };
}

describe('reason step after a bad press', () => {
  it('asks why on the LCD; a reason button stores a ReasonEvent on the same seq stream, published and acked like presses', async () => {
    const { agent, source, gateway, screen } = await setup();
    await vi.waitFor(() => expect(screen()).toBe(readAs('Как вас обслужили?')), { timeout: 3000 });
    await source.tap(4, 0); // bad
    await vi.waitFor(() => expect(screen()).toBe(readAs('Что не так? 1 Долго 2 Невежливо 3 Не решили')), { timeout: 3000 });
    await source.tap(6, 0); // the second reason button: "rude"
    await vi.waitFor(() => expect(gateway.received).toHaveLength(2), { timeout: 5000 });
    const [press, reason] = gateway.received as unknown[] as [{ id: string; seq: number; button: string }, ReasonEvent];
    expect(press).toMatchObject({ seq: 1, button: 'bad' });
    expect(reason).toMatchObject({ type: 'reason', seq: 2, panel: 'desk', reasonFor: press.id, reason: 'rude' });
    expect(checker(ReasonEvent).problems(reason)).toEqual([]);
    await vi.waitFor(() => expect(agent.outbox.stats(Date.now()).pending).toBe(0), { timeout: 5000 }); // acked
    await vi.waitFor(() => expect(screen()).toBe(readAs('Как вас обслужили?')), { timeout: 3000 });
  });

  it('no answer within timeoutMs: the question returns and nothing is sent; a reason button pressed then does nothing', async () => {
    const { agent, source, gateway, clock, screen } = await setup();
    await source.tap(4, 0);
    await vi.waitFor(() => expect(screen()).toContain(readAs('Что не так?')), { timeout: 3000 });
    await vi.waitFor(() => expect(screen()).toBe(readAs('Как вас обслужили?')), { timeout: 4000 }); // 1.5 s later
    await source.tap(5, 0); // too late
    clock.mono += 60_000; // keep the misuse rules out of the way
    await source.tap(2, 0); // good
    await vi.waitFor(() => expect(gateway.received).toHaveLength(2), { timeout: 5000 });
    expect(gateway.received.map((e) => [e.seq, e.button])).toEqual([
      [1, 'bad'],
      [2, 'good'],
    ]);
    expect(agent.outbox.stats(Date.now()).lastSeq).toBe(2);
  });

  it('a good or neutral press asks nothing', async () => {
    const { agent, source, screen } = await setup();
    await source.tap(3, 0);
    await vi.waitFor(() => expect(agent.outbox.stats(Date.now()).lastSeq).toBe(1));
    expect(agent.reasons.current('desk')).toBeUndefined();
    expect(screen()).not.toContain(readAs('Что не так?'));
  });
});
