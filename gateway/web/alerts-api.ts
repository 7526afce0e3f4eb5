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
  cusum?: number | { value: number; limit: number };
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
  index?: 'ink-staff' | 'ink-office' | 'csat';
  button?: 'good' | 'neutral' | 'bad';
  /** kiosk-health: the health rule (offline, board-disconnected, backlog-growing, clock-unsynced). */
  healthRule?: string;
  /** How long the condition must hold (index-threshold, kiosk-health). */
  durationMinutes?: number;
  /** Statistical mode: a one-sided test or a CUSUM at this confidence, never below the minimum sample (share rules). */
  test?: 'binomial' | 'cusum';
  confidence?: number;
  minSample?: number;
  autoCloseMinutes?: number;
  enabled?: boolean;
}
export type RuleBody = Omit<AlertRule, 'id'>;

export interface AlertEvent {
  id: number;
  alertId: string;
  kind: AlertHistoryItem['kind'];
  at: string;
  alert: Alert;
}

/**
 * The page's rule form speaks in its own words; the gateway's /alert-rules in the alerts engine's
 * (gateway/src/routes/api/v1/alert-rules.ts). The two mappings below are the only place they meet.
 */
const KIND_TO_API = { 'bad-share': 'share', 'index-threshold': 'index', 'button-count': 'count', 'kiosk-health': 'fleet' } as const;
type ApiKind = (typeof KIND_TO_API)[RuleKind];
interface ApiRule {
  id: string;
  name: string;
  kind: ApiKind;
  scope: { level: Scope['level'] | 'region'; id?: string };
  mode: 'threshold' | 'statistical';
  enabled: boolean;
  windowMinutes?: number;
  threshold?: number;
  direction?: 'negative' | 'positive';
  includeNeutral?: boolean;
  index?: AlertRule['index'];
  comparison?: 'above' | 'below';
  durationMinutes?: number;
  button?: AlertRule['button'];
  condition?: string;
  forMinutes?: number;
  statistic?: 'test' | 'cusum';
  confidence?: number;
  minSample?: number;
  autoCloseAfterMinutes?: number;
}

export function ruleToApi(b: RuleBody): Omit<ApiRule, 'id' | 'enabled'> & { enabled?: boolean } {
  const kind = KIND_TO_API[b.kind];
  const out: Omit<ApiRule, 'id' | 'enabled'> & { enabled?: boolean } = {
    name: b.name,
    kind,
    scope: b.scope.id ? { level: b.scope.level, id: b.scope.id } : { level: b.scope.level },
    mode: b.mode === 'statistical' ? 'statistical' : 'threshold',
  };
  if (b.enabled !== undefined) out.enabled = b.enabled;
  if (kind !== 'fleet') out.windowMinutes = b.windowMinutes;
  if (b.threshold != null) out.threshold = b.threshold;
  if (kind === 'share') {
    out.direction = b.direction;
    if (b.includeNeutral !== undefined) out.includeNeutral = b.includeNeutral;
  }
  if (kind === 'index') {
    out.index = b.index ?? 'ink-staff';
    // ИНК counts the dissatisfied (higher is worse), CSAT the satisfied (lower is worse).
    out.comparison = (out.index === 'csat') === (b.direction !== 'positive') ? 'below' : 'above';
    out.durationMinutes = b.durationMinutes;
  }
  if (kind === 'count') out.button = b.button;
  if (kind === 'fleet') {
    out.condition = b.healthRule;
    out.forMinutes = b.durationMinutes;
  }
  if (out.mode === 'statistical' && b.confidence !== undefined) out.confidence = b.confidence;
  if (out.mode === 'statistical' && b.test === 'cusum') out.statistic = 'cusum';
  if (b.minSample !== undefined) out.minSample = b.minSample;
  if (b.autoCloseMinutes !== undefined) out.autoCloseAfterMinutes = b.autoCloseMinutes;
  return out;
}

export function ruleFromApi(r: ApiRule): AlertRule {
  const kind = (Object.keys(KIND_TO_API) as RuleKind[]).find((k) => KIND_TO_API[k] === r.kind) ?? 'bad-share';
  const positive = r.kind === 'index' ? (r.index === 'csat') === (r.comparison === 'above') : r.direction === 'positive';
  return {
    id: r.id,
    name: r.name,
    kind,
    scope: { level: r.scope.level as Scope['level'], id: r.scope.id ?? null },
    direction: positive ? 'positive' : 'negative',
    mode: r.mode === 'statistical' ? 'statistical' : 'fixed',
    windowMinutes: r.windowMinutes ?? 60,
    threshold: r.threshold ?? null,
    ...(r.includeNeutral !== undefined ? { includeNeutral: r.includeNeutral } : {}),
    ...(r.index ? { index: r.index } : {}),
    ...(r.button ? { button: r.button } : {}),
    ...(r.condition ? { healthRule: r.condition } : {}),
    ...(r.durationMinutes !== undefined || r.forMinutes !== undefined ? { durationMinutes: r.durationMinutes ?? r.forMinutes } : {}),
    ...(r.mode === 'statistical' ? { test: r.statistic === 'cusum' ? ('cusum' as const) : ('binomial' as const) } : {}),
    ...(r.confidence !== undefined ? { confidence: r.confidence } : {}),
    ...(r.minSample !== undefined ? { minSample: r.minSample } : {}),
    ...(r.autoCloseAfterMinutes !== undefined ? { autoCloseMinutes: r.autoCloseAfterMinutes } : {}),
    enabled: r.enabled,
  };
}

const enc = encodeURIComponent;
export const alertsApi = {
  list: (q: { state?: string; office?: string; rule?: string }) => api.all<Alert>('/alerts', q),
  get: (id: string) => api.get<AlertDetail>(`/alerts/${enc(id)}`),
  acknowledge: (id: string) => api.post<Alert>(`/alerts/${enc(id)}/acknowledge`, {}),
  comment: (id: string, text: string) => api.post<unknown>(`/alerts/${enc(id)}/comments`, { text }),
  close: (id: string, comment?: string) => api.post<Alert>(`/alerts/${enc(id)}/close`, comment ? { comment } : {}),
  rules: async () => (await api.all<ApiRule>('/alert-rules')).map(ruleFromApi),
  createRule: async (body: RuleBody) => ruleFromApi(await api.post<ApiRule>('/alert-rules', ruleToApi(body))),
  updateRule: async (id: string, body: RuleBody) => ruleFromApi(await api.put<ApiRule>(`/alert-rules/${enc(id)}`, ruleToApi(body))),
  deleteRule: (id: string) => api.delete<void>(`/alert-rules/${enc(id)}`),
  /** The notifications feed; the gateway nests the alert in `payload` (as webhooks carry it). */
  events: async (after: number): Promise<{ items: AlertEvent[] }> => {
    const page = await api.get<{ items: Array<Omit<AlertEvent, 'alert'> & { payload: { alert: Alert } }> }>('/alert-events', { after });
    return { items: page.items.map(({ payload, ...e }) => ({ ...e, alert: payload.alert })) };
  },
};
