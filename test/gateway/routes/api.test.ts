import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { admin, startGateway } from '../helpers.js';

let app: FastifyInstance;
const keys: Record<'technician' | 'manager', { authorization: string }> = {} as never;

beforeAll(async () => {
  ({ app } = await startGateway());
  for (const role of ['technician', 'manager'] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin, payload: { name: role, role } });
    keys[role] = { authorization: `Bearer ${res.json().key}` };
  }
});
afterAll(async () => {
  await app?.close();
});

const panels = [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } }];

describe('health', () => {
  it('answers without auth with database, broker and fleet', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: { ok: true }, broker: { mode: 'embedded', connected: true } });
    expect(res.json().fleet).toEqual({ registered: expect.any(Number), online: expect.any(Number) });
  });
});

describe('authentication and roles', () => {
  it.each([
    ['no header', undefined, /missing API key/],
    ['a non-bearer header', 'Basic abc', /malformed Authorization/],
    ['an unknown key', 'Bearer nope-nope-nope', /unknown API key/],
  ])('401 with %s', async (_n, authorization, message) => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/kiosks', headers: authorization ? { authorization } : {} });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'Unauthorized', message: expect.stringMatching(message) });
  });

  it('401 before validation: an anonymous caller with a bad body or query learns nothing about the schema', async () => {
    for (const req of [
      { method: 'POST' as const, url: '/api/v1/kiosks', payload: {} },
      { method: 'POST' as const, url: '/api/v1/kiosks', payload: '{not json', headers: { 'content-type': 'application/json' } },
      { method: 'GET' as const, url: '/api/v1/kiosks?limit=-5' },
    ]) {
      const res = await app.inject(req);
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('Unauthorized');
    }
  });

  it('403 for managers on kiosk endpoints and for non-admins on admin endpoints', async () => {
    const asManager = await app.inject({ method: 'GET', url: '/api/v1/kiosks', headers: keys.manager });
    expect(asManager.statusCode).toBe(403);
    expect(asManager.json().error).toBe('Forbidden');
    for (const url of ['/api/v1/dead-letters', '/api/v1/api-keys']) {
      expect((await app.inject({ method: 'GET', url, headers: keys.technician })).statusCode).toBe(403);
    }
  });

  it('lets a technician register kiosks', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: keys.technician, payload: { id: 'tech-made' } });
    expect(res.statusCode).toBe(201);
  });

  it('allows anonymous access only in dev mode', async () => {
    const dev = await startGateway({ devMode: true });
    try {
      expect((await dev.app.inject({ method: 'GET', url: '/api/v1/kiosks' })).statusCode).toBe(200);
    } finally {
      await dev.app.close();
    }
  });
});

describe('kiosks', () => {
  it('registers a kiosk once and shows its password only at registration', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/kiosks',
      headers: admin,
      payload: { id: 'k-1', officeId: 'office-7', panels },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({ id: 'k-1', mqtt: { username: 'k-1', password: expect.stringMatching(/^[\w-]{40,}$/) } });
    const again = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: admin, payload: { id: 'k-1' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toBe('Conflict');
    const detail = await app.inject({ method: 'GET', url: '/api/v1/kiosks/k-1', headers: admin });
    expect(detail.body).not.toContain(body.mqtt.password);
    expect(detail.json()).toMatchObject({
      id: 'k-1',
      officeId: 'office-7',
      panels,
      status: null,
      config: null,
      gaps: [],
      counters: { received: 0, duplicates: 0, rejected: 0, lastSeq: 0 },
    });
  });

  it.each([
    ['an id with a slash', { id: 'a/b' }],
    ['an id with a wildcard', { id: 'a+' }],
    ['a missing id', {}],
    ['panels with a bad kind', { id: 'k-x', panels: [{ ...panels[0], kind: 'vip' }] }],
    ['an empty panel list', { id: 'k-x', panels: [] }],
  ])('400 for %s', async (_n, payload) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: admin, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'Bad Request', message: expect.any(String) });
  });

  it('400 for malformed JSON, 404 for unknown kiosks and routes', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/kiosks',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"id":',
    });
    expect(bad.statusCode).toBe(400);
    for (const [method, url] of [
      ['GET', '/api/v1/kiosks/ghost'],
      ['GET', '/api/v1/kiosks/ghost/events'],
      ['POST', '/api/v1/kiosks/ghost/credentials'],
      ['GET', '/api/v1/nothing'],
    ] as const) {
      const res = await app.inject({ method, url, headers: admin });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error).toBe('Not Found');
    }
    const put = await app.inject({ method: 'PUT', url: '/api/v1/kiosks/ghost/config', headers: admin, payload: { panels } });
    expect(put.statusCode).toBe(404);
  });

  it('pages through the kiosk list', async () => {
    for (const id of ['p-1', 'p-2', 'p-3']) {
      await app.inject({ method: 'POST', url: '/api/v1/kiosks', headers: admin, payload: { id } });
    }
    const first = (await app.inject({ method: 'GET', url: '/api/v1/kiosks?limit=2&after=p-0', headers: admin })).json();
    expect(first.items.map((k: { id: string }) => k.id)).toEqual(['p-1', 'p-2']);
    expect(first.next).toBe('p-2');
    const second = (await app.inject({ method: 'GET', url: `/api/v1/kiosks?limit=2&after=${first.next}`, headers: admin })).json();
    expect(second.items[0].id).toBe('p-3');
  });

  it('names the allowed values when a field takes one of a few (body and query alike)', async () => {
    const body = await app.inject({
      method: 'POST',
      url: '/api/v1/kiosks',
      headers: admin,
      payload: { id: 'k-enum', panels: [{ ...panels[0], kind: 'staf' }] },
    });
    expect(body.statusCode).toBe(400);
    expect(body.json().message).toBe('body/panels/0/kind must be one of: staff, office, loyalty');
    const query = await app.inject({
      method: 'GET',
      url: '/api/v1/rankings?level=office&index=nps&from=2026-01-01&to=2026-02-01',
      headers: admin,
    });
    expect(query.statusCode).toBe(400);
    expect(query.json().message).toBe('querystring/index must be one of: ink, inkQualified, iel, csat');
  });

  it('rejects a config without panels', async () => {
    const res = await app.inject({ method: 'PUT', url: '/api/v1/kiosks/k-1/config', headers: admin, payload: { misuse: {} } });
    expect(res.statusCode).toBe(400);
  });
});

describe('api keys and docs', () => {
  it('creates keys shown once and lists them without secrets', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin, payload: { name: 'ops', role: 'admin' } });
    expect(res.statusCode).toBe(201);
    const { key } = res.json();
    const list = await app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: { authorization: `Bearer ${key}` } });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(key);
    expect(list.json().items.map((k: { name: string }) => k.name)).toEqual(expect.arrayContaining(['LB_ADMIN_TOKEN', 'ops', 'manager']));
    const badRole = await app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: admin, payload: { name: 'x', role: 'root' } });
    expect(badRole.statusCode).toBe(400);
  });

  it('serves the OpenAPI document with the kiosk routes', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toEqual(expect.arrayContaining(['/api/v1/kiosks', '/api/v1/kiosks/{id}', '/api/v1/health']));
  });

  it('summarises every operation, describes every response, and marks query parameters that have a default as optional', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
    const operations = Object.entries(
      doc.paths as Record<
        string,
        Record<
          string,
          {
            summary?: string;
            responses: Record<string, { description: string }>;
            parameters?: { name: string; in: string; required?: boolean }[];
          }
        >
      >,
    ).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ at: `${method.toUpperCase()} ${path}`, ...op })));
    expect(operations.length).toBeGreaterThan(30);
    expect(operations.filter((op) => !op.summary).map((op) => op.at)).toEqual([]);
    expect(operations.find((op) => op.at === 'GET /api/v1/employees/{employeeId}/scores')!.summary).toMatch(
      /^Scores of an employee over a period/,
    );
    const undescribed = operations.flatMap((op) =>
      Object.entries(op.responses)
        .filter(([, r]) => !r.description || r.description === 'Default Response')
        .map(([code]) => `${op.at} ${code}`),
    );
    expect(undescribed).toEqual([]);
    const bucket = operations
      .find((op) => op.at === 'GET /api/v1/offices/{officeId}/scores')!
      .parameters!.find((p) => p.name === 'bucket')!;
    expect(bucket.required).toBeFalsy();
    expect(
      operations.find((op) => op.at === 'GET /api/v1/offices/{officeId}/scores')!.parameters!.find((p) => p.name === 'from')!.required,
    ).toBe(true);
  });
});
