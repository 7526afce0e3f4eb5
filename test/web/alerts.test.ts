/**
 * The alerts pages in Chromium against a real gateway: an alert opened by real presses is listed as the
 * API lists it; its page shows the API's evidence; acknowledge, comment and close from the page change it
 * in the API; a rule (statistical mode) is created and deleted from the rules tab; the delivery log lists
 * what the API lists. Nothing here mocks the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import {
  adminCall,
  type Json,
  open,
  openAlert,
  pollApi,
  screenshot,
  seedConsole,
  type Seeded,
  SESSION_401,
  signIn,
  VIEWPORTS,
} from './browser.js';
import { drawn, go } from './pages-b.js';

let s: Seeded;
beforeAll(async () => {
  s = await seedConsole({ kiosks: 2, days: 1 });
}, 180_000);
afterAll(async () => {
  await s?.close();
});

const call = (method: string, path: string, body?: unknown) => adminCall(s, method, path, body);

describe('the alerts pages', () => {
  it('list, evidence, acknowledge, comment and close, as the API then answers', async () => {
    const alert = await openAlert(s, s.plan.offices[0]!.id, 'web-alert-kiosk');
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, '/alerts?state=open');
    expect(await p.page.locator(`#alerts tr[data-id="${alert.id}"] a`).textContent()).toBe(alert.title.en);
    const listed = (await call('GET', '/alerts?state=open')).body.items as Json[];
    expect(await p.page.locator('#alerts tbody tr[data-id]').count()).toBe(listed.length);
    await screenshot(p.page, 'alerts');
    // The bell counts the alert's events as unread and links to the alert.
    await p.page.waitForSelector('#bell .bell-count:not([hidden])');
    expect(Number(await p.page.textContent('#bell .bell-count'))).toBeGreaterThanOrEqual(1);
    await p.page.click('#bell');
    expect(await p.page.getAttribute(`#bell-panel li a[href="#/alerts/${alert.id}"]`, 'href')).toBe(`#/alerts/${alert.id}`);
    await p.page.click('#bell');

    await p.page.click(`#alerts tr[data-id="${alert.id}"] a`);
    await drawn(p.page);
    const detail = (await call('GET', `/alerts/${alert.id}`)).body;
    for (const key of ['n', 'share', 'baseline', 'p', 'cusum'].filter((k) => typeof detail.evidence[k] === 'number')) {
      expect(Number(await p.page.getAttribute(`#evidence [data-evidence="${key}"]`, 'data-value'))).toBe(detail.evidence[key]);
    }
    expect(await p.page.locator('#evidence [data-evidence="n"]').count()).toBe(1);
    await screenshot(p.page, 'alert');

    await p.page.click('#acknowledge');
    await p.page.waitForSelector('#acknowledged');
    expect((await call('GET', `/alerts/${alert.id}`)).body.state).toBe('acknowledged');

    await p.page.fill('#f-text', 'Смена администратора, разбираемся');
    await p.page.dblclick('#comment-form button[type=submit]');
    await p.page.waitForSelector('#comments li');
    const comments = (await call('GET', `/alerts/${alert.id}`)).body.comments as Json[];
    expect(comments.map((c) => c.text)).toEqual(['Смена администратора, разбираемся']);

    await p.page.fill('#f-comment', 'Resolved with the team');
    await p.page.click('#close-form button[type=submit]');
    await p.page.waitForSelector('.alert-head [data-state="closed"]');
    const closed = (await call('GET', `/alerts/${alert.id}`)).body;
    expect(closed.state).toBe('closed');
    expect((closed.history as Json[]).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['opened', 'acknowledged', 'commented', 'closed']),
    );
    expect(await p.page.locator('#history li').count()).toBe(closed.history.length);
    p.expectClean(SESSION_401);
    await p.close();
  });

  it('creates a statistical rule and deletes it from the rules tab, at both viewports', async () => {
    const office = s.plan.offices[0]!;
    for (const viewport of VIEWPORTS) {
      const name = `Web stat ${viewport.width}`;
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await go(p.page, s.base, '/alerts?tab=rules');
      await p.page.fill('#rule-form #f-name', name);
      await p.page.selectOption('#rule-form #f-kind', 'bad-share');
      await p.page.selectOption('#rule-form #f-level', 'office');
      await p.page.fill('#rule-form #f-scopeId', office.id);
      await p.page.selectOption('#rule-form #f-mode', 'statistical');
      await p.page.selectOption('#rule-form #f-test', 'binomial');
      await p.page.fill('#rule-form #f-confidence', '0.99');
      await p.page.fill('#rule-form #f-minSample', '40');
      await p.page.click('#rule-form button[type=submit]');
      const rule = await pollApi(
        async () => ((await call('GET', '/alert-rules')).body.items as Json[]).find((r) => r.name === name),
        'the rule',
      );
      expect(rule).toMatchObject({ kind: 'share', mode: 'statistical', scope: { level: 'office', id: office.id }, minSample: 40 });
      await p.page.waitForSelector(`#rules tr[data-id="${rule.id}"]`);
      await screenshot(p.page, 'alert-rules');
      await drawn(p.page);
      await p.page.click(`#rules tr[data-id="${rule.id}"] button.delete`);
      await p.page.waitForSelector(`#rules tr[data-id="${rule.id}"]`, { state: 'detached' });
      expect(((await call('GET', '/alert-rules')).body.items as Json[]).some((r) => r.id === rule.id)).toBe(false);
      p.expectClean(SESSION_401);
      await p.close();
    }
  });

  it('shows the delivery log as the API lists it', async () => {
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, '/alerts?tab=deliveries');
    const items = (await call('GET', '/deliveries?limit=1000')).body.items as Json[];
    expect(await p.page.locator('#deliveries tbody tr[data-id]').count()).toBe(items.length);
    await screenshot(p.page, 'deliveries');
    p.expectClean(SESSION_401);
    await p.close();
  });
});
