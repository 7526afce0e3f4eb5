/**
 * The delivery log (GET /deliveries): every webhook and email sent, newest first, with its state,
 * attempts and last error, filtered by state and subscription (`?state=` `?subscription=`), a page of
 * 100 at a time (`?before=`), and a retry for a delivered or failed one. Shown on the subscriptions
 * page and the alerts page alike; a manager sees the deliveries of its offices (the API decides).
 */
import { h } from '../components/dom.js';
import { actionButton, select, showErrors } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { DELIVERY_STATES, type Delivery, deliveryApi } from '../delivery-api.js';
import { fmtDateTime, fmtNumber, t } from '../i18n.js';
import '../i18n/subscriptions.js';

export async function renderDeliveryLog(ctx: PageContext, section: HTMLElement): Promise<void> {
  const state = ctx.query.get('state') ?? '';
  const subscription = ctx.query.get('subscription') ?? '';
  const before = Number(ctx.query.get('before')) || undefined;
  const page = await deliveryApi.deliveries({ state: state || undefined, subscription: subscription || undefined, before });
  if (ctx.left) return;
  const stateSel = select(
    'state',
    [{ value: '', label: t('deliveries.any') }, ...DELIVERY_STATES.map((s) => ({ value: s, label: t(`deliveries.state.${s}`) }))],
    state,
  );
  const filters = h('form', { class: 'filters', id: 'delivery-filters' }, h('label', {}, `${t('deliveries.state')} `, stateSel));
  filters.addEventListener('change', () => ctx.navigate({ state: stateSel.value || null, before: null }));
  if (subscription)
    filters.append(
      h(
        'span',
        { id: 'delivery-subscription' },
        `${t('deliveries.subscription', { id: subscription })} · `,
        h('button', { type: 'button', onclick: () => ctx.navigate({ subscription: null, before: null }) }, t('deliveries.all')),
      ),
    );
  const stateBadge = (d: Delivery) =>
    h(
      'span',
      { class: `badge ${d.state === 'delivered' ? 'ok' : d.state === 'failed' ? 'down' : ''}`, 'data-state': d.state },
      t(`deliveries.state.${d.state}`),
    );
  const more = h('p', { class: 'pager' });
  if (before) more.append(h('button', { type: 'button', onclick: () => ctx.navigate({ before: null }) }, t('deliveries.newest')), ' ');
  if (page.nextBefore !== null)
    more.append(
      h(
        'button',
        { type: 'button', id: 'deliveries-older', onclick: () => ctx.navigate({ before: String(page.nextBefore) }) },
        t('deliveries.older'),
      ),
    );
  section.append(
    filters,
    table<Delivery>(
      [
        { label: t('deliveries.created'), cell: (d) => fmtDateTime(d.createdAt) },
        { label: t('deliveries.channel'), cell: (d) => t(`deliveries.channel.${d.channel}`) },
        { label: t('deliveries.target'), cell: (d) => h('span', { class: 'target' }, d.target) },
        { label: t('deliveries.key'), cell: (d) => h('code', {}, d.idemKey) },
        { label: t('deliveries.state'), cell: stateBadge },
        { label: t('deliveries.attempts'), numeric: true, cell: (d) => h('span', { 'data-figure': 'attempts' }, fmtNumber(d.attempts)) },
        { label: t('deliveries.lastError'), cell: (d) => h('span', { 'data-figure': 'lastError' }, d.lastError ?? '—') },
        {
          label: t('deliveries.next'),
          cell: (d) =>
            d.state === 'pending' ? (d.nextAttemptAt ? fmtDateTime(d.nextAttemptAt) : '—') : d.doneAt ? fmtDateTime(d.doneAt) : '—',
        },
        {
          label: '',
          cell: (d) => {
            if (d.state === 'pending') return '';
            const wrap = h('span', { class: 'row-actions' });
            wrap.append(
              actionButton(
                t('deliveries.retry'),
                async () => {
                  await deliveryApi.retry(d.id);
                  ctx.navigate({ r: String(Date.now()) });
                },
                (err) => showErrors(wrap, err),
                { class: 'retry' },
              ),
            );
            return wrap;
          },
        },
      ],
      page.items,
      { csvName: 'deliveries', id: 'deliveries', rowId: (d) => String(d.id) },
    ),
    more,
  );
}
