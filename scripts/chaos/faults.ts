/**
 * The faults the chaos runner injects, each on real processes or a real network path, each lifted by
 * itself within `maxMs` (plus the time a restarted process takes to be ready). One at a time.
 */
import type { Gateway } from '../lib/processes.js';
import type { Mosquitto } from '../lib/mosquitto.js';
import type { FaultProxy } from '../fault-proxy.js';
import type { AgentKiosk } from '../fleet/agents.js';
import { CLOCK_FAULT_KINDS, clockFaultOffset, type ProtocolFleet } from '../fleet/fleet.js';
import type { Prng } from '../fleet/prng.js';
import type { SmallDisk } from './small-disk.js';

export const FAULT_KINDS = [
  'agent-kill',
  'gateway-kill',
  'mosquitto-kill',
  'net-cut',
  'net-down',
  'net-stall',
  'net-delay',
  'disk-full',
  'clock-jump',
  'agent-clock-jump',
  'board-unplug',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ChaosAgent {
  kiosk: AgentKiosk;
  disk?: SmallDisk;
}

export interface World {
  rng: Prng;
  gateway: Gateway;
  restartGateway(): Promise<void>;
  mosquitto?: Mosquitto;
  proxy: FaultProxy;
  fleet: ProtocolFleet;
  agents: ChaosAgent[];
}

export interface FaultOutcome {
  target: string;
  detail: string;
  /** When the fault began to be lifted (restart spawned, network restored); default: when the injector returned. */
  liftedAt?: number;
  /** For faults on one agent: how long until it was back (board connected after restart or replug). */
  agentBackMs?: number;
}

const HOUR = 3_600_000;
/** The proxy lifts a fault by itself this long after we meant to: only if this runner died meanwhile. */
const SAFETY_MS = 5000;

/**
 * Holds a proxy fault for a seeded 30–100 % of `maxMs`, then lifts it; the proxy is told a little longer,
 * so it lifts the fault itself should this process die. Returns the held time in ms.
 */
async function heldProxyFault(w: World, maxMs: number, start: (holdMs: number) => void): Promise<number> {
  const ms = w.rng.between(0.3, 1) * maxMs;
  start(ms + SAFETY_MS);
  await sleep(ms);
  w.proxy.restore();
  return Math.round(ms);
}
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Waits for a log line with `msg` written after `mark` (an index into the process's lines). */
async function lineAfter(agent: AgentKiosk, msg: string, mark: number, timeoutMs: number): Promise<void> {
  const proc = agent.proc!;
  await proc.waitFor((l) => l.msg === msg && proc.lines.indexOf(l) >= mark, `${agent.id}: ${msg}`, timeoutMs);
}

/** Log lines of an agent whose disk refused a write (a press held in memory, an ack not recorded). */
export function diskRefusals(agent: AgentKiosk): number {
  return agent.count('outbox commit failed; press held in memory') + agent.count('could not record an ack; the events will be resent');
}

function pickAgent(w: World, filter: (a: ChaosAgent) => boolean = () => true): ChaosAgent | undefined {
  const candidates = w.agents.filter((a) => a.kiosk.running && filter(a));
  return candidates.length ? w.rng.pick(candidates) : undefined;
}

/** Which kinds this world can inject. */
export function availableKinds(w: World): FaultKind[] {
  return FAULT_KINDS.filter((k) => {
    if (k === 'mosquitto-kill') return !!w.mosquitto;
    if (k === 'disk-full') return w.agents.some((a) => a.disk);
    if (k === 'agent-kill' || k === 'agent-clock-jump' || k === 'board-unplug') return w.agents.length > 0;
    return true;
  });
}

export const FAULTS: Record<FaultKind, (w: World, maxMs: number) => Promise<FaultOutcome>> = {
  async 'agent-kill'(w, maxMs) {
    const a = pickAgent(w);
    if (!a) return { target: '-', detail: 'no agent running' };
    await a.kiosk.kill();
    await sleep(w.rng.between(0, 0.3) * maxMs);
    const liftedAt = Date.now();
    const back = await a.kiosk.start({ clockOffsetMs: 0 });
    return { target: a.kiosk.id, detail: 'SIGKILL, restarted on the same data dir', liftedAt, agentBackMs: back };
  },

  async 'gateway-kill'(w, maxMs) {
    await w.gateway.proc.kill('SIGKILL');
    await sleep(w.rng.between(0.1, 0.6) * maxMs);
    const liftedAt = Date.now();
    await w.restartGateway();
    return { target: 'gateway', detail: 'SIGKILL, restarted on the same ports and data dir', liftedAt };
  },

  async 'mosquitto-kill'(w, maxMs) {
    await w.mosquitto!.kill('SIGKILL');
    await sleep(w.rng.between(0.1, 0.6) * maxMs);
    const liftedAt = Date.now();
    await w.mosquitto!.restart();
    return { target: 'mosquitto', detail: 'SIGKILL, restarted', liftedAt };
  },

  async 'net-cut'(w) {
    const n = w.proxy.cut();
    return { target: 'network', detail: `${n} connections dropped` };
  },

  async 'net-down'(w, maxMs) {
    const ms = await heldProxyFault(w, maxMs, (hold) => w.proxy.down(hold));
    return { target: 'network', detail: `connections refused for ${ms} ms` };
  },

  async 'net-stall'(w, maxMs) {
    const ms = await heldProxyFault(w, maxMs, (hold) => w.proxy.stall(hold));
    return { target: 'network', detail: `black hole for ${ms} ms` };
  },

  async 'net-delay'(w, maxMs) {
    let by = 0;
    const ms = await heldProxyFault(w, maxMs, (hold) => {
      by = Math.round(w.rng.between(20, 400));
      w.proxy.delay(hold, by);
    });
    return { target: 'network', detail: `+${by} ms each way for ${ms} ms` };
  },

  async 'disk-full'(w, maxMs) {
    const a = pickAgent(w, (x) => !!x.disk);
    if (!a) return { target: '-', detail: 'no agent on a small disk running' };
    const refusedBefore = diskRefusals(a.kiosk);
    const bytes = a.disk!.fill();
    // SQLite reuses its WAL in place, so a full disk bites only when a file must grow: half the time
    // the kiosk also crashes and restarts on the full disk (fresh WAL), as a kiosk rebooting would.
    const reboot = w.rng.chance(0.5);
    let back: number | undefined;
    if (reboot) {
      await a.kiosk.kill();
      back = await a.kiosk.start({ clockOffsetMs: 0 });
    }
    // A queue of customers meanwhile: the outbox must grow, or at least rewrite its WAL, to take them.
    for (let i = w.rng.int(10, 25); i > 0; i--) a.kiosk.press(w.rng.pick(['good', 'neutral', 'bad'] as const));
    await sleep(Math.max(w.rng.between(0.5, 1) * maxMs, 2000));
    a.disk!.free();
    const refused = diskRefusals(a.kiosk) - refusedBefore;
    return {
      target: a.kiosk.id,
      agentBackMs: back,
      detail: `disk filled (${Math.round(bytes / 1024)} KiB filler)${reboot ? ', agent SIGKILLed and restarted on it' : ''}; outbox writes refused: ${refused}`,
    };
  },

  async 'clock-jump'(w) {
    const kioskId = w.rng.pick(w.fleet.kioskIds);
    const kind = w.rng.pick(CLOCK_FAULT_KINDS);
    const presses = w.rng.int(3, 15);
    w.fleet.clockFault(kioskId, kind, presses, clockFaultOffset(kind, w.rng.next()));
    return { target: kioskId, detail: `${kind} for the next ${presses} presses` };
  },

  async 'agent-clock-jump'(w) {
    const a = pickAgent(w);
    if (!a) return { target: '-', detail: 'no agent running' };
    // Back (synced or not), a little ahead, or more than the gateway's 24 h skew while claiming sync.
    const choice = w.rng.int(0, 3);
    const offset = [
      -w.rng.between(2, 72) * HOUR,
      -w.rng.between(0.5, 3) * HOUR,
      w.rng.between(0.5, 12) * HOUR,
      w.rng.between(30, 60) * HOUR,
    ][choice]!;
    const synced = choice !== 0;
    await a.kiosk.stop();
    const liftedAt = Date.now();
    const back = await a.kiosk.start({ clockOffsetMs: Math.round(offset), clockSynced: synced });
    return {
      target: a.kiosk.id,
      detail: `restarted with its clock ${(offset / HOUR).toFixed(1)} h off, clockSynced ${synced}`,
      liftedAt,
      agentBackMs: back,
    };
  },

  async 'board-unplug'(w, maxMs) {
    const a = pickAgent(w);
    if (!a) return { target: '-', detail: 'no agent running' };
    const mark = a.kiosk.proc!.lines.length;
    a.kiosk.send('unplug');
    await lineAfter(a.kiosk, 'board disconnected', mark, 10_000);
    await sleep(w.rng.between(0.3, 1) * maxMs);
    const replugAt = Date.now();
    const mark2 = a.kiosk.proc!.lines.length;
    a.kiosk.send('replug');
    await lineAfter(a.kiosk, 'board connected', mark2, 15_000);
    return { target: a.kiosk.id, detail: 'virtual board unplugged and replugged', liftedAt: replugAt, agentBackMs: Date.now() - replugAt };
  },
};
