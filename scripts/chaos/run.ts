/**
 * One chaos run: a gateway (embedded broker, or an external Mosquitto), a fault proxy between every
 * kiosk and the broker, protocol kiosks replaying a seeded fleet plan plus full agents on virtual
 * boards, and randomised faults one after another while they press. At the end every fault is lifted,
 * the fleet settles, and the gateway is checked against the ledger (protocol kiosks: the simulator's;
 * agents: their own outboxes). Used by `npm run chaos` and by test/chaos/chaos.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { ADMIN_TOKEN, startGateway } from '../lib/processes.js';
import { tempDir } from '../lib/temp-dirs.js';
import { startMosquitto, type Mosquitto } from '../lib/mosquitto.js';
import { FaultProxy } from '../fault-proxy.js';
import { AgentKiosk } from '../fleet/agents.js';
import { AgentReplay } from '../fleet/agent-replay.js';
import { GatewayApi } from '../fleet/api.js';
import { ProtocolFleet } from '../fleet/fleet.js';
import { checkLedger, type KioskCheck } from '../fleet/ledger.js';
import { planFleet } from '../fleet/patterns.js';
import { Prng } from '../fleet/prng.js';
import { availableKinds, diskRefusals, FAULTS, sleep, type ChaosAgent, type FaultKind, type World } from './faults.js';
import { SmallDisk } from './small-disk.js';

export interface ChaosOptions {
  seed: number;
  faults: number;
  /** Real time the fleet presses for; faults are spread over it. */
  durationMs: number;
  kiosks: number;
  agents: number;
  broker: 'mosquitto' | 'embedded';
  /** Press-rate multiplier of the plan. */
  rate?: number;
  /** Longest hold of one fault (a restart adds its own start-up time). */
  maxFaultMs?: number;
  settleTimeoutMs?: number;
  /** Only these kinds (default every kind this machine can inject). */
  kinds?: FaultKind[];
  log?: (line: string) => void;
}

export interface FaultRecord {
  kind: FaultKind;
  target: string;
  detail: string;
  startedAt: number;
  endedAt: number;
  /** Agent faults: from the lift until the agent was back (board connected). */
  agentBackMs?: number;
  /** From the lift until every press made by then (by online protocol kiosks) was acked. */
  ackCatchUpMs: number;
  recoveryMs: number;
  error?: string;
}

export interface ChaosReport {
  seed: number;
  broker: string;
  faults: FaultRecord[];
  faultsByKind: Partial<Record<FaultKind, number>>;
  skippedKinds: string[];
  presses: number;
  stored: number;
  rejected: number;
  lost: number;
  duplicated: number;
  unknown: number;
  mismatches: KioskCheck[];
  maxRecoveryMs: number;
  maxRecoveryKind?: FaultKind;
  settleMs: number;
  settled: boolean;
  unexpectedExits: string[];
  diskRefusals: number;
  durationMs: number;
}

interface Rig {
  world: World;
  api: GatewayApi;
  teardown(): Promise<void>;
}

async function setUp(o: ChaosOptions, rng: Prng): Promise<Rig> {
  // Everything started is stopped again, in reverse order, at the end or if the set-up itself fails.
  const closers: (() => Promise<void> | void)[] = [];
  const teardown = async () => {
    for (const close of closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
  };
  try {
    let mosquitto: Mosquitto | undefined;
    const service = { username: 'lb-gateway', password: 'chaos-gateway-secret' };
    let env: Record<string, string> = {};
    if (o.broker === 'mosquitto') {
      const m = (mosquitto = await startMosquitto(service));
      closers.push(() => m.kill('SIGKILL'));
      env = { LB_MQTT_URL: `mqtt://127.0.0.1:${m.port}`, LB_MQTT_USERNAME: service.username, LB_MQTT_PASSWORD: service.password };
    }
    const first = await startGateway({ env });
    const world = { gateway: first } as World;
    closers.push(() => world.gateway.proc.kill('SIGKILL'));
    const ports = { httpPort: first.httpPort, ...(first.mqttPort ? { mqttPort: first.mqttPort } : {}) };
    const api = new GatewayApi(`http://127.0.0.1:${first.httpPort}`, ADMIN_TOKEN);
    const proxy = new FaultProxy({
      targetPort: mosquitto?.port ?? first.mqttPort!,
      maxFaultMs: 30_000,
      maxLifetimeMs: o.durationMs + 15 * 60_000,
    });
    await proxy.start();
    closers.push(() => proxy.stop());
    const mqttUrl = `mqtt://127.0.0.1:${proxy.port}`;

    const to = Date.now();
    const plan = planFleet({
      seed: o.seed,
      kiosks: o.kiosks + o.agents,
      idPrefix: `chaos${o.seed}-${to.toString(36)}-`,
      from: to - 3 * 86_400_000,
      to,
      rate: o.rate ?? 1,
      offlineChance: 0.3,
      misuseChance: 0.03,
    });
    const fleet = new ProtocolFleet({
      plan,
      api,
      mqttUrl,
      kioskIds: plan.kiosks.slice(0, o.kiosks).map((k) => k.id),
      retransmitMs: 2000,
      keepaliveS: 3,
    });
    closers.push(() => fleet.close());
    const logins = await fleet.register();
    const agents: ChaosAgent[] = [];
    for (const k of plan.kiosks.slice(o.kiosks)) {
      const password = await api.registerKiosk(k.id);
      logins.push({ username: k.id, password });
      const disk = agents.length === 0 ? SmallDisk.mount(16) : undefined; // one agent on a small disk, when allowed
      if (disk) closers.push(() => disk.unmount());
      const agent: ChaosAgent = { kiosk: new AgentKiosk(k.id, password, mqttUrl, disk?.dir ?? tempDir('chaos-kiosk')), disk };
      closers.push(() => agent.kiosk.kill());
      agents.push(agent);
    }
    await mosquitto?.addUsers(logins);
    await fleet.connect();
    await Promise.all(agents.map((a) => a.kiosk.start()));

    Object.assign(world, {
      rng,
      mosquitto,
      proxy,
      fleet,
      agents,
      async restartGateway() {
        world.gateway = await startGateway({ dataDir: first.dataDir, ...ports, env });
      },
    });
    return { world, api, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** Restarts whatever died without being told to (and says so: that is a finding, not a fault). */
async function reviveUnexpected(w: World, exits: string[]): Promise<void> {
  for (const a of w.agents) {
    if (a.kiosk.running || !a.kiosk.proc) continue;
    const fatal = a.kiosk.proc.lines.find((l) => l.msg === 'uncaught exception');
    exits.push(
      `${a.kiosk.id} exited (${a.kiosk.proc.child.exitCode ?? a.kiosk.proc.child.signalCode}): ${JSON.stringify(fatal?.err ?? a.kiosk.proc.stderr.join('').slice(-300))}`.slice(
        0,
        600,
      ),
    );
    a.disk?.free();
    await a.kiosk.start({ clockOffsetMs: 0 });
  }
  const mosq = w.mosquitto?.proc;
  if (mosq && (mosq.exitCode !== null || mosq.signalCode !== null)) {
    exits.push(`mosquitto exited (${mosq.exitCode ?? mosq.signalCode})`);
    await w.mosquitto!.restart();
  }
  if (!w.gateway.proc.running) {
    const { exitCode, signalCode } = w.gateway.proc.child;
    exits.push(`gateway exited (${exitCode ?? signalCode}): ${w.gateway.proc.stderr.join('').slice(-300)}`);
    await w.restartGateway();
  }
}

/** The kinds in a seeded order: every kind once first (so a short run covers them all), then at random. */
function schedule(kinds: FaultKind[], n: number, rng: Prng): FaultKind[] {
  const first = [...kinds];
  for (let i = first.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [first[i], first[j]] = [first[j]!, first[i]!];
  }
  return Array.from({ length: n }, (_, i) => (i < first.length ? first[i]! : rng.pick(kinds)));
}

async function injectAll(o: ChaosOptions, w: World, records: FaultRecord[], exits: string[], log: (l: string) => void): Promise<void> {
  const kinds = availableKinds(w).filter((k) => !o.kinds || o.kinds.includes(k));
  const plan = schedule(kinds, o.faults, w.rng);
  const gap = o.durationMs / Math.max(1, o.faults);
  const maxMs = Math.min(o.maxFaultMs ?? 3000, gap * 0.6);
  const start = Date.now();
  for (const [i, kind] of plan.entries()) {
    await sleep(start + i * gap + w.rng.between(0, gap * 0.3) - Date.now());
    await reviveUnexpected(w, exits);
    const startedAt = Date.now();
    try {
      const out = await FAULTS[kind](w, maxMs);
      const { liftedAt, agentBackMs, ...rest } = out;
      records.push({
        kind,
        ...rest,
        startedAt,
        endedAt: liftedAt ?? Date.now(),
        agentBackMs,
        ackCatchUpMs: 0,
        recoveryMs: agentBackMs ?? 0,
      });
      log(`  fault ${i + 1}/${plan.length} ${kind} → ${out.target}: ${out.detail}`);
    } catch (err) {
      records.push({
        kind,
        target: '?',
        detail: 'failed',
        startedAt,
        endedAt: Date.now(),
        ackCatchUpMs: 0,
        recoveryMs: 0,
        error: String(err),
      });
      log(`  fault ${i + 1}/${plan.length} ${kind} FAILED: ${String(err).slice(0, 300)}`);
    }
  }
}

/**
 * Recovery after a fault: from the moment it began to be lifted (restart spawned, network restored)
 * until every event a protocol kiosk had released by then was acked (kiosks in a planned offline
 * period aside), or until the agent hit was back, whichever is longer.
 */
function measureRecoveries(fleet: ProtocolFleet, records: FaultRecord[]): void {
  const kioskOf = fleet.kioskOf();
  for (const r of records) {
    let worst = 0;
    for (const [id, releasedAt] of fleet.releasedAt) {
      const settledAt = fleet.settledAt.get(id);
      if (releasedAt > r.endedAt || settledAt === undefined || settledAt <= r.endedAt) continue;
      if (fleet.wasOffline(kioskOf.get(id)!, r.endedAt, settledAt)) continue;
      worst = Math.max(worst, settledAt - r.endedAt);
    }
    r.ackCatchUpMs = worst;
    r.recoveryMs = Math.max(worst, r.agentBackMs ?? 0);
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => undefined);
  const rng = new Prng(o.seed);
  const began = Date.now();
  const rig = await setUp(o, rng.fork('faults'));
  const w = rig.world;
  const records: FaultRecord[] = [];
  const exits: string[] = [];
  try {
    const kinds = availableKinds(w).filter((k) => !o.kinds || o.kinds.includes(k));
    const skippedKinds = [
      ...(w.mosquitto ? [] : ['mosquitto-kill (embedded broker: a gateway kill is the broker kill)']),
      ...(w.agents.some((a) => a.disk)
        ? []
        : [w.agents.length ? 'disk-full (needs root to mount a small tmpfs)' : 'agent faults (no agents)']),
    ];
    log(
      `chaos: seed ${o.seed}, ${o.broker} broker, ${o.kiosks} protocol kiosks + ${o.agents} agents, ${o.faults} faults over ${Math.round(o.durationMs / 1000)} s; kinds: ${kinds.join(', ')}`,
    );
    const { plan } = w.fleet;
    const replay = new AgentReplay(
      plan,
      w.agents.map((a) => a.kiosk),
      o.durationMs,
      3,
    );
    const pressing = w.fleet.replay(o.durationMs, (f) => replay.release(plan.from + f * (plan.to - plan.from)));
    await Promise.all([pressing, injectAll(o, w, records, exits, log)]);

    w.proxy.restore();
    for (const a of w.agents) a.disk?.free();
    await reviveUnexpected(w, exits);
    const settleStart = Date.now();
    const settleTimeoutMs = o.settleTimeoutMs ?? 120_000;
    const fleetOk = await w.fleet.settle(settleTimeoutMs);
    const agentsOk = (await Promise.all(w.agents.map((a) => a.kiosk.delivered(rig.api, settleTimeoutMs)))).every(Boolean);
    const settleMs = Date.now() - settleStart;
    let refusals = 0;
    for (const a of w.agents) {
      await a.kiosk.stop();
      w.fleet.ledger.set(a.kiosk.id, a.kiosk.readOutbox());
      refusals += diskRefusals(a.kiosk);
    }
    measureRecoveries(w.fleet, records);
    const checks = await checkLedger(rig.api, w.fleet.ledger);
    const totals = w.fleet.ledger.totals();
    const sum = (f: (c: KioskCheck) => number) => checks.reduce((n, c) => n + f(c), 0);
    const worst = records.reduce<FaultRecord | undefined>((m, r) => (!m || r.recoveryMs > m.recoveryMs ? r : m), undefined);
    const faultsByKind: Partial<Record<FaultKind, number>> = {};
    for (const r of records) if (!r.error) faultsByKind[r.kind] = (faultsByKind[r.kind] ?? 0) + 1;
    return {
      seed: o.seed,
      broker: o.broker,
      faults: records,
      faultsByKind,
      skippedKinds,
      presses: totals.events,
      stored: totals.stored,
      rejected: totals.rejected,
      lost: sum((c) => c.lost),
      duplicated: sum((c) => c.duplicated),
      unknown: sum((c) => c.unknown),
      mismatches: checks.filter((c) => c.problems.length > 0),
      maxRecoveryMs: worst?.recoveryMs ?? 0,
      maxRecoveryKind: worst?.kind,
      settleMs,
      settled: fleetOk && agentsOk,
      unexpectedExits: exits,
      diskRefusals: refusals,
      durationMs: Date.now() - began,
    };
  } finally {
    await rig.teardown();
  }
}

export function mosquittoAvailable(): boolean {
  return spawnSync('mosquitto', ['-h'], { timeout: 5000 }).error === undefined;
}

export function formatReport(r: ChaosReport): string[] {
  const kinds = Object.entries(r.faultsByKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const failed = r.faults.filter((f) => f.error).length;
  const byKind = new Map<string, number>();
  for (const f of r.faults) byKind.set(f.kind, Math.max(byKind.get(f.kind) ?? 0, f.recoveryMs));
  const lines = [
    `faults injected: ${r.faults.length - failed} (${kinds})${failed ? `; ${failed} failed to inject` : ''}`,
    ...(r.skippedKinds.length ? [`not injected: ${r.skippedKinds.join('; ')}`] : []),
    `presses: ${r.presses} (stored ${r.stored}, rejected as implausible ${r.rejected})`,
    `lost: ${r.lost}, duplicated: ${r.duplicated}, unknown to the ledger: ${r.unknown}, kiosks not matching: ${r.mismatches.length}`,
    `max recovery: ${(r.maxRecoveryMs / 1000).toFixed(2)} s (${r.maxRecoveryKind ?? '-'}); by kind: ${[...byKind].map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ')}`,
    `settled in ${(r.settleMs / 1000).toFixed(2)} s after the last fault${r.settled ? '' : ' (TIMED OUT)'}; outbox writes refused by a full disk: ${r.diskRefusals}; run took ${(r.durationMs / 1000).toFixed(0)} s`,
    ...r.unexpectedExits.map((e) => `UNEXPECTED EXIT: ${e}`),
    ...r.mismatches.slice(0, 20).map((c) => `MISMATCH ${c.kioskId}: ${c.problems.join('; ')}`),
  ];
  return lines;
}
