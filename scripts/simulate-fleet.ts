/**
 * `npm run simulate -- [options]`: a fleet of kiosks pressing in realistic patterns against a gateway,
 * then a check of the gateway against the simulator's ledger (exit 1 on any mismatch).
 * N protocol-level kiosks (scripts/protocol-kiosk.ts) plus M full kiosk agents on virtual boards; a
 * simulated window (default the last 7 days) replayed in `--duration` seconds. Deterministic from --seed.
 * Unless `--no-org`, it first creates the fleet's organisation in the gateway (regions, offices, desks,
 * employees, shifts, panel bindings, visitors and sales), then checks the gateway's scores per office
 * against the totals the ledger predicts, and prints them with an employee ranking.
 */
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { join } from 'node:path';
import { ADMIN_TOKEN, startGateway, type Gateway } from './lib/processes.js';
import { tempDir } from './lib/temp-dirs.js';
import { GatewayApi } from './fleet/api.js';
import { AgentKiosk } from './fleet/agents.js';
import { AgentReplay } from './fleet/agent-replay.js';
import { ProtocolFleet } from './fleet/fleet.js';
import { checkLedger, printChecks, type KioskCheck } from './fleet/ledger.js';
import { planFleet, planTotals } from './fleet/patterns.js';
import { nonNegative, parseSeed } from './fleet/cli.js';
import { bindKiosk, checkScores, employeeRanking, expectedByOffice, formatOffices, seedOrganisation } from './fleet/org.js';
import type { MisuseRules } from '../shared/src/index.js';

interface Options {
  kiosks: number;
  agents: number;
  seed: string;
  days: number;
  duration: number;
  rate: number;
  offline: number;
  misuse: number;
  prefix?: string;
  embedded: boolean;
  dataDir?: string;
  gateway?: string;
  mqttUrl?: string;
  adminToken?: string;
  settleTimeout: number;
  org: boolean;
}

async function connectGateway(o: Options): Promise<{ api: GatewayApi; mqttUrl: string; gw?: Gateway }> {
  if (o.embedded) {
    const gw = await startGateway({ dataDir: o.dataDir ?? tempDir('sim-gw') });
    return { api: new GatewayApi(`http://127.0.0.1:${gw.httpPort}`, ADMIN_TOKEN), mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`, gw };
  }
  const token = o.adminToken ?? process.env.LB_ADMIN_TOKEN;
  if (!o.gateway || !o.mqttUrl || !token)
    throw new Error('give --embedded, or --gateway <url> --mqtt-url <url> and --admin-token (or LB_ADMIN_TOKEN)');
  return { api: new GatewayApi(o.gateway.replace(/\/$/, ''), token), mqttUrl: o.mqttUrl };
}

async function main(o: Options): Promise<number> {
  const seed = parseSeed(o.seed);
  const prefix = o.prefix ?? `sim${seed}-${Date.now().toString(36)}-`;
  const to = Date.now();
  const plan = planFleet({
    seed,
    kiosks: o.kiosks + o.agents,
    idPrefix: prefix,
    from: to - o.days * 86_400_000,
    to,
    rate: o.rate,
    offlineChance: o.offline,
    misuseChance: o.misuse,
    agents: o.agents,
  });
  const totals = planTotals(plan);
  const zones = [...new Set(plan.offices.map((x) => x.timeZone))];
  console.log(
    `plan (seed ${seed}): ${o.kiosks} protocol kiosks + ${o.agents} agents in ${plan.offices.length} offices ` +
      `(${plan.regions.length} regions; ${zones.join(', ')}), ` +
      `${o.days} days → ${totals.presses} presses (good ${totals.good}, neutral ${totals.neutral}, bad ${totals.bad}; ` +
      `${totals.misuse} in misuse bursts, ${totals.flagged} flagged), ${totals.offlineKiosks} kiosks offline for a while`,
  );

  const { api, mqttUrl, gw } = await connectGateway(o);
  const protocolIds = plan.kiosks.slice(0, o.kiosks).map((k) => k.id);
  const fleet = new ProtocolFleet({ plan, api, mqttUrl, kioskIds: protocolIds });
  const agents: AgentKiosk[] = [];
  try {
    if (o.org) {
      const org = await seedOrganisation(api, plan);
      const rotations = [...new Set(plan.offices.map((x) => x.rotation))].join(', ');
      console.log(
        `organisation: ${org.regions} regions, ${org.offices} offices, ${org.desks} desks, ${org.employees} employees, ` +
          `${org.assignments} shift assignments (two shifts a day, rota rotating on ${rotations}), visitors for ${org.countDays} office days ` +
          `(sales in ${org.salesOffices} offices)`,
      );
    }
    await fleet.register();
    if (o.org) for (const k of plan.kiosks.slice(0, o.kiosks)) await bindKiosk(api, k);
    await fleet.connect();
    for (const k of plan.kiosks.slice(o.kiosks)) {
      const agent = new AgentKiosk(k.id, await api.registerKiosk(k.id), mqttUrl, tempDir('sim-kiosk'));
      if (o.org) await bindKiosk(api, k);
      agents.push(agent);
      await agent.start();
    }
    if (o.org)
      console.log(`panel bindings: ${plan.kiosks.length} (staff panels to their desks, office and loyalty panels to their offices)`);
    const replay = new AgentReplay(plan, agents, o.duration * 1000);
    const bar = process.stdout.isTTY
      ? new cliProgress.SingleBar(
          { format: 'pressing {bar} {percentage}% | {presses} presses | {unsettled} awaiting ack' },
          cliProgress.Presets.shades_classic,
        )
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
    console.log(
      `kiosks ${ledger.kiosks}, presses ${ledger.events} (expected stored ${ledger.stored}, rejected ${ledger.rejected}); ` +
        `pressed over ${(pressedMs / 1000).toFixed(1)} s; time to settle ${(settleMs / 1000).toFixed(2)} s after the last press` +
        `${settledOk && agentsOk ? '' : ' (TIMED OUT)'}; ${Math.round(ledger.events / ((pressedMs + settleMs) / 1000))} presses/s end to end`,
    );
    const checks = await checkLedger(api, fleet.ledger);
    const sum = (f: (c: KioskCheck) => number) => checks.reduce((n, c) => n + f(c), 0);
    console.log(
      `gateway: received ${sum((c) => c.gateway.received)}, rejected ${sum((c) => c.gateway.rejected)}, ` +
        `lost ${sum((c) => c.lost)}, duplicated ${sum((c) => c.duplicated)}, unknown ${sum((c) => c.unknown)}`,
    );
    const ok = printChecks(checks) && settledOk && agentsOk;
    console.log(ok ? 'OK: the gateway matches the ledger for every kiosk' : 'FAILED: the gateway does not match the ledger');
    const scoresOk = o.org ? await reportScores(api, fleet) : true;
    if (o.embedded && o.dataDir) console.log(`gateway data kept in ${join(o.dataDir, 'gateway.db')}`);
    return ok && scoresOk ? 0 : 1;
  } finally {
    await fleet.close();
    await Promise.all(agents.map((a) => a.kill()));
    await gw?.proc.kill('SIGTERM');
  }
}

/** Expected totals per office from the ledger beside the gateway's scores; false when they differ. */
async function reportScores(api: GatewayApi, fleet: ProtocolFleet): Promise<boolean> {
  const settings = await api.request<{ misuse: MisuseRules }>('GET', '/settings');
  if (settings.status !== 200) throw new Error(`GET /api/v1/settings: ${settings.status}`);
  const now = Date.now();
  const expected = expectedByOffice(fleet.plan, fleet.ledger, settings.body.misuse);
  const checks = await checkScores(api, fleet.plan, expected, now);
  console.log(
    'per office: stored, excluded as misuse and counted as the ledger predicts (gateway misuse rules), ' +
      "beside the gateway's counts and indices (GET /api/v1/offices/{id}/scores over the window, office-local dates):",
  );
  for (const line of formatOffices(checks)) console.log(line);
  const uncertain = [...expected.values()].reduce((n, e) => n + e.uncertain, 0);
  if (uncertain) console.log(`  (${uncertain} presses without a synced clock are not predicted)`);
  for (const line of await employeeRanking(api, fleet.plan, now)) console.log(line);
  const bad = checks.filter((c) => c.problems.length > 0);
  for (const c of bad) console.log(`  MISMATCH ${c.office.id}: ${c.problems.join('; ')}`);
  console.log(
    bad.length === 0
      ? `OK: the gateway's scores match the expected totals of every office`
      : `FAILED: the gateway's scores differ from the expected totals in ${bad.length} offices`,
  );
  return bad.length === 0;
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
  .option('--no-org', 'do not create the organisation (regions, offices, desks, employees, shifts, bindings, visitors); no scores')
  .action(async (o: Options) => {
    process.exitCode = await main(o);
  })
  .parseAsync()
  .catch((err: unknown) => {
    console.error(`simulate-fleet: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  });
