/** Temp folders of processes, tests and benchmarks, in one list so that they can all be removed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const madeDirs: string[] = [];
/** A fresh `lb-<prefix>-…` folder in the temp dir, removed by removeTempDirs() or when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lb-${prefix}-`));
  if (madeDirs.push(dir) === 1) process.once('exit', removeTempDirs);
  return dir;
}
/** The test suite's setup file calls this after each test file. */
export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
