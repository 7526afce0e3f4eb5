/**
 * Writing a hex to an Arduino's bootloader over its USB serial port, as avrdude does: open the port,
 * pulse DTR/RTS to reset the board into its bootloader, sync, check the chip's signature, write page by
 * page, read every page back and compare. The protocol framing is the npm programmers' (`stk500` for
 * optiboot's STK500v1, `stk500-v2` for the Mega's bootloader); the page loop, the read-back comparison
 * (neither library compares what it reads) and the errors a technician can act on are here.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { SerialPort } from 'serialport';
import Stk500 from 'stk500';
import stk500v2 from 'stk500-v2';
import { CliError } from './cli.js';
import { type Board, CHIPS, BOARDS } from './firmware.js';

export type Phase = 'write' | 'verify';
export type Progress = (phase: Phase, done: number, total: number) => void;

/** Exit codes of `lb flash`, one per kind of failure (docs/technician.md). */
export const EXIT = { usage: 2, port: 3, noAnswer: 4, wrongBoard: 5, verify: 6, handshake: 7 } as const;

const DIALOUT = 'add yourself to the dialout group: sudo usermod -aG dialout $USER, then log in again';

/** Opens a serial port, turning the OS's refusals into what the technician should do about them. */
export async function openPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  try {
    await promisify(port.open.bind(port))();
  } catch (err) {
    const why = (err as Error).message;
    if (/permission denied|EACCES/i.test(why)) throw new CliError(`permission denied on ${path}: ${DIALOUT}`, EXIT.port);
    if (/lock|busy|EBUSY|temporarily unavailable/i.test(why)) {
      throw new CliError(`${path} is busy: another program has it open (the kiosk agent, a serial monitor); stop it and retry`, EXIT.port);
    }
    if (/no such file|ENOENT/i.test(why)) throw new CliError(`no serial port ${path}: is the board plugged in?`, EXIT.port);
    throw new CliError(`cannot open ${path}: ${why}`, EXIT.port);
  }
  // A write to a board that went away (EIO) also fails the pending command, which then reports it.
  port.on('error', () => undefined);
  return port;
}

export async function closePort(port: SerialPort): Promise<void> {
  if (port.isOpen) await promisify(port.close.bind(port))().catch(() => undefined);
}

/**
 * Resets the board into its bootloader the way avrdude's `arduino` programmer does: DTR and RTS low for
 * 250 ms, high, 50 ms for the bootloader to start. A port without modem lines (a pty) refuses the
 * ioctl; such a "board" resets when the port is opened, so that is not an error.
 */
async function resetIntoBootloader(port: SerialPort): Promise<void> {
  const set = promisify(port.set.bind(port));
  await set({ dtr: false, rts: false }).catch(() => undefined);
  await sleep(250);
  await set({ dtr: true, rts: true }).catch(() => undefined);
  await sleep(50);
}

/** Pads the image to whole pages with 0xff (erased flash): optiboot writes a whole page per command. */
function pages(image: Buffer, pageSize: number): Buffer[] {
  const padded = Buffer.alloc(Math.ceil(image.length / pageSize) * pageSize, 0xff);
  image.copy(padded);
  const out: Buffer[] = [];
  for (let at = 0; at < padded.length; at += pageSize) out.push(padded.subarray(at, at + pageSize));
  return out;
}

/** A bootloader session on an open port. */
interface Session {
  signature(): Promise<string>;
  writePage(byteAddress: number, page: Buffer): Promise<void>;
  readPage(byteAddress: number, length: number): Promise<Buffer>;
  leave(): Promise<void>;
}

/** avrdude's serial receive timeout: a busy host (or emulator) may answer late, not wrongly. */
const TIMEOUT_MS = 5000;
/** avrdude's 10 sync attempts; 10 × 250 ms also spans optiboot's 1 s wait after the reset. */
const SYNC_ATTEMPTS = 10;
const SYNC_TIMEOUT_MS = 250;
/** The wrong-board probe's sync attempts (10 s). */
const PROBE_SYNC_ATTEMPTS = 40;

/** Waits until nothing has arrived for `quietMs` (at most 2 s): answers to earlier sync attempts. */
async function drain(port: SerialPort, quietMs = 100): Promise<void> {
  let last = performance.now();
  const seen = () => (last = performance.now());
  port.on('data', seen);
  const until = last + 2000;
  while (performance.now() - last < quietMs && performance.now() < until) await sleep(quietMs / 2);
  port.off('data', seen);
}

/** optiboot (Uno, new Nano) and ATmegaBOOT (old Nano): STK500v1. Resolves null if nothing answers. */
async function stk500v1Session(serial: SerialPort, attempts = SYNC_ATTEMPTS): Promise<Session | null> {
  const stk = new Stk500({ quiet: true });
  // stk500 starts listening for an answer in the write's callback, which serialport calls once the bytes
  // have left: a quick bootloader's answer can arrive first and be lost (a 5 s timeout, seen on the
  // emulated Uno about once a run). So call back as soon as the write is queued; a failed write shows
  // as that command's timeout.
  const port = {
    write(data: Buffer, done: () => void) {
      serial.write(data);
      process.nextTick(done);
      return true;
    },
    on: (event: string, fn: (data: Buffer) => void) => serial.on(event, fn),
    removeListener: (event: string, fn: (data: Buffer) => void) => serial.removeListener(event, fn),
  } as unknown as NodeJS.ReadWriteStream;
  const call = <T>(fn: (done: (err: Error | null | undefined, data: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
  try {
    await call((done) => stk.sync(port, attempts, SYNC_TIMEOUT_MS, done));
  } catch {
    return null;
  }
  // Answers to sync attempts sent while the bootloader was still starting may trail in: let them pass,
  // then one more sync, so that every later answer belongs to its own command.
  await drain(serial);
  await call((done) => stk.sync(port, 3, TIMEOUT_MS, done));
  await call((done) => stk.enterProgrammingMode(port, TIMEOUT_MS, done)); // as avrdude does; optiboot just says OK
  return {
    async signature() {
      const data = await call<Buffer>((done) => stk.verifySignature(port, Buffer.alloc(3), TIMEOUT_MS, done));
      return data.subarray(1, 4).toString('hex');
    },
    async writePage(byteAddress, page) {
      await call((done) => stk.loadAddress(port, byteAddress >> 1, TIMEOUT_MS, done));
      await call((done) => stk.loadPage(port, page, TIMEOUT_MS, done));
    },
    async readPage(byteAddress, length) {
      await call((done) => stk.loadAddress(port, byteAddress >> 1, TIMEOUT_MS, done));
      const data = await call<Buffer>((done) => stk.verifyPage(port, Buffer.alloc(length), length, TIMEOUT_MS, done));
      return data.subarray(1, 1 + length);
    },
    async leave() {
      await call((done) => stk.exitProgrammingMode(port, TIMEOUT_MS, done));
    },
  };
}

/** The Mega 2560's bootloader: STK500v2. Resolves null if nothing answers. */
async function stk500v2Session(port: SerialPort, attempts = SYNC_ATTEMPTS): Promise<Session | null> {
  const stk = stk500v2(port);
  const call = <T>(fn: (done: (err: Error | null | undefined | false, data: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data))));
  try {
    await call((done) => stk.sync(attempts, done));
  } catch {
    return null;
  }
  await call((done) => stk.enterProgrammingMode({}, done));
  return {
    async signature() {
      return (await call<Buffer>((done) => stk.getSignature(done))).toString('hex');
    },
    async writePage(byteAddress, page) {
      await call((done) => stk.loadAddress(byteAddress >> 1, done));
      await call((done) => stk.loadPage(page, done));
    },
    async readPage(byteAddress, length) {
      await call((done) => stk.loadAddress(byteAddress >> 1, done));
      // CMD_READ_FLASH_ISP, length, "read program memory": answers CMD, STATUS_CMD_OK, data, STATUS_CMD_OK.
      const pkt = await call<{ message: Buffer }>((done) => stk.parser.send(Buffer.from([0x14, length >> 8, length & 0xff, 0x20]), done));
      return pkt.message.subarray(2, 2 + length);
    },
    async leave() {
      await call((done) => stk.exitProgrammingMode(done));
    },
  };
}

const SESSIONS = { stk500v1: stk500v1Session, stk500v2: stk500v2Session };

/** Opens the port at `baud`, resets the board and tries one protocol. The port stays open on success. */
async function connect(path: string, baud: number, protocol: Board['protocol'], attempts = SYNC_ATTEMPTS) {
  const port = await openPort(path, baud);
  try {
    await resetIntoBootloader(port);
    const session = await SESSIONS[protocol](port, attempts);
    if (session) return { port, session };
  } catch (err) {
    await closePort(port);
    throw err;
  }
  await closePort(port);
  return null;
}

const chipName = (signature: string) => CHIPS[signature] ?? `an unknown chip (signature ${signature})`;
const boardsFor = (signature: string) =>
  Object.values(BOARDS)
    .filter((b) => b.signature === signature)
    .map((b) => `--board ${b.name}`)
    .join(' or ');

/** After no answer in the board's protocol: does the other protocol answer, i.e. is it another board? */
async function wrongProtocol(path: string, board: Board): Promise<CliError | null> {
  const other = board.protocol === 'stk500v1' ? 'stk500v2' : 'stk500v1';
  const bauds = [...new Set(Object.values(BOARDS).flatMap((b) => (b.protocol === other ? b.bauds : [])))];
  for (const baud of bauds) {
    // Only on the way to an error, so it may take its time: a busy host can start the board's bootloader
    // late after the reset, and a probe that gives up early turns "wrong board" into "no bootloader".
    const found = await connect(path, baud, other, PROBE_SYNC_ATTEMPTS).catch(() => null);
    if (!found) continue;
    const signature = await found.session.signature().catch(() => '');
    await closePort(found.port);
    const use = boardsFor(signature) || `a --board for ${other}`;
    return new CliError(
      `wrong board: the board on ${path} answers as ${chipName(signature)} over ${other}, not as an ${board.description.split(' (')[0]}; use ${use}`,
      EXIT.wrongBoard,
    );
  }
  return null;
}

export interface FlashResult {
  baud: number;
  signature: string;
  bytes: number;
  writeMs: number;
  verifyMs: number;
}

/** Writes `image` (flash bytes from address 0) to the board on `path` and reads every page back. */
export async function flashImage(path: string, board: Board, image: Buffer, progress: Progress = () => undefined): Promise<FlashResult> {
  let found: Awaited<ReturnType<typeof connect>> = null;
  let baud = 0;
  for (baud of board.bauds) {
    found = await connect(path, baud, board.protocol);
    if (found) break;
  }
  if (!found) {
    const wrong = await wrongProtocol(path, board);
    if (wrong) throw wrong;
    throw new CliError(
      `no answer from a bootloader on ${path} (${board.protocol} at ${board.bauds.join(' or ')} baud, ${SYNC_ATTEMPTS} tries each): ` +
        'not an Arduino, a board without a bootloader, a charge-only USB cable, or a board that does not reset on open (press its reset button as lb flash starts)',
      EXIT.noAnswer,
    );
  }
  const { port, session } = found;
  let doing = 'reading the signature';
  try {
    const signature = await session.signature();
    if (signature !== board.signature) {
      throw new CliError(
        `wrong board: the board on ${path} answers as ${chipName(signature)}, not as an ${board.chip}; use ${boardsFor(signature) || 'the --board that matches it'}`,
        EXIT.wrongBoard,
      );
    }
    const all = pages(image, board.pageSize);
    const total = all.length * board.pageSize;
    const t0 = performance.now();
    for (const [i, page] of all.entries()) {
      doing = `writing the page at 0x${(i * board.pageSize).toString(16)}`;
      await session.writePage(i * board.pageSize, page);
      progress('write', (i + 1) * board.pageSize, total);
    }
    const t1 = performance.now();
    for (const [i, page] of all.entries()) {
      doing = `reading back the page at 0x${(i * board.pageSize).toString(16)}`;
      const back = await session.readPage(i * board.pageSize, page.length);
      if (!back.equals(page)) {
        const at = i * board.pageSize + [...page].findIndex((b, j) => back[j] !== b);
        throw new CliError(
          `verify failed at 0x${at.toString(16)}: wrote ${page[at % board.pageSize]?.toString(16)}, read back ${back[at % board.pageSize]?.toString(16)} (a worn or locked flash? try again)`,
          EXIT.verify,
        );
      }
      progress('verify', (i + 1) * board.pageSize, total);
    }
    const t2 = performance.now();
    doing = 'leaving the bootloader';
    await session.leave(); // the bootloader starts the new firmware (watchdog reset)
    return { baud, signature, bytes: total, writeMs: t1 - t0, verifyMs: t2 - t1 };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(
      `lost the bootloader on ${path} while ${doing} (${(err as Error).message}): unplugged, or a flaky cable or hub? run lb flash again`,
      EXIT.noAnswer,
    );
  } finally {
    await closePort(port);
  }
}

/**
 * Opens the port as the kiosk agent does (57600 baud, which resets an Uno once more) and waits for the
 * Firmata handshake: the firmware's name and version, then its pin capabilities.
 */
export async function firmataHandshake(path: string, timeoutMs = 15_000): Promise<{ name: string; version: string }> {
  const { default: firmataIo } = await import('firmata-io');
  const port = await openPort(path, 57600);
  try {
    const board = new firmataIo.Firmata(port, { reportVersionTimeout: 0 }) as unknown as NodeJS.EventEmitter & {
      firmware: { name: string; version: { major: number; minor: number } };
    };
    const ready = new Promise<void>((resolve) => board.once('ready', () => resolve()));
    const stop = new AbortController();
    const timeout = sleep(timeoutMs, undefined, { signal: stop.signal }).then(() => {
      throw new CliError(
        `the board on ${path} was written but does not answer as Firmata within ${timeoutMs / 1000} s (not a Firmata hex?)`,
        EXIT.handshake,
      );
    });
    timeout.catch(() => undefined); // aborted once the board answered
    try {
      await Promise.race([ready, timeout]);
    } finally {
      stop.abort();
    }
    const { name, version } = board.firmware;
    return { name: name.replace(/\.ino$/, ''), version: `${version.major}.${version.minor}` };
  } finally {
    await closePort(port);
  }
}
