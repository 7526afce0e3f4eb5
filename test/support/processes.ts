/**
 * Real processes for end-to-end tests: the built gateway and kiosk agent under plain `node`,
 * and an external Mosquitto. Each is killed for real (SIGKILL) by the crash tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { appendFileSync, mkdtempSync, writeFileSync, mkdirSync, chmodSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';

/** The repo root, whether this file runs from source (vitest) or from dist/ (benchmarks). */
function findRoot(dir: string): string {
  return existsSync(join(dir, 'package.json')) ? dir : findRoot(resolve(dir, '..'));
}
export const ROOT = findRoot(import.meta.dirname);
export const GATEWAY_ENTRY = join(ROOT, 'dist/gateway/src/server.js');
export const AGENT_ENTRY = join(ROOT, 'dist/device/src/main.js');
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** Set by the suite's global setup: a folder where every LoggedProcess keeps a copy of its stdout and stderr. */
export const PROCESS_LOGS_ENV = 'LB_TEST_PROCESS_LOGS';

const madeDirs: string[] = [];
/** A fresh `lb-<prefix>-…` folder in the temp dir, removed by removeTempDirs() or when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `lb-${prefix}-`));
  if (madeDirs.push(dir) === 1) process.once('exit', removeTempDirs);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

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

  constructor(readonly name: string, readonly child: ChildProcess) {
    // The suite's secret scan (test/support/log-scan.ts) reads what every process wrote.
    const keep = process.env[PROCESS_LOGS_ENV] ? join(process.env[PROCESS_LOGS_ENV], `${name.replace(/[^\w.-]+/g, '_')}-${child.pid}`) : undefined;
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
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export interface GatewayProcessOptions {
  dataDir?: string;
  httpPort?: number;
  mqttPort?: number;
  /** LB_DATABASE_URL: PostgreSQL instead of SQLite under `dataDir` (see test/support/postgres.ts). */
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
}

/**
 * Preload (`nodeArgs: ['--import', LOOP_DELAY_PROBE]`) that measures the process's event-loop delay:
 * on SIGWINCH it prints `{"msg":"loop delay","maxMs":…}` — the longest block since the last report.
 */
export const LOOP_DELAY_PROBE = join(ROOT, 'test/support/loop-delay-probe.mjs');

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
    proc.waitFor((l) => l.msg === 'gateway ready', 'gateway ready'),
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

export interface Mosquitto {
  port: number;
  /** The kiosks' listener when one was asked for (`kioskListener`), else `port`. */
  kioskPort: number;
  proc: ChildProcess;
  dir: string;
  addUser(username: string, password: string): Promise<void>;
  /** Adds many logins with one restart (a restart per kiosk is slow for a fleet). */
  addUsers(users: { username: string; password: string }[]): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

export interface MosquittoOptions {
  /**
   * A second listener for kiosks, as docs/gateway.md sets one up: `use_username_as_clientid true`, so a
   * kiosk's session is always its own login's. The gateways keep `port` (their own client ids).
   */
  kioskListener?: boolean;
  /** The kiosk listener speaks TLS (mqtts) with this certificate and key (PEM files). */
  tls?: { certFile: string; keyFile: string };
  /**
   * Logins and ACLs in Mosquitto's dynamic-security plugin instead of a password file: the gateway's
   * login is its admin (it manages kiosk logins, LB_MQTT_DYNSEC) with a role for the lb/v1 topics.
   */
  dynsec?: boolean;
}

async function run(cmd: string, args: string[]): Promise<void> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code}): ${err}`);
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const { connect } = await import('node:net');
  await until(
    () =>
      new Promise<true | undefined>((res) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), res(true)));
        s.once('error', () => res(undefined));
      }),
    `port ${port}`,
    timeoutMs,
  );
}

/** Where Debian (and most builds) put the dynamic-security plugin. */
function dynsecPlugin(): string {
  for (const dir of ['/usr/lib', '/usr/local/lib', ...['/usr/lib', '/usr/lib64'].flatMap((d) => (existsSync(d) ? readdirSync(d).map((x) => join(d, x)) : []))]) {
    const file = join(dir, 'mosquitto_dynamic_security.so');
    if (existsSync(file)) return file;
  }
  throw new Error('mosquitto_dynamic_security.so not found (Debian package mosquitto)');
}

/**
 * A real Mosquitto 2 with password file and per-kiosk ACL (a kiosk may write only its events/status
 * and read only its acks/config), or with the dynamic-security plugin (`dynsec`). Needs the
 * `mosquitto` binary (Debian package `mosquitto`, which also has mosquitto_passwd and mosquitto_ctrl).
 */
export async function startMosquitto(gateway: { username: string; password: string }, opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = tempDir('mosq');
  chmodSync(dir, 0o777);
  const port = await freePort();
  const kioskPort = opts.kioskListener || opts.tls ? await freePort() : port;
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  const dynsecFile = join(dir, 'dynamic-security.json');
  writeFileSync(passwd, '');
  writeFileSync(
    acl,
    [
      `user ${gateway.username}`,
      'topic readwrite lb/v1/#',
      '',
      'pattern write lb/v1/kiosks/%u/events',
      'pattern write lb/v1/kiosks/%u/status',
      'pattern read lb/v1/kiosks/%u/acks',
      'pattern read lb/v1/kiosks/%u/config',
      '',
    ].join('\n'),
  );
  mkdirSync(join(dir, 'db'), { recursive: true });
  chmodSync(join(dir, 'db'), 0o777);
  if (opts.dynsec) {
    await run('mosquitto_ctrl', ['dynsec', 'init', dynsecFile, gateway.username, gateway.password]);
    // The gateway's login is the dynsec admin (init); it also needs the lb/v1 topics. docs/gateway.md
    // does this with mosquitto_ctrl on the running broker; written into the file here (each
    // mosquitto_ctrl call takes a couple of seconds).
    const config = JSON.parse(readFileSync(dynsecFile, 'utf8'));
    const acls = ['publishClientSend', 'publishClientReceive', 'subscribePattern'].map((acltype) => ({ acltype, topic: 'lb/v1/#', allow: true }));
    config.roles.push({ rolename: 'lb-gateway', acls });
    config.clients.find((c: { username: string }) => c.username === gateway.username).roles.push({ rolename: 'lb-gateway' });
    writeFileSync(dynsecFile, JSON.stringify(config, null, 2));
    chmodSync(dynsecFile, 0o666);
  }
  const security = opts.dynsec
    ? [`plugin ${dynsecPlugin()}`, `plugin_opt_config_file ${dynsecFile}`]
    : [`password_file ${passwd}`, `acl_file ${acl}`];
  const kioskListener = kioskPort === port ? [] : [
    `listener ${kioskPort} 127.0.0.1`,
    'use_username_as_clientid true',
    ...(opts.tls ? [`certfile ${opts.tls.certFile}`, `keyfile ${opts.tls.keyFile}`] : []),
  ];
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      'per_listener_settings false',
      'allow_anonymous false',
      ...security,
      'persistence true',
      `persistence_location ${join(dir, 'db')}/`,
      // Default 1000 silently drops beyond; a kiosk backlog or an offline gateway must not lose acks.
      'max_queued_messages 0',
      'max_inflight_messages 0',
      // Nagle holds a large ack back until the previous write is acknowledged (up to 40 ms a round).
      'set_tcp_nodelay true',
      `listener ${port} 127.0.0.1`,
      ...kioskListener,
      '',
    ].join('\n'),
  );
  const mosq: Mosquitto = {
    port,
    kioskPort,
    dir,
    proc: undefined as unknown as ChildProcess,
    async addUser(username, password) {
      await mosq.addUsers([{ username, password }]);
    },
    async addUsers(users) {
      // One `mosquitto_passwd -U` over a plaintext file of the new logins: `-b` per login is a process
      // and a rewrite of the whole file each (about 10 s for 2 000 kiosks). `-U` would hash the already
      // hashed lines again, so only the new ones go through it; they replace a login of the same name.
      const latest = new Map(users.map((u) => [u.username, u.password]));
      if (latest.size > 0) {
        const fresh = join(dir, 'passwd.new');
        writeFileSync(fresh, [...latest].map(([u, p]) => `${u}:${p}\n`).join(''), { mode: 0o600 });
        await run('mosquitto_passwd', ['-U', fresh]);
        const kept = readFileSync(passwd, 'utf8').split('\n').filter((l) => l && !latest.has(l.slice(0, l.indexOf(':'))));
        const added = readFileSync(fresh, 'utf8').split('\n').filter(Boolean);
        rmSync(fresh);
        writeFileSync(passwd, [...kept, ...added].map((l) => `${l}\n`).join(''));
      }
      chmodSync(passwd, 0o644);
      // SIGHUP would reload the file but gives no signal when done: a clean restart can be awaited.
      if (mosq.proc && mosq.proc.exitCode === null && mosq.proc.signalCode === null) {
        await mosq.kill('SIGTERM');
        await mosq.restart();
      }
    },
    async kill(signal = 'SIGKILL') {
      if (mosq.proc.exitCode !== null || mosq.proc.signalCode !== null) return;
      mosq.proc.kill(signal);
      await once(mosq.proc, 'exit');
    },
    async restart() {
      mosq.proc = spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      // Mosquitto logs every connect and disconnect to stderr. Unread, the pipe fills after a few
      // thousand lines (a fleet connecting or leaving) and Mosquitto blocks in write(): every client
      // stalls and SIGTERM is never handled. So it is read and dropped.
      mosq.proc.stderr!.resume();
      await waitForPort(port);
      if (kioskPort !== port) await waitForPort(kioskPort);
    },
  };
  if (!opts.dynsec) await mosq.addUser(gateway.username, gateway.password);
  await mosq.restart();
  return mosq;
}
