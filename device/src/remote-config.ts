/**
 * The config the gateway publishes (retained on `config`): validated here, and persisted locally so a
 * kiosk that restarts without a broker still runs the last config it accepted.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { checker, KioskConfigMessage } from '../../shared/src/index.js';
import { dottedPath, panelProblems } from './config.js';

const checkConfig = checker(KioskConfigMessage);

export type RemoteConfigResult = { ok: true; config: KioskConfigMessage } | { ok: false; problems: string[] };

export function parseRemoteConfig(raw: string): RemoteConfigResult {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, problems: [`(root): invalid JSON (${(err as Error).message})`] };
  }
  const problems = checkConfig.problems(value).map(dottedPath);
  if (problems.length > 0) return { ok: false, problems };
  const config = value as KioskConfigMessage;
  const crossField = panelProblems(config.panels);
  return crossField.length > 0 ? { ok: false, problems: crossField } : { ok: true, config };
}

const fileIn = (dataDir: string) => join(dataDir, 'remote-config.json');

export function loadRemoteConfig(dataDir: string): KioskConfigMessage | undefined {
  let raw: string;
  try {
    raw = readFileSync(fileIn(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const result = parseRemoteConfig(raw);
  return result.ok ? result.config : undefined;
}

/** Write-fsync-rename: a power cut leaves either the old or the new file, never half of one. */
export function saveRemoteConfig(dataDir: string, config: KioskConfigMessage): void {
  const tmp = `${fileIn(dataDir)}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(config, null, 2));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, fileIn(dataDir));
}
