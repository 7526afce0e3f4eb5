/**
 * The panel's LCD driven by the agent: a real agent process on the virtual board (johnny-five in its board
 * child, writes traced to a file and decoded as an HD44780), and the in-process agent for the indicator.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { KioskConfigMessage, Panel } from '../../shared/src/index.js';
import { Agent } from '../../device/src/agent.js';
import { resolveConfig } from '../../device/src/config.js';
import type { IoWrite } from '../../device/src/virtual-io.js';
import { decodeTrace, Hd44780, readAs } from '../../scripts/lib/hd44780.js';
import { AgentProcess, ensureBuilt } from './agent-process.js';
import { deferCleanup, InProcessBoard, runCleanups, silentLog, tempDir } from './helpers.js';
import { brokerAndGateway } from './mqtt-helpers.js';

afterEach(runCleanups);
beforeAll(ensureBuilt, 120_000);

const desk = (name: string | null): Panel => ({
  id: 'desk',
  kind: 'staff',
  pins: { good: 2, neutral: 3, bad: 4 },
  pullup: true,
  question: 'Как вас обслужили?',
  questionOnDuty: 'Оцените работу: {name}',
  duty: name ? { employeeId: 'e1', name } : null,
  display: { kind: 'lcd-i2c', address: 0x27, cols: 16, rows: 2, rom: 'A00' },
});
const texts = { lang: 'ru', thanks: 'Спасибо!' };

describe('the agent process draws the question on the LCD (board child, johnny-five, decoded I2C)', () => {
  it('a new name on duty from the retained config is shown without restarting the board; "thank you" after a press', async () => {
    const { gateway, ...mq } = await brokerAndGateway();
    const dir = tempDir();
    const trace = join(dir, 'io.jsonl');
    const configFile = join(dir, 'kiosk.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        kioskId: 'lcd-1',
        dataDir: dir,
        board: 'virtual',
        mqtt: { url: mq.url },
        panels: [desk(null)],
        display: { pageMs: 60_000, thanksMs: 1500, offlineAfterMs: 300_000 },
      }),
    );
    const agent = new AgentProcess({ LB_VIRTUAL_IO_TRACE: trace }, ['--config', configFile]);
    deferCleanup(() => {
      if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
    });
    const screen = () =>
      decodeTrace(trace, { address: 0x27 })
        .screen(16, 2, 'A00')
        .map((l) => l.trimEnd());

    await agent.waitForLog('board connected');
    await vi.waitFor(() => expect(screen()).toEqual([readAs('Как вас'), readAs('обслужили?')]), { timeout: 5000 });

    const admin = await mqtt.connectAsync(mq.url);
    deferCleanup(() => admin.endAsync());
    const publish = (config: KioskConfigMessage) =>
      admin.publishAsync('lb/v1/kiosks/lcd-1/config', JSON.stringify(config), { qos: 1, retain: true });

    await publish({ v: 1, rev: 1, panels: [desk('Елена Иванова')], texts });
    await agent.waitForLog('config applied', (l) => l.rev === 1);
    await vi.waitFor(() => expect(screen()).toEqual([readAs('Оцените работу:'), readAs('Елена Иванова')]), { timeout: 5000 });

    await publish({ v: 1, rev: 2, panels: [desk('Пётр Щукин')], texts }); // the shift changed
    expect(await agent.waitForLog('config applied', (l) => l.rev === 2)).toMatchObject({ boardRestart: false });
    // П, Щ, к, и, н drawn in custom characters (the name first); ё shown as its look-alike e
    await vi.waitFor(() => expect(screen()).toEqual([readAs('Оцените работу:'), readAs('Петр Щукин')]), { timeout: 5000 });
    expect(agent.lines.filter((l) => l.msg === 'board connected')).toHaveLength(1);

    agent.send('press desk good');
    await agent.waitForLog('press committed');
    await vi.waitFor(() => expect(screen()).toEqual([readAs('    Спасибо!'), '']), { timeout: 3000 });
    await vi.waitFor(() => expect(screen()).toEqual([readAs('Оцените работу:'), readAs('Петр Щукин')]), { timeout: 5000 });
    await vi.waitFor(() => expect(gateway.received).toHaveLength(1), { timeout: 5000 });

    agent.child.kill('SIGTERM');
    expect(await agent.exited()).toBe(0);
  });
});

describe('the indicator (in-process agent, real johnny-five LCD on the virtual IO plugin)', () => {
  it('offline for long → ⊘ in the last cell; a press the disk refuses → ⚠ (outranks); both clear when fixed', async () => {
    const dataDir = tempDir();
    const config = resolveConfig(
      {
        kioskId: 'lcd-2',
        dataDir,
        mqtt: { url: 'mqtt://127.0.0.1:1' }, // nothing listens: offline from the start
        panels: [desk('Елена Иванова')],
        display: { pageMs: 60_000, thanksMs: 500, offlineAfterMs: 1500 },
      },
      {},
    );
    const source = new InProcessBoard(config.panels);
    const lcd = new Hd44780({ address: 0x27 });
    source.io.on('write', (w: IoWrite) => lcd.feed(w));
    const agent = new Agent(config, { log: silentLog, source });
    await agent.start();
    await source.ready();
    deferCleanup(() => agent.stop());
    const lastCell = () => lcd.screen(16, 2, 'A00')[1]!.at(-1);

    await vi.waitFor(() => expect(lcd.screen(16, 2, 'A00')[1]!.slice(0, 15).trimEnd()).toBe(readAs('Елена Иванова')), { timeout: 3000 });
    await vi.waitFor(() => expect(lastCell()).toBe('⊘'), { timeout: 4000 });

    const pages = agent.outbox.db.pragma('page_count', { simple: true }) as number;
    agent.outbox.db.pragma(`max_page_count = ${pages}`); // a genuine SQLITE_FULL from here on
    let taps = 0;
    while (agent.recorder.memoryHeld === 0 && taps++ < 300) await source.tap(2, 0);
    expect(agent.recorder.memoryHeld).toBe(1);
    await vi.waitFor(() => expect(lastCell()).toBe('⚠'), { timeout: 2000 });

    agent.outbox.db.pragma('max_page_count = 1073741823'); // space again: the held press is committed on retry
    await vi.waitFor(() => expect(agent.recorder.memoryHeld).toBe(0), { timeout: 5000 });
    await vi.waitFor(() => expect(lastCell()).toBe('⊘'), { timeout: 2000 }); // still offline
  }, 30_000);
});
