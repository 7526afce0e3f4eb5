/**
 * alert_events rows as the alerts part writes them (contract: brief of issue 15, migration 7 / PG 5):
 * delivery's tests insert them directly, as the alerts part would in its own transactions.
 */
import type { FastifyInstance } from 'fastify';
import { run } from '../../../gateway/src/store/sql.js';
import type { SqlStore } from '../../../gateway/src/store/sql-store.js';

export interface AlertEventInput {
  alertId?: string;
  kind?: 'opened' | 'acknowledged' | 'commented' | 'closed';
  officeIds?: string[];
  title?: string;
  comment?: { by: string; text: string };
}

let n = 0;

export function alertEventRow(e: AlertEventInput = {}): unknown[] {
  const alertId = e.alertId ?? `alert-${++n}`;
  const officeIds = e.officeIds ?? ['msk'];
  const at = new Date().toISOString();
  const payload = {
    alert: {
      id: alertId,
      ruleId: 'rule-1',
      ruleName: 'Bad share',
      scope: { level: 'office', id: officeIds[0] ?? null },
      officeIds,
      severity: 'negative',
      state: e.kind === 'closed' ? 'closed' : 'open',
      openedAt: at,
      title: { en: e.title ?? 'Bad share above 40 %', ru: 'Доля плохих оценок выше 40 %' },
      evidence: { n: 25, share: 0.48 },
      url: `/#/alerts/${alertId}`,
    },
    ...(e.comment ? { comment: e.comment } : {}),
  };
  return [alertId, 'rule-1', e.kind ?? 'opened', at, null, JSON.stringify(officeIds), JSON.stringify(payload)];
}

export const INSERT_ALERT_EVENT =
  'INSERT INTO alert_events (alert_id, rule_id, kind, at, actor, office_ids, payload) VALUES (?, ?, ?, ?, ?, ?, ?)';

/** Inserts one alert event into the gateway's own database; returns its alert id. */
export async function insertAlertEvent(app: FastifyInstance, e: AlertEventInput = {}): Promise<string> {
  const row = alertEventRow(e);
  await (app.gateway.store as SqlStore).driver.query(() => run(INSERT_ALERT_EVENT, ...row));
  return row[0] as string;
}
