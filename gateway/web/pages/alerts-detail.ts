/**
 * One alert: its evidence (n, share, baseline, p or CUSUM value…), state, history and comments, and the
 * acknowledge, comment and close actions (each disabled while it runs, so nothing is sent twice).
 */
import { type AlertDetail, alertsApi } from '../alerts-api.js';
import { append, h } from '../components/dom.js';
import { actionButton, field, onSubmit, showErrors } from '../components/form.js';
import type { PageContext } from '../context.js';
import { fmtDateTime, fmtNumber, fmtPercent, t } from '../i18n.js';
import '../i18n/alerts.js';
import { alertTitle, scopeText, stateBadge } from './alerts.js';

/** How each known evidence figure is written; others are shown as given. */
const EVIDENCE: Record<string, (v: number) => string> = {
  n: (v) => fmtNumber(v),
  share: (v) => fmtPercent(v),
  baseline: (v) => fmtPercent(v),
  p: (v) => (v < 0.0001 ? '< 0.0001' : fmtNumber(v, 4)),
  cusum: (v) => fmtNumber(v, 2),
  cusumLimit: (v) => fmtNumber(v, 2),
  threshold: (v) => fmtNumber(v, v % 1 ? 2 : 0),
  value: (v) => fmtNumber(v, 1),
  count: (v) => fmtNumber(v),
  windowMinutes: (v) => fmtNumber(v),
};

export async function render(ctx: PageContext): Promise<void> {
  const a: AlertDetail = await alertsApi.get(ctx.params.id!);
  if (ctx.left) return;
  ctx.title(alertTitle(a));
  const reload = () => ctx.navigate({ r: String(Date.now()) });
  const evidence = h('dl', { class: 'evidence', id: 'evidence' });
  // The engine's nested figures, flattened to the ones a person reads: p, the CUSUM and its limit.
  const { pValue, cusum, ...rest } = a.evidence as AlertDetail['evidence'] & { pValue?: number; cusum?: { value: number; limit: number } };
  const figures: Record<string, unknown> = {
    ...rest,
    ...(pValue !== undefined ? { p: pValue } : {}),
    ...(cusum && typeof cusum === 'object' ? { cusum: cusum.value, cusumLimit: cusum.limit } : {}),
  };
  for (const [key, value] of Object.entries(figures)) {
    if (value === null || value === undefined || typeof value === 'object') continue;
    const format = EVIDENCE[key];
    evidence.append(
      h('dt', {}, EVIDENCE[key] ? t(`alerts.ev.${key}`) : key),
      h('dd', { 'data-evidence': key, 'data-value': String(value) }, format && typeof value === 'number' ? format(value) : String(value)),
    );
  }
  const actions = h('div', { class: 'actions no-print', id: 'alert-actions' });
  const fail = (err: unknown) => showErrors(actions, err);
  if (a.state === 'open') {
    actions.append(
      actionButton(
        t('alerts.acknowledge'),
        async () => {
          await alertsApi.acknowledge(a.id);
          reload();
        },
        fail,
        { id: 'acknowledge' },
      ),
    );
  }
  const comment = h('textarea', { name: 'text', id: 'f-text', rows: 3, maxlength: 2000, required: true });
  const commentForm = h(
    'form',
    { id: 'comment-form', novalidate: true },
    field(t('alerts.comment'), comment),
    h('button', { type: 'submit' }, t('alerts.addComment')),
  );
  onSubmit(commentForm, async () => {
    await alertsApi.comment(a.id, comment.value.trim());
    reload();
  });
  const closeText = h('textarea', { name: 'comment', id: 'f-comment', rows: 2, maxlength: 2000 });
  const closeForm = h(
    'form',
    { id: 'close-form', novalidate: true },
    field(t('alerts.closeComment'), closeText),
    h('button', { type: 'submit' }, t('alerts.close')),
  );
  onSubmit(closeForm, async () => {
    await alertsApi.close(a.id, closeText.value.trim() || undefined);
    reload();
  });
  const who = (actor: string | null) => actor ?? t('alerts.gateway');
  append(
    ctx.root,
    h(
      'p',
      { class: 'alert-head' },
      stateBadge(a.state),
      ' ',
      t(`alerts.severity.${a.severity}`),
      ' · ',
      scopeText(a),
      ' · ',
      a.ruleName,
      ' · ',
      fmtDateTime(a.openedAt),
    ),
    a.acknowledgedAt
      ? h('p', { id: 'acknowledged' }, t('alerts.acknowledged', { who: a.acknowledgedBy ?? '—', when: fmtDateTime(a.acknowledgedAt) }))
      : null,
    h('h2', {}, t('alerts.evidence')),
    evidence,
    actions,
    h('h2', {}, t('alerts.comments')),
    a.comments.length
      ? h(
          'ul',
          { id: 'comments' },
          ...a.comments.map((c) => h('li', {}, h('q', {}, c.text), ' — ', t('alerts.by', { who: c.by, when: fmtDateTime(c.at) }))),
        )
      : h('p', { class: 'hint', id: 'comments' }, t('alerts.noComments')),
    a.state === 'closed' ? null : commentForm,
    a.state === 'closed' ? null : closeForm,
    h('h2', {}, t('alerts.history')),
    h(
      'ol',
      { id: 'history' },
      ...a.history.map((e) =>
        h(
          'li',
          { 'data-kind': e.kind },
          `${fmtDateTime(e.at)} — ${t(`alerts.event.${e.kind}`)} — ${who(e.actor)}`,
          e.payload?.comment ? `: ${e.payload.comment.text}` : '',
        ),
      ),
    ),
  );
}
