/**
 * The settings page in Chromium against a real gateway: an admin's change is saved and the API answers
 * the new values; a value the API refuses shows the API's own text next to the field and changes nothing;
 * a manager sees the same values read-only with nothing to submit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { open, screenshot, seedConsole, type Seeded, SESSION_401, signIn, VIEWPORTS } from './browser.js';
import { go } from './pages-b.js';

let s: Seeded;
beforeAll(async () => {
  s = await seedConsole({ kiosks: 2, days: 1 });
}, 180_000);
afterAll(async () => {
  await s?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: API answers read field by field
type Json = any;
const settings = async (): Promise<Json> =>
  (await fetch(`${s.base}/api/v1/settings`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();

describe('the settings page', () => {
  it('shows the API’s settings and saves an admin’s change, visible through the API', async () => {
    const before = await settings();
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, '/settings');
    expect(Number(await p.page.inputValue('#f-k'))).toBe(before.k);
    expect(Number(await p.page.inputValue('#f-minSample'))).toBe(before.minSample);
    expect(Number(await p.page.inputValue('#f-lockoutMs'))).toBe(before.misuse.lockoutMs);
    expect(await p.page.isChecked('#f-neutralCountsAsDissatisfied')).toBe(before.neutralCountsAsDissatisfied);
    await p.page.fill('#f-k', '0.42');
    await p.page.fill('#f-minSample', String(before.minSample + 7));
    await p.page.fill('#f-burstCount', String(before.misuse.burstCount + 1));
    // A double click sends one request: the button is disabled while the first is under way.
    let patches = 0;
    p.page.on('request', (r) => {
      if (r.method() === 'PATCH' && r.url().endsWith('/api/v1/settings')) patches++;
    });
    await p.page.dblclick('#save');
    await p.page.waitForSelector('#settings .notice');
    expect(await p.page.textContent('#settings .notice')).toBe('Saved.');
    expect(patches).toBe(1);
    const after = await settings();
    expect(after).toEqual({
      ...before,
      k: 0.42,
      minSample: before.minSample + 7,
      misuse: { ...before.misuse, burstCount: before.misuse.burstCount + 1 },
    });
    await screenshot(p.page, 'settings');
    p.expectClean(SESSION_401);
    await p.close();
  });

  it('shows the API’s refusal next to the field and changes nothing', async () => {
    const before = await settings();
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, '/settings');
    await p.page.fill('#f-k', '1.5');
    await p.page.click('#save');
    await p.page.waitForSelector('.field[data-field="k"] .field-error:not([hidden])');
    const api = await fetch(`${s.base}/api/v1/settings`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ k: 1.5 }),
    });
    expect(api.status).toBe(400);
    const { message } = (await api.json()) as Json;
    expect(await p.page.textContent('.field[data-field="k"] .field-error')).toBe(message);
    expect(await p.page.getAttribute('#f-k', 'aria-invalid')).toBe('true');
    expect(await settings()).toEqual(before);
    p.expectClean([...SESSION_401, /\/api\/v1\/settings$/, /status of 400/]);
    await p.close();
  });

  it('is read-only for a manager, in both languages and viewports', async () => {
    const now = await settings();
    for (const viewport of VIEWPORTS) {
      const p = await open(s, viewport, 'ru-RU');
      await signIn(p.page, s.base, s.manager.key);
      await go(p.page, s.base, '/settings');
      expect(await p.page.textContent('h1')).toBe('Настройки');
      expect(await p.page.textContent('#read-only')).toContain('только администратор');
      expect(await p.page.locator('#save').count()).toBe(0);
      expect(await p.page.isDisabled('#f-k')).toBe(true);
      expect(Number(await p.page.inputValue('#f-minSample'))).toBe(now.minSample);
      await screenshot(p.page, 'settings-manager-ru');
      p.expectClean(SESSION_401);
      await p.close();
    }
  });
});
