/**
 * Fan-out's decision: which subscriptions hear of which alert event, and what each is sent. Pure (the
 * store runs it inside the transaction that marks the events fanned out).
 */
import { alertMail, type AlertPayload } from '../domain/report-render.js';
import type { AlertEventRow, NewDelivery, Subscription } from '../store/deliveries.js';
import { NEGATIVE_PRESS } from '../store/negative-feed.js';

/** The webhook body: `{id, type, createdAt, data}`; `id` is the alert event's, the same for every subscriber. */
export interface WebhookBody {
  id: string;
  type: string;
  createdAt: string;
  data: unknown;
}

/** Whether a subscription's scope covers an event's offices ([] = a company-wide event: company scope only). */
export function inScope(sub: Subscription, officeIds: readonly string[], regionOffices: ReadonlyMap<string, readonly string[]>): boolean {
  if (sub.scope.level === 'company') return true;
  const mine = sub.scope.level === 'office' ? [sub.scope.id] : (regionOffices.get(sub.scope.id ?? '') ?? []);
  return officeIds.some((o) => mine.includes(o));
}

export function planDeliveries(
  events: readonly AlertEventRow[],
  subs: readonly Subscription[],
  regionOffices: ReadonlyMap<string, readonly string[]>,
  /** LB_PUBLIC_URL: mail links are absolute with it (none without). */
  publicUrl?: string,
): NewDelivery[] {
  const out: NewDelivery[] = [];
  for (const e of events) {
    for (const s of subs) {
      if (!s.enabled || !s.kinds.includes(e.kind) || !inScope(s, e.officeIds, regionOffices)) continue;
      if (e.kind === NEGATIVE_PRESS) {
        // Webhooks only (a CRM's); keyed by the press, so a press relayed twice is delivered once.
        if (s.channel !== 'webhook') continue;
        const body: WebhookBody = { id: e.alertId, type: 'press.negative', createdAt: e.at, data: e.payload };
        out.push({
          idemKey: `${e.alertId}:${s.id}`,
          subscriptionId: s.id,
          channel: s.channel,
          target: s.target,
          officeIds: e.officeIds,
          payload: JSON.stringify(body),
        });
        continue;
      }
      const payload =
        s.channel === 'webhook'
          ? JSON.stringify({ id: String(e.id), type: `alert.${e.kind}`, createdAt: e.at, data: e.payload } satisfies WebhookBody)
          : JSON.stringify(alertMail(e.kind, e.payload as AlertPayload, s.language, publicUrl));
      out.push({ idemKey: `${e.id}:${s.id}`, subscriptionId: s.id, channel: s.channel, target: s.target, officeIds: e.officeIds, payload });
    }
  }
  return out;
}
