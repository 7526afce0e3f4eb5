/**
 * New misuse rules judge every stored press again, kiosk by kiosk, from a cursor kept in settings
 * (store/organisation.ts rejudge), so no score mixes two rule sets — not even after a crash half-way. A real
 * gateway process with the test-only fault LB_TEST_ONLY_FAULT=kill-while-rejudging SIGKILLs itself once the
 * first kiosk's presses are judged again; restarted without it, it judges the rest before it serves — on
 * SQLite and PostgreSQL.
 */
import { ulid } from 'ulid';
import { afterEach, expect, it } from 'vitest';
import type { Event } from '../../shared/src/index.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, registerKiosk, startGateway } from '../../scripts/lib/processes.js';
import { ProtocolKiosk } from '../../scripts/protocol-kiosk.js';
import { crmOffice, settingsChangeKilledAt } from './crm-setup.js';

const gateways: Gateway[] = [];
const kiosks: ProtocolKiosk[] = [];
let pgServer: Postgres | undefined;
afterEach(async () => {
  await Promise.all(kiosks.splice(0).map((k) => k.close()));
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await pgServer?.stop();
  pgServer = undefined;
});

/** Two bad presses 2 s apart on `panel`, at 10:00 Moscow on 2026-03-10: the second a repeat under a 5 s lock-out. */
const twoBad = (panel: string): Event[] =>
  [0, 2_000].map((ms, i) => ({
    id: ulid(),
    seq: i + 1,
    panel,
    button: 'bad',
    at: new Date(Date.parse('2026-03-10T07:00:00Z') + ms).toISOString(),
    clockSynced: true,
    bootId: 'boot-1',
    uptimeMs: 10_000 + ms,
    flags: [],
  }));

for (const db of ['sqlite', 'postgres'] as const) {
  it(`on ${db}: a gateway SIGKILLed while judging presses again under new misuse rules carries on at its restart`, async () => {
    const databaseUrl = db === 'postgres' ? await (pgServer = await startPostgres()).newDatabase('lb_rejudge') : undefined;
    const setup = await startGateway({ ...(databaseUrl ? { databaseUrl } : {}), readyTimeoutMs: 60_000 });
    gateways.push(setup);
    // k-door (the office panel) comes before k-msk (the staff panel) in id order: the kill falls between them.
    const staff = await crmOffice(setup);
    const door = await registerKiosk(setup, 'k-door', {
      officeId: 'msk',
      panels: [{ id: 'door', kind: 'office', pins: { good: 5, neutral: 6, bad: 7 } }],
    });
    for (const [kioskId, password, panel] of [
      ['k-msk', staff.password, 'desk'],
      ['k-door', door.password, 'door'],
    ] as const) {
      const kiosk = new ProtocolKiosk({ url: `mqtt://127.0.0.1:${setup.mqttPort}`, kioskId, password });
      kiosks.push(kiosk);
      await kiosk.connect();
      await kiosk.deliver(twoBad(panel));
    }
    const day = '/api/v1/offices/msk/scores?from=2026-03-10&to=2026-03-11';
    const counts = async (gw: Gateway) => {
      const scores = (await gw.api('GET', day)).body.total.scores;
      return { staff: scores.staff.counts, office: scores.office.counts };
    };
    expect(await counts(setup)).toMatchObject({ staff: { bad: 1, excluded: 1 }, office: { bad: 1, excluded: 1 } });
    await Promise.all(kiosks.splice(0).map((k) => k.close()));
    // Armed, it commits a 1 s lock-out, judges k-door's presses again and dies before k-msk's. Restarted,
    // it judges k-msk's under the new rules before the API serves: both repeats count.
    const again = await settingsChangeKilledAt(setup, 'kill-while-rejudging', { misuse: { lockoutMs: 1000 } }, gateways, databaseUrl);
    expect((await again.api('GET', '/api/v1/settings')).body.misuse.lockoutMs).toBe(1000);
    expect(await counts(again)).toMatchObject({ staff: { bad: 2, excluded: 0 }, office: { bad: 2, excluded: 0 } });
  }, 180_000);
}
