/**
 * Rankings and desk/employee lists within one office (`?office=`), as the office page reads them: the same
 * figures as the company-wide ranking, places counted within the office, an employee who also worked in
 * another office ranked with all their presses; scope and bad input refused.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers.js';
import { call, ingest, ok, spaced, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let manager: Record<string, string>;
type Item = { rank: number; id: string; officeId: string; value: number; n: number };

beforeAll(async () => {
  ({ app } = await startGateway());
  for (const office of ['a', 'b']) {
    await ok(app, 'POST', '/offices', { id: office, name: `Office ${office}`, timeZone: 'Europe/Moscow' });
  }
  for (const [desk, office] of [
    ['a-1', 'a'],
    ['a-2', 'a'],
    ['b-1', 'b'],
  ]) {
    await ok(app, 'POST', '/desks', { id: desk, officeId: office, name: desk });
    await ok(app, 'POST', '/kiosks', { id: `k-${desk}`, officeId: office, panels: [{ ...staffPanel(), deskId: desk }] });
  }
  for (const [employee, office] of [
    ['ann', 'a'],
    ['bob', 'a'],
    ['cat', 'b'],
  ]) {
    await ok(app, 'POST', '/employees', { id: employee, name: employee, officeId: office });
  }
  await ok(app, 'POST', '/assignments', { deskId: 'a-1', employeeId: 'ann', from: '2026-03-01T00:00:00Z' });
  await ok(app, 'POST', '/assignments', { deskId: 'a-2', employeeId: 'bob', from: '2026-03-01T00:00:00Z', to: '2026-03-12T00:00:00Z' });
  // cat belongs to office b but stood in at a-2 on the 12th: her ranking counts both offices' presses.
  await ok(app, 'POST', '/assignments', { deskId: 'b-1', employeeId: 'cat', from: '2026-03-01T00:00:00Z', to: '2026-03-12T00:00:00Z' });
  await ok(app, 'POST', '/assignments', { deskId: 'a-2', employeeId: 'cat', from: '2026-03-12T00:00:00Z', to: '2026-03-13T00:00:00Z' });
  await ingest(app, 'k-a-1', spaced('k-a-1', 'desk', ['good', 'good', 'good', 'bad'], '2026-03-10T07:00:00Z'));
  await ingest(app, 'k-a-2', spaced('k-a-2', 'desk', ['good', 'bad', 'bad'], '2026-03-10T07:00:00Z'));
  await ingest(app, 'k-a-2', spaced('k-a-2', 'desk', ['bad', 'bad'], '2026-03-12T07:00:00Z'));
  await ingest(app, 'k-b-1', spaced('k-b-1', 'desk', ['good', 'good', 'good', 'good', 'good', 'neutral'], '2026-03-10T07:00:00Z'));
  const settings = await ok(app, 'GET', '/settings');
  await ok(app, 'PUT', '/settings', { ...settings, minSample: 1 });
  const key = await ok(app, 'POST', '/api-keys', { name: 'manager of a', role: 'manager', offices: ['a'] });
  manager = { authorization: `Bearer ${key.key}` };
});
afterAll(async () => {
  await app?.close();
});

const period = 'index=ink&from=2026-03-01&to=2026-04-01';
const items = async (query: string): Promise<Item[]> => (await ok(app, 'GET', `/rankings?${query}`)).items;

describe('GET /rankings?office=', () => {
  it.each(['desk', 'employee'])('%s: the company-wide figures of the office’s members, placed 1, 2, … within the office', async (level) => {
    const company = await items(`level=${level}&${period}`);
    for (const office of ['a', 'b']) {
      const within = await items(`level=${level}&${period}&office=${office}`);
      const members = company.filter((i) => i.officeId === office);
      expect(within.length).toBeGreaterThan(0);
      expect(within.map(({ rank, ...rest }) => rest)).toEqual(members.map(({ rank, ...rest }) => rest));
      expect(within.map((i) => i.rank)).toEqual(within.map((_, i) => i + 1));
    }
  });

  it('an employee who stood in at another office keeps all their presses', async () => {
    const [cat] = await items(`level=employee&${period}&office=b`);
    // cat: 5 good + 1 neutral at b-1, 2 bad at a-2 → ИНК on presses = 2 / 8.
    expect(cat).toMatchObject({ id: 'cat', officeId: 'b', rank: 1, n: 8, value: 2 / 8 });
    expect((await items(`level=employee&${period}&office=a`)).map((i) => i.id)).toEqual(['ann', 'bob']);
  });

  it('ranks the office alone at office level', async () => {
    const company = (await items(`level=office&kind=staff&basis=presses&${period}`)).find((i) => i.id === 'a');
    expect(company).toBeDefined();
    expect(await items(`level=office&kind=staff&basis=presses&${period}&office=a`)).toEqual([{ ...company, rank: 1 }]);
  });

  it('refuses regions (400), an unknown office and one outside the key’s scope (404)', async () => {
    expect((await call(app, 'GET', `/rankings?level=region&${period}&office=a`)).status).toBe(400);
    expect((await call(app, 'GET', `/rankings?level=desk&${period}&office=nowhere`)).status).toBe(404);
    expect((await call(app, 'GET', `/rankings?level=desk&${period}&office=b`, undefined, manager)).status).toBe(404);
    const mine = await call(app, 'GET', `/rankings?level=desk&${period}&office=a`, undefined, manager);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((i: Item) => i.id).sort()).toEqual(['a-1', 'a-2']);
  });
});

describe('GET /desks?office= and /employees?office=', () => {
  it('lists only the office’s desks and employees', async () => {
    expect((await ok(app, 'GET', '/desks?office=a')).items.map((d: { id: string }) => d.id)).toEqual(['a-1', 'a-2']);
    expect((await ok(app, 'GET', '/employees?office=b')).items.map((e: { id: string }) => e.id)).toEqual(['cat']);
  });

  it('refuses other lists (400), an unknown office and one outside the key’s scope (404)', async () => {
    expect((await call(app, 'GET', '/offices?office=a')).status).toBe(400);
    expect((await call(app, 'GET', '/desks?office=nowhere')).status).toBe(404);
    expect((await call(app, 'GET', '/employees?office=b', undefined, manager)).status).toBe(404);
    expect((await call(app, 'GET', '/employees?office=a', undefined, manager)).body.items).toHaveLength(2);
  });
});
