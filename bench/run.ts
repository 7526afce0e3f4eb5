/**
 * `npm run bench`: runs every benchmark, prints figures and targets, and writes them as JSON
 * (bench-results.json, or the path in LB_BENCH_OUT) for docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { benchAlerts } from './alerts.js';
import { benchAttacks } from './attacks.js';
import { benchConsole } from './console.js';
import { benchConsoleLive } from './console-live.js';
import { benchQualified } from './qualified.js';
import { benchFlash } from './flash.js';
import { benchFleetHealth } from './fleet-health.js';
import { benchIngest } from './ingest.js';
import { benchLoad } from './load.js';
import { benchAgentMemory } from './agent-memory.js';
import { benchAgentRss, benchBacklogDrain, benchPressCommit } from './kiosk.js';
import { benchReplug } from './replug.js';
import { benchScores } from './scores.js';
import { benchScaleOut } from './scale-out.js';
import { benchPressVisible } from './press-visible.js';
import { benchUploads } from './uploads.js';
import { benchPressWebhook, benchWebhook } from './webhook.js';
import { benchLbFleet } from './lb-fleet.js';
import { benchLive } from './live.js';
import type { BenchResult } from './stats.js';

const program = new Command()
  .name('bench')
  .option(
    '--only <names>',
    'comma-separated subset: press,backlog,visible,ingest,rss,agent-memory,replug,scores,load,scaleout,attacks,uploads,served-upload,flash,lb-fleet,fleet-health,live,alerts,webhook,press-webhook,console,console-live,qualified',
  )
  .option('--quick', 'smaller workloads (for a smoke run)')
  .option('--load-kiosks <n>', 'kiosks for the load bench (default 10000, 1000 with --quick)')
  .option('--load-workers <n>', 'kiosk worker processes for the load bench', '2')
  .parse();
const opts = program.opts<{ only?: string; quick?: boolean; loadKiosks?: string; loadWorkers: string }>();
const wanted = (name: string) => !opts.only || opts.only.split(',').includes(name);

const benches: [string, () => Promise<BenchResult | BenchResult[]>][] = [
  ['press', () => benchPressCommit(opts.quick ? 500 : 2000)],
  ['backlog', () => benchBacklogDrain(10_000)],
  ['visible', () => benchPressVisible(opts.quick ? 50 : 200)],
  ['ingest', () => benchIngest(opts.quick ? { kiosks: 2, perKiosk: 10_000 } : { kiosks: 4, perKiosk: 50_000 })],
  ['rss', () => benchAgentRss(opts.quick ? 5 : 20)],
  ['agent-memory', () => benchAgentMemory(opts.quick ? 15 : 30)],
  ['replug', () => benchReplug(opts.quick ? 2 : 5)],
  ['scores', () => benchScores(opts.quick ? { kiosks: 200, pressesPerKiosk: 2500 } : { kiosks: 2000, pressesPerKiosk: 5000 })],
  [
    'load',
    () => {
      const kiosks = Number(opts.loadKiosks ?? (opts.quick ? 1000 : 10_000));
      // Steady: each kiosk every 10 s (far busier than a service desk), then a fleet-wide 4 000/s.
      const phases = opts.quick
        ? { steadyRates: [kiosks / 10, 2000], steadyS: 10, saturationS: 10 }
        : { steadyRates: [kiosks / 10, 4000], steadyS: 30, saturationS: 30 };
      return benchLoad({ kiosks, workers: Number(opts.loadWorkers), ...phases });
    },
  ],
  // The same fleet and phases against one gateway + SQLite, Mosquitto + 1 gateway + PostgreSQL, Mosquitto + 2 gateways + PostgreSQL.
  // A CONNECT flood and a wrong-login loop against one gateway process (docs/security.md).
  ['attacks', () => benchAttacks(opts.quick ? { sockets: 300, lanes: 16, seconds: 5 } : { sockets: 1500, lanes: 32, seconds: 10 })],
  ['uploads', () => benchUploads(opts.quick ? 2 : 4)],
  // The queue system's day files (POST /queue/served.csv) against the same pressing kiosk.
  ['served-upload', () => benchUploads(opts.quick ? 1 : 2, 'served')],
  ['flash', () => benchFlash(opts.quick ? 1 : 3)],
  // `lb fleet` as a technician runs it (a new process) against a gateway holding 10 000 kiosks.
  ['lb-fleet', () => benchLbFleet(opts.quick ? 2000 : 10_000, opts.quick ? 3 : 7)],
  ['fleet-health', () => benchFleetHealth(opts.quick ? 2000 : 10_000)],
  // Press → SSE event on a manager's open stream: SQLite, PostgreSQL with the stream on a second gateway, the real agent.
  [
    'live',
    () =>
      benchLive(
        opts.quick
          ? { presses: 200, rate: 20, kiosks: 10, streams: 8, agentPresses: 50 }
          : { presses: 600, rate: 20, kiosks: 20, streams: 24, agentPresses: 500 },
      ),
  ],
  [
    'alerts',
    () => benchAlerts(opts.quick ? { busy: 100_000, runs: 50, indexRows: 50_000 } : { busy: 1_000_000, runs: 200, indexRows: 200_000 }),
  ],
  // An alert_events row committed → the signed webhook at a local receiver (the delivery half of press → webhook).
  ['webhook', () => benchWebhook(opts.quick ? 50 : 200)],
  // The whole path: bad press on an online kiosk → alert → signed webhook at a local receiver.
  ['press-webhook', () => benchPressWebhook(opts.quick ? 50 : 200)],
  // Initial load of the console, and an office page on a year of presses (10 M at full size, bulk-seeded
  // and cached under .cache/bench/) in Chromium.
  [
    'console',
    () => benchConsole(opts.quick ? { kiosks: 200, pressesPerKiosk: 2500, runs: 5 } : { kiosks: 2000, pressesPerKiosk: 5000, runs: 20 }),
  ],
  // Press on the real agent's board → the office page in Chromium shows it (live strip, then the count);
  // at full size also on the 10 M-press database.
  ['console-live', () => benchConsoleLive(opts.quick ? { presses: 50, big: false } : { presses: 200, big: true })],
  // ИНК Персонал, qualified (issue 13): the score targets on the 10 M-press database (cached seed) with
  // 1 M cases classified in bulk, against the same queries with every case pending.
  [
    'qualified',
    () =>
      benchQualified(
        opts.quick ? { kiosks: 200, pressesPerKiosk: 2500, queries: 50 } : { kiosks: 2000, pressesPerKiosk: 5000, queries: 200 },
      ),
  ],
  [
    'scaleout',
    () =>
      benchScaleOut({
        kiosks: opts.quick ? 500 : 2000,
        workers: Number(opts.loadWorkers),
        rate: 1000,
        steadyS: opts.quick ? 10 : 30,
        saturationS: opts.quick ? 10 : 30,
      }),
  ],
];

const results: BenchResult[] = [];
for (const [name, run] of benches) {
  if (!wanted(name)) continue;
  for (const r of [await run()].flat()) {
    results.push(r);
    console.log(`\n## ${r.name} — ${r.pass ? 'PASS' : 'MISS'} (target: ${r.target})`);
    for (const [k, v] of Object.entries(r.figures)) console.log(`  ${k}: ${v}`);
  }
}
writeFileSync(process.env.LB_BENCH_OUT ?? 'bench-results.json', JSON.stringify({ at: new Date().toISOString(), results }, null, 2));
