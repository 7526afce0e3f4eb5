/**
 * Press → visible on an open dashboard (issue 15: p99 ≤ 1 s). The real agent process (virtual board under
 * johnny-five, SQLite outbox with fsync, MQTT.js) online against a real gateway process (embedded broker,
 * SQLite); Debian's Chromium signed in as the admin on that office's page, opened with the period it opens
 * with (the last 7 days, the office's zone). One press at a time: the clock starts when the press command
 * is written to the agent (the user-felt start; its board child then pulls the pin at once) and stops at
 * the first animation frame after the DOM shows the press — a MutationObserver in the page timestamps it
 * (Date.now() in page and bench: the same system clock, ms resolution). Two marks per press:
 * - strip: the press in the page's live strip (`#live [data-event]`), drawn from the SSE frame as it arrives;
 * - count: the ИНК Персонал card's "n = …" one higher, i.e. the figures fetched again and redrawn with the
 *   press counted (at once; presses during a refresh make one more after it).
 * The misuse rules are relaxed for the run (no lock-out) so every press counts; the presses are a second
 * apart. `big`: the gateway runs on a copy of the 10 M-press database (bench/bulk-seed.ts), so the count's
 * refresh reads the office's figures from a big file.
 */
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { ADMIN_TOKEN, registerKiosk, startAgent, startGateway, type Gateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { cachedPressDb } from './bulk-seed.js';
import { KIOSK_NODE_ARGS } from './kiosk.js';
import { fmt, percentile, type BenchResult } from './stats.js';

const TARGET_MS = 1000;

/** What the page-side recorder keeps (window.__lbSeen). */
interface Seen {
  strip: Array<{ id: string; frame: number }>;
  counts: Array<{ n: number; frame: number }>;
}

declare const window: { __lbSeen?: Seen; requestAnimationFrame(cb: () => void): void };
declare const document: {
  querySelector(s: string): { textContent: string | null } | null;
  querySelectorAll(s: string): Iterable<{ dataset: Record<string, string | undefined> }>;
};
declare const MutationObserver: new (cb: () => void) => { observe(target: unknown, opts: Record<string, boolean>): void };

/** Installed in the page: timestamps each new strip entry and each change of the staff card's n at the next frame. */
function installRecorder(): number {
  const seen: Seen = { strip: [], counts: [] };
  window.__lbSeen = seen;
  const ids = new Set<string>();
  const readN = () => {
    const text = document.querySelector('#figures [data-figure="inkStaff"] .ci')?.textContent ?? '';
    const m = /n = (.+)$/.exec(text);
    return m ? Number(m[1]!.replace(/\D/g, '')) : -1;
  };
  for (const el of document.querySelectorAll('#live [data-event]')) ids.add(el.dataset.event!);
  let last = readN();
  const check = () => {
    for (const el of document.querySelectorAll('#live [data-event]')) {
      const id = el.dataset.event!;
      if (ids.has(id)) continue;
      ids.add(id);
      window.requestAnimationFrame(() => seen.strip.push({ id, frame: Date.now() }));
    }
    const n = readN();
    if (n !== last && n >= 0) {
      last = n;
      window.requestAnimationFrame(() => seen.counts.push({ n, frame: Date.now() }));
    }
  };
  new MutationObserver(check).observe(document.querySelector('main#page'), { subtree: true, childList: true, characterData: true });
  return last;
}

async function seedOffice(gw: Gateway, officeId: string | null) {
  let office = officeId;
  let desk: string;
  if (!office) {
    office = 'o1';
    await gw.api('POST', '/api/v1/offices', { id: office, name: 'Office', timeZone: 'Europe/Moscow' });
    desk = 'o1-d1';
    await gw.api('POST', '/api/v1/desks', { id: desk, officeId: office, name: 'Desk' });
  } else desk = `${office}-d0`;
  const patched = await gw.api('PATCH', '/api/v1/settings', { misuse: { lockoutMs: 0, burstCount: 1000, burstWindowMs: 1 } });
  if (patched.status !== 200) throw new Error(`settings: ${patched.status} ${JSON.stringify(patched.body)}`);
  const kioskId = 'bench-dom-kiosk';
  const { password } = await registerKiosk(gw, kioskId, {
    officeId: office,
    panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, deskId: desk }],
  });
  return { office, kioskId, password };
}

async function run(presses: number, big: boolean): Promise<BenchResult> {
  const dir = tempDir('console-live');
  mkdirSync(dir, { recursive: true });
  let dbNote = 'a fresh database (one office)';
  if (big) {
    const lastDay = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const db = await cachedPressDb(dir, { kiosks: 2000, pressesPerKiosk: 5000, lastDay });
    dbNote = `a copy of the ${fmt(db.events / 1e6, 1)} M-press database (office o7)`;
  }
  // On 10 M presses the PATCH /settings below judges every stored press again: minutes, past the default request timeout.
  const gw = await startGateway({ dataDir: dir, env: { LB_LOG_LEVEL: 'warn', ...(big ? { LB_HTTP_REQUEST_TIMEOUT_MS: '600000' } : {}) } });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const { office, kioskId, password } = await seedOffice(gw, big ? 'o7' : null);
  const agent = startAgent({ kioskId, password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`, nodeArgs: KIOSK_NODE_ARGS });
  const strip: number[] = [];
  const count: number[] = [];
  let missing = 0;
  try {
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    await agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'mqtt connected');
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const base = `http://127.0.0.1:${gw.httpPort}`;
    await page.goto(`${base}/#/sign-in`);
    await page.fill('#key', ADMIN_TOKEN);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('main#page[data-ready="#/"]', { timeout: 60_000 });
    const route = `#/offices/${office}`;
    await page.goto(`${base}/${route}`);
    await page.waitForSelector(`main#page[data-ready="${route}"]`, { timeout: 60_000 });
    await sleep(500); // the page's live stream opens after its first draw
    const n0 = await page.evaluate(installRecorder);
    if (n0 < 0) throw new Error('no ИНК Персонал card on the office page');
    for (let i = 1; i <= presses; i++) {
      const t0 = Date.now();
      agent.press('desk', (['good', 'neutral', 'bad'] as const)[i % 3]!);
      try {
        await page.waitForFunction(
          ([i, n]) => {
            const s = window.__lbSeen!;
            return s.strip.length >= i && s.counts.some((c) => c.n >= n);
          },
          [i, n0 + i] as const,
          { timeout: 10_000 },
        );
        const seen = await page.evaluate(() => window.__lbSeen!);
        strip.push(seen.strip[i - 1]!.frame - t0);
        count.push(seen.counts.find((c) => c.n >= n0 + i)!.frame - t0);
      } catch {
        missing++;
        // Resynchronise: wait for what is still on its way before the next press.
        await sleep(3000);
      }
      await sleep(300); // the finger lifts (the virtual press holds the pin 40 ms) before the next one
    }
  } finally {
    await browser.close();
    await agent.proc.kill('SIGTERM');
    await gw.proc.kill('SIGTERM');
  }
  strip.sort((a, b) => a - b);
  count.sort((a, b) => a - b);
  const line = (xs: number[]) =>
    `${fmt(percentile(xs, 50), 0)} / ${fmt(percentile(xs, 95), 0)} / ${fmt(percentile(xs, 99), 0)} / ${fmt(xs.at(-1) ?? NaN, 0)}`;
  return {
    name: `press on the board → visible on an open office page in Chromium (real agent, one gateway, SQLite, ${big ? '10 M presses' : 'fresh database'})`,
    figures: {
      presses,
      'press in the live strip, p50 / p95 / p99 / max ms': line(strip),
      'count (ИНК Персонал n) updated, p50 / p95 / p99 / max ms': line(count),
      missing,
      database: dbNote,
      includes:
        'stdin → board child → johnny-five debounce → outbox fsync → MQTT → gateway commit → SSE → page; for the count also the figures re-read and redrawn; up to the next animation frame',
    },
    target: `p99 ≤ ${TARGET_MS} ms (press → the count the page shows), none missing`,
    pass: missing === 0 && percentile(count, 99) <= TARGET_MS,
  };
}

export async function benchConsoleLive(opts: { presses: number; big: boolean }): Promise<BenchResult[]> {
  const out = [await run(opts.presses, false)];
  if (opts.big) out.push(await run(opts.presses, true));
  return out;
}
