/** Roles and scopes on every scored and CRUD resource; organisation CRUD validation; query fuzzing (never a 500). */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, connect, registerKiosk, startGateway, until } from '../helpers.js';
import { kioskTopic, DEFAULT_TOPIC_PREFIX } from '../../../shared/src/index.js';
import { call, ok, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let mqttUrl: string;
const keys: Record<'inScope' | 'byRegion' | 'technician', Record<string, string>> = {} as never;

async function key(body: Record<string, unknown>) {
  const res = await ok(app, 'POST', '/api-keys', body);
  return { authorization: `Bearer ${res.key}` };
}

beforeAll(async () => {
  ({ app, mqttUrl } = await startGateway());
  await ok(app, 'POST', '/regions', { id: 'r-east', name: 'East' });
  await ok(app, 'POST', '/regions', { id: 'r-west', name: 'West' });
  for (const [id, region] of [
    ['mine', 'r-east'],
    ['other', 'r-west'],
    ['east-2', 'r-east'],
  ]) {
    await ok(app, 'POST', '/offices', { id, name: id, timeZone: 'Asia/Yekaterinburg', regionId: region });
    await ok(app, 'POST', '/desks', { id: `${id}-d`, officeId: id, name: 'desk' });
    await ok(app, 'POST', '/employees', { id: `${id}-e`, name: 'someone', officeId: id });
  }
  await ok(app, 'POST', '/assignments', { deskId: 'other-d', employeeId: 'other-e', from: '2026-01-01T00:00:00Z' });
  keys.inScope = await key({ name: 'manager of mine', role: 'manager', offices: ['mine'] });
  keys.byRegion = await key({ name: 'manager of east', role: 'manager', regions: ['r-east'] });
  keys.technician = await key({ name: 'tech', role: 'technician' });
});
afterAll(async () => {
  await app?.close();
});

const q = '?from=2026-01-01&to=2026-02-01';

describe('manager scope', () => {
  it.each([
    ['/offices/other'],
    ['/desks/other-d'],
    ['/employees/other-e'],
    ['/regions/r-west'],
    [`/offices/other/scores${q}`],
    [`/desks/other-d/scores${q}`],
    [`/employees/other-e/scores${q}`],
    [`/regions/r-west/scores${q}`],
    ['/offices/other/visitors?from=2026-01-01&to=2026-02-01'],
    ['/offices/other/sales?from=2026-01-01&to=2026-02-01'],
  ])('404 outside its scope: GET %s', async (url) => {
    const res = await call(app, 'GET', url, undefined, keys.inScope);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'Not Found', message: expect.stringMatching(/not found/) });
    expect((await call(app, 'GET', url.replace(/other/g, 'mine').replace('r-west', 'r-east'), undefined, keys.byRegion)).status).toBe(200);
  });

  it('sees its own office and its region’s offices, not the rest', async () => {
    expect((await call(app, 'GET', `/offices/mine/scores${q}`, undefined, keys.inScope)).status).toBe(200);
    const own = await call(app, 'GET', '/offices', undefined, keys.inScope);
    expect(own.body.items.map((o: { id: string }) => o.id)).toEqual(['mine']);
    const region = await call(app, 'GET', '/offices', undefined, keys.byRegion);
    expect(region.body.items.map((o: { id: string }) => o.id)).toEqual(['east-2', 'mine']);
    expect((await call(app, 'GET', '/desks', undefined, keys.inScope)).body.items.map((d: { id: string }) => d.id)).toEqual(['mine-d']);
    expect((await call(app, 'GET', '/employees', undefined, keys.inScope)).body.items.map((d: { id: string }) => d.id)).toEqual(['mine-e']);
    expect((await call(app, 'GET', '/regions', undefined, keys.inScope)).body.items).toEqual([]);
    expect((await call(app, 'GET', '/assignments', undefined, keys.inScope)).body.items).toEqual([]);
  });

  it('pages its regions without gaps: regions it cannot see never cut a page short', async () => {
    await ok(app, 'POST', '/regions', { id: 'r-a-first', name: 'sorts before r-east' });
    const page = await call(app, 'GET', '/regions?limit=1', undefined, keys.byRegion);
    expect(page.body).toEqual({ items: [{ id: 'r-east', name: 'East' }], next: 'r-east' });
    expect((await call(app, 'GET', '/regions?limit=1&after=r-east', undefined, keys.byRegion)).body).toEqual({ items: [], next: null });
    expect((await call(app, 'DELETE', '/regions/r-a-first')).status).toBe(204);
  });

  it('cannot write outside its scope, nor organisation data at all', async () => {
    const writes: Array<[string, string, unknown, number]> = [
      ['PUT', '/offices/other/visitors', { entries: [{ date: '2026-01-05', count: 5 }] }, 404],
      ['PUT', '/offices/other/sales', { entries: [{ date: '2026-01-05', count: 5 }] }, 404],
      ['POST', '/assignments', { deskId: 'other-d', employeeId: 'mine-e', from: '2026-03-01T00:00:00Z' }, 400],
      ['POST', '/offices', { id: 'x', name: 'x', timeZone: 'UTC' }, 403],
      ['PUT', '/offices/mine', { name: 'x', timeZone: 'UTC' }, 403],
      ['DELETE', '/desks/mine-d', undefined, 403],
      [
        'PUT',
        '/settings',
        { k: 0, neutralCountsAsDissatisfied: false, minSample: 1, misuse: { lockoutMs: 1, burstCount: 2, burstWindowMs: 1 } },
        403,
      ],
      ['PATCH', '/settings', { minSample: 1 }, 403],
    ];
    for (const [method, url, body, status] of writes) {
      expect((await call(app, method as 'PUT', url, body, keys.inScope)).status, `${method} ${url}`).toBe(status);
    }
    expect((await call(app, 'PUT', '/offices/mine/visitors', { entries: [{ date: '2026-01-05', count: 5 }] }, keys.inScope)).status).toBe(
      200,
    );
  });

  it('company scores are admin only; kiosks are not for managers; rankings show only its scope', async () => {
    expect((await call(app, 'GET', `/company/scores${q}`, undefined, keys.inScope)).status).toBe(403);
    expect((await call(app, 'GET', '/kiosks', undefined, keys.inScope)).status).toBe(403);
    const r = await call(app, 'GET', `/rankings?level=office&index=ink${q.replace('?', '&')}`, undefined, keys.inScope);
    expect(r.status).toBe(200);
    expect(r.body.items.every((i: { officeId: string }) => i.officeId === 'mine')).toBe(true);
  });

  it('a technician manages kiosks only', async () => {
    expect((await call(app, 'GET', '/offices', undefined, keys.technician)).status).toBe(403);
    expect((await call(app, 'GET', `/offices/mine/scores${q}`, undefined, keys.technician)).status).toBe(403);
    expect(
      (await call(app, 'GET', '/rankings?level=office&index=ink&from=2026-01-01&to=2026-02-01', undefined, keys.technician)).status,
    ).toBe(403);
    const reg = await call(
      app,
      'POST',
      '/kiosks',
      { id: 'k-tech', officeId: 'mine', panels: [{ ...staffPanel(), deskId: 'mine-d' }] },
      keys.technician,
    );
    expect(reg.status).toBe(201);
    expect((await call(app, 'GET', '/kiosks/k-tech/bindings', undefined, keys.technician)).body.items).toEqual([
      { kioskId: 'k-tech', panel: 'desk', kind: 'staff', officeId: 'mine', deskId: 'mine-d' },
    ]);
  });
});

describe('organisation CRUD validation', () => {
  it('refuses an unknown time zone, a missing office, duplicates and deleting what is referenced', async () => {
    const bad = await call(app, 'POST', '/offices', { id: 'mars', name: 'Mars', timeZone: 'Mars/Olympus' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/timeZone: "Mars\/Olympus" is not an IANA time zone/);
    expect((await call(app, 'POST', '/desks', { id: 'd-x', officeId: 'nowhere', name: 'x' })).body.message).toMatch(
      /officeId: office "nowhere" does not exist/,
    );
    expect((await call(app, 'POST', '/offices', { id: 'mine', name: 'again', timeZone: 'UTC' })).status).toBe(409);
    const del = await call(app, 'DELETE', '/offices/mine');
    expect(del.status).toBe(409);
    expect(del.body.message).toMatch(/still referenced by desks/);
    await ok(app, 'POST', '/regions', { id: 'r-empty', name: 'empty' });
    expect((await call(app, 'DELETE', '/regions/r-empty')).status).toBe(204);
    expect((await call(app, 'GET', '/regions/r-empty')).status).toBe(404);
  });

  it('binds panels: staff to a desk, others to an office, with clear refusals', async () => {
    await ok(app, 'POST', '/kiosks', { id: 'k-bind', panels: [staffPanel(), { ...staffPanel('office'), kind: 'office' }] });
    expect((await call(app, 'PUT', '/kiosks/k-bind/panels/office/binding', { deskId: 'mine-d' })).body.message).toMatch(
      /only staff panels are bound to a desk/,
    );
    expect((await call(app, 'PUT', '/kiosks/k-bind/panels/desk/binding', {})).body.message).toMatch(/needs an officeId/);
    expect(await ok(app, 'PUT', '/kiosks/k-bind/panels/desk/binding', { deskId: 'mine-d' })).toMatchObject({
      officeId: 'mine',
      deskId: 'mine-d',
      kind: 'staff',
    });
    expect((await call(app, 'PUT', '/kiosks/k-bind/panels/ghost/binding', { officeId: 'mine' })).body.message).toMatch(/give its kind/);
  });

  it('learns a panel’s kind from the kiosk’s status: binding it needs only the office or desk', async () => {
    const password = await registerKiosk(app, 'k-learn'); // registered without panels
    expect((await call(app, 'PUT', '/kiosks/k-learn/panels/lobby/binding', { officeId: 'mine' })).body.message).toMatch(/give its kind/);
    const kiosk = await connect(mqttUrl, { clientId: 'k-learn', username: 'k-learn', password });
    const status = {
      v: 1,
      state: 'online',
      panels: [
        { id: 'lobby', kind: 'office' },
        { id: 'desk', kind: 'staff' },
      ],
    };
    await kiosk.publishAsync(kioskTopic(DEFAULT_TOPIC_PREFIX, 'k-learn', 'status'), JSON.stringify(status), { qos: 1, retain: true });
    await until(async () => (await ok(app, 'GET', '/kiosks/k-learn')).status?.payload.panels, 'the status with panels');
    expect(await ok(app, 'PUT', '/kiosks/k-learn/panels/lobby/binding', { officeId: 'mine' })).toMatchObject({
      panel: 'lobby',
      kind: 'office',
      officeId: 'mine',
    });
    expect(await ok(app, 'PUT', '/kiosks/k-learn/panels/desk/binding', { deskId: 'mine-d' })).toMatchObject({
      panel: 'desk',
      kind: 'staff',
      deskId: 'mine-d',
    });
    expect((await call(app, 'PUT', '/kiosks/k-learn/panels/lobby/binding', { officeId: 'mine', kind: 'staff' })).body.message).toMatch(
      /panel "lobby" is of kind office/,
    );
    await kiosk.endAsync();
  });

  it('changes settings in part with PATCH, keeping the rest; refuses an empty or unknown change', async () => {
    const before = await ok(app, 'GET', '/settings');
    const after = await ok(app, 'PATCH', '/settings', { minSample: before.minSample + 3, misuse: { lockoutMs: 7000 } });
    expect(after).toEqual({ ...before, minSample: before.minSample + 3, misuse: { ...before.misuse, lockoutMs: 7000 } });
    expect(await ok(app, 'GET', '/settings')).toEqual(after);
    expect((await call(app, 'PATCH', '/settings', {})).status).toBe(400);
    const unknown = await call(app, 'PATCH', '/settings', { kk: 1 });
    expect(unknown.status).toBe(400);
    expect((await call(app, 'PATCH', '/settings', { k: 2 })).body.message).toMatch(/k/);
    await ok(app, 'PUT', '/settings', before);
  });

  it('paginates lists and serves them as CSV', async () => {
    const first = await ok(app, 'GET', '/offices?limit=2');
    expect(first.items).toHaveLength(2);
    const rest = await ok(app, 'GET', `/offices?limit=2&after=${first.next}`);
    expect(rest.items.map((o: { id: string }) => o.id)).toEqual(['other']);
    const csv = await app.inject({ method: 'GET', url: '/api/v1/offices', headers: { ...admin, accept: 'text/csv' } });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toBe('id,name,timeZone,regionId,k,businessType');
    expect(csv.body).toContain('mine,mine,Asia/Yekaterinburg,r-east,');
  });
});

describe('no input yields a 500', () => {
  const text = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom(
      '2026-01-01',
      '2026-03-29',
      '2026-02-29',
      '0000-01-01',
      '9999-12-31',
      '2026-01-01T00:00:00Z',
      '2026-13-01',
      '1e9',
      '-1',
      '',
    ),
    fc.date({ min: new Date(-1e13), max: new Date(3e14), noInvalidDate: true }).map((d) => d.toISOString()),
  );
  const param = (name: string, values: fc.Arbitrary<string>) =>
    fc.option(
      values.map((v) => `${name}=${encodeURIComponent(v)}`),
      { nil: undefined },
    );
  const query = fc
    .tuple(
      param('from', text),
      param('to', text),
      param('bucket', fc.oneof(fc.constantFrom('none', 'hour', 'day', 'week', 'month'), fc.string({ maxLength: 8 }))),
      param('level', fc.oneof(fc.constantFrom('employee', 'office'), fc.string({ maxLength: 8 }))),
      param('index', fc.oneof(fc.constantFrom('ink', 'iel', 'csat'), fc.string({ maxLength: 8 }))),
      param('kind', fc.oneof(fc.constantFrom('staff', 'office', 'loyalty'), fc.string({ maxLength: 8 }))),
    )
    .map((parts) => parts.filter(Boolean).join('&'));
  const path = fc.constantFrom(
    '/offices/mine/scores',
    '/desks/mine-d/scores',
    '/employees/mine-e/scores',
    '/regions/r-east/scores',
    '/company/scores',
    '/rankings',
    '/offices/%00/scores',
  );

  it('fuzzed query parameters of score and ranking endpoints give 2xx or 4xx with a JSON message', async () => {
    await fc.assert(
      fc.asyncProperty(path, query, fc.boolean(), async (p, qs, csv) => {
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1${p}?${qs}`,
          headers: { ...admin, ...(csv ? { accept: 'text/csv' } : {}) },
        });
        expect(res.statusCode, `${p}?${qs}: ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
      }),
      { numRuns: 400 },
    );
  });
});
