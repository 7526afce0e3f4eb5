/**
 * Load on one gateway (embedded aedes broker + SQLite, its own process): how many registered kiosks
 * it holds connected over real TCP MQTT, whether it still acks every one of them, the presses/s it
 * sustains at a steady fleet-wide rate and at saturation, ack latency (publish → application ack)
 * and its memory. The kiosks come from load-kiosks.ts, which only needs a broker URL and credentials.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { registerKiosk, startGateway, type Gateway } from '../test/support/processes.js';
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
async function measured(pid: number, run: () => Promise<PhaseResult>) {
  const c0 = cpuSeconds(pid);
  const q0 = runQueueSeconds(pid);
  const t0 = performance.now();
  const r = await run();
  const wall = (performance.now() - t0) / 1000;
  const cpu = `${fmt((cpuSeconds(pid) - c0) / wall, 2)} / ${fmt(r.cpuS / wall, 2)}; gateway waited for a CPU ${fmt((100 * (runQueueSeconds(pid) - q0)) / wall, 0)} % of the time`;
  return { ...r, cpu };
}

const ms = (r: PhaseResult, p: number) => fmt(percentile(r.latenciesMs, p), 1);

export async function benchLoad(o: LoadOptions): Promise<BenchResult> {
  const loadAtStart = loadAvg();
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const pid = gw.proc.child.pid!;
  let driver: KioskDriver | undefined;
  let peakRss = 0;
  const sampler = setInterval(() => {
    if (gw.proc.child.exitCode === null && gw.proc.child.signalCode === null) peakRss = Math.max(peakRss, memoryMb(pid).rss);
  }, 250);
  // If the gateway dies mid-run, say so (with its stderr) instead of waiting out every phase's drain.
  let stopping = false;
  const died = gw.proc.exited.then((code) => {
    if (!stopping) throw new Error(`gateway exited (${code ?? gw.proc.child.signalCode}) during the load run: ${gw.proc.stderr.join('').slice(-2000)}`);
  });
  died.catch(() => undefined);
  const alive = <T>(p: Promise<T>): Promise<T> => Promise.race([p, died.then(() => p)]);
  try {
    let t0 = performance.now();
    const creds = await alive(registerFleet(gw, o.kiosks));
    const registerS = (performance.now() - t0) / 1000;
    const idleRss = memoryMb(pid).rss;

    driver = await alive(KioskDriver.start({ url: `mqtt://127.0.0.1:${gw.mqttPort}`, kiosks: creds, workers: o.workers }));
    const connectedRss = memoryMb(pid);
    const fds = openFds(pid);

    const each = await alive(driver.pressEach(60_000));
    const steadyFigures: Record<string, string> = {};
    let steadyUnacked = 0;
    for (const rate of o.steadyRates) {
      const r = await alive(measured(pid, () => driver!.openLoop(rate, o.steadyS)));
      steadyUnacked += r.unacked;
      steadyFigures[`steady ${rate}/s (each kiosk every ${fmt(o.kiosks / rate, 1)} s), ${o.steadyS} s: acked/s, ack p50 / p99 / max`] =
        `${Math.round(r.ackedInWindow / r.seconds)}/s, ${ms(r, 50)} / ${ms(r, 99)} / ${ms(r, 100)} ms; unacked ${r.unacked}, rejected ${r.rejected}`;
      steadyFigures[`steady ${rate}/s: CPU cores, gateway / kiosk workers`] = r.cpu;
    }
    const sat = await alive(measured(pid, () => driver!.closedLoop(o.saturationS, Math.min(5, o.saturationS / 4))));
    const end = await driver.status();
    const endRss = memoryMb(pid);

    const held = Math.min(end.connected, each.kiosksAcked);
    const errors = Object.entries(driver.connect.errors).map(([k, v]) => `${v}× ${k}`).join('; ');
    return {
      name: 'load: one gateway (embedded broker, SQLite)',
      figures: {
        'kiosks registered (REST, 8 in flight)': `${o.kiosks} in ${fmt(registerS, 1)} s`,
        'kiosk worker processes': o.workers,
        'retained statuses (every kiosk every 30 s, as the agent), fleet-wide /s': Math.round(o.kiosks / 30),
        'kiosks connected (CONNACK + SUBACK)': `${driver.connect.connected} in ${fmt(driver.connect.seconds, 1)} s${driver.connect.failed ? `; ${driver.connect.failed} failed: ${errors}` : ''}`,
        'kiosks acked for one press each': `${each.kiosksAcked} (ack p50 ${ms(each, 50)} ms, p99 ${ms(each, 99)} ms with all pressing at once)`,
        'kiosks held (still connected at the end, none dropped)': `${end.connected} (dropped ${end.dropped})`,
        ...steadyFigures,
        [`saturation: acked presses/s (every kiosk 1 press in flight, ${o.saturationS} s)`]: Math.round(sat.ackedInWindow / sat.seconds),
        'saturation: ack latency p50 / p99 / max (ms)': `${ms(sat, 50)} / ${ms(sat, 99)} / ${ms(sat, 100)}`,
        'saturation: unacked after drain, rejected': `${sat.unacked}, ${sat.rejected}`,
        'saturation: CPU cores, gateway / kiosk workers': sat.cpu,
        'gateway RSS idle, registered (MB)': fmt(idleRss, 1),
        'gateway RSS all connected (MB)': `${fmt(connectedRss.rss, 1)} (${fmt(connectedRss.anon, 1)} private)`,
        'gateway RSS at the end / peak (MB)': `${fmt(endRss.rss, 1)} / ${fmt(peakRss, 1)}`,
        'gateway open fds, all connected': fds,
        'kiosk worker RSS (MB)': end.workerRssMb.map((x) => fmt(x, 0)).join(', '),
        // Other work on the machine skews every figure above; the load average shows if there was any.
        'machine load average (1 min) at start / end': `${loadAtStart} / ${loadAvg()}`,
      },
      target: `≥ ${o.kiosks} kiosks held and every one acked`,
      pass: held >= o.kiosks && end.dropped === 0 && steadyUnacked === 0 && sat.unacked === 0,
    };
  } finally {
    stopping = true;
    clearInterval(sampler);
    await driver?.close();
    await gw.proc.kill('SIGTERM');
  }
}
