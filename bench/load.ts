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
  /** Steady phase: each kiosk presses on average once every this many seconds. */
  pressEveryS: number;
  steadyS: number;
  saturationS: number;
}

/** Registers through the API like an operator would (no batch endpoint), a few requests in flight. */
async function registerFleet(gw: Gateway, n: number): Promise<KioskCredential[]> {
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
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** Measures a phase: its result plus the gateway's CPU use (in cores) while it ran. */
async function measured(pid: number, run: () => Promise<PhaseResult>): Promise<PhaseResult & { gatewayCores: number; driverCores: number }> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  const r = await run();
  const wall = (performance.now() - t0) / 1000;
  return { ...r, gatewayCores: (cpuSeconds(pid) - c0) / wall, driverCores: r.cpuS / wall };
}

const ms = (r: PhaseResult, p: number) => fmt(percentile(r.latenciesMs, p), 1);

export async function benchLoad(o: LoadOptions): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const pid = gw.proc.child.pid!;
  let driver: KioskDriver | undefined;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryMb(pid).rss)), 250);
  try {
    let t0 = performance.now();
    const creds = await registerFleet(gw, o.kiosks);
    const registerS = (performance.now() - t0) / 1000;
    const idleRss = memoryMb(pid).rss;

    driver = await KioskDriver.start({ url: `mqtt://127.0.0.1:${gw.mqttPort}`, kiosks: creds, workers: o.workers });
    const connectedRss = memoryMb(pid);
    const fds = openFds(pid);

    const each = await driver.pressEach(60_000);
    const steadyRate = o.kiosks / o.pressEveryS;
    const steady = await measured(pid, () => driver!.openLoop(steadyRate, o.steadyS));
    const sat = await measured(pid, () => driver!.closedLoop(o.saturationS, Math.min(5, o.saturationS / 4)));
    const end = await driver.status();
    const endRss = memoryMb(pid);

    const held = Math.min(end.connected, each.kiosksAcked);
    const errors = Object.entries(driver.connect.errors).map(([k, v]) => `${v}× ${k}`).join('; ');
    return {
      name: 'load: one gateway (embedded broker, SQLite)',
      figures: {
        'kiosks registered (REST, 8 in flight)': `${o.kiosks} in ${fmt(registerS, 1)} s`,
        'kiosk worker processes': o.workers,
        'kiosks connected (CONNACK + SUBACK)': `${driver.connect.connected} in ${fmt(driver.connect.seconds, 1)} s${driver.connect.failed ? `; ${driver.connect.failed} failed: ${errors}` : ''}`,
        'kiosks acked for one press each': `${each.kiosksAcked} (ack p50 ${ms(each, 50)} ms, p99 ${ms(each, 99)} ms with all pressing at once)`,
        'kiosks held (still connected at the end, none dropped)': `${end.connected} (dropped ${end.dropped})`,
        'steady: offered presses/s (one press per message)': `${Math.round(steadyRate)} (each kiosk every ${o.pressEveryS} s on average) for ${o.steadyS} s`,
        'steady: acked presses/s': Math.round(steady.ackedInWindow / steady.seconds),
        'steady: ack latency p50 / p99 / max (ms)': `${ms(steady, 50)} / ${ms(steady, 99)} / ${ms(steady, 100)}`,
        'steady: unacked after drain, rejected': `${steady.unacked}, ${steady.rejected}`,
        'steady: CPU cores, gateway / kiosk workers': `${fmt(steady.gatewayCores, 2)} / ${fmt(steady.driverCores, 2)}`,
        'saturation: acked presses/s (every kiosk 1 press in flight)': Math.round(sat.ackedInWindow / sat.seconds),
        'saturation: ack latency p50 / p99 / max (ms)': `${ms(sat, 50)} / ${ms(sat, 99)} / ${ms(sat, 100)}`,
        'saturation: unacked after drain, rejected': `${sat.unacked}, ${sat.rejected}`,
        'saturation: CPU cores, gateway / kiosk workers': `${fmt(sat.gatewayCores, 2)} / ${fmt(sat.driverCores, 2)}`,
        'gateway RSS idle, registered (MB)': fmt(idleRss, 1),
        'gateway RSS all connected (MB)': `${fmt(connectedRss.rss, 1)} (${fmt(connectedRss.anon, 1)} private)`,
        'gateway RSS at the end / peak (MB)': `${fmt(endRss.rss, 1)} / ${fmt(peakRss, 1)}`,
        'gateway open fds, all connected': fds,
        'kiosk worker RSS (MB)': end.workerRssMb.map((x) => fmt(x, 0)).join(', '),
      },
      target: `≥ ${o.kiosks} kiosks held and every one acked`,
      pass: held >= o.kiosks && end.dropped === 0 && steady.unacked === 0 && sat.unacked === 0,
    };
  } finally {
    clearInterval(sampler);
    await driver?.close();
    await gw.proc.kill('SIGTERM');
  }
}
