/**
 * An emulated Arduino Uno running the real StandardFirmata (the hex the avrgirl-arduino package ships),
 * for tests and benchmarks of the serial board path: `uno-emulator.c` on simavr, its USART on a pty
 * behind a stable symlink that the agent opens as its LB_BOARD. Kill it to unplug the board; start
 * another at the same path to plug it back in.
 *
 * Needs gcc and Debian's libsimavr-dev (`.ci/run` installs them), and for the bootloader Debian's
 * arduino-core-avr (optiboot's source, gcc-avr). The hexes and the compiled emulator are cached in
 * `.cache/uno/` (git-ignored).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BOARDS, ensureFirmware as ensureBoardFirmware, ensureHex } from '../../lb/firmware.js';
import { ROOT } from '../processes.js';

const CACHE = join(ROOT, '.cache/uno');
const SOURCE = join(ROOT, 'scripts/lib/avr/uno-emulator.c');
/** Debian's arduino-core-avr: optiboot's source and Makefile (and gcc-avr, which it depends on). */
const OPTIBOOT_SOURCE = '/usr/share/arduino/hardware/arduino/avr/bootloaders/optiboot';
/**
 * The Makefile's flags plus -fno-inline-functions-called-once: Debian's prebuilt optiboot_atmega328.hex
 * (avr-gcc 5.4) is 532 bytes, 20 past the end of flash (appStart and watchdogConfig fall off the chip),
 * so it cannot boot; with this flag the same source builds to 500 bytes and fits the 512-byte boot section.
 */
const OPTIBOOT_OPTIMIZE = '-Os -fno-inline-small-functions -fno-split-wide-types -mshort-calls -fno-inline-functions-called-once';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** StandardFirmata for the Uno (the registry of scripts/lb/firmware.ts), downloaded once into .cache/uno. */
export function ensureFirmware(): string {
  return ensureBoardFirmware(BOARDS.uno!, join(ROOT, '.cache'));
}

/**
 * Blink, what an Uno runs as it leaves the factory (from the same tarball): the application a flash test
 * starts from. Not an erased chip: optiboot's appStart is an rcall, so on erased flash (0xffff runs on
 * into the bootloader) each pass leaves two bytes on the stack and after ~1 s simavr stops the CPU for
 * writing below the registers, where a real chip would wrap around.
 */
export function ensureBlink(): string {
  return ensureHex(
    { path: 'package/junk/hex/uno/Blink.cpp.hex', sha256: 'ebc22be95deaebf9dec9ee9c8d99bda57cfc20cc37efbc72b959afaa88278404' },
    join(ROOT, '.cache'),
  );
}

/** optiboot for the ATmega328P at 115200 baud, built once from Debian's source (see OPTIBOOT_OPTIMIZE). */
export function ensureOptiboot(): string {
  if (!existsSync(join(OPTIBOOT_SOURCE, 'optiboot.c'))) {
    throw new Error(`${OPTIBOOT_SOURCE} not found: apt-get install arduino-core-avr (as .ci/run does)`);
  }
  const key = sha256(readFileSync(join(OPTIBOOT_SOURCE, 'optiboot.c')) + OPTIBOOT_OPTIMIZE).slice(0, 12);
  const target = join(CACHE, `optiboot_atmega328-${key}.hex`);
  if (existsSync(target)) return target;
  mkdirSync(CACHE, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'lb-optiboot-'));
  try {
    cpSync(OPTIBOOT_SOURCE, tmp, { recursive: true });
    execFileSync('make', ['-C', tmp, 'atmega328', `OPTIMIZE=${OPTIBOOT_OPTIMIZE}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const hex = readFileSync(join(tmp, 'optiboot_atmega328.hex'), 'utf8');
    // Every data record must lie in the boot section, 0x7e00..0x7fff (the check Debian's hex fails).
    for (const line of hex.split('\n').filter((l) => l.slice(7, 9) === '00')) {
      const end = Number.parseInt(line.slice(3, 7), 16) + Number.parseInt(line.slice(1, 3), 16);
      if (end > 0x8000) throw new Error(`optiboot built past the end of flash (record ${line})`);
    }
    writeFileSync(`${target}.${process.pid}`, hex);
    renameSync(`${target}.${process.pid}`, target);
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

/**
 * Everything an emulated Uno needs, fetched or built once, before the clock of a test or bench starts:
 * the StandardFirmata hex and the emulator, and with `bootloader` also optiboot and Blink (an Uno as shipped).
 */
export function prepareUno({ bootloader = false } = {}): void {
  ensureFirmware();
  if (bootloader) {
    ensureBlink();
    ensureOptiboot();
  }
  ensureEmulator();
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
   * `bootloader: true` is an Uno as shipped: optiboot in the boot section, the reset vector on it, and
   * `firmware` (StandardFirmata by default, `null` = erased) in the application flash.
   */
  static async start(
    path: string,
    { resetOnOpen = true, bootloader = false, firmware = ensureFirmware() as string | null } = {},
  ): Promise<Uno> {
    const args = [...(resetOnOpen ? [] : ['--no-reset']), ...(bootloader ? ['--boot', ensureOptiboot()] : []), firmware ?? '-', path];
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
