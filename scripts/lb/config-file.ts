/** The kiosk agent's config file as `lb` reads and writes it: validated by the agent's own schema, written atomically at 0600. */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { CliError } from './cli.js';

export const DEFAULT_CONFIG_PATH = '/etc/loyalty-button/kiosk.json';

/** The kiosk id of an existing config file, null when there is none; a file that cannot be read is an error. */
export function existingKioskId(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 2);
  }
  const match = /"kioskId"\s*:\s*"([^"]*)"/.exec(text);
  return match ? match[1]! : '';
}

/** Writes `value` as JSON readable only by its owner (it holds the MQTT password): temp file, fsync, rename. */
export function writeConfigAtomically(path: string, value: unknown): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(value, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd); // the rename itself survives a power cut
    } finally {
      closeSync(dirFd);
    }
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 6);
  }
}

/** Reads a JSON file given on the command line (panels); errors name the file. */
export function readJsonFile(path: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`${option}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, 2);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliError(`${option}: ${path} is not valid JSON (${(err as Error).message})`, 2);
  }
}
