/** Time zones, DST, shift changes, retroactive assignments, late events and clock correction, through the API. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers.js';
import { call, ingest, ok, press, spaced, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await startGateway());
  await ok(app, 'POST', '/offices', { id: 'ber', name: 'Berlin', timeZone: 'Europe/Berlin' });
  await ok(app, 'POST', '/desks', { id: 'ber-1', officeId: 'ber', name: 'Desk 1' });
  for (const id of ['anna', 'bernd']) await ok(app, 'POST', '/employees', { id, name: id, officeId: 'ber' });
  await ok(app, 'POST', '/kiosks', { id: 'k-ber', officeId: 'ber', panels: [{ ...staffPanel(), deskId: 'ber-1' }] });
});
afterAll(async () => {
  await app?.close();
});

const staff = (r: { scores: { staff: { counts: { total: number } } } }) => r.scores.staff.counts.total;

describe('time zones and DST', () => {
  it('spring forward: the day has 23 hour buckets and presses land in their local day', async () => {
    // 2026-03-29: Berlin skips 02:00–03:00. 00:30Z = 01:30 CET, 01:30Z = 03:30 CEST;
    // 2026-03-29T22:30Z = 00:30 on the 30th (local), though still the 29th in UTC.
    await ingest(app, 'k-ber', [
      press('k-ber', 'desk', 'good', '2026-03-29T00:30:00Z'),
      press('k-ber', 'desk', 'bad', '2026-03-29T01:30:00Z'),
      press('k-ber', 'desk', 'good', '2026-03-29T22:30:00Z'),
    ]);
    const hours = await ok(app, 'GET', '/offices/ber/scores?from=2026-03-29&to=2026-03-30&bucket=hour');
    expect(hours.buckets).toHaveLength(23);
    expect(hours.buckets[0].start).toBe('2026-03-28T23:00:00.000Z');
    expect(hours.buckets[1].start).toBe('2026-03-29T00:00:00.000Z'); // 01:00 CET
    expect(hours.buckets[2].start).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(staff(hours.buckets[1])).toBe(1);
    expect(staff(hours.buckets[2])).toBe(1);
    const days = await ok(app, 'GET', '/offices/ber/scores?from=2026-03-28&to=2026-03-31&bucket=day');
    expect(days.buckets.map((b: { start: string }) => b.start)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    expect(days.buckets.map(staff)).toEqual([0, 2, 1]);
    expect(days.byHourOfDay[1].scores.staff.counts.total).toBe(1);
    expect(days.byHourOfDay[3].scores.staff.counts.total).toBe(1);
    expect(days.byHourOfDay[2].scores.staff.counts.total).toBe(0);
  });

  it('fall back: the repeated hour is two buckets, the day 25', async () => {
    // 2026-10-25: 02:00–03:00 happens twice. 00:30Z = 02:30 CEST, 01:30Z = 02:30 CET.
    await ingest(app, 'k-ber', [
      press('k-ber', 'desk', 'good', '2026-10-25T00:30:00Z'),
      press('k-ber', 'desk', 'good', '2026-10-25T01:30:00Z'),
    ]);
    const hours = await ok(app, 'GET', '/offices/ber/scores?from=2026-10-25&to=2026-10-26&bucket=hour');
    expect(hours.buckets).toHaveLength(25);
    expect(staff(hours.buckets[2])).toBe(1);
    expect(staff(hours.buckets[3])).toBe(1);
    expect(hours.byHourOfDay[2].scores.staff.counts.total).toBe(2);
  });

  it('instants are widened to whole local hours; months follow the local calendar', async () => {
    const r = await ok(app, 'GET', '/offices/ber/scores?from=2026-03-29T00:10:00Z&to=2026-03-29T01:10:00Z');
    expect(r.from).toBe('2026-03-29T00:00:00.000Z');
    expect(r.to).toBe('2026-03-29T02:00:00.000Z');
    expect(staff(r.total)).toBe(2);
    const months = await ok(app, 'GET', '/offices/ber/scores?from=2026-03-01&to=2026-05-01&bucket=month');
    expect(months.buckets.map(staff)).toEqual([3, 0]);
    expect(months.previous.start).toBe('2026-01-01');
  });

  it('refuses impossible ranges with a 400 and a message', async () => {
    for (const q of [
      'from=2026-03-02&to=2026-03-01',
      'from=2026-02-30&to=2026-03-01',
      'from=yesterday&to=2026-03-01',
      'from=2020-01-01&to=2026-01-01&bucket=hour',
    ]) {
      const res = await call(app, 'GET', `/offices/ber/scores?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.message, q).toMatch(/\w/);
    }
  });
});

describe('attribution', () => {
  it('a press exactly at the shift change goes to the incoming employee', async () => {
    await ok(app, 'POST', '/assignments', {
      deskId: 'ber-1',
      employeeId: 'anna',
      from: '2026-05-04T06:00:00Z',
      to: '2026-05-04T12:00:00Z',
    });
    await ok(app, 'POST', '/assignments', {
      deskId: 'ber-1',
      employeeId: 'bernd',
      from: '2026-05-04T12:00:00Z',
      to: '2026-05-04T18:00:00Z',
    });
    await ingest(app, 'k-ber', [
      press('k-ber', 'desk', 'good', '2026-05-04T11:59:30Z'),
      press('k-ber', 'desk', 'bad', '2026-05-04T12:00:00.000Z'),
    ]);
    const anna = await ok(app, 'GET', '/employees/anna/scores?from=2026-05-04&to=2026-05-05');
    const bernd = await ok(app, 'GET', '/employees/bernd/scores?from=2026-05-04&to=2026-05-05');
    expect(anna.total.scores.staff.counts).toMatchObject({ good: 1, bad: 0 });
    expect(bernd.total.scores.staff.counts).toMatchObject({ good: 0, bad: 1 });
  });

  it('refuses overlapping assignments with a message naming both', async () => {
    const res = await call(app, 'POST', '/assignments', {
      deskId: 'ber-1',
      employeeId: 'anna',
      from: '2026-05-04T17:00:00Z',
      to: '2026-05-04T19:00:00Z',
    });
    expect(res.status).toBe(409);
    expect(res.body.message).toMatch(/desk ber-1 already has employee bernd/);
  });

  it('presses with nobody at the desk count for the office as unattributed, never for an employee', async () => {
    await ingest(app, 'k-ber', [press('k-ber', 'desk', 'bad', '2026-05-04T20:00:00Z')]);
    const office = await ok(app, 'GET', '/offices/ber/scores?from=2026-05-04&to=2026-05-05');
    expect(office.total.scores.staff.counts.total).toBe(3);
    expect(office.total.unattributed).toMatchObject({ bad: 1, total: 1 });
    const desk = await ok(app, 'GET', '/desks/ber-1/scores?from=2026-05-04&to=2026-05-05');
    expect(desk.total.scores.staff.counts.total).toBe(3);
  });

  it('a retroactive correction re-attributes the affected presses', async () => {
    const list = (await ok(app, 'GET', '/assignments?deskId=ber-1')).items as Array<{ id: string; employeeId: string }>;
    const annaShift = list.find((a) => a.employeeId === 'anna')!;
    const berndShift = list.find((a) => a.employeeId === 'bernd')!;
    // Anna actually left at 11:00 and Bernd started then: the 11:59:30 press is Bernd's.
    await ok(app, 'PUT', `/assignments/${annaShift.id}`, {
      deskId: 'ber-1',
      employeeId: 'anna',
      from: '2026-05-04T06:00:00Z',
      to: '2026-05-04T11:00:00Z',
    });
    const saved = await ok(app, 'PUT', `/assignments/${berndShift.id}`, {
      deskId: 'ber-1',
      employeeId: 'bernd',
      from: '2026-05-04T11:00:00Z',
      to: '2026-05-04T18:00:00Z',
    });
    expect(saved.reattributed).toBe(1);
    const anna = await ok(app, 'GET', '/employees/anna/scores?from=2026-05-04&to=2026-05-05');
    const bernd = await ok(app, 'GET', '/employees/bernd/scores?from=2026-05-04&to=2026-05-05');
    expect(anna.total.scores.staff.counts.total).toBe(0);
    expect(bernd.total.scores.staff.counts).toMatchObject({ good: 1, bad: 1, total: 2 });
    // Deleting an assignment makes its presses unattributed again.
    const removed = await ok(app, 'DELETE', `/assignments/${berndShift.id}`);
    expect(removed.reattributed).toBe(2);
    const office = await ok(app, 'GET', '/offices/ber/scores?from=2026-05-04&to=2026-05-05');
    expect(office.total.unattributed.total).toBe(3);
  });
});

describe('late events and clock correction', () => {
  it('a late event lands in its historical bucket and re-flags its neighbours', async () => {
    await ingest(app, 'k-ber', spaced('k-ber', 'desk', ['good', 'good'], '2026-06-10T08:00:03Z'));
    let day = await ok(app, 'GET', '/offices/ber/scores?from=2026-06-10&to=2026-06-11');
    expect(day.total.scores.staff.counts).toMatchObject({ good: 2, excluded: 0 });
    // A kiosk offline for days delivers a press from 3 s before: it is the first, the 08:00:03 press now a repeat.
    await ingest(app, 'k-ber', [press('k-ber', 'desk', 'bad', '2026-06-10T08:00:00Z', { seq: 1 })]);
    day = await ok(app, 'GET', '/offices/ber/scores?from=2026-06-10&to=2026-06-11&bucket=hour');
    expect(day.total.scores.staff.counts).toMatchObject({ good: 1, bad: 1, total: 2, excluded: 1 });
    expect(
      day.buckets.filter((b: { scores: { staff: { counts: { total: number } } } }) => staff(b) > 0).map((b: { start: string }) => b.start),
    ).toEqual(['2026-06-10T08:00:00.000Z']);
  });

  it('presses before clock sync are reported as time-uncertain, then corrected from the boot once a synced event arrives', async () => {
    const wrong = press('k-ber', 'desk', 'bad', '2021-01-01T00:00:00Z', { clockSynced: false, bootId: 'boot-9', uptimeMs: 5_000 });
    await ingest(app, 'k-ber', [wrong]);
    let r = await ok(app, 'GET', '/offices/ber/scores?from=2026-07-01&to=2026-07-02');
    expect(r.timeUncertain).toBe(1);
    expect(r.total.scores.staff.counts.total).toBe(0);
    // Same boot, 65 s of uptime later, clock synced at 09:01:05Z: the early press was at 09:00:05Z.
    await ingest(app, 'k-ber', [press('k-ber', 'desk', 'good', '2026-07-01T09:01:05Z', { bootId: 'boot-9', uptimeMs: 70_000 })]);
    r = await ok(app, 'GET', '/offices/ber/scores?from=2026-07-01&to=2026-07-02&bucket=hour');
    expect(r.timeUncertain).toBe(0);
    expect(r.total.scores.staff.counts).toMatchObject({ good: 1, bad: 1 });
    expect(r.buckets.find((b: { start: string }) => b.start === '2026-07-01T09:00:00.000Z').scores.staff.counts.total).toBe(2);
    // A later unsynced press of that boot is corrected at once.
    await ingest(app, 'k-ber', [
      press('k-ber', 'desk', 'neutral', '2021-01-01T00:10:00Z', { clockSynced: false, bootId: 'boot-9', uptimeMs: 3_670_000 }),
    ]);
    r = await ok(app, 'GET', '/offices/ber/scores?from=2026-07-01T10:00:00Z&to=2026-07-01T11:00:00Z');
    expect(r.total.scores.staff.counts).toMatchObject({ neutral: 1, total: 1 });
  });
});
