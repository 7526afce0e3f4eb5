/**
 * The period-visitors rule and like-with-like rankings through the real HTTP API of a real gateway
 * process on a SQLite file, presses sent by kiosks over MQTT. Offices are in Moscow (UTC+3, no DST):
 *
 *   msk  presses 03-02 (G G B), 03-03 (G B B), 03-04 (G G G B); counts 03-02: 10, 03-03: 8 — 03-04 lacks one
 *   spb  presses 03-02 (G G B N), 03-03 (G G at 10:xx, G at 11:00), 03-05 (B G); 03-04 closed;
 *        counts 03-02: 12 (day), 03-03: 5 at 10:00 + 4 at 11:00 (hourly), 03-05: 6; the same per desk
 *   spb2 the same presses and counts as spb (an office has one region)
 *   kzn  presses 03-02 (B B G); no counts at all
 *   nsk  nothing at all (idle)
 * Regions: north = msk + spb; west = spb2 + nsk; kzn none. Period 2026-03-02 … 2026-03-06 (to exclusive).
 * Every expected number is worked out by hand in the comments.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiosk } from '../helpers.js';
import { press } from '../org-helpers.js';
import { registerKiosk, startGateway, type Gateway } from '../../../scripts/lib/processes.js';
import type { Event } from '../../../shared/src/index.js';

let gw: Gateway;
const passwords = new Map<string, string>();
const closers: Array<() => Promise<unknown>> = [];

/** Local Moscow time → ISO instant. */
const msk = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+03:00`).toISOString();

async function api(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  const res = await gw.api(method, `/api/v1${path}`, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A kiosk with one staff panel bound to `desk`, pressing over MQTT; resolves when the gateway has committed. */
async function pressAt(kioskId: string, presses: Array<[date: string, hhmm: string, button: Event['button']]>) {
  const k = await kiosk(`mqtt://127.0.0.1:${gw.mqttPort}`, kioskId, passwords.get(kioskId)!);
  closers.push(() => k.close());
  await k.publishEvents({ v: 1, kioskId, events: presses.map(([d, t, b]) => press(kioskId, 'desk', b, msk(d, t))) });
  const ack = await k.nextAck(10_000);
  expect(ack.rejected ?? []).toEqual([]);
}

beforeAll(async () => {
  gw = await startGateway({ logLevel: 'warn' }); // a real process on a SQLite file in its data dir
  await api('/regions', { id: 'north', name: 'North' });
  await api('/regions', { id: 'west', name: 'West' });
  for (const [id, region] of [
    ['msk', 'north'],
    ['spb', 'north'],
    ['spb2', 'west'],
    ['kzn', null],
    ['nsk', 'west'],
  ] as const) {
    await api('/offices', { id, name: id, timeZone: 'Europe/Moscow', regionId: region });
    await api('/desks', { id: `${id}-1`, officeId: id, name: 'Window 1' });
    const creds = await registerKiosk(gw, `k-${id}`, {
      officeId: id,
      panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, deskId: `${id}-1` }],
    });
    passwords.set(`k-${id}`, creds.password);
  }
  await api(
    '/settings',
    { k: 0, neutralCountsAsDissatisfied: false, minSample: 3, misuse: { lockoutMs: 5000, burstCount: 5, burstWindowMs: 10000 } },
    'PUT',
  );

  await pressAt('k-msk', [
    ['2026-03-02', '10:00', 'good'],
    ['2026-03-02', '10:01', 'good'],
    ['2026-03-02', '10:02', 'bad'],
    ['2026-03-03', '10:00', 'good'],
    ['2026-03-03', '10:01', 'bad'],
    ['2026-03-03', '10:02', 'bad'],
    ['2026-03-04', '10:00', 'good'],
    ['2026-03-04', '10:01', 'good'],
    ['2026-03-04', '10:02', 'good'],
    ['2026-03-04', '10:03', 'bad'],
  ]);
  await api(
    '/offices/msk/visitors',
    {
      entries: [
        { date: '2026-03-02', count: 10 },
        { date: '2026-03-03', count: 8 },
      ],
    },
    'PUT',
  );
  for (const office of ['spb', 'spb2']) {
    await pressAt(`k-${office}`, [
      ['2026-03-02', '10:00', 'good'],
      ['2026-03-02', '10:01', 'good'],
      ['2026-03-02', '10:02', 'bad'],
      ['2026-03-02', '10:03', 'neutral'],
      ['2026-03-03', '10:00', 'good'],
      ['2026-03-03', '10:01', 'good'],
      ['2026-03-03', '11:00', 'good'],
      ['2026-03-05', '10:00', 'bad'],
      ['2026-03-05', '10:01', 'good'],
    ]);
    const entries = [
      { date: '2026-03-02', count: 12 },
      { date: '2026-03-03', hour: 10, count: 5 },
      { date: '2026-03-03', hour: 11, count: 4 },
      { date: '2026-03-05', count: 6 },
    ];
    await api(`/offices/${office}/visitors`, { entries }, 'PUT');
    await api(`/offices/${office}/visitors`, { entries: entries.map((e) => ({ ...e, deskId: `${office}-1` })) }, 'PUT');
  }
  await pressAt('k-kzn', [
    ['2026-03-02', '10:00', 'bad'],
    ['2026-03-02', '10:01', 'bad'],
    ['2026-03-02', '10:02', 'good'],
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await gw?.proc.kill('SIGTERM');
});

const period = 'from=2026-03-02&to=2026-03-06';
const staff = (p: { scores: { staff: Record<string, unknown> } }) =>
  p.scores.staff as {
    ink: { value: number; n: number };
    coverageKnown: boolean;
    coverage: unknown;
    counts: { total: number; bad: number };
  };

describe("a period's visitors: known only when every day with presses has a count", () => {
  it('Moscow with counts for 2 of 3 days with presses: visitors unknown, ИНК = B/P, the missing day named', async () => {
    const r = await api(`/offices/msk/scores?${period}`);
    // P = 10, B = 4 → ИНК = 4/10 (not (4 + 8)/18 from the 2 days' 18 visitors).
    expect(r.total.visitors).toBeNull();
    expect(staff(r.total).coverageKnown).toBe(false);
    expect(staff(r.total).coverage).toBeNull();
    expect(staff(r.total).ink).toMatchObject({ value: 4 / 10, n: 10 });
    expect(r.total.visitorsMissing).toEqual([{ officeId: 'msk', days: ['2026-03-04'] }]);
    expect(r.total.localStart).toBe('2026-03-02T00:00:00+03:00');
    expect(r.total.localEnd).toBe('2026-03-06T00:00:00+03:00');
  });

  it('a closed day (no presses, no count) does not make visitors unknown', async () => {
    const r = await api(`/offices/spb/scores?${period}`);
    // 03-04 is closed. V = 12 + (5 + 4) + 6 = 27, P = 9, B = 2, S = 18 → ИНК = (2 + 18)/27.
    expect(r.total.visitors).toBe(27);
    expect(r.total.visitorsMissing).toEqual([]);
    expect(staff(r.total).coverageKnown).toBe(true);
    expect(staff(r.total).ink).toMatchObject({ value: 20 / 27, n: 27 });
  });

  it('a period with no count at all is unknown, naming every day with presses', async () => {
    const r = await api(`/offices/kzn/scores?${period}`);
    expect(r.total.visitors).toBeNull();
    expect(r.total.visitorsMissing).toEqual([{ officeId: 'kzn', days: ['2026-03-02'] }]);
    expect(staff(r.total).ink).toMatchObject({ value: 2 / 3, n: 3 }); // B/P
    const idle = await api(`/offices/nsk/scores?${period}`);
    expect(idle.total.visitors).toBeNull();
    expect(idle.total.visitorsMissing).toEqual([]);
  });

  it('a region where one office lacks counts is unknown, naming the office and its day; an idle office does not', async () => {
    const north = await api(`/regions/north/scores?${period}`);
    // msk + spb: P = 19, B = 6 → ИНК = 6/19.
    expect(north.total.visitors).toBeNull();
    expect(north.total.visitorsMissing).toEqual([{ officeId: 'msk', days: ['2026-03-04'] }]);
    expect(staff(north.total).ink).toMatchObject({ value: 6 / 19, n: 19 });
    expect(north.total.localStart).toBeUndefined(); // regions span zones
    const west = await api(`/regions/west/scores?${period}`);
    // spb2 (like spb) + nsk (idle): V = 27, ИНК = 20/27.
    expect(west.total.visitors).toBe(27);
    expect(staff(west.total).ink).toMatchObject({ value: 20 / 27, n: 27 });
  });

  it('day buckets follow the rule each on its own', async () => {
    const r = await api(`/offices/msk/scores?${period}&bucket=day`);
    const rows = r.buckets.map((b: Parameters<typeof staff>[0] & { start: string; visitors: number | null; visitorsMissing: unknown }) => [
      b.start,
      b.visitors,
      staff(b).ink?.value ?? null,
      staff(b).coverageKnown,
      b.visitorsMissing,
    ]);
    expect(rows).toEqual([
      ['2026-03-02', 10, (1 + 7) / 10, true, []], // P 3, B 1, S 7
      ['2026-03-03', 8, (2 + 5) / 8, true, []], // P 3, B 2, S 5
      ['2026-03-04', null, 1 / 4, false, [{ officeId: 'msk', days: ['2026-03-04'] }]], // B/P
      ['2026-03-05', null, null, false, []], // closed: nothing pressed, nothing counted
    ]);
  });

  it('hour buckets need an hourly count per hour with presses; a day entry counts only for a span holding the whole day', async () => {
    const spb = await api('/offices/spb/scores?from=2026-03-03&to=2026-03-04&bucket=hour');
    const at = (b: { localStart: string }) => b.localStart.slice(11, 16);
    const ten = spb.buckets.find((b: { localStart: string }) => at(b) === '10:00');
    const eleven = spb.buckets.find((b: { localStart: string }) => at(b) === '11:00');
    expect(ten.start).toBe('2026-03-03T07:00:00.000Z');
    expect(ten.localStart).toBe('2026-03-03T10:00:00+03:00');
    expect([ten.visitors, staff(ten).ink.value]).toEqual([5, 3 / 5]); // P 2, B 0, S 3
    expect([eleven.visitors, staff(eleven).ink.value]).toEqual([4, 3 / 4]); // P 1, S 3
    expect([spb.total.visitors, staff(spb.total).ink.value]).toEqual([9, 6 / 9]);

    const mskDay = await api('/offices/msk/scores?from=2026-03-02&to=2026-03-03&bucket=hour');
    expect(mskDay.total.visitors).toBe(10); // the day entry lies inside the whole day
    const tenMsk = mskDay.buckets.find((b: { localStart: string }) => at(b) === '10:00');
    expect(tenMsk.visitors).toBeNull();
    expect(tenMsk.visitorsMissing).toEqual([{ officeId: 'msk', hours: ['2026-03-02T10:00:00+03:00'] }]);
    expect(staff(tenMsk).ink.value).toBe(1 / 3);
  });

  it('a desk with its own counts: the days its office had presses decide', async () => {
    const r = await api(`/desks/spb-1/scores?${period}`);
    expect([r.total.visitors, staff(r.total).ink.value]).toEqual([27, 20 / 27]);
    const none = await api(`/desks/msk-1/scores?${period}`);
    expect(none.total.visitorsMissing).toEqual([{ officeId: 'msk', days: ['2026-03-02', '2026-03-03', '2026-03-04'] }]);
  });
});

describe('rankings compare like with like', () => {
  const rank = (q: string) => api(`/rankings?index=ink&kind=staff&${period}&${q}`);
  const rows = (r: { items: Array<{ rank: number; id: string; value: number; coverageKnown: boolean }> }) =>
    r.items.map((i) => [i.rank, i.id, i.value, i.coverageKnown]);

  it('offices by visitors (the default): offices without complete counts are left out, counted, and said why', async () => {
    const r = await rank('level=office');
    expect(r.basis).toBe('visitors');
    expect(rows(r)).toEqual([
      [1, 'spb', 20 / 27, true],
      [2, 'spb2', 20 / 27, true],
    ]);
    expect(r.leftOut).toBe(2);
    expect(r.leftOutReasons).toEqual({ visitorsUnknown: 2, insufficientSample: 0 });
    expect(r.leftOutSubjects).toEqual([
      { id: 'kzn', officeId: 'kzn', reason: 'visitorsUnknown', visitorsMissing: [{ officeId: 'kzn', days: ['2026-03-02'] }] },
      { id: 'msk', officeId: 'msk', reason: 'visitorsUnknown', visitorsMissing: [{ officeId: 'msk', days: ['2026-03-04'] }] },
    ]);
  });

  it('offices by presses: all on B′/P, each saying whether its visitors are known', async () => {
    const r = await rank('level=office&basis=presses');
    // spb, spb2 2/9 = 0.22; msk 4/10; kzn 2/3.
    expect(r.basis).toBe('presses');
    expect(rows(r)).toEqual([
      [1, 'spb', 2 / 9, true],
      [2, 'spb2', 2 / 9, true],
      [3, 'msk', 4 / 10, false],
      [4, 'kzn', 2 / 3, false],
    ]);
    expect(r.leftOut).toBe(0);
  });

  it('regions: by visitors north (msk lacks a day) is left out; by presses both rank', async () => {
    const r = await rank('level=region');
    expect(rows(r)).toEqual([[1, 'west', 20 / 27, true]]);
    expect(r.leftOutSubjects).toEqual([
      { id: 'north', officeId: null, reason: 'visitorsUnknown', visitorsMissing: [{ officeId: 'msk', days: ['2026-03-04'] }] },
    ]);
    const p = await rank('level=region&basis=presses');
    expect(rows(p)).toEqual([
      [1, 'west', 2 / 9, true],
      [2, 'north', 6 / 19, false],
    ]); // north: 6/19 = 0.32
  });

  it('desks default to presses; by visitors only desks with their own counts rank', async () => {
    const d = await rank('level=desk');
    expect(d.basis).toBe('presses');
    expect(rows(d)).toEqual([
      [1, 'spb-1', 2 / 9, true],
      [2, 'spb2-1', 2 / 9, true],
      [3, 'msk-1', 4 / 10, false],
      [4, 'kzn-1', 2 / 3, false],
    ]);
    const v = await rank('level=desk&basis=visitors');
    expect(rows(v)).toEqual([
      [1, 'spb-1', 20 / 27, true],
      [2, 'spb2-1', 20 / 27, true],
    ]);
    expect(v.leftOutReasons).toEqual({ visitorsUnknown: 2, insufficientSample: 0 });
  });

  it('a manager ranks only its scope, left-out subjects included', async () => {
    const asKey = async (scope: Record<string, string[]>) => {
      const { key } = await api('/api-keys', { name: `manager ${JSON.stringify(scope)}`, role: 'manager', ...scope });
      return (q: string) =>
        fetch(`http://127.0.0.1:${gw.httpPort}/api/v1/rankings?index=ink&kind=staff&${period}&${q}`, {
          headers: { authorization: `Bearer ${key}` },
          // biome-ignore lint/suspicious/noExplicitAny: each call site reads the fields of the answer it asked for.
        }).then((r) => r.json() as Promise<any>);
    };
    const mine = await asKey({ offices: ['msk', 'spb'] });
    const offices = await mine('level=office');
    expect(rows(offices)).toEqual([[1, 'spb', 20 / 27, true]]);
    expect(offices.leftOutSubjects.map((s: { id: string }) => s.id)).toEqual(['msk']); // not kzn
    expect(rows(await mine('level=desk&basis=presses'))).toEqual([
      [1, 'spb-1', 2 / 9, true],
      [2, 'msk-1', 4 / 10, false],
    ]);
    expect((await mine('level=region&basis=presses')).items).toEqual([]); // its key names no region
    const north = await asKey({ regions: ['north'] });
    expect(rows(await north('level=region&basis=presses'))).toEqual([[1, 'north', 6 / 19, false]]);
  });

  it('basis=visitors is for ИНК only (a 400 with a reason); employees take it (their visitors come from the queue system)', async () => {
    // Employees' visitors from the queue: test/gateway/duty/visitors.test.ts. This office has no employees.
    const res = await gw.api('GET', `/api/v1/rankings?level=employee&index=ink&${period}&basis=visitors`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ basis: 'visitors', items: [], leftOut: 0 });
    const csat = await gw.api('GET', `/api/v1/rankings?level=office&index=csat&${period}&basis=visitors`);
    expect(csat.status).toBe(400);
    expect(csat.body.message).toMatch(/applies to ИНК only/);
  });
});
