/** The checks of `lb selftest` (selftest.ts), loaded only when it runs. The board is the agent's own code (PanelBoard). */
import { once } from 'node:events';
import { readdirSync, readFileSync, realpathSync, rmSync, statfsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { openIO } from '../../device/src/board-io.js';
import { queryNtpSynchronized } from '../../device/src/clock.js';
import { type AgentConfig, ConfigError, loadConfig } from '../../device/src/config.js';
import { PanelBoard } from '../../device/src/panel-board.js';
import { BUTTONS } from '../../shared/src/buttons.js';
import { CliError, printJson, printTable } from './cli.js';
import type { SelftestOptions } from './selftest.js';

type Result = 'PASS' | 'FAIL' | 'SKIP';
interface Check {
  check: string;
  result: Result;
  detail: string;
}

/** Answers typed (or piped) one per line; a closed stdin answers nothing. */
class Answers {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;
  constructor() {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.lines.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      this.waiting?.(undefined);
    });
  }
  next(): Promise<string | undefined> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => (this.waiting = r));
  }
}

const ms = (n: number) => `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;

export async function selftest(opts: SelftestOptions, json: boolean): Promise<boolean> {
  let config: AgentConfig;
  try {
    config = loadConfig(opts.config);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`${opts.config}: ${err.problems.join('; ')}`, 2);
    throw err;
  }
  const running = agentRunning(opts.config);
  if (running) throw new CliError(`the kiosk agent is running (pid ${running}): stop the agent first: systemctl stop lb-kiosk`, 2);

  const checks: Check[] = [];
  const say = (text: string) => {
    // With --json the prompts go to stderr: stdout carries only the JSON answer.
    (json ? process.stderr : process.stdout).write(`${text}\n`);
  };
  const add = (c: Check) => {
    checks.push(c);
    say(`${c.result === 'PASS' ? '✓' : c.result === 'FAIL' ? '✗' : '-'} ${c.check}: ${c.detail}`);
  };

  await boardChecks(config, opts, add, say);
  add(outboxCheck(config.dataDir));
  add(await brokerCheck(config));
  add(await clockCheck(config));
  add(diskCheck(config.dataDir, Number(opts.minFreeMb)));

  const ok = checks.every((c) => c.result !== 'FAIL');
  if (json) printJson({ pass: ok, kioskId: config.kioskId, checks });
  else {
    console.log('');
    printTable(checks as unknown as Record<string, unknown>[], ['check', 'result', 'detail']);
    console.log(ok ? 'selftest passed' : `selftest FAILED: ${checks.filter((c) => c.result === 'FAIL').length} check(s)`);
  }
  return ok;
}

/** An agent started with this same config file (bin/lb-kiosk --config …, systemd or by hand). */
function agentRunning(configPath: string): number | undefined {
  const wanted = realpathSafe(configPath);
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv.some((a) => a.endsWith('device/src/main.js'))) continue;
    const at = argv.findIndex((a) => a === '--config' || a === '-c');
    const given = at >= 0 ? argv[at + 1] : undefined;
    if (!given) continue;
    let cwd = '/';
    try {
      cwd = realpathSync(`/proc/${pid}/cwd`);
    } catch {
      // another user's process: its relative path cannot be resolved; compare as given
    }
    if (realpathSafe(resolve(cwd, given)) === wanted) return Number(pid);
  }
  return undefined;
}

function realpathSafe(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

async function boardChecks(config: AgentConfig, opts: SelftestOptions, add: (c: Check) => void, say: (t: string) => void): Promise<void> {
  const skipRest = (why: string) => {
    if (opts.leds) add({ check: 'LEDs', result: 'SKIP', detail: why });
    if (opts.buttons) add({ check: 'buttons', result: 'SKIP', detail: why });
  };
  if (config.board === 'virtual') {
    add({ check: 'board', result: 'SKIP', detail: 'board "virtual" in the config: no hardware to test' });
    return skipRest('no board');
  }
  const timeoutMs = Number(opts.boardTimeout) * 1000;
  let reason: string | undefined;
  let board: PanelBoard | undefined;
  let io: { firmware?: { name?: string; version?: { major: number; minor: number } }; transport?: { close?: (cb?: () => void) => void } } =
    {};
  try {
    // Not waiting for a port to appear: a board that is not there now is the finding.
    const opened = await Promise.race([
      openIO(config.board, true, (why) => {
        reason = why;
      }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(reason ?? 'no board')), reason ? 0 : 1000).unref()),
    ]);
    io = opened.io as typeof io;
    board = new PanelBoard(opened.io, config.panels);
    const ready = once(board, 'ready');
    const lost = once(board, 'disconnect').then(([why]) => {
      throw new Error(lockHint(String(why)));
    });
    board.start();
    const timer = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer from the board within ${timeoutMs / 1000} s (is StandardFirmata on it?)`)),
        timeoutMs,
      ).unref(),
    );
    await Promise.race([ready, lost, timer]);
    const fw = io.firmware;
    const firmware = fw?.name
      ? `${fw.name} ${fw.version ? `${fw.version.major}.${fw.version.minor}` : ''}`.trim()
      : 'firmware did not say its name';
    add({ check: 'board', result: 'PASS', detail: `${opened.kind}, ${firmware}` });
  } catch (err) {
    board?.stop();
    add({ check: 'board', result: 'FAIL', detail: lockHint((err as Error).message) });
    return skipRest('no board');
  }

  const answers = new Answers();
  if (opts.leds) {
    const failed: string[] = [];
    let tested = 0;
    for (const panel of config.panels)
      for (const button of BUTTONS) {
        const pin = panel.leds?.[button];
        if (pin === undefined) continue;
        tested++;
        board.show(panel.id, button, 'thanks');
        say(`LED ${button.toUpperCase()} on panel ${panel.id} (pin ${pin}) is blinking: did it blink? [y/n]`);
        const answer = (await answers.next())?.trim().toLowerCase();
        if (answer !== 'y' && answer !== 'yes')
          failed.push(`${panel.id}/${button} (pin ${pin})${answer === undefined ? ': no answer' : ''}`);
      }
    add(
      tested === 0
        ? { check: 'LEDs', result: 'SKIP', detail: 'no LEDs in the config' }
        : failed.length === 0
          ? { check: 'LEDs', result: 'PASS', detail: `${tested} LED(s) seen blinking` }
          : { check: 'LEDs', result: 'FAIL', detail: `not seen: ${failed.join(', ')}` },
    );
  }

  if (opts.buttons) {
    const waitMs = Number(opts.buttonTimeout) * 1000;
    const failed: string[] = [];
    let tested = 0;
    const presses: { panel: string; button: string }[] = [];
    let wake: (() => void) | undefined;
    board.on('press', (panel, button) => {
      presses.push({ panel, button });
      wake?.();
    });
    for (const panel of config.panels)
      for (const button of BUTTONS) {
        tested++;
        presses.length = 0;
        say(`press ${button.toUpperCase()} on panel ${panel.id} (pin ${panel.pins[button]}) within ${waitMs / 1000} s…`);
        const deadline = Date.now() + waitMs;
        while (presses.length === 0 && Date.now() < deadline)
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, Math.min(250, deadline - Date.now()));
          });
        const got = presses[0];
        if (!got) failed.push(`${panel.id}/${button}: no press within ${waitMs / 1000} s`);
        else if (got.panel !== panel.id || got.button !== button)
          failed.push(`${panel.id}/${button}: got ${got.panel}/${got.button} instead`);
        else say(`  ✓ ${button.toUpperCase()} on panel ${panel.id}`);
      }
    add(
      failed.length === 0
        ? { check: 'buttons', result: 'PASS', detail: `${tested} button(s) pressed and seen` }
        : { check: 'buttons', result: 'FAIL', detail: failed.join('; ') },
    );
  }
  board.stop();
  io.transport?.close?.();
}

/** serialport's flock refusal means another process has the port: most likely the agent. */
function lockHint(message: string): string {
  return /lock/i.test(message) ? `${message}: another process holds the port; stop the agent first: systemctl stop lb-kiosk` : message;
}

/** A scratch database beside the outbox, with the agent's settings: the real outbox is only read. */
function outboxCheck(dataDir: string): Check {
  const scratch = join(dataDir, `.selftest-${process.pid}.db`);
  try {
    const db = new Database(scratch);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const t0 = performance.now();
        insert.run('x'.repeat(200)); // one commit = one fsync of the WAL, as each press is
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const median = times[10]!;
      const max = times[19]!;
      let real = 'no outbox yet';
      try {
        const outbox = new Database(join(dataDir, 'outbox.db'), { readonly: true, fileMustExist: true });
        try {
          real = `outbox.db ${outbox.pragma('quick_check', { simple: true })}`;
        } finally {
          outbox.close();
        }
      } catch (err) {
        if (!/unable to open|does not exist/i.test((err as Error).message)) real = `outbox.db: ${(err as Error).message}`;
      }
      const slow = max > 500;
      return {
        check: 'outbox disk',
        result: slow || (real !== 'no outbox yet' && !real.endsWith(' ok')) ? 'FAIL' : 'PASS',
        detail: `${dataDir} writable; commit+fsync median ${ms(median)}, max ${ms(max)}${slow ? ' (over 500 ms)' : ''}; ${real}`,
      };
    } finally {
      db.close();
    }
  } catch (err) {
    return { check: 'outbox disk', result: 'FAIL', detail: `${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  } finally {
    for (const f of [scratch, `${scratch}-wal`, `${scratch}-shm`]) rmSync(f, { force: true });
  }
}

async function brokerCheck(config: AgentConfig): Promise<Check> {
  const t0 = performance.now();
  const client = mqtt.connect(config.mqtt.url, {
    clientId: config.kioskId,
    username: config.mqtt.username,
    ...(config.mqtt.password ? { password: config.mqtt.password } : {}),
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    protocolVersion: 4,
    ...(config.mqtt.ca ? { ca: readFileSync(config.mqtt.ca), rejectUnauthorized: true } : {}),
  });
  const url = config.mqtt.url.replace(/\/\/[^@/]*@/, '//');
  try {
    await new Promise<void>((res, rej) => {
      client.once('connect', () => res());
      client.once('error', rej);
      client.once('close', () => rej(new Error('connection closed before CONNACK')));
    });
    return { check: 'broker', result: 'PASS', detail: `${url}: CONNACK accepted for ${config.kioskId} in ${ms(performance.now() - t0)}` };
  } catch (err) {
    const e = err as Error & { code?: string | number };
    return { check: 'broker', result: 'FAIL', detail: `${url}: ${e.message}${typeof e.code === 'number' ? ` (CONNACK ${e.code})` : ''}` };
  } finally {
    if (client.connected) await client.endAsync();
    else client.end(true);
  }
}

async function clockCheck(config: AgentConfig): Promise<Check> {
  const ntp = await queryNtpSynchronized();
  if (ntp !== undefined)
    return {
      check: 'clock',
      result: ntp ? 'PASS' : 'FAIL',
      detail: `timedatectl: NTPSynchronized=${ntp ? 'yes' : 'no'}; ${new Date().toISOString()}`,
    };
  if (config.clockSynced !== undefined)
    return {
      check: 'clock',
      result: config.clockSynced ? 'PASS' : 'FAIL',
      detail: `no timedatectl; clockSynced=${config.clockSynced} set in the config; ${new Date().toISOString()}`,
    };
  return {
    check: 'clock',
    result: 'FAIL',
    detail: 'cannot tell (no timedatectl): set clockSynced in the config if the clock is kept by other means',
  };
}

function diskCheck(dataDir: string, minFreeMb: number): Check {
  try {
    const s = statfsSync(dataDir);
    const freeMb = (s.bavail * s.bsize) / 1_048_576;
    return {
      check: 'free disk',
      result: freeMb >= minFreeMb ? 'PASS' : 'FAIL',
      detail: `${Math.round(freeMb)} MB free in ${dataDir} (at least ${minFreeMb} MB wanted)`,
    };
  } catch (err) {
    return { check: 'free disk', result: 'FAIL', detail: `${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
}
