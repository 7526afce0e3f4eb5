/**
 * Real processes for tests, benchmarks and the scripts: the built gateway and kiosk agent under plain
 * `node`, their JSON log lines awaitable. Each can be killed for real (SIGKILL), as the crash tests do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { appendFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { tempDir } from './temp-dirs.js';

/** The repo root, whether this file runs from source (vitest) or from dist/ (benchmarks, scripts). */
function findRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) ? dir : findRoot(resolve(dir, '..'));
}
export const ROOT = findRoot(import.meta.dirname);
export const GATEWAY_ENTRY = join(ROOT, 'dist/gateway/src/server.js');
export const AGENT_ENTRY = join(ROOT, 'dist/device/src/main.js');
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** Set by the suite's global setup: a folder where every LoggedProcess keeps a copy of its stdout and stderr. */
export const PROCESS_LOGS_ENV = 'LB_TEST_PROCESS_LOGS';

/** A TCP port that was free a moment ago (for processes that must come back on the same port). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

export type LogLine = Record<string, unknown> & { msg?: string };

/** A spawned node process whose stdout is pino JSON; lets tests await log lines. */
export class LoggedProcess {
  readonly lines: LogLine[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<number | null>;
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    // The test suite's secret scan (test/support/log-scan.ts) reads what every process wrote.
    const keep = process.env[PROCESS_LOGS_ENV]
      ? join(process.env[PROCESS_LOGS_ENV], `${name.replace(/[^\w.-]+/g, '_')}-${child.pid}`)
      : undefined;
    if (keep) child.stderr?.on('data', (d: Buffer) => appendFileSync(`${keep}.err`, d));
    createInterface({ input: child.stdout! }).on('line', (text) => {
      if (keep) appendFileSync(`${keep}.out`, `${text}\n`);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text };
      }
      this.lines.push(line);
      this.waiters = this.waiters.filter((w) => (w.match(line) ? (w.resolve(line), false) : true));
    });
    child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
  }

  /** Resolves with the first past or future log line that matches. */
  waitFor(match: (l: LogLine) => boolean, what: string, timeoutMs = 20_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no log line "${what}" within ${timeoutMs} ms. stderr: ${this.stderr.join('').slice(-2000)}`)),
        timeoutMs,
      );
      this.waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolveLine(l)) });
    });
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  /** Neither exited nor killed by a signal. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await this.exited;
  }
}

export interface Gateway {
  proc: LoggedProcess;
  httpPort: number;
  mqttPort: number | undefined;
  dataDir: string;
  // biome-ignore lint/suspicious/noExplicitAny: callers name the body type they expect; untyped by default for quick checks.
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export interface GatewayProcessOptions {
  dataDir?: string;
  httpPort?: number;
  mqttPort?: number;
  /** LB_DATABASE_URL: PostgreSQL instead of SQLite under `dataDir` (see postgres.ts). */
  databaseUrl?: string;
  /** An external broker instead of the embedded one: LB_MQTT_URL, _USERNAME, _PASSWORD, _CLIENT_ID, _SHARE_GROUP. */
  mqtt?: { url: string; username?: string; password?: string; clientId?: string; shareGroup?: string };
  /** LB_LOG_LEVEL (default info; debug adds a 'batch committed' line per committed batch). */
  logLevel?: string;
  /** Any other LB_* variables; they win over the options above. */
  env?: Record<string, string>;
  /** RLIMIT_NOFILE (soft and hard) of the gateway process: attack tests run it out of file descriptors. */
  fdLimit?: number;
  /** Flags for node itself, e.g. `--import` of a probe (LOOP_DELAY_PROBE). */
  nodeArgs?: string[];
  /** How long to wait for 'gateway ready' (default 20 s); tests starting several at once on busy cores wait longer. */
  readyTimeoutMs?: number;
}

/**
 * Preload (`nodeArgs: ['--import', LOOP_DELAY_PROBE]`) that measures the process's event-loop delay:
 * on SIGWINCH it prints `{"msg":"loop delay","maxMs":…}` — the longest block since the last report.
 */
export const LOOP_DELAY_PROBE = join(ROOT, 'scripts/lib/loop-delay-probe.mjs');

export async function startGateway(opts: GatewayProcessOptions = {}): Promise<Gateway> {
  const dataDir = opts.dataDir ?? tempDir('gw');
  const optional: Record<string, string | undefined> = {
    LB_DATABASE_URL: opts.databaseUrl,
    LB_MQTT_URL: opts.mqtt?.url,
    LB_MQTT_USERNAME: opts.mqtt?.username,
    LB_MQTT_PASSWORD: opts.mqtt?.password,
    LB_MQTT_CLIENT_ID: opts.mqtt?.clientId,
    LB_MQTT_SHARE_GROUP: opts.mqtt?.shareGroup,
  };
  const named = Object.fromEntries(Object.entries(optional).filter((e): e is [string, string] => e[1] !== undefined));
  // `ulimit -n` in the shell that then execs node: the same pid, with the lower limit (node raises soft to hard).
  const node = [...(opts.nodeArgs ?? []), GATEWAY_ENTRY];
  const [cmd, args]: [string, string[]] = opts.fdLimit
    ? ['/bin/sh', ['-c', `ulimit -n ${opts.fdLimit} && exec "$0" "$@"`, process.execPath, ...node]]
    : [process.execPath, node];
  const child = spawn(cmd, args, {
    env: {
      ...process.env,
      LB_DATA_DIR: dataDir,
      LB_ADMIN_TOKEN: ADMIN_TOKEN,
      LB_HTTP_HOST: '127.0.0.1',
      LB_HTTP_PORT: String(opts.httpPort ?? 0),
      LB_MQTT_PORT: String(opts.mqttPort ?? 0),
      LB_LOG_LEVEL: opts.logLevel ?? 'info',
      ...named,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = new LoggedProcess(opts.mqtt?.clientId ? `gateway ${opts.mqtt.clientId}` : 'gateway', child);
  const ready = await Promise.race([
    proc.waitFor((l) => l.msg === 'gateway ready', 'gateway ready', opts.readyTimeoutMs),
    proc.exited.then((code) => {
      throw new Error(`gateway exited with ${code}: ${proc.stderr.join('')}`);
    }),
  ]);
  const httpPort = ready.httpPort as number;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${httpPort}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return { proc, httpPort, mqttPort: (ready.mqttPort as number | null) ?? undefined, dataDir, api };
}

export async function registerKiosk(gw: Gateway, id: string, extra: Record<string, unknown> = {}) {
  const res = await gw.api('POST', '/api/v1/kiosks', { id, ...extra });
  if (res.status !== 201) throw new Error(`register ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.mqtt as { username: string; password: string };
}

export interface Agent {
  proc: LoggedProcess;
  dataDir: string;
  press(panel: string, button: 'good' | 'neutral' | 'bad'): void;
  send(command: string): void;
  /** Waits until `n` presses have been committed to the outbox by this process. */
  committed(n: number, timeoutMs?: number): Promise<void>;
}

export function startAgent(opts: {
  kioskId: string;
  password: string;
  mqttUrl: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** Flags for node itself (V8 flags such as --lite-mode are not allowed in NODE_OPTIONS). */
  nodeArgs?: string[];
  /** Arguments for the agent, e.g. `['--config', file]`. */
  args?: string[];
}): Agent {
  const dataDir = opts.dataDir ?? tempDir('kiosk');
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), AGENT_ENTRY, ...(opts.args ?? [])], {
    env: {
      ...process.env,
      LB_KIOSK_ID: opts.kioskId,
      LB_MQTT_URL: opts.mqttUrl,
      LB_MQTT_PASSWORD: opts.password,
      LB_DATA_DIR: dataDir,
      LB_BOARD: 'virtual',
      LB_LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const proc = new LoggedProcess(`agent ${opts.kioskId}`, child);
  const send = (command: string) => {
    if (child.stdin?.writable) child.stdin.write(`${command}\n`);
  };
  return {
    proc,
    dataDir,
    send,
    press: (panel, button) => send(`press ${panel} ${button}`),
    committed: async (n, timeoutMs = 20_000) => {
      let seen = 0;
      await proc.waitFor((l) => l.msg === 'press committed' && ++seen >= n, `${n} × press committed`, timeoutMs);
    },
  };
}

/** Polls `probe` until it returns a defined value; for state that only an API exposes. */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
