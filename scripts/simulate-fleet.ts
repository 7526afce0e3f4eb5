/**
 * `npm run simulate -- [options]`: a fleet of kiosks pressing in realistic patterns against a gateway,
 * then a check of the gateway against the simulator's ledger (exit 1 on any mismatch).
 * N protocol-level kiosks (scripts/protocol-kiosk.ts) plus M full kiosk agents on virtual boards; a
 * simulated window (default the last 7 days) replayed in `--duration` seconds. Deterministic from --seed.
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { join } from 'node:path';
import { ADMIN_TOKEN, startGateway, tempDir, type Gateway } from '../test/support/processes.js';
import { GatewayApi } from './fleet/api.js';
import { AgentKiosk } from './fleet/agents.js';
import { AgentReplay } from './fleet/agent-replay.js';
import { ProtocolFleet } from './fleet/fleet.js';
import { checkLedger, printChecks, type KioskCheck } from './fleet/ledger.js';
import { planFleet, planTotals } from './fleet/patterns.js';
import { nonNegative, parseSeed } from './fleet/cli.js';

interface Options {
  kiosks: number; agents: number; seed: string; days: number; duration: number; rate: number;
  offline: number; misuse: number; prefix?: string; embedded: boolean; dataDir?: string;
  gateway?: string; mqttUrl?: string; adminToken?: string; settleTimeout: number;
}

async function connectGateway(o: Options): Promise<{ api: GatewayApi; mqttUrl: string; gw?: Gateway }> {
  if (o.embedded) {
    const gw = await startGateway({ dataDir: o.dataDir ?? tempDir('sim-gw') });
    return { api: new GatewayApi(`http://127.0.0.1:${gw.httpPort}`, ADMIN_TOKEN), mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`, gw };
  }
  const token = o.adminToken ?? process.env.LB_ADMIN_TOKEN;
  if (!o.gateway || !o.mqttUrl || !token) throw new Error('give --embedded, or --gateway <url> --mqtt-url <url> and --admin-token (or LB_ADMIN_TOKEN)');
  return { api: new GatewayApi(o.gateway.replace(/\/$/, ''), token), mqttUrl: o.mqttUrl };
}

async function main(o: Options): Promise<number> {
  const seed = parseSeed(o.seed);
  const prefix = o.prefix ?? `sim${seed}-${Date.now().toString(36)}-`;
  const to = Date.now();
  const plan = planFleet({
    seed, kiosks: o.kiosks + o.agents, idPrefix: prefix, from: to - o.days * 86_400_000, to,
    rate: o.rate, offlineChance: o.offline, misuseChance: o.misuse,
  });
  const totals = planTotals(plan);
  console.log(`plan (seed ${seed}): ${o.kiosks} protocol kiosks + ${o.agents} agents in ${new Set(plan.kiosks.map((k) => k.office.id)).size} offices, ` +
    `${o.days} days → ${totals.presses} presses (good ${totals.good}, neutral ${totals.neutral}, bad ${totals.bad}; ` +
    `${totals.misuse} in misuse bursts, ${totals.flagged} flagged), ${totals.offlineKiosks} kiosks offline for a while`);

  const { api, mqttUrl, gw } = await connectGateway(o);
  const protocolIds = plan.kiosks.slice(0, o.kiosks).map((k) => k.id);
  const fleet = new ProtocolFleet({ plan, api, mqttUrl, kioskIds: protocolIds });
  const agents: AgentKiosk[] = [];
  try {
    await fleet.start();
    for (const k of plan.kiosks.slice(o.kiosks)) {
      const agent = new AgentKiosk(k.id, await api.registerKiosk(k.id), mqttUrl, tempDir('sim-kiosk'));
      agents.push(agent);
      await agent.start();
    }
    const replay = new AgentReplay(plan, agents, o.duration * 1000);
    const bar = process.stdout.isTTY
      ? new cliProgress.SingleBar({ format: 'pressing {bar} {percentage}% | {presses} presses | {unsettled} awaiting ack' }, cliProgress.Presets.shades_classic)
      : undefined;
    bar?.start(100, 0, { presses: 0, unsettled: 0 });
    const started = Date.now();
    await fleet.replay(o.duration * 1000, (fraction) => {
      replay.release(plan.from + fraction * (plan.to - plan.from));
      bar?.update(Math.round(fraction * 100), { presses: fleet.released + replay.sent, unsettled: fleet.unsettled });
    });
    const pressedMs = Date.now() - started;
    const settledOk = await fleet.settle(o.settleTimeout * 1000, () => bar?.update({ unsettled: fleet.unsettled }));
    const agentsOk = (await Promise.all(agents.map((a) => a.delivered(api, o.settleTimeout * 1000)))).every(Boolean);
    const settleMs = Date.now() - started - pressedMs;
    bar?.stop();
    for (const a of agents) {
      await a.stop();
      fleet.ledger.set(a.id, a.readOutbox());
    }

    const ledger = fleet.ledger.totals();
    console.log(`kiosks ${ledger.kiosks}, presses ${ledger.events} (expected stored ${ledger.stored}, rejected ${ledger.rejected}); ` +
      `pressed over ${(pressedMs / 1000).toFixed(1)} s; time to settle ${(settleMs / 1000).toFixed(2)} s after the last press` +
      `${settledOk && agentsOk ? '' : ' (TIMED OUT)'}; ${Math.round(ledger.events / ((pressedMs + settleMs) / 1000))} presses/s end to end`);
    const checks = await checkLedger(api, fleet.ledger);
    const sum = (f: (c: KioskCheck) => number) => checks.reduce((n, c) => n + f(c), 0);
    console.log(`gateway: received ${sum((c) => c.gateway.received)}, rejected ${sum((c) => c.gateway.rejected)}, ` +
      `lost ${sum((c) => c.lost)}, duplicated ${sum((c) => c.duplicated)}, unknown ${sum((c) => c.unknown)}`);
    const ok = printChecks(checks) && settledOk && agentsOk;
    console.log(ok ? 'OK: the gateway matches the ledger for every kiosk' : 'FAILED: the gateway does not match the ledger');
    if (o.embedded && o.dataDir) console.log(`gateway data kept in ${join(o.dataDir, 'gateway.db')}`);
    return ok ? 0 : 1;
  } finally {
    await fleet.close();
    await Promise.all(agents.map((a) => a.kill()));
    await gw?.proc.kill('SIGTERM');
  }
}

new Command()
  .name('simulate-fleet')
  .description('Simulate a kiosk fleet against a gateway and check the gateway against the ledger')
  .addOption(new Option('-k, --kiosks <n>', 'protocol-level kiosks').default(20).argParser(nonNegative))
  .addOption(new Option('-a, --agents <m>', 'full kiosk agents on virtual boards').default(0).argParser(nonNegative))
  .option('-s, --seed <seed>', 'PRNG seed (number or word)', '1')
  .addOption(new Option('--days <d>', 'simulated days, ending now').default(7).argParser(nonNegative))
  .addOption(new Option('-d, --duration <s>', 'real seconds to replay them in (0 = all at once)').default(20).argParser(nonNegative))
  .addOption(new Option('--rate <x>', 'press-rate multiplier (1 = 2–12 an open hour per kiosk)').default(1).argParser(nonNegative))
  .addOption(new Option('--offline <p>', 'share of kiosks offline for a while').default(0.3).argParser(nonNegative))
  .addOption(new Option('--misuse <p>', 'chance of a misuse burst per open hour').default(0.02).argParser(nonNegative))
  .option('--prefix <text>', 'kiosk id prefix (default sim<seed>-<time>-, unique per run)')
  .option('--embedded', 'start a gateway of our own (embedded broker, temporary SQLite)', false)
  .option('--data-dir <dir>', 'with --embedded: keep the gateway database here (demo data)')
  .option('--gateway <url>', 'a running gateway, e.g. http://127.0.0.1:8080')
  .option('--mqtt-url <url>', 'its broker for the kiosks, e.g. mqtt://127.0.0.1:1883')
  .option('--admin-token <token>', 'admin API key (or LB_ADMIN_TOKEN)')
  .addOption(new Option('--settle-timeout <s>', 'seconds to wait for every ack').default(120).argParser(nonNegative))
  .action(async (o: Options) => {
    process.exitCode = await main(o);
  })
  .parseAsync()
  .catch((err: unknown) => {
    console.error(`simulate-fleet: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  });
