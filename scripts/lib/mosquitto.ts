/** An external Mosquitto 2 for tests, benchmarks and the chaos run: a real broker with real logins. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, until } from './processes.js';
import { tempDir } from './temp-dirs.js';

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
  for (const dir of [
    '/usr/lib',
    '/usr/local/lib',
    ...['/usr/lib', '/usr/lib64'].flatMap((d) => (existsSync(d) ? readdirSync(d).map((x) => join(d, x)) : [])),
  ]) {
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
    const acls = ['publishClientSend', 'publishClientReceive', 'subscribePattern'].map((acltype) => ({
      acltype,
      topic: 'lb/v1/#',
      allow: true,
    }));
    config.roles.push({ rolename: 'lb-gateway', acls });
    config.clients.find((c: { username: string }) => c.username === gateway.username).roles.push({ rolename: 'lb-gateway' });
    writeFileSync(dynsecFile, JSON.stringify(config, null, 2));
    chmodSync(dynsecFile, 0o666);
  }
  const security = opts.dynsec
    ? [`plugin ${dynsecPlugin()}`, `plugin_opt_config_file ${dynsecFile}`]
    : [`password_file ${passwd}`, `acl_file ${acl}`];
  const kioskListener =
    kioskPort === port
      ? []
      : [
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
        const kept = readFileSync(passwd, 'utf8')
          .split('\n')
          .filter((l) => l && !latest.has(l.slice(0, l.indexOf(':'))));
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
