/**
 * CSV through the API: a fixed header per endpoint whatever the data, intervals as two rounded columns,
 * and cells a spreadsheet cannot turn into formulas — also one whose list separator is `;` (ru-RU
 * Excel), which splits a comma-separated line at every `;`, quoted or not.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startGateway } from '../helpers.js';
import { call, ingest, loyaltyPanel, ok, spaced, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
const csv = async (url: string) => {
  const res = await call(app, 'GET', url, undefined, { ...admin, accept: 'text/csv' });
  expect(res.status, `${url}: ${String(res.body)}`).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  return res.body as string;
};
const header = (text: string) => text.split('\r\n')[0]!;

/**
 * A lenient parser as spreadsheets are: a quote opens a quoted cell only at the start of a cell (`""`
 * inside is a quote; after the closing quote the rest up to the separator is appended as is); elsewhere
 * quotes are plain characters. A line break outside quotes ends the row.
 */
function parse(text: string, sep: ',' | ';'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) break;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
    }
    while (i < text.length && text[i] !== sep && text[i] !== '\r' && text[i] !== '\n') value += text[i++];
    row.push(value);
    if (text[i] === sep) {
      i++;
      continue;
    }
    rows.push(row);
    row = [];
    if (text[i] === '\r' && text[i + 1] === '\n') i += 2;
    else i++;
  }
  return rows;
}

beforeAll(async () => {
  ({ app } = await startGateway());
  await ok(app, 'POST', '/regions', { id: 'north', name: 'North' });
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Moscow', timeZone: 'Europe/Moscow', regionId: 'north' });
  await ok(app, 'POST', '/offices', { id: 'empty', name: 'Empty', timeZone: 'Asia/Vladivostok' });
  await ok(app, 'POST', '/desks', { id: 'msk-1', officeId: 'msk', name: 'Window 1' });
  await ok(app, 'POST', '/employees', { id: 'elena', name: 'Elena', officeId: 'msk' });
  await ok(app, 'POST', '/assignments', { deskId: 'msk-1', employeeId: 'elena', from: '2026-03-01T00:00:00Z' });
  await ok(app, 'POST', '/kiosks', { id: 'k-msk', officeId: 'msk', panels: [{ ...staffPanel(), deskId: 'msk-1' }, loyaltyPanel()] });
  // 2026-03-10 Moscow: staff 3 good, 1 neutral, 3 bad (P = 7); loyalty 4 good, 1 bad.
  await ingest(app, 'k-msk', spaced('k-msk', 'desk', ['good', 'good', 'neutral', 'bad', 'good', 'bad', 'bad'], '2026-03-10T07:00:00Z'));
  await ingest(app, 'k-msk', spaced('k-msk', 'loyalty', ['good', 'good', 'bad', 'good', 'good'], '2026-03-10T09:00:00Z'));
  await ok(app, 'PUT', '/offices/msk/visitors', { entries: [{ date: '2026-03-10', count: 20 }] });
  await ok(app, 'PUT', '/settings', {
    k: 0,
    neutralCountsAsDissatisfied: false,
    minSample: 5,
    misuse: { lockoutMs: 5000, burstCount: 5, burstWindowMs: 10000 },
  });
});
afterAll(async () => {
  await app?.close();
});

describe('CSV columns', () => {
  it.each([
    [
      'office scores',
      '/offices/msk/scores?from=2026-03-10&to=2026-03-12&bucket=day',
      '/offices/empty/scores?from=2026-03-10&to=2026-03-11',
    ],
    [
      'employee scores (no visitor fields in JSON)',
      '/employees/elena/scores?from=2026-03-10&to=2026-03-12&bucket=day',
      '/offices/empty/scores?from=2026-01-01&to=2026-02-01&bucket=month',
    ],
    [
      'region and company scores',
      '/regions/north/scores?from=2026-03-10&to=2026-03-11',
      '/company/scores?from=2025-03-10&to=2025-03-13&bucket=day',
    ],
    [
      'rankings',
      '/rankings?level=employee&index=ink&from=2026-03-01&to=2026-04-01',
      '/rankings?level=region&index=csat&from=2020-03-01&to=2020-04-01',
    ],
    ['visitor counts', '/offices/msk/visitors?from=2026-03-01&to=2026-04-01', '/offices/empty/visitors?from=2026-03-01&to=2026-04-01'],
    ['offices', '/offices', '/offices?after=zzz'],
    ['kiosks', '/kiosks', '/kiosks?after=zzz'],
    ['events', '/kiosks/k-msk/events', '/kiosks/k-msk/events?afterSeq=1000'],
  ])('%s: the same header whatever the data', async (_, a, b) => {
    const [first, second] = [await csv(a), await csv(b)];
    expect(first.split('\r\n').length).not.toBe(second.split('\r\n').length); // really different data
    expect(header(first)).toBe(header(second));
  });

  it('scores: fixed columns, ci95 as ci95_lo/ci95_hi, non-integers rounded to 4 decimals, absent values empty', async () => {
    const text = await csv('/offices/msk/scores?from=2026-03-10&to=2026-03-12&bucket=day');
    const [columns, day10, day11] = parse(text, ',');
    const col = (row: string[], name: string) => row[columns!.indexOf(name)];
    expect(columns).toContain('scores.staff.ink.ci95_lo');
    expect(columns).toContain('scores.staff.ink.ci95_hi');
    expect(columns!.some((c) => c.endsWith('.ci95'))).toBe(false);
    // Staff: B = 3, P = 7, V = 20, S = 13 → ИНК = 16/20 = 0.8; CSAT 3/7 = 0.428571… → 0.4286.
    expect(col(day10!, 'localStart')).toBe('2026-03-10T00:00:00+03:00');
    expect(col(day10!, 'scores.staff.ink.value')).toBe('0.8');
    expect(col(day10!, 'scores.staff.csat.value')).toBe('0.4286');
    // Wilson 95 % for 3 of 7: centre (3/7 + z²/14)/(1 + z²/7), z = 1.959964 → [0.1582…, 0.7495…].
    expect(col(day10!, 'scores.staff.csat.ci95_lo')).toBe('0.1582');
    expect(col(day10!, 'scores.staff.csat.ci95_hi')).toBe('0.7495');
    expect(col(day10!, 'scores.loyalty.iel.value')).toBe('60'); // (4 − 1)/5 × 100
    expect(col(day10!, 'scores.office.ink.value')).toBe(''); // no office panel pressed: absent, empty cell
    expect(col(day11!, 'visitors')).toBe('');
    expect(day10!).toHaveLength(columns!.length);
    expect(day11!).toHaveLength(columns!.length);
  });
});

describe('CSV injection', () => {
  const names = ['x;=1+1;', '=HYPERLINK("http://evil.example")', '+1;-2;@SUM(A1)', 'ok; "=1+1"', 'a\n=1+1', 'plain, with comma'];

  it('a cell with ; , " or a line break is quoted, and no spreadsheet — `,` or `;` separated — sees a formula', async () => {
    for (const [i, name] of names.entries()) {
      await ok(app, 'POST', '/employees', { id: `evil-${i}`, name, officeId: 'msk' });
      await ok(app, 'POST', '/desks', { id: `evil-${i}`, officeId: 'msk', name });
    }
    for (const url of ['/employees', '/desks']) {
      const text = await csv(url);
      expect(text).toContain('"x;\'=1+1;"');
      for (const sep of [',', ';'] as const) {
        const cells = parse(text, sep).flat();
        const formulas = cells.filter((c) => /^[=+\-@]/.test(c));
        expect(formulas, `${url} parsed with "${sep}"`).toEqual([]);
      }
      // Read with the real separator, every name comes back whole, defused where it could start a formula.
      const [columns, ...rows] = parse(text, ',');
      const byId = new Map(rows.map((r) => [r[columns!.indexOf('id')], r[columns!.indexOf('name')]]));
      expect(names.map((_, i) => byId.get(`evil-${i}`))).toEqual([
        "x;'=1+1;",
        '\'=HYPERLINK("http://evil.example")',
        "'+1;'-2;'@SUM(A1)",
        'ok; "\'=1+1"',
        "a\n'=1+1",
        'plain, with comma',
      ]);
    }
  });
});
