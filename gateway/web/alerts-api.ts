/**
 * The alerts API as the console uses it — paths, field names and the rule form's mapping in this one
 * module, written to the issue-15 contract before the alerts and delivery parts were merged, so the
 * names can be adjusted here at merge without touching the pages.
 */
import { api } from './api.js';

export type AlertState = 'open' | 'acknowledged' | 'closed';
export const ALERT_STATES: AlertState[] = ['open', 'acknowledged', 'closed'];
export type Severity = 'negative' | 'positive' | 'fleet';
export interface Scope {
  level: 'company' | 'office' | 'desk' | 'employee' | 'kiosk';
  id: string | null;
}
/** Evidence as the rule found it; the statistical mode adds baseline and p (one-sided test) or cusum. */
export interface Evidence {
  n?: number;
  share?: number;
  baseline?: number;
  p?: number;
  cusum?: number;
  threshold?: number;
  value?: number;
  count?: number;
  windowMinutes?: number;
  [key: string]: unknown;
}
export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  scope: Scope;
  officeIds: string[];
  severity: Severity;
  state: AlertState;
  openedAt: string;
  acknowledgedAt?: string | null;
  acknowledgedBy?: string | null;
  closedAt?: string | null;
  title: { en: string; ru: string };
  evidence: Evidence;
}
export interface AlertComment {
  by: string;
  text: string;
  at: string;
}
export interface AlertHistoryItem {
  id: number;
  kind: 'opened' | 'acknowledged' | 'commented' | 'closed';
  at: string;
  actor: string | null;
  payload?: { comment?: { by: string; text: string }; alert?: Partial<Alert> };
}
export interface AlertDetail extends Alert {
  comments: AlertComment[];
  history: AlertHistoryItem[];
}

export type RuleKind = 'bad-share' | 'index-threshold' | 'button-count' | 'kiosk-health';
export const RULE_KINDS: RuleKind[] = ['bad-share', 'index-threshold', 'button-count', 'kiosk-health'];
export type RuleMode = 'fixed' | 'statistical';
export interface AlertRule {
  id: string;
  name: string;
  kind: RuleKind;
  scope: Scope;
  /** negative: worse than the threshold/baseline; positive: better (praise). */
  direction: 'negative' | 'positive';
  mode: RuleMode;
  windowMinutes: number;
  /** bad-share: share 0…1; index-threshold: the index value; button-count: the count. */
  threshold?: number | null;
  includeNeutral?: boolean;
  index?: 'ink' | 'iel' | 'csat';
  button?: 'good' | 'neutral' | 'bad';
  /** kiosk-health: the health rule (offline, board-disconnected, backlog-growing, clock-unsynced). */
  healthRule?: string;
  /** How long the condition must hold (index-threshold, kiosk-health). */
  durationMinutes?: number;
  /** Statistical mode: one-sided test or CUSUM at this confidence, never below the minimum sample. */
  test?: 'binomial' | 'cusum';
  confidence?: number;
  minSample?: number;
  autoCloseMinutes?: number;
  enabled?: boolean;
}
export type RuleBody = Omit<AlertRule, 'id'>;

export interface Delivery {
  id: string;
  channel: 'webhook' | 'email';
  target: string;
  alertId: string | null;
  eventId: number | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}
export interface AlertEvent {
  id: number;
  alertId: string;
  kind: AlertHistoryItem['kind'];
  at: string;
  alert: Alert;
}

const enc = encodeURIComponent;
export const alertsApi = {
  list: (q: { state?: string; office?: string; rule?: string }) => api.all<Alert>('/alerts', q),
  get: (id: string) => api.get<AlertDetail>(`/alerts/${enc(id)}`),
  acknowledge: (id: string) => api.post<Alert>(`/alerts/${enc(id)}/acknowledge`, {}),
  comment: (id: string, text: string) => api.post<unknown>(`/alerts/${enc(id)}/comments`, { text }),
  close: (id: string, comment?: string) => api.post<Alert>(`/alerts/${enc(id)}/close`, comment ? { comment } : {}),
  rules: () => api.all<AlertRule>('/alert-rules'),
  createRule: (body: RuleBody) => api.post<AlertRule>('/alert-rules', body),
  updateRule: (id: string, body: RuleBody) => api.put<AlertRule>(`/alert-rules/${enc(id)}`, body),
  deleteRule: (id: string) => api.delete<void>(`/alert-rules/${enc(id)}`),
  events: (after: number) => api.get<{ items: AlertEvent[] }>('/alert-events', { after }),
  deliveries: () => api.all<Delivery>('/deliveries'),
  retry: (id: string) => api.post<Delivery>(`/deliveries/${enc(id)}/retry`, {}),
};
