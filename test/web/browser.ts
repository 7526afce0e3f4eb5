/**
 * The console's browser-test harness: a real gateway process seeded with the simulator's organisation
 * (scripts/fleet: regions, offices in their zones, desks, employees, shifts, visitor counts) and its
 * presses sent by scripted kiosks over real MQTT, and Debian's Chromium driven by playwright-core.
 * Every page opened through `open()` records console errors, page errors, failed requests and HTTP
 * errors; `expectClean()` fails on any the test did not name as expected. Screenshots go to
 * test-artifacts/screenshots/ (kept by CI as artefacts; docs/img/ holds the one the README shows).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { GatewayApi } from '../../scripts/fleet/api.js';
import { ProtocolFleet } from '../../scripts/fleet/fleet.js';
import { bindKiosk, seedOrganisation } from '../../scripts/fleet/org.js';
import { planFleet, type FleetPlan } from '../../scripts/fleet/patterns.js';
import { batch, event, kiosk } from '../../scripts/lib/mqtt-kiosk.js';
import { ADMIN_TOKEN, ROOT, startGateway, type Gateway } from '../../scripts/lib/processes.js';

/** What functions run in the page use (passed as functions: the console's CSP forbids eval; Node's types have no DOM). */
declare const document: {
  querySelector(selector: string): { dataset: Record<string, string | undefined> } | null;
  documentElement: { lang: string };
  cookie: string;
};
declare const location: { hash: string };

export const SCREENSHOTS = join(ROOT, 'test-artifacts/screenshots');
export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

export function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {}
  }
  return '/usr/bin/chromium';
}

export interface Seeded {
  gw: Gateway;
  api: GatewayApi;
  plan: FleetPlan;
  fleet: ProtocolFleet;
  base: string;
  mqttUrl: string;
  /** A manager key scoped to the first office only. */
  manager: { key: string; officeId: string };
  browser: Browser;
  close(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: API answers read field by field
export type Json = any;

/** One API call as the admin, answered as status and parsed body: what a page's figures are checked against. */
export async function adminCall(s: Seeded, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${s.base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A gateway (`env`: LB_* variables) with the simulator's organisation and `days` of presses, and a browser. */
export async function seedConsole(
  opts: { kiosks?: number; days?: number; rate?: number; seed?: number; env?: Record<string, string> } = {},
): Promise<Seeded> {
  const gw = await startGateway({ env: opts.env });
  const base = `http://127.0.0.1:${gw.httpPort}`;
  const mqttUrl = `mqtt://127.0.0.1:${gw.mqttPort}`;
  const api = new GatewayApi(base, ADMIN_TOKEN);
  const to = Date.now();
  const plan = planFleet({
    seed: opts.seed ?? 15,
    kiosks: opts.kiosks ?? 8,
    idPrefix: 'web-',
    from: to - (opts.days ?? 14) * 86_400_000,
    to,
    rate: opts.rate ?? 4,
    offlineChance: 0,
    misuseChance: 0,
  });
  const fleet = new ProtocolFleet({ plan, api, mqttUrl });
  let browser: Browser | undefined;
  try {
    await seedOrganisation(api, plan);
    await fleet.register();
    for (const k of plan.kiosks) await bindKiosk(api, k);
    await fleet.connect();
    await fleet.replay(0);
    if (!(await fleet.settle(60_000))) throw new Error(`${fleet.unsettled} presses not acked within 60 s`);
    const officeId = plan.offices[0]!.id;
    const created = await api.request<{ key: string }>('POST', '/api-keys', { name: 'web-manager', role: 'manager', offices: [officeId] });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
    const b = browser;
    return {
      gw,
      api,
      plan,
      fleet,
      base,
      mqttUrl,
      manager: { key: created.body.key, officeId },
      browser: b,
      async close() {
        await b.close();
        await fleet.close();
        await gw.proc.kill();
      },
    };
  } catch (err) {
    await browser?.close();
    await fleet.close();
    await gw.proc.kill();
    throw err;
  }
}

export interface Problem {
  kind: 'console' | 'pageerror' | 'requestfailed' | 'http';
  text: string;
  url?: string;
}

export interface OpenPage {
  page: Page;
  problems: Problem[];
  /** Fails the test on any problem whose url or text matches none of `expected`. */
  expectClean(expected?: RegExp[]): void;
  close(): Promise<void>;
}

/** A new browser context (own cookies and localStorage) with one page, its problems recorded. */
export async function open(s: Seeded, viewport: { width: number; height: number } = VIEWPORTS[0], locale = 'en-GB'): Promise<OpenPage> {
  const context = await s.browser.newContext({ viewport, locale, timezoneId: 'Europe/Berlin' });
  const page = await context.newPage();
  const problems: Problem[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push({ kind: 'console', text: m.text(), url: m.location().url });
  });
  page.on('pageerror', (err) => problems.push({ kind: 'pageerror', text: String(err) }));
  page.on('requestfailed', (r) => {
    // A navigation away (or an EventSource closed by the page) aborts requests on purpose.
    if (r.failure()?.errorText !== 'net::ERR_ABORTED')
      problems.push({ kind: 'requestfailed', text: r.failure()?.errorText ?? '', url: r.url() });
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push({ kind: 'http', text: String(r.status()), url: r.url() });
  });
  return {
    page,
    problems,
    expectClean(expected = []) {
      const unexpected = problems.filter((p) => !expected.some((re) => re.test(p.url ?? '') || re.test(p.text)));
      expect(unexpected).toEqual([]);
    },
    close: () => context.close(),
  };
}

/** Signs in through the form and waits for the overview. */
export async function signIn(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/#/sign-in`);
  await page.fill('#key', key);
  await page.click('form.sign-in button[type=submit]');
  await page.waitForFunction(() => !location.hash.startsWith('#/sign-in'));
  await waitReady(page);
}

/** Goes to a console route and waits until its page has drawn. */
export async function visit(page: Page, base: string, route: string): Promise<void> {
  await page.goto(`${base}/#${route}`);
  await waitReady(page);
}

/** The router marks `main[data-ready]` with the route it drew once that page's render has finished. */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('main#page')?.dataset.ready === (location.hash || '#/'), undefined, {
    timeout: 20_000,
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize();
  const file = join(SCREENSHOTS, `${name}-${size?.width}x${size?.height}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Console errors a sign-in page shows by design: the session check's 401 before signing in. */
export const SESSION_401 = [/\/api\/v1\/session$/, /status of 401/];

/** Until `check` returns a value (the gateway evaluates rules and deliveries on its own schedule), at most `ms`. */
export async function pollApi<T>(check: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A bad-share rule on an office and 20 bad presses from a kiosk of its own there: the alert it opens.
 * The rule counts that kiosk's office panel only: the seeded staff and loyalty presses of the last hour
 * would otherwise dilute the share below 0.5 during the simulated business hours (tests failed by time of day).
 */
export async function openAlert(s: Seeded, officeId: string, kioskId: string): Promise<Json> {
  const call = (method: string, path: string, body?: unknown) => adminCall(s, method, path, body);
  const rule = await call('POST', '/alert-rules', {
    name: `Web test: bad share (${kioskId})`,
    kind: 'share',
    scope: { level: 'office', id: officeId },
    direction: 'negative',
    mode: 'threshold',
    panelKind: 'office',
    windowMinutes: 60,
    threshold: 0.5,
    minSample: 10,
    autoCloseAfterMinutes: 600,
  });
  expect(rule.status).toBe(201);
  const reg = await call('POST', '/kiosks', {
    id: kioskId,
    panels: [{ id: 'office', kind: 'office', pins: { good: 2, neutral: 3, bad: 4 } }],
  });
  expect(reg.status).toBe(201);
  await call('PUT', `/kiosks/${kioskId}/panels/office/binding`, { kind: 'office', officeId });
  const k = await kiosk(s.mqttUrl, kioskId, reg.body.mqtt.password);
  const now = Date.now();
  // A minute apart: closer presses on one panel would be judged misuse (lockout, burst) and not counted.
  const presses = Array.from({ length: 20 }, (_, i) =>
    event(i + 1, { panel: 'office', button: 'bad', at: new Date(now - (20 - i) * 60_000).toISOString(), uptimeMs: 2_000_000 + i * 60_000 }),
  );
  await k.publishEvents(batch(kioskId, presses));
  await k.nextAck();
  await k.close();
  return pollApi(async () => {
    const open = (await call('GET', `/alerts?state=open&rule=${rule.body.id}`)).body?.items as Json[] | undefined;
    return open?.[0];
  }, 'an open alert');
}
