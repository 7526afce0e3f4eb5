/**
 * The data-entry pages in Chromium against a real gateway seeded with the simulator's organisation: a
 * visitor and sales count entered shows in the API; desks and employees are added (and shown as the API
 * lists them) and a delete the API refuses shows its 409 text; a shift that overlaps another shows the
 * API's 409 text by the field, a valid one is stored, ended and deleted through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../scripts/lib/processes.js';
import { adminCall, type Json, open, screenshot, seedConsole, type Seeded, SESSION_401, signIn, VIEWPORTS } from './browser.js';
import { drawn, go, none } from './pages-b.js';

let s: Seeded;
beforeAll(async () => {
  s = await seedConsole({ kiosks: 4, days: 2 });
}, 180_000);
afterAll(async () => {
  await s?.close();
});

const call = (method: string, path: string, body?: unknown) => adminCall(s, method, path, body);
const localDate = (timeZone: string, ms = Date.now()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe('data entry', () => {
  it('stores a day’s visitors and sales entered in the form, as the API then answers, at both viewports', async () => {
    const office = s.plan.offices[0]!;
    const day = addDays(localDate(office.timeZone), -3);
    for (const [i, viewport] of VIEWPORTS.entries()) {
      const p = await open(s, viewport);
      await signIn(p.page, s.base, ADMIN_TOKEN);
      await go(p.page, s.base, `/data?tab=counts&office=${office.id}`);
      await p.page.fill('#f-date', day);
      await p.page.fill('#f-visitors', String(1234 + i));
      await p.page.fill('#f-sales', String(56 + i));
      await p.page.click('#counts-form button[type=submit]');
      await p.page.waitForSelector('#counts-form .notice');
      const q = `from=${day}&to=${addDays(day, 1)}`;
      const visitors = (await call('GET', `/offices/${office.id}/visitors?${q}`)).body.items as Json[];
      const sales = (await call('GET', `/offices/${office.id}/sales?${q}`)).body.items as Json[];
      expect(visitors.filter((c) => c.deskId === null).map((c) => c.count)).toEqual([1234 + i]);
      expect(sales.filter((c) => c.deskId === null).map((c) => c.count)).toEqual([56 + i]);
      // The list under the form shows the stored day, read back from the API.
      const row = p.page.locator('#counts tbody tr', {
        has: p.page.locator('[data-figure="visitors"]', { hasText: (1234 + i).toLocaleString('en-GB') }),
      });
      expect(await row.locator('[data-figure="sales"]').textContent()).toBe(String(56 + i));
      await screenshot(p.page, 'data-counts');
      p.expectClean(SESSION_401);
      await p.close();
    }
  });

  it('shows the API’s refusal of a count next to the box it came from', async () => {
    const office = s.plan.offices[0]!;
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, `/data?tab=counts&office=${office.id}`);
    await p.page.fill('#f-sales', '-5');
    await p.page.click('#counts-form button[type=submit]');
    await p.page.waitForSelector('.field[data-field="sales"] .field-error:not([hidden])');
    const api = await call('PUT', `/offices/${office.id}/sales`, { entries: [{ date: localDate(office.timeZone), count: -5 }] });
    expect(api.status).toBe(400);
    expect(await p.page.textContent('.field[data-field="sales"] .field-error')).toBe(api.body.message);
    p.expectClean([...SESSION_401, /\/sales$/, /status of 400/]);
    await p.close();
  });

  it('adds desks and employees, and shows the API’s 409 when a delete is refused', async () => {
    const office = s.plan.offices[0]!;
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, `/data?tab=desks&office=${office.id}`);
    const desks = ((await call('GET', '/desks?limit=1000')).body.items as Json[]).filter((d) => d.officeId === office.id);
    expect(await p.page.locator('#desks tbody tr[data-id]').count()).toBe(desks.length);
    await p.page.fill('#desk-create #f-id', 'web-desk-new');
    await p.page.fill('#desk-create #f-name', 'Окно 99');
    await p.page.click('#desk-create button[type=submit]');
    await p.page.waitForSelector('#desks tr[data-id="web-desk-new"]');
    expect((await call('GET', '/desks/web-desk-new')).body).toEqual({ id: 'web-desk-new', officeId: office.id, name: 'Окно 99' });
    // A desk with shifts cannot go: the API's 409 is shown on its row and the desk stays.
    const used = desks[0]!;
    await drawn(p.page);
    await p.page.click(`#desks tr[data-id="${used.id}"] button.delete`);
    await p.page.waitForSelector(`#desks tr[data-id="${used.id}"] .form-error`);
    const refusal = await call('DELETE', `/desks/${used.id}`);
    expect(refusal.status).toBe(409);
    expect(await p.page.textContent(`#desks tr[data-id="${used.id}"] .form-error`)).toBe(refusal.body.message);
    await screenshot(p.page, 'data-desks');
    // A new desk nothing refers to goes.
    await p.page.click('#desks tr[data-id="web-desk-new"] button.delete');
    await p.page.waitForSelector('#desks tr[data-id="web-desk-new"]', { state: 'detached' });
    expect((await call('GET', '/desks/web-desk-new')).status).toBe(404);

    await go(p.page, s.base, `/data?tab=employees&office=${office.id}`);
    await p.page.fill('#employee-create #f-id', 'web-emp-new');
    await p.page.fill('#employee-create #f-name', 'Анна Новая');
    await p.page.click('#employee-create button[type=submit]');
    await p.page.waitForSelector('#employees tr[data-id="web-emp-new"]');
    expect((await call('GET', '/employees/web-emp-new')).body).toEqual({ id: 'web-emp-new', officeId: office.id, name: 'Анна Новая' });
    await screenshot(p.page, 'data-employees');
    p.expectClean([...SESSION_401, /\/desks\//, /status of 409/]);
    await p.close();
  });

  it('refuses an overlapping shift with the API’s 409 text; stores, ends and deletes a valid one', async () => {
    const office = s.plan.offices[0]!;
    const desks = ((await call('GET', '/desks?limit=1000')).body.items as Json[]).filter((d) => d.officeId === office.id);
    const shifts = (await call('GET', `/assignments?deskId=${desks[0]!.id}&limit=1000`)).body.items as Json[];
    const taken = shifts.find((a) => a.to !== null)!;
    expect(taken).toBeDefined();
    const employees = ((await call('GET', '/employees?limit=1000')).body.items as Json[]).filter((e) => e.officeId === office.id);
    const other = employees.find((e) => e.id !== taken.employeeId)!;
    // Inside the taken shift, in the office's local wall time as the form takes it.
    const mid = Date.parse(taken.from) + 60_000;
    const local = (ms: number) => {
      const f = new Intl.DateTimeFormat('sv-SE', { timeZone: office.timeZone, dateStyle: 'short', timeStyle: 'short' }).format(ms);
      return f.replace(' ', 'T');
    };
    const p = await open(s);
    await signIn(p.page, s.base, ADMIN_TOKEN);
    await go(p.page, s.base, `/data?tab=assignments&office=${office.id}&desk=${taken.deskId}`);
    expect(await p.page.locator('#assignments tbody tr[data-id]').count()).toBe(shifts.length);
    await p.page.selectOption('#assignment-create #f-deskId', taken.deskId);
    await p.page.selectOption('#assignment-create #f-employeeId', other.id);
    await p.page.fill('#assignment-create #f-from', local(mid));
    await p.page.fill('#assignment-create #f-to', local(mid + 3_600_000));
    await p.page.click('#assignment-create button[type=submit]');
    await p.page.waitForSelector('.field[data-field="from"] .field-error:not([hidden])');
    const sent = {
      deskId: taken.deskId,
      employeeId: other.id,
      from: new Date(Math.floor(mid / 60_000) * 60_000).toISOString(),
      to: new Date(Math.floor(mid / 60_000) * 60_000 + 3_600_000).toISOString(),
    };
    const api = await call('POST', '/assignments', sent);
    expect(api.status).toBe(409);
    // The same refusal, word for word, but for the id the gateway gave each refused request.
    const ownId = (m: string) => m.replace(/^assignment refused: assignment \w+:/, 'assignment refused: assignment <new>:');
    expect(ownId((await p.page.textContent('.field[data-field="from"] .field-error'))!)).toBe(ownId(api.body.message));
    expect(api.body.message).toContain('overlaps');
    await screenshot(p.page, 'data-assignments-409');

    // A valid shift on a desk of its own: stored open from two hours ago, ended now, then deleted.
    const desk = (await call('POST', '/desks', { id: 'web-desk-shift', officeId: office.id, name: 'Shift desk' })).body;
    const worker = (await call('POST', '/employees', { id: 'web-emp-shift', officeId: office.id, name: 'Shift worker' })).body;
    await go(p.page, s.base, `/data?tab=assignments&office=${office.id}&desk=${desk.id}`);
    await p.page.selectOption('#assignment-create #f-deskId', desk.id);
    await p.page.selectOption('#assignment-create #f-employeeId', worker.id);
    await p.page.fill('#assignment-create #f-from', local(Date.now() - 2 * 3_600_000));
    await p.page.click('#assignment-create button[type=submit]');
    await p.page.waitForSelector('#assignments tbody tr[data-id]');
    const stored = (await call('GET', `/assignments?deskId=${desk.id}`)).body.items as Json[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ deskId: desk.id, employeeId: worker.id, to: null });
    expect(Math.abs(Date.parse(stored[0].from) - (Date.now() - 2 * 3_600_000))).toBeLessThan(120_000);
    await drawn(p.page);
    await p.page.click(`#assignments tr[data-id="${stored[0].id}"] button.end`);
    await none(p.page, `#assignments tr[data-id="${stored[0].id}"] button.end`);
    const ended = (await call('GET', `/assignments/${stored[0].id}`)).body;
    expect(ended.to).not.toBeNull();
    expect(Math.abs(Date.parse(ended.to) - Date.now())).toBeLessThan(60_000);
    await drawn(p.page);
    await p.page.click(`#assignments tr[data-id="${stored[0].id}"] button.delete`);
    await p.page.waitForSelector(`#assignments tr[data-id="${stored[0].id}"]`, { state: 'detached' });
    expect((await call('GET', `/assignments/${stored[0].id}`)).status).toBe(404);
    p.expectClean([...SESSION_401, /\/assignments$/, /status of 409/]);
    await p.close();
  }, 90_000);
});
