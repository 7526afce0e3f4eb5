/** The queue system's link through a real gateway: its own key role, idempotent events, assignments and duty from them. */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerKiosk, startGateway } from '../helpers.js';
import { call, ok, staffPanel } from '../org-helpers.js';

let app: FastifyInstance;
let queue: Record<string, string>;
let manager: Record<string, string>;

const bearer = async (role: string, extra: Record<string, unknown> = {}) =>
  ({ authorization: `Bearer ${(await ok(app, 'POST', '/api-keys', { name: `${role} key`, role, ...extra })).key}` }) as Record<
    string,
    string
  >;
/** Three hours ago, on the minute: every shift below has begun, the last is open now. */
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3_600_000;
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

beforeAll(async () => {
  ({ app } = await startGateway());
  await ok(app, 'POST', '/offices', { id: 'msk', name: 'Москва', timeZone: 'Europe/Moscow' });
  for (const d of ['q1', 'q2']) await ok(app, 'POST', '/desks', { id: d, officeId: 'msk', name: d });
  for (const id of ['anna', 'ivan']) await ok(app, 'POST', '/employees', { id, name: id, officeId: 'msk' });
  queue = await bearer('queue');
  manager = await bearer('manager', { offices: ['msk'] });
});
afterAll(async () => {
  await app?.close();
});

describe('queue system link', () => {
  it('a queue key feeds /queue and nothing else; other roles but admin may not feed it', async () => {
    const one = { events: [{ id: 'x-1', type: 'called', deskId: 'q2', operatorId: 'anna', ticket: 'A001', at: at(-600) }] };
    expect((await call(app, 'POST', '/queue/events', one, manager)).status).toBe(403);
    expect((await call(app, 'GET', '/assignments', undefined, queue)).status).toBe(403);
    expect((await call(app, 'GET', '/kiosks', undefined, queue)).status).toBe(403);
    expect((await call(app, 'POST', '/queue/events', one, queue)).status).toBe(200);
  });

  it('desks opened and closed become assignments, repeats are ignored, and the kiosk at the desk shows the operator', async () => {
    await registerKiosk(app, 'k-q', { officeId: 'msk', panels: [{ ...staffPanel(), deskId: 'q1' }] });
    await ok(app, 'PUT', '/kiosks/k-q/config', { panels: [staffPanel()] });
    const events = [
      { id: 'e-1', type: 'opened', deskId: 'q1', operatorId: 'anna', at: at(0) },
      { id: 'e-2', type: 'served', deskId: 'q1', operatorId: 'anna', ticket: 'A002', at: at(5) },
      { id: 'e-3', type: 'closed', deskId: 'q1', operatorId: 'anna', at: at(60) },
      { id: 'e-4', type: 'opened', deskId: 'q1', operatorId: 'ivan', at: at(60) },
      { id: 'e-5', type: 'served', deskId: 'q1', operatorId: 'ivan', ticket: 'A003', at: at(70) },
    ];
    const first = await call(app, 'POST', '/queue/events', { events }, queue);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ stored: 5, duplicates: 0 });
    const shifts = (await ok(app, 'GET', '/assignments?deskId=q1')).items.map((a: Record<string, unknown>) => [a.employeeId, a.from, a.to]);
    expect(shifts.sort()).toEqual([
      ['anna', at(0), at(60)],
      ['ivan', at(60), null],
    ]);
    const again = await call(app, 'POST', '/queue/events', { events }, queue);
    expect(again.body).toMatchObject({ stored: 0, duplicates: 5 });
    expect((await ok(app, 'GET', '/assignments?deskId=q1')).items).toHaveLength(2);
    // Ivan's shift is open: he is on duty now, and the answer came after the kiosk's config had it.
    const cfg = (await ok(app, 'GET', '/kiosks/k-q')).config;
    expect(cfg.panels[0].duty).toEqual({ employeeId: 'ivan', name: 'ivan' });
  });

  it('a desk opened by another operator ends the open shift there; a late opening that overlaps stored shifts is refused whole', async () => {
    const events = [
      { id: 'f-1', type: 'opened', deskId: 'q1', operatorId: 'anna', at: at(120) },
      { id: 'f-2', type: 'opened', deskId: 'q1', operatorId: 'anna', at: at(125) }, // told twice: one shift
    ];
    expect((await call(app, 'POST', '/queue/events', { events }, queue)).status).toBe(200);
    const shifts = (await ok(app, 'GET', '/assignments?deskId=q1')).items.map((a: Record<string, unknown>) => [a.employeeId, a.from, a.to]);
    expect(shifts.sort()).toEqual([
      ['anna', at(0), at(60)],
      ['anna', at(120), null],
      ['ivan', at(60), at(120)],
    ]);
    // Anna "opens" q2 before her q1 shifts, open-ended: it would overlap them; nothing of the batch is kept.
    const late = [
      { id: 'h-1', type: 'served', deskId: 'q2', operatorId: 'ivan', ticket: 'B001', at: at(-100) },
      { id: 'h-2', type: 'opened', deskId: 'q2', operatorId: 'anna', at: at(-300) },
    ];
    const refused = await call(app, 'POST', '/queue/events', { events: late }, queue);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/^queue events refused, nothing stored: .*employee anna/);
    expect((await call(app, 'POST', '/queue/events', { events: [late[0]] }, queue)).body).toMatchObject({ stored: 1 });
  });

  it('refuses unknown desks and operators, and served tickets without a ticket, storing nothing', async () => {
    const bad = async (e: Record<string, unknown>) =>
      call(
        app,
        'POST',
        '/queue/events',
        { events: [{ id: 'g-1', type: 'served', deskId: 'q1', operatorId: 'anna', ticket: 'T', at: at(1), ...e }] },
        queue,
      );
    expect((await bad({ deskId: 'nope' })).body.message).toMatch(/events\[0\]\.deskId: desk "nope" not found/);
    expect((await bad({ operatorId: 'nobody' })).body.message).toMatch(/events\[0\]\.operatorId/);
    expect((await bad({ ticket: undefined })).body.message).toMatch(/events\[0\]\.ticket: required for served/);
    expect((await bad({ id: 'g-2' })).status).toBe(200); // the same event, well-formed, is taken
  });
});
