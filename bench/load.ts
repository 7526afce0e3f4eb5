/**
 * Load on one gateway (embedded aedes broker + SQLite, its own process): how many registered kiosks
 * it holds connected over real TCP MQTT, whether it still acks every one of them, the presses/s it
 * sustains at a steady fleet-wide rate and at saturation, ack latency (publish → application ack)
 * and its memory — and the same fleet and phases against a bare broker that acks at once with no
 * database (bare-broker.ts), as a same-run baseline. The kiosks come from load-kiosks.ts, which only needs a broker URL and credentials.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoggedProcess, registerKiosk, ROOT, startGateway, type Gateway } from '../scripts/lib/processes.js';
import { KioskDriver, type KioskCredential, type PhaseResult } from './load-kiosks.js';
import { fmt, memoryMb, percentile, type BenchResult } from './stats.js';

export interface LoadOptions {
  kiosks: number;
  /** Worker processes for the kiosks. */
  workers: number;
  /** Steady phases: fleet-wide presses/s, spread round-robin over the kiosks, one phase per rate. */
  steadyRates: number[];
  steadyS: number;
  saturationS: number;
}

/** Registers through the API like an operator would (no batch endpoint), a few requests in flight. */
export async function registerFleet(gw: Gateway, n: number): Promise<KioskCredential[]> {
  const creds: KioskCredential[] = new Array(n);
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const id = `load-${String(i).padStart(5, '0')}`;
      creds[i] = { id, password: (await registerKiosk(gw, id)).password };
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  return creds;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Seconds the gateway's main thread (its event loop, where SQLite commits too) was runnable but
 * waiting for a CPU: on a shared 2-core machine the kiosk workers and anything else running compete.
 */
export function runQueueSeconds(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
}

export const loadAvg = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** Measures a phase: its result plus the gateway's CPU use (in cores) while it ran. */
async function measured(pid: number, run: () => Promise<PhaseResult>, who = 'gateway') {
  const c0 = cpuSeconds(pid);
  const q0 = runQueueSeconds(pid);
  const t0 = performance.now();
  const r = await run();
  const wall = (performance.now() - t0) / 1000;
  const cpu = `${fmt((cpuSeconds(pid) - c0) / wall, 2)} / ${fmt(r.cpuS / wall, 2)}; ${who} waited for a CPU ${fmt((100 * (runQueueSeconds(pid) - q0)) / wall, 0)} % of the time`;
  return { ...r, cpu };
}

const ms = (r: PhaseResult, p: number) => fmt(percentile(r.latenciesMs, p), 1);

interface FleetRun {
  connect: KioskDriver['connect'];
  each: PhaseResult & { kiosksAcked: number };
  steady: { rate: number; r: PhaseResult & { cpu: string } }[];
  sat: PhaseResult & { cpu: string };
  end: { connected: number; dropped: number; workerRssMb: number[] };
  fds: number;
  connectedRss: { rss: number; anon: number };
}

/** The phases of the bench against whatever listens at `url` (pid: the process to measure). */
async function runFleet(
  url: string,
  pid: number,
  who: string,
  creds: KioskCredential[],
  o: LoadOptions,
  alive: <T>(p: Promise<T>) => Promise<T>,
): Promise<FleetRun> {
  const driver = await alive(KioskDriver.start({ url, kiosks: creds, workers: o.workers }));
  try {
    const connectedRss = memoryMb(pid);
    const fds = openFds(pid);
    const each = await alive(driver.pressEach(60_000));
    const steady = [];
    for (const rate of o.steadyRates) steady.push({ rate, r: await alive(measured(pid, () => driver.openLoop(rate, o.steadyS), who)) });
    const sat = await alive(measured(pid, () => driver.closedLoop(o.saturationS, Math.min(5, o.saturationS / 4)), who));
    return { connect: driver.connect, each, steady, sat, end: await driver.status(), fds, connectedRss };
  } finally {
    await driver.close();
  }
}

/** The baseline: the same aedes broker with a subscriber that acks at once, no database (bare-broker.ts). */
async function startBareBroker(): Promise<{ proc: LoggedProcess; mqttPort: number }> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/bench/bare-broker.js')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new LoggedProcess('bare broker', child);
  const ready = await Promise.race([
    proc.waitFor((l) => l.msg === 'bare broker ready', 'bare broker ready'),
    proc.exited.then((code) => {
      throw new Error(`bare broker exited with ${code}: ${proc.stderr.join('')}`);
    }),
  ]);
  return { proc, mqttPort: ready.mqttPort as number };
}

/** Rejects as soon as `proc` dies unless we are stopping it; `alive(p)` races a phase against that. */
function watchdog(proc: LoggedProcess, what: string) {
  let stopping = false;
  const died = proc.exited.then((code) => {
    if (!stopping)
      throw new Error(`${what} exited (${code ?? proc.child.signalCode}) during the load run: ${proc.stderr.join('').slice(-2000)}`);
  });
  died.catch(() => undefined);
  return { alive: <T>(p: Promise<T>): Promise<T> => Promise.race([p, died.then(() => p)]), stop: () => void (stopping = true) };
}

export async function benchLoad(o: LoadOptions): Promise<BenchResult> {
  const loadAtStart = loadAvg();
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const pid = gw.proc.child.pid!;
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (gw.proc.child.exitCode === null && gw.proc.child.signalCode === null) peakRss = Math.max(peakRss, memoryMb(pid).rss);
  }, 250);
  // If the gateway dies mid-run, say so (with its stderr) instead of waiting out every phase's drain.
  const gwWatch = watchdog(gw.proc, 'gateway');
  let run: FleetRun;
  let creds: KioskCredential[];
  let registerS: number;
  let idleRss: number;
  let endRss: { rss: number; anon: number };
  try {
    const t0 = performance.now();
    creds = await gwWatch.alive(registerFleet(gw, o.kiosks));
    registerS = (performance.now() - t0) / 1000;
    idleRss = memoryMb(pid).rss;
    run = await runFleet(`mqtt://127.0.0.1:${gw.mqttPort}`, pid, 'gateway', creds, o, gwWatch.alive);
    endRss = memoryMb(pid);
  } finally {
    gwWatch.stop();
    clearInterval(sampler);
    await gw.proc.kill('SIGTERM');
  }

  // The same fleet (same ids and passwords) and phases against the bare broker, in the same run.
  const bare = await startBareBroker();
  const bareWatch = watchdog(bare.proc, 'bare broker');
  let base: FleetRun;
  try {
    base = await runFleet(`mqtt://127.0.0.1:${bare.mqttPort}`, bare.proc.child.pid!, 'broker', creds, o, bareWatch.alive);
  } finally {
    bareWatch.stop();
    await bare.proc.kill('SIGTERM');
  }

  const { connect, each, steady, sat, end } = run;
  const held = Math.min(end.connected, each.kiosksAcked);
  const errors = Object.entries(connect.errors)
    .map(([k, v]) => `${v}× ${k}`)
    .join('; ');
  const steadyFigures: Record<string, string> = {};
  for (const [i, { rate, r }] of steady.entries()) {
    const b = base.steady[i]!.r;
    steadyFigures[`steady ${rate}/s (each kiosk every ${fmt(o.kiosks / rate, 1)} s), ${o.steadyS} s: acked/s, ack p50 / p99 / max`] =
      `${Math.round(r.ackedInWindow / r.seconds)}/s, ${ms(r, 50)} / ${ms(r, 99)} / ${ms(r, 100)} ms; unacked ${r.unacked}, rejected ${r.rejected}`;
    steadyFigures[`steady ${rate}/s: baseline (bare broker) ack p50 / p99 / max`] = `${ms(b, 50)} / ${ms(b, 99)} / ${ms(b, 100)} ms`;
    steadyFigures[`steady ${rate}/s: CPU cores, gateway / kiosk workers`] = r.cpu;
  }
  const gatewayRate = sat.ackedInWindow / sat.seconds;
  const baseRate = base.sat.ackedInWindow / base.sat.seconds;
  // No baseline (the bare broker acked nothing: a machine too busy to run it) is no pass.
  const ratio = baseRate > 0 ? gatewayRate / baseRate : Number.NaN;
  const steadyUnacked = steady.reduce((n, s) => n + s.r.unacked, 0);
  return {
    name: 'load: one gateway (embedded broker, SQLite)',
    figures: {
      'kiosks registered (REST, 8 in flight)': `${o.kiosks} in ${fmt(registerS, 1)} s`,
      'kiosk worker processes': o.workers,
      'retained statuses (every kiosk every 30 s, as the agent), fleet-wide /s': Math.round(o.kiosks / 30),
      'kiosks connected (CONNACK + SUBACK)': `${connect.connected} in ${fmt(connect.seconds, 1)} s${connect.failed ? `; ${connect.failed} failed: ${errors}` : ''}`,
      'kiosks acked for one press each': `${each.kiosksAcked} (ack p50 ${ms(each, 50)} ms, p99 ${ms(each, 99)} ms with all pressing at once)`,
      'kiosks held (still connected at the end, none dropped)': `${end.connected} (dropped ${end.dropped})`,
      ...steadyFigures,
      [`saturation: acked presses/s (every kiosk 1 press in flight, ${o.saturationS} s)`]: Math.round(gatewayRate),
      'saturation: ack latency p50 / p99 / max (ms)': `${ms(sat, 50)} / ${ms(sat, 99)} / ${ms(sat, 100)}`,
      'saturation: unacked after drain, rejected': `${sat.unacked}, ${sat.rejected}`,
      'saturation: CPU cores, gateway / kiosk workers': sat.cpu,
      'baseline (same fleet and phases, bare broker acking at once, no database): saturation presses/s': Math.round(baseRate),
      'baseline: saturation ack p50 / p99 (ms), CPU cores broker / kiosk workers': `${ms(base.sat, 50)} / ${ms(base.sat, 99)}; ${base.sat.cpu}`,
      'gateway saturation ÷ baseline (target ≥ 0.5)': fmt(ratio, 2),
      'gateway RSS idle, registered (MB)': fmt(idleRss, 1),
      'gateway RSS all connected (MB)': `${fmt(run.connectedRss.rss, 1)} (${fmt(run.connectedRss.anon, 1)} private)`,
      'gateway RSS at the end / peak (MB)': `${fmt(endRss.rss, 1)} / ${fmt(peakRss, 1)}`,
      'gateway open fds, all connected': run.fds,
      'kiosk worker RSS (MB)': end.workerRssMb.map((x) => fmt(x, 0)).join(', '),
      // Other work on the machine skews every figure above; the load average shows if there was any.
      'machine load average (1 min) at start / end': `${loadAtStart} / ${loadAvg()}`,
    },
    target: `≥ ${o.kiosks} kiosks held and every one acked; saturation ≥ 0.5 × the bare broker's`,
    pass: held >= o.kiosks && end.dropped === 0 && steadyUnacked === 0 && sat.unacked === 0 && ratio >= 0.5,
  };
}
