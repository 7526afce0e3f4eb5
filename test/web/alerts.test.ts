/**
 * The alerts pages in Chromium against a real gateway: an alert opened by real presses is listed as the
 * API lists it; its page shows the API's evidence; acknowledge, comment and close from the page change it
 * in the API; a rule (statistical mode) is created and deleted from the rules tab; the delivery log lists
 * what the API lists. Nothing here mocks the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, event, kiosk } from '../../scripts/lib/mqtt-kiosk.js';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { adminCall, type Json, open, pollApi, screenshot, seedConsole, type Seeded, SESSION_401, signIn, VIEWPORTS } from './browser.js';
import { drawn, go } from './pages-b.js';

let s: Seeded;
beforeAll(async () => {
  s = await seedConsole({ kiosks: 2, days: 1 });
}, 180_000);
afterAll(async () => {
  await s?.close();
});

const call = (method: string, path: string, body?: unknown) => adminCall(s, method, path, body);

/** A bad-share rule on the first office and 20 bad presses on a kiosk of its own there: one open alert. */
async function openAlert(): Promise<Json> {
  const office = s.plan.offices[0]!;
  const rule = await call('POST', '/alert-rules', {
    name: 'Web test: bad share',
    kind: 'share',
    scope: { level: 'office', id: office.id },
    direction: 'negative',
    mode: 'threshold',
    // The office panel only (this kiosk's): the seeded staff and loyalty presses of the last hour would
    // otherwise dilute the share below 0.5 during the simulated business hours (the test failed by time of day).
    panelKind: 'office',
    windowMinutes: 60,
    threshold: 0.5,
    minSample: 10,
    autoCloseAfterMinutes: 600,
  });
  expect(rule.status).toBe(201);
  const reg = await call('POST', '/kiosks', {
    id: 'web-alert-kiosk',
    panels: [{ id: 'office', kind: 'office', pins: { good: 2, neutral: 3, bad: 4 } }],
  });
  await call('PUT', '/kiosks/web-alert-kiosk/panels/office/binding', { kind: 'office', officeId: office.id });
  const k = await kiosk(s.mqttUrl, 'web-alert-kiosk', reg.body.mqtt.password);
  const now = Date.now();
  await k.publishEvents(
    batch(
      'web-alert-kiosk',
      Array.from({ length: 20 }, (_, i) =>
        // A minute apart: closer presses on one panel would be judged misuse (lockout, burst) and not counted.
        event(i + 1, {
          panel: 'office',
          button: 'bad',
          at: new Date(now - (20 - i) * 60_000).toISOString(),
          uptimeMs: 2_000_000 + i * 60_000,
        }),
      ),
    ),
  );
  await k.nextAck();
  await k.close();
  return pollApi(async () => {
    const open = (await call('GET', `/alerts?state=open&rule=${rule.body.id}`)).body?.items as Json[] | undefined;
    return open?.[0];
  }, 'an open alert');
}

describe('the alerts pages', () => {
  it('list, evidence, acknowledge, comment and close, as the API then answers', async () => {
    const alert = await openAlert();
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
