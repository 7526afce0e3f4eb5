/**
 * A TCP fault proxy on loopback, between kiosks and their MQTT broker, for chaos runs and tests.
 * It forwards bytes both ways until told to break the path:
 * - `cut()`         drops every open connection at once (both sides see the socket close);
 * - `down(ms)`      drops every connection and refuses new ones (accepted, then closed) for `ms`;
 * - `stall(ms)`     black hole: connections stay open (new ones are accepted) but nothing is forwarded
 *                   and what is sent is discarded; at the end those connections are dropped, as a NAT
 *                   or firewall that lost their state would (their byte streams are broken anyway);
 * - `delay(ms, by)` every chunk is held `by` ms (order kept) for `ms`.
 * Each fault restores itself after its duration (capped by `maxFaultMs`) or on `restore()`, and the
 * proxy stops itself after `maxLifetimeMs`, so a crashed test cannot leave it running.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export type ProxyMode = 'pass' | 'down' | 'stall' | 'delay';

export interface FaultProxyOptions {
  targetPort: number;
  targetHost?: string;
  /** 0 (default) = any free port; the chosen one is `port` after start(). */
  listenPort?: number;
  maxFaultMs?: number;
  maxLifetimeMs?: number;
}

interface Link {
  down: Socket;
  up?: Socket;
  /** Opened or used while stalled: dropped when the stall ends. */
  stalled: boolean;
  /** Chunks held back by a delay, per direction, in order. */
  queues: { toUp: Chunk[]; toDown: Chunk[] };
}

interface Chunk {
  data: Buffer;
  due: number;
}

export class FaultProxy {
  port = 0;
  mode: ProxyMode = 'pass';
  readonly stats = { connections: 0, closed: 0, refused: 0, discardedBytes: 0, delayedChunks: 0 };
  private server?: Server;
  private readonly links = new Set<Link>();
  private delayMs = 0;
  private restoreTimer?: NodeJS.Timeout;
  private lifetimeTimer?: NodeJS.Timeout;
  private readonly maxFaultMs: number;

  constructor(private readonly opts: FaultProxyOptions) {
    this.maxFaultMs = opts.maxFaultMs ?? 60_000;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    server.listen(this.opts.listenPort ?? 0, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as { port: number }).port;
    this.lifetimeTimer = setTimeout(() => void this.stop(), this.opts.maxLifetimeMs ?? 3_600_000).unref();
  }

  get openConnections(): number {
    return this.links.size;
  }

  cut(): number {
    const n = this.links.size;
    for (const link of [...this.links]) this.drop(link);
    return n;
  }

  down(ms: number): void {
    this.begin('down', ms);
    this.cut();
  }

  stall(ms: number): void {
    this.begin('stall', ms);
    for (const link of this.links) link.stalled = true;
  }

  delay(ms: number, byMs: number): void {
    this.begin('delay', ms);
    this.delayMs = byMs;
  }

  /** Ends the current fault now. */
  restore(): void {
    clearTimeout(this.restoreTimer);
    this.restoreTimer = undefined;
    const was = this.mode;
    this.mode = 'pass';
    this.delayMs = 0;
    if (was === 'stall') for (const link of [...this.links]) if (link.stalled) this.drop(link);
  }

  async stop(): Promise<void> {
    this.restore();
    clearTimeout(this.lifetimeTimer);
    this.cut();
    if (this.server?.listening) {
      this.server.close();
      await once(this.server, 'close');
    }
  }

  private begin(mode: ProxyMode, ms: number): void {
    this.restore();
    this.mode = mode;
    this.restoreTimer = setTimeout(() => this.restore(), Math.min(Math.max(0, ms), this.maxFaultMs));
  }

  private accept(down: Socket): void {
    down.setNoDelay(true);
    if (this.mode === 'down') {
      this.stats.refused++;
      down.destroy();
      return;
    }
    this.stats.connections++;
    const link: Link = { down, stalled: this.mode === 'stall', queues: { toUp: [], toDown: [] } };
    this.links.add(link);
    down.on('error', () => this.drop(link));
    down.on('close', () => this.drop(link));
    down.on('data', (data) => this.forward(link, data, 'toUp'));
    if (!link.stalled) this.openUpstream(link);
  }

  private openUpstream(link: Link): void {
    const up = connect(this.opts.targetPort, this.opts.targetHost ?? '127.0.0.1');
    up.setNoDelay(true);
    link.up = up;
    up.on('error', () => this.drop(link));
    up.on('close', () => this.drop(link));
    up.on('data', (data) => this.forward(link, data, 'toDown'));
  }

  private forward(link: Link, data: Buffer, dir: 'toUp' | 'toDown'): void {
    if (link.stalled || this.mode === 'stall') {
      link.stalled = true;
      this.stats.discardedBytes += data.length;
      return;
    }
    if (dir === 'toUp' && !link.up) this.openUpstream(link); // was accepted during a stall, then restored: never reached
    const queue = link.queues[dir];
    if (this.delayMs === 0 && queue.length === 0) return void this.write(link, dir, data);
    this.stats.delayedChunks++;
    const due = Math.max(Date.now() + this.delayMs, queue.at(-1)?.due ?? 0);
    queue.push({ data, due });
    if (queue.length === 1) this.flushLater(link, dir);
  }

  private flushLater(link: Link, dir: 'toUp' | 'toDown'): void {
    const queue = link.queues[dir];
    const head = queue[0];
    if (!head) return;
    setTimeout(
      () => {
        if (!this.links.has(link)) return;
        while (queue.length > 0 && queue[0]!.due <= Date.now()) this.write(link, dir, queue.shift()!.data);
        this.flushLater(link, dir);
      },
      Math.max(0, head.due - Date.now()),
    );
  }

  private write(link: Link, dir: 'toUp' | 'toDown', data: Buffer): void {
    const target = dir === 'toUp' ? link.up : link.down;
    if (target && !target.destroyed) target.write(data);
  }

  private drop(link: Link): void {
    if (!this.links.delete(link)) return;
    this.stats.closed++;
    link.down.destroy();
    link.up?.destroy();
  }
}
