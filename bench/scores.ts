/**
 * Scores at scale: a year of presses from a generated fleet (default 2 000 kiosks, 10 million presses),
 * written through the gateway's own ingest writer (`store.commitIngest`: scoring + rollups in the same
 * transaction), then score and ranking queries through the REST API (`app.inject`, real SQLite file).
 *
 * Fleet: offices of 4 kiosks (3 desks with a staff panel each, 1 kiosk with office + loyalty panels),
 * 10 offices per region, 6 time zones; 2 employees per desk, alternating monthly. Presses fall in local
 * office hours, a few per cent are misuse (a second press within the lock-out).
 *
 * Ingest with vs without rollups: the same events (the first INGEST_SAMPLE of the year) into two fresh
 * stores, one with the panels bound (scored, rollups) and one without (stored only), medians of 3 rounds.
 */
import { join } from 'node:path';
import { buildApp } from '../gateway/src/app.js';
import { testConfig } from '../gateway/src/lib/config.js';
import { SqliteStore } from '../gateway/src/store/sqlite.js';
import type { Event } from '../shared/src/index.js';
import { ProtocolKiosk, makeEvents } from '../scripts/protocol-kiosk.js';
import { registerKiosk, startGateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { cpuSeconds } from './load.js';
import { Prng } from '../scripts/fleet/prng.js';
import { fmt, median, percentile, type BenchResult } from './stats.js';

const ZONES = ['Europe/Moscow', 'Europe/Berlin', 'Asia/Yekaterinburg', 'America/New_York', 'Asia/Vladivostok', 'Europe/London'];
const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const DAY = 86_400_000;
export const ADMIN = 'bench-admin-token';

export interface Kiosk {
  id: string;
  office: number;
  panels: string[];
  zoneOffsetH: number;
  seq: number;
}

/** `start`: the first day of the year (UTC midnight); desks get monthly assignments from its month on, 13 months. */
export async function seedOrg(store: SqliteStore, offices: number, bind: boolean, start = YEAR_START): Promise<Kiosk[]> {
  const first = new Date(start);
  const kiosks: Kiosk[] = [];
  const offsets: Record<string, number> = {
    'Europe/Moscow': 3,
    'Europe/Berlin': 1,
    'Asia/Yekaterinburg': 5,
    'America/New_York': -5,
    'Asia/Vladivostok': 10,
    'Europe/London': 0,
  };
  for (let o = 0; o < offices; o++) {
    const zone = ZONES[o % ZONES.length]!;
    const region = `r${Math.floor(o / 10)}`;
    if (o % 10 === 0) await store.createOrg('region', { id: region, name: region });
    await store.createOrg('office', { id: `o${o}`, name: `Office ${o}`, timeZone: zone, regionId: region, k: null });
    for (let d = 0; d < 3; d++) {
      const desk = `o${o}-d${d}`;
      await store.createOrg('desk', { id: desk, officeId: `o${o}`, name: desk });
      for (const e of [0, 1]) await store.createOrg('employee', { id: `${desk}-e${e}`, name: 'e', officeId: `o${o}` });
      for (let m = 0; m < 13; m++) {
        const from = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + m, 1);
        await store.putAssignment({
          id: `${desk}-m${m}`,
          deskId: desk,
          employeeId: `${desk}-e${m % 2}`,
          from,
          to: Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + m + 1, 1),
        });
      }
      const id = `k${o}-${d}`;
      await store.createKiosk({ id, officeId: `o${o}`, passwordHash: 'x' });
      if (bind) await store.putBinding({ kioskId: id, panel: 'desk', kind: 'staff', officeId: `o${o}`, deskId: desk });
      kiosks.push({ id, office: o, panels: ['desk'], zoneOffsetH: offsets[zone]!, seq: 0 });
    }
    const id = `k${o}-hall`;
    await store.createKiosk({ id, officeId: `o${o}`, passwordHash: 'x' });
    if (bind) {
      await store.putBinding({ kioskId: id, panel: 'office', kind: 'office', officeId: `o${o}`, deskId: null });
      await store.putBinding({ kioskId: id, panel: 'loyalty', kind: 'loyalty', officeId: `o${o}`, deskId: null });
    }
    kiosks.push({ id, office: o, panels: ['office', 'loyalty'], zoneOffsetH: offsets[zone]!, seq: 0 });
  }
  return kiosks;
}

/** One kiosk's presses of days [day, day + days) after `start`: office hours 09–19 local, ~5 % quick repeats. */
export function week(k: Kiosk, day: number, days: number, perDay: number, random: () => number, start = YEAR_START): Event[] {
  const out: Event[] = [];
  for (let d = day; d < day + days; d++) {
    const n = Math.round(perDay * (0.5 + random()));
    const times = Array.from(
      { length: n },
      () => start + d * DAY + (9 - k.zoneOffsetH) * 3_600_000 + Math.floor(random() * 10 * 3_600_000),
    ).sort((a, b) => a - b);
    for (const t0 of times) {
      const burst = random() < 0.05 ? 2 : 1;
      for (let b = 0; b < burst; b++) {
        const t = t0 + b * 1500;
        const r = random();
        out.push({
          // Unique and cheap (ulid's crypto randomness was half the generation time).
          id: `ev-${k.id}-${++k.seq}`,
          seq: k.seq,
          panel: k.panels[Math.floor(random() * k.panels.length)]!,
          button: r < 0.7 ? 'good' : r < 0.85 ? 'neutral' : 'bad',
          at: new Date(t).toISOString(),
          clockSynced: true,
          bootId: `${k.id}-boot`,
          uptimeMs: t - start,
          flags: [],
        });
      }
    }
  }
  return out;
}

/** Writes the year through the ingest writer, `KIOSKS_PER_COMMIT` kiosks' weeks per transaction. Returns events/s (time inside the writer). */
/** `rate`: events/s over the whole run; `lastRate`: over the last tenth, when the store is nearly full. */
export async function generate(
  store: SqliteStore,
  kiosks: Kiosk[],
  perDay: number,
  days: number,
  limit = Infinity,
  start = YEAR_START,
): Promise<{ events: number; rate: number; lastRate: number }> {
  const prng = new Prng(42); // deterministic: every run generates the same year
  const random = () => prng.next();
  const KIOSKS_PER_COMMIT = 16;
  const expected = Math.min(limit, kiosks.length * perDay * 1.05 * days);
  let events = 0;
  let busy = 0;
  let lastEvents = 0;
  let lastBusy = 0;
  for (let day = 0; day < days && events < limit; day += 7) {
    for (let i = 0; i < kiosks.length && events < limit; i += KIOSKS_PER_COMMIT) {
      const batches = kiosks.slice(i, i + KIOSKS_PER_COMMIT).flatMap((k) => {
        const evs = week(k, day, Math.min(7, days - day), perDay, random, start);
        const parts = [];
        for (let j = 0; j < evs.length; j += 500) parts.push({ kioskId: k.id, events: evs.slice(j, j + 500), rejected: [] });
        return parts;
      });
      const t0 = performance.now();
      await store.commitIngest({ batches, statuses: [], deadLetters: [] });
      const took = performance.now() - t0;
      const n = batches.reduce((sum, b) => sum + b.events.length, 0);
      busy += took;
      events += n;
      if (events > expected * 0.9) {
        lastBusy += took;
        lastEvents += n;
      }
    }
  }
  return { events, rate: events / (busy / 1000), lastRate: lastEvents / (lastBusy / 1000) };
}

async function ingestRatio(offices: number, perDay: number, sample: number): Promise<{ scored: number; plain: number }> {
  const round = async (bind: boolean) => {
    const store = new SqliteStore(join(tempDir('scores-ingest'), 'gateway.db'));
    await store.migrate();
    const kiosks = await seedOrg(store, offices, bind);
    const { rate } = await generate(store, kiosks, perDay, 365, sample);
    await store.close();
    return rate;
  };
  return alternatingMedians(round);
}

/**
 * End to end, as bench/ingest.ts (kiosks → embedded broker → validate → SQLite → ack, 4 kiosks × 50 000
 * events, 500 per message): a gateway whose kiosks' staff panels are bound to desks (scored, rollups)
 * against one whose kiosks are unbound (stored only). Medians of 3 rounds, a fresh gateway each.
 */
async function endToEndRatio(
  kiosks: number,
  perKiosk: number,
): Promise<{ rate: { scored: number; plain: number }; perCpu: { scored: number; plain: number } }> {
  const perCpu = new Map<boolean, number[]>([
    [true, []],
    [false, []],
  ]);
  const round = async (bind: boolean) => {
    const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
    try {
      if (bind) {
        await gw.api('POST', '/api/v1/offices', { id: 'o', name: 'o', timeZone: 'Europe/Berlin' });
      }
      const fleet = await Promise.all(
        Array.from({ length: kiosks }, async (_, i) => {
          const id = `e2e-${i}`;
          const events = makeEvents(perKiosk); // before connecting: see bench/ingest.ts
          if (bind) {
            await gw.api('POST', '/api/v1/desks', { id: `d${i}`, officeId: 'o', name: 'd' });
            await gw.api('POST', '/api/v1/employees', { id: `e${i}`, name: 'e', officeId: 'o' });
            await gw.api('POST', '/api/v1/assignments', { deskId: `d${i}`, employeeId: `e${i}`, from: '2020-01-01T00:00:00Z' });
          }
          const panels = [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, ...(bind ? { deskId: `d${i}` } : {}) }];
          const creds = await registerKiosk(gw, id, bind ? { officeId: 'o', panels } : {});
          const kiosk = new ProtocolKiosk({
            url: `mqtt://127.0.0.1:${gw.mqttPort}`,
            kioskId: id,
            password: creds.password,
            window: 4,
            retransmitMs: 30_000,
          });
          await kiosk.connect();
          return { kiosk, events };
        }),
      );
      const pid = gw.proc.child.pid!;
      const t0 = performance.now();
      const cpu0 = cpuSeconds(pid);
      await Promise.all(fleet.map((k) => k.kiosk.deliver(k.events)));
      const rate = (kiosks * perKiosk) / ((performance.now() - t0) / 1000);
      // The gateway's own CPU per press: what rollups cost it, whatever else the machine is running.
      perCpu.get(bind)!.push((kiosks * perKiosk) / (cpuSeconds(pid) - cpu0));
      await Promise.all(fleet.map((k) => k.kiosk.close()));
      return rate;
    } finally {
      await gw.proc.kill('SIGTERM');
    }
  };
  const rate = await alternatingMedians(round);
  return { rate, perCpu: { scored: median(perCpu.get(true)!), plain: median(perCpu.get(false)!) } };
}

/** Each URL's answer time through the REST API, in turn (sorted, ms); any answer but 200 fails the bench. */
export async function timeQueries(app: Awaited<ReturnType<typeof buildApp>>, urls: string[]): Promise<number[]> {
  const times: number[] = [];
  for (const url of urls) {
    const t0 = performance.now();
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN}` } });
    times.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
  return times.sort((a, b) => a - b);
}

interface SizeFigures {
  events: number;
  genSeconds: number;
  rate: number;
  lastRate: number;
  office: number[];
  employee: number[];
  ranking: number[];
}

/** A year for `kiosks` kiosks generated into a fresh store, then the score queries on it. */
async function scoresAtSize(kiosks: number, pressesPerKiosk: number): Promise<SizeFigures> {
  const offices = Math.max(1, Math.round(kiosks / 4));
  const perDay = pressesPerKiosk / 365 / 1.05; // bursts add ~5 %
  const dir = tempDir('scores');
  const store = new SqliteStore(join(dir, 'gateway.db'));
  await store.migrate();
  const fleet = await seedOrg(store, offices, true);
  const t0 = performance.now();
  const gen = await generate(store, fleet, perDay, 365);
  const genSeconds = (performance.now() - t0) / 1000;
  store.db.pragma('optimize');
  const app = await buildApp(testConfig({ adminToken: ADMIN, dataDir: dir }), { store });
  await app.ready();
  const prng = new Prng(7);
  const random = () => prng.next();
  const pick = (n: number) => Math.floor(random() * n);
  try {
    const year = 'from=2025-01-01&to=2026-01-01&bucket=month';
    const officeUrls = Array.from({ length: 200 }, () => `/api/v1/offices/o${pick(offices)}/scores?${year}`);
    const employeeUrls = Array.from({ length: 200 }, () => `/api/v1/employees/o${pick(offices)}-d${pick(3)}-e${pick(2)}/scores?${year}`);
    const rankingUrls = Array.from({ length: 40 }, () => {
      const m = 1 + pick(12);
      const to = m === 12 ? '2026-01-01' : `2025-${String(m + 1).padStart(2, '0')}-01`;
      return `/api/v1/rankings?level=employee&index=ink&from=2025-${String(m).padStart(2, '0')}-01&to=${to}`;
    });
    await timeQueries(app, officeUrls.slice(0, 10)); // warm-up: statement cache, page cache
    return {
      events: gen.events,
      genSeconds,
      rate: gen.rate,
      lastRate: gen.lastRate,
      office: await timeQueries(app, officeUrls),
      employee: await timeQueries(app, employeeUrls),
      ranking: await timeQueries(app, rankingUrls),
    };
  } finally {
    await app.close();
  }
}

/**
 * The targets on the full size (10 M presses), and how cost grows: the same year for a tenth of the
 * fleet (1 M presses) — ingest rate near the end of each generation, and query latency on each store.
 */
export async function benchScores(opts: { kiosks: number; pressesPerKiosk: number }): Promise<BenchResult> {
  const small = await scoresAtSize(Math.max(4, Math.round(opts.kiosks / 10)), opts.pressesPerKiosk);
  const big = await scoresAtSize(opts.kiosks, opts.pressesPerKiosk);
  const offices = Math.max(1, Math.round(opts.kiosks / 4));
  const sample = Math.min(200_000, big.events);
  const ratio = await ingestRatio(offices, opts.pressesPerKiosk / 365 / 1.05, sample);
  const e2e = await endToEndRatio(4, opts.kiosks >= 2000 ? 50_000 : 10_000);
  const p95 = (xs: number[]) => percentile(xs, 95);
  const pass = p95(big.office) <= 20 && p95(big.employee) <= 20 && p95(big.ranking) <= 100 && e2e.rate.scored / e2e.rate.plain >= 0.8;
  const million = (n: number) => `${fmt(n / 1e6, n < 1e6 ? 2 : 1)} M`;
  const growth = Object.fromEntries(
    [small, big].flatMap((f) => {
      const at = `at ${million(f.events)} stored`;
      return [
        [`${at}: ingest writer events/s over the last tenth`, Math.round(f.lastRate)],
        [`${at}: office year by month p95 ms`, fmt(p95(f.office))],
        [`${at}: employee year by month p95 ms`, fmt(p95(f.employee))],
        [`${at}: rankings p95 ms`, fmt(p95(f.ranking))],
      ];
    }),
  );
  return {
    name: 'scores at scale (rollups)',
    figures: {
      kiosks: opts.kiosks,
      offices,
      employees: offices * 6,
      presses: big.events,
      'generation s (ingest writer, scoring + rollups)': fmt(big.genSeconds, 1),
      'office year by month p95 ms': fmt(p95(big.office)),
      'office year by month p50 ms': fmt(percentile(big.office, 50)),
      'employee year by month p95 ms': fmt(p95(big.employee)),
      'employee year by month p50 ms': fmt(percentile(big.employee, 50)),
      'rankings, all employees, one month p95 ms': fmt(p95(big.ranking)),
      'rankings p50 ms': fmt(percentile(big.ranking, 50)),
      ...growth,
      'end-to-end ingest events/s with rollups (MQTT, 4 kiosks, median of 3)': Math.round(e2e.rate.scored),
      'end-to-end ingest events/s without rollups (unbound panels, median of 3)': Math.round(e2e.rate.plain),
      'end-to-end ingest ratio with/without rollups': Number((e2e.rate.scored / e2e.rate.plain).toFixed(3)),
      'gateway CPU: events per CPU-second with rollups': Math.round(e2e.perCpu.scored),
      'gateway CPU: events per CPU-second without rollups': Math.round(e2e.perCpu.plain),
      'gateway CPU ratio with/without rollups (robust to a busy machine)': Number((e2e.perCpu.scored / e2e.perCpu.plain).toFixed(3)),
      'writer only, sparse year (every press its own hour row) events/s with rollups': Math.round(ratio.scored),
      'writer only, sparse year, events/s without rollups': Math.round(ratio.plain),
      'writer only ratio with/without rollups (worst case, informational)': Number((ratio.scored / ratio.plain).toFixed(3)),
      'writer sample events': sample,
    },
    target:
      'scores p95 ≤ 20 ms (office and employee, year by month); rankings p95 ≤ 100 ms; end-to-end ingest with rollups ≥ 0.80 of without',
    pass,
  };
}

/** Three rounds each way, alternating so drift in the machine hits both alike; the medians. */
async function alternatingMedians(round: (bind: boolean) => Promise<number>): Promise<{ scored: number; plain: number }> {
  const scored: number[] = [];
  const plain: number[] = [];
  for (let r = 0; r < 3; r++) {
    plain.push(await round(false));
    scored.push(await round(true));
  }
  return { scored: median(scored), plain: median(plain) };
}
