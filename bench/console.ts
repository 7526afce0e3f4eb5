/**
 * The console's two size and speed targets (issue 15):
 * 1. Initial load ≤ 300 KB compressed: gzip sizes (level 9, as dist/web's .gz copies are served) of what
 *    a first visit fetches — index.html, the entry script and the chunks it imports, the style sheet, and
 *    the first pages (sign-in, overview) with their imports. No web fonts (system fonts). Also the whole
 *    bundle, every page included, as an upper bound.
 * 2. An office page on a 10 M-press database renders in ≤ 1 s: bench/scores.ts's organisation and year of
 *    presses (2 000 kiosks, 500 offices, 10 M presses ending yesterday) bulk-seeded into a real SQLite file
 *    (bench/bulk-seed.ts, cached under .cache/bench/, copied for each run), a gateway process on the copy,
 *    Chromium signed in as the admin. Timed from `page.goto` of a random office's page (from about:blank:
 *    a new document, static files from the browser's cache as on a return visit) to "rendered": the router
 *    has marked the page drawn (main#page[data-ready], set after the office page's draw has put every
 *    figure card, trend chart, heat map, desk and employee table in the DOM) and the next animation frame
 *    has run (the canvases painted), timestamped in the page. Periods: the one the page opens with (the
 *    last 7 days in the office's zone), last month, a quarter and the whole year. The first navigation per
 *    period is a warm-up. Where the time goes: the page's own Resource Timing of its API calls.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { Prng } from '../scripts/fleet/prng.js';
import { ADMIN_TOKEN, ROOT, startGateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { cachedPressDb } from './bulk-seed.js';
import { fmt, percentile, type BenchResult } from './stats.js';

const WEB = join(ROOT, 'dist/web');
const gz = (file: string) => gzipSync(readFileSync(join(WEB, file)), { level: 9 }).length;

/** The files a script imports statically (esbuild's minified `import … from"./x.js"`), transitively. */
function withImports(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = readFileSync(join(WEB, entry), 'utf8');
  const dir = entry.includes('/') ? entry.slice(0, entry.lastIndexOf('/') + 1) : '';
  for (const m of text.matchAll(/(?:^|[;}\s])import\s*(?:[^'"()]*?from\s*)?["']\.\/([^"']+)["']/g)) {
    withImports(join(dir, m[1]!).replace(/^\.\//, ''), seen);
  }
  return seen;
}

export function initialLoad(): { initialKB: number; allKB: number; files: number } {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const entry = /src="\/([^"]+\.js)"/.exec(html)?.[1];
  const css = /href="\/([^"]+\.css)"/.exec(html)?.[1];
  if (!entry || !css) throw new Error('dist/web/index.html names no script or style sheet: run npm run build');
  const files = withImports(entry);
  const chunks = readdirSync(join(WEB, 'chunks'));
  for (const page of ['sign-in', 'overview']) {
    const chunk = chunks.find((f) => f.startsWith(`${page}-`) && f.endsWith('.js'));
    if (chunk) withImports(`chunks/${chunk}`, files);
  }
  const initial = gz('index.html') + gz(css) + [...files].reduce((n, f) => n + gz(f), 0);
  const all = gz('index.html') + gz(css) + chunks.filter((f) => f.endsWith('.js')).reduce((n, f) => n + gz(`chunks/${f}`), gz(entry));
  return { initialKB: initial / 1024, allKB: all / 1024, files: files.size + 2 };
}

declare const window: { __lbRendered?: number; requestAnimationFrame(cb: () => void): void };
declare const document: {
  documentElement: unknown;
  querySelector(s: string): { dataset: Record<string, string | undefined> } | null;
};
declare const location: { hash: string };
declare const MutationObserver: new (cb: () => void) => { observe(target: unknown, opts: Record<string, unknown>): void };
declare const performance: { now(): number; getEntriesByType(t: string): Array<{ name: string; startTime: number; responseEnd: number }> };

/** In every new document: the time of the first animation frame after the router marks the current route drawn. */
function markRendered(): void {
  const check = () => {
    const main = document.querySelector('main#page');
    if (window.__lbRendered === undefined && main && main.dataset.ready === (location.hash || '#/')) {
      window.__lbRendered = 0;
      window.requestAnimationFrame(() => {
        window.__lbRendered = Date.now();
      });
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-ready'] });
}

/** The page's API calls: path (no query), start and end in ms from the navigation. */
function apiTimings(): Array<{ path: string; start: number; end: number }> {
  return performance
    .getEntriesByType('resource')
    .filter((e) => e.name.includes('/api/v1/') && !e.name.includes('/api/v1/live'))
    .map((e) => ({
      path: new URL(e.name).pathname.replace(/\/o\d+/, '/:id') + (e.name.includes('bucket=hour') ? '?hour' : ''),
      start: e.startTime,
      end: e.responseEnd,
    }));
}

const DAY = 86_400_000;
const utcDay = (t: number) => new Date(t).toISOString().slice(0, 10);

export interface ConsoleBenchOptions {
  kiosks: number;
  pressesPerKiosk: number;
  runs: number;
}

export async function benchConsole(opts: ConsoleBenchOptions): Promise<BenchResult> {
  const size = initialLoad();
  const dir = tempDir('console-bench');
  const lastDay = utcDay(Date.now() - DAY);
  const db = await cachedPressDb(dir, { kiosks: opts.kiosks, pressesPerKiosk: opts.pressesPerKiosk, lastDay });
  const offices = db.offices;

  const gw = await startGateway({ dataDir: dir, env: { LB_LOG_LEVEL: 'warn' } });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const base = `http://127.0.0.1:${gw.httpPort}`;
  const prng = new Prng(11);
  const periods: Record<string, string> = {
    'opening (last 7 days)': '',
    'last month': '?period=lastMonth',
    quarter: `?from=${utcDay(Date.parse(`${lastDay}T00:00:00Z`) - 90 * DAY)}&to=${utcDay(Date.parse(`${lastDay}T00:00:00Z`) + DAY)}`,
    year: `?from=${utcDay(Date.parse(`${lastDay}T00:00:00Z`) - 364 * DAY)}&to=${utcDay(Date.parse(`${lastDay}T00:00:00Z`) + DAY)}`,
  };
  const times: Record<string, number[]> = {};
  const calls: Record<string, Map<string, number[]>> = {};
  const firstCall: Record<string, number[]> = {};
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(markRendered);
    const page = await context.newPage();
    await page.goto(`${base}/#/sign-in`);
    await page.fill('#key', ADMIN_TOKEN);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('main#page[data-ready="#/"]', { timeout: 120_000 });
    for (const [name, query] of Object.entries(periods)) {
      times[name] = [];
      calls[name] = new Map();
      firstCall[name] = [];
      for (let i = 0; i <= opts.runs; i++) {
        const route = `#/offices/o${Math.floor(prng.next() * offices)}${query}`;
        await page.goto('about:blank');
        const start = Date.now();
        await page.goto(`${base}/${route}`);
        await page.waitForFunction(() => (window.__lbRendered ?? 0) > 0, undefined, { timeout: 60_000 });
        const rendered = await page.evaluate(() => window.__lbRendered!);
        if ((await page.locator('main .error').count()) > 0) throw new Error(`${route}: ${await page.textContent('main .error')}`);
        if (i === 0) continue;
        times[name]!.push(rendered - start);
        const api = await page.evaluate(apiTimings);
        firstCall[name]!.push(Math.min(...api.map((c) => c.start)));
        for (const c of api) {
          const list = calls[name]!.get(c.path) ?? [];
          list.push(c.end - c.start);
          calls[name]!.set(c.path, list);
        }
      }
      times[name]!.sort((a, b) => a - b);
    }
  } finally {
    await browser.close();
    await gw.proc.kill('SIGTERM');
  }
  const p = (xs: number[], q: number) =>
    percentile(
      [...xs].sort((a, b) => a - b),
      q,
    );
  const worst = Math.max(...Object.keys(periods).map((name) => p(times[name]!, 95)));
  return {
    name: 'manager console',
    figures: {
      'initial load, gzip KB (index.html, entry + imports, CSS, sign-in and overview pages)': fmt(size.initialKB, 1),
      'whole console bundle, every page, gzip KB': fmt(size.allKB, 1),
      presses: db.events,
      offices,
      database: db.cached
        ? `cached seed, copied in ${fmt(db.copySeconds, 1)} s`
        : `bulk-seeded in ${fmt(db.seconds, 1)} s (then copied in ${fmt(db.copySeconds, 1)} s)`,
      ...Object.fromEntries(
        Object.keys(periods).flatMap((name) => [
          [
            `office page, ${name}, p50 / p95 / max ms (${opts.runs} random offices)`,
            `${fmt(p(times[name]!, 50), 0)} / ${fmt(p(times[name]!, 95), 0)} / ${fmt(p(times[name]!, 100), 0)}`,
          ],
          [`  ${name}: first API call starts at, p50 ms`, fmt(p(firstCall[name]!, 50), 0)],
          [
            `  ${name}: API calls, p50 ms each`,
            [...calls[name]!.entries()]
              .map(([path, ms]) => `${path} ${fmt(p(ms, 50), 0)}${ms.length > opts.runs ? ` (×${ms.length / opts.runs})` : ''}`)
              .join(', '),
          ],
        ]),
      ),
    },
    target: `initial load ≤ 300 KB gzip; office page rendered ≤ 1 000 ms (p95) at ${(db.events / 1e6).toFixed(1)} M presses`,
    pass: size.initialKB <= 300 && worst <= 1000,
  };
}
