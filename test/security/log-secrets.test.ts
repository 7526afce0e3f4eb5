/**
 * No secret in any log: every path that handles one, driven through real gateway and agent processes at
 * the most verbose log level — the admin token from the environment and a generated one, API keys
 * created, rotated and revoked, kiosks registered and their passwords rotated, wrong and malformed API
 * keys, wrong MQTT logins, an agent with its password and one with a wrong one, the gateway's own login
 * on an external broker (right and wrong), a database URL with a password. Then everything those
 * processes wrote to stdout and stderr is searched for each secret's value and for the secrets' shape.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { connect } from '../gateway/helpers.js';
import { describeFindings, scanText } from '../support/secret-scan.js';
import { startAgent, startGateway, type Agent, type Gateway, type LoggedProcess } from '../../scripts/lib/processes.js';
import { startMosquitto, type Mosquitto } from '../../scripts/lib/mosquitto.js';

const secret = () => randomBytes(32).toString('base64url');
const processes: LoggedProcess[] = [];
const known: string[] = [];
let mosquitto: Mosquitto | undefined;
afterAll(async () => {
  await Promise.all(processes.map((p) => p.kill()));
  await mosquitto?.kill();
});

async function api(gw: Gateway, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1${path}`, {
    method,
    headers: { authorization: key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const refusedLogin = (url: string, username: string, password: string) =>
  connect(url, { clientId: username, username, password }).then(
    (c) => (c.end(true), 'connected'),
    () => 'refused',
  );

it('logs no password, token or key on any path that handles one', async () => {
  const adminToken = `${secret()}-admin`; // an operator's own token: not the generated shape, found by value
  known.push(adminToken);
  const gw = await startGateway({ logLevel: 'trace', env: { LB_ADMIN_TOKEN: adminToken } });
  processes.push(gw.proc);
  const admin = `Bearer ${adminToken}`;

  // API keys: created, used, rotated, revoked.
  const tech = (await api(gw, admin, 'POST', '/api-keys', { name: 'tech', role: 'technician' })).body;
  const manager = (await api(gw, admin, 'POST', '/api-keys', { name: 'manager', role: 'manager', offices: ['o'] })).body;
  const rotated = (await api(gw, admin, 'POST', `/api-keys/${tech.id}/rotate`)).body;
  known.push(tech.key, manager.key, rotated.key);
  expect((await api(gw, `Bearer ${rotated.key}`, 'GET', '/kiosks')).status).toBe(200);
  expect((await api(gw, admin, 'DELETE', `/api-keys/${manager.id}`)).status).toBe(204);

  // Kiosks: registered, password rotated.
  const k1 = (await api(gw, admin, 'POST', '/kiosks', { id: 'k-log-1' })).body.mqtt.password as string;
  const k2 = (await api(gw, admin, 'POST', '/kiosks', { id: 'k-log-2' })).body.mqtt.password as string;
  const k1b = (await api(gw, admin, 'POST', '/kiosks/k-log-1/credentials')).body.mqtt.password as string;
  known.push(k1, k2, k1b);

  // Wrong keys: unknown, revoked, malformed, another scheme.
  const wrong = [secret(), secret(), secret()];
  known.push(...wrong);
  const statuses = [
    await api(gw, `Bearer ${wrong[0]}`, 'GET', '/kiosks'),
    await api(gw, `Bearer ${manager.key}`, 'GET', '/settings'),
    await api(gw, `Bearer ${wrong[1]} ${wrong[2]}`, 'GET', '/kiosks'),
    await api(gw, `Basic ${Buffer.from(`admin:${wrong[1]}`).toString('base64')}`, 'GET', '/kiosks'),
  ].map((r) => r.status);
  expect(statuses).toEqual([401, 401, 401, 401]);

  // MQTT: wrong password, an unknown kiosk, another kiosk's password, the rotated-away password.
  const mqttUrl = `mqtt://127.0.0.1:${gw.mqttPort}`;
  const wrongMqtt = secret();
  known.push(wrongMqtt);
  expect([
    await refusedLogin(mqttUrl, 'k-log-1', wrongMqtt),
    await refusedLogin(mqttUrl, 'k-nobody', wrongMqtt),
    await refusedLogin(mqttUrl, 'k-log-2', k1b),
    await refusedLogin(mqttUrl, 'k-log-1', k1),
  ]).toEqual(['refused', 'refused', 'refused', 'refused']);

  // Agents: one with its password presses and is acked; one with a wrong password keeps failing to log in.
  const good: Agent = startAgent({ kioskId: 'k-log-1', password: k1b, mqttUrl, env: { LB_LOG_LEVEL: 'trace' } });
  const bad: Agent = startAgent({ kioskId: 'k-log-2', password: wrongMqtt, mqttUrl, env: { LB_LOG_LEVEL: 'trace' } });
  processes.push(good.proc, bad.proc);
  await good.proc.waitFor((l) => l.msg === 'mqtt connected' || l.msg === 'connected', 'agent connected').catch(() => undefined);
  good.press('desk', 'good');
  await good.committed(1);
  await good.proc.waitFor((l) => /acked/.test(String(l.msg)), 'press acked', 20_000).catch(() => undefined);
  await bad.proc
    .waitFor((l) => l.level === 40 || l.level === 50 || /refused|not authorized|error/i.test(String(l.msg)), 'login refused', 20_000)
    .catch(() => undefined);
  // An agent given its password inside the broker URL (mqtt://user:password@host), which MQTT.js accepts.
  const k3 = (await api(gw, admin, 'POST', '/kiosks', { id: 'k-log-3' })).body.mqtt.password as string;
  known.push(k3);
  const inUrl: Agent = startAgent({
    kioskId: 'k-log-3',
    password: '',
    mqttUrl: `mqtt://k-log-3:${k3}@127.0.0.1:${gw.mqttPort}`,
    env: { LB_LOG_LEVEL: 'trace' },
  });
  processes.push(inUrl.proc);
  expect((await inUrl.proc.waitFor((l) => l.msg === 'mqtt connected', 'agent connected with the password in its URL')).url).toBe(
    `mqtt://k-log-3:redacted@127.0.0.1:${gw.mqttPort}`,
  );

  // A gateway without LB_ADMIN_TOKEN prints its generated key once, to stderr, for a person; never in the log.
  const fresh = await startGateway({ logLevel: 'trace', env: { LB_ADMIN_TOKEN: '' } });
  processes.push(fresh.proc);
  const generated = /shown only now, stored only as a hash\):\s+(\S+)/.exec(fresh.proc.stderr.join(''))?.[1];
  expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(fresh.proc.stderr.join('').split(generated!).length - 1).toBe(1);
  expect((await api(fresh, `Bearer ${generated}`, 'GET', '/kiosks')).status).toBe(200);
  known.push(generated!);

  // The gateway's own login on an external broker, right and wrong; a database URL with a password.
  const brokerPassword = secret();
  const wrongBrokerPassword = secret();
  const dbPassword = secret();
  known.push(brokerPassword, wrongBrokerPassword, dbPassword);
  mosquitto = await startMosquitto({ username: 'lb-gateway', password: brokerPassword });
  const external = await startGateway({
    logLevel: 'trace',
    mqtt: { url: `mqtt://127.0.0.1:${mosquitto.port}`, username: 'lb-gateway', password: brokerPassword },
  });
  processes.push(external.proc);
  const refusedBroker = await startGateway({
    logLevel: 'trace',
    mqtt: { url: `mqtt://127.0.0.1:${mosquitto.port}`, username: 'lb-gateway', password: wrongBrokerPassword },
  }).then(
    (g) => (processes.push(g.proc), 'started'),
    (err: Error) => err.message,
  );
  const refusedDb = await startGateway({ logLevel: 'trace', databaseUrl: `postgres://lb:${dbPassword}@127.0.0.1:1/lb` }).then(
    (g) => (processes.push(g.proc), 'started'),
    (err: Error) => err.message,
  );
  expect(refusedDb).toMatch(/exited with/);
  for (const message of [refusedBroker, refusedDb]) expect(known.filter((s) => message.includes(s))).toEqual([]);

  await Promise.all(processes.map((p) => p.kill('SIGTERM')));
  const written = processes.map((p) => ({
    name: p.name,
    text: `${p.lines.map((l) => JSON.stringify(l)).join('\n')}\n${p.stderr.join('')}`,
  }));
  const findings = written.flatMap((w) => scanText(w.name, w.text, known));
  console.log(
    `log secrets: ${processes.length} processes, ${written.reduce((n, w) => n + w.text.split('\n').length, 0)} lines, ` +
      `${known.length} secrets looked for, ${findings.length} found`,
  );
  expect(describeFindings(findings)).toBe('');
  // The scan did see the paths it was meant to: the failures were logged, without their keys.
  expect(gw.proc.lines.filter((l) => l.msg === 'authentication failed').length).toBeGreaterThanOrEqual(4);
}, 120_000);

it("finds what it looks for: a secret's shape, a known value, an unredacted field; not the bootstrap print", () => {
  const key = secret();
  const print = `\nGenerated the first admin API key (shown only now, stored only as a hash):\n\n  ${key}\n\nUse it as …`;
  expect(scanText('p', print)).toEqual([]);
  expect(scanText('p', `{"msg":"x","note":"${key}"}`).map((f) => f.what)).toEqual(['a 43-character base64url token']);
  expect(scanText('p', 'token=hunter2-but-longer', ['hunter2-but-longer']).map((f) => f.what)).toEqual(['a known secret']);
  expect(scanText('p', '{"mqtt":{"password":"pw"}}').map((f) => f.what)).toEqual(['the unredacted field mqtt.password']);
  expect(
    scanText('p', `{"req":{"headers":{"authorization":"[redacted]"}},"ulid":"01KA2B3C4D5E6F7G8H9J0KMNPQ","hash":"${'a'.repeat(64)}"}`),
  ).toEqual([]);
  // A report never repeats the secret it found.
  expect(JSON.stringify(scanText('p', `x ${key} y`))).not.toContain(key);
});
