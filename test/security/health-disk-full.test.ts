/**
 * A full disk: every ingest commit fails with "database or disk is full" (a genuine SQLITE_FULL: the
 * database may not grow past the pages it has). /health said `ok` meanwhile; it must say `degraded`
 * (503) with the reason while commits fail, and `ok` again once one succeeds.
 * Real gateway (SQLite file, embedded broker listening on TCP), a real MQTT.js kiosk.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { join } from 'node:path';
import { SqliteStore } from '../../gateway/src/store/sqlite.js';
import { tempDir } from '../../scripts/lib/temp-dirs.js';
import { batch, event, kiosk, registerKiosk, startGateway, until } from '../gateway/helpers.js';

let app: FastifyInstance;
let url: string;
let store: SqliteStore;

beforeAll(async () => {
  store = new SqliteStore(join(tempDir('full'), 'gateway.db'));
  ({ app, mqttUrl: url } = await startGateway({}, { store }));
});
afterAll(async () => {
  await app?.close();
});

const health = async () => {
  const res = await app.inject({ method: 'GET', url: '/api/v1/health' });
  return { code: res.statusCode, body: res.json() };
};

describe('/health while ingest commits fail', () => {
  it('is degraded (503) with the reason while the disk is full, and ok after a commit succeeds', async () => {
    const k = await kiosk(url, 'k-full', await registerKiosk(app, 'k-full'));
    expect((await health()).code).toBe(200);

    store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true })}`);
    const events = Array.from({ length: 300 }, (_, i) => event(i + 1));
    await k.publishEvents(batch('k-full', events));
    const degraded = await until(async () => {
      const h = await health();
      return h.code === 503 ? h : undefined;
    }, '/health degraded');
    expect(degraded.body).toMatchObject({
      status: 'degraded',
      database: { ok: true },
      ingest: { ok: false, error: expect.stringMatching(/database or disk is full/) },
    });

    store.db.pragma('max_page_count = 1073741823'); // space freed
    await k.publishEvents(batch('k-full', events)); // the kiosk resends after its ack timeout
    expect((await k.nextAck()).ids).toHaveLength(300);
    const h = await health();
    expect(h.code).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', ingest: { ok: true } });
    await k.close();
  });
});
