/**
 * Scale-out load (`--only scaleout`): the same kiosk fleet and the same phases against three setups in
 * one run, so that their figures compare directly:
 *   A. one gateway, embedded broker, SQLite (the baseline of bench/load.ts),
 *   B. external Mosquitto + one gateway + PostgreSQL,
 *   C. external Mosquitto + two gateways in one share group (distinct client ids) + one PostgreSQL database.
 * For each: saturation presses/s acked (every kiosk one press in flight), ack latency at a fixed
 * moderate rate, CPU (cores) and memory of every process involved, and at the end a check through the
 * gateway API that every acked press is stored exactly once. The kiosks are the load driver of
 * bench/load.ts (load-kiosks.ts: a broker URL and credentials), unchanged.
 *
 * Everything runs on one machine: kiosk workers, broker, gateway(s) and PostgreSQL share its cores, so
 * on a small machine C cannot show a speed-up over A; the CPU lines show where the time goes.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { startPostgres, type Postgres } from '../scripts/lib/postgres.js';
import { startGateway, type Gateway } from '../scripts/lib/processes.js';
import { startMosquitto, type Mosquitto } from '../scripts/lib/mosquitto.js';
import { KioskDriver, type KioskCredential, type PhaseResult } from './load-kiosks.js';
import { cpuSeconds, loadAvg, registerFleet, runQueueSeconds } from './load.js';
import { fmt, memoryMb, percentile, type BenchResult } from './stats.js';

export interface ScaleOutOptions {
  kiosks: number;
  /** Worker processes for the kiosks. */
  workers: number;
  /** The moderate open-loop rate at which ack latency is measured (fleet-wide presses/s). */
  rate: number;
  steadyS: number;
  saturationS: number;
}

type Key = 'A' | 'B' | 'C';

/** One setup under test: where kiosks connect, its gateways, and its processes by role. */
interface Setup {
  key: Key;
  label: string;
  url: string;
  gateways: Gateway[];
  mosquitto?: Mosquitto;
  postgres?: Postgres;
  databaseUrl?: string;
  /** Called once the fleet is registered: gives the kiosks their broker logins (Mosquitto). */
  addLogins(creds: KioskCredential[]): Promise<void>;
  stop(): Promise<void>;
}

/** Progress on stderr: a full run takes minutes. */
const step = (key: string, what: string) => console.error(`${new Date().toISOString().slice(11, 19)} scaleout ${key}: ${what}`);

const service = { username: 'lb-gateway', password: 'gateway-secret-for-the-scale-out-bench' };
const GROUP = 'lb-gateways';

/** Resolves once `gw` has subscribed `times` times (logged at info). */
async function subscribed(gw: Gateway, times: number): Promise<void> {
  let seen = 0;
  await gw.proc.waitFor((l) => l.msg === 'mqtt subscribed' && ++seen >= times, `mqtt subscribed ×${times}`, 60_000);
}

async function setupA(): Promise<Setup> {
  // As bench/load.ts starts it.
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  return {
    key: 'A',
    label: 'one gateway, embedded broker, SQLite',
    url: `mqtt://127.0.0.1:${gw.mqttPort}`,
    gateways: [gw],
    addLogins: async () => undefined, // the embedded broker authenticates against the gateway's registry
    async stop() {
      await gw.proc.kill('SIGTERM');
      rmSync(gw.dataDir, { recursive: true, force: true });
    },
  };
}

/** Mosquitto + `n` gateways in one share group on one fresh PostgreSQL cluster. */
async function setupMosquitto(key: Key, n: number): Promise<Setup> {
  const pgServer = await startPostgres();
  const gateways: Gateway[] = [];
  let mosq: Mosquitto | undefined;
  const stop = async () => {
    await Promise.allSettled(gateways.map((g) => g.proc.kill('SIGTERM')));
    await mosq?.kill('SIGTERM');
    await pgServer.stop();
    for (const g of gateways) rmSync(g.dataDir, { recursive: true, force: true });
    if (mosq) rmSync(mosq.dir, { recursive: true, force: true });
  };
  try {
    const databaseUrl = await pgServer.newDatabase('lb_scale_out');
    mosq = await startMosquitto(service);
    const url = `mqtt://127.0.0.1:${mosq.port}`;
    // One after the other (they may start together; here start-up is not what is measured).
    for (let i = 1; i <= n; i++) {
      gateways.push(
        await startGateway({ databaseUrl, mqtt: { url, ...service, clientId: `lb-gateway-${i}`, shareGroup: GROUP }, logLevel: 'info' }),
      );
    }
    await Promise.all(gateways.map((g) => subscribed(g, 1)));
    const m = mosq;
    return {
      key,
      label: `Mosquitto + ${n} gateway${n > 1 ? 's' : ''} (share group) + PostgreSQL`,
      url,
      gateways,
      mosquitto: m,
      postgres: pgServer,
      databaseUrl,
      async addLogins(creds) {
        // One password-file conversion and one Mosquitto restart for the fleet; the gateways reconnect.
        await m.addUsers(creds.map((c) => ({ username: c.id, password: c.password })));
        await Promise.all(gateways.map((g) => subscribed(g, 2)));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

// ---- processes and their CPU / memory, from /proc ----

function procStat(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return undefined;
  }
}

/** The PostgreSQL server listening on `port`: its postmaster and every child (backends, writers, …). */
function postgresPids(port: string): number[] {
  const pids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const postmaster = pids.find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0]!.endsWith('/postgres') && argv.includes('-p') && argv[argv.indexOf('-p') + 1] === port;
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return [];
  return [postmaster, ...pids.filter((pid) => procStat(pid)?.[1] === String(postmaster))];
}

/** Processes by role; re-read on every call (Mosquitto restarts, PostgreSQL backends come and go). */
function roles(s: Setup, driver?: KioskDriver): Record<string, number[]> {
  const r: Record<string, number[]> = {};
  for (const [i, g] of s.gateways.entries()) r[s.gateways.length > 1 ? `gateway ${i + 1}` : 'gateway'] = [g.proc.child.pid!];
  if (s.mosquitto) r.mosquitto = [s.mosquitto.proc.pid!];
  if (s.postgres) r.postgres = postgresPids(new URL(s.postgres.url).port);
  if (driver) r['kiosk workers'] = driver.pids;
  return r;
}

const cpuOf = (pid: number): number | undefined => {
  try {
    return cpuSeconds(pid);
  } catch {
    return undefined;
  }
};

const rssOf = (pid: number): number => {
  try {
    return memoryMb(pid).rss;
  } catch {
    return 0;
  }
};

/** Proportional set size (shared pages split between the processes that map them), MB. */
const pssOf = (pid: number): number => {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};

/** CPU seconds the whole machine has been busy (all cores; /proc/stat, ticks of 1/100 s; idle and iowait left out). */
function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** Memory by role: RSS summed over the role's processes (PostgreSQL also as PSS: its shared buffers counted once). */
function memory(r: Record<string, number[]>): Record<string, { rss: number; pss?: number }> {
  return Object.fromEntries(
    Object.entries(r).map(([role, pids]) => [
      role,
      role === 'postgres' ? { rss: sum(pids.map(rssOf)), pss: sum(pids.map(pssOf)) } : { rss: sum(pids.map(rssOf)) },
    ]),
  );
}

interface Measured extends PhaseResult {
  wall: number;
  /** CPU cores used during the phase, by role (processes alive at its end). */
  cores: Record<string, number>;
  /** CPU cores the whole machine used during the phase: ours and anything else running. */
  machineCores: number;
  /** Share of the phase each gateway's main thread was runnable but waiting for a CPU (%). */
  waited: number[];
  /** PostgreSQL: write transactions (the gateways' group commits) during the phase. */
  commits?: number;
}

/**
 * Transaction ids assigned so far in the cluster of `url`: every write transaction takes one (this
 * read-only query does not), and unlike pg_stat_database's counters it does not lag.
 */
async function xidsSoFar(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query<{ n: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS n');
    return Number(r.rows[0]!.n);
  } finally {
    await client.end();
  }
}

async function measured(s: Setup, driver: KioskDriver, run: () => Promise<PhaseResult>): Promise<Measured> {
  const before = new Map<number, number>();
  for (const pids of Object.values(roles(s, driver))) for (const pid of pids) before.set(pid, cpuOf(pid) ?? 0);
  const gwPids = s.gateways.map((g) => g.proc.child.pid!);
  const q0 = gwPids.map(runQueueSeconds);
  const x0 = s.databaseUrl ? await xidsSoFar(s.databaseUrl) : undefined;
  const m0 = machineBusySeconds();
  const t0 = performance.now();
  const r = await run();
  const wall = (performance.now() - t0) / 1000;
  const machineCores = (machineBusySeconds() - m0) / wall;
  const commits = x0 !== undefined ? (await xidsSoFar(s.databaseUrl!)) - x0 : undefined;
  const cores: Record<string, number> = {};
  for (const [role, pids] of Object.entries(roles(s, driver))) {
    cores[role] = sum(pids.map((pid) => Math.max(0, (cpuOf(pid) ?? 0) - (before.get(pid) ?? 0)))) / wall;
  }
  const waited = gwPids.map((pid, i) => (100 * (runQueueSeconds(pid) - q0[i]!)) / wall);
  return { ...r, wall, cores, machineCores, waited, ...(commits !== undefined ? { commits } : {}) };
}

// ---- exactly once, through the gateway API ----

interface Counters {
  received: number;
  duplicates: number;
  rejected: number;
  lastSeq: number;
}

interface Verification {
  pressed: number;
  acked: number;
  rejectedByAck: number;
  unacked: number;
  received: number;
  duplicates: number;
  rejected: number;
  /** Kiosks whose stored presses are not exactly seq 1..N (received ≠ lastSeq) or that show a gap. */
  kiosksOff: number;
  gaps: number;
  /** Σ received as listed by each gateway's API (they read the one database). */
  receivedPerGateway: number[];
  ok: boolean;
}

async function listCounters(gw: Gateway): Promise<Counters[]> {
  const all: Counters[] = [];
  let after: string | null = null;
  do {
    const res: { status: number; body: { items: { counters: Counters }[]; next: string | null } } = await gw.api(
      'GET',
      `/api/v1/kiosks?limit=1000${after ? `&after=${after}` : ''}`,
    );
    if (res.status !== 200) throw new Error(`GET /api/v1/kiosks: ${res.status}`);
    all.push(...res.body.items.map((k) => k.counters));
    after = res.body.next;
  } while (after);
  return all;
}

async function verify(s: Setup, creds: KioskCredential[], phases: PhaseResult[]): Promise<Verification> {
  const total = (k: 'pressed' | 'acked' | 'rejected' | 'unacked') => sum(phases.map((p) => p[k]));
  const [gw] = s.gateways;
  let received = 0;
  let duplicates = 0;
  let rejected = 0;
  let kiosksOff = 0;
  let gaps = 0;
  let next = 0;
  // Every kiosk's detail (counters and gaps), a few requests in flight.
  const lane = async () => {
    while (next < creds.length) {
      const id = creds[next++]!.id;
      const res = await gw!.api('GET', `/api/v1/kiosks/${id}`);
      if (res.status !== 200) throw new Error(`GET /api/v1/kiosks/${id}: ${res.status}`);
      const c = res.body.counters as Counters;
      received += c.received;
      duplicates += c.duplicates;
      rejected += c.rejected;
      gaps += (res.body.gaps as unknown[]).length;
      if (c.received !== c.lastSeq || (res.body.gaps as unknown[]).length > 0) kiosksOff++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  const receivedPerGateway = await Promise.all(s.gateways.map(async (g) => sum((await listCounters(g)).map((c) => c.received))));
  const v = {
    pressed: total('pressed'),
    acked: total('acked'),
    rejectedByAck: total('rejected'),
    unacked: total('unacked'),
    received,
    duplicates,
    rejected,
    kiosksOff,
    gaps,
    receivedPerGateway,
  };
  const ok =
    v.unacked === 0 &&
    v.rejectedByAck === 0 &&
    v.pressed === v.acked &&
    v.received === v.acked &&
    v.duplicates === 0 &&
    v.rejected === 0 &&
    v.kiosksOff === 0 &&
    receivedPerGateway.every((x) => x === received);
  return { ...v, ok };
}

// ---- one setup, the phases ----

interface SetupResult {
  s: Setup;
  registerS: number;
  loginsS: number;
  connected: number;
  connectS: number;
  connectErrors: string;
  each: PhaseResult & { kiosksAcked: number };
  steady: Measured;
  sat: Measured;
  held: number;
  dropped: number;
  memIdle: Record<string, { rss: number; pss?: number }>;
  memConnected: Record<string, { rss: number; pss?: number }>;
  memEnd: Record<string, { rss: number; pss?: number }>;
  peak: Record<string, number>;
  verification: Verification;
  load: [string, string];
}

async function runSetup(start: () => Promise<Setup>, o: ScaleOutOptions): Promise<SetupResult> {
  const loadAtStart = loadAvg();
  const s = await start();
  let driver: KioskDriver | undefined;
  const peak: Record<string, number> = {};
  // Peak RSS by role; the PostgreSQL process list is re-read only every few samples (a /proc scan).
  let pgPids: number[] = [];
  let tick = 0;
  const sampler = setInterval(() => {
    if (s.postgres && tick++ % 8 === 0) pgPids = postgresPids(new URL(s.postgres.url).port);
    const r = roles({ ...s, postgres: undefined }, driver);
    if (s.postgres) r.postgres = pgPids;
    for (const [role, pids] of Object.entries(r)) peak[role] = Math.max(peak[role] ?? 0, sum(pids.map(rssOf)));
  }, 500);
  try {
    step(s.key, `${s.label} started; registering ${o.kiosks} kiosks`);
    let t0 = performance.now();
    const creds = await registerFleet(s.gateways[0]!, o.kiosks);
    const registerS = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await s.addLogins(creds);
    const loginsS = (performance.now() - t0) / 1000;
    const memIdle = memory(roles(s));
    step(s.key, 'connecting the kiosks');

    driver = await KioskDriver.start({ url: s.url, kiosks: creds, workers: o.workers });
    const d = driver;
    const memConnected = memory(roles(s, d));
    step(s.key, 'one press each');
    const each = await d.pressEach(60_000);
    step(s.key, `${o.rate}/s for ${o.steadyS} s`);
    const steady = await measured(s, d, () => d.openLoop(o.rate, o.steadyS));
    step(s.key, `saturation for ${o.saturationS} s`);
    const sat = await measured(s, d, () => d.closedLoop(o.saturationS, Math.min(5, o.saturationS / 4)));
    const end = await d.status();
    const memEnd = memory(roles(s, d));
    step(s.key, 'checking the stored presses through the API');
    const verification = await verify(s, creds, [each, steady, sat]);
    return {
      s,
      registerS,
      loginsS,
      connected: d.connect.connected,
      connectS: d.connect.seconds,
      connectErrors: Object.entries(d.connect.errors)
        .map(([k, v]) => `${v}× ${k}`)
        .join('; '),
      each,
      steady,
      sat,
      held: Math.min(end.connected, each.kiosksAcked),
      dropped: end.dropped,
      memIdle,
      memConnected,
      memEnd,
      peak,
      verification,
      load: [loadAtStart, loadAvg()],
    };
  } finally {
    clearInterval(sampler);
    await driver?.close();
    await s.stop();
  }
}

// ---- report ----

const ms = (r: PhaseResult, p: number) => fmt(percentile(r.latenciesMs, p), 1);
const rate = (r: PhaseResult) => r.ackedInWindow / r.seconds;
const mb = (x: number) => fmt(x, 0);

function coresLine(m: Measured): string {
  const parts = Object.entries(m.cores).map(([role, c]) => `${role} ${fmt(c, 2)}`);
  const ours = sum(Object.values(m.cores));
  return `${parts.join(', ')}; total ${fmt(ours, 2)}; whole machine ${fmt(m.machineCores, 2)} (other work ${fmt(Math.max(0, m.machineCores - ours), 2)})`;
}

function memLine(m: Record<string, { rss: number; pss?: number }>, roleFilter = (_: string) => true): string {
  return Object.entries(m)
    .filter(([role]) => roleFilter(role))
    .map(([role, x]) => `${role} ${mb(x.rss)}${x.pss !== undefined ? ` (PSS ${mb(x.pss)})` : ''}`)
    .join(', ');
}

function figuresOf(r: SetupResult, o: ScaleOutOptions): Record<string, string> {
  const k = r.s.key;
  const v = r.verification;
  const notWorkers = (role: string) => role !== 'kiosk workers';
  return {
    [`${k}: setup`]: r.s.label,
    [`${k}: kiosks registered (REST) / broker logins added`]: `${o.kiosks} in ${fmt(r.registerS, 1)} s / ${r.s.mosquitto ? `${fmt(r.loginsS, 1)} s (one mosquitto_passwd -U, one restart)` : 'n/a (embedded broker)'}`,
    [`${k}: kiosks connected; held at the end; acked for one press each`]: `${r.connected} in ${fmt(r.connectS, 1)} s${r.connectErrors ? ` (failed: ${r.connectErrors})` : ''}; ${r.held} (dropped ${r.dropped}); ${r.each.kiosksAcked} (p50 ${ms(r.each, 50)} ms, p99 ${ms(r.each, 99)} ms all at once)`,
    [`${k}: ${o.rate}/s for ${o.steadyS} s: acked/s, ack p50 / p99 / max`]: `${Math.round(rate(r.steady))}/s, ${ms(r.steady, 50)} / ${ms(r.steady, 99)} / ${ms(r.steady, 100)} ms; unacked ${r.steady.unacked}, rejected ${r.steady.rejected}`,
    [`${k}: ${o.rate}/s: CPU cores`]: coresLine(r.steady),
    [`${k}: saturation (${o.kiosks} in flight, ${o.saturationS} s): acked presses/s, ack p50 / p99`]: `${Math.round(rate(r.sat))}/s, ${ms(r.sat, 50)} / ${ms(r.sat, 99)} ms; unacked ${r.sat.unacked}, rejected ${r.sat.rejected}`,
    [`${k}: saturation: CPU cores`]: coresLine(r.sat),
    [`${k}: saturation: gateway main thread waiting for a CPU`]: r.sat.waited.map((w) => `${fmt(w, 0)} %`).join(', '),
    ...(r.sat.commits !== undefined
      ? {
          [`${k}: saturation: PostgreSQL write transactions (group commits), per second, presses per transaction`]: `${r.sat.commits}, ${Math.round(r.sat.commits / r.sat.wall)}/s, ${fmt(r.sat.pressed / r.sat.commits, 1)}`,
        }
      : {}),
    [`${k}: RSS MB registered, idle`]: memLine(r.memIdle),
    [`${k}: RSS MB all connected`]: memLine(r.memConnected, notWorkers),
    [`${k}: RSS MB at the end / peak`]: `${memLine(r.memEnd, notWorkers)} / ${Object.entries(r.peak)
      .filter(([role]) => notWorkers(role))
      .map(([role, x]) => `${role} ${mb(x)}`)
      .join(', ')}`,
    [`${k}: kiosk workers RSS MB`]: mb(r.memEnd['kiosk workers']?.rss ?? NaN),
    [`${k}: exactly once (gateway API)`]:
      `${v.ok ? 'OK' : 'FAILED'}: pressed ${v.pressed}, acked ${v.acked} (unacked ${v.unacked}, refused ${v.rejectedByAck}); stored ${v.received} ` +
      `(per gateway API: ${v.receivedPerGateway.join(', ')}), duplicates ${v.duplicates}, rejected ${v.rejected}; kiosks not seq 1..N ${v.kiosksOff}, gaps ${v.gaps}`,
    [`${k}: machine load average (1 min) at start / end`]: `${r.load[0]} / ${r.load[1]}`,
  };
}

export async function benchScaleOut(o: ScaleOutOptions): Promise<BenchResult> {
  const results: SetupResult[] = [];
  for (const start of [setupA, () => setupMosquitto('B', 1), () => setupMosquitto('C', 2)]) {
    const r = await runSetup(start, o);
    results.push(r);
    console.log(
      `scaleout ${r.s.key} (${r.s.label}): ${Math.round(rate(r.sat))} presses/s at saturation, exactly once ${r.verification.ok ? 'OK' : 'FAILED'}`,
    );
  }
  const [a, b, c] = results as [SetupResult, SetupResult, SetupResult];
  const ratio = (x: SetupResult, y: SetupResult) => fmt(rate(x.sat) / rate(y.sat), 2);
  return {
    name: 'load: scale-out (A one gateway + embedded broker + SQLite; B Mosquitto + 1 gateway + PostgreSQL; C Mosquitto + 2 gateways + PostgreSQL)',
    figures: {
      'kiosks, kiosk worker processes': `${o.kiosks}, ${o.workers}`,
      'saturation acked presses/s A / B / C': `${Math.round(rate(a.sat))} / ${Math.round(rate(b.sat))} / ${Math.round(rate(c.sat))}`,
      'saturation ratio C/A, C/B, B/A': `${ratio(c, a)}, ${ratio(c, b)}, ${ratio(b, a)}`,
      [`ack p50 / p99 at ${o.rate}/s (ms) A | B | C`]: [a, b, c].map((r) => `${ms(r.steady, 50)} / ${ms(r.steady, 99)}`).join(' | '),
      ...Object.assign({}, ...results.map((r) => figuresOf(r, o))),
    },
    target: `every kiosk held and every press acked and stored exactly once in A, B and C (no speed-up target: ${o.kiosks} kiosks, broker, gateways and PostgreSQL share this machine's cores)`,
    pass: results.every((r) => r.held >= o.kiosks && r.dropped === 0 && r.verification.ok),
  };
}
