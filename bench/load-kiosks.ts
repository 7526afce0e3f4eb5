/**
 * Load driver: many protocol-level kiosks against one MQTT broker URL, whatever stands behind it
 * (the embedded broker here, Mosquitto + several gateways later). Kiosks are split over worker
 * processes (load-kiosks-worker.ts), each holding wire-level kiosks (load-wire-kiosk.ts); this side
 * only sends them phases and merges their counts and latencies.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export interface KioskCredential {
  id: string;
  password: string;
}

export interface DriverOptions {
  url: string;
  kiosks: KioskCredential[];
  /** Worker processes the kiosks are spread over. */
  workers: number;
  prefix?: string;
  /** The agent's keepalive (device/src/publisher.ts). */
  keepaliveS?: number;
  /** Retained status every this many seconds, as the agent does (default 30, its default); 0: on connect only. */
  statusIntervalS?: number;
  /** Handshakes in flight per worker. */
  connectConcurrency?: number;
  connectTimeoutMs?: number;
  /** Source addresses used round-robin (e.g. 127.0.0.2, 127.0.0.3) if one runs out of ephemeral ports. */
  localAddresses?: string[];
}

export interface ConnectArgs {
  url: string;
  kiosks: KioskCredential[];
  prefix: string;
  keepaliveS: number;
  statusIntervalS: number;
  concurrency: number;
  timeoutMs: number;
  localAddresses: string[];
  /** Index of this worker's first kiosk in the whole fleet (source addresses rotate fleet-wide). */
  offset: number;
}

export interface ConnectResult {
  connected: number;
  failed: number;
  errors: Record<string, number>;
  seconds: number;
}

export interface PhaseResult {
  pressed: number;
  acked: number;
  /** Acks received inside the measuring window (after warm-up, before the end). */
  ackedInWindow: number;
  rejected: number;
  /** Presses still without an ack after the drain. */
  unacked: number;
  /** Length of the measuring window. */
  seconds: number;
  latenciesMs: number[];
  connected: number;
  dropped: number;
  /** CPU seconds the driver's workers used during the phase (they share the machine with the gateway). */
  cpuS: number;
}

export type Request = { n: number; cmd: 'connect' | 'pressEach' | 'openLoop' | 'closedLoop' | 'status' | 'close'; args?: unknown };

type Reply = { n: number; result?: unknown; error?: string };

class Worker {
  private n = 0;
  private waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: Reply) => {
      const w = this.waiting.get(m.n);
      this.waiting.delete(m.n);
      if (m.error) w?.reject(new Error(`load worker ${child.pid}: ${m.error}`));
      else w?.resolve(m.result);
    });
    child.on('exit', (code) => {
      for (const w of this.waiting.values()) w.reject(new Error(`load worker ${child.pid} exited with ${code}`));
      this.waiting.clear();
    });
  }
  call<T>(cmd: Request['cmd'], args?: unknown): Promise<T> {
    const n = ++this.n;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(n, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ n, cmd, args } satisfies Request);
    });
  }
}

function merge(parts: PhaseResult[]): PhaseResult {
  const sum = (k: keyof PhaseResult) => parts.reduce((s, p) => s + (p[k] as number), 0);
  return {
    pressed: sum('pressed'),
    acked: sum('acked'),
    ackedInWindow: sum('ackedInWindow'),
    rejected: sum('rejected'),
    unacked: sum('unacked'),
    seconds: Math.max(...parts.map((p) => p.seconds)),
    latenciesMs: parts.flatMap((p) => p.latenciesMs).sort((a, b) => a - b),
    connected: sum('connected'),
    dropped: sum('dropped'),
    cpuS: sum('cpuS'),
  };
}

export class KioskDriver {
  private constructor(
    private readonly workers: Worker[],
    private readonly shares: number[],
    readonly connect: ConnectResult,
  ) {}

  /** Forks the workers and connects every kiosk; resolves once all handshakes succeeded or failed. */
  static async start(o: DriverOptions): Promise<KioskDriver> {
    const per = Math.ceil(o.kiosks.length / o.workers);
    const shares = Array.from({ length: o.workers }, (_, i) => ({
      offset: i * per,
      kiosks: o.kiosks.slice(i * per, (i + 1) * per),
    })).filter((s) => s.kiosks.length);
    const workers = shares.map(
      () => new Worker(fork(join(import.meta.dirname, 'load-kiosks-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
    );
    const results = await Promise.all(
      workers.map((w, i) =>
        w.call<ConnectResult>('connect', {
          url: o.url,
          kiosks: shares[i]!.kiosks,
          offset: shares[i]!.offset,
          prefix: o.prefix ?? 'lb/v1',
          keepaliveS: o.keepaliveS ?? 30,
          statusIntervalS: o.statusIntervalS ?? 30,
          concurrency: o.connectConcurrency ?? 64,
          timeoutMs: o.connectTimeoutMs ?? 30_000,
          localAddresses: o.localAddresses ?? [],
        } satisfies ConnectArgs),
      ),
    );
    const errors: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    const connect = {
      connected: results.reduce((s, r) => s + r.connected, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      errors,
      seconds: Math.max(...results.map((r) => r.seconds)),
    };
    return new KioskDriver(
      workers,
      shares.map((s) => s.kiosks.length),
      connect,
    );
  }

  get pids(): number[] {
    return this.workers.map((w) => w.child.pid!);
  }

  private async all<T>(cmd: Request['cmd'], args?: unknown): Promise<T[]> {
    return Promise.all(this.workers.map((w) => w.call<T>(cmd, args)));
  }

  /** Kiosks connected right now, and how many connections dropped since the start. */
  async status(): Promise<{ connected: number; dropped: number; workerRssMb: number[] }> {
    const s = await this.all<{ connected: number; dropped: number; rssMb: number }>('status');
    return {
      connected: s.reduce((a, x) => a + x.connected, 0),
      dropped: s.reduce((a, x) => a + x.dropped, 0),
      workerRssMb: s.map((x) => x.rssMb),
    };
  }

  /** Every connected kiosk presses once; `kiosksAcked` counts kiosks whose press the gateway acked. */
  async pressEach(timeoutMs: number): Promise<PhaseResult & { kiosksAcked: number }> {
    const parts = await this.all<PhaseResult & { kiosksAcked: number }>('pressEach', { timeoutMs });
    return { ...merge(parts), kiosksAcked: parts.reduce((s, p) => s + p.kiosksAcked, 0) };
  }

  /** `rate` presses/s over the whole fleet (each worker its share), one press per message. */
  async openLoop(rate: number, seconds: number, drainMs = 10_000): Promise<PhaseResult> {
    const total = this.shares.reduce((a, b) => a + b, 0);
    return merge(
      await Promise.all(
        this.workers.map((w, i) => w.call<PhaseResult>('openLoop', { rate: (rate * this.shares[i]!) / total, seconds, drainMs })),
      ),
    );
  }

  /** Every kiosk keeps one press in flight for `seconds`; throughput counted after `warmupS`. */
  async closedLoop(seconds: number, warmupS: number, drainMs = 20_000): Promise<PhaseResult> {
    return merge(await this.all<PhaseResult>('closedLoop', { seconds, warmupS, drainMs }));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.call('close')));
    await Promise.all(this.workers.map((w) => (w.child.exitCode === null ? new Promise((r) => w.child.once('exit', r)) : undefined)));
  }
}
