#!/usr/bin/env node
/** Kiosk agent entry: `node dist/device/src/main.js [--config file]`; settings also from `LB_` env. */
import { Command } from 'commander';
import { createLogger } from '../../shared/src/log.js';
import { Agent } from './agent.js';
import { BoardSupervisor } from './board-supervisor.js';
import { ConfigError, loadConfig, type AgentConfig } from './config.js';
import { ConsoleControl } from './console-control.js';
import { SystemClock } from './clock.js';

function readConfig(path: string | undefined): AgentConfig {
  try {
    return loadConfig(path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`lb-kiosk: invalid configuration:\n  ${err.problems.join('\n  ')}\n`);
    process.exit(2);
  }
}

async function main(options: { config?: string }): Promise<void> {
  const config = readConfig(options.config);
  const clock = new SystemClock(config.clockSynced);
  const log = createLogger({ level: config.logLevel, base: { kioskId: config.kioskId, bootId: clock.bootId }, sync: true });
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  const agent = new Agent(config, { log, clock });
  const quit = agent.handleSignals();
  await agent.start();
  if (config.board === 'virtual' && agent.source instanceof BoardSupervisor) {
    const board = agent.source;
    const control = new ConsoleControl(
      process.stdin,
      {
        simulatePress: (panel, button) => board.simulatePress(panel, button),
        unplug: () => board.unplug(),
        replug: () => board.replug(),
        firstPanelId: () => agent.currentPanels()[0]!.id,
      },
      () => {
        control.stop();
        quit();
      },
    );
    control.start();
  }
}

new Command()
  .name('lb-kiosk')
  .description('Loyalty Button kiosk agent: buttons → SQLite outbox → MQTT')
  .option('-c, --config <file>', 'JSON config file (LB_* environment variables override it)')
  .action(main)
  .parseAsync()
  .catch((err: unknown) => {
    process.stderr.write(`lb-kiosk: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
