/**
 * Hand-computed scores end to end: presses ingested through the gateway's ingest path, read back from
 * the score endpoints with the real SQLite store.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ielEstimate, wilson } from '../../../shared/src/index.js';
import { startGateway } from '../helpers.js';
import { call, ingest, loyaltyPanel, ok, press, spaced, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await startGateway());
  await ok(app, 'POST', '/regions', { id: 'north', name: 'North' });
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow', regionId: 'north' });
  await ok(app, 'POST', '/desks', { id: 'msk-1', officeId: 'msk', name: 'Window 1' });
  await ok(app, 'POST', '/employees', { id: 'elena', name: 'Elena Ivanova', officeId: 'msk' });
  await ok(app, 'POST', '/assignments', { deskId: 'msk-1', employeeId: 'elena', from: '2026-03-01T00:00:00Z' });
  await ok(app, 'POST', '/kiosks', { id: 'k-msk', officeId: 'msk', panels: [{ ...staffPanel(), deskId: 'msk-1' }, loyaltyPanel()] });
  // 2026-03-10, Moscow (UTC+3): 3 good, 1 neutral, 2 bad on the staff panel, a minute apart…
  await ingest(app, 'k-msk', spaced('k-msk', 'desk', ['good', 'good', 'neutral', 'bad', 'good', 'bad'], '2026-03-10T07:00:00Z'));
  // …then a child presses "bad" three times within two seconds: the first counts, two are misuse.
  await ingest(
    app,
    'k-msk',
    ['08:00:00', '08:00:01', '08:00:02'].map((t) => press('k-msk', 'desk', 'bad', `2026-03-10T${t}Z`)),
  );
  // Loyalty panel: 4 good, 1 bad.
  await ingest(app, 'k-msk', spaced('k-msk', 'loyalty', ['good', 'good', 'bad', 'good', 'good'], '2026-03-10T09:00:00Z'));
  await ok(app, 'PUT', '/offices/msk/visitors', { entries: [{ date: '2026-03-10', count: 20 }] });
});
afterAll(async () => {
  await app?.close();
});

const day = '/offices/msk/scores?from=2026-03-10&to=2026-03-11';

describe('office scores, hand-computed', () => {
  it('k = 0 with visitors known: ИНК = (B + S) / V, coverage P / V, misuse excluded', async () => {
    const s = (await ok(app, 'GET', day)).total.scores.staff;
    // G = 3, N = 1, B = 2 + 1, P = 7, 2 excluded; V = 20, S = 13; ИНК = (3 + 13) / 20.
    expect(s.counts).toEqual({ good: 3, neutral: 1, bad: 3, total: 7, excluded: 2 });
    expect(s.ink).toEqual({ value: 16 / 20, ci95: wilson(16, 20), n: 20 });
    expect(s.coverage).toEqual({ value: 7 / 20, ci95: wilson(7, 20), n: 20 });
    expect(s.csat).toEqual({ value: 3 / 7, ci95: wilson(3, 7), n: 7 });
    expect(s.coverageKnown).toBe(true);
    expect(s.sufficient).toBe(false); // 7 < minSample 30
  });

  it('k > 0 (per office): ИНК = (B + (1 − k)·S) / V', async () => {
    await ok(app, 'PUT', '/offices/msk', { name: 'Moscow', timeZone: 'Europe/Moscow', regionId: 'north', k: 0.5 });
    try {
      const s = (await ok(app, 'GET', day)).total.scores.staff;
      expect(s.ink.value).toBeCloseTo((3 + 0.5 * 13) / 20, 12);
      expect(s.ink.ci95).toEqual(wilson(3 + 0.5 * 13, 20));
    } finally {
      await ok(app, 'PUT', '/offices/msk', { name: 'Moscow', timeZone: 'Europe/Moscow', regionId: 'north' });
    }
  });

  it('neutral counted as dissatisfied when the company says so; minSample decides `sufficient`', async () => {
    const settings = await ok(app, 'GET', '/settings');
    await ok(app, 'PUT', '/settings', { ...settings, neutralCountsAsDissatisfied: true, minSample: 5 });
    try {
      const s = (await ok(app, 'GET', day)).total.scores.staff;
      expect(s.ink.value).toBeCloseTo((3 + 1 + 13) / 20, 12);
      expect(s.sufficient).toBe(true);
    } finally {
      await ok(app, 'PUT', '/settings', settings);
    }
  });

  it('visitors unknown: ИНК = B / P and coverage unknown (employee: never known)', async () => {
    const e = (await ok(app, 'GET', '/employees/elena/scores?from=2026-03-10&to=2026-03-11')).total;
    expect(e.visitors).toBeNull();
    expect(e.scores.staff.ink).toEqual({ value: 3 / 7, ci95: wilson(3, 7), n: 7 });
    expect(e.scores.staff.coverage).toBeNull();
    expect(e.scores.staff.coverageKnown).toBe(false);
  });

  it('ИЭЛ from the loyalty panel: (G − B) / P × 100', async () => {
    const l = (await ok(app, 'GET', day)).total.scores.loyalty;
    expect(l.counts).toMatchObject({ good: 4, bad: 1, total: 5 });
    expect(l.iel).toEqual(ielEstimate(4, 1, 5));
    expect(l.iel.value).toBe(60);
    expect(l.ink).toBeNull();
  });

  it('an empty period has zero counts and no index without visitors; with visitors, every silent visitor counts (k = 0)', async () => {
    await ok(app, 'PUT', '/offices/msk/visitors', { entries: [{ date: '2026-03-12', count: 10 }] });
    const r = await ok(app, 'GET', '/offices/msk/scores?from=2026-03-11&to=2026-03-13&bucket=day');
    const [d11, d12] = r.buckets;
    expect(d11.start).toBe('2026-03-11');
    expect(d11.scores.staff.counts).toEqual({ good: 0, neutral: 0, bad: 0, total: 0, excluded: 0 });
    expect(d11.scores.staff.ink).toBeNull();
    expect(d11.visitors).toBeNull();
    expect(d12.scores.staff.ink.value).toBe(1);
    expect(d12.scores.staff.coverage.value).toBe(0);
  });

  it('compares with the previous period of the same length', async () => {
    const r = await ok(app, 'GET', '/offices/msk/scores?from=2026-03-11&to=2026-03-12');
    expect(r.previous.start).toBe('2026-03-10');
    expect(r.previous.scores.staff.counts.total).toBe(7);
    expect(r.total.scores.staff.counts.total).toBe(0);
  });

  it('hour-of-day and weekday breakdowns in the office zone', async () => {
    const r = await ok(app, 'GET', day);
    // 07:00–07:05Z is 10:00 Moscow; 08:00Z is 11:00; 2026-03-10 is a Tuesday.
    expect(r.byHourOfDay[10].scores.staff.counts.total).toBe(6);
    expect(r.byHourOfDay[11].scores.staff.counts).toMatchObject({ total: 1, excluded: 2 });
    expect(r.byWeekday[1].scores.staff.counts.total).toBe(7);
    expect(r.byWeekday[0].scores.staff.counts.total).toBe(0);
    // The heat map's cells: only (weekday, hour)s with presses, each kind's counts, adding up to the hours'.
    type Cell = { weekday: number; hour: number; counts: Record<string, { total: number }> };
    const cells = r.byWeekdayHour as Cell[];
    expect(cells.filter((c) => c.counts.staff).map((c) => ({ weekday: c.weekday, hour: c.hour, staff: c.counts.staff }))).toEqual([
      { weekday: 2, hour: 10, staff: r.byHourOfDay[10].scores.staff.counts },
      { weekday: 2, hour: 11, staff: { good: 0, neutral: 0, bad: 1, total: 1, excluded: 2 } },
    ]);
    for (const { hour, scores } of r.byHourOfDay as Array<{ hour: number; scores: Record<string, { counts: { total: number } }> }>) {
      for (const [kind, s] of Object.entries(scores)) {
        const inCells = cells.filter((c) => c.hour === hour).reduce((n, c) => n + (c.counts[kind]?.total ?? 0), 0);
        expect(inCells, `${kind} at ${hour}:00`).toBe(s.counts.total);
      }
    }
  });

  it('region and company add up their offices', async () => {
    const region = await ok(app, 'GET', '/regions/north/scores?from=2026-03-10&to=2026-03-11');
    expect(region.total.scores.staff.counts.total).toBe(7);
    const company = await ok(app, 'GET', '/company/scores?from=2026-03-10&to=2026-03-11');
    expect(company.total.scores.staff.counts.total).toBe(7);
    expect((await call(app, 'GET', '/regions/north/scores?from=2026-03-10&to=2026-03-11&bucket=hour')).status).toBe(400);
  });

  it('rankings leave out subjects below minSample', async () => {
    const r = await ok(app, 'GET', '/rankings?level=employee&index=ink&from=2026-03-01&to=2026-04-01');
    expect(r.items).toEqual([]);
    expect(r.leftOut).toBe(1);
    const settings = await ok(app, 'GET', '/settings');
    await ok(app, 'PUT', '/settings', { ...settings, minSample: 7 });
    try {
      const again = await ok(app, 'GET', '/rankings?level=employee&index=ink&from=2026-03-01&to=2026-04-01');
      expect(again.items).toEqual([
        {
          rank: 1,
          id: 'elena',
          officeId: 'msk',
          value: 3 / 7,
          ci95: wilson(3, 7),
          n: 7,
          counts: { good: 3, neutral: 1, bad: 3, total: 7, excluded: 2 },
          coverageKnown: false, // no queue system feeds this office: Elena's visitors are unknown
          visitors: null,
          coverage: null,
        },
      ]);
    } finally {
      await ok(app, 'PUT', '/settings', settings);
    }
  });

  it('CSV: one row per bucket, flattened columns', async () => {
    const res = await call(app, 'GET', '/offices/msk/scores?from=2026-03-10&to=2026-03-12&bucket=day', undefined, {
      ...(await import('../helpers.js')).admin,
      accept: 'text/csv',
    });
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, first, second, end] = (res.body as string).split('\r\n');
    const columns = header!.split(',');
    const col = (row: string, name: string) => row.split(',')[columns.indexOf(name)];
    expect(col(first!, 'start')).toBe('2026-03-10');
    expect(col(first!, 'scores.staff.counts.total')).toBe('7');
    expect(col(first!, 'scores.staff.ink.value')).toBe(String(16 / 20));
    expect(col(second!, 'scores.staff.counts.total')).toBe('0');
    expect(end).toBe('');
  });
});
