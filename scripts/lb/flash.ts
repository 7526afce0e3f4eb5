/**
 * `lb flash`: writes the real StandardFirmata to a kiosk's Arduino over USB, reads it back, then checks
 * that the board answers the Firmata handshake the kiosk agent will make. Everything heavy (serialport,
 * the programmers, cli-progress) is imported inside the action so `lb --help` stays fast.
 */
import type { Command } from 'commander';
import { CliError, globals, printJson } from './cli.js';

interface FlashOptions {
  board: string;
  port: string;
  hex?: string;
  handshake: boolean;
}

export function register(program: Command): void {
  program
    .command('flash')
    .description("write StandardFirmata to a kiosk's Arduino over USB, verify it, check the Firmata handshake")
    .option('--board <name>', 'uno | nano (new or old bootloader) | mega', 'uno')
    .option('--port <path>', "the board's serial port, or auto (the one Arduino plugged in)", 'auto')
    .option('--hex <file>', 'flash this Intel HEX file instead of downloading StandardFirmata (offline)')
    .option('--no-handshake', 'skip the Firmata check after flashing (a --hex that is not Firmata)')
    .action(async (opts: FlashOptions, cmd: Command) => flash(opts, globals(cmd).json));
}

async function flash(opts: FlashOptions, json: boolean): Promise<void> {
  const { BOARDS, ensureFirmware } = await import('./firmware.js');
  const { EXIT, firmataHandshake, flashImage } = await import('./programmer.js');
  const board = BOARDS[opts.board];
  if (!board) throw new CliError(`unknown board "${opts.board}": one of ${Object.keys(BOARDS).join(', ')}`, EXIT.usage);
  const hexPath = opts.hex ?? ensureFirmware(board);
  const image = await readHex(hexPath, EXIT.usage);
  const port = opts.port === 'auto' ? await findBoard(EXIT.port) : opts.port;

  const bar = !json && process.stderr.isTTY ? await progressBar() : undefined;
  const started = performance.now();
  const result = await flashImage(port, board, image, bar?.update).finally(() => bar?.stop());
  if (bar && opts.handshake) process.stderr.write('waiting for the Firmata handshake (the board restarts)…\n');
  const firmware = opts.handshake ? await firmataHandshake(port) : null;
  const totalMs = performance.now() - started;

  const what = opts.hex ? hexPath : `StandardFirmata (${board.name})`;
  if (json) {
    printJson({
      port,
      board: board.name,
      hex: hexPath,
      baud: result.baud,
      signature: result.signature,
      bytes: result.bytes,
      written: result.bytes,
      verified: result.bytes,
      writeMs: Math.round(result.writeMs),
      verifyMs: Math.round(result.verifyMs),
      totalMs: Math.round(totalMs),
      firmware,
    });
    return;
  }
  console.log(
    `${what} → ${port}: ${result.bytes} bytes written and verified in ${((result.writeMs + result.verifyMs) / 1000).toFixed(1)} s`,
  );
  if (firmware) console.log(`${firmware.name} ${firmware.version} on ${port}`);
}

/** Parses an Intel HEX file into flash bytes from address 0; a bad file is one line naming the fault. */
async function readHex(path: string, code: number): Promise<Buffer> {
  const { readFileSync } = await import('node:fs');
  const { parse } = await import('intel-hex');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, code);
  }
  try {
    const { data } = parse(text);
    if (data.length === 0) throw new Error('no data records');
    return data;
  } catch (err) {
    throw new CliError(`${path} is not a valid Intel HEX file: ${(err as Error).message}`, code);
  }
}

/** --port auto: the one serial port that looks like an Arduino (by USB vendor id). */
async function findBoard(code: number): Promise<string> {
  const { SerialPort } = await import('serialport');
  const { ARDUINO_VENDORS } = await import('../../device/src/board-io.js');
  type Seen = { path: string; vendorId?: string; productId?: string; manufacturer?: string };
  let ports: Seen[];
  try {
    ports = await SerialPort.list();
  } catch {
    // serialport lists through udevadm; without it, USB serial devices still show by name (no ids).
    const { readdirSync } = await import('node:fs');
    ports = readdirSync('/dev')
      .filter((name) => /^tty(ACM|USB)\d+$/.test(name))
      .map((name) => ({ path: `/dev/${name}` }));
    if (ports.length === 1) return ports[0]!.path;
  }
  const describe = (p: Seen) =>
    `${p.path} (${p.vendorId ? `${p.vendorId}:${p.productId}` : 'no USB id'}${p.manufacturer ? `, ${p.manufacturer}` : ''})`;
  const boards = ports.filter((p) => ARDUINO_VENDORS.includes((p.vendorId ?? '').toLowerCase()));
  if (boards.length === 1) return boards[0]!.path;
  const several = boards.length > 1 ? boards : ports.length > 1 && ports.every((p) => !p.vendorId) ? ports : [];
  if (several.length) throw new CliError(`several boards found: ${several.map(describe).join(', ')}; pick one with --port`, code);
  const seen = ports.length ? `serial ports seen: ${ports.map(describe).join(', ')}` : 'no serial ports at all';
  throw new CliError(`no Arduino found (${seen}); plug it in with a data USB cable, or name the port with --port`, code);
}

/** One bar on stderr, restarted for each phase (write, then verify). */
async function progressBar() {
  const { default: cliProgress } = await import('cli-progress');
  const bar = new cliProgress.SingleBar(
    { format: '{phase} [{bar}] {percentage}% | {value}/{total} bytes', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let phase = '';
  return {
    update: (next: string, done: number, total: number) => {
      if (next !== phase) {
        if (phase) bar.stop();
        phase = next;
        bar.start(total, 0, { phase: next.padEnd(6) });
      }
      bar.update(done, { phase: next.padEnd(6) });
    },
    stop: () => bar.stop(),
  };
}
