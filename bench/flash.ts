/**
 * How long `lb flash` takes to write and verify the Uno's StandardFirmata through the real optiboot at
 * 115 200 baud, on the emulated ATmega328P (scripts/lib/avr/: simavr paces its UART by the baud rate the
 * bootloader sets, in real time). The built CLI runs as a technician runs it, on a fresh factory Uno
 * (optiboot + Blink) each time; its --json report splits the time into write and read-back.
 *
 * The baseline is the UART itself: the bytes that must cross the wire at 115 200 baud (10 bits a byte)
 * — the image out and back, and the STK500v1 framing around each page — so the ratio is what the
 * round trips (host, pty, emulator, bootloader) add on top of the line's own speed.
 */
import { join } from 'node:path';
import { ensureBlink, prepareUno, Uno } from '../scripts/lib/avr/uno.js';
import { lb } from '../scripts/lib/lb-run.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { type BenchResult, fmt, median } from './stats.js';

const BAUD = 115_200;
const PAGE = 128;
/** STK500v1 bytes per page besides the data: LOAD_ADDRESS (4 + 2 back), PROG_PAGE (5 + 2 back). */
const WRITE_FRAMING = 4 + 2 + 5 + 2;
/** LOAD_ADDRESS (4 + 2 back), READ_PAGE (5 out, INSYNC … OK around the data back). */
const READ_FRAMING = 4 + 2 + 5 + 2;

interface Report {
  bytes: number;
  writeMs: number;
  verifyMs: number;
  totalMs: number;
}

async function flashOnce(): Promise<Report> {
  const uno = await Uno.start(join(tempDir('bench-flash'), 'ttyACM0'), { bootloader: true, firmware: ensureBlink() });
  try {
    const run = await lb(['flash', '--port', uno.path, '--json']);
    if (run.code !== 0) throw new Error(`lb flash exited ${run.code}: ${run.stderr}`);
    return JSON.parse(run.stdout) as Report;
  } finally {
    await uno.kill();
  }
}

export async function benchFlash(runs = 3): Promise<BenchResult> {
  const name = 'lb flash: StandardFirmata to an Uno through optiboot at 115 200 baud (emulated ATmega328P)';
  const target = 'write + verify within 2× the UART time of the bytes on the wire';
  try {
    prepareUno({ bootloader: true });
  } catch (err) {
    return { name, figures: { skipped: `needs gcc, libsimavr-dev and arduino-core-avr (${(err as Error).message})` }, target, pass: false };
  }
  const reports: Report[] = [];
  for (let i = 0; i < runs; i++) reports.push(await flashOnce());
  const bytes = reports[0]!.bytes;
  const flashS = median(reports.map((r) => r.writeMs + r.verifyMs)) / 1000;
  const pages = bytes / PAGE;
  const wireBytes = 2 * bytes + pages * (WRITE_FRAMING + READ_FRAMING);
  const uartS = (wireBytes * 10) / BAUD;
  const ratio = flashS / uartS;
  return {
    name,
    figures: {
      runs,
      'firmware bytes (whole pages)': bytes,
      'write + verify, median (s)': fmt(flashS),
      'write / verify, median (s)': `${fmt(median(reports.map((r) => r.writeMs)) / 1000)} / ${fmt(median(reports.map((r) => r.verifyMs)) / 1000)}`,
      'firmware bytes/s (written and read back)': Math.round(bytes / flashS),
      'UART time of the wire bytes at 115 200 baud (s)': fmt(uartS),
      'ratio to the UART time': fmt(ratio),
      'whole command, median (s): reset, sync, write, verify, Firmata handshake': fmt(median(reports.map((r) => r.totalMs)) / 1000),
    },
    target,
    pass: ratio <= 2,
  };
}
