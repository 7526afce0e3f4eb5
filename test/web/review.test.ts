/**
 * The review queue in Chromium against a real gateway (issue 13): a reviewer sees the pending cases of its
 * office — the same ones the API lists — ticks two, classifies them as office-caused, and the API then
 * has them classified with the note and out of the queue; the employee's page shows ИНК Персонал,
 * qualified, with its pending count beside ИНК Персонал, equal to the API's; a case the CRM followed up
 * shows the CRM's suggested cause, and the reviewer accepts it in one click (classified, audited); a manager
 * reads the queue but has nothing to classify with.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { adminCall, open, screenshot, seedConsole, signIn, type Json, type Seeded } from './browser.js';
import { go } from './pages-b.js';

// The predicate runs in the page; the test project's TypeScript has no DOM library.
// biome-ignore lint/suspicious/noExplicitAny: a browser global inside page.waitForFunction
declare const document: any;

let s: Seeded;
let reviewerKey: string;
let crmKey: string;
beforeAll(async () => {
  s = await seedConsole({ kiosks: 2, days: 1 });
  const created = await adminCall(s, 'POST', '/api-keys', { name: 'Rita Reviewer', role: 'reviewer', offices: [s.manager.officeId] });
  reviewerKey = created.body.key;
  crmKey = (await adminCall(s, 'POST', '/api-keys', { name: 'Bank CRM', role: 'crm', offices: [s.manager.officeId] })).body.key;
}, 180_000);

/** A follow-up posted as the CRM (its own key, over the real HTTP API). */
async function followUp(caseId: string, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${s.base}/api/v1/cases/${caseId}/follow-up`, {
    method: 'POST',
    headers: { authorization: `Bearer ${crmKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}
afterAll(async () => {
  await s?.close();
});

const pending = async (): Promise<Json[]> =>
  (await adminCall(s, 'GET', `/cases?status=pending&limit=200&office=${s.manager.officeId}`)).body.items;
const pendingIds = async (): Promise<string[]> => (await pending()).map((c: Json) => c.id);

describe('the review page', () => {
  it('lists the pending cases the API lists, and classifies a selection of them', async () => {
    const cases = await pending();
    const before = cases.map((c: Json) => c.id);
    // Two staff-panel cases with an employee on duty (the next test reads that employee's page).
    const picked = cases
      .filter((c: Json) => c.kind === 'staff' && c.employeeId)
      .slice(0, 2)
      .map((c: Json) => c.id);
    expect(picked).toHaveLength(2);
    const p = await open(s);
    await signIn(p.page, s.base, reviewerKey);
    await go(p.page, s.base, '/review');
    const rows = await p.page.$$eval('#review-queue tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(rows).toEqual(before);
    await screenshot(p.page, 'review-queue');
    for (const id of picked) await p.page.check(`#review-queue input[value="${id}"]`);
    await p.page.selectOption('#classify select[name=cause]', 'office');
    await p.page.fill('#classify input[name=note]', 'queue screen dead');
    await p.page.click('#classify button[type=submit]');
    // The page redraws without them.
    await p.page.waitForFunction(
      (gone) => {
        const ids = [...document.querySelectorAll('#review-queue tbody tr')].map((tr) => tr.getAttribute('data-id'));
        return ids.length > 0 && !gone.some((id) => ids.includes(id));
      },
      picked,
      { timeout: 20_000 },
    );
    expect(await pendingIds()).toEqual(before.filter((id: string) => !picked.includes(id)));
    for (const id of picked) {
      const c = (await adminCall(s, 'GET', `/cases/${id}`)).body;
      expect(c).toMatchObject({ status: 'classified', cause: 'office', note: 'queue screen dead', classifiedBy: 'Rita Reviewer' });
    }
    await screenshot(p.page, 'review-queue-after');
    p.expectClean();
    await p.close();
  });

  it('shows ИНК Персонал, qualified, beside ИНК Персонал on the employee page, as the API has it', async () => {
    const c = (await adminCall(s, 'GET', '/cases?status=classified&kind=staff&limit=1')).body.items[0];
    const employee = c.employeeId as string;
    // Three UTC dates around the press: its local date in the office's zone is among them.
    const date = (days: number) => new Date(Date.parse(c.at) + days * 86_400_000).toISOString().slice(0, 10);
    const [day, next] = [date(-1), date(2)];
    const api = (await adminCall(s, 'GET', `/employees/${employee}/scores?from=${day}&to=${next}`)).body.total.scores.staff;
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, `/employees/${employee}?from=${day}&to=${next}`);
    const card = p.page.locator('#figures [data-figure="inkQualified"]');
    expect(Number(await card.locator('.value').getAttribute('data-value'))).toBe(api.inkQualified.value);
    expect(Number(await card.locator('.pending').getAttribute('data-pending'))).toBe(api.inkQualified.pending);
    expect(api.inkQualified.value).toBeLessThan(api.ink.value); // one of its negatives left B
    await screenshot(p.page, 'employee-ink-qualified');
    p.expectClean();
    await p.close();
  });

  it('shows the CRM’s suggested cause on a followed-up case; the reviewer accepts it in one click', async () => {
    const [suggested, declined] = await pendingIds();
    expect(declined).toBeDefined();
    const survey = { ref: 'survey-77', outcome: 'answered', answer: 'the price went up', cause: 'product', comment: 'called back' };
    expect(await followUp(suggested!, survey)).toBe(201);
    expect(await followUp(declined!, { ref: 'survey-78', outcome: 'declined' })).toBe(201);
    const p = await open(s);
    await signIn(p.page, s.base, reviewerKey);
    await go(p.page, s.base, '/review');
    const row = p.page.locator(`#review-queue tbody tr[data-id="${suggested}"]`);
    expect(await row.locator('.crm-suggestion').getAttribute('data-cause')).toBe('product');
    expect(await row.locator('.crm-suggestion').textContent()).toBe('product (quality, price)');
    expect(await row.locator('.crm-suggestion').getAttribute('title')).toBe('the price went up — called back');
    // A follow-up without a cause is shown, with nothing to accept.
    const other = p.page.locator(`#review-queue tbody tr[data-id="${declined}"]`);
    expect(await other.locator('.crm-suggestion').textContent()).toBe('declined the survey');
    expect(await other.locator('.accept-crm').count()).toBe(0);
    await screenshot(p.page, 'review-queue-crm');
    await row.locator('.accept-crm').click();
    await p.page.waitForFunction(
      (id) => ![...document.querySelectorAll('#review-queue tbody tr')].some((tr) => tr.getAttribute('data-id') === id),
      suggested,
      { timeout: 20_000 },
    );
    const c = (await adminCall(s, 'GET', `/cases/${suggested}`)).body;
    expect(c).toMatchObject({
      status: 'classified',
      cause: 'product',
      note: 'CRM survey-77: the price went up: called back',
      classifiedBy: 'Rita Reviewer',
      followUp: { ref: 'survey-77' },
    });
    const history = (await adminCall(s, 'GET', `/cases/${suggested}/history`)).body;
    expect(history.items.map((h: Json) => [h.from, h.to, h.by])).toEqual([[null, 'product', 'Rita Reviewer']]);
    expect((await adminCall(s, 'GET', `/cases/${declined}`)).body).toMatchObject({ status: 'pending' });
    p.expectClean();
    await p.close();
  });

  it('shows the office-caused negatives on the office page beside ИНК Офис, as the API has them', async () => {
    const c = (await adminCall(s, 'GET', '/cases?status=classified&kind=staff&limit=1')).body.items[0];
    const date = (days: number) => new Date(Date.parse(c.at) + days * 86_400_000).toISOString().slice(0, 10);
    const [day, next] = [date(-1), date(2)];
    const api = (await adminCall(s, 'GET', `/offices/${c.officeId}/scores?from=${day}&to=${next}`)).body.total.scores.staff;
    expect(api.causedBy.office.count).toBeGreaterThanOrEqual(1); // the cases classified office in the first test
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, `/offices/${c.officeId}?from=${day}&to=${next}`);
    const card = p.page.locator('#figures [data-figure="officeCaused"]');
    expect(Number(await card.locator('.value').getAttribute('data-value'))).toBe(api.causedBy.office.value);
    expect(Number(await card.locator('.count').getAttribute('data-count'))).toBe(api.causedBy.office.count);
    // No product-caused negative yet: no card of zeros.
    expect(await p.page.locator('#figures [data-figure="productCaused"]').count()).toBe(api.causedBy.product.count > 0 ? 1 : 0);
    await screenshot(p.page, 'office-caused-by');
    p.expectClean();
    await p.close();
  });

  it('the rankings page ranks by the index chosen, says which, and shows each item’s pending cases', async () => {
    const settings = (await adminCall(s, 'GET', '/settings')).body;
    // The seeded day is thin: rank everyone with a press.
    await adminCall(s, 'PUT', '/settings', { ...settings, minSample: 1 });
    try {
      const p = await open(s);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
      const [from, to] = [day(Date.now() - 7 * 86_400_000), day(Date.now() + 86_400_000)];
      await go(p.page, s.base, `/rankings?level=employee&from=${from}&to=${to}`);
      expect(await p.page.getAttribute('#rank-uses', 'data-index')).toBe('ink');
      await p.page.selectOption('#rank-index', 'inkQualified');
      await p.page.waitForFunction(() => document.querySelector('#rank-uses')?.getAttribute('data-index') === 'inkQualified', undefined, {
        timeout: 20_000,
      });
      const query = new URLSearchParams((await p.page.evaluate(() => document.location.hash as string)).split('?')[1]);
      expect([query.get('index'), query.get('from'), query.get('to')]).toEqual(['inkQualified', from, to]);
      const api = (await adminCall(s, 'GET', `/rankings?level=employee&index=inkQualified&change=true&from=${from}&to=${to}`)).body;
      expect(api.items.length).toBeGreaterThan(0);
      expect(await p.page.textContent('#rank-uses')).toContain('ИНК Персонал, qualified');
      const rows = await p.page.$$eval('#ranking tbody tr[data-id]', (trs: Json[]) =>
        trs
          .filter((tr) => tr.querySelector('[data-pending]'))
          .map((tr) => ({
            id: tr.dataset.id,
            value: Number(tr.querySelector('[data-value]').dataset.value),
            pending: Number(tr.querySelector('[data-pending]').dataset.pending),
          })),
      );
      expect(rows).toEqual(api.items.map((i: Json) => ({ id: i.id, value: i.value, pending: i.pending })));
      await screenshot(p.page, 'rankings-ink-qualified');
      p.expectClean();
      await p.close();
    } finally {
      await adminCall(s, 'PUT', '/settings', settings);
    }
  });

  it('a manager reads the queue but cannot classify', async () => {
    const p = await open(s);
    await signIn(p.page, s.base, s.manager.key);
    await go(p.page, s.base, '/review');
    expect(await p.page.locator('#review-queue tbody tr').count()).toBe((await pendingIds()).length);
    expect(await p.page.locator('#classify').count()).toBe(0);
    expect(await p.page.locator('#review-queue input[type=checkbox]').count()).toBe(0);
    p.expectClean();
    await p.close();
  });
});
