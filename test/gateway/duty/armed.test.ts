/**
 * Armed mode and reasons through a real gateway (fastify, embedded broker, SQLite) and a scripted kiosk over
 * MQTT: a served ticket arms the kiosk's panel; presses count only inside a ticket's window, one per ticket,
 * credited to the ticket's operator; the rest are stored and flagged; reasons after bad presses reach the
 * scores; a reason for a press the kiosk never delivered is dead-lettered and acked. Expected counts by hand.
 */
import type { FastifyInstance } from 'fastify';
import { ulid } from 'ulid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event, ReasonEvent } from '../../../shared/src/index.js';
import { batch, kiosk, registerKiosk, startGateway } from '../helpers.js';
import { call, ok, staffPanel } from '../org-helpers.js';
import { startPostgres, type Postgres } from '../../../scripts/lib/postgres.js';

let app: FastifyInstance;
let mqttUrl: string;
let queue: Record<string, string>;
let k: Awaited<ReturnType<typeof kiosk>>;
let ivanShift: string;

const WINDOW_MS = 60_000;
/**
 * Three hours ago, on the hour: the scoring scenario's tickets are served in the hour from T0, the reasons
 * scenario's in the next, so each test reads hours (the rollups' unit) holding only its own presses.
 */
const HOUR = 3_600_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();
const S = 1000;
const MIN = 60_000;

let seq = 0;
function press(button: Event['button'], at: number, extra: Partial<Event> = {}): Event {
  seq++;
  return {
    id: ulid(),
    seq,
    panel: 'desk',
    button,
    at: iso(at),
    clockSynced: true,
    bootId: 'boot-1',
    uptimeMs: seq * 1000,
    flags: [],
    ...extra,
  };
}
function reason(reasonFor: string, why: string, at: number): ReasonEvent {
  seq++;
  return {
    type: 'reason',
    id: ulid(),
    seq,
    panel: 'desk',
    reasonFor,
    reason: why,
    at: iso(at),
    clockSynced: true,
    bootId: 'boot-1',
    uptimeMs: seq * 1000,
  };
}
const served = (id: string, ticket: string, operatorId: string, at: number) => ({
  id,
  type: 'served',
  deskId: 'd1',
  operatorId,
  ticket,
  at: iso(at),
});

/** Publishes one events message from the kiosk and returns its ack. */
async function send(events: unknown[]) {
  await k.publishEvents(batch('k-armed', events));
  return k.nextAck();
}

/** The same scenario on each database (one SQL logic, two drivers). */
function armedSuite(db: 'sqlite' | 'postgres') {
  beforeAll(async () => {
    seq = 0;
    ({ app, mqttUrl } = await startGateway(db === 'postgres' ? { databaseUrl: await pg.newDatabase() } : {}));
    await ok(app, 'POST', '/offices', { id: 'msk', name: 'Москва', timeZone: 'Europe/Moscow' });
    await ok(app, 'POST', '/desks', { id: 'd1', name: 'Окно 1', officeId: 'msk' });
    for (const id of ['anna', 'ivan']) await ok(app, 'POST', '/employees', { id, name: id, officeId: 'msk' });
    // The rota says Ivan sits at d1 all along: armed presses must follow the tickets' operator instead.
    ivanShift = (await ok(app, 'POST', '/assignments', { deskId: 'd1', employeeId: 'ivan', from: iso(T0 - 3_600_000) })).assignment.id;
    const password = await registerKiosk(app, 'k-armed', { officeId: 'msk', panels: [{ ...staffPanel(), deskId: 'd1' }] });
    await ok(app, 'PUT', '/kiosks/k-armed/config', { panels: [{ ...staffPanel(), armed: { windowMs: WINDOW_MS } }] });
    queue = { authorization: `Bearer ${(await ok(app, 'POST', '/api-keys', { name: 'queue', role: 'queue' })).key}` };
    k = await kiosk(mqttUrl, 'k-armed', password);
    expect(await k.subscribeArm()).toBe(1);
  });
  afterAll(async () => {
    await k?.close();
    await app?.close();
  });

  describe('armed mode', () => {
    it('a ticket served at the desk arms the kiosk’s panel over MQTT with what is left of the window', async () => {
      const now = Date.now();
      const res = await call(app, 'POST', '/queue/events', { events: [served('live-1', 'L001', 'anna', now - 5 * S)] }, queue);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const arm = await k.nextArm();
      expect(arm).toMatchObject({ v: 1, panel: 'desk', ticket: 'L001' });
      // Served 5 s ago: about 55 s are left of the 60 s window (the request took a moment too).
      expect(arm.windowMs).toBeLessThanOrEqual(WINDOW_MS - 5 * S);
      expect(arm.windowMs).toBeGreaterThan(WINDOW_MS - 15 * S);
      // A ticket served longer ago than the window arms nothing.
      await call(app, 'POST', '/queue/events', { events: [served('live-2', 'L002', 'anna', now - 2 * WINDOW_MS)] }, queue);
      await call(app, 'POST', '/queue/events', { events: [served('live-3', 'L003', 'anna', Date.now())] }, queue);
      expect((await k.nextArm()).ticket).toBe('L003'); // the next one to arrive is L003's, not L002's
    });

    it('counts presses inside a ticket’s window once per ticket, credited to its operator; flags the rest', async () => {
      const tickets = [
        served('s-1', 'A001', 'anna', T0),
        served('s-2', 'A002', 'anna', T0 + 10 * MIN),
        served('s-3', 'A003', 'ivan', T0 + 30 * MIN),
      ];
      expect((await call(app, 'POST', '/queue/events', { events: tickets }, queue)).status).toBe(200);
      const p = [
        press('good', T0 + 20 * S, { ticket: 'A001' }), // 0: A001's press → anna
        press('bad', T0 + 30 * S, { ticket: 'A001' }), // 1: A001 again → flagged
        press('neutral', T0 + 2 * MIN), // 2: A001's window is over, nothing else served → flagged
        press('bad', T0 + 10 * MIN + 5 * S), // 3: no ticket sent: the latest unanswered in the window, A002 → anna
        press('good', T0 + 20 * MIN), // 4: nothing served in the minute before → flagged
        press('bad', T0 + 30 * MIN + 10 * S, { ticket: 'A003' }), // 5: A003 → ivan
        press('good', T0 + 30 * MIN + 40 * S), // 6: A003 answered already, no other ticket → flagged
      ];
      const ack = await send(p);
      expect(ack.ids).toEqual(p.map((e) => e.id));
      expect(ack.rejected).toBeUndefined();

      // By hand: counted good 1 (0), bad 2 (3, 5); excluded 4 (1, 2, 4, 6).
      const range = `from=${iso(T0 - 3_600_000)}&to=${iso(Date.now() + MIN)}`;
      const desk = (await ok(app, 'GET', `/desks/d1/scores?${range}`)).total.scores.staff.counts;
      expect(desk).toEqual({ good: 1, neutral: 0, bad: 2, total: 3, excluded: 4 });
      // Anna served A001 and A002: good 1 (0), bad 1 (3). Ivan (the rota's man) only A003: bad 1 (5), and the
      // flagged presses, which the rota gives him but which count for nobody.
      const anna = (await ok(app, 'GET', `/employees/anna/scores?${range}`)).total.scores.staff.counts;
      expect(anna).toEqual({ good: 1, neutral: 0, bad: 1, total: 2, excluded: 0 });
      const ivan = (await ok(app, 'GET', `/employees/ivan/scores?${range}`)).total.scores.staff.counts;
      expect(ivan).toEqual({ good: 0, neutral: 0, bad: 1, total: 1, excluded: 4 });

      // Stored with each press: the ticket it answered (or the kiosk sent), and why it does not count.
      const stored = (await ok(app, 'GET', '/kiosks/k-armed/events?limit=1000')).items as Array<Record<string, unknown>>;
      const byId = new Map(stored.map((e) => [e.id, e]));
      const view = p.map((e) => [byId.get(e.id)?.ticket ?? null, byId.get(e.id)?.excluded ?? []]);
      expect(view).toEqual([
        ['A001', []],
        ['A001', ['outside-armed-window']],
        [null, ['outside-armed-window']],
        ['A002', []],
        [null, ['outside-armed-window']],
        ['A003', []],
        [null, ['outside-armed-window']],
      ]);
      // A change of the rota afterwards re-attributes presses by time, but never an armed press that answered a ticket.
      // Ivan's shift now ends at T0 + 25 min and Anna's begins: press 6 (flagged) moves to her, A003's press stays his.
      await ok(app, 'PUT', `/assignments/${ivanShift}`, {
        deskId: 'd1',
        employeeId: 'ivan',
        from: iso(T0 - 3_600_000),
        to: iso(T0 + 25 * MIN),
      });
      await ok(app, 'POST', '/assignments', { deskId: 'd1', employeeId: 'anna', from: iso(T0 + 25 * MIN) });
      const ivanAfter = (await ok(app, 'GET', `/employees/ivan/scores?${range}`)).total.scores.staff.counts;
      expect(ivanAfter).toEqual({ good: 0, neutral: 0, bad: 1, total: 1, excluded: 3 });
      const annaAfter = (await ok(app, 'GET', `/employees/anna/scores?${range}`)).total.scores.staff.counts;
      expect(annaAfter).toEqual({ good: 1, neutral: 0, bad: 1, total: 2, excluded: 1 });
    });

    it('reasons after bad presses reach the scores; one for an unknown press is dead-lettered and acked', async () => {
      const at = T0 + HOUR;
      const tickets = [served('r-1', 'B001', 'anna', at), served('r-2', 'B002', 'anna', at + 5 * MIN)];
      expect((await call(app, 'POST', '/queue/events', { events: tickets }, queue)).status).toBe(200);
      const bad1 = press('bad', at + 10 * S, { ticket: 'B001' }); // counted, anna
      const bad2 = press('bad', at + 20 * S, { ticket: 'B001' }); // second for B001: flagged
      const why1 = reason(bad1.id, 'slow', at + 15 * S);
      const why2 = reason(bad2.id, 'slow', at + 25 * S); // stored on its press, but that press does not count
      const bad3 = press('bad', at + 5 * MIN + 10 * S); // B002, counted, anna
      const why3 = reason(bad3.id, 'impolite', at + 5 * MIN + 15 * S);
      const unknown = reason(ulid(), 'slow', at + 6 * MIN);
      const ack = await send([bad1, bad2, why1, why2, bad3, why3, unknown]);
      expect(new Set(ack.ids)).toEqual(new Set([bad1, bad2, why1, why2, bad3, why3, unknown].map((e) => e.id)));
      expect(ack.rejected).toBeUndefined();
      // A resend (the ack lost) is a duplicate, acked again, stored once.
      const again = await send([why3]);
      expect(again.ids).toEqual([why3.id]);

      const range = `from=${iso(at)}&to=${iso(at + HOUR)}`;
      const desk = await ok(app, 'GET', `/desks/d1/scores?${range}`);
      // By hand: counted bad presses bad1 and bad3 (bad2 is excluded): slow 1, impolite 1.
      expect(desk.total.scores.staff.counts).toMatchObject({ bad: 2, excluded: 1 });
      expect(desk.reasons).toEqual({ staff: { slow: 1, impolite: 1 } });
      expect((await ok(app, 'GET', `/employees/anna/scores?${range}`)).reasons).toEqual({ staff: { slow: 1, impolite: 1 } });
      // Periods without reasons carry none.
      expect((await ok(app, 'GET', `/desks/d1/scores?from=${iso(T0)}&to=${iso(T0 + HOUR)}`)).reasons).toBeUndefined();

      const letters = (await ok(app, 'GET', '/dead-letters')).items as Array<{ kioskId: string; reason: string }>;
      const letter = letters.find((d) => d.reason.includes(unknown.id));
      expect(letter?.kioskId).toBe('k-armed');
      expect(letter?.reason).toMatch(/explains press .*, which kiosk k-armed never delivered/);
      // The seq stream has no gap: reasons count in it like presses.
      const kioskNow = await ok(app, 'GET', '/kiosks/k-armed');
      expect(kioskNow.counters).toMatchObject({ lastSeq: seq });
      expect(kioskNow.gaps).toEqual([]);
      const stored = (await ok(app, 'GET', '/kiosks/k-armed/events?limit=1000')).items as Array<Record<string, unknown>>;
      expect(stored.find((e) => e.id === bad1.id)?.reason).toBe('slow');
      expect(stored.find((e) => e.id === bad3.id)?.reason).toBe('impolite');
    });
  });
}

let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  await pg?.stop();
});

describe('SQLite', () => armedSuite('sqlite'));
describe('PostgreSQL', () => armedSuite('postgres'));
