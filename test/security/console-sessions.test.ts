/**
 * The console's sessions attacked through a real gateway process: a forged cross-site request (no CSRF
 * token, a wrong one, another origin), a stolen cookie replayed after sign-out, after expiry and after
 * its key was revoked or rotated, sign-in guessing, and a manager's session reaching past its scope.
 * The session token and its CSRF token must appear in no log line.
 */
import { afterEach, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from '../../scripts/lib/processes.js';
import { sleep } from './helpers.js';

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
});

async function start(env: Record<string, string> = {}): Promise<Gateway> {
  const gw = await startGateway({ logLevel: 'trace', env });
  gateways.push(gw);
  return gw;
}

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers checked field by field
  body: any;
  setCookie: string | null;
}

/** A request as a browser would send it: the cookie, an optional CSRF header and Origin. */
async function call(
  gw: Gateway,
  method: string,
  path: string,
  opts: { cookie?: string; csrf?: string; origin?: string; body?: unknown; bearer?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.csrf) headers['x-csrf-token'] = opts.csrf;
  if (opts.origin) headers.origin = opts.origin;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, setCookie: res.headers.get('set-cookie') };
}

async function signIn(gw: Gateway, key: string) {
  const r = await call(gw, 'POST', '/session', { body: { key } });
  expect(r.status).toBe(200);
  const cookie = /^(lb_session=[^;]+)/.exec(r.setCookie ?? '')?.[1];
  expect(cookie).toBeDefined();
  return { cookie: cookie!, csrf: r.body.csrfToken as string, reply: r };
}

const own = (gw: Gateway) => `http://127.0.0.1:${gw.httpPort}`;

it('signs in with a key into an HttpOnly SameSite=Strict cookie, refuses a wrong key, and answers GET /session', async () => {
  const gw = await start();
  const bad = await call(gw, 'POST', '/session', { body: { key: 'not-a-key' } });
  expect(bad.status).toBe(401);
  expect(bad.setCookie).toBeNull();

  const { cookie, csrf, reply } = await signIn(gw, ADMIN_TOKEN);
  expect(reply.setCookie).toMatch(/HttpOnly/i);
  expect(reply.setCookie).toMatch(/SameSite=Strict/i);
  expect(reply.setCookie).toMatch(/Path=\//);
  expect(reply.setCookie).not.toMatch(/Secure/i); // plain HTTP here; https.test.ts-style TLS sets it
  expect(reply.body).toMatchObject({ name: 'LB_ADMIN_TOKEN', role: 'admin', offices: [], regions: [] });
  expect(JSON.stringify(reply.body)).not.toContain(cookie.split('=')[1]);

  const me = await call(gw, 'GET', '/session', { cookie });
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({ name: 'LB_ADMIN_TOKEN', role: 'admin', csrfToken: csrf });
  expect((await call(gw, 'GET', '/session')).status).toBe(401);
  expect((await call(gw, 'GET', '/kiosks', { cookie })).status).toBe(200);
  expect((await call(gw, 'GET', '/kiosks', { cookie: 'lb_session=forged-token' })).status).toBe(401);
});

it('refuses cookie-authenticated writes without the CSRF token, with a wrong one, or from another origin', async () => {
  const gw = await start();
  const { cookie, csrf } = await signIn(gw, ADMIN_TOKEN);
  const region = (id: string) => ({ id, name: `Region ${id}` });

  const none = await call(gw, 'POST', '/regions', { cookie, body: region('a') });
  expect(none.status).toBe(403);
  expect(none.body.message).toMatch(/x-csrf-token/);
  const wrong = await call(gw, 'POST', '/regions', { cookie, csrf: `${csrf.slice(0, -2)}xx`, body: region('a') });
  expect(wrong.status).toBe(403);
  const otherOrigin = await call(gw, 'POST', '/regions', { cookie, csrf, origin: 'https://evil.example', body: region('a') });
  expect(otherOrigin.status).toBe(403);
  expect(otherOrigin.body.message).toMatch(/cross-origin/);
  // None of them wrote anything.
  expect((await call(gw, 'GET', '/regions', { cookie })).body.items).toEqual([]);

  expect((await call(gw, 'POST', '/regions', { cookie, csrf, origin: own(gw), body: region('a') })).status).toBe(201);
  expect((await call(gw, 'POST', '/regions', { cookie, csrf, body: region('b') })).status).toBe(201);
  // Another origin cannot sign a browser in under its own key either.
  expect((await call(gw, 'POST', '/session', { origin: 'https://evil.example', body: { key: ADMIN_TOKEN } })).status).toBe(403);
  // A Bearer key needs no CSRF token: a browser never adds one to a cross-site request by itself.
  expect((await call(gw, 'POST', '/regions', { bearer: ADMIN_TOKEN, body: region('c') })).status).toBe(201);
});

it('ends a session at sign-out: the same cookie replayed afterwards is refused', async () => {
  const gw = await start();
  const { cookie, csrf } = await signIn(gw, ADMIN_TOKEN);
  expect((await call(gw, 'DELETE', '/session', { cookie })).status).toBe(403); // sign-out needs the CSRF token too
  const out = await call(gw, 'DELETE', '/session', { cookie, csrf });
  expect(out.status).toBe(204);
  expect(out.setCookie).toMatch(/lb_session=;/);
  expect((await call(gw, 'GET', '/kiosks', { cookie })).status).toBe(401);
  expect((await call(gw, 'GET', '/session', { cookie })).status).toBe(401);
});

it('ends idle sessions and sessions past their absolute expiry', async () => {
  const gw = await start({ LB_SESSION_IDLE_MS: '1500', LB_SESSION_MAX_MS: '4000' });
  const idle = await signIn(gw, ADMIN_TOKEN);
  const busy = await signIn(gw, ADMIN_TOKEN);
  const started = Date.now();
  // `busy` is used every 300 ms and outlives the idle time; `idle` is not and does not.
  while (Date.now() - started < 2500) {
    expect((await call(gw, 'GET', '/kiosks', { cookie: busy.cookie })).status).toBe(200);
    await sleep(300);
  }
  expect((await call(gw, 'GET', '/kiosks', { cookie: idle.cookie })).status).toBe(401);
  // In use or not, a session ends LB_SESSION_MAX_MS after sign-in.
  while (Date.now() - started < 4200) {
    await call(gw, 'GET', '/kiosks', { cookie: busy.cookie });
    await sleep(300);
  }
  expect((await call(gw, 'GET', '/kiosks', { cookie: busy.cookie })).status).toBe(401);
});

it("ends a key's sessions when the key is revoked or rotated", async () => {
  const gw = await start();
  const created = async (name: string) =>
    (await call(gw, 'POST', '/api-keys', { bearer: ADMIN_TOKEN, body: { name, role: 'admin' } })).body;
  const revoked = await created('revoked');
  const rotated = await created('rotated');
  const a = await signIn(gw, revoked.key);
  const b = await signIn(gw, rotated.key);
  expect((await call(gw, 'GET', '/kiosks', { cookie: a.cookie })).status).toBe(200);
  expect((await call(gw, 'GET', '/kiosks', { cookie: b.cookie })).status).toBe(200);

  expect((await call(gw, 'DELETE', `/api-keys/${revoked.id}`, { bearer: ADMIN_TOKEN })).status).toBe(204);
  expect((await call(gw, 'POST', `/api-keys/${rotated.id}/rotate`, { bearer: ADMIN_TOKEN })).status).toBe(200);
  expect((await call(gw, 'GET', '/kiosks', { cookie: a.cookie })).status).toBe(401);
  expect((await call(gw, 'GET', '/kiosks', { cookie: b.cookie })).status).toBe(401);
});

it("keeps a manager's session to its scope", async () => {
  const gw = await start();
  for (const id of ['mine', 'theirs']) {
    expect((await call(gw, 'POST', '/offices', { bearer: ADMIN_TOKEN, body: { id, name: id, timeZone: 'Europe/Moscow' } })).status).toBe(
      201,
    );
  }
  const key = (await call(gw, 'POST', '/api-keys', { bearer: ADMIN_TOKEN, body: { name: 'mgr', role: 'manager', offices: ['mine'] } }))
    .body;
  const { cookie, reply } = await signIn(gw, key.key);
  expect(reply.body).toMatchObject({ role: 'manager', offices: ['mine'] });
  const period = '?from=2026-01-01&to=2026-01-08';
  expect((await call(gw, 'GET', `/offices/mine/scores${period}`, { cookie })).status).toBe(200);
  expect((await call(gw, 'GET', `/offices/theirs/scores${period}`, { cookie })).status).toBe(404);
  expect((await call(gw, 'GET', '/offices', { cookie })).body.items.map((o: { id: string }) => o.id)).toEqual(['mine']);
  expect((await call(gw, 'GET', `/company/scores${period}`, { cookie })).status).toBe(403);
  expect((await call(gw, 'GET', '/api-keys', { cookie })).status).toBe(403);
});

it('throttles sign-in guessing like any key check', async () => {
  const gw = await start({ LB_HTTP_AUTH_FAILURES: '3', LB_HTTP_AUTH_WINDOW_MS: '60000' });
  for (let i = 0; i < 3; i++) expect((await call(gw, 'POST', '/session', { body: { key: `guess-${i}` } })).status).toBe(401);
  const blocked = await call(gw, 'POST', '/session', { body: { key: ADMIN_TOKEN } });
  expect(blocked.status).toBe(429);
  expect(blocked.setCookie).toBeNull();
});

it('never logs a session token or its CSRF token', async () => {
  const gw = await start();
  const { cookie, csrf } = await signIn(gw, ADMIN_TOKEN);
  const token = cookie.split('=')[1]!;
  await call(gw, 'GET', '/kiosks', { cookie });
  await call(gw, 'POST', '/regions', { cookie, csrf, body: { id: 'r', name: 'R' } });
  await call(gw, 'POST', '/regions', { cookie, csrf: 'wrong', body: { id: 'r2', name: 'R' } });
  await call(gw, 'DELETE', '/session', { cookie, csrf });
  await call(gw, 'GET', '/kiosks', { cookie });
  const log = gw.proc.lines.map((l) => JSON.stringify(l)).join('\n');
  expect(log).toContain('console session opened');
  expect(log).not.toContain(token);
  expect(log).not.toContain(csrf);
  expect(log).not.toContain(ADMIN_TOKEN);
});
