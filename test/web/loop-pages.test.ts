/**
 * The closed loop's console pages in Chromium against a real gateway seeded with the simulator's presses
 * (issue 13): reference values published from the form become the API's versions and the page shows
 * them as the API answers (current values, history with who); the company's and an office's business type
 * set from the page reach the API; mystery-shopper visits recorded on the employee page are the API's and
 * are listed beside the scores with their mean; interventions recorded from the list page's form land in
 * the API and open their view, and the list — filtered by office and by subject — is the API's, newest
 * first, each with the before/after verdicts GET /interventions/:id/effect gives. A manager sees only its
 * office everywhere and cannot publish. Both viewports, screenshots kept, no console or HTTP errors.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { adminCall, type Json, open, screenshot, seedConsole, type Seeded, SESSION_401, signIn, VIEWPORTS } from './browser.js';
import { drawn, go, hashIs } from './pages-b.js';

// biome-ignore lint/suspicious/noExplicitAny: browser globals inside page.evaluate
declare const document: any;

let s: Seeded;
/** A second office, outside the manager's scope (the seeded fleet of three kiosks has one). */
const OTHER = { id: 'loop-other', name: 'Other office', timeZone: 'Asia/Yekaterinburg' };
beforeAll(async () => {
  s = await seedConsole({ kiosks: 3, days: 14, rate: 8 });
  expect((await adminCall(s, 'POST', '/offices', OTHER)).status).toBe(201);
}, 180_000);
afterAll(async () => {
  await s?.close();
});

const call = (method: string, path: string, body?: unknown) => adminCall(s, method, path, body);
/** One API call with the manager's key (scoped to the first office). */
async function managerCall(path: string): Promise<Json> {
  const res = await fetch(`${s.base}/api/v1${path}`, { headers: { authorization: `Bearer ${s.manager.key}` } });
  expect(res.status).toBe(200);
  return res.json();
}
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ids = (page: Page, selector: string): Promise<string[]> =>
  page.$$eval(`${selector} tbody tr[data-id]`, (trs: Json[]) => trs.map((tr) => tr.dataset.id));
const rowsOf = (page: Page, selector: string, n: number) =>
  page.waitForFunction(([sel, count]) => document.querySelectorAll(`${sel} tbody tr[data-id]`).length === count, [selector, n] as const, {
    timeout: 20_000,
  });

describe('the closed loop’s pages in Chromium', { timeout: 300_000 }, () => {
  it('reference values: publishes versions from the form and shows the API’s current values and history; business types', async () => {
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    // The console menu leads there.
    await p.page.click('nav.nav a[href="#/references"]');
    await drawn(p.page);
    expect(await p.page.$('#no-reference')).not.toBeNull();

    // Version 1: shares typed in per cent, ИЭЛ in points; a blank field has no reference.
    await p.page.fill('#reference-publish input[name=businessType]', 'bank');
    await p.page.fill('#ref-staff-ink', '12.5');
    await p.page.fill('#ref-staff-csat', '80');
    await p.page.fill('#ref-loyalty-iel', '35');
    await p.page.fill('#reference-publish input[name=note]', 'Sector survey 2026');
    await p.page.click('#reference-publish button[type=submit]');
    await hashIs(p.page, ['type=bank']);
    await rowsOf(p.page, '#versions', 1);
    let api = (await call('GET', '/references/bank')).body.items;
    expect(api).toHaveLength(1);
    expect(api[0]).toMatchObject({
      version: 1,
      values: { staff: { ink: 0.125, csat: 0.8 }, loyalty: { iel: 35 } },
      note: 'Sector survey 2026',
      createdBy: 'LB_ADMIN_TOKEN',
    });
    expect(api[0].values.office).toBeUndefined();

    // Version 2 from the same form (pre-filled with the current values): only ИНК Персонал changes.
    expect(await p.page.inputValue('#ref-staff-ink')).toBe('12.5');
    await p.page.fill('#ref-staff-ink', '11');
    await p.page.click('#reference-publish button[type=submit]');
    await rowsOf(p.page, '#versions', 2);
    api = (await call('GET', '/references/bank')).body.items;
    expect(api.map((v: Json) => v.version)).toEqual([2, 1]);
    expect(api[0].values).toEqual({ staff: { ink: 0.11, csat: 0.8 }, loyalty: { iel: 35 } });
    // The page: the current version's values exactly as the API holds them, every version newest first.
    expect(await p.page.getAttribute('#current-version', 'data-version')).toBe('2');
    const current = await p.page.$$eval('#current tbody tr[data-id]', (trs: Json[]) =>
      trs.map((tr) => [tr.dataset.id, Number(tr.querySelector('[data-value]').dataset.value)]),
    );
    expect(current).toEqual([
      ['staff.ink', 0.11],
      ['staff.csat', 0.8],
      ['loyalty.iel', 35],
    ]);
    expect(await ids(p.page, '#versions')).toEqual(['2', '1']);
    expect(await p.page.textContent('#versions')).toContain('LB_ADMIN_TOKEN');

    // A bad business type is the API's 400, shown on the form; nothing is stored.
    await p.page.fill('#reference-publish input[name=businessType]', 'Bank!');
    await p.page.click('#reference-publish button[type=submit]');
    await p.page.waitForSelector('#reference-publish .form-error:not([hidden]), #reference-publish .field-error:not([hidden])');
    expect((await call('GET', '/references')).body.items.map((v: Json) => `${v.businessType}.${v.version}`)).toEqual(['bank.2', 'bank.1']);

    // The company's default type, and one office's own.
    await p.page.fill('#company-type input', 'bank');
    const before = await p.page.evaluate(() => document.location.hash as string);
    await p.page.click('#company-type button[type=submit]');
    await p.page.waitForFunction((was) => document.location.hash !== was, before);
    await drawn(p.page);
    expect(await p.page.inputValue('#company-type input')).toBe('bank');
    expect((await call('GET', '/company/business-type')).body).toEqual({ businessType: 'bank' });
    const other = OTHER.id;
    await p.page.fill(`#type-${other}`, 'retail');
    await p.page.click(`#offices tr[data-id="${other}"] button[type=submit]`);
    await p.page.waitForSelector(`#offices tr[data-id="${other}"] .notice`);
    const office = (await call('GET', `/offices/${other}`)).body;
    expect(office.businessType).toBe('retail');
    expect(office).toMatchObject(OTHER);
    // The other office's scores now compare with no reference (retail has none); the first office's with bank's version 2.
    const week = `from=${day(Date.now() - 7 * 86_400_000)}&to=${day(Date.now() + 86_400_000)}`;
    expect((await call('GET', `/offices/${s.plan.offices[0]!.id}/scores?${week}`)).body.reference).toMatchObject({
      businessType: 'bank',
      version: 2,
    });
    expect((await call('GET', `/offices/${other}/scores?${week}`)).body.reference).toBeUndefined();

    // In Russian.
    await p.page.click('#lang');
    await drawn(p.page);
    expect(await p.page.textContent('h1')).toBe('Эталонные значения');
    await p.page.click('#lang');
    await drawn(p.page);

    for (const viewport of VIEWPORTS) {
      const v = await open(s, viewport);
      await signIn(v.page, s.base, ADMIN_TOKEN);
      await go(v.page, s.base, '/references?type=bank');
      expect(await ids(v.page, '#versions')).toEqual(['2', '1']);
      await screenshot(v.page, 'references');
      v.expectClean(SESSION_401);
      await v.close();
    }
    p.expectClean([...SESSION_401, /\/references\/Bank/]);
    await p.close();
  });

  it('mystery-shopper visits: recorded on the employee page, listed beside the scores as the API returns them', async () => {
    const from = day(Date.now() - 14 * 86_400_000);
    const to = day(Date.now() + 86_400_000);
    const employee = (await call('GET', '/employees?limit=1000')).body.items.find((e: Json) => e.officeId === s.manager.officeId);
    const route = `/employees/${employee.id}?from=${from}&to=${to}`;
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, route);
    expect(await ids(p.page, '#visits')).toEqual([]);
    const record = async (page: Page, date: string, score: string, notes: string) => {
      await page.fill('#add-visit input[name=date]', date);
      await page.fill('#add-visit input[name=score]', score);
      await page.fill('#add-visit input[name=notes]', notes);
      await page.click('#add-visit button[type=submit]');
    };
    await record(p.page, day(Date.now() - 5 * 86_400_000), '85', 'Greeted, offered the loyalty card');
    await rowsOf(p.page, '#visits', 1);
    await record(p.page, day(Date.now() - 2 * 86_400_000), '70', 'Did not offer the card');
    await rowsOf(p.page, '#visits', 2);
    // A score out of range is the API's 400 next to the field; nothing more is stored.
    await record(p.page, day(Date.now() - 1 * 86_400_000), '150', 'typo');
    await p.page.waitForSelector('#add-visit [data-field=score] .field-error:not([hidden])');
    const api = (await call('GET', `/employees/${employee.id}/mystery-shopper?from=${from}&to=${to}`)).body.items;
    expect(api.map((v: Json) => [v.score, v.notes, v.who])).toEqual([
      [85, 'Greeted, offered the loyalty card', 'LB_ADMIN_TOKEN'],
      [70, 'Did not offer the card', 'LB_ADMIN_TOKEN'],
    ]);
    expect(await ids(p.page, '#visits')).toEqual(api.map((v: Json) => v.id));
    expect(Number(await p.page.getAttribute('#ms-mean', 'data-mean'))).toBe(77.5);
    // In Russian.
    await p.page.click('#lang');
    await drawn(p.page);
    expect(await p.page.textContent('#mystery-shopper h2')).toBe('Тайный покупатель');
    expect(await p.page.textContent('#ms-mean')).toMatch(/^Средний балл по чек-листу 77,5 /);
    await p.page.click('#lang');
    await drawn(p.page);
    p.expectClean([...SESSION_401, /\/mystery-shopper$/]);
    await p.close();

    // The manager of the employee's office records one too; after a reload the page shows the scores' visits.
    for (const viewport of VIEWPORTS) {
      const v = await open(s, viewport);
      await signIn(v.page, s.base, s.manager.key);
      await go(v.page, s.base, route);
      if (viewport.width === VIEWPORTS[0].width) {
        await record(v.page, day(Date.now() - 3 * 86_400_000), '90', 'Manager’s own visit');
        await rowsOf(v.page, '#visits', 3);
        await v.page.reload();
        await drawn(v.page);
      }
      const scores = (await call('GET', `/employees/${employee.id}/scores?from=${from}&to=${to}`)).body.mysteryShopper;
      expect(scores.visits).toHaveLength(3);
      expect(await ids(v.page, '#visits')).toEqual(scores.visits.map((x: Json) => x.id));
      expect(Number(await v.page.getAttribute('#ms-mean', 'data-mean'))).toBeCloseTo(scores.meanScore, 9);
      await screenshot(v.page, 'employee-mystery-shopper');
      v.expectClean(SESSION_401);
      await v.close();
    }
    expect((await call('GET', `/employees/${employee.id}/mystery-shopper`)).body.items.map((x: Json) => x.who)).toContain('web-manager');
  });

  it('interventions: recorded from the list page, listed newest first with the API’s verdicts, filtered; a manager sees its office only', async () => {
    const first = s.plan.offices[0]!;
    const second = OTHER;
    const employees = (await call('GET', '/employees?limit=1000')).body.items as Json[];
    const desks = (await call('GET', '/desks?limit=1000')).body.items as Json[];
    const mine = employees.find((e) => e.officeId === first.id)!;
    const desk = desks.find((d) => d.officeId === first.id)!;
    // Two recorded through the API: an office elsewhere (out of the manager's scope) and a desk here.
    const elsewhere = (
      await call('POST', '/interventions', {
        subject: { level: 'office', id: second.id },
        date: day(Date.now() - 9 * 86_400_000),
        kind: 'premises',
        description: 'New queue screen',
      })
    ).body;
    const atDesk = (
      await call('POST', '/interventions', {
        subject: { level: 'desk', id: desk.id },
        date: day(Date.now() - 3 * 86_400_000),
        kind: 'process-change',
        description: 'Second printer',
      })
    ).body;

    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await p.page.click('nav.nav a[href="#/interventions"]');
    await drawn(p.page);
    // The form: an employee of the first office.
    const date = day(Date.now() - 6 * 86_400_000);
    await p.page.selectOption('#create-level', 'employee');
    await p.page.selectOption('#create-subject', mine.id);
    await p.page.fill('#create-date', date);
    await p.page.selectOption('#create-kind', 'training');
    await p.page.fill('#create-description', 'Complaint handling course');
    await p.page.click('#create-intervention button[type=submit]');
    await p.page.waitForFunction(() => /^#\/interventions\/[^/?]+/.test(document.location.hash));
    await drawn(p.page);
    const id = decodeURIComponent((await p.page.evaluate(() => document.location.hash as string)).split('/')[2]!.split('?')[0]!);
    expect((await call('GET', `/interventions/${id}`)).body).toMatchObject({
      subject: { level: 'employee', id: mine.id },
      officeId: first.id,
      date,
      kind: 'training',
      description: 'Complaint handling course',
      who: 'LB_ADMIN_TOKEN',
    });

    /** The list on the page is the API's, in its order, each row's verdicts those of its effect. */
    const check = async (page: Page, query: string, days: number, caller = call) => {
      const items = (await caller('GET', `/interventions?limit=100${query}`)).body.items as Json[];
      expect(await ids(page, '#intervention-list')).toEqual(items.map((i) => i.id));
      for (const i of items) {
        const effect = (await call('GET', `/interventions/${i.id}/effect?days=${days}`)).body;
        const want = Object.entries(effect.kinds as Json).flatMap(([kind, k]: [string, Json]) =>
          Object.entries(k.indices as Json).flatMap(([index, e]: [string, Json]) =>
            e.difference ? [`${kind}.${index}:${e.difference.verdict}`] : [],
          ),
        );
        const shown = await page.$$eval(`#intervention-list tr[data-id="${i.id}"] [data-verdict]`, (els: Json[]) =>
          els.map((e) => (e.dataset.index ? `${e.dataset.index}:${e.dataset.verdict}` : e.dataset.verdict)),
        );
        expect(shown).toEqual(want.length ? want : ['notEnoughData']);
      }
      return items;
    };
    await go(p.page, s.base, '/interventions');
    const all = await check(p.page, '', 28);
    expect(all.map((i) => i.id)).toEqual([atDesk.id, id, elsewhere.id]);
    // Filtered by office through the select, then by subject.
    await p.page.selectOption('#filter-office', first.id);
    await hashIs(p.page, [`office=${first.id}`]);
    expect((await check(p.page, `&officeId=${first.id}`, 28)).map((i) => i.id)).toEqual([atDesk.id, id]);
    await p.page.selectOption('#filter-level', 'employee');
    await hashIs(p.page, ['level=employee']);
    await p.page.selectOption('#filter-subject', mine.id);
    await hashIs(p.page, [`subject=${mine.id}`]);
    expect((await check(p.page, `&officeId=${first.id}&level=employee&id=${mine.id}`, 28)).map((i) => i.id)).toEqual([id]);
    // With short windows and a minimum sample the seeded presses meet, verdicts replace "not enough data".
    const settings = (await call('GET', '/settings')).body;
    await call('PUT', '/settings', { ...settings, minSample: 5 });
    try {
      await go(p.page, s.base, '/interventions?days=7');
      await check(p.page, '', 7);
      expect(await p.page.$$('#intervention-list .verdict:not(.pending)')).not.toHaveLength(0);
      // Each row links to its view.
      await p.page.click(`#intervention-list tr[data-id="${id}"] a[href^="#/interventions/"]`);
      await hashIs(p.page, [`/interventions/${id}`, 'days=7']);
      expect(await p.page.$$('#effect tbody tr[data-id]')).not.toHaveLength(0);
      // The list in Russian.
      await go(p.page, s.base, '/interventions?days=7');
      await p.page.click('#lang');
      await drawn(p.page);
      expect(await p.page.textContent('h1')).toBe('Мероприятия');
      expect(await p.page.textContent('#intervention-list thead')).toContain('До / после');
      await p.page.click('#lang');
      await drawn(p.page);

      for (const viewport of VIEWPORTS) {
        const v = await open(s, viewport);
        await signIn(v.page, s.base, ADMIN_TOKEN);
        await go(v.page, s.base, '/interventions?days=7');
        await check(v.page, '', 7);
        await screenshot(v.page, 'interventions');
        v.expectClean(SESSION_401);
        await v.close();

        // The manager: its office's interventions only, its office only to filter by, its subjects only to pick.
        const m = await open(s, viewport);
        await signIn(m.page, s.base, s.manager.key);
        await go(m.page, s.base, '/interventions?days=7');
        const theirs = await check(m.page, '', 7, async (_m, path) => ({ status: 200, body: await managerCall(path) }));
        expect(theirs.map((i) => i.id)).toEqual([atDesk.id, id]);
        const options = (sel: string) => m.page.$$eval(`${sel} option`, (os: Json[]) => os.map((o) => o.value).filter(Boolean));
        expect(await options('#filter-office')).toEqual([first.id]);
        const scoped = (await managerCall('/employees?limit=1000')).items.map((e: Json) => e.id).sort();
        expect((await options('#create-subject')).sort()).toEqual(scoped);
        expect(scoped.every((e: string) => employees.find((x) => x.id === e)?.officeId === first.id)).toBe(true);
        // The menu offers the loop's pages; the reference page is read-only and shows its office only.
        expect(await m.page.$('nav.nav a[href="#/interventions"]')).not.toBeNull();
        await m.page.click('nav.nav a[href="#/references"]');
        await drawn(m.page);
        expect(await m.page.$('#reference-publish')).toBeNull();
        expect(await m.page.$('#read-only')).not.toBeNull();
        expect(await ids(m.page, '#offices')).toEqual([first.id]);
        expect(await ids(m.page, '#versions')).toEqual(['2', '1']);
        await screenshot(m.page, 'references-manager');
        m.expectClean(SESSION_401);
        await m.close();
      }
    } finally {
      await call('PUT', '/settings', settings);
    }
    p.expectClean(SESSION_401);
    await p.close();
  });
});
