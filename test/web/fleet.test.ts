/**
 * The kiosk fleet page in Chromium against a real gateway with the simulator's kiosks: every kiosk the
 * API lists, with the API's online state and problems; the problem/online/office filters show what the API
 * selects (?problem= ?online= ?office=), the office's kiosks being those registered or bound there; technicians and admins see it, a manager's navigation does not offer it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { open, screenshot, seedConsole, signIn, VIEWPORTS, type Seeded } from './browser.js';
import { go, hashIs } from './pages-b.js';

let s: Seeded;
beforeAll(async () => {
  s = await seedConsole({ kiosks: 6, days: 3 });
}, 180_000);
afterAll(async () => {
  await s?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: API answers read field by field
type Json = any;
async function apiGet(path: string): Promise<Json> {
  const res = await fetch(`${s.base}/api/v1${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.json();
}
/** Before sign-in the console asks for its session (401). */
const expected = () => [/\/api\/v1\/session$/, /status of 401/];

describe('the fleet page', () => {
  it('lists every kiosk with the API’s state and problems, at both viewports', async () => {
    const kiosks = (await apiGet('/kiosks?limit=1000')).items as Json[];
    expect(kiosks.length).toBe(s.plan.kiosks.length);
    for (const viewport of VIEWPORTS) {
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await go(p.page, s.base, '/fleet');
      expect(await p.page.textContent('h1')).toBe('Kiosk fleet');
      expect(await p.page.locator('#kiosks tbody tr[data-id]').count()).toBe(kiosks.length);
      for (const k of kiosks) {
        const row = p.page.locator(`#kiosks tr[data-id="${k.id}"]`);
        expect(await row.locator('[data-figure="online"]').getAttribute('data-value')).toBe(String(k.health.online));
        expect(await row.locator('[data-figure="problems"]').getAttribute('data-value')).toBe(
          k.health.problems.map((x: Json) => x.rule).join(','),
        );
        expect(await row.locator('[data-figure="version"]').textContent()).toBe(k.status?.payload.version ?? '—');
        const lastPress = await row.locator('[data-figure="lastPress"]').textContent();
        if (k.lastPressAt) expect(lastPress).not.toBe('—');
        else expect(lastPress).toBe('—');
      }
      expect(await p.page.textContent('#fleet-summary')).toContain(`${kiosks.length} kiosks shown`);
      await screenshot(p.page, 'fleet');
      p.expectClean(expected());
      await p.close();
    }
  });

  it('filters by problem, state and office as the API and the organisation say', async () => {
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, '/fleet');
    // Online state: the page asks the API with ?online=, the rows are exactly its answer.
    await p.page.selectOption('#f-online', 'true');
    await hashIs(p.page, ['online=true']);
    const online = (await apiGet('/kiosks?online=true&limit=1000')).items as Json[];
    expect(await p.page.locator('#kiosks tbody tr[data-id]').count()).toBe(online.length);
    // A problem no kiosk has: nothing to show, and the table says so.
    await p.page.selectOption('#f-online', '');
    await p.page.selectOption('#f-problem', 'config-refused');
    await hashIs(p.page, ['problem=config-refused'], ['online=']);
    const refused = (await apiGet('/kiosks?problem=config-refused&limit=1000')).items as Json[];
    expect(await p.page.locator('#kiosks tbody tr[data-id]').count()).toBe(refused.length);
    if (refused.length === 0) expect(await p.page.textContent('#kiosks tbody')).toBe('Nothing to show');
    // Office: the kiosks bound to it, as the API selects them (?office=), not filtered in the browser.
    const asked: string[] = [];
    p.page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/kiosks') asked.push(new URL(r.url()).searchParams.get('office') ?? '');
    });
    await p.page.selectOption('#f-problem', '');
    const office = s.plan.offices[0]!;
    await p.page.selectOption('#f-office', office.id);
    await hashIs(p.page, [`office=${office.id}`], ['problem=']);
    expect(asked.at(-1)).toBe(office.id);
    const selected = ((await apiGet(`/kiosks?office=${office.id}&limit=1000`)).items as Json[]).map((k) => k.id).sort();
    const all = (await apiGet('/kiosks?limit=1000')).items as Json[];
    const inOffice: string[] = [];
    for (const k of all) {
      const bindings = (await apiGet(`/kiosks/${k.id}/bindings`)).items as Json[];
      if (k.officeId === office.id || bindings.some((b) => b.officeId === office.id)) inOffice.push(k.id);
    }
    inOffice.sort();
    expect(inOffice.length).toBeGreaterThan(0);
    const shown = await p.page.locator('#kiosks tbody tr[data-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(shown.sort()).toEqual(inOffice);
    expect(selected).toEqual(inOffice);
    p.expectClean(expected());
    await p.close();
  });

  it('is offered to admins and technicians, not to managers', async () => {
    const tech = await fetch(`${s.base}/api/v1/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'web-tech', role: 'technician' }),
    }).then((r) => r.json() as Promise<Json>);
    const p = await open(s);
    await signIn(p.page, s.base, tech.key);
    expect(await p.page.locator('nav a[href="#/fleet"]').count()).toBe(1);
    await go(p.page, s.base, '/fleet');
    expect(await p.page.locator('#kiosks tbody tr[data-id]').count()).toBe(s.plan.kiosks.length);
    // Sign-in lands on the overview, which asks for regions and offices a technician may not list (403s).
    p.expectClean([...expected(), /\/api\/v1\/(offices|regions)/, /status of 403/]);
    await p.close();
    const m = await open(s);
    await signIn(m.page, s.base, s.manager.key);
    expect(await m.page.locator('nav a[href="#/fleet"]').count()).toBe(0);
    m.expectClean(expected());
    await m.close();
  });
});
