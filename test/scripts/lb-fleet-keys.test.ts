/**
 * `lb fleet` and `lb keys` as real processes against a real gateway: a kiosk shown online then offline,
 * filters, --watch ended by Ctrl-C, and a key's whole life (created, used, rotated, revoked).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Gateway, registerKiosk, startAgent, startGateway, until } from '../../scripts/lib/processes.js';
import { SECRET_SHAPE } from '../support/secret-scan.js';
import { lb, startLb } from '../../scripts/lib/lb-run.js';

let gw: Gateway;
let env: Record<string, string>;

beforeAll(async () => {
  gw = await startGateway();
  env = { LB_GATEWAY_URL: `http://127.0.0.1:${gw.httpPort}`, LB_API_KEY: ADMIN_TOKEN };
  for (const [id, name] of [
    ['north', 'North'],
    ['south', 'South'],
  ])
    expect((await gw.api('POST', '/api/v1/offices', { id, name, timeZone: 'UTC' })).status).toBe(201);
});
afterAll(async () => {
  await gw?.proc.kill();
});

type Row = { id: string; status: { payload: { state: string; board?: { connected: boolean } } } | null };
const fleetJson = async (args: string[] = [], e = env) => {
  const res = await lb(['--json', 'fleet', ...args], e);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  return JSON.parse(res.stdout) as Row[];
};

describe('lb fleet', () => {
  it('shows a kiosk online while its agent runs and offline after it stops; filters by office and state', async () => {
    const password = (await registerKiosk(gw, 'f-north-1', { officeId: 'north' })).password;
    await registerKiosk(gw, 'f-south-1', { officeId: 'south' });
    const agent = startAgent({ kioskId: 'f-north-1', password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}` });
    try {
      await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
      // The agent's first status (at connect) may precede its board's; wait for the one that has the board.
      const ready = (k: Row) => k.id === 'f-north-1' && k.status?.payload.board?.connected === true;
      await until(async () => ((await fleetJson(['--online'])).some(ready) ? true : undefined), 'f-north-1 online with its board');
      const table = await lb(['fleet'], env);
      expect(table.code).toBe(0);
      const lines = table.stdout.split('\n');
      expect(lines[0]).toMatch(/^kiosk\s+office\s+online\s+board\s+backlog\s+clock\s+version\s+last press\s+problems$/);
      expect(lines.find((l) => l.startsWith('f-north-1'))).toMatch(/^f-north-1\s+north\s+online.*\s+virtual\s+0\s+synced\s+\d/);
      expect(lines.find((l) => l.startsWith('f-south-1'))).toMatch(/^f-south-1\s+south\s+never seen/);
      expect(table.stdout).toMatch(/2 kiosks, 1 online, 1 offline/);
      expect((await fleetJson(['--office', 'south'])).map((k) => k.id)).toEqual(['f-south-1']);
      expect((await fleetJson(['--offline'])).map((k) => k.id)).toEqual(['f-south-1']);
    } finally {
      await agent.proc.kill('SIGTERM');
    }
    await until(async () => ((await fleetJson(['--offline'])).some((k) => k.id === 'f-north-1') ? true : undefined), 'f-north-1 offline');
    const after = await lb(['fleet', '--office', 'north'], env);
    expect(after.stdout.split('\n').find((l) => l.startsWith('f-north-1'))).toMatch(/^f-north-1\s+north\s+offline \d+s/);
  });

  it('--watch redraws until Ctrl-C, then exits 0', async () => {
    const watch = startLb(['fleet', '--watch', '0.5'], env);
    await watch.waitForOutput(/lb fleet — every 0.5 s[\s\S]*lb fleet — every 0.5 s/); // drawn twice
    watch.child.kill('SIGINT');
    const res = await watch.done;
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
  });

  it('bad input: one line, non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['--stale', 'soon'], /^lb: --stale: "soon" is not an age/],
      [['--online', '--offline'], /^lb: --online and --offline: give one of them$/],
      [['--watch', '0'], /^lb: --watch: "0" is not a number of seconds/],
    ];
    for (const [args, message] of cases) {
      const res = await lb(['fleet', ...args], env);
      expect(res.stderr.trim()).toMatch(message);
      expect(res.code).toBe(2);
    }
  });
});

describe('lb keys', () => {
  it('create (shown once) → used → listed → rotated (old refused) → revoked (refused)', async () => {
    const created = await lb(['keys', 'create', '--role', 'technician', '--office', 'north', '--name', 'field tech'], env);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^created key \S+ \(technician, scope: north, "field tech"\); the key, shown only now:\n/);
    const key = created.stdout.match(SECRET_SHAPE)![0];
    const id = created.stdout.match(/^created key (\S+)/)![1]!;

    // The technician key sees its office's kiosks only.
    await registerKiosk(gw, 'k-keys-north', { officeId: 'north' });
    await registerKiosk(gw, 'k-keys-south', { officeId: 'south' });
    const seen = (await fleetJson([], { ...env, LB_API_KEY: key })).map((k) => k.id);
    expect(seen).toContain('k-keys-north');
    expect(seen).not.toContain('k-keys-south');
    // … and may not manage keys: the role is named.
    const forbidden = await lb(['keys', 'list'], { ...env, LB_API_KEY: key });
    expect(forbidden.code).toBe(4);
    expect(forbidden.stderr).toMatch(/^lb: the key's role may not do this: .+\n$/);

    const list = await lb(['--json', 'keys', 'list'], env);
    const listed = JSON.parse(list.stdout) as { id: string; role: string; offices: string[] }[];
    expect(listed.find((k) => k.id === id)).toMatchObject({ role: 'technician', offices: ['north'] });
    expect(list.stdout.match(SECRET_SHAPE)).toBeNull(); // never a secret in a list

    const rotated = await lb(['--json', 'keys', 'rotate', id], env);
    expect(rotated.code).toBe(0);
    const newKey = JSON.parse(rotated.stdout).key as string;
    expect(newKey).not.toBe(key);
    const old = await lb(['fleet'], { ...env, LB_API_KEY: key });
    expect(old.stderr).toMatch(/^lb: the key was refused by the gateway/);
    expect(old.code).toBe(4);
    expect((await fleetJson([], { ...env, LB_API_KEY: newKey })).length).toBeGreaterThan(0);

    const revoked = await lb(['keys', 'revoke', id], env);
    expect(revoked.stdout).toBe(`revoked key ${id}: it no longer works\n`);
    expect((await lb(['fleet'], { ...env, LB_API_KEY: newKey })).code).toBe(4);
  });

  it('bad input: unknown role, unknown key id', async () => {
    const role = await lb(['keys', 'create', '--role', 'boss'], env);
    expect(role.stderr).toBe('lb: --role: "boss" is not one of admin, technician, manager, metrics, queue, reviewer, crm\n');
    expect(role.code).toBe(2);
    const missing = await lb(['keys', 'revoke', 'no-such-key'], env);
    expect(missing.stderr).toBe('lb: api key "no-such-key" not found\n');
    expect(missing.code).toBe(5);
  });
});
