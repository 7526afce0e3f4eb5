/**
 * Who is told, and what was sent: webhook and email subscriptions (/webhooks, /email-subscriptions,
 * admin only) and the delivery log (/deliveries, admin and manager), typed as the gateway answers
 * (gateway/src/routes/api/v1/webhooks.ts, deliveries.ts).
 */
import type { Delivery, DeliveryState } from '../../shared/src/delivery-schema.js';
import { api } from './api.js';

export type EventKind = 'opened' | 'acknowledged' | 'commented' | 'closed' | 'negative-press';
export const EVENT_KINDS: EventKind[] = ['opened', 'acknowledged', 'commented', 'closed', 'negative-press'];
export type Frequency = 'daily' | 'weekly' | 'monthly';
export const FREQUENCIES: Frequency[] = ['daily', 'weekly', 'monthly'];
export type ScopeLevel = 'company' | 'region' | 'office';
export interface SubscriptionScope {
  level: ScopeLevel;
  id: string | null;
}

export interface Webhook {
  id: string;
  url: string;
  scope: SubscriptionScope;
  kinds: EventKind[];
  enabled: boolean;
  createdAt: string;
}
export type WebhookBody = Omit<Webhook, 'id' | 'createdAt'>;

export interface EmailSubscription {
  id: string;
  address: string;
  language: 'en' | 'ru';
  scope: SubscriptionScope;
  kinds: EventKind[];
  reports: Frequency[];
  enabled: boolean;
  createdAt: string;
}
export type EmailBody = Omit<EmailSubscription, 'id' | 'createdAt'>;

export type { Delivery, DeliveryState };
export const DELIVERY_STATES: DeliveryState[] = ['pending', 'delivered', 'failed'];

const enc = encodeURIComponent;
const items = async <T>(path: string) => (await api.get<{ items: T[] }>(path)).items;

export const deliveryApi = {
  webhooks: () => items<Webhook>('/webhooks'),
  /** The answer carries the signing secret: shown once, never again. */
  createWebhook: (body: WebhookBody) => api.post<Webhook & { secret: string }>('/webhooks', body),
  updateWebhook: (id: string, body: WebhookBody) => api.put<Webhook>(`/webhooks/${enc(id)}`, body),
  rotateSecret: (id: string) => api.post<Webhook & { secret: string }>(`/webhooks/${enc(id)}/rotate`, {}),
  deleteWebhook: (id: string) => api.delete<void>(`/webhooks/${enc(id)}`),
  emails: () => items<EmailSubscription>('/email-subscriptions'),
  createEmail: (body: EmailBody) => api.post<EmailSubscription>('/email-subscriptions', body),
  updateEmail: (id: string, body: EmailBody) => api.put<EmailSubscription>(`/email-subscriptions/${enc(id)}`, body),
  deleteEmail: (id: string) => api.delete<void>(`/email-subscriptions/${enc(id)}`),
  /** One page of the log, newest first; `nextBefore` asks for the next (older) one. */
  deliveries: (q: { state?: string; subscription?: string; before?: number; limit?: number }) =>
    api.get<{ items: Delivery[]; nextBefore: number | null }>('/deliveries', { limit: 100, ...q }),
  retry: (id: number) => api.post<Delivery>(`/deliveries/${id}/retry`, {}),
};
