/**
 * The intervention view in Chromium against a real gateway seeded with the simulator's presses: an
 * intervention recorded from the employee page's form lands in the API, its view shows the trend with a
 * marker at the date and the before/after table exactly as GET /interventions/:id/effect answers it
 * ("not enough data yet" included), and the employee page marks it on its trend. Screenshots at both sizes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { adminCall, type Json, open, screenshot, seedConsole, type Seeded, SESSION_401, signIn, VIEWPORTS } from './browser.js';
import { drawn, go } from './pages-b.js';

// biome-ignore lint/suspicious/noExplicitAny: browser globals inside page.evaluate
declare const document: any;

let s: Seeded;
beforeAll(async () => {
  s = await seedConsole({ kiosks: 3, days: 14, rate: 8 });
}, 180_000);
afterAll(async () => {
  await s?.close();
});

const call = (method: string, path: string, body?: unknown) => adminCall(s, method, path, body);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('the intervention view in Chromium', { timeout: 240_000 }, () => {
  it('records an intervention from the employee page and shows its before/after as the API computes it', async () => {
    const from = day(Date.now() - 14 * 86_400_000);
    const to = day(Date.now() + 86_400_000);
    // The employee with the most staff presses over the seeded fortnight.
    const employees = (await call('GET', '/employees?limit=1000')).body.items as Json[];
    let best = { id: '', n: -1 };
    for (const e of employees) {
      const n = (await call('GET', `/employees/${e.id}/scores?from=${from}&to=${to}`)).body.total.scores.staff.counts.total;
      if (n > best.n) best = { id: e.id, n };
    }
    expect(best.n).toBeGreaterThan(0);
    const date = day(Date.now() - 7 * 86_400_000);
    const settings = (await call('GET', '/settings')).body;

    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, `/employees/${best.id}?from=${from}&to=${to}`);
    await p.page.fill('#add-intervention input[name=date]', date);
    await p.page.selectOption('#add-intervention select[name=kind]', 'training');
    await p.page.fill('#add-intervention input[name=description]', 'Complaint handling course');
    await p.page.click('#add-intervention button[type=submit]');
    await p.page.waitForFunction(() => document.location.hash.startsWith('#/interventions/'));
    await drawn(p.page);
    const id = decodeURIComponent((await p.page.evaluate(() => document.location.hash as string)).split('/')[2]!.split('?')[0]!);
    const stored = (await call('GET', `/interventions/${id}`)).body;
    expect(stored).toMatchObject({ subject: { level: 'employee', id: best.id }, date, kind: 'training', who: 'LB_ADMIN_TOKEN' });

    // The table as the API answers: one row per kind and index, verdict or "not enough data yet".
    const check = async (page: typeof p.page, days: number) => {
      const effect = (await call('GET', `/interventions/${id}/effect?days=${days}`)).body;
      const rows = await page.$$eval('#effect tbody tr[data-id]', (trs: Json[]) =>
        trs.map((tr) => ({ id: tr.dataset.id, verdict: tr.querySelector('[data-verdict]')?.dataset.verdict })),
      );
      const want = Object.entries(effect.kinds as Json).flatMap(([kind, k]: [string, Json]) =>
        Object.entries(k.indices as Json).map(([index, e]: [string, Json]) => ({
          id: `${kind}.${index}`,
          verdict: e.difference ? e.difference.verdict : 'notEnoughData',
        })),
      );
      expect(rows).toEqual(want);
      return effect;
    };
    const thin = await check(p.page, 28);
    expect(thin.kinds.staff.status).toBe(
      thin.kinds.staff.presses.before >= settings.minSample && thin.kinds.staff.presses.after >= settings.minSample
        ? 'ok'
        : 'notEnoughData',
    );
    // Every chart marks the intervention.
    expect(await p.page.$$eval('figure.chart', (f: Json[]) => f.map((x) => x.dataset.markers))).toEqual(expect.arrayContaining(['1']));
    expect(await p.page.textContent('#windows')).toMatch(/28/);
    await screenshot(p.page, 'intervention-not-enough');

    // With a minimum sample the seeded presses meet, the same view shows differences, p and verdicts.
    await call('PUT', '/settings', { ...settings, minSample: 5 });
    try {
      for (const viewport of VIEWPORTS) {
        const v = await open(s, viewport);
        await signIn(v.page, s.base, ADMIN_TOKEN);
        await go(v.page, s.base, `/interventions/${id}?days=7`);
        const effect = await check(v.page, 7);
        expect(effect.kinds.staff.status).toBe('ok');
        const ink = effect.kinds.staff.indices.ink.difference;
        expect(await v.page.textContent('#effect tr[data-id="staff.ink"]')).toContain(ink.test.p.toFixed(4));
        await screenshot(v.page, 'intervention');
        // The employee page lists it and marks it on the trend.
        await go(v.page, s.base, `/employees/${best.id}?from=${from}&to=${to}`);
        expect(await v.page.$$eval('#interventions tbody tr[data-id]', (trs: Json[]) => trs.map((t) => t.dataset.id))).toEqual([id]);
        // Every trend of the employee page (ИНК Персонал, its qualified form, CSAT) marks the one intervention.
        const markers = await v.page.$$eval('figure.chart', (f: Json[]) => f.map((x) => x.dataset.markers));
        expect(markers.length).toBeGreaterThanOrEqual(2);
        expect(markers.every((m: string) => m === '1')).toBe(true);
        await screenshot(v.page, 'employee-with-intervention');
        v.expectClean(SESSION_401);
        await v.close();
      }
    } finally {
      await call('PUT', '/settings', settings);
    }
    p.expectClean(SESSION_401);
    await p.close();
  });

  it('marks the interventions on an office and on its desks on every trend of the office page', async () => {
    const from = day(Date.now() - 14 * 86_400_000);
    const to = day(Date.now() + 86_400_000);
    const desk = ((await call('GET', '/desks?limit=1000')).body.items as Json[])[0]!;
    const office = desk.officeId as string;
    const onOffice = await call('POST', '/interventions', {
      subject: { level: 'office', id: office },
      date: day(Date.now() - 10 * 86_400_000),
      kind: 'premises',
      description: 'New queue screen',
    });
    const onDesk = await call('POST', '/interventions', {
      subject: { level: 'desk', id: desk.id },
      date: day(Date.now() - 5 * 86_400_000),
      kind: 'process-change',
      description: 'Second printer at the desk',
    });
    expect([onOffice.status, onDesk.status]).toEqual([201, 201]);
    for (const viewport of VIEWPORTS) {
      const v = await open(s, viewport);
      await signIn(v.page, s.base, ADMIN_TOKEN);
      await go(v.page, s.base, `/offices/${office}?from=${from}&to=${to}`);
      const markers = await v.page.$$eval('figure.chart', (f: Json[]) => f.map((x) => x.dataset.markers));
      expect(markers.length).toBeGreaterThanOrEqual(2);
      expect(markers.every((m: string) => m === '2')).toBe(true);
      await screenshot(v.page, 'office-with-interventions');
      // One day (hour buckets): no day to mark.
      await go(v.page, s.base, `/offices/${office}?from=${day(Date.now())}&to=${to}`);
      const oneDay = await v.page.$$eval('figure.chart', (f: Json[]) => f.map((x) => x.dataset.markers));
      expect(oneDay.every((m: string) => m === '0')).toBe(true);
      v.expectClean(SESSION_401);
      await v.close();
    }
  });
});
