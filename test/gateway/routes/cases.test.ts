/**
 * Review of negative answers end to end (issue 13): presses ingested through the real ingest path into a
 * real SQLite gateway, cases classified over HTTP by reviewer keys, and ИНК Персонал, qualified, and the
 * localisation shares read back — each expected value computed by hand below from the scripted ledger.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wilson } from '../../../shared/src/index.js';
import { startGateway } from '../helpers.js';
import { call, ingest, officePanel, ok, spaced, staffPanel, twoOffices } from '../org-helpers.js';

let app: FastifyInstance;
const keys: Record<'reviewerMsk' | 'reviewerSpb' | 'managerMsk', Record<string, string>> = {
  reviewerMsk: {},
  reviewerSpb: {},
  managerMsk: {},
};
/** Case ids by what they are in the ledger. */
const ids: Record<string, string> = {};

async function newKey(name: string, role: string, offices: string[]) {
  const { key } = await ok(app, 'POST', '/api-keys', { name, role, offices });
  return { authorization: `Bearer ${key}` };
}

/*
 * The ledger, 2026-03-10 in Moscow (UTC+3), a minute between presses (no misuse):
 *   desk msk-1, Elena, staff panel: good ×4, bad ×4 (e1…e4), neutral ×1 (en)
 *   desk msk-2, Ivan,  staff panel: good ×3, bad ×1 (i1)
 *   msk office panel:               bad ×2 (o1, o2)
 *   visitors of msk that day: 30
 *   desk spb-1, Olga (spb office):  bad ×1 (s1)
 * Review: e1 → office (queue screen dead), e2 → product (price), e3 → staff; o1, o2 → office in one bulk
 * (the outage); e4, i1, s1 pending.
 */
beforeAll(async () => {
  ({ app } = await startGateway());
  await twoOffices(app, [
    ['msk-1', 'msk', 'elena'],
    ['msk-2', 'msk', 'ivan'],
    ['spb-1', 'spb', 'olga'],
  ]);
  await ok(app, 'POST', '/kiosks', {
    id: 'k1',
    officeId: 'msk',
    panels: [{ ...staffPanel('d1'), deskId: 'msk-1', question: 'Are you happy with Elena?' }, officePanel('o')],
  });
  await ok(app, 'POST', '/kiosks', { id: 'k2', officeId: 'msk', panels: [{ ...staffPanel('d2'), deskId: 'msk-2' }] });
  await ok(app, 'POST', '/kiosks', { id: 'k3', officeId: 'spb', panels: [{ ...staffPanel('d3'), deskId: 'spb-1' }] });
  const elena = spaced('k1', 'd1', ['good', 'bad', 'good', 'bad', 'good', 'bad', 'good', 'bad', 'neutral'], '2026-03-10T07:00:00Z');
  const office = spaced('k1', 'o', ['bad', 'bad'], '2026-03-10T10:00:00Z');
  const ivan = spaced('k2', 'd2', ['good', 'good', 'bad', 'good'], '2026-03-10T08:00:00Z');
  const olga = spaced('k3', 'd3', ['bad'], '2026-03-10T08:00:00Z');
  await ingest(app, 'k1', [...elena, ...office]);
  await ingest(app, 'k2', ivan);
  await ingest(app, 'k3', olga);
  [ids.e1, ids.e2, ids.e3, ids.e4] = [elena[1]!.id, elena[3]!.id, elena[5]!.id, elena[7]!.id];
  ids.en = elena[8]!.id;
  ids.eGood = elena[0]!.id;
  [ids.o1, ids.o2] = [office[0]!.id, office[1]!.id];
  ids.i1 = ivan[2]!.id;
  ids.s1 = olga[0]!.id;
  await ok(app, 'PUT', '/offices/msk/visitors', { entries: [{ date: '2026-03-10', count: 30 }] });
  keys.reviewerMsk = await newKey('Rita Reviewer', 'reviewer', ['msk']);
  keys.reviewerSpb = await newKey('Sergei Reviewer', 'reviewer', ['spb']);
  keys.managerMsk = await newKey('Maria Manager', 'manager', ['msk']);
});
afterAll(async () => {
  await app?.close();
});

const as = (who: keyof typeof keys, method: 'GET' | 'PATCH' | 'POST', url: string, body?: unknown) =>
  call(app, method, url, body, keys[who]);

describe('cases', () => {
  it('every counted bad press is a case with its office, desk, employee on duty, question and kiosk; good presses are not', async () => {
    const list = await as('managerMsk', 'GET', '/cases?office=msk&from=2026-03-10&to=2026-03-11');
    expect(list.status).toBe(200);
    // Elena's 4 bad, Ivan's 1, the office panel's 2 — in press order; the neutral is no case by default.
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([ids.e1, ids.e2, ids.e3, ids.e4, ids.i1, ids.o1, ids.o2]);
    expect(list.body.items[0]).toMatchObject({
      id: ids.e1,
      at: '2026-03-10T07:01:00.000Z',
      officeId: 'msk',
      deskId: 'msk-1',
      employeeId: 'elena',
      kind: 'staff',
      kioskId: 'k1',
      panel: 'd1',
      question: 'Are you happy with Elena?',
      button: 'bad',
      status: 'pending',
      cause: null,
    });
    expect((await as('managerMsk', 'GET', `/cases/${ids.eGood}`)).status).toBe(404);
    // Paging: two at a time, the cursor continues where the page ended.
    const first = await as('managerMsk', 'GET', '/cases?office=msk&limit=2');
    const second = await as('managerMsk', 'GET', `/cases?office=msk&limit=2&after=${first.body.next}`);
    expect(second.body.items.map((c: { id: string }) => c.id)).toEqual([ids.e3, ids.e4]);
  });

  it('only a reviewer classifies: a manager and an admin get 403, a reviewer of another office 404', async () => {
    const body = { cause: 'office', note: 'queue screen dead' };
    expect((await as('managerMsk', 'PATCH', `/cases/${ids.e1}`, body)).status).toBe(403);
    expect((await call(app, 'PATCH', `/cases/${ids.e1}`, body)).status).toBe(403); // admin
    expect((await as('managerMsk', 'POST', '/cases/classify', { ...body, ids: [ids.e1] })).status).toBe(403);
    expect((await as('reviewerSpb', 'PATCH', `/cases/${ids.e1}`, body)).status).toBe(404);
    expect((await as('reviewerSpb', 'GET', `/cases/${ids.e1}`)).status).toBe(404);
    expect((await as('reviewerSpb', 'GET', '/cases?office=msk')).status).toBe(404);
    const bulk = await as('reviewerSpb', 'POST', '/cases/classify', { ...body, ids: [ids.e1, ids.s1] });
    expect(bulk.body).toMatchObject({ changed: 1, notCases: [ids.e1] }); // only its own office's case
    // A reviewer's list without an office is its scope: Olga's case only.
    const own = await as('reviewerSpb', 'GET', '/cases');
    expect(own.body.items.map((c: { id: string }) => c.id)).toEqual([ids.s1]);
    // Nothing of msk changed.
    expect((await as('managerMsk', 'GET', `/cases/${ids.e1}`)).body).toMatchObject({ status: 'pending', cause: null });
  });

  it('classifies one case, keeps every change in its history, and a bulk selection at once', async () => {
    const first = await as('reviewerMsk', 'PATCH', `/cases/${ids.e1}`, { cause: 'staff', note: 'rude?' });
    expect(first.status).toBe(200);
    const second = await as('reviewerMsk', 'PATCH', `/cases/${ids.e1}`, { cause: 'office', note: 'queue screen dead' });
    expect(second.body).toMatchObject({ status: 'classified', cause: 'office', note: 'queue screen dead', classifiedBy: 'Rita Reviewer' });
    await as('reviewerMsk', 'PATCH', `/cases/${ids.e2}`, { cause: 'product', note: 'price rise' });
    await as('reviewerMsk', 'PATCH', `/cases/${ids.e3}`, { cause: 'staff', note: 'confirmed by mystery shopper' });
    // The same cause and note again: no change, no audit row.
    expect(
      (await as('reviewerMsk', 'POST', '/cases/classify', { ids: [ids.e3], cause: 'staff', note: 'confirmed by mystery shopper' })).body,
    ).toMatchObject({
      changed: 0,
      unchanged: 1,
    });
    // The outage: every bad press on the office panel between 13:00 and 14:00 Moscow time.
    const bulk = await as('reviewerMsk', 'POST', '/cases/classify', {
      cause: 'office',
      note: 'power cut',
      filter: { office: 'msk', kind: 'office', from: '2026-03-10T13:00:00+03:00', to: '2026-03-10T14:00:00+03:00' },
    });
    expect(bulk.body).toMatchObject({ changed: 2, unchanged: 0, notCases: [] });

    const history = (await as('managerMsk', 'GET', `/cases/${ids.e1}/history`)).body.items;
    expect(history.map((h: Record<string, unknown>) => [h.by, h.from, h.to, h.note])).toEqual([
      ['Rita Reviewer', null, 'staff', 'rude?'],
      ['Rita Reviewer', 'staff', 'office', 'queue screen dead'],
    ]);
    const outage = (await as('managerMsk', 'GET', `/cases/${ids.o2}/history`)).body.items;
    expect(outage).toHaveLength(1);
    expect(outage[0].batch).toBe(bulk.body.batch);
    expect((await as('reviewerSpb', 'GET', `/cases/${ids.e1}/history`)).status).toBe(404);
    // Filters: pending ones of the office, and by cause.
    const pending = await as('managerMsk', 'GET', '/cases?office=msk&status=pending');
    expect(pending.body.items.map((c: { id: string }) => c.id)).toEqual([ids.e4, ids.i1]);
    const office = await as('reviewerMsk', 'GET', '/cases?cause=office');
    expect(office.body.items.map((c: { id: string }) => c.id)).toEqual([ids.e1, ids.o1, ids.o2]);
  });

  it('ИНК Персонал, qualified: negatives not caused by staff leave B, pending ones stay and are counted', async () => {
    const day = 'from=2026-03-10&to=2026-03-11';
    // Elena (no visitor counts): G 4, N 1, B 4, P 9. ИНК = 4/9. Out of B: e1 (office), e2 (product) → 2/9; pending: e4.
    const elena = (await ok(app, 'GET', `/employees/elena/scores?${day}`)).total.scores.staff;
    expect(elena.ink).toEqual({ value: 4 / 9, ci95: wilson(4, 9), n: 9 });
    expect(elena.inkQualified).toEqual({ value: 2 / 9, ci95: wilson(2, 9), n: 9, pending: 1, removed: 2 });
    // The office, staff panels: G 7, N 1, B 5, P 13; V 30, S 17. ИНК = (5 + 17)/30, qualified (5 − 2 + 17)/30; pending e4, i1.
    const msk = (await ok(app, 'GET', `/offices/msk/scores?${day}`)).total.scores;
    expect(msk.staff.ink).toEqual({ value: 22 / 30, ci95: wilson(22, 30), n: 30 });
    expect(msk.staff.inkQualified.value).toBeCloseTo(20 / 30, 12);
    expect(msk.staff.inkQualified).toMatchObject({ ci95: wilson(20, 30), n: 30, pending: 2, removed: 2 });
    // Office panels have no qualified ИНК: their negatives are the office's own.
    expect(msk.office.inkQualified).toBeNull();
    // Hour buckets read the hour rollups: Elena's 10:00 Moscow hour holds e1…e4 (07:01…07:07 UTC): out e1, e2.
    const hours = (
      await ok(app, 'GET', '/employees/elena/scores?from=2026-03-10T10:00:00%2B03:00&to=2026-03-10T11:00:00%2B03:00&bucket=hour')
    ).buckets;
    expect(hours[0].scores.staff.inkQualified).toMatchObject({ value: 2 / 9, pending: 1, removed: 2 });
  });

  it('with neutral counted as dissatisfied, neutral presses are cases too and their review counts', async () => {
    const settings = await ok(app, 'GET', '/settings');
    await ok(app, 'PUT', '/settings', { ...settings, neutralCountsAsDissatisfied: true });
    try {
      expect((await as('reviewerMsk', 'GET', `/cases/${ids.en}`)).body).toMatchObject({ button: 'neutral', status: 'pending' });
      const elena = async () => (await ok(app, 'GET', '/employees/elena/scores?from=2026-03-10&to=2026-03-11')).total.scores.staff;
      // B′ = 4 + 1 = 5 of 9; out: e1, e2; pending: e4 and the neutral.
      expect((await elena()).inkQualified).toMatchObject({ value: 3 / 9, pending: 2, removed: 2 });
      await as('reviewerMsk', 'PATCH', `/cases/${ids.en}`, { cause: 'customer', note: 'expected a loan they cannot get' });
      expect((await elena()).inkQualified).toMatchObject({ value: 2 / 9, pending: 1, removed: 3 });
    } finally {
      await ok(app, 'PUT', '/settings', settings);
    }
    // Neutral back to not dissatisfied: the neutral press is no case, and its classification counts nowhere.
    expect((await as('reviewerMsk', 'GET', `/cases/${ids.en}`)).status).toBe(404);
    const elena = (await ok(app, 'GET', '/employees/elena/scores?from=2026-03-10&to=2026-03-11')).total.scores.staff;
    expect(elena.inkQualified).toMatchObject({ value: 2 / 9, pending: 1, removed: 2 });
  });

  it('rankings say which index they use: by ИНК Ivan ranks above Elena, by ИНК qualified Elena above Ivan', async () => {
    const settings = await ok(app, 'GET', '/settings');
    await ok(app, 'PUT', '/settings', { ...settings, minSample: 1 });
    try {
      const q = '/rankings?level=employee&from=2026-03-10&to=2026-03-11';
      const raw = await ok(app, 'GET', `${q}&index=ink`);
      // Ivan 1/4 = 0.25 < Elena 4/9 ≈ 0.444 (Olga 1/1).
      expect(raw.items.map((i: { id: string }) => i.id)).toEqual(['ivan', 'elena', 'olga']);
      const qualified = await ok(app, 'GET', `${q}&index=inkQualified`);
      expect(qualified.index).toBe('inkQualified');
      // Olga's one bad press was classified office by her reviewer: 0/1 (nothing pending) < Elena 2/9 < Ivan 1/4 (i1 pending).
      expect(qualified.items.map((i: { id: string; value: number; pending: number }) => [i.id, i.value, i.pending])).toEqual([
        ['olga', 0, 0],
        ['elena', 2 / 9, 1],
        ['ivan', 1 / 4, 1],
      ]);
      // Offices: kind staff by default, basis visitors — spb has no visitor counts, so it is left out.
      const offices = await ok(app, 'GET', '/rankings?level=office&index=inkQualified&from=2026-03-10&to=2026-03-11');
      expect(offices).toMatchObject({ kind: 'staff', basis: 'visitors', leftOutReasons: { visitorsUnknown: 1 } });
      expect(offices.items[0]).toMatchObject({ id: 'msk', pending: 2 });
      expect(offices.items[0].value).toBeCloseTo(20 / 30, 12);
      expect((await call(app, 'GET', `${q}&index=inkQualified&kind=office`)).status).toBe(400);
      const csv = await app.inject({
        method: 'GET',
        url: `/api/v1${q}&index=inkQualified`,
        headers: { ...keys.managerMsk, accept: 'text/csv' },
      });
      const [header, row] = csv.body.split(/\r?\n/);
      expect(header!.split(',')).toContain('pending');
      expect(row).toContain('elena');
    } finally {
      await ok(app, 'PUT', '/settings', settings);
    }
  });

  it('the score CSV has the qualified index beside ИНК Персонал', async () => {
    const csv = await app.inject({
      method: 'GET',
      url: '/api/v1/employees/elena/scores?from=2026-03-10&to=2026-03-11',
      headers: { ...keys.managerMsk, accept: 'text/csv' },
    });
    const [header, row] = csv.body.split(/\r?\n/);
    const cells = Object.fromEntries(header!.split(',').map((h, i) => [h, row!.split(',')[i]]));
    expect(cells['scores.staff.ink.value']).toBe('0.4444');
    expect(cells['scores.staff.inkQualified.value']).toBe('0.2222');
    expect(cells['scores.staff.inkQualified.pending']).toBe('1');
  });

  it('localisation: the share of classified negatives by cause, with intervals, pending beside', async () => {
    // msk cases: e1 office, e2 product, e3 staff, o1 office, o2 office; e4, i1 pending → classified 5.
    const l = await ok(app, 'GET', '/cases/localisation?from=2026-03-10&to=2026-03-11&office=msk');
    const msk = l.items[0];
    expect(msk).toMatchObject({ officeId: 'msk', cases: 7, classified: 5, pending: 2 });
    expect(msk.causes.office).toEqual({ n: 3, share: { value: 3 / 5, ci95: wilson(3, 5), n: 5 } });
    expect(msk.causes.product).toEqual({ n: 1, share: { value: 1 / 5, ci95: wilson(1, 5), n: 5 } });
    expect(msk.causes.staff).toEqual({ n: 1, share: { value: 1 / 5, ci95: wilson(1, 5), n: 5 } });
    expect(msk.causes.customer).toEqual({ n: 0, share: { value: 0, ci95: wilson(0, 5), n: 5 } });
    // Staff panels only: e1 office, e2 product, e3 staff classified; e4, i1 pending.
    const staff = (await ok(app, 'GET', '/cases/localisation?from=2026-03-10&to=2026-03-11&office=msk&kind=staff')).items[0];
    expect(staff).toMatchObject({ cases: 5, classified: 3, pending: 2 });
    expect(staff.causes.office.share.value).toBe(1 / 3);
    // Company-wide for the admin: spb's s1 was classified by its reviewer as office → office 4 of 6.
    const all = await ok(app, 'GET', '/cases/localisation?from=2026-03-10&to=2026-03-11');
    expect(all.items.map((o: { officeId: string }) => o.officeId)).toEqual(['msk', 'spb']);
    expect(all.total).toMatchObject({ cases: 8, classified: 6, pending: 2 });
    expect(all.total.causes.office.share.value).toBe(4 / 6);
    // A reviewer of spb sees its office only.
    const spb = await as('reviewerSpb', 'GET', '/cases/localisation?from=2026-03-10&to=2026-03-11');
    expect(spb.body.items.map((o: { officeId: string }) => o.officeId)).toEqual(['spb']);
  });

  it('a classified press keeps its cause when re-attributed: the qualified counts move with it', async () => {
    // Elena's assignment is corrected: Pavel sat at msk-1 from 10:04 Moscow (07:04 UTC), so e3 (07:05) and e4 (07:07) are his.
    await ok(app, 'POST', '/employees', { id: 'pavel', name: 'pavel', officeId: 'msk' });
    const list = await ok(app, 'GET', '/assignments?employeeId=elena');
    const a = list.items[0];
    await ok(app, 'PUT', `/assignments/${a.id}`, { deskId: 'msk-1', employeeId: 'elena', from: a.from, to: '2026-03-10T07:04:00Z' });
    await ok(app, 'POST', '/assignments', {
      deskId: 'msk-1',
      employeeId: 'pavel',
      from: '2026-03-10T07:04:00Z',
      to: '2026-03-10T08:00:00Z',
    });
    const score = async (who: string) =>
      (await ok(app, 'GET', `/employees/${who}/scores?from=2026-03-10&to=2026-03-11`)).total.scores.staff;
    // Elena keeps 07:00 good, e1 (office), 07:02 good, e2 (product): G 2, B 2, both out → 0/4, nothing pending.
    expect((await score('elena')).inkQualified).toMatchObject({ value: 0, pending: 0, removed: 2 });
    // Pavel: 07:04 good, e3 (staff: stays in), 07:06 good, e4 (pending), 07:08 neutral → G 2, N 1, B 2, P 5: 2/5.
    expect((await score('pavel')).inkQualified).toMatchObject({ value: 2 / 5, pending: 1, removed: 0 });
    expect(await ok(app, 'GET', `/cases/${ids.e3}`)).toMatchObject({ employeeId: 'pavel', cause: 'staff' });
  });
});
