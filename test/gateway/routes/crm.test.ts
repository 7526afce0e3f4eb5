/**
 * The CRM's side of the review (issue 13, docs/review.md "CRM"): presses ingested through the real ingest
 * path into a real SQLite gateway; a `crm` key pulls the negative cases of its scope in commit order and
 * posts follow-ups back over HTTP. Proves: each case comes once through the cursor, none is stepped over when
 * presses arrive out of time order; office, period and scope filters; CSV; follow-ups are idempotent on the
 * CRM's reference, shown on the case and its history, suggest but never classify; every refusal is clear.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '../helpers.js';
import { call, ingest, ok, press, spaced, staffPanel, twoOffices } from '../org-helpers.js';

let app: FastifyInstance;
type Who = 'crmMsk' | 'crmSpb' | 'reviewerMsk' | 'managerMsk';
const keys = {} as Record<Who, Record<string, string>>;
const as = (who: Who, method: 'GET' | 'PATCH' | 'POST', url: string, body?: unknown) => call(app, method, url, body, keys[who]);
const ids = (r: { body: { items: Array<{ id: string }> } }) => r.body.items.map((c) => c.id);

/*
 * msk (Moscow, UTC+3): desk msk-1, Elena; kiosk k1. spb: desk spb-1, Olga; kiosk k3.
 * First flush (k1), 2026-03-10 UTC: 07:00 good, 07:01 bad (ticket A-017), 07:02 bad, 07:03 good. Then k3: 07:30 bad.
 */
const first = spaced('k1', 'd1', ['good', 'bad', 'bad', 'good'], '2026-03-10T07:00:00Z');
first[1] = { ...first[1]!, ticket: 'A-017' };
const olga = spaced('k3', 'd3', ['bad'], '2026-03-10T07:30:00Z');

beforeAll(async () => {
  ({ app } = await startGateway());
  await twoOffices(app, [
    ['msk-1', 'msk', 'elena'],
    ['spb-1', 'spb', 'olga'],
  ]);
  await ok(app, 'POST', '/kiosks', { id: 'k1', officeId: 'msk', panels: [{ ...staffPanel('d1'), deskId: 'msk-1' }] });
  await ok(app, 'POST', '/kiosks', { id: 'k3', officeId: 'spb', panels: [{ ...staffPanel('d3'), deskId: 'spb-1' }] });
  for (const [who, name, role, offices] of [
    ['crmMsk', 'CRM Moscow', 'crm', ['msk']],
    ['crmSpb', 'CRM Petersburg', 'crm', ['spb']],
    ['reviewerMsk', 'Rita Reviewer', 'reviewer', ['msk']],
    ['managerMsk', 'Maria Manager', 'manager', ['msk']],
  ] as const) {
    const { key } = await ok(app, 'POST', '/api-keys', { name, role, offices });
    keys[who] = { authorization: `Bearer ${key}` };
  }
  await ingest(app, 'k1', first);
  await ingest(app, 'k3', olga);
});
afterAll(async () => {
  await app?.close();
});

describe('CRM export', () => {
  it('gives each negative case of its scope once, in commit order, with what the CRM matches the customer by', async () => {
    const pull = await as('crmMsk', 'GET', '/cases/export');
    expect(pull.status).toBe(200);
    expect(ids(pull)).toEqual([first[1]!.id, first[2]!.id]); // good presses and spb's case are not the CRM of msk's
    expect(pull.body.more).toBe(false);
    expect(pull.body.items[0]).toMatchObject({
      id: first[1]!.id,
      officeId: 'msk',
      deskId: 'msk-1',
      employeeId: 'elena',
      at: '2026-03-10T07:01:00.000Z',
      timeZone: 'Europe/Moscow',
      localAt: '2026-03-10T10:01:00.000+03:00',
      ticket: 'A-017',
      reason: null,
      status: 'pending',
      cause: null,
      followUp: null,
      counted: true,
    });
    // Pulled again from its cursor: nothing new.
    const again = await as('crmMsk', 'GET', `/cases/export?since=${pull.body.next}`);
    expect(again.body).toEqual({ items: [], next: pull.body.next, more: false });

    // A kiosk that was offline delivers an older press (06:40) and a new one (07:10) now, in one flush: both
    // come after the cursor, in the order committed — the older press time is not stepped over.
    const late = [press('k1', 'd1', 'bad', '2026-03-10T06:40:00Z'), press('k1', 'd1', 'neutral', '2026-03-10T07:10:00Z')];
    await ingest(app, 'k1', late);
    const newer = await as('crmMsk', 'GET', `/cases/export?since=${pull.body.next}`);
    expect(ids(newer)).toEqual([late[0]!.id]); // the neutral press is no case (neutral is not dissatisfied by default)
    expect(Number(newer.body.next)).toBeGreaterThan(Number(pull.body.next));

    // Paged: one at a time, the cursor walks all three once.
    const seen: string[] = [];
    let since = '0';
    for (let more = true; more; ) {
      const page = await as('crmMsk', 'GET', `/cases/export?since=${since}&limit=1`);
      seen.push(...ids(page));
      ({ next: since, more } = page.body);
    }
    expect(seen).toEqual([first[1]!.id, first[2]!.id, late[0]!.id]);
  });

  it('filters by office and period, scopes by its key, answers CSV, and is no other role’s', async () => {
    // The period is of press time, dates local to the office: 10:00–10:02 Moscow holds 07:01 only.
    const period = await as('crmMsk', 'GET', '/cases/export?office=msk&from=2026-03-10T10:00:00%2B03:00&to=2026-03-10T10:02:00%2B03:00');
    expect(ids(period)).toEqual([first[1]!.id]);
    expect(ids(await as('crmSpb', 'GET', '/cases/export'))).toEqual([olga[0]!.id]);
    expect((await as('crmSpb', 'GET', '/cases/export?office=msk')).status).toBe(404);
    // The admin sees every office's.
    expect(ids(await call(app, 'GET', '/cases/export?from=2026-03-10&to=2026-03-11'))).toHaveLength(4);
    expect((await as('managerMsk', 'GET', '/cases/export')).status).toBe(403);
    expect((await as('reviewerMsk', 'GET', '/cases/export')).status).toBe(403);
    const bad = await as('crmMsk', 'GET', '/cases/export?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/since/);

    const csv = await app.inject({ method: 'GET', url: '/api/v1/cases/export', headers: { ...keys.crmMsk, accept: 'text/csv' } });
    expect(csv.statusCode).toBe(200);
    const [header, row] = csv.body.split(/\r?\n/);
    const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i]]));
    expect(cells).toMatchObject({
      id: first[1]!.id,
      officeId: 'msk',
      deskId: 'msk-1',
      employeeId: 'elena',
      localAt: '2026-03-10T10:01:00.000+03:00',
      ticket: 'A-017',
    });
    expect(header!.split(',')).toEqual(expect.arrayContaining(['seq', 'followUp.cause', 'followUp.outcome']));
  });
});

describe('CRM follow-up', () => {
  const caseId = () => first[1]!.id;
  const body = { ref: 'crm-survey-4711', outcome: 'answered', answer: 'waited 40 minutes', cause: 'office', comment: 'queue screen' };

  it('is stored once per CRM reference, shown on the case and its history, and classifies nothing', async () => {
    const created = await as('crmMsk', 'POST', `/cases/${caseId()}/follow-up`, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...body, caseId: caseId(), by: 'CRM Moscow' });
    // A retry (the CRM did not see the answer): the same follow-up, nothing new.
    const retried = await as('crmMsk', 'POST', `/cases/${caseId()}/follow-up`, body);
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(created.body);
    // The case shows the suggestion but is still pending: only a reviewer classifies.
    const seen = await as('reviewerMsk', 'GET', `/cases/${caseId()}`);
    expect(seen.body).toMatchObject({ status: 'pending', cause: null, followUp: { ref: body.ref, cause: 'office', outcome: 'answered' } });
    const history = await as('managerMsk', 'GET', `/cases/${caseId()}/history`);
    expect(history.body.items).toEqual([]);
    expect(history.body.followUps).toEqual([created.body]);
    // The reviewer accepts the CRM's cause: an ordinary, audited classification.
    const accepted = await as('reviewerMsk', 'PATCH', `/cases/${caseId()}`, { cause: 'office', note: 'CRM crm-survey-4711: queue screen' });
    expect(accepted.body).toMatchObject({ status: 'classified', cause: 'office', followUp: { ref: body.ref } });
    const after = await as('managerMsk', 'GET', `/cases/${caseId()}/history`);
    expect(after.body.items.map((h: { from: unknown; to: unknown; by: string }) => [h.from, h.to, h.by])).toEqual([
      [null, 'office', 'Rita Reviewer'],
    ]);
    // The export shows the follow-up and the classification.
    const pulled = (await as('crmMsk', 'GET', '/cases/export')).body.items[0];
    expect(pulled).toMatchObject({ id: caseId(), cause: 'office', status: 'classified', followUp: { ref: body.ref } });
  });

  it('refuses clearly: another content under the same ref 409, bad body 400, unknown or foreign case 404, other roles 403', async () => {
    const other = first[2]!.id;
    const conflict = await as('crmMsk', 'POST', `/cases/${caseId()}/follow-up`, { ...body, cause: 'staff' });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toMatch(/crm-survey-4711/);
    expect((await as('crmMsk', 'POST', `/cases/${other}/follow-up`, body)).status).toBe(409);
    for (const [bad, word] of [
      [{ ...body, ref: 'r1', outcome: 'maybe' }, 'outcome'],
      [{ ...body, ref: 'r2', cause: 'weather' }, 'cause'],
      [{ outcome: 'answered' }, 'ref'],
      [{ ...body, ref: '' }, 'ref'],
    ] as const) {
      const r = await as('crmMsk', 'POST', `/cases/${other}/follow-up`, bad);
      expect(r.status, JSON.stringify(bad)).toBe(400);
      expect(r.body.message).toMatch(word);
    }
    expect((await as('crmMsk', 'POST', '/cases/no-such-press/follow-up', { ...body, ref: 'r4' })).status).toBe(404);
    expect((await as('crmMsk', 'POST', `/cases/${first[0]!.id}/follow-up`, { ...body, ref: 'r5' })).status).toBe(404); // a good press
    expect((await as('crmSpb', 'POST', `/cases/${other}/follow-up`, { ...body, ref: 'r6' })).status).toBe(404);
    expect((await as('reviewerMsk', 'POST', `/cases/${other}/follow-up`, { ...body, ref: 'r7' })).status).toBe(403);
    expect((await as('managerMsk', 'POST', `/cases/${other}/follow-up`, { ...body, ref: 'r8' })).status).toBe(403);
    expect((await call(app, 'POST', `/cases/${other}/follow-up`, { ...body, ref: 'r9' })).status).toBe(403); // admin
    // A crm key classifies nothing and reads no case list.
    expect((await as('crmMsk', 'PATCH', `/cases/${other}`, { cause: 'office', note: '' })).status).toBe(403);
    expect((await as('crmMsk', 'GET', '/cases')).status).toBe(403);
    // Nothing of the refused posts was stored.
    expect((await as('reviewerMsk', 'GET', `/cases/${other}/history`)).body.followUps).toEqual([]);
  });
});
