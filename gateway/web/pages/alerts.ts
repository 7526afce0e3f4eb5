/**
 * Alerts: the list (open / acknowledged / closed, by office and rule), the rules (list, create, edit,
 * delete — every kind and the statistical mode) and the delivery log (webhooks and emails, attempts, last
 * error, retry: pages/delivery-log.ts, also on the subscriptions page). One tab each (`?tab=`). Paths and
 * field names come from alerts-api.ts.
 */
import { api } from '../api.js';
import { ALERT_STATES, type Alert, alertsApi } from '../alerts-api.js';
import { h } from '../components/dom.js';
import { select } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDateTime, lang, t } from '../i18n.js';
import '../i18n/alerts.js';
import { renderRules } from './alerts-rules.js';
import { renderDeliveryLog } from './delivery-log.js';

const TABS = ['list', 'rules', 'deliveries'] as const;
type Tab = (typeof TABS)[number];

export const alertTitle = (a: Alert) => a.title[lang()] || a.title.en;
export const scopeText = (a: Pick<Alert, 'scope'>) =>
  a.scope.level === 'company' ? t('alerts.company') : `${t(`alerts.level.${a.scope.level}`)} ${a.scope.id ?? ''}`;
export function stateBadge(state: Alert['state']): HTMLElement {
  return h('span', { class: `badge state-${state}`, 'data-state': state }, t(`alerts.state.${state}`));
}

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('alerts.title'));
  const tab: Tab = (TABS as readonly string[]).includes(ctx.query.get('tab') ?? '') ? (ctx.query.get('tab') as Tab) : 'list';
  const nav = h('nav', { class: 'tabs', 'aria-label': t('alerts.title') });
  for (const name of TABS) {
    const a = h('a', { href: `#/alerts?tab=${name}`, 'data-tab': name }, t(`alerts.tab.${name}`));
    if (name === tab) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
  ctx.root.append(nav);
  const section = h('section', { id: `alerts-${tab}` });
  ctx.root.append(section);
  if (tab === 'rules') return renderRules(ctx, section);
  if (tab === 'deliveries') return renderDeliveryLog(ctx, section);
  return renderList(ctx, section);
}

async function renderList(ctx: PageContext, section: HTMLElement): Promise<void> {
  const state = ctx.query.get('state') ?? 'open';
  const office = ctx.query.get('office') ?? '';
  const rule = ctx.query.get('rule') ?? '';
  const [alerts, rules, offices] = await Promise.all([
    alertsApi.list({ state: state || undefined, office: office || undefined, rule: rule || undefined }),
    alertsApi.rules(),
    api.all<{ id: string; name: string; timeZone: string }>('/offices'),
  ]);
  if (ctx.left) return;
  const any = { value: '', label: t('alerts.any') };
  const stateSel = select('state', [any, ...ALERT_STATES.map((s) => ({ value: s, label: t(`alerts.state.${s}`) }))], state);
  const officeSel = select('office', [any, ...offices.map((o) => ({ value: o.id, label: o.name }))], office);
  const ruleSel = select('rule', [any, ...rules.map((r) => ({ value: r.id, label: r.name }))], rule);
  const filters = h(
    'form',
    { class: 'filters', id: 'alert-filters' },
    h('label', {}, `${t('alerts.state')} `, stateSel),
    h('label', {}, `${t('alerts.office')} `, officeSel),
    h('label', {}, `${t('alerts.rule')} `, ruleSel),
  );
  // "Any" state is kept as an explicit empty value so the default (open) does not come back.
  filters.addEventListener('change', () =>
    ctx.navigate({ state: stateSel.value, office: officeSel.value || null, rule: ruleSel.value || null }),
  );
  const zone = (a: Alert) => offices.find((o) => o.id === a.officeIds[0])?.timeZone ?? null;
  section.append(
    filters,
    table<Alert>(
      [
        { label: t('alerts.col.alert'), cell: (a) => h('a', { href: `#/alerts/${encodeURIComponent(a.id)}` }, alertTitle(a)) },
        { label: t('alerts.state'), cell: (a) => stateBadge(a.state) },
        { label: t('alerts.col.severity'), cell: (a) => t(`alerts.severity.${a.severity}`) },
        { label: t('alerts.col.scope'), cell: scopeText },
        { label: t('alerts.rule'), cell: (a) => a.ruleName },
        { label: t('alerts.col.opened'), cell: (a) => fmtDateTime(a.openedAt, zone(a)) },
      ],
      alerts,
      { csvName: 'alerts', id: 'alerts', rowId: (a) => a.id },
    ),
  );
}
