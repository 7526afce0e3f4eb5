/**
 * The duty feed through a real gateway (embedded broker, SQLite) and a scripted kiosk subscribed to its
 * retained config: the name of whoever is on duty reaches the staff panel when the API changes an
 * assignment, and at the exact instant a scheduled shift starts or ends with nobody touching the API.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, registerKiosk, startGateway, until } from '../helpers.js';
import { ok, officePanel, staffPanel } from '../org-helpers.js';
import { dutyOf, watchConfig } from './config-watch.js';

let app: FastifyInstance;
let mqttUrl: string;
const passwords = new Map<string, string>();

const iso = (t: number) => new Date(t).toISOString();
const elena = { employeeId: 'elena', name: 'Елены Ивановой' };

/** A kiosk with a staff panel on `desk` and an office panel, its config pushed by the technician. */
async function kioskAt(id: string, desk: string) {
  passwords.set(id, await registerKiosk(app, id, { officeId: 'msk', panels: [{ ...staffPanel(), deskId: desk }, officePanel()] }));
  const res = await app.inject({
    method: 'PUT',
    url: `/api/v1/kiosks/${id}/config`,
    headers: admin,
    payload: { panels: [{ ...staffPanel(), questionOnDuty: 'Вы довольны работой {name}?' }, officePanel()] },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { rev: number; published: boolean };
}

beforeAll(async () => {
  ({ app, mqttUrl } = await startGateway());
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Москва', timeZone: 'Europe/Moscow' });
  for (const d of ['d1', 'd2', 'd3', 'd4']) await ok(app, 'POST', '/desks', { id: d, officeId: 'msk', name: d });
  await ok(app, 'POST', '/employees', { id: 'elena', name: 'Елена Иванова', questionName: 'Елены Ивановой', officeId: 'msk' });
  // Employees may not be at two desks at once: each test has its own.
  for (const [id, name] of [
    ['petr', 'Пётр Смирнов'],
    ['anna', 'Анна Орлова'],
    ['ivan', 'Иван Котов'],
    ['olga', 'Ольга Попова'],
  ]) {
    await ok(app, 'POST', '/employees', { id, name, officeId: 'msk' });
  }
});
afterAll(async () => {
  await app?.close();
});

describe('duty feed', () => {
  it('nobody assigned: the staff panel carries duty null, the office panel none', async () => {
    const { rev } = await kioskAt('k-empty', 'd1');
    const kiosk = await watchConfig(mqttUrl, 'k-empty', passwords.get('k-empty')!);
    const { msg } = await kiosk.next((m) => dutyOf(m, 'desk') !== undefined, 'duty on the staff panel');
    expect(dutyOf(msg, 'desk')).toBeNull();
    expect(dutyOf(msg, 'office')).toBeUndefined();
    expect(msg.rev).toBe(rev); // the PUT answered with the revision that carries the duty
    expect(msg.panels.find((p) => p.id === 'desk')!.questionOnDuty).toBe('Вы довольны работой {name}?');
    await kiosk.close();
  });

  it('an assignment made through the API reaches the kiosk within 5 s, in the question form of the name', async () => {
    await kioskAt('k-api', 'd2');
    const kiosk = await watchConfig(mqttUrl, 'k-api', passwords.get('k-api')!);
    const first = await kiosk.next((m) => dutyOf(m, 'desk') === null, 'nobody on duty');
    const changed = Date.now();
    await ok(app, 'POST', '/assignments', { deskId: 'd2', employeeId: 'elena', from: iso(changed - 3_600_000) });
    const got = await kiosk.next((m) => dutyOf(m, 'desk')?.employeeId === 'elena', 'elena on duty');
    expect(dutyOf(got.msg, 'desk')).toEqual(elena);
    expect(got.msg.rev).toBeGreaterThan(first.msg.rev);
    expect(got.at - changed).toBeLessThan(5000);
    await kiosk.close();
  });

  it('a scheduled shift change takes effect at its instant, with nobody touching the API', async () => {
    await kioskAt('k-shift', 'd3');
    const boundary = Date.now() + 3000;
    await ok(app, 'POST', '/assignments', { deskId: 'd3', employeeId: 'anna', from: iso(boundary - 3_600_000), to: iso(boundary) });
    await ok(app, 'POST', '/assignments', { deskId: 'd3', employeeId: 'ivan', from: iso(boundary), to: iso(boundary + 2000) });
    const kiosk = await watchConfig(mqttUrl, 'k-shift', passwords.get('k-shift')!);
    const before = await kiosk.next((m) => dutyOf(m, 'desk')?.employeeId === 'anna', 'anna before the change');
    expect(before.at).toBeLessThan(boundary);
    const after = await kiosk.next((m) => dutyOf(m, 'desk')?.employeeId === 'ivan', 'ivan after the change');
    expect(dutyOf(after.msg, 'desk')).toEqual({ employeeId: 'ivan', name: 'Иван Котов' });
    expect(after.at).toBeGreaterThanOrEqual(boundary);
    expect(after.at - boundary).toBeLessThan(1000);
    // Ivan's shift ends and nobody follows: duty null, again at its instant.
    const end = await kiosk.next((m) => m.rev > after.msg.rev, 'the end of the shift');
    expect(dutyOf(end.msg, 'desk')).toBeNull();
    expect(end.at).toBeGreaterThanOrEqual(boundary + 2000);
    expect(end.at - (boundary + 2000)).toBeLessThan(1000);
    await kiosk.close();
  });

  it('a kiosk offline at the change gets the new duty from the retained config when it reconnects', async () => {
    await kioskAt('k-away', 'd4');
    const boundary = Date.now() + 2500;
    await ok(app, 'POST', '/assignments', { deskId: 'd4', employeeId: 'olga', from: iso(boundary - 3_600_000), to: iso(boundary) });
    const online = await watchConfig(mqttUrl, 'k-away', passwords.get('k-away')!);
    const seen = await online.next((m) => dutyOf(m, 'desk')?.employeeId === 'olga', 'olga on duty');
    await online.close(); // offline across the end of the shift
    // The gateway stores the change at the boundary; the kiosk is still away.
    await until(async () => ((await ok(app, 'GET', '/kiosks/k-away')).config.rev > seen.msg.rev ? true : undefined), 'the stored change');
    expect(Date.now()).toBeGreaterThanOrEqual(boundary);
    const back = await watchConfig(mqttUrl, 'k-away', passwords.get('k-away')!);
    const retained = await back.next(() => true, 'the retained config');
    expect(retained.msg.rev).toBeGreaterThan(seen.msg.rev);
    expect(dutyOf(retained.msg, 'desk')).toBeNull();
    await back.close();
  });

  it('the question name defaults to the name, and a changed one reaches the kiosk', async () => {
    await ok(app, 'POST', '/assignments', { deskId: 'd1', employeeId: 'petr', from: iso(Date.now() - 60_000) });
    const kiosk = await watchConfig(mqttUrl, 'k-empty', passwords.get('k-empty')!);
    const plain = await kiosk.next((m) => dutyOf(m, 'desk')?.employeeId === 'petr', 'petr on d1');
    expect(dutyOf(plain.msg, 'desk')).toEqual({ employeeId: 'petr', name: 'Пётр Смирнов' });
    await ok(app, 'PUT', '/employees/petr', { name: 'Пётр Смирнов', questionName: 'Петра Смирнова', officeId: 'msk' });
    const got = await kiosk.next((m) => m.rev > plain.msg.rev, 'the new question name');
    expect(dutyOf(got.msg, 'desk')).toEqual({ employeeId: 'petr', name: 'Петра Смирнова' });
    expect((await ok(app, 'GET', '/employees/petr')).questionName).toBe('Петра Смирнова');
    await kiosk.close();
  });
});
