/**
 * scripts/install.sh for real, into a throwaway root (`--root`, as an image build uses it): this checkout
 * installed as both services on a copy of this machine's /etc (plus a Pi's `gpio` group), then checked as
 * systemd would see it — `systemd-analyze verify` on the installed units, `security` printed — and run as
 * the units say: the installed gateway and kiosk agent, each as its own unprivileged user with only its state
 * directory writable, the agent's configuration handed over as systemd's LoadCredential= does; a press counted.
 * systemd itself does not run in this container (PID 1 is not systemd), so the sandbox options are checked
 * by `verify`, not enforced here: docs/install.md says what covers them.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, LoggedProcess, ROOT } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';

const INSTALL = join(ROOT, 'scripts/install.sh');
const UNITS = ['loyalty-button-kiosk.service', 'loyalty-button-gateway.service'];
const PREFIX = '/opt/loyalty-button';
const hostNode = execFileSync('sh', ['-c', 'command -v node'], { encoding: 'utf8' }).trim();

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
function install(root: string, args: string[], env: NodeJS.ProcessEnv = process.env, asUser?: number): Run {
  const cmd =
    asUser === undefined ? ['sh', INSTALL] : ['setpriv', `--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups', 'sh', INSTALL];
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), ...args, '--root', root], { env, encoding: 'utf8', timeout: 110_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A bare system to install into: this machine's users and groups, and a Pi's gpio group. */
function bareRoot(name: string): string {
  const root = tempDir(name);
  chmodSync(root, 0o755); // it stands for /: the services' users must be able to reach /opt
  mkdirSync(join(root, 'etc'));
  for (const f of ['passwd', 'group', 'shadow', 'gshadow']) copyFileSync(`/etc/${f}`, join(root, 'etc', f));
  writeFileSync(join(root, 'etc/group'), `${readFileSync(join(root, 'etc/group'), 'utf8')}gpio:x:997:\n`);
  return root;
}

function account(root: string, file: 'passwd' | 'group', name: string): string[] | undefined {
  return readFileSync(join(root, 'etc', file), 'utf8')
    .split('\n')
    .map((l) => l.split(':'))
    .find((f) => f[0] === name);
}

/** Everything installed outside node_modules: path, type, mode, owner, content hash or link target. */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = lstatSync(path);
      const what = st.isSymbolicLink()
        ? `-> ${readlinkSync(path)}`
        : st.isDirectory()
          ? 'dir'
          : createHash('sha256').update(readFileSync(path)).digest('hex');
      out.push(`${path.slice(root.length)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${what}`);
      if (st.isDirectory() && !path.endsWith('/node_modules')) walk(path);
    }
  };
  walk(root);
  // node_modules: its package folders (the pruned set), not every file
  out.push(...readdirSync(join(root, PREFIX, 'node_modules')).sort());
  return out;
}

/** A unit's `Key=value` lines (all values of repeated keys). */
function unitValues(text: string, key: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe('scripts/install.sh into a throwaway root', () => {
  let root: string;
  let first: Run;
  const provisioned = '{ "kioskId": "branch-1-desk-1" }\n';

  beforeAll(() => {
    root = bareRoot('install-root');
    // A kiosk configuration already there (a reinstall), left world-readable by mistake.
    mkdirSync(join(root, 'etc/loyalty-button'), { recursive: true });
    writeFileSync(join(root, 'etc/loyalty-button/kiosk.json'), provisioned, { mode: 0o644 });
    first = install(root, ['all']);
  }, 120_000);

  it('installs the release, the users, the configuration directory and the units', () => {
    expect(first.stderr).not.toMatch(/install\.sh:/);
    expect(first.status).toBe(0);
    for (const f of [
      'bin/lb',
      'bin/lb-kiosk',
      'dist/gateway/src/server.js',
      'dist/device/src/main.js',
      'node_modules/better-sqlite3',
      'package.json',
    ]) {
      expect(existsSync(join(root, PREFIX, f)), f).toBe(true);
    }
    // runtime dependencies only
    expect(existsSync(join(root, PREFIX, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(root, PREFIX, 'node_modules/typescript'))).toBe(false);
    // nothing in the release is writable by the services' users
    const bin = statSync(join(root, PREFIX, 'bin/lb-kiosk'));
    expect([bin.uid, bin.mode & 0o022]).toEqual([0, 0]);
    expect(readlinkSync(join(root, 'usr/local/bin/lb'))).toBe(`${PREFIX}/bin/lb`);

    const kiosk = account(root, 'passwd', 'lb-kiosk');
    const gateway = account(root, 'passwd', 'lb-gateway');
    expect(kiosk?.[6]).toBe('/usr/sbin/nologin');
    expect(gateway?.[6]).toBe('/usr/sbin/nologin');
    for (const group of ['dialout', 'gpio', 'loyalty-button'])
      expect(account(root, 'group', group)?.[3]?.split(','), group).toContain('lb-kiosk');
    expect(account(root, 'group', 'loyalty-button')?.[3]?.split(',')).toContain('lb-gateway');
    expect(account(root, 'group', 'dialout')?.[3]?.split(',')).not.toContain('lb-gateway');
    // only in the throwaway root, not on this machine
    expect(account('/', 'passwd', 'lb-kiosk')).toBeUndefined();
  });

  it('keeps the configuration directory group-readable and the secrets root-only', () => {
    const groupId = Number(account(root, 'group', 'loyalty-button')?.[2]);
    const conf = statSync(join(root, 'etc/loyalty-button'));
    expect([conf.mode & 0o7777, conf.uid, conf.gid]).toEqual([0o750, 0, groupId]);
    for (const secret of ['gateway.env', 'kiosk.json']) {
      const st = statSync(join(root, 'etc/loyalty-button', secret));
      expect([secret, st.mode & 0o7777, st.uid]).toEqual([secret, 0o600, 0]);
    }
    expect(readFileSync(join(root, 'etc/loyalty-button/kiosk.json'), 'utf8')).toBe(provisioned);
    // a fresh admin key, not a placeholder
    expect(readFileSync(join(root, 'etc/loyalty-button/gateway.env'), 'utf8')).toMatch(/^LB_ADMIN_TOKEN=[\w-]{43}$/m);
  });

  it('points the units at the installed release and enables them', () => {
    const kiosk = readFileSync(join(root, 'etc/systemd/system', UNITS[0]!), 'utf8');
    const gateway = readFileSync(join(root, 'etc/systemd/system', UNITS[1]!), 'utf8');
    expect(unitValues(kiosk, 'ExecStart')).toEqual([`${PREFIX}/bin/lb-kiosk --config %d/kiosk.json`]);
    expect(unitValues(gateway, 'ExecStart')).toEqual([`${hostNode} ${PREFIX}/dist/gateway/src/server.js`]);
    // bin/lb-kiosk finds this node on the unit's PATH
    const path = unitValues(kiosk, 'Environment').find((e) => e.startsWith('PATH='));
    expect(path?.slice(5).split(':')).toContain(dirname(hostNode));
    for (const unit of UNITS) {
      expect(readlinkSync(join(root, 'etc/systemd/system/multi-user.target.wants', unit))).toBe(`/etc/systemd/system/${unit}`);
    }
    expect(readlinkSync(join(root, 'etc/systemd/system/lb-gateway.service'))).toBe(`/etc/systemd/system/${UNITS[1]}`);
  });

  it('passes systemd-analyze verify as installed, and prints their security exposure', () => {
    // verify resolves the units' dependencies and ExecStart binaries inside the root: give it systemd's
    // own units and the node the gateway's unit names (a hard link, or a copy across file systems).
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(root, dirname(hostNode)), { recursive: true });
    try {
      linkSync(hostNode, join(root, hostNode));
    } catch {
      copyFileSync(hostNode, join(root, hostNode));
      chmodSync(join(root, hostNode), 0o755);
    }
    const verify = (...units: string[]) => spawnSync('systemd-analyze', ['verify', `--root=${root}`, ...units], { encoding: 'utf8' });
    const ok = verify(...UNITS);
    // verify exits 0 on an unknown or misspelt setting (it only warns): no output at all is the pass
    expect(`${ok.stdout}${ok.stderr}`).toBe('');
    expect(ok.status).toBe(0);

    // …and it does see a misspelt hardening option (the check above is not blind)
    const unit = readFileSync(join(root, 'etc/systemd/system', UNITS[0]!), 'utf8');
    writeFileSync(join(root, 'etc/systemd/system/typo-check.service'), unit.replace('ProtectSystem=strict', 'ProtectSytem=strict'));
    expect(verify('typo-check.service').stderr).toMatch(/Unknown key 'ProtectSytem'/);

    for (const u of UNITS) {
      const security = spawnSync('systemd-analyze', ['security', '--offline=yes', `--root=${root}`, u], { encoding: 'utf8' });
      const exposure = /Overall exposure level for \S+: ([\d.]+) (\w+)/.exec(security.stdout);
      console.log(`systemd-analyze security ${u}: ${exposure?.[1]} ${exposure?.[2]} (0 = most restricted, 10 = none)`);
      expect(Number(exposure?.[1])).toBeLessThan(3); // OK band; the printed figure is what matters
    }
  });

  it('runs the installed units: the gateway and the agent as their own users count a press', async () => {
    const kioskUnit = readFileSync(join(root, 'etc/systemd/system', UNITS[0]!), 'utf8');
    const gatewayUnit = readFileSync(join(root, 'etc/systemd/system', UNITS[1]!), 'utf8');
    const stateRoot = join(root, 'var/lib');
    /** What systemd does for a unit, minus the sandbox: User=, StateDirectory= (0700, owned by the user),
     * WorkingDirectory=, UMask=, Environment=/EnvironmentFile=, then ExecStart= with %S and %d expanded. */
    const start = (name: string, unit: string, extraEnv: Record<string, string>, credentials?: Record<string, string>) => {
      const user = account(root, 'passwd', unitValues(unit, 'User')[0]!)!;
      const [uid, gid] = [Number(user[2]), Number(user[3])];
      const state = join(stateRoot, unitValues(unit, 'StateDirectory')[0]!);
      mkdirSync(stateRoot, { recursive: true, mode: 0o755 });
      mkdirSync(state, { mode: 0o700 });
      chownSync(state, uid, gid);
      let creds = '';
      if (credentials) {
        mkdirSync(join(root, 'run/credentials'), { recursive: true, mode: 0o755 });
        creds = join(root, 'run/credentials', name.replaceAll(' ', '-'));
        mkdirSync(creds, { mode: 0o500 });
        for (const [file, source] of Object.entries(credentials)) {
          copyFileSync(join(root, source), join(creds, file));
          chmodSync(join(creds, file), 0o400);
          chownSync(join(creds, file), uid, gid);
        }
        chownSync(creds, uid, gid);
      }
      const expand = (s: string) => s.replaceAll('%S', stateRoot).replaceAll('%d', creds).replaceAll(PREFIX, join(root, PREFIX));
      const env: Record<string, string> = {};
      for (const e of unitValues(unit, 'Environment')) env[e.slice(0, e.indexOf('='))] = expand(e.slice(e.indexOf('=') + 1));
      const envFile = join(root, unitValues(unit, 'EnvironmentFile')[0]!.replace(/^-/, ''));
      if (existsSync(envFile)) {
        for (const line of readFileSync(envFile, 'utf8').split('\n')) {
          const m = /^(LB_\w+)=(.*)$/.exec(line);
          if (m) env[m[1]!] = m[2]!;
        }
      }
      const argv = expand(unitValues(unit, 'ExecStart')[0]!).split(' ');
      const umask = unitValues(unit, 'UMask')[0]!;
      const child = spawn(
        'setpriv',
        [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--no-new-privs', 'sh', '-c', `umask ${umask}; exec "$@"`, 'sh', ...argv],
        {
          cwd: expand(unitValues(unit, 'WorkingDirectory')[0]!),
          env: { PATH: process.env.PATH, ...env, ...extraEnv },
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      return { proc: new LoggedProcess(name, child), state, uid };
    };

    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const gw = start('installed gateway', gatewayUnit, {
      LB_HTTP_HOST: '127.0.0.1',
      LB_HTTP_PORT: String(httpPort),
      LB_MQTT_PORT: String(mqttPort),
    });
    const kioskId = 'branch-1-desk-1';
    let kiosk: ReturnType<typeof start> | undefined;
    try {
      await gw.proc.waitFor((l) => l.msg === 'gateway ready', 'gateway ready');
      const token = /^LB_ADMIN_TOKEN=(.*)$/m.exec(readFileSync(join(root, 'etc/loyalty-button/gateway.env'), 'utf8'))![1];
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/kiosks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: kioskId }),
      });
      expect(res.status).toBe(201);
      const { mqtt } = (await res.json()) as { mqtt: { password: string } };
      // what `lb provision` writes: the kiosk's configuration, root-only
      const config = { kioskId, mqtt: { url: `mqtt://127.0.0.1:${mqttPort}`, password: mqtt.password }, board: 'virtual' };
      writeFileSync(join(root, 'etc/loyalty-button/kiosk.json'), JSON.stringify(config), { mode: 0o600 });

      kiosk = start('installed kiosk', kioskUnit, {}, { 'kiosk.json': 'etc/loyalty-button/kiosk.json' });
      await kiosk.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
      kiosk.proc.child.stdin?.write('press desk good\n');
      await kiosk.proc.waitFor((l) => l.msg === 'press committed', 'press committed');
      // SIGTERM, as the unit stops it (KillMode=mixed: the agent alone): a clean stop within TimeoutStopSec
      const stoppedAt = Date.now();
      kiosk.proc.child.kill('SIGTERM');
      // the agent exits 0 after 'kiosk agent stopped'; the node launched through bin/lb-kiosk's exec is the process signalled
      expect(await kiosk.proc.exited).toBe(0);
      expect(kiosk.proc.count('kiosk agent stopped')).toBe(1);
      expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    } finally {
      await kiosk?.proc.kill();
      gw.proc.child.kill('SIGTERM');
      await gw.proc.exited;
    }
    expect(gw.proc.count('gateway stopped')).toBe(1);

    // The agent wrote only its state directory, as its own user, with the unit's umask; the gateway acked the press.
    const outbox = statSync(join(kiosk.state, 'outbox.db'));
    expect([outbox.uid, outbox.mode & 0o077]).toEqual([kiosk.uid, 0]);
    const db = new Database(join(kiosk.state, 'outbox.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT state, COUNT(*) AS n FROM events GROUP BY state').all()).toEqual([{ state: 'delivered', n: 1 }]);
    } finally {
      db.close();
    }
    expect(statSync(join(gw.state, 'gateway.db')).uid).toBe(gw.uid);
  }, 60_000);

  it('is idempotent: a second run leaves the same files, modes, users and configuration', () => {
    const before = snapshot(root);
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
    const again = install(root, ['all']);
    expect(again.status).toBe(0);
    expect(snapshot(root)).toEqual(before);
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toBe(passwd);
  }, 120_000);
});

describe('scripts/install.sh gateway --prefix /srv/lb --no-enable', () => {
  it('installs only the gateway, at that prefix, disabled', () => {
    const root = bareRoot('install-gateway');
    const r = install(root, ['gateway', '--prefix', '/srv/lb', '--no-enable']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/not enabled \(--no-enable\): systemctl enable --now loyalty-button-gateway\.service/);
    expect(existsSync(join(root, 'srv/lb/dist/gateway/src/server.js'))).toBe(true);
    expect(existsSync(join(root, PREFIX))).toBe(false);
    const unit = readFileSync(join(root, 'etc/systemd/system', UNITS[1]!), 'utf8');
    expect(unitValues(unit, 'ExecStart')).toEqual([`${hostNode} /srv/lb/dist/gateway/src/server.js`]);
    expect(unit).not.toContain(PREFIX);
    expect(readlinkSync(join(root, 'usr/local/bin/lb'))).toBe('/srv/lb/bin/lb');
    expect(existsSync(join(root, 'etc/systemd/system/multi-user.target.wants'))).toBe(false);
    expect(existsSync(join(root, 'etc/systemd/system', UNITS[0]!))).toBe(false);
    expect(account(root, 'passwd', 'lb-kiosk')).toBeUndefined();
    expect(account(root, 'passwd', 'lb-gateway')).toBeDefined();
  }, 120_000);
});

describe('scripts/install.sh refuses', () => {
  it('without root, before touching anything', () => {
    const root = bareRoot('install-nonroot');
    const before = readdirSync(root, { recursive: true });
    const r = install(root, ['kiosk'], process.env, 65534);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^install\.sh: run me as root/);
    expect(readdirSync(root, { recursive: true })).toEqual(before);
  });

  it.each(['v18.19.0', 'v20.18.1'])('with node %s, before touching anything', (version) => {
    const root = bareRoot('install-oldnode');
    const fakeBin = tempDir('install-fakenode');
    writeFileSync(join(fakeBin, 'node'), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    const before = readdirSync(root, { recursive: true });
    const r = install(root, ['gateway'], { ...process.env, PATH: `${fakeBin}:${process.env.PATH}` });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `install.sh: Node ${version} at ${fakeBin}/node is too old: Loyalty Button needs Node 20 (≥ 20.19) (docs/install.md)\n`,
    );
    expect(readdirSync(root, { recursive: true })).toEqual(before);
  });

  it('without a role, with usage', () => {
    const r = install(bareRoot('install-norole'), []);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/^usage: install\.sh kiosk\|gateway\|all/);
  });
});
