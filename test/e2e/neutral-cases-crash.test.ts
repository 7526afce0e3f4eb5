/**
 * Switching `neutralCountsAsDissatisfied` on makes every stored counted neutral press a case; the CRM's feed
 * takes them a chunk per transaction from a cursor kept in settings (store/organisation.ts feedNeutralCases).
 * A real gateway process with the test-only fault LB_TEST_ONLY_FAULT=kill-while-feeding-neutrals SIGKILLs
 * itself once the first chunk (2 000 presses) has committed; restarted without it, it carries on before it
 * serves, and the CRM's export then holds all 2 500 neutral presses, each once — on SQLite and PostgreSQL.
 */
import { ulid } from 'ulid';
import { afterEach, expect, it } from 'vitest';
import type { Event } from '../../shared/src/index.js';
import { startPostgres, type Postgres } from '../../scripts/lib/postgres.js';
import { type Gateway, startGateway } from '../../scripts/lib/processes.js';
import { ProtocolKiosk } from '../../scripts/protocol-kiosk.js';
import { callAs, crmOffice, mskKey, settingsChangeKilledAt } from './crm-setup.js';

const NEUTRAL = 2500;
const gateways: Gateway[] = [];
const kiosks: ProtocolKiosk[] = [];
let pgServer: Postgres | undefined;
afterEach(async () => {
  await Promise.all(kiosks.splice(0).map((k) => k.close()));
  await Promise.all(gateways.splice(0).map((g) => g.proc.kill()));
  await pgServer?.stop();
  pgServer = undefined;
});

for (const db of ['sqlite', 'postgres'] as const) {
  it(`on ${db}: a gateway SIGKILLed while feeding the CRM the neutral presses that became cases carries on at its restart`, async () => {
    const databaseUrl = db === 'postgres' ? await (pgServer = await startPostgres()).newDatabase('lb_neutral') : undefined;
    const setup = await startGateway({ ...(databaseUrl ? { databaseUrl } : {}), readyTimeoutMs: 60_000 });
    gateways.push(setup);
    const { password } = await crmOffice(setup);
    const crm = await mskKey(setup, 'crm', 'CRM');
    // Neutral presses a minute apart (no misuse rule fires), before neutral counts: no case yet.
    const kiosk = new ProtocolKiosk({ url: `mqtt://127.0.0.1:${setup.mqttPort}`, kioskId: 'k-msk', password });
    kiosks.push(kiosk);
    await kiosk.connect();
    const start = Date.now() - 3 * 86_400_000;
    const bootId = ulid();
    const presses: Event[] = Array.from({ length: NEUTRAL }, (_, i) => ({
      id: ulid(),
      seq: i + 1,
      panel: 'desk',
      button: 'neutral',
      at: new Date(start + i * 60_000).toISOString(),
      clockSynced: true,
      bootId,
      uptimeMs: 1_000 + i * 60_000,
      flags: [],
    }));
    await kiosk.deliver(presses);
    expect((await callAs(setup, crm, 'GET', '/api/v1/cases/export')).body.items).toEqual([]);
    await Promise.all(kiosks.splice(0).map((k) => k.close()));
    // Armed, it dies once the first chunk of the feed has committed, before answering the settings change.
    // Restarted, the setting had committed, and the feed carries on from its cursor before the API serves.
    const again = await settingsChangeKilledAt(
      setup,
      'kill-while-feeding-neutrals',
      { neutralCountsAsDissatisfied: true },
      gateways,
      databaseUrl,
    );
    expect((await again.api('GET', '/api/v1/settings')).body.neutralCountsAsDissatisfied).toBe(true);
    const seen: string[] = [];
    let since = '0';
    for (let more = true; more; ) {
      const page = await callAs(again, crm, 'GET', `/api/v1/cases/export?since=${since}&limit=1000`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c: { id: string }) => c.id));
      ({ next: since, more } = page.body);
    }
    expect(seen).toHaveLength(NEUTRAL);
    expect(new Set(seen)).toEqual(new Set(presses.map((p) => p.id)));
  }, 180_000);
}
