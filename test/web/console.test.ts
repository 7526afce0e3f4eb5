/**
 * The console in a real browser against a real gateway seeded with the simulator's organisation and
 * presses: sign-in and sign-out, each page's figures equal to what the API answers for the same period
 * and session, RU ↔ EN, a manager's scope, live presses, no console error or failed request anywhere,
 * and screenshots of every page at 1280×800 and 390×844.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kiosk, event, batch } from '../../scripts/lib/mqtt-kiosk.js';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { open, screenshot, seedConsole, type Seeded, SESSION_401, signIn, VIEWPORTS, visit } from './browser.js';

/** What functions run in the page use (passed as functions: the console's CSP forbids eval; Node's types have no DOM). */
declare const document: {
  querySelector(selector: string): { dataset: Record<string, string | undefined> } | null;
  documentElement: { lang: string };
  cookie: string;
};
declare const location: { hash: string };

let s: Seeded;
beforeAll(async () => {
  s = await seedConsole();
}, 180_000);
afterAll(async () => {
  await s?.close();
});

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** A fixed custom period around the seeded presses (UTC dates; each office reads them as its local dates). */
const period = () => ({ from: day(Date.now() - 7 * 86_400_000), to: day(Date.now() + 86_400_000) });
const qs = () => `from=${period().from}&to=${period().to}`;
/** Before sign-in the console asks for its session: that 401 is expected, and so is a refused sign-in. */

// biome-ignore lint/suspicious/noExplicitAny: API answers read field by field
type Json = any;
const FIGURES: Record<string, (sc: Json) => Json> = {
  inkOffice: (sc) => sc.office && { e: sc.office.ink, ok: sc.office.sufficient },
  inkStaff: (sc) => sc.staff && { e: sc.staff.ink, ok: sc.staff.sufficient },
  iel: (sc) => sc.loyalty && { e: sc.loyalty.iel, ok: sc.loyalty.sufficient },
  coverage: (sc) => (sc.staff ?? sc.office) && { e: (sc.staff ?? sc.office).coverage, ok: (sc.staff ?? sc.office).sufficient },
  csat: (sc) => (sc.staff ?? sc.office) && { e: (sc.staff ?? sc.office).csat, ok: (sc.staff ?? sc.office).sufficient },
};

async function apiGet(path: string, key = ADMIN_TOKEN): Promise<Json> {
  const res = await fetch(`${s.base}/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.json();
}

// Each test drives Chromium through several pages at two sizes: minutes under a loaded full suite.
describe('the console in Chromium', { timeout: 180_000 }, () => {
  it('signs in: a wrong key gets a message, the right one the overview', async () => {
    const p = await open(s);
    await p.page.goto(`${s.base}/`);
    await p.page.waitForSelector('form.sign-in');
    await p.page.fill('#key', 'not-a-key');
    await p.page.click('form.sign-in button[type=submit]');
    await p.page.waitForSelector('form.sign-in .error:not([hidden])');
    expect(await p.page.textContent('form.sign-in .error')).toMatch(/Sign-in failed: unknown API key/);
    await screenshot(p.page, 'sign-in');
    await signIn(p.page, s.base, ADMIN_TOKEN);
    expect(await p.page.textContent('h1')).toBe('Overview');
    expect(await p.page.textContent('.who')).toContain('LB_ADMIN_TOKEN');
    // The cookie is HttpOnly: the page's script cannot read it.
    expect(await p.page.evaluate(() => document.cookie)).toBe('');
    p.expectClean(SESSION_401);
    await p.close();
  });

  it('shows on the overview exactly the API figures for each office, region and the company', async () => {
    for (const viewport of VIEWPORTS) {
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await visit(p.page, s.base, `/?${qs()}`);
      const { from, to } = period();
      const offices = (await apiGet('/offices?limit=1000')).items as Json[];
      expect(offices.length).toBe(s.plan.offices.length);
      for (const o of offices) {
        const api = await apiGet(`/offices/${o.id}/scores?from=${from}&to=${to}`);
        for (const [figure, get] of Object.entries(FIGURES)) {
          const want = get(api.total.scores);
          const cell = p.page.locator(`#offices tr[data-id="${o.id}"] [data-figure="${figure}"]`);
          if (!want?.e) continue;
          if (!want.ok) {
            expect(await p.page.locator(`#offices tr[data-id="${o.id}"] .badge.insufficient`).count()).toBeGreaterThan(0);
            continue;
          }
          expect(Number(await cell.getAttribute('data-value')), `${o.id} ${figure}`).toBe(want.e.value);
        }
      }
      const company = await apiGet(`/company/scores?from=${from}&to=${to}`);
      for (const [figure, get] of Object.entries(FIGURES)) {
        const want = get(company.total.scores);
        if (!want?.e) continue;
        expect(Number(await p.page.locator(`#company [data-figure="${figure}"] .value`).getAttribute('data-value'))).toBe(want.e.value);
      }
      const regions = (await apiGet('/regions?limit=1000')).items as Json[];
      expect(await p.page.locator('#regions tbody tr').count()).toBe(regions.length);
      // The CSV is what the table shows: the same header, one line per office, the same cells.
      const [download] = await Promise.all([
        p.page.waitForEvent('download'),
        p.page
          .locator('.table-wrap', { has: p.page.locator('#offices') })
          .locator('button.csv')
          .click(),
      ]);
      const csv = readFileSync(await download.path(), 'utf8')
        .replace(/^\ufeff/, '')
        .trim()
        .split('\r\n');
      expect(csv[0]).toContain('ИНК Офис');
      expect(csv.length).toBe(offices.length + 1);
      const firstRow = (await p.page.locator('#offices tbody tr').first().locator('td').allTextContents()).map((c) => c.trim());
      expect(csv[1]!.split(',')[0]).toBe(firstRow[0]);
      await screenshot(p.page, 'overview');
      p.expectClean(SESSION_401);
      await p.close();
    }
  });

  it('shows on the office page the API figures, trends, heat map, desks and employees', async () => {
    const office = s.plan.offices[0]!;
    const { from, to } = period();
    for (const viewport of VIEWPORTS) {
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await visit(p.page, s.base, `/offices/${office.id}?${qs()}`);
      expect(await p.page.textContent('h1')).toBe(office.name);
      const api = await apiGet(`/offices/${office.id}/scores?from=${from}&to=${to}`);
      let cards = 0;
      for (const [figure, get] of Object.entries(FIGURES)) {
        const want = get(api.total.scores);
        if (!want?.e) continue;
        cards++;
        expect(Number(await p.page.locator(`#figures [data-figure="${figure}"] .value`).getAttribute('data-value'))).toBe(want.e.value);
      }
      expect(cards).toBeGreaterThan(0);
      expect(await p.page.locator('.trends .uplot').count()).toBeGreaterThan(0);
      expect(await p.page.locator('table.heatmap td[title*="n = "]').count()).toBeGreaterThan(0);
      const desks = ((await apiGet('/desks?limit=1000')).items as Json[]).filter((d) => d.officeId === office.id);
      // Places within the office (the page says so), from the office's own ranking.
      const ranking = await apiGet(`/rankings?level=desk&index=ink&from=${from}&to=${to}&office=${office.id}`);
      expect(await p.page.locator('#desks tbody tr[data-id]').count()).toBe(desks.length);
      expect(await p.page.locator('#rank-note').isVisible()).toBe(true);
      for (const d of desks) {
        const item = ranking.items.find((i: Json) => i.id === d.id);
        if (!item) continue;
        const row = p.page.locator(`#desks tr[data-id="${d.id}"]`);
        expect(Number(await row.locator('[data-value]').getAttribute('data-value'))).toBe(item.value);
        expect((await row.locator('td').last().textContent())?.trim()).toBe(String(item.rank));
      }
      await screenshot(p.page, 'office');
      p.expectClean(SESSION_401);
      await p.close();
    }
  });

  it('shows on the employee page the API figures, breakdowns and shift history', async () => {
    const employee = s.plan.offices[0]!.employees[0]!;
    const { from, to } = period();
    for (const viewport of VIEWPORTS) {
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await visit(p.page, s.base, `/employees/${employee.id}?${qs()}`);
      expect(await p.page.textContent('h1')).toBe(employee.name);
      const api = await apiGet(`/employees/${employee.id}/scores?from=${from}&to=${to}`);
      const staff = api.total.scores.staff;
      expect(Number(await p.page.locator('#figures [data-figure="inkStaff"] .value').getAttribute('data-value'))).toBe(staff.ink.value);
      expect(Number(await p.page.locator('#figures [data-figure="csat"] .value').getAttribute('data-value'))).toBe(staff.csat.value);
      const hours = api.byHourOfDay.filter((r: Json) => (r.scores.staff?.counts.total ?? 0) > 0);
      expect(await p.page.locator('#by-hour tbody tr').count()).toBe(hours.length);
      const shifts = (await apiGet(`/assignments?employeeId=${employee.id}&limit=1000`)).items;
      expect(shifts.length).toBeGreaterThan(0);
      expect(await p.page.locator('#shifts tbody tr').count()).toBe(shifts.length);
      await screenshot(p.page, 'employee');
      p.expectClean(SESSION_401);
      await p.close();
    }
  });

  it('ranks as the API does and shows "insufficient data" instead of a rank', async () => {
    const { from, to } = period();
    for (const viewport of VIEWPORTS) {
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await visit(p.page, s.base, `/rankings?level=employee&index=ink&${qs()}`);
      const api = await apiGet(`/rankings?level=employee&index=ink&from=${from}&to=${to}`);
      for (const item of api.items) {
        const row = p.page.locator(`#ranking tr[data-id="${item.id}"]`);
        expect(await row.locator('td').first().textContent()).toBe(String(item.rank));
        expect(Number(await row.locator('[data-value]').getAttribute('data-value'))).toBe(item.value);
      }
      for (const left of api.leftOutSubjects.filter((l: Json) => l.reason === 'insufficientSample')) {
        expect(await p.page.locator(`#ranking tr[data-id="${left.id}"] .badge.insufficient`).textContent()).toBe('insufficient data');
      }
      expect(api.items.length + api.leftOutSubjects.length).toBeGreaterThan(0);
      await screenshot(p.page, 'rankings');
      p.expectClean(SESSION_401);
      await p.close();
    }
  });

  it('switches RU ↔ EN, texts and number formats, and remembers the choice', async () => {
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    const office = s.plan.offices[0]!;
    await visit(p.page, s.base, `/offices/${office.id}?${qs()}`);
    const enValue = await p.page.locator('#figures .card .value').first().textContent();
    expect(await p.page.textContent('nav')).toContain('Overview');
    expect(await p.page.textContent('#figures')).toContain('ИНК Офис (Office CSI)');
    // The trend charts' legend names the time axis in the page's language (uPlot's default is "Time").
    const timeLabel = () => p.page.locator('.trends .u-legend .u-series:first-child .u-label').first().textContent();
    expect(await timeLabel()).toBe('Time');
    // …and the interval's bounds too.
    const legend = () => p.page.locator('.trends .chart').first().locator('.u-legend .u-series .u-label').allTextContents();
    expect((await legend()).slice(2)).toEqual(['lower 95 % bound', 'upper 95 % bound']);
    await p.page.click('#lang');
    await p.page.waitForFunction(() => document.documentElement.lang === 'ru');
    await p.page.waitForSelector('#figures');
    expect(await p.page.textContent('nav')).toContain('Обзор');
    expect(await p.page.textContent('#figures')).toContain('ИНК Офис');
    expect(await p.page.textContent('#figures')).toContain('Изменение');
    await p.page.waitForSelector('.trends .u-legend');
    expect(await timeLabel()).toBe('Время');
    expect((await legend()).slice(2)).toEqual(['нижняя граница 95 %', 'верхняя граница 95 %']);
    const ruValue = await p.page.locator('#figures .card .value').first().textContent();
    // The same figure: a decimal point in English, a decimal comma in Russian.
    expect(enValue).toMatch(/^\d+\.\d %$|^\d+\.\d%$|^-?\d+\.\d$/);
    expect(ruValue).toMatch(/,/);
    expect(ruValue!.replace(/[^\d]/g, '')).toBe(enValue!.replace(/[^\d]/g, ''));
    await screenshot(p.page, 'office-ru');
    await p.page.reload();
    await p.page.waitForSelector('#figures');
    expect(await p.page.textContent('nav')).toContain('Обзор');
    await p.page.click('#lang');
    await p.page.waitForFunction(() => document.documentElement.lang === 'en');
    await p.page.waitForSelector('nav a');
    expect(await p.page.textContent('nav')).toContain('Overview');
    p.expectClean(SESSION_401);
    await p.close();
  });

  it('signs out: the page returns to sign-in and the old cookie is refused', async () => {
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    const cookie = (await p.page.context().cookies()).find((c) => c.name === 'lb_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    await p.page.click('#sign-out');
    await p.page.waitForSelector('form.sign-in');
    const replay = await fetch(`${s.base}/api/v1/session`, { headers: { cookie: `lb_session=${cookie!.value}` } });
    expect(replay.status).toBe(401);
    await visit(p.page, s.base, '/rankings');
    expect(p.page.url()).toContain('#/sign-in');
    p.expectClean(SESSION_401);
    await p.close();
  });

  it('keeps a manager to its offices: others are neither listed nor reachable', async () => {
    const p = await open(s, VIEWPORTS[1]);
    await signIn(p.page, s.base, s.manager.key);
    await visit(p.page, s.base, `/?${qs()}`);
    const ids = await p.page.locator('#offices tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(ids).toEqual([s.manager.officeId]);
    expect(await p.page.locator('#company').count()).toBe(0);
    await screenshot(p.page, 'overview-manager');
    const other = s.plan.offices.find((o) => o.id !== s.manager.officeId)!;
    await visit(p.page, s.base, `/offices/${other.id}?${qs()}`);
    expect(await p.page.textContent('main .error')).toMatch(/404/);
    // The page's reads of that office (itself, its desks and employees: ?office=) are refused alike.
    p.expectClean([...SESSION_401, /\/company\/scores/, new RegExp(`/offices/${other.id}|office=${other.id}`), /status of 404/]);
    await p.close();
  });

  it('shows a press on an open office page without a reload', async () => {
    const office = s.plan.offices[0]!;
    const plan = s.plan.kiosks.find((k) => k.office.id === office.id && k.desk)!;
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await visit(p.page, s.base, `/offices/${office.id}?${qs()}`);
    const before = Number(await p.page.getAttribute('#office-body', 'data-drawn'));
    // Presses are not replayed: publish only once the page's live stream is open.
    await p.page.waitForSelector('#live[data-stream="open"]', { timeout: 10_000 });
    const reg = await s.api.request<{ mqtt: { password: string } }>('POST', '/kiosks', {
      id: 'web-live-kiosk',
      panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } }],
    });
    await s.api.request('PUT', '/kiosks/web-live-kiosk/panels/desk/binding', { kind: 'staff', deskId: plan.desk!.id });
    const k = await kiosk(s.mqttUrl, 'web-live-kiosk', reg.body.mqtt.password);
    const press = event(1, { button: 'bad', at: new Date().toISOString() });
    await k.publishEvents(batch('web-live-kiosk', [press]));
    await p.page.waitForSelector(`#live [data-event="${press.id}"]`, { timeout: 5000 });
    await p.page.waitForFunction((n) => Number(document.querySelector('#office-body')?.dataset.drawn) > n, before);
    await k.close();
    await screenshot(p.page, 'office-live');
    p.expectClean(SESSION_401);
    await p.close();
  });

  it('keeps one live stream per tab however fast the viewer changes period, so live updates keep working', async () => {
    const office = s.plan.offices[0]!;
    const plan = s.plan.kiosks.find((k) => k.office.id === office.id && k.desk)!;
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await visit(p.page, s.base, `/offices/${office.id}?${qs()}`);
    // Twelve period changes, each before the last one has drawn. A page left half-drawn used to open its
    // EventSource anyway and never close it: with six open, Chromium's six connections per host were all
    // streams and the tab froze (every fetch queued); and each counted against the key's 8 live streams (429).
    const hashes = Array.from(
      { length: 12 },
      (_, i) => `#/offices/${office.id}?from=${day(Date.now() - (8 + i) * 86_400_000)}&to=${period().to}`,
    );
    await p.page.evaluate(async (list) => {
      for (const hash of list) {
        location.hash = hash;
        await new Promise((r) => setTimeout(r, 15));
      }
    }, hashes);
    const last = hashes.at(-1)!;
    await p.page.waitForFunction((h) => document.querySelector('main#page')?.dataset.ready === h, last, { timeout: 30_000 });
    // Presses are not replayed: publish only once the page's live stream is open.
    await p.page.waitForSelector('#live[data-stream="open"]', { timeout: 10_000 });
    const reg = await s.api.request<{ mqtt: { password: string } }>('POST', '/kiosks', {
      id: 'web-live-kiosk-2',
      panels: [{ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 } }],
    });
    await s.api.request('PUT', '/kiosks/web-live-kiosk-2/panels/desk/binding', { kind: 'staff', deskId: plan.desk!.id });
    const k = await kiosk(s.mqttUrl, 'web-live-kiosk-2', reg.body.mqtt.password);
    const press = event(1, { button: 'good', at: new Date().toISOString() });
    await k.publishEvents(batch('web-live-kiosk-2', [press]));
    await p.page.waitForSelector(`#live [data-event="${press.id}"]`, { timeout: 5000 });
    await k.close();
    p.expectClean(SESSION_401);
    await p.close();
  });
});
