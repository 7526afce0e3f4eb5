/**
 * Email and reports with real parts: a local SMTP server (smtp-server) receives alert mail and the
 * scheduled report (HTML and plain text, Russian or English); the report's and the poster's figures are the
 * scores API's; a report period is made once even when two schedulers race for it.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleReports } from '../../../gateway/src/delivery/reports.js';
import { testConfig } from '../../../gateway/src/lib/config.js';
import { createLogger } from '../../../shared/src/log.js';
import { startGateway } from '../helpers.js';
import { call, ingest, ok, spaced, staffPanel, officePanel } from '../org-helpers.js';
import { insertAlertEvent } from './alert-events.js';
import { startSmtpSink, type SmtpSink } from './mail.js';

let app: FastifyInstance;
let smtp: SmtpSink;
const DAY = 86_400_000;
/** LB_PUBLIC_URL as a deployment behind a path would set it. */
const PUBLIC_URL = 'https://lb.example.com/console';
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const today = isoDay(Date.now());
const yesterday = isoDay(Date.now() - DAY);
/** ИНК as the mail and poster print it: "42 % [35–49]". */
const printed = (e: { value: number; ci95: [number, number] }) =>
  `${Math.round(e.value * 100)} % [${Math.round(e.ci95[0] * 100)}–${Math.round(e.ci95[1] * 100)}]`;

beforeAll(async () => {
  smtp = await startSmtpSink();
  const base = testConfig().delivery;
  ({ app } = await startGateway({
    delivery: {
      ...base,
      pollMs: 20,
      retryBaseMs: 50,
      publicUrl: PUBLIC_URL,
      smtp: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'Loyalty Button <lb@test.local>' },
    },
  }));
  await ok(app, 'POST', '/offices', { id: 'ekb', name: 'Екатеринбург-1', timeZone: 'UTC' });
  await ok(app, 'POST', '/desks', { id: 'ekb-1', officeId: 'ekb', name: 'Window 1' });
  await ok(app, 'POST', '/employees', { id: 'olga', name: 'Olga Petrova', officeId: 'ekb' });
  await ok(app, 'POST', '/assignments', { deskId: 'ekb-1', employeeId: 'olga', from: `${isoDay(Date.now() - 10 * DAY)}T00:00:00Z` });
  await ok(app, 'POST', '/kiosks', { id: 'k-ekb', officeId: 'ekb', panels: [{ ...staffPanel(), deskId: 'ekb-1' }, officePanel()] });
  // Yesterday (UTC, the office's zone): staff 7 good, 2 neutral, 3 bad; office 5 good, 1 bad.
  const staff = [...Array(7).fill('good'), 'neutral', 'neutral', 'bad', 'bad', 'bad'];
  await ingest(app, 'k-ekb', spaced('k-ekb', 'desk', staff, `${yesterday}T09:00:00Z`));
  await ingest(app, 'k-ekb', spaced('k-ekb', 'office', ['good', 'good', 'bad', 'good', 'good', 'good'], `${yesterday}T12:00:00Z`));
});
afterAll(async () => {
  await app?.close();
  await smtp?.close();
});

describe('email', () => {
  it('alert mail reaches the SMTP server with an HTML and a plain-text part', async () => {
    await ok(app, 'POST', '/email-subscriptions', {
      address: 'duty@example.com',
      scope: { level: 'office', id: 'ekb' },
      kinds: ['opened'],
    });
    await insertAlertEvent(app, { officeIds: ['ekb'], title: 'Bad share 48 % at Window 1' });
    const mail = await smtp.waitFor((m) => m.to.includes('duty@example.com'), 'the alert mail');
    expect(mail.subject).toBe('[Loyalty Button] Alert opened: Bad share 48 % at Window 1');
    expect(mail.parts.get('text/plain')).toContain('Alert opened: Bad share 48 % at Window 1');
    expect(mail.parts.get('text/html')).toContain('<h2>Alert opened: Bad share 48 % at Window 1</h2>');
    expect(mail.raw).toMatch(/x-lb-idempotency-key: \d+:[0-9A-Z]{26}/i);
    // The link opens the alert from a mail client: absolute, under LB_PUBLIC_URL, in both parts.
    const link = mail.parts.get('text/plain')!.match(/Open in the console: (\S+)/)?.[1];
    expect(link).toMatch(/^https:\/\/lb\.example\.com\/console\/#\/alerts\/alert-\d+$/);
    expect(mail.parts.get('text/html')).toContain(`<a href="${link}">Open in the console</a>`);
  });

  it('a daily report in Russian: the last completed day, the scores API’s figures, rankings, open alerts', async () => {
    await insertAlertEvent(app, { officeIds: ['ekb'], title: 'Open one' });
    const scores = await ok(app, 'GET', `/offices/ekb/scores?from=${yesterday}&to=${today}`);
    await ok(app, 'POST', '/email-subscriptions', {
      address: 'boss@example.com',
      language: 'ru',
      scope: { level: 'office', id: 'ekb' },
      reports: ['daily'],
    });
    const mail = await smtp.waitFor((m) => m.to.includes('boss@example.com'), 'the report');
    expect(mail.subject).toBe(`[Loyalty Button] Ежедневный отчёт: Екатеринбург-1 (${yesterday} – ${today})`);
    const text = mail.parts.get('text/plain')!;
    const html = mail.parts.get('text/html')!;
    expect(text).toContain(`ИНК Персонал: ${printed(scores.total.scores.staff.ink)}`);
    expect(text).toContain(`ИНК Офис: ${printed(scores.total.scores.office.ink)}`);
    expect(html).toContain(printed(scores.total.scores.staff.ink));
    expect(text).toContain('Сотрудники по ИНК Персонал');
    expect(text).toContain('Открытые оповещения');
    expect(text).toContain('Доля плохих оценок выше 40 %'); // the open alerts' Russian titles
    expect(html).toContain('<h1>Ежедневный отчёт: Екатеринбург-1</h1>');
    // Absolute links to the office's page for the period and to the alerts.
    const officeLink = `${PUBLIC_URL}/#/offices/ekb?from=${yesterday}&to=${today}`;
    expect(text).toContain(`Открыть офис в консоли: ${officeLink}`);
    expect(html).toContain(`<a href="${officeLink.replace('&', '&amp;')}">Открыть офис в консоли</a>`);
    expect(html).toContain(`<a href="${PUBLIC_URL}/#/alerts">Открыть в консоли</a>`);
  });

  it('a period is made once, even when two schedulers race for it (the database claims it)', async () => {
    const sub = await app.gateway.store.deliveries.createSubscription({
      channel: 'email',
      target: 'race@example.com',
      scope: { level: 'office', id: 'ekb' },
      kinds: [],
      language: 'en',
      reports: ['weekly', 'monthly'],
      enabled: true,
    });
    const log = createLogger({ level: 'silent' });
    const made = await Promise.all([
      scheduleReports(app.gateway.store, Date.now(), log),
      scheduleReports(app.gateway.store, Date.now(), log),
    ]);
    const mine = (await app.gateway.store.deliveries.listDeliveries({ subscriptionId: sub.id }, undefined, 100)).map((d) => d.idemKey);
    expect(mine.sort()).toEqual([
      expect.stringMatching(new RegExp(`^report:${sub.id}:monthly:`)),
      expect.stringMatching(new RegExp(`^report:${sub.id}:weekly:`)),
    ]);
    expect(made.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2);
    // Checking again later in the same period makes nothing new.
    expect(await scheduleReports(app.gateway.store, Date.now(), log)).toBe(0);
    await smtp.waitFor((m) => m.to.includes('race@example.com') && m.subject.includes('Monthly report'), 'the monthly report');
    await smtp.waitFor((m) => m.to.includes('race@example.com') && m.subject.includes('Weekly report'), 'the weekly report');
    expect(smtp.mails.filter((m) => m.to.includes('race@example.com'))).toHaveLength(2);
  });
});

describe('poster', () => {
  it('one printable A4 page with the scores API’s ИНК, coverage and CSAT, in the language asked', async () => {
    const scores = await ok(app, 'GET', `/offices/ekb/scores?from=${yesterday}&to=${today}`);
    const res = await call(app, 'GET', `/offices/ekb/poster?from=${yesterday}&to=${today}&lang=ru`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const html = String(res.body);
    expect(html).toContain('@page { size: A4 portrait');
    expect(html).toContain('<h1>Екатеринбург-1</h1>');
    const staff = scores.total.scores.staff.ink;
    expect(html).toContain(`<p class="value">${Math.round(staff.value * 100)}</p>`);
    expect(html).toContain(`95 %: ${Math.round(staff.ci95[0] * 100)} – ${Math.round(staff.ci95[1] * 100)} · n = ${staff.n}`);
    expect(html).toContain('ИНК Офис');
    expect(html).toContain(`${yesterday} – ${today}`);
    const csat = scores.total.scores.office.csat;
    expect(html).toContain(`${Math.round(csat.value * 100)} % [`);
    expect(String((await call(app, 'GET', `/offices/ekb/poster?from=${yesterday}&to=${today}`)).body)).toContain('Our results');
  });

  it('bad input is a 400, another manager’s office a 404', async () => {
    for (const q of [
      'from=yesterday&to=today',
      `from=${today}&to=${yesterday}`,
      `from=${yesterday}&to=${today}&lang=de`,
      `from=${yesterday}`,
    ]) {
      const res = await call(app, 'GET', `/offices/ekb/poster?${q}`);
      expect(res.status, q).toBe(400);
    }
    expect((await call(app, 'GET', `/offices/nowhere/poster?from=${yesterday}&to=${today}`)).status).toBe(404);
    await ok(app, 'POST', '/offices', { id: 'other', name: 'Other', timeZone: 'UTC' });
    const key = await ok(app, 'POST', '/api-keys', { name: 'other-manager', role: 'manager', offices: ['other'] });
    const res = await call(app, 'GET', `/offices/ekb/poster?from=${yesterday}&to=${today}`, undefined, {
      authorization: `Bearer ${key.key}`,
    });
    expect(res.status).toBe(404);
  });
});
