/**
 * The subscriptions page in Chromium against a real gateway: a webhook created on the page (its secret
 * shown once) receives a real alert at a real local receiver that checks the signature with that secret;
 * its delivery — refused once with a 500, then accepted — is in the page's delivery log with its state,
 * attempts and last error, as the API lists it; the webhook is edited and deleted from the page; an email
 * subscription is created, edited and deleted at both viewports; a manager is offered the log only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../scripts/lib/webhook-receiver.js';
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
import { drawn, go, none } from './pages-b.js';

let s: Seeded;
let receiver: WebhookReceiver;
beforeAll(async () => {
  // Retries half a second apart (30 s by default), so the refused first attempt is retried within the test.
  s = await seedConsole({ kiosks: 2, days: 1, env: { LB_DELIVERY_RETRY_BASE_MS: '500', LB_DELIVERY_POLL_MS: '100' } });
  receiver = await startWebhookReceiver();
}, 180_000);
afterAll(async () => {
  await receiver?.close();
  await s?.close();
});

const call = (method: string, path: string, body?: unknown) => adminCall(s, method, path, body);

describe('the subscriptions page', () => {
  it('creates a webhook whose secret signs a real alert delivery, shown in the delivery log; edits and deletes it', async () => {
    const office = s.plan.offices[0]!;
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    expect(await p.page.locator('nav a[href="#/subscriptions"]').textContent()).toBe('Subscriptions');
    await go(p.page, s.base, '/subscriptions?tab=webhooks');
    await p.page.fill('#webhook-form #f-url', receiver.url);
    await p.page.selectOption('#webhook-form #f-level', 'office');
    await p.page.selectOption('#webhook-form #f-scopeId', office.id);
    await p.page.check('#webhook-form #f-kinds-opened');
    await p.page.click('#webhook-form button[type=submit]');
    await p.page.waitForSelector('#webhook-secret:not([hidden]) .secret-value');
    const secret = (await p.page.textContent('#webhook-secret .secret-value'))!.trim();
    const hooks = (await call('GET', '/webhooks')).body.items as Json[];
    expect(hooks).toHaveLength(1);
    const hook = hooks[0]!;
    expect(hook).toMatchObject({ url: receiver.url, scope: { level: 'office', id: office.id }, enabled: true });
    expect(hook.kinds).toContain('opened');
    expect(await p.page.locator(`#webhooks tr[data-id="${hook.id}"]`).count()).toBe(1);
    await drawn(p.page);
    await screenshot(p.page, 'subscriptions-webhook-created');

    // The receiver checks every POST with the secret the page showed; it refuses the first with a 500.
    receiver.secret = secret;
    receiver.answer = (_key, n) => (n === 0 ? 500 : 200);
    await openAlert(s, office.id, 'web-subs-kiosk');
    const accepted = await receiver.waitFor((r) => r.answer === 200 && r.body.type === 'alert.opened', 'the alert, accepted');
    expect(accepted.signatureValid).toBe(true);
    const delivery = await pollApi(async () => {
      const items = (await call('GET', `/deliveries?subscription=${hook.id}`)).body.items as Json[];
      return items.find((d) => d.idemKey === accepted.idemKey && d.state === 'delivered');
    }, 'the delivery recorded as delivered');
    expect(delivery.attempts).toBe(2);
    expect(delivery.lastError).toMatch(/500/);

    // The row's "deliveries" link: the log of this webhook, as the API lists it.
    await p.page.click(`#webhooks tr[data-id="${hook.id}"] a.log`);
    await drawn(p.page);
    expect(p.page.url()).toContain(`subscription=${hook.id}`);
    const row = p.page.locator(`#deliveries tr[data-id="${delivery.id}"]`);
    expect(await row.locator('[data-state]').getAttribute('data-state')).toBe('delivered');
    expect(await row.locator('[data-figure="attempts"]').textContent()).toBe('2');
    expect(await row.locator('[data-figure="lastError"]').textContent()).toBe(delivery.lastError);
    const listed = (await call('GET', `/deliveries?subscription=${hook.id}`)).body.items as Json[];
    expect(await p.page.locator('#deliveries tbody tr[data-id]').count()).toBe(listed.length);
    await screenshot(p.page, 'subscriptions-deliveries-webhook');

    // Edit: the events it is told change in the API; the secret stays the one shown.
    await go(p.page, s.base, `/subscriptions?tab=webhooks&edit=${hook.id}`);
    expect(await p.page.inputValue('#webhook-form #f-url')).toBe(receiver.url);
    await p.page.check('#webhook-form #f-kinds-closed');
    await p.page.click('#webhook-form button[type=submit]');
    const edited = await pollApi(async () => {
      const w = (await call('GET', `/webhooks/${hook.id}`)).body;
      return w.kinds.includes('closed') ? w : undefined;
    }, 'the edited webhook');
    expect(edited.kinds).toEqual(expect.arrayContaining(['opened', 'closed']));
    expect(await p.page.locator('#webhook-secret').isHidden()).toBe(true);

    // A URL the API refuses: its message next to the field, nothing created.
    await go(p.page, s.base, '/subscriptions?tab=webhooks');
    await p.page.fill('#webhook-form #f-url', 'ftp://example.com/hook');
    await p.page.click('#webhook-form button[type=submit]');
    await p.page.waitForSelector('[data-field="url"] .field-error:not([hidden])');
    expect((await call('GET', '/webhooks')).body.items).toHaveLength(1);

    await p.page.click(`#webhooks tr[data-id="${hook.id}"] button.delete`);
    await none(p.page, `#webhooks tr[data-id="${hook.id}"]`);
    expect((await call('GET', `/webhooks/${hook.id}`)).status).toBe(404);
    p.expectClean([...SESSION_401, /\/api\/v1\/webhooks$/, /status of 400/]);
    await p.close();
  });

  it('creates, edits and deletes an email subscription, at both viewports', async () => {
    const office = s.plan.offices[0]!;
    for (const viewport of VIEWPORTS) {
      const address = `manager-${viewport.width}@example.com`;
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await go(p.page, s.base, '/subscriptions?tab=email');
      await p.page.fill('#email-form #f-address', address);
      await p.page.selectOption('#email-form #f-language', 'ru');
      await p.page.selectOption('#email-form #f-level', 'office');
      await p.page.selectOption('#email-form #f-scopeId', office.id);
      await p.page.uncheck('#email-form #f-reports-weekly');
      await p.page.check('#email-form #f-reports-monthly');
      await p.page.click('#email-form button[type=submit]');
      const sub = await pollApi(
        async () => ((await call('GET', '/email-subscriptions')).body.items as Json[]).find((x) => x.address === address),
        'the subscription',
      );
      expect(sub).toMatchObject({ language: 'ru', scope: { level: 'office', id: office.id }, reports: ['monthly'], enabled: true });
      await p.page.waitForSelector(`#email-subscriptions tr[data-id="${sub.id}"]`);
      await drawn(p.page);
      expect(await p.page.getAttribute(`#email-subscriptions tr[data-id="${sub.id}"] [data-figure="reports"]`, 'data-value')).toBe(
        'monthly',
      );
      await screenshot(p.page, 'subscriptions-email');

      await p.page.click(`#email-subscriptions tr[data-id="${sub.id}"] a.edit`);
      await drawn(p.page);
      await p.page.check('#email-form #f-reports-daily');
      await p.page.selectOption('#email-form #f-level', 'company');
      await p.page.click('#email-form button[type=submit]');
      const edited = await pollApi(async () => {
        const x = (await call('GET', `/email-subscriptions/${sub.id}`)).body;
        return x.scope.level === 'company' ? x : undefined;
      }, 'the edited subscription');
      expect([...edited.reports].sort()).toEqual(['daily', 'monthly']);

      await p.page.waitForSelector(`#email-subscriptions tr[data-id="${sub.id}"] button.delete`);
      await drawn(p.page);
      await p.page.click(`#email-subscriptions tr[data-id="${sub.id}"] button.delete`);
      await none(p.page, `#email-subscriptions tr[data-id="${sub.id}"]`);
      expect((await call('GET', `/email-subscriptions/${sub.id}`)).status).toBe(404);
      await go(p.page, s.base, '/subscriptions?tab=webhooks');
      await screenshot(p.page, 'subscriptions-webhooks');
      await go(p.page, s.base, '/subscriptions?tab=deliveries');
      await screenshot(p.page, 'subscriptions-deliveries');
      p.expectClean(SESSION_401);
      await p.close();
    }
  });

  it('offers a manager the delivery log of its offices only, in Russian too', async () => {
    const p = await open(s, VIEWPORTS[1]);
    await signIn(p.page, s.base, s.manager.key);
    await go(p.page, s.base, '/subscriptions');
    expect(await p.page.locator('.tabs a').evaluateAll((as) => as.map((a) => a.getAttribute('data-tab')))).toEqual(['deliveries']);
    await p.page.click('#lang');
    await p.page.waitForSelector('.tabs a[data-tab="deliveries"]');
    await drawn(p.page);
    expect(await p.page.textContent('h1')).toBe('Подписки и доставка');
    expect(await p.page.textContent('.tabs')).toBe('Журнал доставки');
    const res = await fetch(`${s.base}/api/v1/deliveries?limit=1000`, { headers: { authorization: `Bearer ${s.manager.key}` } });
    const mine = ((await res.json()) as Json).items as Json[];
    expect(await p.page.locator('#deliveries tbody tr[data-id]').count()).toBe(mine.length);
    await screenshot(p.page, 'subscriptions-manager-ru');
    p.expectClean(SESSION_401);
    await p.close();
  });
});
