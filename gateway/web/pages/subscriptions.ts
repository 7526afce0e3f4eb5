/**
 * Who is told of alerts and sent reports, and what was sent: webhooks (URL, scope, alert events; the
 * signing secret shown once, at creation and on "new secret"), email subscriptions (address, language,
 * scope, daily/weekly/monthly reports, alert events) — listed, created, edited (`?edit=<id>`) and deleted
 * — and the delivery log. Webhooks and email are the admin's (as the API allows); a manager gets the log
 * of its offices. One tab each (`?tab=`).
 */
import { api } from '../api.js';
import { h } from '../components/dom.js';
import { actionButton, field, input, onSubmit, select, showErrors } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import {
  type EmailBody,
  type EmailSubscription,
  EVENT_KINDS,
  FREQUENCIES,
  type SubscriptionScope,
  type Webhook,
  type WebhookBody,
  deliveryApi,
} from '../delivery-api.js';
import { fmtDateTime, t } from '../i18n.js';
import '../i18n/subscriptions.js';
import { renderDeliveryLog } from './delivery-log.js';

const TABS = ['webhooks', 'email', 'deliveries'] as const;
type Tab = (typeof TABS)[number];

interface Named {
  id: string;
  name: string;
}
interface Org {
  regions: Named[];
  offices: Named[];
}

/** A secret just issued: shown on the next draw of the webhooks tab, then forgotten. */
let issued: { url: string; secret: string } | undefined;

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('subs.title'));
  const admin = ctx.session?.role === 'admin';
  const tabs: readonly Tab[] = admin ? TABS : ['deliveries'];
  const asked = ctx.query.get('tab') as Tab | null;
  const tab: Tab = asked && tabs.includes(asked) ? asked : tabs[0]!;
  const nav = h('nav', { class: 'tabs', 'aria-label': t('subs.title') });
  for (const name of tabs) {
    const a = h('a', { href: `#/subscriptions?tab=${name}`, 'data-tab': name }, t(`subs.tab.${name}`));
    if (name === tab) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
  ctx.root.append(nav);
  if (!admin) ctx.root.append(h('p', { class: 'muted' }, t('subs.adminOnly')));
  const section = h('section', { id: `subs-${tab}` });
  ctx.root.append(section);
  if (tab === 'deliveries') return renderDeliveryLog(ctx, section);
  const [regions, offices] = await Promise.all([api.all<Named>('/regions'), api.all<Named>('/offices')]);
  if (ctx.left) return;
  const org = { regions, offices };
  if (tab === 'webhooks') return renderWebhooks(ctx, section, org);
  return renderEmail(ctx, section, org);
}

const scopeText = (org: Org, s: SubscriptionScope) => {
  if (s.level === 'company') return t('subs.level.company');
  const list = s.level === 'region' ? org.regions : org.offices;
  return `${t(`subs.level.${s.level}`)}: ${list.find((x) => x.id === s.id)?.name ?? s.id}`;
};
const kindsText = (kinds: string[]) => (kinds.length ? kinds.map((k) => t(`subs.kind.${k}`)).join(', ') : '—');
const enabledText = (on: boolean) => h('span', { 'data-figure': 'enabled', 'data-value': String(on) }, t(on ? 'subs.on' : 'subs.off'));

/** A row's edit link, its deliveries, and a delete (and for a webhook, a new secret). */
function rowActions(
  ctx: PageContext,
  tab: Tab,
  id: string,
  remove: () => Promise<void>,
  extra?: (wrap: HTMLElement) => HTMLElement,
): HTMLElement {
  const wrap = h(
    'span',
    { class: 'row-actions' },
    h('a', { href: `#/subscriptions?tab=${tab}&edit=${encodeURIComponent(id)}`, class: 'edit' }, t('subs.edit')),
    h('a', { href: `#/subscriptions?tab=deliveries&subscription=${encodeURIComponent(id)}`, class: 'log' }, t('subs.log')),
  );
  if (extra) wrap.append(extra(wrap));
  wrap.append(
    actionButton(
      t('subs.delete'),
      async () => {
        await remove();
        ctx.navigate({ edit: null, r: String(Date.now()) });
      },
      (err) => showErrors(wrap, err),
      { class: 'delete' },
    ),
  );
  return wrap;
}

/** Checkboxes for a list field (`kinds`, `reports`); the API's message about it goes under them. */
function checks(name: string, legend: string, options: { value: string; label: string }[], chosen: readonly string[]) {
  const boxes = options.map((o) => {
    const box = h('input', { type: 'checkbox', name, value: o.value, id: `f-${name}-${o.value}` });
    box.checked = chosen.includes(o.value);
    return { box, el: h('label', { for: box.id }, box, ' ', o.label) };
  });
  const el = h(
    'fieldset',
    { class: 'field checks', 'data-field': name, id: `f-${name}` },
    h('legend', {}, legend),
    ...boxes.map((b) => b.el),
    h('span', { class: 'field-error', role: 'alert', hidden: true }),
  );
  return { el, values: () => boxes.filter((b) => b.box.checked).map((b) => b.box.value) };
}

/** Scope: company, a region or an office, the region/office chosen by name. */
function scopePicker(org: Org, scope: SubscriptionScope | undefined) {
  const level = select(
    'level',
    (['company', 'region', 'office'] as const).map((l) => ({ value: l, label: t(`subs.level.${l}`) })),
    scope?.level ?? 'office',
  );
  const id = select('scopeId', []);
  const idField = field(t('subs.scopeId'), id);
  idField.dataset.field = 'scope.id';
  const fill = () => {
    const list = level.value === 'region' ? org.regions : level.value === 'office' ? org.offices : [];
    id.replaceChildren(...list.map((x) => h('option', { value: x.id }, `${x.name} (${x.id})`)));
    if (scope?.id && list.some((x) => x.id === scope.id)) id.value = scope.id;
    idField.hidden = level.value === 'company';
  };
  level.addEventListener('change', fill);
  fill();
  return {
    fields: [field(t('subs.scope'), level), idField],
    value: (): SubscriptionScope =>
      level.value === 'company'
        ? { level: 'company', id: null }
        : { level: level.value as SubscriptionScope['level'], id: id.value || null },
  };
}

async function renderWebhooks(ctx: PageContext, section: HTMLElement, org: Org): Promise<void> {
  const hooks = await deliveryApi.webhooks();
  if (ctx.left) return;
  const secretBox = h('div', { id: 'webhook-secret', class: 'secret', role: 'status', hidden: true });
  const showSecret = (url: string, secret: string) => {
    secretBox.replaceChildren(
      h('p', {}, t('webhooks.secret', { url })),
      h('code', { class: 'secret-value' }, secret),
      h('p', { class: 'muted' }, t('webhooks.secretHint')),
    );
    secretBox.hidden = false;
  };
  if (issued) showSecret(issued.url, issued.secret);
  issued = undefined;
  const editing = hooks.find((w) => w.id === ctx.query.get('edit'));
  section.append(
    secretBox,
    table<Webhook>(
      [
        { label: t('webhooks.url'), cell: (w) => h('span', { class: 'target' }, w.url) },
        { label: t('subs.scope'), cell: (w) => scopeText(org, w.scope) },
        { label: t('subs.kinds'), cell: (w) => kindsText(w.kinds) },
        { label: t('subs.enabled'), cell: (w) => enabledText(w.enabled) },
        { label: t('subs.created'), cell: (w) => fmtDateTime(w.createdAt) },
        {
          label: '',
          cell: (w) =>
            rowActions(
              ctx,
              'webhooks',
              w.id,
              () => deliveryApi.deleteWebhook(w.id),
              (wrap) =>
                actionButton(
                  t('webhooks.rotate'),
                  async () => {
                    const rotated = await deliveryApi.rotateSecret(w.id);
                    showSecret(rotated.url, rotated.secret);
                  },
                  (err) => showErrors(wrap, err),
                  { class: 'rotate' },
                ),
            ),
        },
      ],
      hooks,
      { csvName: 'webhooks', id: 'webhooks', rowId: (w) => w.id },
    ),
    webhookForm(ctx, org, editing),
  );
}

function webhookForm(ctx: PageContext, org: Org, hook: Webhook | undefined): HTMLElement {
  const url = input('url', { type: 'url', required: true, maxlength: 2000, value: hook?.url ?? '', placeholder: 'https://' });
  const scope = scopePicker(org, hook?.scope);
  const kinds = checks(
    'kinds',
    t('subs.kinds'),
    EVENT_KINDS.map((k) => ({ value: k, label: t(`subs.kind.${k}`) })),
    hook?.kinds ?? ['opened', 'closed'],
  );
  const enabled = input('enabled', { type: 'checkbox' });
  enabled.checked = hook?.enabled ?? true;
  const form = h(
    'form',
    { id: 'webhook-form', class: 'entry', novalidate: true },
    h('h2', {}, hook ? t('webhooks.editing', { url: hook.url }) : t('webhooks.new')),
    field(t('webhooks.url'), url),
    ...scope.fields,
    kinds.el,
    field(t('subs.enabled'), enabled),
    h('button', { type: 'submit' }, t('subs.save')),
    hook ? h('a', { href: '#/subscriptions?tab=webhooks', class: 'cancel' }, t('subs.cancel')) : null,
  );
  onSubmit(form, async () => {
    const body: WebhookBody = {
      url: url.value.trim(),
      scope: scope.value(),
      kinds: kinds.values() as WebhookBody['kinds'],
      enabled: enabled.checked,
    };
    if (hook) await deliveryApi.updateWebhook(hook.id, body);
    else {
      const created = await deliveryApi.createWebhook(body);
      issued = { url: created.url, secret: created.secret };
    }
    ctx.navigate({ edit: null, r: String(Date.now()) });
  });
  return form;
}

async function renderEmail(ctx: PageContext, section: HTMLElement, org: Org): Promise<void> {
  const subs = await deliveryApi.emails();
  if (ctx.left) return;
  const editing = subs.find((s) => s.id === ctx.query.get('edit'));
  section.append(
    table<EmailSubscription>(
      [
        { label: t('email.address'), cell: (s) => h('span', { class: 'target' }, s.address) },
        { label: t('email.language'), cell: (s) => t(`email.language.${s.language}`) },
        { label: t('subs.scope'), cell: (s) => scopeText(org, s.scope) },
        {
          label: t('email.reports'),
          cell: (s) =>
            h(
              'span',
              { 'data-figure': 'reports', 'data-value': s.reports.join(',') },
              s.reports.map((f) => t(`email.report.${f}`)).join(', ') || '—',
            ),
        },
        { label: t('subs.kinds'), cell: (s) => kindsText(s.kinds) },
        { label: t('subs.enabled'), cell: (s) => enabledText(s.enabled) },
        { label: t('subs.created'), cell: (s) => fmtDateTime(s.createdAt) },
        { label: '', cell: (s) => rowActions(ctx, 'email', s.id, () => deliveryApi.deleteEmail(s.id)) },
      ],
      subs,
      { csvName: 'email-subscriptions', id: 'email-subscriptions', rowId: (s) => s.id },
    ),
    emailForm(ctx, org, editing),
  );
}

function emailForm(ctx: PageContext, org: Org, sub: EmailSubscription | undefined): HTMLElement {
  const address = input('address', { type: 'email', required: true, maxlength: 254, value: sub?.address ?? '' });
  const language = select(
    'language',
    (['ru', 'en'] as const).map((l) => ({ value: l, label: t(`email.language.${l}`) })),
    sub?.language ?? 'ru',
  );
  const scope = scopePicker(org, sub?.scope);
  const reports = checks(
    'reports',
    t('email.reports'),
    FREQUENCIES.map((f) => ({ value: f, label: t(`email.report.${f}`) })),
    sub?.reports ?? ['weekly'],
  );
  // Negative presses go to webhooks only (a CRM's): an email subscription is not offered them.
  const kinds = checks(
    'kinds',
    t('subs.kinds'),
    EVENT_KINDS.filter((k) => k !== 'negative-press').map((k) => ({ value: k, label: t(`subs.kind.${k}`) })),
    sub?.kinds ?? [],
  );
  const enabled = input('enabled', { type: 'checkbox' });
  enabled.checked = sub?.enabled ?? true;
  const form = h(
    'form',
    { id: 'email-form', class: 'entry', novalidate: true },
    h('h2', {}, sub ? t('email.editing', { address: sub.address }) : t('email.new')),
    field(t('email.address'), address),
    field(t('email.language'), language),
    ...scope.fields,
    reports.el,
    kinds.el,
    field(t('subs.enabled'), enabled),
    h('button', { type: 'submit' }, t('subs.save')),
    sub ? h('a', { href: '#/subscriptions?tab=email', class: 'cancel' }, t('subs.cancel')) : null,
  );
  onSubmit(form, async () => {
    const body: EmailBody = {
      address: address.value.trim(),
      language: language.value as EmailBody['language'],
      scope: scope.value(),
      reports: reports.values() as EmailBody['reports'],
      kinds: kinds.values() as EmailBody['kinds'],
      enabled: enabled.checked,
    };
    if (sub) await deliveryApi.updateEmail(sub.id, body);
    else await deliveryApi.createEmail(body);
    ctx.navigate({ edit: null, r: String(Date.now()) });
  });
  return form;
}
