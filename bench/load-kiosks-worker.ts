/**
 * Child process of the load driver (load-kiosks.ts): holds its share of the wire kiosks and runs the
 * phases the parent asks for over IPC, replying with counts and raw ack latencies. Several of these
 * share the kiosks so that no single event loop (or fd table) carries all of them.
 */
import { WireKiosk } from './load-wire-kiosk.js';
import type { ConnectArgs, ConnectResult, PhaseResult, Request } from './load-kiosks.js';

let kiosks: WireKiosk[] = [];
/** Event id → performance.now() at publish, until its ack. */
const sentAt = new Map<string, number>();
/** The phase being measured: what it counts, and whether an ack makes the kiosk press again. */
interface Phase {
  cpu0: NodeJS.CpuUsage;
  t0: number;
  /** Presses sent and acks received before t0 + warmupMs are not measured. */
  warmupMs: number;
  windowEnd: number;
  closedLoop: boolean;
  pressed: number;
  acked: number;
  ackedInWindow: number;
  rejected: number;
  latencies: number[];
}
let phase: Phase | undefined;
let dropped = 0;
/** Keepalive pings and periodic statuses. */
let keepalive: NodeJS.Timeout | undefined;

function onAck(kiosk: WireKiosk, ids: string[], rejected: string[]): void {
  const now = performance.now();
  for (const id of [...ids, ...rejected]) {
    const t = sentAt.get(id);
    if (t === undefined) continue; // a duplicate ack
    sentAt.delete(id);
    if (!phase) continue;
    if (rejected.includes(id)) phase.rejected++;
    else phase.acked++;
    if (t >= phase.t0 + phase.warmupMs && t < phase.windowEnd) phase.latencies.push(now - t);
    if (now >= phase.t0 + phase.warmupMs && now < phase.windowEnd) phase.ackedInWindow++;
    if (phase.closedLoop && now < phase.windowEnd && kiosk.connected) press(kiosk);
  }
}

function press(k: WireKiosk): string {
  const t = performance.now();
  const id = k.press();
  sentAt.set(id, t);
  if (phase) phase.pressed++;
  return id;
}

async function connectAll(a: ConnectArgs): Promise<ConnectResult> {
  const url = new URL(a.url);
  const t0 = performance.now();
  const errors = new Map<string, number>();
  kiosks = a.kiosks.map(
    (c, i) =>
      new WireKiosk({
        host: url.hostname,
        port: Number(url.port || 1883),
        kioskId: c.id,
        password: c.password,
        prefix: a.prefix,
        keepaliveS: a.keepaliveS,
        ...(a.localAddresses.length ? { localAddress: a.localAddresses[(a.offset + i) % a.localAddresses.length] } : {}),
        onAck,
        onClose: () => dropped++,
      }),
  );
  let next = 0;
  let failed = 0;
  // A bounded number of handshakes in flight: a burst of thousands of SYNs overflows the listen backlog.
  const lane = async () => {
    while (next < kiosks.length) {
      const k = kiosks[next++]!;
      try {
        await k.connect(a.timeoutMs);
        // The next status at a random point of the interval: a fleet's statuses are spread out, not in step.
        k.lastStatus -= Math.random() * a.statusIntervalS * 1000;
      } catch (err) {
        failed++;
        const key = (err as Error).message.replace(k.id, '<kiosk>');
        errors.set(key, (errors.get(key) ?? 0) + 1);
      }
    }
  };
  // Starts now: the first kiosks must not time out while the rest are still connecting.
  keepalive = setInterval(() => {
    const now = performance.now();
    for (const k of kiosks) {
      if (!k.connected) continue;
      if (a.statusIntervalS > 0 && now - k.lastStatus >= a.statusIntervalS * 1000) k.status();
      else if (now - k.lastWrite >= (a.keepaliveS * 1000) / 2) k.ping();
    }
  }, 1000);
  await Promise.all(Array.from({ length: a.concurrency }, lane));
  return {
    connected: kiosks.filter((k) => k.connected).length,
    failed,
    errors: Object.fromEntries(errors),
    seconds: (performance.now() - t0) / 1000,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until every press sent so far is acked or `ms` passed. */
async function drain(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (sentAt.size > 0 && performance.now() < until) await sleep(20);
}

function finish(seconds: number): PhaseResult {
  const p = phase!;
  phase = undefined;
  const unacked = sentAt.size;
  const cpu = process.cpuUsage(p.cpu0);
  sentAt.clear(); // late acks of this phase must not count in the next one
  return {
    pressed: p.pressed,
    acked: p.acked,
    ackedInWindow: p.ackedInWindow,
    rejected: p.rejected,
    unacked,
    seconds,
    latenciesMs: p.latencies,
    connected: kiosks.filter((k) => k.connected).length,
    dropped,
    cpuS: (cpu.user + cpu.system) / 1e6,
  };
}

function start(closedLoop: boolean, seconds: number, warmupS = 0): void {
  const t0 = performance.now();
  phase = {
    cpu0: process.cpuUsage(),
    t0,
    warmupMs: warmupS * 1000,
    pressed: 0,
    acked: 0,
    ackedInWindow: 0,
    rejected: 0,
    latencies: [],
    closedLoop,
    windowEnd: t0 + seconds * 1000,
  };
}

const handlers = {
  connect: (a: ConnectArgs) => connectAll(a),

  /** Every connected kiosk presses once; resolves when all are acked (or after `timeoutMs`). */
  async pressEach(a: { timeoutMs: number }): Promise<PhaseResult & { kiosksAcked: number }> {
    start(false, a.timeoutMs / 1000);
    const t0 = performance.now();
    const ids = kiosks.filter((k) => k.connected).map(press);
    await drain(a.timeoutMs);
    // One press each: settled ids that were not rejected = kiosks the gateway served.
    const kiosksAcked = ids.filter((id) => !sentAt.has(id)).length - phase!.rejected;
    return { ...finish((performance.now() - t0) / 1000), kiosksAcked };
  },

  /** Presses at `rate` per second spread round-robin over the connected kiosks, for `seconds`. */
  async openLoop(a: { rate: number; seconds: number; drainMs: number }): Promise<PhaseResult> {
    start(false, a.seconds);
    const t0 = phase!.t0;
    let cursor = 0;
    let sent = 0;
    while (performance.now() - t0 < a.seconds * 1000) {
      const due = Math.floor((a.rate * (performance.now() - t0)) / 1000) - sent;
      for (let i = 0; i < due; i++) {
        for (let tries = 0; tries < kiosks.length; tries++) {
          const k = kiosks[cursor++ % kiosks.length]!;
          if (k.connected) {
            press(k);
            break;
          }
        }
        sent++;
      }
      await sleep(5);
    }
    await drain(a.drainMs);
    return finish(a.seconds);
  },

  /** Every connected kiosk keeps one press in flight (presses again on its ack) for `seconds`. */
  async closedLoop(a: { seconds: number; warmupS: number; drainMs: number }): Promise<PhaseResult> {
    start(true, a.seconds, a.warmupS);
    for (const k of kiosks) if (k.connected) press(k);
    await sleep(a.seconds * 1000);
    await drain(a.drainMs);
    return finish(a.seconds - a.warmupS);
  },

  async status() {
    return { connected: kiosks.filter((k) => k.connected).length, dropped, rssMb: process.memoryUsage().rss / 2 ** 20 };
  },

  async close() {
    clearInterval(keepalive);
    for (const k of kiosks) k.close();
    await sleep(200);
    setImmediate(() => process.exit(0));
    return {};
  },
};

// The parent is gone (crashed or killed): nobody reads our results, and the kiosks hold fds.
process.on('disconnect', () => process.exit(1));

process.on('message', (m: Request) => {
  const handler = handlers[m.cmd] as (args: unknown) => Promise<unknown>;
  handler(m.args).then(
    (result) => process.send!({ n: m.n, result }),
    (err: Error) => process.send!({ n: m.n, error: err.stack ?? err.message }),
  );
});
