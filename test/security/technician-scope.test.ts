/**
 * A technician key scoped to some offices (like a manager key) reaches only the kiosks of those offices:
 * against a real gateway process, such a key cannot rotate the credentials of, rebind or reconfigure a
 * kiosk elsewhere (404, as if it did not exist), cannot bind its own kiosks to desks elsewhere, and lists
 * only its kiosks. A kiosk belongs to the offices of its officeId and of its panels' bindings; it is in a
 * scope when all of them are. An unscoped technician key still reaches the whole fleet.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../gateway/helpers.js';
import { ADMIN_TOKEN, registerKiosk, startGateway, type Gateway } from '../../scripts/lib/processes.js';

let gw: Gateway;
let scoped: string;
let fleetWide: string;
const passwords: Record<string, string> = {};
const staff = { id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } };

async function as(key: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const ok = async (method: string, path: string, body?: unknown) => {
  const r = await as(ADMIN_TOKEN, method, path, body);
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
  return r.body;
};

beforeAll(async () => {
  gw = await startGateway();
  await ok('POST', '/regions', { id: 'north', name: 'North' });
  for (const [office, region] of [
    ['north-1', 'north'],
    ['north-2', 'north'],
    ['south-1', null],
  ] as const) {
    await ok('POST', '/offices', { id: office, name: office, timeZone: 'Europe/Moscow', ...(region ? { regionId: region } : {}) });
    await ok('POST', '/desks', { id: `${office}-d`, officeId: office, name: 'Desk' });
  }
  passwords['k-north'] = (
    await registerKiosk(gw, 'k-north', { officeId: 'north-1', panels: [{ ...staff, deskId: 'north-1-d' }] })
  ).password;
  passwords['k-south'] = (
    await registerKiosk(gw, 'k-south', { officeId: 'south-1', panels: [{ ...staff, deskId: 'south-1-d' }] })
  ).password;
  // Labelled north, but one panel scores for south: not wholly in the north technician's scope.
  passwords['k-straddling'] = (await registerKiosk(gw, 'k-straddling', { officeId: 'north-2', panels: [staff] })).password;
  await ok('PUT', '/kiosks/k-straddling/panels/desk/binding', { officeId: 'south-1', deskId: 'south-1-d' });
  scoped = (await ok('POST', '/api-keys', { name: 'north tech', role: 'technician', regions: ['north'] })).key;
  fleetWide = (await ok('POST', '/api-keys', { name: 'head tech', role: 'technician' })).key;
});
afterAll(async () => {
  await gw?.proc.kill();
});

it('cannot touch a kiosk outside its offices: 404, and nothing changes', async () => {
  for (const kiosk of ['k-south', 'k-straddling']) {
    expect((await as(scoped, 'POST', `/kiosks/${kiosk}/credentials`)).status).toBe(404);
    expect((await as(scoped, 'DELETE', `/kiosks/${kiosk}/credentials`)).status).toBe(404); // revoking
    expect((await as(scoped, 'PUT', `/kiosks/${kiosk}/panels/desk/binding`, { officeId: 'north-1', deskId: 'north-1-d' })).status).toBe(
      404,
    );
    expect((await as(scoped, 'DELETE', `/kiosks/${kiosk}/panels/desk/binding`)).status).toBe(404);
    expect((await as(scoped, 'PUT', `/kiosks/${kiosk}/config`, { panels: [staff] })).status).toBe(404);
    for (const path of ['', '/events', '/bindings']) expect((await as(scoped, 'GET', `/kiosks/${kiosk}${path}`)).status).toBe(404);
  }
  // The south kiosk's password still works, its binding is untouched.
  const client = await connect(`mqtt://127.0.0.1:${gw.mqttPort}`, {
    clientId: 'k-south',
    username: 'k-south',
    password: passwords['k-south'],
  });
  await client.endAsync();
  expect((await ok('GET', '/kiosks/k-south/bindings')).items).toEqual([
    expect.objectContaining({ officeId: 'south-1', deskId: 'south-1-d' }),
  ]);
});

it('lists and manages only its kiosks, and cannot bind them or register new ones elsewhere', async () => {
  expect((await as(scoped, 'GET', '/kiosks')).body.items.map((k: { id: string }) => k.id)).toEqual(['k-north']);
  expect((await as(scoped, 'POST', '/kiosks/k-north/credentials')).status).toBe(200);
  const elsewhere = await as(scoped, 'PUT', '/kiosks/k-north/panels/desk/binding', { officeId: 'south-1', deskId: 'south-1-d' });
  expect(elsewhere.status).toBe(400);
  expect(elsewhere.body.message).toMatch(/desk "south-1-d" does not exist/);
  expect((await as(scoped, 'PUT', '/kiosks/k-north/panels/desk/binding', { deskId: 'north-1-d' })).status).toBe(200);
  expect((await as(scoped, 'POST', '/kiosks', { id: 'k-new-south', officeId: 'south-1' })).status).toBe(404);
  expect((await as(scoped, 'POST', '/kiosks', { id: 'k-new-anywhere' })).status).toBe(400);
  expect(
    (await as(scoped, 'POST', '/kiosks', { id: 'k-new-north', officeId: 'north-2', panels: [{ ...staff, deskId: 'north-2-d' }] })).status,
  ).toBe(201);
  expect((await as(scoped, 'GET', '/kiosks')).body.items.map((k: { id: string }) => k.id)).toEqual(['k-new-north', 'k-north']);
});

it('leaves an unscoped technician key the whole fleet', async () => {
  expect((await as(fleetWide, 'GET', '/kiosks')).body.items.map((k: { id: string }) => k.id)).toEqual(
    expect.arrayContaining(['k-north', 'k-south', 'k-straddling']),
  );
  expect((await as(fleetWide, 'POST', '/kiosks/k-south/credentials')).status).toBe(200);
  expect((await as(fleetWide, 'POST', '/kiosks', { id: 'k-unplaced' })).status).toBe(201);
});
