/**
 * Visitor counts per local hour or day, through the API: DST days in the office's zone (a skipped hour
 * refused, a repeated hour taken at its first occurrence), desks of other offices refused.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers.js';
import { call, ok } from '../org-helpers.js';

let app: FastifyInstance;

beforeAll(async () => {
  ({ app } = await startGateway());
  await ok(app, 'POST', '/offices', { id: 'ber', name: 'Berlin', timeZone: 'Europe/Berlin' });
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow' });
  await ok(app, 'POST', '/desks', { id: 'ber-1', officeId: 'ber', name: 'Window 1' });
  await ok(app, 'POST', '/desks', { id: 'msk-1', officeId: 'msk', name: 'Window 1' });
});
afterAll(async () => {
  await app?.close();
});

describe('visitor counts', () => {
  it("stores hourly and daily entries in the office's local time, across both DST changes", async () => {
    const entries = [
      { date: '2026-03-29', hour: 1, count: 3 }, // 01:00 CET → 03:00 CEST: one real hour
      { date: '2026-03-29', hour: 3, count: 4 },
      { date: '2026-10-25', hour: 2, count: 5 }, // 02:00 happens twice: the first (CEST) one
      { date: '2026-10-26', count: 40, deskId: 'ber-1' },
    ];
    expect((await call(app, 'PUT', '/offices/ber/visitors', { entries })).body).toEqual({ stored: 4 });
    const office = (await call(app, 'GET', '/offices/ber/visitors?from=2026-03-01&to=2026-11-01')).body.items;
    expect(office.map((c: { start: string; end: string; count: number }) => [c.start, c.end, c.count])).toEqual([
      ['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', 3],
      ['2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z', 4],
      ['2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', 5],
    ]);
    const desk = (await call(app, 'GET', '/offices/ber/visitors?from=2026-10-01&to=2026-11-01&deskId=ber-1')).body.items;
    expect(desk).toEqual([
      {
        officeId: 'ber',
        deskId: 'ber-1',
        start: '2026-10-25T23:00:00.000Z',
        end: '2026-10-26T23:00:00.000Z',
        date: '2026-10-26',
        count: 40,
      },
    ]);
  });

  it('refuses an hour the clocks skipped and a desk of another office, naming the entry', async () => {
    const skipped = await call(app, 'PUT', '/offices/ber/visitors', {
      entries: [
        { date: '2026-03-29', hour: 1, count: 1 },
        { date: '2026-03-29', hour: 2, count: 1 },
      ],
    });
    expect(skipped.status).toBe(400);
    expect(skipped.body.message).toBe('entries[1].hour: 2026-03-29 2:00 does not exist in Europe/Berlin (clocks skipped it)');
    const foreign = await call(app, 'PUT', '/offices/ber/sales', {
      entries: [
        { date: '2026-05-01', count: 1, deskId: 'ber-1' },
        { date: '2026-05-01', count: 1, deskId: 'msk-1' },
      ],
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.message).toBe('entries[1].deskId: desk "msk-1" is not in office "ber"');
  });

  it('stores nothing of an upload whose last of 10 000 entries is refused', async () => {
    const entries = Array.from({ length: 9_999 }, (_, i) => ({
      date: new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 24) * 86_400_000).toISOString().slice(0, 10),
      hour: i % 24 === 2 ? 3 : i % 24,
      count: 1,
    }));
    const refused = await call(app, 'PUT', '/offices/msk/visitors', { entries: [...entries, { date: '2026-02-30', count: 1 }] });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('entries[9999].date: "2026-02-30" is not a date');
    expect((await call(app, 'GET', '/offices/msk/visitors?from=2025-01-01&to=2026-03-01')).body.items).toEqual([]);
  });
});
