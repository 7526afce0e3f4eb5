/** POST /api/v1/rota through a real gateway: all or nothing, every error with its line, then the duty feed. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, registerKiosk, startGateway } from '../helpers.js';
import { ok, staffPanel } from '../org-helpers.js';
import { dutyOf, watchConfig } from './config-watch.js';

let app: FastifyInstance;
let mqttUrl: string;

const post = async (csv: string, headers: Record<string, string> = admin) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/rota', headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
  return { status: res.statusCode, body: res.json() };
};
const assignments = async () => (await ok(app, 'GET', '/assignments?limit=1000')).items as Array<Record<string, unknown>>;

beforeAll(async () => {
  ({ app, mqttUrl } = await startGateway());
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Москва', timeZone: 'Europe/Moscow' });
  await ok(app, 'POST', '/offices', { id: 'spb', name: 'Петербург', timeZone: 'Europe/Moscow' });
  await ok(app, 'POST', '/desks', { id: 'm1', officeId: 'msk', name: 'm1' });
  await ok(app, 'POST', '/desks', { id: 'm2', officeId: 'msk', name: 'm2' });
  await ok(app, 'POST', '/desks', { id: 'm3', officeId: 'msk', name: 'm3' });
  await ok(app, 'POST', '/desks', { id: 's1', officeId: 'spb', name: 's1' });
  for (const id of ['anna', 'ivan', 'olga', 'pavel', 'rita']) await ok(app, 'POST', '/employees', { id, name: id, officeId: 'msk' });
});
afterAll(async () => {
  await app?.close();
});

describe('rota import', () => {
  it('stores a rota in the office’s local time and pushes who is on duty now; the same rota again changes nothing', async () => {
    const password = await registerKiosk(app, 'k-rota', { officeId: 'msk', panels: [{ ...staffPanel(), deskId: 'm1' }] });
    await ok(app, 'PUT', '/kiosks/k-rota/config', { panels: [staffPanel()] });
    const kiosk = await watchConfig(mqttUrl, 'k-rota', password);
    await kiosk.next((m) => dutyOf(m, 'desk') === null, 'nobody on duty');
    const now = new Date(Date.now() - 3_600_000).toISOString(); // open shift of anna from an hour ago, in ISO
    const csv = ['desk,employee,from,to', 'm2,ivan,2026-12-01 09:00,2026-12-01 18:00', `m1,anna,${now},`, 'm2,olga,2026-12-01T18:00,'].join(
      '\n',
    );
    const res = await post(csv);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ created: 3, unchanged: 0 });
    const stored = await assignments();
    expect(stored.find((a) => a.employeeId === 'ivan')).toMatchObject({
      deskId: 'm2',
      from: '2026-12-01T06:00:00.000Z', // 09:00 in Moscow
      to: '2026-12-01T15:00:00.000Z',
    });
    expect(stored.find((a) => a.employeeId === 'olga')).toMatchObject({ from: '2026-12-01T15:00:00.000Z', to: null });
    const got = await kiosk.next((m) => dutyOf(m, 'desk')?.employeeId === 'anna', 'anna on duty');
    expect(dutyOf(got.msg, 'desk')).toEqual({ employeeId: 'anna', name: 'anna' });
    await kiosk.close();

    const again = await post(csv);
    expect(again.body).toMatchObject({ created: 0, unchanged: 3 });
    expect(await assignments()).toHaveLength(3);
  });

  it('reports every malformed line, of every kind, and stores nothing', async () => {
    const before = await assignments();
    const csv = [
      'm1,anna,2027-01-10 09:00,2027-01-10 18:00', // 1: fine on its own
      'm1,anna', // 2: columns
      'zz,anna,2027-01-11 09:00,', // 3: unknown desk
      'm1,nobody,2027-01-12 09:00,', // 4: unknown employee
      'm1,anna,next monday,', // 5: not a time
      'm1,anna,2027-01-13 18:00,2027-01-13 09:00', // 6: ends before it starts
      'm1,anna,2027-01-14 09:00,2027-01-14T18:00:00', // 7: fine
      'm1,anna,2027-02-30 09:00,', // 8: no such date
    ].join('\n');
    const res = await post(csv);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { line: number }) => e.line)).toEqual([2, 3, 4, 5, 6, 8]);
    expect(res.body.errors).toEqual([
      { line: 2, message: expect.stringMatching(/expected 4 columns/) },
      { line: 3, message: 'desk: desk "zz" not found' },
      { line: 4, message: 'employee: employee "nobody" not found' },
      { line: 5, message: expect.stringMatching(/^from: "next monday" is neither a local time/) },
      { line: 6, message: expect.stringMatching(/^to: must be after from/) },
      { line: 8, message: expect.stringMatching(/^from: "2027-02-30 09:00" is not a time/) },
    ]);
    expect(res.body.message).toMatch(/^rota refused, nothing stored: line 2: /);
    expect(await assignments()).toEqual(before);
  });

  it('refuses overlaps within the file and with stored assignments, by line, and stores nothing', async () => {
    const before = await assignments();
    const inFile = await post(['m3,pavel,2027-03-01 09:00,2027-03-01 18:00', 'm3,rita,2027-03-01 17:00,2027-03-01 20:00'].join('\n'));
    expect(inFile.status).toBe(409);
    expect(inFile.body.errors).toEqual([{ line: 2, message: expect.stringMatching(/desk m3 already has employee pavel .*\(line 1\)/) }]);
    // anna has been at m1 since an hour ago with an open end (first test): a later shift of hers elsewhere overlaps it.
    const stored = await post(['m3,pavel,2027-04-01 09:00,2027-04-01 18:00', 'm3,anna,2027-04-02 09:00,2027-04-02 18:00'].join('\n'));
    expect(stored.status).toBe(409);
    expect(stored.body.errors).toEqual([{ line: 2, message: expect.stringMatching(/employee anna is at desk m1 .*\(assignment \w+\)/) }]);
    expect(await assignments()).toEqual(before);
  });

  it('a manager imports only into its offices: another office’s desk is not found', async () => {
    const key = await ok(app, 'POST', '/api-keys', { name: 'msk manager', role: 'manager', offices: ['msk'] });
    const res = await post('s1,pavel,2027-05-01 09:00,2027-05-01 18:00\n', { authorization: `Bearer ${key.key}` });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ line: 1, message: 'desk: desk "s1" not found' }]);
  });

  it('refuses a file that is not CSV or is empty, and an anonymous caller', async () => {
    expect((await post('m1,ivan,"2027-05-01 09:00\n')).body.errors[0].message).toMatch(/^not CSV/);
    expect((await post('')).status).toBe(400);
    expect((await post('m1,ivan,2027-05-01 09:00,\n', {})).status).toBe(401);
  });
});
