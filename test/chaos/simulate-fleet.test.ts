/** `npm run simulate` end to end: the built CLI, its own gateway, protocol kiosks and one full agent. */
import { expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT } from '../support/processes.js';

it('simulates a small fleet against its own gateway and finds the gateway equal to the ledger', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'dist/scripts/simulate-fleet.js'), '--embedded', '--kiosks', '6', '--agents', '1', '--days', '2', '--duration', '3', '--seed', '99'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = await once(child, 'exit');
  expect(out).toMatch(/plan \(seed 99\): 6 protocol kiosks \+ 1 agents/);
  expect(out).toMatch(/kiosks 7, presses \d+/);
  expect(out).toMatch(/lost 0, duplicated 0, unknown 0/);
  expect(out).toContain('OK: the gateway matches the ledger for every kiosk');
  expect(code).toBe(0);
}, 60_000);
