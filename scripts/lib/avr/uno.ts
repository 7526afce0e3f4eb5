/**
 * An emulated Arduino Uno running the real StandardFirmata (the hex the avrgirl-arduino package ships),
 * for tests and benchmarks of the serial board path: `uno-emulator.c` on simavr, its USART on a pty
 * behind a stable symlink that the agent opens as its LB_BOARD. Kill it to unplug the board; start
 * another at the same path to plug it back in.
 *
 * Needs gcc and Debian's libsimavr-dev (`.ci/run` installs them). The hex and the compiled emulator
 * are cached in `.cache/uno/` (git-ignored).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../processes.js';

const CACHE = join(ROOT, '.cache/uno');
const SOURCE = join(ROOT, 'scripts/lib/avr/uno-emulator.c');
/** StandardFirmata 2.4 for the Uno, from the avrgirl-arduino 5.0.1 registry tarball (never installed). */
const FIRMWARE = {
  pkg: 'avrgirl-arduino@5.0.1',
  path: 'package/junk/hex/uno/StandardFirmata.cpp.hex',
  sha256: '6d57ea7cf30e26c9c2f3a01ee37907d2c951f8bc9c27f84dddad12fa9c8b8f36',
};

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Downloads the StandardFirmata hex once (npm pack, not npm install) and checks its digest. */
export function ensureFirmware(): string {
  const target = join(CACHE, 'StandardFirmata.cpp.hex');
  if (existsSync(target) && sha256(readFileSync(target)) === FIRMWARE.sha256) return target;
  mkdirSync(CACHE, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'lb-firmata-'));
  try {
    const out = execFileSync('npm', ['pack', FIRMWARE.pkg, '--pack-destination', tmp, '--silent'], { cwd: tmp, encoding: 'utf8' });
    execFileSync('tar', ['-xzf', join(tmp, out.trim().split('\n').pop()!), '-C', tmp, FIRMWARE.path]);
    const hex = readFileSync(join(tmp, FIRMWARE.path));
    if (sha256(hex) !== FIRMWARE.sha256) throw new Error(`${FIRMWARE.pkg} ${FIRMWARE.path}: unexpected sha256 ${sha256(hex)}`);
    renameSync(join(tmp, FIRMWARE.path), `${target}.tmp`);
    renameSync(`${target}.tmp`, target); // atomic: parallel test files see all of it or nothing
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

function simavrFlags(): string[] {
  try {
    return execFileSync('pkg-config', ['--cflags', '--libs', 'simavr'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(/\s+/);
  } catch {
    return ['-I/usr/include/simavr', '-lsimavr']; // Debian's layout; its .pc wants libelf-dev only for static linking
  }
}

/** Compiles uno-emulator.c (once per source version) against libsimavr. */
export function ensureEmulator(): string {
  const binary = join(CACHE, `uno-emulator-${sha256(readFileSync(SOURCE)).slice(0, 12)}`);
  if (existsSync(binary)) return binary;
  if (!existsSync('/usr/include/simavr/sim_avr.h') && !simavrFlags().some((f) => f.startsWith('-I'))) {
    throw new Error('simavr headers not found: apt-get install libsimavr-dev gcc (as .ci/run does)');
  }
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${binary}.${process.pid}`;
  execFileSync('gcc', ['-O2', '-Wall', '-o', tmp, SOURCE, ...simavrFlags()], { stdio: ['ignore', 'ignore', 'pipe'] });
  renameSync(tmp, binary);
  return binary;
}

export type UnoEvent =
  | { type: 'open' | 'close'; at: number }
  | { type: 'pin'; pin: number; level: 0 | 1; at: number } // a level the board drives (LEDs)
  | { type: 'input'; pin: number; level: 0 | 1; at: number }; // a press/release applied

/** One emulated board, from plug-in (start) to unplug (kill). */
export class Uno {
  readonly events: UnoEvent[] = [];
  private waiters: { match: (e: UnoEvent) => boolean; resolve: (e: UnoEvent) => void }[] = [];
  stderr = '';
  private readonly exited: Promise<unknown[]>;
  private readonly ready: Promise<unknown>;
  /** When the port appeared (epoch ms). */
  pluggedAt = 0;

  private constructor(
    private readonly child: ChildProcess,
    readonly path: string,
  ) {
    this.exited = once(child, 'exit');
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    let ready: (line: string) => void;
    this.ready = new Promise((resolve, reject) => {
      ready = resolve;
      void this.exited.then(([code]) => reject(new Error(`uno-emulator exited (${code}): ${this.stderr}`)));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [type, a, b, c] = line.split(' ');
      let event: UnoEvent | undefined;
      if (type === 'ready') ready(line);
      else if (type === 'open' || type === 'close') event = { type, at: Number(a) };
      else if (type === 'pin' || type === 'input') event = { type, pin: Number(a), level: Number(b) as 0 | 1, at: Number(c) };
      if (!event) return;
      this.events.push(event);
      this.waiters = this.waiters.filter((w) => (w.match(event) ? (w.resolve(event), false) : true));
    });
  }

  /**
   * Plugs a board in: resolves once the port exists at `path` (a symlink to the pty). `resetOnOpen:
   * false` is a board without auto-reset (no DTR capacitor): opening the port does not restart it.
   */
  static async start(path: string, { resetOnOpen = true } = {}): Promise<Uno> {
    const args = [...(resetOnOpen ? [] : ['--no-reset']), ensureFirmware(), path];
    const uno = new Uno(spawn(ensureEmulator(), args, { stdio: ['pipe', 'pipe', 'pipe'] }), path);
    await uno.ready;
    uno.pluggedAt = Date.now();
    return uno;
  }

  /** Resolves with the first past or future event that matches. */
  waitFor(match: (e: UnoEvent) => boolean, what: string, timeoutMs = 15_000): Promise<UnoEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`uno: no ${what} within ${timeoutMs} ms. stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ match, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  private async input(pin: number, down: boolean): Promise<number> {
    const level = down ? 0 : 1;
    const n = this.events.length;
    this.child.stdin!.write(`${down ? 'press' : 'release'} ${pin}\n`);
    const applied = await this.waitFor(
      (e) => e.type === 'input' && e.pin === pin && e.level === level && this.events.indexOf(e) >= n,
      `${pin} ${down ? 'press' : 'release'}`,
    );
    return applied.at;
  }

  /** A button to ground on `pin`: held for `holdMs`, then let go. Returns when each edge happened. */
  async press(pin: number, holdMs = 60): Promise<{ downAt: number; upAt: number }> {
    const downAt = await this.input(pin, true);
    await new Promise((r) => setTimeout(r, holdMs));
    return { downAt, upAt: await this.input(pin, false) };
  }

  /** Times at which the board drove `pin` HIGH, after `since` (epoch ms). */
  litAt(pin: number, since = 0): number[] {
    return this.events.filter((e) => e.type === 'pin' && e.pin === pin && e.level === 1 && e.at >= since).map((e) => e.at);
  }

  /** Unplugs the board: the process dies at once and its port disappears, as /dev/ttyACM0 does. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
    // A dangling link could point at a pty another process gets next.
    rmSync(this.path, { force: true });
  }
}
