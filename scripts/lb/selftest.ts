/**
 * `lb selftest`, run on the kiosk with the agent stopped: board and firmware, each LED, each button pressed
 * by the technician, the outbox's disk (writable, fsync time), the broker with the kiosk's credentials,
 * the clock, free disk. A table of PASS/FAIL and exit code 0 only when all pass. Prompts read answers as
 * lines on stdin, so a script (or a test) can drive it too.
 */
import type { Command } from 'commander';
import { globals } from './cli.js';
import { DEFAULT_CONFIG_PATH } from './config-file.js';

export interface SelftestOptions {
  config: string;
  buttonTimeout: string;
  boardTimeout: string;
  minFreeMb: string;
  leds: boolean;
  buttons: boolean;
}

export function register(program: Command): void {
  program
    .command('selftest')
    .description('on the kiosk (agent stopped): board, LEDs, buttons, outbox disk, broker login, clock, free disk; exit 0 when all pass')
    .option('--config <path>', 'the kiosk config', DEFAULT_CONFIG_PATH)
    .option('--button-timeout <seconds>', 'how long to wait for each button press', '30')
    .option('--board-timeout <seconds>', 'how long to wait for the board to answer', '15')
    .option('--min-free-mb <mb>', 'free disk below this fails', '200')
    .option('--no-leds', 'skip the LED check (nobody to look at them)')
    .option('--no-buttons', 'skip the button check (nobody to press them)')
    .action(async (opts: SelftestOptions, cmd: Command) => {
      const { selftest } = await import('./selftest-run.js');
      const ok = await selftest(opts, globals(cmd).json);
      process.exitCode = ok ? 0 : 1;
      // johnny-five and the serial port keep handles open: the verdict is printed, so leave now.
      setImmediate(() => process.exit());
    });
}
