/**
 * What a real gateway process leaves for others to read: answers carry the usual security headers and,
 * since they hold secrets or private data, may not be stored by caches; the database and its WAL files are
 * readable by the gateway's user only, in a folder only it may enter.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { batch, event, kiosk } from '../gateway/helpers.js';
import { ADMIN_TOKEN, startGateway, type Gateway } from '../../scripts/lib/processes.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.proc.kill();
});

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${gw!.httpPort}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
  };
}

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

it('sends security headers and no-store, and keeps its database files to itself', async () => {
  const dataDir = join(tempDir('files'), 'data'); // the gateway creates it
  gw = await startGateway({ dataDir });

  const registered = await send('POST', '/api/v1/kiosks', { id: 'k-files' });
  const created = await send('POST', '/api/v1/api-keys', { name: 'ops', role: 'technician' });
  const secretAnswers = [
    registered,
    await send('POST', '/api/v1/kiosks/k-files/credentials'),
    created,
    await send('POST', `/api/v1/api-keys/${created.body.id}/rotate`),
  ];
  expect(secretAnswers.map((r) => r.status)).toEqual([201, 200, 201, 200]);
  for (const r of [
    ...secretAnswers,
    await send('GET', '/api/v1/kiosks'),
    await send('GET', '/api/v1/health'),
    await send('GET', '/api/v1/nowhere'),
  ]) {
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('strict-transport-security')).toBeNull(); // plain HTTP: HSTS only with TLS
  }
  // The API's page still loads under the policy: its scripts come from the gateway itself.
  const docs = await send('GET', '/docs/');
  expect(docs.status).toBe(200);
  expect(docs.body).toContain('<script src="./static/swagger-ui-bundle.js"');
  expect(docs.body).not.toMatch(/<script>/);

  // A press, so SQLite has its -wal and -shm files.
  const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, 'k-files', secretAnswers[1]!.body.mqtt.password);
  await k.publishEvents(batch('k-files', [event(1)]));
  await k.nextAck();
  await k.close();
  expect(mode(dataDir)).toBe('700');
  for (const file of ['gateway.db', 'gateway.db-wal', 'gateway.db-shm']) expect([file, mode(join(dataDir, file))]).toEqual([file, '600']);
});

it('takes its database files back from a looser mode at start', async () => {
  const first = await startGateway();
  await first.proc.kill('SIGTERM');
  const { chmodSync } = await import('node:fs');
  chmodSync(join(first.dataDir, 'gateway.db'), 0o644);
  gw = await startGateway({ dataDir: first.dataDir });
  expect(mode(join(first.dataDir, 'gateway.db'))).toBe('600');
});
