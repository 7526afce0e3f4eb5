/**
 * How long a replugged USB board takes to count presses again, on the emulated Uno running the real
 * StandardFirmata (scripts/lib/avr/): the built agent as bin/lb-kiosk runs it, a real gateway, the
 * emulator killed (unplug) and started again (plug). Each replug is split where the time goes: plug →
 * the agent opens the port; open → "board connected" (the board resets, the firmware boots, the
 * Firmata handshake, every button reported); connected → a press committed.
 *
 * Also a board without auto-reset (opening the port does not restart it) when the agent restarts:
 * the firmware announced its version long ago, so the agent must ask for it.
 */
import { join } from 'node:path';
import { registerKiosk, startAgent, startGateway, type Agent, type LogLine } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { ensureEmulator, ensureFirmware, Uno } from '../scripts/lib/avr/uno.js';
import { KIOSK_NODE_ARGS } from './kiosk.js';
import { fmt, median, type BenchResult } from './stats.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nth(agent: Agent, msg: string, n: number): Promise<LogLine> {
  let seen = 0;
  return agent.proc.waitFor((l) => l.msg === msg && ++seen === n, `${n} × ${msg}`, 30_000);
}

const spread = (ms: number[]) => `${fmt(Math.min(...ms) / 1000)} / ${fmt(median(ms) / 1000)} / ${fmt(Math.max(...ms) / 1000)}`;

export async function benchReplug(replugs = 5): Promise<BenchResult> {
  const name = 'USB replug → presses counted again (emulated Uno, real StandardFirmata 2.4)';
  const target = 'plug → press accepted ≤ 5 s';
  try {
    ensureFirmware();
    ensureEmulator();
  } catch (err) {
    return { name, figures: { skipped: `the emulator needs gcc and libsimavr-dev (${(err as Error).message})` }, target, pass: false };
  }
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const dir = tempDir('replug');
  const port = join(dir, 'ttyACM0');
  let uno = await Uno.start(port);
  const launch = (creds: { password: string }) =>
    startAgent({
      kioskId: 'bench-replug',
      password: creds.password,
      mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`,
      dataDir: join(dir, 'data'),
      env: { LB_BOARD: port },
      nodeArgs: KIOSK_NODE_ARGS,
    });
  let agent: Agent | undefined;
  try {
    const creds = await registerKiosk(gw, 'bench-replug');
    agent = launch(creds);
    let connects = 1;
    await nth(agent, 'board connected', connects);
    const runs: Record<'after 2 s' | 'at once', { open: number[]; connected: number[]; accepted: number[] }> = {
      'after 2 s': { open: [], connected: [], accepted: [] },
      'at once': { open: [], connected: [], accepted: [] },
    };
    const pins = [2, 3, 4];
    for (const [when, pauseMs] of [
      ['after 2 s', 2000],
      ['at once', 0],
    ] as const) {
      for (let i = 0; i < replugs; i++) {
        const lost = nth(agent, 'board disconnected', connects);
        await uno.kill();
        await lost;
        await sleep(pauseMs); // the person's hand, not a wait for an event
        uno = await Uno.start(port);
        const opened = uno.waitFor((e) => e.type === 'open', 'port opened', 30_000);
        const connected = await nth(agent, 'board connected', ++connects);
        const committed = nth(agent, 'press committed', agent.proc.count('press committed') + 1);
        await uno.press(pins[i % 3]!);
        const accepted = (await committed).time as number;
        runs[when].open.push((await opened).at - uno.pluggedAt);
        runs[when].connected.push((connected.time as number) - uno.pluggedAt);
        runs[when].accepted.push(accepted - uno.pluggedAt);
      }
    }

    // A board that keeps running when the port is opened, and an agent restart.
    await uno.kill();
    uno = await Uno.start(port, { resetOnOpen: false });
    const noReset: number[] = [];
    for (let i = 0; i < 3; i++) {
      await agent.proc.kill('SIGTERM');
      await sleep(3000); // the firmware has booted and announced itself to nobody
      const seen = uno.events.length;
      agent = launch(creds);
      const opened = await uno.waitFor((e) => e.type === 'open' && uno.events.indexOf(e) >= seen, 'port opened', 30_000);
      const connected = await nth(agent, 'board connected', 1);
      noReset.push((connected.time as number) - opened.at);
    }

    const figures: Record<string, string | number> = { replugs: `${replugs} per row`, columns: 'min / median / max s' };
    for (const [when, r] of Object.entries(runs)) {
      figures[`plugged back ${when}: plug → port opened`] = spread(r.open);
      figures[`plugged back ${when}: plug → board connected`] = spread(r.connected);
      figures[`plugged back ${when}: plug → press accepted`] = spread(r.accepted);
    }
    figures['board without auto-reset, agent restart: port opened → board connected'] = spread(noReset);
    const worst = Math.max(...Object.values(runs).flatMap((r) => r.accepted));
    return { name, figures, target, pass: worst <= 5000 };
  } catch (err) {
    const lines = agent?.proc.lines.filter((l) => /board|press/.test(l.msg ?? '')).map((l) => `${l.time} ${l.msg} ${l.error ?? ''}`);
    throw new Error(
      `${(err as Error).message}\nagent: ${lines?.join('\n')}\nuno: ${JSON.stringify(uno.events.filter((e) => e.type !== 'pin'))}`,
    );
  } finally {
    await agent?.proc.kill('SIGTERM');
    await uno.kill();
    await gw.proc.kill('SIGTERM');
  }
}
