/**
 * `lb` — the technician's CLI (package.json `bin`; `npx lb …` in a checkout, `lb …` once installed).
 * Each command lives in its own module and is imported only when it runs, so `lb --help` stays fast
 * on a Pi. Errors reach the technician as one readable line and a non-zero exit (cli.ts).
 */
import { Command } from 'commander';
import { run } from './cli.js';
import { register as flash } from './flash.js';
import { register as fleet } from './fleet.js';
import { register as keys } from './keys.js';
import { register as provision } from './provision.js';
import { register as remoteConfig } from './remote-config.js';
import { register as selftest } from './selftest.js';

const program = new Command('lb')
  .description('Loyalty Button technician tool: flash, provision, self-test and watch kiosks')
  .option('--json', 'print machine-readable JSON instead of tables and progress bars')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text) });

// One line per command: its module registers its options and loads its work lazily.
const commands: ((program: Command) => void)[] = [flash, provision, selftest, fleet, keys, remoteConfig];
for (const register of commands) register(program);

await run(program, process.argv);
