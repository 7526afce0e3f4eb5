/**
 * Visitors per employee and desk from the queue system, through a real gateway (embedded broker, SQLite,
 * fastify): a scripted queue feed (events endpoint and served.csv) and presses published by a kiosk over
 * MQTT; each employee's ИНК Персонал, visitors and coverage worked out by hand below, then asked of the API.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event } from '../../../shared/src/index.js';
import { kiosk, registerKiosk, startGateway, until } from '../helpers.js';
import { call, ok, press, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let queue: Record<string, string>;

const bearer = async (role: string, extra: Record<string, unknown> = {}) =>
  ({ authorization: `Bearer ${(await ok(app, 'POST', '/api-keys', { name: `${role} key`, role, ...extra })).key}` }) as Record<
    string,
    string
  >;
const postCsv = async (csv: string, headers = queue) => {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/queue/served.csv',
    headers: { ...headers, 'content-type': 'text/csv' },
    payload: csv,
  });
  return { status: res.statusCode, body: res.json() };
};
/** Moscow is UTC+3 all year. */
const msk = (local: string) => `${local.replace(' ', 'T')}:00+03:00`;

/** Wilson 95 % interval, written out here apart from the gateway's (shared/src/indices.ts). */
function wilson(x: number, n: number): [number, number] {
  const z = 1.959964;
  const p = x / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [centre - half, centre + half];
}
const estimate = (x: number, n: number) => ({ value: expect.closeTo(x / n, 12), n, ci95: wilson(x, n).map((v) => expect.closeTo(v, 9)) });

// The queue feed. Monday 2 March: desks opened and tickets served through the events endpoint — Anna 6 at q1,
// Ivan 4 at q2. Tuesday 3 March: desks opened through the endpoint, tickets served from a served.csv file —
// Anna 5, Ivan 3 — whose first line repeats Monday's A001 (the same desk, ticket and instant: one visitor).
// Wednesday 4 March: Anna at q1 from a manual assignment, nothing from the queue.
const monday = [
  { id: 'm-open-1', type: 'opened', deskId: 'q1', operatorId: 'anna', at: msk('2026-03-02 09:00') },
  { id: 'm-open-2', type: 'opened', deskId: 'q2', operatorId: 'ivan', at: msk('2026-03-02 09:00') },
  ...[1, 2, 3, 4, 5, 6].map((i) => ({
    id: `m-a${i}`,
    type: 'served',
    deskId: 'q1',
    operatorId: 'anna',
    ticket: `A00${i}`,
    at: msk(`2026-03-02 09:0${i}`),
  })),
  ...[1, 2, 3, 4].map((i) => ({
    id: `m-b${i}`,
    type: 'served',
    deskId: 'q2',
    operatorId: 'ivan',
    ticket: `B00${i}`,
    at: msk(`2026-03-02 10:0${i}`),
  })),
  { id: 'm-close-1', type: 'closed', deskId: 'q1', operatorId: 'anna', at: msk('2026-03-02 18:00') },
  { id: 'm-close-2', type: 'closed', deskId: 'q2', operatorId: 'ivan', at: msk('2026-03-02 18:00') },
];
const tuesdayShifts = [
  { id: 't-open-1', type: 'opened', deskId: 'q1', operatorId: 'anna', at: msk('2026-03-03 09:00') },
  { id: 't-open-2', type: 'opened', deskId: 'q2', operatorId: 'ivan', at: msk('2026-03-03 09:00') },
  { id: 't-close-1', type: 'closed', deskId: 'q1', operatorId: 'anna', at: msk('2026-03-03 18:00') },
  { id: 't-close-2', type: 'closed', deskId: 'q2', operatorId: 'ivan', at: msk('2026-03-03 18:00') },
];
const tuesdayCsv = [
  'ticket,desk,operator,served',
  'A001,q1,anna,2026-03-02 09:01', // Monday's A001 again, local time: already stored by the events endpoint
  'A101,q1,anna,2026-03-03 09:10',
  'A102,q1,anna,2026-03-03 09:20',
  'A103,q1,anna,2026-03-03T09:30:00+03:00',
  'A104,q1,anna,2026-03-03 10:00',
  'A105,q1,anna,2026-03-03T07:30:00Z', // 10:30 in Moscow
  'B101,q2,ivan,2026-03-03 11:00',
  'B102,q2,ivan,2026-03-03 11:30',
  'B103,q2,ivan,2026-03-03 12:00',
].join('\n');

// Presses on the two staff panels (p1 at q1, p2 at q2), one minute apart or more (no misuse).
const presses: Array<[panel: string, button: Event['button'], local: string]> = [
  ['p1', 'good', '2026-03-02 09:30'],
  ['p1', 'bad', '2026-03-02 09:40'],
  ['p1', 'neutral', '2026-03-02 09:50'],
  ['p2', 'good', '2026-03-02 10:30'],
  ['p2', 'good', '2026-03-02 10:40'],
  ['p1', 'bad', '2026-03-03 09:40'],
  ['p1', 'good', '2026-03-03 09:50'],
  ['p2', 'bad', '2026-03-03 11:40'],
  ['p1', 'good', '2026-03-04 10:00'],
];

beforeAll(async () => {
  let mqttUrl: string;
  ({ app, mqttUrl } = await startGateway());
  await ok(app, 'PATCH', '/settings', { minSample: 1 });
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Москва', timeZone: 'Europe/Moscow' });
  for (const d of ['q1', 'q2']) await ok(app, 'POST', '/desks', { id: d, officeId: 'msk', name: d });
  for (const id of ['anna', 'ivan']) await ok(app, 'POST', '/employees', { id, name: id, officeId: 'msk' });
  queue = await bearer('queue');
  const password = await registerKiosk(app, 'k-v', {
    officeId: 'msk',
    panels: [
      { ...staffPanel('p1'), deskId: 'q1' },
      { ...staffPanel('p2'), deskId: 'q2' },
    ],
  });
  await ok(app, 'PUT', '/kiosks/k-v/config', { panels: [staffPanel('p1'), staffPanel('p2')] });

  expect((await call(app, 'POST', '/queue/events', { events: monday }, queue)).body).toMatchObject({ stored: monday.length });
  expect((await call(app, 'POST', '/queue/events', { events: tuesdayShifts }, queue)).body).toMatchObject({ stored: 4 });
  const csv = await postCsv(tuesdayCsv);
  expect(csv, JSON.stringify(csv.body)).toMatchObject({ status: 200, body: { stored: 8, duplicates: 1 } });
  await ok(app, 'POST', '/assignments', { deskId: 'q1', employeeId: 'anna', from: msk('2026-03-04 09:00'), to: msk('2026-03-04 18:00') });

  const k = await kiosk(mqttUrl, 'k-v', password);
  await k.publishEvents({ v: 1, kioskId: 'k-v', events: presses.map(([panel, button, local]) => press('k-v', panel, button, msk(local))) });
  await until(
    async () => ((await ok(app, 'GET', '/kiosks/k-v')).counters.received === presses.length ? true : undefined),
    'presses stored',
  );
  await k.close();
});
afterAll(async () => {
  await app?.close();
});

const staffOf = async (url: string) => {
  const total = (await ok(app, 'GET', url)).total;
  return { visitors: total.visitors, visitorsMissing: total.visitorsMissing, staff: total.scores.staff };
};

describe('visitors per employee from the queue system', () => {
  it('gives each employee ИНК Персонал over all customers they served, and their coverage, as worked out by hand', async () => {
    // Anna, Mon–Tue: G 2 (Mon good, Tue good), N 1, B 2 → P 5; V = 6 (Mon) + 5 (Tue) = 11, S = 11 − 5 = 6;
    // k = 0: ИНК = (B + S) / V = (2 + 6) / 11; coverage P / V = 5 / 11.
    const anna = await staffOf('/employees/anna/scores?from=2026-03-02&to=2026-03-04');
    expect(anna.visitors).toBe(11);
    expect(anna.visitorsMissing).toEqual([]);
    expect(anna.staff.counts).toMatchObject({ good: 2, neutral: 1, bad: 2, total: 5 });
    expect(anna.staff.ink).toEqual(estimate(8, 11));
    expect(anna.staff.coverage).toEqual(estimate(5, 11));
    expect(anna.staff.coverageKnown).toBe(true);
    // Ivan, Mon–Tue: G 2, B 1 → P 3; V = 4 + 3 = 7, S = 4: ИНК = (1 + 4) / 7, coverage 3 / 7.
    const ivan = await staffOf('/employees/ivan/scores?from=2026-03-02&to=2026-03-04');
    expect(ivan.visitors).toBe(7);
    expect(ivan.staff.ink).toEqual(estimate(5, 7));
    expect(ivan.staff.coverage).toEqual(estimate(3, 7));
  });

  it('counts a day by itself, and names the day whose presses the queue knows nothing of instead of scoring part of the visitors', async () => {
    // Monday alone: Anna P 3 (G 1, N 1, B 1), V 6, S 3 → (1 + 3) / 6.
    const monday = await staffOf('/employees/anna/scores?from=2026-03-02&to=2026-03-03');
    expect(monday.visitors).toBe(6);
    expect(monday.staff.ink).toEqual(estimate(4, 6));
    // Mon–Wed: Wednesday's press has no queue data → visitors unknown, ИНК = B / P = 2 / 6 on presses only.
    const three = await staffOf('/employees/anna/scores?from=2026-03-02&to=2026-03-05');
    expect(three.visitors).toBeNull();
    expect(three.visitorsMissing).toEqual([{ officeId: 'msk', days: ['2026-03-04'] }]);
    expect(three.staff.ink).toEqual(estimate(2, 6));
    expect(three.staff.coverage).toBeNull();
    expect(three.staff.coverageKnown).toBe(false);
    // Ivan had no press on Wednesday: his Mon–Wed visitors are still known (7).
    expect((await staffOf('/employees/ivan/scores?from=2026-03-02&to=2026-03-05')).visitors).toBe(7);
  });

  it('gives a desk the tickets served there, and each day bucket its own', async () => {
    // q1, Mon–Tue: Anna's 5 presses over the 11 tickets served at q1.
    const q1 = await staffOf('/desks/q1/scores?from=2026-03-02&to=2026-03-04');
    expect(q1.visitors).toBe(11);
    expect(q1.staff.ink).toEqual(estimate(8, 11));
    const days = (await ok(app, 'GET', '/desks/q2/scores?from=2026-03-02&to=2026-03-04&bucket=day')).buckets;
    expect(days.map((b: { visitors: number }) => b.visitors)).toEqual([4, 3]);
    // Wednesday the office had presses and the queue said nothing: q2's Mon–Wed visitors are not known.
    const q2 = await staffOf('/desks/q2/scores?from=2026-03-02&to=2026-03-05');
    expect(q2.visitors).toBeNull();
    expect(q2.visitorsMissing).toEqual([{ officeId: 'msk', days: ['2026-03-04'] }]);
  });

  it('ranks employees on visitors when asked, and shows visitors and coverage on every item', async () => {
    const byVisitors = await ok(app, 'GET', '/rankings?level=employee&index=ink&basis=visitors&from=2026-03-02&to=2026-03-04');
    // Ivan 5 / 7 = 0.714 before Anna 8 / 11 = 0.727.
    expect(byVisitors.items.map((i: { rank: number; id: string; visitors: number }) => [i.rank, i.id, i.visitors])).toEqual([
      [1, 'ivan', 7],
      [2, 'anna', 11],
    ]);
    expect(byVisitors.items[0]).toMatchObject({ ...estimate(5, 7), coverage: estimate(3, 7), coverageKnown: true });
    expect(byVisitors.items[1]).toMatchObject({ ...estimate(8, 11), coverage: estimate(5, 11), coverageKnown: true });
    // On presses (the default for employees): B / P — Ivan 1 / 3, Anna 2 / 5 — coverage still shown.
    const byPresses = await ok(app, 'GET', '/rankings?level=employee&index=ink&from=2026-03-02&to=2026-03-04');
    expect(byPresses.basis).toBe('presses');
    expect(byPresses.items[0]).toMatchObject({ id: 'ivan', ...estimate(1, 3), coverage: estimate(3, 7) });
    expect(byPresses.items[1]).toMatchObject({ id: 'anna', ...estimate(2, 5), coverage: estimate(5, 11) });
    // Mon–Wed: Anna's Wednesday lacks queue data — left out of the visitors basis, with the day named.
    const three = await ok(app, 'GET', '/rankings?level=employee&index=ink&basis=visitors&from=2026-03-02&to=2026-03-05');
    expect(three.items.map((i: { id: string }) => i.id)).toEqual(['ivan']);
    expect(three.leftOutSubjects).toEqual([
      { id: 'anna', officeId: 'msk', reason: 'visitorsUnknown', visitorsMissing: [{ officeId: 'msk', days: ['2026-03-04'] }] },
    ]);
    // Desks ranked on visitors take the queue's tickets too: q2 5 / 7 before q1 8 / 11.
    const desks = await ok(app, 'GET', '/rankings?level=desk&index=ink&basis=visitors&from=2026-03-02&to=2026-03-04');
    expect(desks.items.map((i: { id: string; visitors: number }) => [i.id, i.visitors])).toEqual([
      ['q2', 7],
      ['q1', 11],
    ]);
  });
});

describe('served.csv', () => {
  it('is idempotent: the same file again adds nothing, and the events endpoint telling a ticket again adds nothing', async () => {
    const again = await postCsv(tuesdayCsv);
    expect(again).toEqual({ status: 200, body: { stored: 0, duplicates: 9 } });
    // B101 told by the events endpoint under its own id, at the same instant: the same visitor.
    const same = { id: 'late-b101', type: 'served', deskId: 'q2', operatorId: 'ivan', ticket: 'B101', at: msk('2026-03-03 11:00') };
    expect((await call(app, 'POST', '/queue/events', { events: [same] }, queue)).body).toMatchObject({ stored: 0, duplicates: 1 });
    expect((await staffOf('/employees/anna/scores?from=2026-03-02&to=2026-03-04')).visitors).toBe(11);
    expect((await staffOf('/employees/ivan/scores?from=2026-03-02&to=2026-03-04')).visitors).toBe(7);
  });

  it('refuses a file with any bad line, naming each line and what is wrong, and stores none of its good lines', async () => {
    const file = [
      'ticket,desk,operator,served',
      'C001,q1,anna,2026-03-03 13:00', // good
      'C002,q1,anna', // too few columns
      ',q1,anna,2026-03-03 13:10', // no ticket
      'C004,q9,anna,2026-03-03 13:20', // no such desk
      'C005,q1,nobody,2026-03-03 13:30', // no such employee
      'C006,q1,anna,03/03/2026 13:40', // not a time
      'C007,q1,anna,2026-02-30 13:50', // no such date
      'C008,q1,anna,2099-03-03 14:00', // in the future
      'C009,q2,ivan,2026-03-03 14:10', // good
    ].join('\n');
    const res = await postCsv(file);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { line: 3, message: 'expected 4 columns (ticket, desk, operator, served), got 3' },
      { line: 4, message: 'ticket: empty' },
      { line: 5, message: 'desk: desk "q9" not found' },
      { line: 6, message: 'operator: employee "nobody" not found' },
      { line: 7, message: expect.stringMatching(/^served: "03\/03\/2026 13:40" is neither a local time/) },
      { line: 8, message: 'served: "2026-02-30 13:50" is not a time' },
      { line: 9, message: 'served: 2099-03-03 14:00 is in the future' },
    ]);
    expect(res.body.message).toMatch(/^served tickets refused, nothing stored: line 3: expected 4 columns/);
    // Nothing of it was stored: C001 and C009 are not visitors.
    expect((await staffOf('/employees/anna/scores?from=2026-03-02&to=2026-03-04')).visitors).toBe(11);
    expect((await staffOf('/employees/ivan/scores?from=2026-03-02&to=2026-03-04')).visitors).toBe(7);
    // The good lines alone are taken.
    expect(await postCsv([file.split('\n')[1], file.split('\n')[9]].join('\n'))).toEqual({
      status: 200,
      body: { stored: 2, duplicates: 0 },
    });
    expect((await staffOf('/employees/anna/scores?from=2026-03-02&to=2026-03-04')).visitors).toBe(12);
  });

  it('refuses what is not CSV and an empty file, and anyone but the queue system and admins', async () => {
    const broken = await postCsv('ticket,desk,operator,served\nC1,q1,anna,"2026-03-03 13:00\n');
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].message).toMatch(/^not CSV/);
    expect((await postCsv('')).body.errors).toEqual([{ line: 1, message: 'no rows' }]);
    const manager = await bearer('manager', { offices: ['msk'] });
    expect((await postCsv('C1,q1,anna,2026-03-03 13:00', manager)).status).toBe(403);
    expect((await postCsv('C1,q1,anna,2026-03-03 13:00', {})).status).toBe(401);
  });
});
