/**
 * Guessing API keys against a real gateway process from many connections at once. Failed attempts are
 * limited per source address: past the limit the source gets 429 — even with the right key, so a
 * guesser cannot tell a hit — while other sources go on working. Each failure is logged at info with
 * its source, never with the key. A weak LB_ADMIN_TOKEN is refused at start.
 */
import { request, Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from '../../scripts/lib/processes.js';

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
});

const CONNECTIONS = 50;
const ATTACK_MS = 2000;

/** GET with a key from a given local address (127.0.0.x: distinct sources on one machine). */
function get(port: number, key: string, agent: Agent, path = '/api/v1/kiosks'): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('limits failed logins per source, answers 429 even to the right key meanwhile, and logs failures without the key', async () => {
  const gw = await startGateway();
  gateways.push(gw);
  const attacker = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, localAddress: '127.0.0.1' });
  const bystander = new Agent({ keepAlive: true, localAddress: '127.0.0.2' });
  const guesses: string[] = [];
  const statuses = new Map<number, number>();
  const until = Date.now() + ATTACK_MS;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        const guess = randomBytes(32).toString('base64url');
        guesses.push(guess);
        const { status } = await get(gw.httpPort, guess, attacker);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const evaluated = statuses.get(401) ?? 0;
  console.log(
    `auth throttle: ${guesses.length} wrong keys in ${ATTACK_MS} ms over ${CONNECTIONS} connections: ` +
      `${evaluated} evaluated (401, ${(evaluated / (ATTACK_MS / 1000)).toFixed(0)}/s), ${statuses.get(429) ?? 0} refused (429)`,
  );

  expect(evaluated).toBeLessThanOrEqual(10);
  expect(statuses.get(429)).toBe(guesses.length - evaluated);
  // The right key from the throttled source: refused too, with the wait.
  const right = await get(gw.httpPort, ADMIN_TOKEN, attacker);
  expect(right.status).toBe(429);
  expect(Number(right.retryAfter)).toBeGreaterThan(0);
  // Another source is not affected.
  expect((await get(gw.httpPort, ADMIN_TOKEN, bystander)).status).toBe(200);
  expect((await get(gw.httpPort, 'wrong', bystander)).status).toBe(401);

  const failures = gw.proc.lines.filter((l) => l.msg === 'authentication failed');
  expect(failures.length).toBeGreaterThanOrEqual(evaluated);
  expect(failures[0]).toMatchObject({ level: 30, ip: '127.0.0.1' });
  const logged = gw.proc.lines.map((l) => JSON.stringify(l)).join('\n');
  expect(guesses.filter((g) => logged.includes(g))).toEqual([]);
  attacker.destroy();
  bystander.destroy();
}, 60_000);

it.each(['12345678', 'password-password', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'])(
  'refuses to start with the weak LB_ADMIN_TOKEN %s',
  async (token) => {
    const refused = await startGateway({ env: { LB_ADMIN_TOKEN: token } }).then(
      (g) => (gateways.push(g), 'started'),
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/exited with 2.*LB_ADMIN_TOKEN/s);
    expect(refused).not.toContain(token);
  },
);
