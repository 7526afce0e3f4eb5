/**
 * Alert event → webhook received: the real gateway process (SQLite, default settings: fan-out polled every
 * 50 ms, sender woken right after fan-out) and a local HTTP receiver that verifies each signature. The
 * clock starts when an alert_events row is committed to the gateway's database from this process (as the
 * alerts part commits it in its own transaction) and stops when the receiver has the signed POST. One event
 * at a time. Leaves out press → alert (the alerts part's evaluation), which the lead adds at merge for the
 * issue's whole-path target (bad press → webhook p99 ≤ 2 s).
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../gateway/src/store/sqlite.js';
import { startGateway } from '../scripts/lib/processes.js';
import { startWebhookReceiver } from '../scripts/lib/webhook-receiver.js';
import { fmt, percentile, type BenchResult } from './stats.js';

const INSERT = 'INSERT INTO alert_events (alert_id, rule_id, kind, at, actor, office_ids, payload) VALUES (?, ?, ?, ?, NULL, ?, ?)';

export async function benchWebhook(events = 200): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const receiver = await startWebhookReceiver();
  const db = openDatabase(path.join(gw.dataDir, 'gateway.db'));
  try {
    await gw.api('POST', '/api/v1/offices', { id: 'bench', name: 'Bench', timeZone: 'UTC' });
    const sub = await gw.api('POST', '/api/v1/webhooks', { url: receiver.url, scope: { level: 'office', id: 'bench' }, kinds: ['opened'] });
    if (sub.status !== 201) throw new Error(`webhook: ${sub.status} ${JSON.stringify(sub.body)}`);
    receiver.secret = sub.body.secret;
    const insert = db.prepare(INSERT);
    const ms: number[] = [];
    let bad = 0;
    for (let i = 0; i < events; i++) {
      const alertId = `bench-${i}`;
      const payload = JSON.stringify({ alert: { id: alertId, title: { en: 'bench', ru: 'bench' }, officeIds: ['bench'] } });
      const got = receiver.waitFor((r) => (r.body.data as { alert?: { id?: string } })?.alert?.id === alertId, alertId, 10_000);
      const t0 = performance.now();
      insert.run(alertId, 'bench-rule', 'opened', new Date().toISOString(), '["bench"]', payload);
      const r = await got;
      ms.push(performance.now() - t0);
      if (!r.signatureValid) bad++;
      await sleep(Math.random() * 50); // events do not arrive in step with the fan-out's poll
    }
    ms.sort((a, b) => a - b);
    const p99 = percentile(ms, 99);
    const dupes = [...receiver.acceptedPerKey().values()].filter((n) => n > 1).length;
    return {
      name: 'alert event → webhook received (real gateway, SQLite, local receiver)',
      figures: {
        events,
        'p50 / p99 / max ms': `${fmt(percentile(ms, 50), 1)} / ${fmt(p99, 1)} / ${fmt(ms.at(-1)!, 1)}`,
        'bad signatures / duplicate keys': `${bad} / ${dupes}`,
        includes:
          'commit of the alert_events row → fan-out poll (50 ms) → delivery row → claim → signed POST → receiver; not press → alert',
      },
      target: 'p99 ≤ 2000 ms for press → webhook (this part ≤ 1000 ms)',
      pass: p99 <= 1000 && bad === 0 && dupes === 0,
    };
  } finally {
    db.close();
    await receiver.close();
    await gw.proc.kill('SIGTERM');
  }
}
