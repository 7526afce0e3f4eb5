/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp dir, the server on a free loopback
 * port (its unix socket in the temp dir too, so nothing collides with a system cluster), fsync on
 * as in production, fast shutdown at the end. Needs the PostgreSQL server binaries (Debian package
 * `postgresql`; `.ci/run` installs it). As root everything runs as the unprivileged `postgres` OS
 * user through `runuser`, because initdb and postgres refuse to run as root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort, until } from './processes.js';
import { tempDir } from './temp-dirs.js';

export interface Postgres {
  /** The server's maintenance database (`postgres`), superuser `postgres`, no password (trust, loopback only). */
  url: string;
  /** Creates an empty database and returns its URL. A name is generated when none is given. */
  newDatabase(name?: string): Promise<string>;
  /** Fast shutdown (SIGINT: open transactions roll back, no recovery needed), then removes the cluster. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';

/** The directory holding initdb and postgres: `pg_config --bindir`, else the newest /usr/lib/postgresql/N/bin, else initdb's on PATH. */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  const cfg = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (cfg.status === 0 && cfg.stdout.trim()) candidates.push(cfg.stdout.trim());
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(root, v, 'bin')));
  }
  // Last: an initdb on PATH (a symlink such as /usr/local/bin/initdb leads to the real bin dir).
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) candidates.push(dirname(realpathSync(onPath.stdout.trim())));
  const found = candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
  if (!found) {
    throw new Error(
      `PostgreSQL server binaries not found (looked in ${candidates.join(', ') || 'pg_config --bindir and /usr/lib/postgresql/*/bin'}); ` +
        'install them with: apt-get install -y postgresql',
    );
  }
  return found;
}

const isRoot = () => process.getuid?.() === 0;

/** argv that runs `cmd` as the `postgres` OS user when we are root, as ourselves otherwise. */
function asOwner(cmd: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function ownerIds(): { uid: number; gid: number } {
  const out = spawnSync('id', ['postgres'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(out.stdout ?? '')?.[1];
  const gid = /gid=(\d+)/.exec(out.stdout ?? '')?.[1];
  if (out.status !== 0 || !uid || !gid) {
    throw new Error('running as root but there is no "postgres" OS user to run PostgreSQL as (apt-get install -y postgresql creates it)');
  }
  return { uid: Number(uid), gid: Number(gid) };
}

async function run(cmd: string, args: string[]): Promise<void> {
  const [c, a] = asOwner(cmd, args);
  const child = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code}): ${out.slice(-2000)}`);
}

/** Resolves once the server accepts a connection and answers a query (not a fixed sleep). */
async function waitUntilReady(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const exited = once(server, 'exit').then(([code, signal]) => {
    throw new Error(`postgres exited during start-up (${code ?? signal}): ${log().slice(-2000)}`);
  });
  exited.catch(() => undefined);
  const ready = until(
    async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    'PostgreSQL to accept connections',
    30_000,
  );
  await Promise.race([ready, exited]);
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBinDir();
  const dir = tempDir('pg');
  const data = join(dir, 'data');
  if (isRoot()) {
    const { uid, gid } = ownerIds();
    chownSync(dir, uid, gid);
  }
  await run(join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--locale=C', '-E', 'UTF8', '--auth=trust', '--no-instructions']);

  const port = await freePort();
  const [cmd, args] = asOwner(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    `unix_socket_directories=${dir}`,
  ]);
  const server = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let serverLog = '';
  server.stderr!.on('data', (d: Buffer) => {
    serverLog = (serverLog + d.toString()).slice(-20_000);
  });
  const serverExit = once(server, 'exit');
  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilReady(url, server, () => serverLog);
  } catch (err) {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    url,
    async newDatabase(name = `lb_${randomBytes(6).toString('hex')}`) {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a plain database name: "${name}"`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
      } finally {
        await client.end();
      }
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    stop() {
      stopped ??= (async () => {
        if (server.exitCode === null && server.signalCode === null) {
          // Signal the postmaster itself (runuser in between may not pass signals on as they are):
          // SIGINT is PostgreSQL's fast shutdown. Root may signal the postgres user's process.
          const pidFile = join(data, 'postmaster.pid');
          const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : NaN;
          if (Number.isInteger(pid) && pid > 0) {
            try {
              process.kill(pid, 'SIGINT');
            } catch {
              server.kill('SIGINT');
            }
          } else {
            server.kill('SIGINT');
          }
          // A shutdown stuck past this (it should take well under a second) becomes an immediate one.
          const timer = setTimeout(() => {
            if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGQUIT');
            server.kill('SIGKILL');
          }, 20_000);
          await serverExit;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
