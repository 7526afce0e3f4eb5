/**
 * Scraping /metrics without the right to: a real gateway process refuses anonymous scrapes, guessed
 * keys (throttled like every API login: 429 after LB_HTTP_AUTH_FAILURES) and keys of other roles;
 * a `metrics` key scrapes and opens nothing else. The metrics show kiosk ids, so they are not public.
 */
import { afterEach, expect, it } from 'vitest';
import { ADMIN_TOKEN, registerKiosk, startGateway, type Gateway } from '../../scripts/lib/processes.js';

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
});

async function get(gw: Gateway, path: string, key?: string) {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});
  return { status: res.status, body: await res.text() };
}

it('refuses anonymous, guessed and other-role scrapes; a metrics key scrapes and reaches nothing else', async () => {
  const gw = await startGateway({ env: { LB_HTTP_AUTH_FAILURES: '5' } });
  gateways.push(gw);
  await registerKiosk(gw, 'k-secret-name');
  const make = async (role: string) => (await gw.api('POST', '/api/v1/api-keys', { name: role, role })).body.key as string;
  const metricsKey = await make('metrics');
  const technicianKey = await make('technician');

  const anonymous = await get(gw, '/metrics');
  expect(anonymous.status).toBe(401);
  expect(anonymous.body).not.toContain('k-secret-name');
  expect((await get(gw, '/metrics', technicianKey)).status).toBe(403);
  for (const path of ['/api/v1/kiosks', '/api/v1/dead-letters', '/api/v1/api-keys', '/api/v1/settings']) {
    expect((await get(gw, path, metricsKey)).status, path).toBe(403);
  }
  const ok = await get(gw, '/metrics', metricsKey);
  expect(ok.status).toBe(200);
  expect(ok.body).toContain('lb_kiosks{state="never_seen"} 1');
  expect((await get(gw, '/metrics', ADMIN_TOKEN)).status).toBe(200);

  // Guessing: five wrong keys, then even the right one waits (429) — a guesser cannot tell a hit.
  const guesses = await Promise.all(Array.from({ length: 5 }, (_, i) => get(gw, '/metrics', `guess-${i}-0123456789abcdef`)));
  expect(guesses.map((g) => g.status)).toEqual([401, 401, 401, 401, 401]);
  expect((await get(gw, '/metrics', metricsKey)).status).toBe(429);
  expect(gw.proc.lines.some((l) => JSON.stringify(l).includes(metricsKey))).toBe(false);
});

it('scrapes anonymously only when LB_METRICS_ANONYMOUS=true says so', async () => {
  const gw = await startGateway({ env: { LB_METRICS_ANONYMOUS: 'true' } });
  gateways.push(gw);
  const res = await get(gw, '/metrics');
  expect(res.status).toBe(200);
  expect(res.body).toMatch(/^lb_kiosks\{state="online"\} 0$/m);
});
