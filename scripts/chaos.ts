/**
 * `npm run chaos -- [options]`: the long chaos run. Randomised faults (SIGKILL of agents, gateway and
 * Mosquitto; network cuts, black holes and delays; a full kiosk disk; clock jumps; board unplugs) while
 * a seeded fleet presses; then the gateway is checked against the ledger. Exit 1 on any loss,
 * duplicate, unexplained gap or unexpected crash. See docs/chaos.md.
 */
import { Command, Option } from 'commander';
import { nonNegative, parseSeed } from './fleet/cli.js';
import { formatReport, mosquittoAvailable, runChaos } from './chaos/run.js';
import { FAULT_KINDS, type FaultKind } from './chaos/faults.js';

interface Options {
  seed: string;
  faults: number;
  duration: number;
  kiosks: number;
  agents: number;
  broker?: 'mosquitto' | 'embedded';
  rate: number;
  json: boolean;
  kinds?: string;
}

new Command()
  .name('chaos')
  .description('Inject randomised faults while a simulated fleet presses; check exactly-once at the end')
  .option('-s, --seed <seed>', 'PRNG seed (number or word)', '2026')
  .addOption(new Option('-f, --faults <n>', 'faults to inject').default(120).argParser(nonNegative))
  .addOption(new Option('-d, --duration <s>', 'seconds of pressing the faults are spread over').default(300).argParser(nonNegative))
  .addOption(new Option('-k, --kiosks <n>', 'protocol-level kiosks (through the fault proxy)').default(20).argParser(nonNegative))
  .addOption(new Option('-a, --agents <m>', 'full kiosk agents on virtual boards').default(2).argParser(nonNegative))
  .addOption(new Option('--broker <kind>', 'mosquitto (default when installed) or embedded').choices(['mosquitto', 'embedded']))
  .addOption(new Option('--rate <x>', 'press-rate multiplier of the fleet plan').default(3).argParser(nonNegative))
  .option('--kinds <list>', `only these fault kinds, comma-separated (${FAULT_KINDS.join(', ')})`)
  .option('--json', 'print the full report as JSON too', false)
  .action(async (o: Options) => {
    const seed = parseSeed(o.seed);
    const broker = o.broker ?? (mosquittoAvailable() ? 'mosquitto' : 'embedded');
    const report = await runChaos({
      seed,
      faults: o.faults,
      kinds: o.kinds?.split(',').map((k) => {
        if (!FAULT_KINDS.includes(k as FaultKind)) throw new Error(`unknown fault kind: ${k}`);
        return k as FaultKind;
      }),
      durationMs: o.duration * 1000,
      kiosks: o.kiosks,
      agents: o.agents,
      broker,
      rate: o.rate,
      log: (line) => console.log(line),
    });
    for (const line of formatReport(report)) console.log(line);
    if (o.json) console.log(JSON.stringify({ ...report, faults: report.faults.map(({ startedAt: _s, endedAt: _e, ...f }) => f) }, null, 2));
    const ok =
      report.lost === 0 &&
      report.duplicated === 0 &&
      report.unknown === 0 &&
      report.mismatches.length === 0 &&
      report.unexpectedExits.length === 0 &&
      report.settled &&
      report.faults.every((f) => !f.error);
    console.log(ok ? 'CHAOS OK: 0 lost, 0 duplicated, every gap explained' : 'CHAOS FAILED');
    process.exitCode = ok ? 0 : 1;
  })
  .parseAsync()
  .catch((err: unknown) => {
    console.error(`chaos: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 2;
  });
