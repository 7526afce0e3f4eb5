/** `lb config set|show` against a real gateway and a running agent: a config accepted, one refused, each shown. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type Agent, type Gateway, registerKiosk, startAgent, startGateway } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';
import { lb } from '../../scripts/lib/lb-run.js';

let gw: Gateway;
let agent: Agent;
let env: Record<string, string>;
const dir = tempDir('lb-config');

beforeAll(async () => {
  gw = await startGateway();
  env = { LB_GATEWAY_URL: `http://127.0.0.1:${gw.httpPort}`, LB_API_KEY: ADMIN_TOKEN };
  const { password } = await registerKiosk(gw, 'k-conf');
  agent = startAgent({ kioskId: 'k-conf', password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}` });
  await agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'mqtt connected');
});
afterAll(async () => {
  await agent?.proc.kill('SIGTERM');
  await gw?.proc.kill();
});

const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

describe('lb config', () => {
  it('set --wait: the kiosk accepts a valid config; show says so', async () => {
    const panels = [{ id: 'hall', kind: 'office', pins: { good: 5, neutral: 6, bad: 7 }, pullup: true }];
    const res = await lb(['config', 'set', 'k-conf', '--panels-file', file('ok.json', panels), '--wait', '20'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/k-conf: config rev 1: accepted by the kiosk\n$/);
    await agent.proc.waitFor((l) => l.msg === 'config applied', 'config applied');
    const show = await lb(['--json', 'config', 'show', 'k-conf'], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: 'k-conf', config: { rev: 1, panels }, kiosk: { state: 'accepted', running: 1 } });
  });

  it('set --wait: a config the kiosk refuses (two buttons on one pin) is reported with its reason, exit 1', async () => {
    const clash = [{ id: 'hall', kind: 'office', pins: { good: 5, neutral: 5, bad: 7 } }];
    const res = await lb(['config', 'set', 'k-conf', '--panels-file', file('clash.json', clash), '--wait', '20'], env);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(
      /config rev 2: REFUSED by the kiosk \(panels\[0\]\.pins\.neutral: pin 5 is already used by panels\[0\]\.pins\.good\); it still runs rev 1/,
    );
    expect(res.stderr).toMatch(/^lb: the kiosk refused config rev 2: panels\[0\]\.pins\.neutral: pin 5 is already used/);
    const show = await lb(['config', 'show', 'k-conf'], env);
    expect(show.stdout).toMatch(/^k-conf: config rev 2: REFUSED by the kiosk/);
  });

  it('bad input: a file that is not JSON, a config the gateway refuses, an unknown kiosk', async () => {
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    const cases: [string[], RegExp, number][] = [
      [['set', 'k-conf', '--panels-file', join(dir, 'bad.json')], /^lb: --panels-file: .*bad\.json is not valid JSON/, 2],
      [['set', 'k-conf', '--panels-file', file('empty.json', [])], /^lb: .*panels/, 2],
      [['show', 'nobody'], /^lb: kiosk "nobody" is not registered$/, 5],
    ];
    for (const [args, message, code] of cases) {
      const res = await lb(['config', ...args], env);
      expect(res.stderr.trim()).toMatch(message);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.code).toBe(code);
    }
  });
});
