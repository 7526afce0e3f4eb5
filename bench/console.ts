/**
 * The console's two targets (issue 15):
 * 1. Initial load ≤ 300 KB compressed: gzip sizes (level 9, as dist/web's .gz copies are served) of what
 *    a first visit fetches — index.html, the entry script and the chunks it imports, the style sheet, and
 *    the first pages (sign-in, overview) with their imports. No web fonts (system fonts). Also the whole
 *    bundle, every page included, as an upper bound.
 * 2. An office page on a 10 M-press database renders in ≤ 1 s: bench/scores.ts's year of presses
 *    (2 000 kiosks, 500 offices) written through the real ingest writer into SQLite, a gateway process
 *    on that file, Chromium signed in; the time from navigating to an office's page until the page has
 *    drawn everything (figures, trends, heat map, desks, employees: the router's data-ready mark), for
 *    random offices over a week, a month and a quarter. The first navigation per period is a warm-up.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { SqliteStore } from '../gateway/src/store/sqlite.js';
import { Prng } from '../scripts/fleet/prng.js';
import { ADMIN_TOKEN, ROOT, startGateway } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { generate, seedOrg } from './scores.js';
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

export async function benchConsole(opts: { kiosks: number; pressesPerKiosk: number; runs: number }): Promise<BenchResult> {
  const size = initialLoad();
  const offices = Math.max(1, Math.round(opts.kiosks / 4));
  const dir = tempDir('console-bench');
  const store = new SqliteStore(join(dir, 'gateway.db'));
  await store.migrate();
  const fleet = await seedOrg(store, offices, true);
  const t0 = performance.now();
  const gen = await generate(store, fleet, opts.pressesPerKiosk / 365 / 1.05, 365);
  const genSeconds = (performance.now() - t0) / 1000;
  store.db.pragma('optimize');
  await store.close();

  const gw = await startGateway({ dataDir: dir, env: { LB_LOG_LEVEL: 'warn' } });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const base = `http://127.0.0.1:${gw.httpPort}`;
  const prng = new Prng(11);
  const periods: Record<string, string> = {
    week: 'from=2025-12-22&to=2025-12-29',
    month: 'from=2025-11-01&to=2025-12-01',
    quarter: 'from=2025-10-01&to=2026-01-01',
  };
  const times: Record<string, number[]> = {};
  try {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${base}/#/sign-in`);
    await page.fill('#key', ADMIN_TOKEN);
    await page.click('form.sign-in button[type=submit]');
    await page.waitForSelector('main#page[data-ready="#/"]', { timeout: 120_000 });
    for (const [name, query] of Object.entries(periods)) {
      times[name] = [];
      for (let i = 0; i <= opts.runs; i++) {
        const route = `#/offices/o${Math.floor(prng.next() * offices)}?${query}`;
        await page.goto('about:blank');
        const start = performance.now();
        await page.goto(`${base}/${route}`);
        await page.waitForSelector(`main#page[data-ready="${route}"]`, { timeout: 60_000 });
        if (i > 0) times[name]!.push(performance.now() - start);
        if ((await page.locator('main .error').count()) > 0) throw new Error(`${route}: ${await page.textContent('main .error')}`);
      }
      times[name]!.sort((a, b) => a - b);
    }
  } finally {
    await browser.close();
    await gw.proc.kill('SIGTERM');
  }
  const p95 = (name: string) => percentile(times[name]!, 95);
  const worst = Math.max(...Object.keys(periods).map(p95));
  return {
    name: 'manager console',
    figures: {
      'initial load, gzip KB (index.html, entry + imports, CSS, sign-in and overview pages)': fmt(size.initialKB, 1),
      'whole console bundle, every page, gzip KB': fmt(size.allKB, 1),
      presses: gen.events,
      offices,
      'generation s': fmt(genSeconds, 1),
      ...Object.fromEntries(
        Object.keys(periods).flatMap((name) => [
          [`office page, ${name}, p50 ms (${opts.runs} random offices)`, fmt(percentile(times[name]!, 50), 0)],
          [`office page, ${name}, p95 ms`, fmt(p95(name), 0)],
        ]),
      ),
    },
    target: `initial load ≤ 300 KB gzip; office page rendered ≤ 1 000 ms (p95) at ${(gen.events / 1e6).toFixed(1)} M presses`,
    pass: size.initialKB <= 300 && worst <= 1000,
  };
}
