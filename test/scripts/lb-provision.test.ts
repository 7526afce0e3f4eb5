/**
 * `lb provision` against a real gateway, then the real agent started with the config it wrote: a press is
 * stored once. Re-provisioning rotates (the old password is refused); bad input is one line and an exit code.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, freePort, type Gateway, startAgent, startGateway, until } from '../../scripts/lib/processes.js';
import { connect } from '../../scripts/lib/mqtt-kiosk.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';
import { SECRET_SHAPE } from '../support/secret-scan.js';
import { lb } from '../../scripts/lib/lb-run.js';

let gw: Gateway;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startGateway();
  env = { LB_GATEWAY_URL: `http://127.0.0.1:${gw.httpPort}`, LB_API_KEY: ADMIN_TOKEN };
  expect((await gw.api('POST', '/api/v1/offices', { id: 'branch-1', name: 'Branch 1', timeZone: 'UTC' })).status).toBe(201);
  expect((await gw.api('POST', '/api/v1/desks', { id: 'desk-7', officeId: 'branch-1', name: 'Desk 7' })).status).toBe(201);
});
afterAll(async () => {
  await gw?.proc.kill();
});

const configOf = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('lb provision', () => {
  it('registers, binds, writes a 0600 config and proves the login; the agent then gets a press stored once', async () => {
    const dir = tempDir('lb-prov');
    const config = join(dir, 'etc/kiosk.json');
    const res = await lb(
      [
        'provision',
        '--id',
        'k-prov-1',
        '--office',
        'branch-1',
        '--desk',
        'desk-7',
        '--config',
        config,
        '--board',
        'virtual',
        '--data-dir',
        join(dir, 'data'),
      ],
      env,
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/registered kiosk k-prov-1/);
    expect(res.stdout).toMatch(/panel desk scores for desk desk-7 in office branch-1/);
    expect(res.stdout).toMatch(/gateway heard it/);
    expect(res.stdout.match(SECRET_SHAPE)).toBeNull(); // the password is in the file, never on screen
    expect(statSync(config).mode & 0o777).toBe(0o600);
    const written = configOf(config);
    expect(written).toMatchObject({ kioskId: 'k-prov-1', mqtt: { url: `mqtt://127.0.0.1:${gw.mqttPort}`, username: 'k-prov-1' } });
    expect(written.mqtt.password).toMatch(SECRET_SHAPE);
    // The proof left the kiosk's status, not a press: nothing stored, nothing rejected.
    const kiosk = (await gw.api('GET', '/api/v1/kiosks/k-prov-1')).body;
    expect(kiosk.counters).toMatchObject({ received: 0, rejected: 0 });
    expect(kiosk.status.payload.state).toBe('offline');
    expect((await gw.api('GET', '/api/v1/kiosks/k-prov-1/bindings')).body.items).toEqual([
      expect.objectContaining({ panel: 'desk', officeId: 'branch-1', deskId: 'desk-7' }),
    ]);

    // The real agent with exactly that file (no LB_ overrides of the login).
    const agent = startAgent({
      kioskId: 'k-prov-1',
      password: '',
      mqttUrl: '',
      args: ['--config', config],
      env: { LB_KIOSK_ID: '', LB_MQTT_URL: '', LB_MQTT_PASSWORD: '', LB_DATA_DIR: '', LB_BOARD: '' },
    });
    try {
      await agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'mqtt connected');
      await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
      agent.press('desk', 'good');
      await agent.committed(1);
      const events = await until(async () => {
        const page = (await gw.api('GET', '/api/v1/kiosks/k-prov-1/events')).body;
        return page.items.length > 0 ? page.items : undefined;
      }, 'the press stored');
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ panel: 'desk', button: 'good' });
    } finally {
      await agent.proc.kill('SIGTERM');
    }
  });

  it('re-provisioning rotates the credentials: the old password is refused, the new one works', async () => {
    const dir = tempDir('lb-prov');
    const config = join(dir, 'kiosk.json');
    const args = ['provision', '--id', 'k-prov-2', '--office', 'branch-1', '--config', config, '--board', 'virtual', '--json'];
    const first = await lb(args, env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({
      kioskId: 'k-prov-2',
      registered: 'new',
      bindings: [{ panel: 'desk', officeId: 'branch-1' }],
    });
    const oldPassword = configOf(config).mqtt.password;

    const again = await lb(
      args.filter((a) => a !== '--json'),
      env,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already registered: rotated its credentials/);
    const newPassword = configOf(config).mqtt.password;
    expect(newPassword).not.toBe(oldPassword);

    const url = `mqtt://127.0.0.1:${gw.mqttPort}`;
    await expect(connect(url, { clientId: 'k-prov-2', username: 'k-prov-2', password: oldPassword })).rejects.toThrow(
      /Not authorized|Bad username or password/i,
    );
    const ok = await connect(url, { clientId: 'k-prov-2', username: 'k-prov-2', password: newPassword });
    await ok.endAsync();
  });

  it('refuses to overwrite the config of another kiosk without --force', async () => {
    const config = join(tempDir('lb-prov'), 'kiosk.json');
    writeFileSync(config, JSON.stringify({ kioskId: 'someone-else' }));
    const res = await lb(['provision', '--id', 'k-prov-3', '--config', config], env);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual([
      `lb: ${config} belongs to kiosk "someone-else", not "k-prov-3": give --force to overwrite it`,
    ]);
    expect(configOf(config)).toEqual({ kioskId: 'someone-else' });
    expect((await gw.api('GET', '/api/v1/kiosks/k-prov-3')).status).toBe(404); // nothing registered
  });

  it('bad input: one readable line and a non-zero exit, nothing registered', async () => {
    const config = join(tempDir('lb-prov'), 'kiosk.json');
    const cases: [string[], Record<string, string>, RegExp, number][] = [
      [
        ['--id', 'k-x'],
        { LB_GATEWAY_URL: `http://127.0.0.1:${await freePort()}` },
        /^lb: cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/,
        3,
      ],
      [['--id', 'k-x'], { LB_API_KEY: 'not-a-key' }, /^lb: the key was refused by the gateway/, 4],
      [['--id', 'k-x', '--office', 'nowhere'], {}, /^lb: --office: office "nowhere" does not exist$/, 2],
      [['--id', 'bad id!'], {}, /^lb: --id: "bad id!" is not a kiosk id/, 2],
      [['--id', 'k-x', '--desk', 'no-desk'], {}, /^lb: --desk: desk "no-desk" does not exist$/, 2],
      [['--id', 'k-x'], { LB_API_KEY: '' }, /^lb: no API key: give --key or set LB_API_KEY$/, 2],
    ];
    for (const [args, extra, message, code] of cases) {
      const res = await lb(['provision', '--config', config, ...args], { ...env, ...extra });
      expect(res.stderr.trim(), args.join(' ')).toMatch(message);
      expect(res.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(res.code, args.join(' ')).toBe(code);
    }
    expect((await gw.api('GET', '/api/v1/kiosks/k-x')).status).toBe(404);
    expect(() => statSync(config)).toThrow(/ENOENT/);
  });
});
