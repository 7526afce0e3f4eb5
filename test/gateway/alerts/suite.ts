/**
 * Alert rules end to end on one real gateway (embedded broker; SQLite or PostgreSQL): scripted kiosks
 * publish presses over MQTT, the engine judges the rules from the store, the API shows and moves the
 * alerts. Run by alerts-sqlite.test.ts and alerts-postgres.test.ts.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type Postgres } from '../../../scripts/lib/postgres.js';
import { proportionTest } from '../../../shared/src/alert-stats.js';
import { kioskTopic, type Event } from '../../../shared/src/index.js';
import { admin, kiosk, prefix, startGateway, until } from '../helpers.js';
import { call, ingest, ok, officePanel, press, staffPanel } from '../org-helpers.js';

export function alertSuite(database: 'sqlite' | 'postgres'): void {
  let pg: Postgres | undefined;
  type Kiosk = Awaited<ReturnType<typeof kiosk>>;
  let app: FastifyInstance;
  let mqttUrl: string;
  const kiosks = new Map<string, Kiosk>();
  let managerA: Record<string, string>;

  /** `buttons` pressed on `panel`, 7 s apart (no misuse rule fires), the last one `endAgoMs` before now. */
  function recent(kioskId: string, panel: string, buttons: Event['button'][], endAgoMs = 1000): Event[] {
    const end = Date.now() - endAgoMs;
    return buttons.map((b, i) => press(kioskId, panel, b, new Date(end - (buttons.length - 1 - i) * 7000).toISOString()));
  }

  /** Publishes over the kiosk's own MQTT connection and waits for the gateway's ack (the commit). */
  async function publish(kioskId: string, events: Event[]): Promise<void> {
    const k = kiosks.get(kioskId)!;
    await k.publishEvents({ v: 1, kioskId, events });
    const ack = await k.nextAck();
    expect(ack.ids ?? []).toHaveLength(events.length);
  }

  async function addKiosk(id: string, officeId: string, panels: object[]): Promise<void> {
    const res = await call(app, 'POST', '/kiosks', { id, officeId, panels });
    expect(res.status).toBe(201);
    kiosks.set(id, await kiosk(mqttUrl, id, res.body.mqtt.password));
  }

  const rule = (body: object) => ok(app, 'POST', '/alert-rules', body);
  const alertsOf = async (ruleId: string, headers = admin) =>
    (await call(app, 'GET', `/alerts?rule=${ruleId}`, undefined, headers)).body.items;
  /** Every rule judged as of now, after the presses already committed. */
  const judged = () => app.gateway.alerts.tick();
  const opened = (ruleId: string, what: string) =>
    until(async () => {
      const items = await alertsOf(ruleId);
      return items.length > 0 ? items : undefined;
    }, what);

  beforeAll(async () => {
    if (database === 'postgres') pg = await startPostgres();
    const databaseUrl = pg ? await pg.newDatabase('lb_alerts') : undefined;
    ({ app, mqttUrl } = await startGateway({ alertTickMs: 200, ...(databaseUrl ? { databaseUrl } : {}) }));
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f'])
      await ok(app, 'POST', '/offices', { id, name: `Office ${id.toUpperCase()}`, timeZone: 'Europe/Moscow' });
    await ok(app, 'POST', '/desks', { id: 'a-1', officeId: 'a', name: 'Window 1' });
    await ok(app, 'POST', '/desks', { id: 'c-1', officeId: 'c', name: 'Window 1' });
    await addKiosk('k-a', 'a', [{ ...staffPanel(), deskId: 'a-1' }, officePanel()]);
    await addKiosk('k-b', 'b', [staffPanel()]);
    await addKiosk('k-c', 'c', [{ ...staffPanel(), deskId: 'c-1' }]);
    await addKiosk('k-d', 'd', [staffPanel()]);
    await addKiosk('k-e', 'e', [staffPanel()]);
    await addKiosk('k-f', 'f', [staffPanel()]);
    const res = await call(app, 'POST', '/api-keys', { name: 'manager of A', role: 'manager', offices: ['a'] });
    managerA = { authorization: `Bearer ${res.body.key}` };
  });
  afterAll(async () => {
    for (const k of kiosks.values()) await k.close();
    await app?.close();
    await pg?.stop();
  });

  describe('share rules (threshold mode)', () => {
    it('fire on the press that crosses the threshold, not before; close by themselves once the data recovers', async () => {
      const r = await rule({
        name: 'A: bad share',
        kind: 'share',
        scope: { level: 'office', id: 'a' },
        windowMinutes: 60,
        threshold: 0.5,
        minSample: 4,
        autoCloseAfterMinutes: 0,
      });
      // 2 of 3 bad: above 50 % but under the rule's minimum of 4 presses.
      await publish('k-a', recent('k-a', 'desk', ['good', 'bad', 'bad'], 30_000));
      await judged();
      expect(await alertsOf(r.id)).toEqual([]);
      // The 4th press, bad: 3 of 4. The press itself triggers the evaluation (no tick needed to see it soon).
      await publish('k-a', recent('k-a', 'desk', ['bad']));
      const [alert] = await opened(r.id, 'the share alert');
      expect(alert).toMatchObject({
        state: 'open',
        severity: 'negative',
        scope: { level: 'office', id: 'a' },
        officeIds: ['a'],
        evidence: { n: 4, x: 3, share: 0.75, threshold: 0.5 },
        url: `/#/alerts/${alert.id}`,
      });
      expect(alert.title.en).toContain('75 %');
      expect(alert.title.ru).toContain('3 из 4');
      // Recovery: four good presses make it 3 of 8, no longer above 50 %: the gateway closes it.
      await publish('k-a', recent('k-a', 'office', ['good', 'good', 'good', 'good']));
      const closed = await until(async () => {
        const a = (await ok(app, 'GET', `/alerts/${alert.id}`)) as { state: string };
        return a.state === 'closed' ? a : undefined;
      }, 'auto-close');
      expect(closed).toMatchObject({ closedBy: null });
      expect(
        (closed as unknown as { history: Array<{ kind: string; actor: string | null }> }).history.map((h) => [h.kind, h.actor]),
      ).toEqual([
        ['opened', null],
        ['closed', null],
      ]);
    });

    it('positive alerts: the share of good presses above a threshold', async () => {
      const r = await rule({
        name: 'B: praise',
        kind: 'share',
        direction: 'positive',
        scope: { level: 'office', id: 'b' },
        windowMinutes: 30,
        threshold: 0.8,
        minSample: 5,
      });
      const presses = recent('k-b', 'desk', ['good', 'good', 'good', 'good', 'good']);
      await publish('k-b', presses.slice(0, 4));
      await judged();
      expect(await alertsOf(r.id)).toEqual([]);
      await publish('k-b', presses.slice(4));
      const [alert] = await opened(r.id, 'the positive alert');
      expect(alert).toMatchObject({ severity: 'positive', evidence: { n: 5, x: 5, share: 1 } });
    });
  });

  describe('count and index rules', () => {
    it('count: N presses of one button within the window, for a desk', async () => {
      const r = await rule({
        name: 'C-1: three bad',
        kind: 'count',
        scope: { level: 'desk', id: 'c-1' },
        windowMinutes: 10,
        button: 'bad',
        threshold: 3,
      });
      await publish('k-c', recent('k-c', 'desk', ['bad', 'good', 'bad'], 20_000));
      await judged();
      expect(await alertsOf(r.id)).toEqual([]);
      await publish('k-c', recent('k-c', 'desk', ['bad']));
      const [alert] = await opened(r.id, 'the count alert');
      expect(alert).toMatchObject({ scope: { level: 'desk', id: 'c-1' }, officeIds: ['c'], evidence: { count: 3, threshold: 3 } });
    });

    it('index: ИНК Персонал above a threshold opens only after it has stayed there for the duration', async () => {
      const r = await rule({
        name: 'D: ИНК high',
        kind: 'index',
        index: 'ink-staff',
        comparison: 'above',
        threshold: 0.4,
        scope: { level: 'office', id: 'd' },
        windowMinutes: 60,
        durationMinutes: 0.04, // 2.4 s
      });
      const pressed = Date.now();
      await publish('k-d', recent('k-d', 'desk', ['bad', 'bad', 'good']));
      await judged();
      expect(await alertsOf(r.id)).toEqual([]); // beyond the threshold, not yet for 2.4 s
      const [alert] = await opened(r.id, 'the index alert');
      expect(Date.parse(alert.openedAt) - pressed).toBeGreaterThanOrEqual(2400);
      // ИНК without visitor counts = B / P = 2 / 3.
      expect(alert.evidence).toMatchObject({ n: 3, comparison: 'above', threshold: 0.4 });
      expect(alert.evidence.index).toBeCloseTo(2 / 3, 12);
    });
  });

  describe('statistical mode', () => {
    beforeAll(async () => {
      // Office E's own baseline, 2–9 days ago: 200 presses, 20 bad (10 %), from a kiosk not on MQTT here.
      await ok(app, 'POST', '/kiosks', { id: 'k-e0', officeId: 'e', panels: [staffPanel()] });
      const start = Date.now() - 9 * 86_400_000;
      const buttons = Array.from({ length: 200 }, (_, i): Event['button'] => (i % 10 === 0 ? 'bad' : i % 3 === 0 ? 'neutral' : 'good'));
      await ingest(
        app,
        'k-e0',
        buttons.map((b, i) => press('k-e0', 'desk', b, new Date(start + i * 50 * 60_000).toISOString())),
      );
    });

    it('does not fire on 3 of 4 bad (a fixed-percentage rule does), and fires on a real shift over enough presses', async () => {
      const stat = await rule({
        name: 'E: worse than usual',
        kind: 'share',
        mode: 'statistical',
        scope: { level: 'office', id: 'e' },
        windowMinutes: 60,
      });
      const fixed = await rule({
        name: 'E: over 50 %',
        kind: 'share',
        scope: { level: 'office', id: 'e' },
        windowMinutes: 60,
        threshold: 0.5,
      });
      // 40 presses 7 s apart, published in three parts: 4 (3 bad), 18, 18 (17 bad in all).
      const more: Event['button'][] = Array.from({ length: 36 }, (_, i) => (i < 17 ? 'bad' : 'good'));
      const presses = recent('k-e', 'desk', ['bad', 'bad', 'good', 'bad', ...more]);
      await publish('k-e', presses.slice(0, 4));
      await judged();
      expect(await alertsOf(fixed.id)).toHaveLength(1); // the peers' way: 75 % > 50 % on 4 presses
      expect(await alertsOf(stat.id)).toEqual([]); // 4 < minSample 30 (company setting): never
      await publish('k-e', presses.slice(4, 22));
      await judged();
      expect(await alertsOf(stat.id)).toEqual([]); // 22 presses: still under 30
      // 20 of 40 in the window against 10 % in the baseline.
      await publish('k-e', presses.slice(22));
      const [alert] = await opened(stat.id, 'the statistical alert');
      const expected = proportionTest({ x: 20, n: 40 }, { x: 20, n: 200 }, 'greater')!;
      expect(alert.evidence).toMatchObject({
        n: 40,
        x: 20,
        share: 0.5,
        baseline: { n: 200, x: 20, share: 0.1, days: 28 },
        confidence: 0.95,
        minSample: 30,
      });
      expect(alert.evidence.z).toBeCloseTo(expected.z, 9);
      expect(alert.evidence.pValue).toBeCloseTo(expected.pValue, 15);
      expect(alert.evidence.pValue).toBeLessThan(1e-9);
      expect(alert.title.en).toMatch(/50 % \(20 of 40\) in 60 min vs 10 % baseline, p = /);
    });
  });

  describe('statistical mode, CUSUM', () => {
    beforeAll(async () => {
      // Office F's baseline, 2–9 days ago: 200 presses, 20 bad (10 %).
      await ok(app, 'POST', '/kiosks', { id: 'k-f0', officeId: 'f', panels: [staffPanel()] });
      const start = Date.now() - 9 * 86_400_000;
      const buttons = Array.from({ length: 200 }, (_, i): Event['button'] => (i % 10 === 0 ? 'bad' : 'good'));
      await ingest(
        app,
        'k-f0',
        buttons.map((b, i) => press('k-f0', 'desk', b, new Date(start + i * 50 * 60_000).toISOString())),
      );
    });

    it('not on a burst of 6 bad (under the minimum sample), not once it has passed; fires on a sustained shift', async () => {
      const r = await rule({
        name: 'F: CUSUM',
        kind: 'share',
        mode: 'statistical',
        statistic: 'cusum',
        scope: { level: 'office', id: 'f' },
        windowMinutes: 60,
      });
      // By hand: p₀ = (20 + ½)/(200 + 1) = 0.10199; odds ratio 2 → a bad press adds ln 2 − ln(1 + p₀) = 0.59603,
      // a good one subtracts ln(1 + p₀) = 0.09712; the limit at 95 % is ln 20 = 2.99573.
      const p0 = 20.5 / 201;
      const up = Math.log(2) - Math.log(1 + p0);
      const down = -Math.log(1 + p0);
      const cusumOf = (bs: Event['button'][]) => bs.reduce((s, b) => Math.max(0, s + (b === 'bad' ? up : down)), 0);
      const burst: Event['button'][] = Array.from({ length: 6 }, () => 'bad'); // S = 3.576 ≥ 2.996, n = 6
      const calm: Event['button'][] = Array.from({ length: 34 }, (_, i) => (i === 12 || i === 25 ? 'bad' : 'good')); // S = 1.66 at n = 40
      const shift: Event['button'][] = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'bad' : 'good')); // S = 6.65 at n = 60
      expect(cusumOf(burst)).toBeGreaterThan(Math.log(20));
      expect(cusumOf([...burst, ...calm])).toBeLessThan(Math.log(20));
      const presses = recent('k-f', 'desk', [...burst, ...calm, ...shift]);
      await publish('k-f', presses.slice(0, 6));
      await judged();
      expect(await alertsOf(r.id)).toEqual([]); // over the limit, but 6 < minSample 30
      await publish('k-f', presses.slice(6, 40));
      await judged();
      expect(await alertsOf(r.id)).toEqual([]); // 40 presses, the burst's weight spent: 1.66 < 3.00
      await publish('k-f', presses.slice(40));
      const [alert] = await opened(r.id, 'the CUSUM alert');
      const expected = cusumOf([...burst, ...calm, ...shift]);
      expect(expected).toBeCloseTo(6.6496, 4);
      expect(alert.evidence).toMatchObject({
        n: 60,
        x: 18,
        baseline: { n: 200, x: 20, share: 0.1 },
        confidence: 0.95,
        minSample: 30,
        cusum: { oddsRatio: 2 },
      });
      expect(alert.evidence.cusum.value).toBeCloseTo(expected, 9);
      expect(alert.evidence.cusum.limit).toBeCloseTo(Math.log(20), 9);
      expect(alert.evidence.cusum.p0).toBeCloseTo(p0, 12);
      expect(alert.evidence.pValue).toBeUndefined();
      expect(alert.title.en).toMatch(/30 % \(18 of 60\) in 60 min vs 10 % baseline, CUSUM 6\.65 ≥ 3\.00/);
      expect(alert.title.ru).toMatch(/CUSUM 6\.65 ≥ 3\.00/);
    });
  });

  describe('fleet rules', () => {
    it('a kiosk whose board is disconnected for N minutes opens an alert for that kiosk; reconnecting closes it', async () => {
      const r = await rule({
        name: 'boards',
        kind: 'fleet',
        condition: 'board-disconnected',
        forMinutes: 0.02,
        scope: { level: 'office', id: 'b' },
        autoCloseAfterMinutes: 0,
      });
      const status = (connected: boolean) =>
        kiosks
          .get('k-b')!
          .client.publishAsync(
            kioskTopic(prefix, 'k-b', 'status'),
            JSON.stringify({ v: 1, state: 'online', board: { connected, kind: 'firmata' } }),
            { qos: 1, retain: true },
          );
      await status(false);
      const [alert] = await opened(r.id, 'the fleet alert');
      expect(alert).toMatchObject({
        severity: 'fleet',
        scope: { level: 'kiosk', id: 'k-b' },
        officeIds: ['b'],
        evidence: { problem: { rule: 'board-disconnected' } },
      });
      await status(true);
      await until(async () => ((await ok(app, 'GET', `/alerts/${alert.id}`)).state === 'closed' ? true : undefined), 'fleet auto-close');
    });

    it('per desk: only the kiosks with a panel bound to the desk are its subjects', async () => {
      const r = await rule({
        name: 'desk C-1 board',
        kind: 'fleet',
        condition: 'board-disconnected',
        scope: { level: 'desk', id: 'c-1' },
        autoCloseAfterMinutes: 0,
      });
      expect(r.officeIds).toEqual(['c']);
      const status = (kioskId: string, connected: boolean) =>
        kiosks
          .get(kioskId)!
          .client.publishAsync(
            kioskTopic(prefix, kioskId, 'status'),
            JSON.stringify({ v: 1, state: 'online', board: { connected, kind: 'firmata' } }),
            { qos: 1, retain: true },
          );
      // k-d (office D, no desk) loses its board first, then k-c (desk C-1): only k-c's alert opens.
      await status('k-d', false);
      await status('k-c', false);
      const [alert] = await opened(r.id, 'the desk fleet alert');
      await judged();
      const items = await alertsOf(r.id);
      expect(items.map((a: { scope: unknown }) => a.scope)).toEqual([{ level: 'kiosk', id: 'k-c' }]);
      expect(alert).toMatchObject({ severity: 'fleet', officeIds: ['c'], evidence: { problem: { rule: 'board-disconnected' } } });
      await status('k-c', true);
      await status('k-d', true);
      await until(
        async () => ((await ok(app, 'GET', `/alerts/${alert.id}`)).state === 'closed' ? true : undefined),
        'desk fleet auto-close',
      );
    });
  });

  describe('lifecycle, deduplication and scope', () => {
    let alertId: string;
    let ruleId: string;
    beforeAll(async () => {
      ruleId = (
        await rule({
          name: 'A: any bad',
          kind: 'count',
          scope: { level: 'office', id: 'a' },
          windowMinutes: 60,
          button: 'bad',
          threshold: 1,
        })
      ).id;
      alertId = (await opened(ruleId, 'the count alert of A'))[0].id;
    });

    it('one open alert per rule and subject, however often it is judged; the database refuses a second', async () => {
      for (let i = 0; i < 3; i++) await judged();
      expect(await alertsOf(ruleId)).toHaveLength(1);
      const a = (await app.gateway.store.alerts.get(alertId))!;
      const twin = await app.gateway.store.alerts.open({ ...a, id: 'TWIN' });
      expect(twin).toBeUndefined();
      expect(await app.gateway.store.alerts.get('TWIN')).toBeUndefined();
    });

    it('acknowledge (who, when), comment, close: each with its event, in order; no second acknowledge or close', async () => {
      const acked = await call(app, 'POST', `/alerts/${alertId}/acknowledge`, undefined, managerA);
      expect(acked.status).toBe(200);
      expect(acked.body).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'manager of A' });
      expect(Date.now() - Date.parse(acked.body.acknowledgedAt)).toBeLessThan(10_000);
      expect((await call(app, 'POST', `/alerts/${alertId}/acknowledge`, undefined, managerA)).status).toBe(409);
      const c = await call(app, 'POST', `/alerts/${alertId}/comments`, { text: 'Spoke to the desk' }, managerA);
      expect(c.status).toBe(201);
      expect(c.body).toMatchObject({ by: 'manager of A', text: 'Spoke to the desk' });
      const closed = await call(app, 'POST', `/alerts/${alertId}/close`, { comment: 'Handled' }, managerA);
      expect(closed.body).toMatchObject({ state: 'closed', closedBy: 'manager of A' });
      expect((await call(app, 'POST', `/alerts/${alertId}/close`, {}, managerA)).status).toBe(409);
      const full = await ok(app, 'GET', `/alerts/${alertId}`);
      expect(full.comments.map((x: { text: string }) => x.text)).toEqual(['Spoke to the desk', 'Handled']);
      expect(full.history.map((h: { kind: string; actor: string | null }) => [h.kind, h.actor])).toEqual([
        ['opened', null],
        ['acknowledged', 'manager of A'],
        ['commented', 'manager of A'],
        ['closed', 'manager of A'],
      ]);
      expect(full.history[3].payload).toMatchObject({
        alert: { id: alertId, state: 'closed', ruleName: 'A: any bad' },
        comment: { by: 'manager of A', text: 'Handled' },
      });
      // The notifications feed has the same events, in id order.
      const feed = await call(app, 'GET', `/alert-events?after=${full.history[0].id - 1}`, undefined, managerA);
      expect(feed.body.items.filter((e: { alertId: string }) => e.alertId === alertId).map((e: { kind: string }) => e.kind)).toEqual([
        'opened',
        'acknowledged',
        'commented',
        'closed',
      ]);
    });

    it('the condition still holds after a close: the next judgement opens a new alert', async () => {
      await judged();
      const items = await alertsOf(ruleId);
      expect(items.map((a: { state: string }) => a.state)).toEqual(['open', 'closed']);
    });

    it('a manager of office A never sees or touches another office’s alert (404), nor its rules', async () => {
      const others = (await call(app, 'GET', '/alerts?state=active', undefined, managerA)).body.items;
      expect(others.length).toBeGreaterThan(0);
      expect(others.every((a: { officeIds: string[] }) => a.officeIds.length > 0 && a.officeIds.every((o) => o === 'a'))).toBe(true);
      const bAlert = (await call(app, 'GET', '/alerts?office=b&state=open')).body.items[0];
      expect(bAlert).toBeDefined();
      for (const [method, url, body] of [
        ['GET', `/alerts/${bAlert.id}`, undefined],
        ['POST', `/alerts/${bAlert.id}/acknowledge`, undefined],
        ['POST', `/alerts/${bAlert.id}/comments`, { text: 'hi' }],
        ['POST', `/alerts/${bAlert.id}/close`, {}],
        ['GET', `/alert-rules/${bAlert.ruleId}`, undefined],
        ['DELETE', `/alert-rules/${bAlert.ruleId}`, undefined],
      ] as const) {
        expect((await call(app, method, url, body, managerA)).status, `${method} ${url}`).toBe(404);
      }
      expect((await ok(app, 'GET', `/alerts/${bAlert.id}`)).state).not.toBe('closed'); // untouched
      const feed = (await call(app, 'GET', '/alert-events', undefined, managerA)).body.items;
      expect(feed.every((e: { officeIds: string[] }) => e.officeIds.every((o) => o === 'a'))).toBe(true);
      const rules = (await call(app, 'GET', '/alert-rules', undefined, managerA)).body.items;
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.every((x: { officeIds: string[] }) => x.officeIds.every((o) => o === 'a'))).toBe(true);
      // Rules: within its offices only; a company-wide rule is an admin's.
      const body = { name: 'x', kind: 'count', windowMinutes: 5, button: 'bad', threshold: 2 };
      expect((await call(app, 'POST', '/alert-rules', { ...body, scope: { level: 'office', id: 'b' } }, managerA)).status).toBe(400);
      expect((await call(app, 'POST', '/alert-rules', { ...body, scope: { level: 'company' } }, managerA)).status).toBe(403);
      expect((await call(app, 'POST', '/alert-rules', { ...body, scope: { level: 'desk', id: 'a-1' } }, managerA)).status).toBe(201);
    });

    it('alerts are paged newest first', async () => {
      const first = (await call(app, 'GET', '/alerts?limit=2')).body;
      expect(first.items).toHaveLength(2);
      const second = (await call(app, 'GET', `/alerts?limit=2&after=${first.next}`)).body;
      expect(second.items[0].id < first.items[1].id).toBe(true);
    });
  });

  describe('bad input: a clear 400, never a 500', () => {
    const base = { name: 'r', kind: 'share', scope: { level: 'office', id: 'a' }, windowMinutes: 10, threshold: 0.5 };
    it.each([
      ['no kind', { ...base, kind: undefined }, /kind/],
      ['unknown kind', { ...base, kind: 'mood' }, /kind must be one of/],
      ['share threshold above 1', { ...base, threshold: 2 }, /threshold: a share between 0 and 1/],
      ['share without window', { ...base, windowMinutes: undefined }, /windowMinutes: required/],
      ['threshold share without threshold', { ...base, threshold: undefined }, /threshold: required/],
      [
        'statistical count',
        { ...base, kind: 'count', mode: 'statistical', button: 'bad', threshold: 3 },
        /statistical applies to share rules/,
      ],
      ['count of 0', { ...base, kind: 'count', button: 'bad', threshold: 0 }, /count of at least 1/],
      ['index without comparison', { ...base, kind: 'index', index: 'csat' }, /comparison: required/],
      [
        'fleet on an employee',
        { name: 'f', kind: 'fleet', condition: 'offline', scope: { level: 'employee', id: 'x' } },
        /fleet rule watches the kiosks of the company, of one office or of one desk/,
      ],
      ['fleet without condition', { name: 'f', kind: 'fleet', scope: { level: 'company' } }, /condition: required/],
      ['a field of another kind', { ...base, button: 'bad' }, /button: not a field of a share rule/],
      ['office scope without id', { ...base, scope: { level: 'office' } }, /scope.id: required/],
      ['company scope with an id', { ...base, scope: { level: 'company', id: 'x' } }, /company scope has no id/],
      ['unknown office', { ...base, scope: { level: 'office', id: 'nowhere' } }, /office "nowhere" not found/],
      ['confidence 1', { ...base, mode: 'statistical', confidence: 1 }, /confidence/],
      ['cusum on a threshold rule', { ...base, statistic: 'cusum' }, /statistic: only for statistical rules/],
      ['odds ratio without cusum', { ...base, mode: 'statistical', oddsRatio: 3 }, /oddsRatio: only for statistic cusum/],
      ['odds ratio 1', { ...base, mode: 'statistical', statistic: 'cusum', oddsRatio: 1 }, /oddsRatio/],
      ['window of -5', { ...base, windowMinutes: -5 }, /windowMinutes/],
    ])('rule: %s', async (_, body, message) => {
      const res = await call(app, 'POST', '/alert-rules', body);
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(message);
    });

    it.each([
      ['GET', '/alerts?state=burning', undefined],
      ['GET', '/alerts?limit=0', undefined],
      ['GET', '/alert-events?after=-1', undefined],
      ['GET', '/alert-events?after=abc', undefined],
    ] as const)('%s %s', async (method, url, body) => {
      const res = await call(app, method, url, body);
      expect(res.status).toBe(400);
      expect(res.body.message).toBeTruthy();
    });

    it('comments: missing, blank or too long text; unknown alert → 404', async () => {
      const id = (await call(app, 'GET', '/alerts?limit=1')).body.items[0].id;
      expect((await call(app, 'POST', `/alerts/${id}/comments`, {})).status).toBe(400);
      expect((await call(app, 'POST', `/alerts/${id}/comments`, { text: '   ' })).status).toBe(400);
      expect((await call(app, 'POST', `/alerts/${id}/comments`, { text: 'x'.repeat(4001) })).status).toBe(400);
      expect((await call(app, 'POST', `/alerts/${id}/comments`, 'not json')).status).toBe(415);
      expect((await call(app, 'POST', '/alerts/NOPE/acknowledge')).status).toBe(404);
    });

    it('no key: 401', async () => {
      expect((await app.inject({ method: 'GET', url: '/api/v1/alerts' })).statusCode).toBe(401);
    });
  });
}
