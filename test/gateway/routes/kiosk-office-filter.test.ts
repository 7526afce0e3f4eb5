/** GET /api/v1/kiosks?office=: a kiosk belongs to its registered office and to the offices its panels are bound to. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGateway } from '../helpers.js';
import { call, ok, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let technician: Record<string, string>;
type Page = { items: Array<{ id: string }>; next: string | null };
/** The list's body (sent pre-serialised, so `call` hands it over as text). */
const page = (res: { body: unknown }): Page => (typeof res.body === 'string' ? JSON.parse(res.body) : res.body) as Page;
const ids = (res: { body: unknown }) => page(res).items.map((k) => k.id);

beforeAll(async () => {
  ({ app } = await startGateway());
  for (const id of ['msk', 'spb']) await ok(app, 'POST', '/offices', { id, name: id, timeZone: 'Europe/Moscow' });
  await ok(app, 'POST', '/kiosks', { id: 'k-msk', officeId: 'msk', panels: [staffPanel()] });
  await ok(app, 'POST', '/kiosks', { id: 'k-spb', officeId: 'spb', panels: [staffPanel()] });
  // Registered to no office, one panel bound to a Moscow desk, the other to a St Petersburg one.
  await ok(app, 'POST', '/desks', { id: 'msk-1', officeId: 'msk', name: 'Window 1' });
  await ok(app, 'POST', '/desks', { id: 'spb-1', officeId: 'spb', name: 'Window 1' });
  const right = { id: 'right', kind: 'staff', pins: { good: 5, neutral: 6, bad: 7 }, deskId: 'spb-1' };
  await ok(app, 'POST', '/kiosks', { id: 'k-both', panels: [{ ...staffPanel('left'), deskId: 'msk-1' }, right] });
  await ok(app, 'POST', '/kiosks', { id: 'k-none' });
  const key = await call(app, 'POST', '/api-keys', { name: 'tech msk', role: 'technician', offices: ['msk'] });
  technician = { authorization: `Bearer ${key.body.key}` };
});
afterAll(async () => {
  await app?.close();
});

it('lists the office’s kiosks, by registration or by a bound panel', async () => {
  expect(ids(await call(app, 'GET', '/kiosks?office=msk'))).toEqual(['k-both', 'k-msk']);
  expect(ids(await call(app, 'GET', '/kiosks?office=spb'))).toEqual(['k-both', 'k-spb']);
  expect(ids(await call(app, 'GET', '/kiosks'))).toEqual(['k-both', 'k-msk', 'k-none', 'k-spb']);
  // Paged like the unfiltered list.
  const first = await call(app, 'GET', '/kiosks?office=msk&limit=1');
  expect([ids(first), page(first).next]).toEqual([['k-both'], 'k-both']);
  expect(ids(await call(app, 'GET', `/kiosks?office=msk&limit=1&after=${page(first).next}`))).toEqual(['k-msk']);
});

it('within the caller’s scope: an office it may not see, or none such, is a 404', async () => {
  // A Moscow technician sees the kiosks wholly in Moscow: not k-both (a panel of it is St Petersburg's).
  expect(ids(await call(app, 'GET', '/kiosks?office=msk', undefined, technician))).toEqual(['k-msk']);
  expect((await call(app, 'GET', '/kiosks?office=spb', undefined, technician)).status).toBe(404);
  const missing = await call(app, 'GET', '/kiosks?office=nowhere');
  expect([missing.status, (missing.body as { message: string }).message]).toEqual([404, 'office "nowhere" not found']);
  expect((await call(app, 'GET', '/kiosks?office=')).status).toBe(400);
});
