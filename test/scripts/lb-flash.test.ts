/**
 * `lb flash` for real: the built CLI (dist/scripts/lb/main.js) as a child process against an emulated
 * ATmega328P (simavr) that boots the real optiboot and runs Blink, as an Uno leaves the factory
 * (scripts/lib/avr/). It must write StandardFirmata through optiboot's STK500v1 protocol, read it back,
 * and the board must then answer a Firmata client that did not come from lb. The failures a technician
 * meets are processes too, each one line on stderr and its own exit code.
 */
import { once } from 'node:events';
import { chmodSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import firmataIo from 'firmata-io';
import { SerialPort } from 'serialport';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBlink, ensureFirmware, prepareUno, Uno } from '../../scripts/lib/avr/uno.js';
import { lb } from '../../scripts/lib/lb-run.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

beforeAll(() => {
  prepareUno({ bootloader: true }); // optiboot built from Debian's arduino-core-avr source, once
}, 120_000);

/** An Uno as shipped: optiboot in the boot section, Blink in the application flash. */
async function factoryUno(): Promise<Uno> {
  const uno = await Uno.start(join(tempDir('flash'), 'ttyACM0'), { bootloader: true, firmware: ensureBlink() });
  cleanup.push(() => uno.kill());
  return uno;
}

// Flashing takes ~3 s here, but the emulator slows down with the machine: under the full suite up to ~30 s.
describe('lb flash against optiboot on an emulated Uno', () => {
  it('writes and verifies StandardFirmata, and the board then answers Firmata and drives its pins', async () => {
    const uno = await factoryUno();
    const run = await lb(['flash', '--port', uno.path, '--board', 'uno', '--json']);
    expect(run.stderr).toBe(''); // no progress bar with --json
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    // The whole firmware, in whole 128-byte pages, written and read back.
    const hexBytes = readFileSync(ensureFirmware(), 'utf8')
      .split(/\r?\n/)
      .filter((l) => l.slice(7, 9) === '00')
      .reduce((n, l) => Math.max(n, Number.parseInt(l.slice(3, 7), 16) + Number.parseInt(l.slice(1, 3), 16)), 0);
    expect(report).toMatchObject({
      port: uno.path,
      board: 'uno',
      signature: '1e950f',
      baud: 115200,
      firmware: { name: 'StandardFirmata', version: '2.4' },
    });
    expect(report.bytes).toBe(Math.ceil(hexBytes / 128) * 128);
    expect(report.verified).toBe(report.bytes);

    // A Firmata client of its own (firmata-io over serialport, as johnny-five uses it) lights the LED.
    const port = new SerialPort({ path: uno.path, baudRate: 57600 });
    cleanup.push(() => promisify(port.close.bind(port))().catch(() => undefined));
    const board = new firmataIo.Firmata(port, { reportVersionTimeout: 0 }) as unknown as NodeJS.EventEmitter & {
      firmware: { name: string };
      pinMode(pin: number, mode: number): void;
      digitalWrite(pin: number, value: number): void;
    };
    await once(board, 'ready');
    expect(board.firmware.name).toMatch(/^StandardFirmata/);
    const since = Date.now();
    board.pinMode(9, 1);
    board.digitalWrite(9, 1);
    await uno.waitFor((e) => e.type === 'pin' && e.pin === 9 && e.level === 1 && e.at >= since, 'LED 9 on');
  }, 90_000);

  it('prints what it did for people: bytes written and verified, then the firmware and port', async () => {
    const uno = await factoryUno();
    const run = await lb(['flash', '--port', uno.path]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^StandardFirmata \(uno\) → \S+: \d+ bytes written and verified in [\d.]+ s\n/);
    expect(run.stdout).toContain(`StandardFirmata 2.4 on ${uno.path}\n`);
  }, 90_000);

  it("--board mega (STK500v2) on an Uno's optiboot: wrong board, named, and which --board to use", async () => {
    const uno = await factoryUno();
    const run = await lb(['flash', '--port', uno.path, '--board', 'mega']);
    expect(run.code, run.stderr).toBe(5);
    expect(run.stderr).toMatch(
      /^lb: wrong board: the board on \S+ answers as ATmega328P \(Uno, Nano\) over stk500v1, not as an Arduino Mega 2560; use --board uno or --board nano\n$/,
    );
  });
});

describe('lb flash: what goes wrong, one line and an exit code each', () => {
  it('a port nobody answers on (a chip without a bootloader, running Blink): no answer, with the likely causes', async () => {
    const uno = await Uno.start(join(tempDir('flash'), 'ttyACM0'), { firmware: ensureBlink() });
    cleanup.push(() => uno.kill());
    const run = await lb(['flash', '--port', uno.path]);
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(
      /^lb: no answer from a bootloader on \S+ \(stk500v1 at 115200 baud, 10 tries each\): not an Arduino, .*press its reset button.*\n$/,
    );
  });

  it('a port another program holds: busy', async () => {
    const uno = await factoryUno();
    const holder = new SerialPort({ path: uno.path, baudRate: 57600 }); // serialport locks the port, as the agent's does
    await once(holder, 'open');
    cleanup.push(() => promisify(holder.close.bind(holder))());
    const run = await lb(['flash', '--port', uno.path]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/^lb: \S+ is busy: another program has it open .*\n$/);
  });

  it('a port the user may not open: permission denied, with the dialout fix', async () => {
    const uno = await factoryUno();
    // As root, run lb as nobody (the pty is root's, mode 620); as anyone else, take the pty's permissions away.
    const root = process.getuid?.() === 0;
    if (!root) chmodSync(realpathSync(uno.path), 0o000);
    const run = await lb(['flash', '--port', uno.path], {}, undefined, root ? { uid: 65534, gid: 65534 } : {});
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toBe(
      `lb: permission denied on ${uno.path}: add yourself to the dialout group: sudo usermod -aG dialout $USER, then log in again\n`,
    );
  });

  it('no such port', async () => {
    const run = await lb(['flash', '--port', '/dev/ttyACM99']);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toBe('lb: no serial port /dev/ttyACM99: is the board plugged in?\n');
  });

  it('a --hex with a corrupt checksum is refused before any port is touched', async () => {
    const lines = readFileSync(ensureFirmware(), 'utf8').split('\n');
    // Change one data byte of line 3 and leave its checksum: the checksum no longer adds up.
    lines[2] = `${lines[2]!.slice(0, 9)}${lines[2]![9] === '0' ? '1' : '0'}${lines[2]!.slice(10)}`;
    const bad = join(tempDir('flash'), 'bad.hex');
    writeFileSync(bad, lines.join('\n'));
    const run = await lb(['flash', '--port', '/dev/ttyACM99', '--hex', bad]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^lb: \S+bad\.hex is not a valid Intel HEX file: Invalid checksum on line 3\b.*\n$/);
  });

  it('an unknown board', async () => {
    const run = await lb(['flash', '--board', 'leonardo']);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe('lb: unknown board "leonardo": one of uno, nano, mega\n');
  });
});
