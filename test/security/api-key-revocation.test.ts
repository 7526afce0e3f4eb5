/**
 * A leaked API key must be stoppable at once: against a real gateway process, every key — the
 * LB_ADMIN_TOKEN one included — can be revoked or rotated, and the old secret stops working on the very
 * next request. A revoked LB_ADMIN_TOKEN does not come back when the gateway restarts with it.
 */
import { afterEach, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from '../../scripts/lib/processes.js';

const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
});

async function as(gw: Gateway, key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

it('revokes and rotates any key, effective on the next request', async () => {
  const gw = await startGateway();
  gateways.push(gw);
  const created = await as(gw, ADMIN_TOKEN, 'POST', '/api-keys', { name: 'laptop', role: 'technician' });
  expect(created.status).toBe(201);
  const { id, key } = created.body as { id: string; key: string };
  expect((await as(gw, key, 'GET', '/kiosks')).status).toBe(200);

  const rotated = await as(gw, ADMIN_TOKEN, 'POST', `/api-keys/${id}/rotate`);
  expect(rotated.status).toBe(200);
  expect(rotated.body).toMatchObject({ id, name: 'laptop', role: 'technician' });
  expect((await as(gw, key, 'GET', '/kiosks')).status).toBe(401);
  expect((await as(gw, rotated.body.key, 'GET', '/kiosks')).status).toBe(200);

  expect((await as(gw, ADMIN_TOKEN, 'DELETE', `/api-keys/${id}`)).status).toBe(204);
  expect((await as(gw, rotated.body.key, 'GET', '/kiosks')).status).toBe(401);
  expect((await as(gw, ADMIN_TOKEN, 'DELETE', `/api-keys/${id}`)).status).toBe(404);
  expect((await as(gw, ADMIN_TOKEN, 'GET', '/api-keys')).body.items.map((k: { name: string }) => k.name)).not.toContain('laptop');
});

it('rotates the LB_ADMIN_TOKEN key; the old token stays dead across a restart, and the last admin key cannot be revoked', async () => {
  let gw = await startGateway();
  gateways.push(gw);
  const keys = (await as(gw, ADMIN_TOKEN, 'GET', '/api-keys')).body.items as Array<{ id: string; name: string }>;
  const envKey = keys.find((k) => k.name === 'LB_ADMIN_TOKEN')!;
  const lastAdmin = await as(gw, ADMIN_TOKEN, 'DELETE', `/api-keys/${envKey.id}`);
  expect(lastAdmin.status).toBe(409);
  expect(lastAdmin.body.message).toMatch(/last admin key/);

  const rotated = await as(gw, ADMIN_TOKEN, 'POST', `/api-keys/${envKey.id}/rotate`);
  expect(rotated.status).toBe(200);
  const newToken = rotated.body.key as string;
  expect((await as(gw, ADMIN_TOKEN, 'GET', '/api-keys')).status).toBe(401);
  expect((await as(gw, newToken, 'GET', '/api-keys')).status).toBe(200);
  await gw.proc.kill('SIGTERM');

  // Restarted with the old token still in its environment: it refuses to start rather than revive it.
  const refused = await startGateway({ dataDir: gw.dataDir }).then(
    () => 'started',
    (err: Error) => err.message,
  );
  expect(refused).toMatch(/exited with 2.*LB_ADMIN_TOKEN.*revoked/s);

  gw = await startGateway({ dataDir: gw.dataDir, env: { LB_ADMIN_TOKEN: newToken } });
  gateways.push(gw);
  expect((await as(gw, newToken, 'GET', '/api-keys')).status).toBe(200);
  expect((await as(gw, ADMIN_TOKEN, 'GET', '/api-keys')).status).toBe(401);
});
