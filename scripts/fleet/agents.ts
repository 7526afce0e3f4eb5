/**
 * Full kiosk agents (built `device/` entry, virtual board, johnny-five in the path) for the simulator
 * and the chaos runner. A kiosk's own SQLite outbox is its ledger: read after the agent has stopped.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Button } from '../../shared/src/index.js';
import { ROOT, startAgent, type Agent, type LoggedProcess } from '../lib/processes.js';
import { agentStatus, type GatewayApi } from './api.js';
import type { LedgerEntry } from './ledger.js';

/** Preload that shifts the agent's wall clock (Date) by LB_SIM_CLOCK_OFFSET_MS; see shifted-clock.ts. */
const SHIFTED_CLOCK = pathToFileURL(join(ROOT, 'dist/scripts/fleet/shifted-clock.js')).href;

export class AgentKiosk {
  /** Every process this kiosk has run, oldest first (restarts keep the data dir). */
  readonly generations: LoggedProcess[] = [];
  private agent?: Agent;
  clockOffsetMs = 0;

  constructor(
    readonly id: string,
    private readonly password: string,
    private readonly mqttUrl: string,
    readonly dataDir: string,
  ) {}

  get proc(): LoggedProcess | undefined {
    return this.agent?.proc;
  }

  get running(): boolean {
    return !!this.agent?.proc.running;
  }

  /** Starts (or restarts) the agent; resolves when its board is connected. */
  async start(opts: { clockOffsetMs?: number; clockSynced?: boolean } = {}): Promise<number> {
    const started = Date.now();
    this.clockOffsetMs = opts.clockOffsetMs ?? 0;
    const env: Record<string, string> = { LB_ACK_TIMEOUT_MS: '3000' };
    if (this.clockOffsetMs !== 0) {
      env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import=${SHIFTED_CLOCK}`.trim();
      env.LB_SIM_CLOCK_OFFSET_MS = String(this.clockOffsetMs);
    }
    if (opts.clockSynced !== undefined) env.LB_CLOCK_SYNCED = String(opts.clockSynced);
    this.agent = startAgent({ kioskId: this.id, password: this.password, mqttUrl: this.mqttUrl, dataDir: this.dataDir, env });
    this.generations.push(this.agent.proc);
    await Promise.race([
      this.agent.proc.waitFor((l) => l.msg === 'board connected', `${this.id} board connected`, 30_000),
      this.agent.proc.exited.then((code) => {
        throw new Error(`agent ${this.id} exited with ${code}: ${this.agent?.proc.stderr.join('').slice(-1000)}`);
      }),
    ]);
    return Date.now() - started;
  }

  press(button: Button, panel = 'desk'): boolean {
    if (!this.running) return false;
    this.agent!.press(panel, button);
    return true;
  }

  send(command: string): void {
    if (this.running) this.agent!.send(command);
  }

  async kill(): Promise<void> {
    await this.agent?.proc.kill('SIGKILL');
  }

  /** Graceful stop (SIGTERM): the agent flushes held presses and closes its outbox. */
  async stop(): Promise<void> {
    await this.agent?.proc.kill('SIGTERM');
  }

  maxLoggedSeq(): number {
    let max = 0;
    for (const p of this.generations) for (const l of p.lines) if (l.msg === 'press committed') max = Math.max(max, Number(l.seq));
    return max;
  }

  /** Lines with this message over all processes (e.g. disk refusals). */
  count(msg: string): number {
    return this.generations.reduce((n, p) => n + p.count(msg), 0);
  }

  /**
   * Waits until the gateway has everything the agent committed: its status reports nothing pending,
   * nothing held in memory, and the last seq this test saw committed. False on timeout.
   */
  async delivered(api: GatewayApi, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
      const k = await api.kiosk(this.id).catch(() => undefined); // the gateway may be restarting
      const out = k && agentStatus(k);
      if (out && out.pending === 0 && (out.memoryHeld ?? 0) === 0 && out.lastSeq >= this.maxLoggedSeq()) return true;
      await new Promise((r) => setTimeout(r, 200));
    }
    return false;
  }

  /** The outbox as a ledger (after stop): delivered or pending rows must be stored, rejected ones not. */
  readOutbox(): LedgerEntry[] {
    const db = new Database(join(this.dataDir, 'outbox.db'), { fileMustExist: true });
    try {
      const rows = db.prepare('SELECT seq, id, state, panel, button, at_ms, clock_synced FROM events ORDER BY seq').all() as {
        seq: number;
        id: string;
        state: string;
        panel: string;
        button: Button;
        at_ms: number;
        clock_synced: number;
      }[];
      return rows.map((r) => ({
        id: r.id,
        seq: r.seq,
        expect: r.state === 'rejected' ? 'rejected' : 'stored',
        press: { panel: r.panel, button: r.button, at: r.at_ms, clockSynced: r.clock_synced === 1 },
      }));
    } finally {
      db.close();
    }
  }
}
