/**
 * The review queue (docs/review.md): the pending cases of the viewer's offices, oldest first; a reviewer
 * ticks one or more, picks the cause, adds a note and classifies them (POST /cases/classify). Admins and
 * managers see the queue read-only: only a reviewer key classifies. A case the CRM has followed up shows
 * the cause the CRM's survey suggests (its answer on hover); a reviewer accepts it in one step (PATCH, audited
 * like any classification, the note naming the CRM's reference). The CRM never classifies by itself.
 */
import { api, currentSession } from '../api.js';
import { h } from '../components/dom.js';
import { notice, onSubmit, select } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDateTime, t } from '../i18n.js';
import '../i18n/review.js';

const CAUSES = ['staff', 'office', 'product', 'customer', 'unknown'] as const;

interface Case {
  id: string;
  at: string;
  officeId: string;
  deskId: string | null;
  employeeId: string | null;
  question: string | null;
  button: 'bad' | 'neutral';
  reason: string | null;
  ticket: string | null;
  followUp: {
    ref: string;
    outcome: 'answered' | 'declined' | 'unreachable';
    answer: string | null;
    cause: (typeof CAUSES)[number] | null;
    comment: string;
  } | null;
}

/** The note an accepted CRM suggestion is classified with: the CRM's reference and what it said. */
const acceptNote = (f: NonNullable<Case['followUp']>) =>
  [`CRM ${f.ref}`, f.answer, f.comment]
    .filter((x) => x)
    .join(': ')
    .slice(0, 2000);

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('review.title'));
  const office = ctx.query.get('office') ?? '';
  const [page, offices] = await Promise.all([
    api.get<{ items: Case[]; next: string | null }>('/cases', { status: 'pending', limit: 200, ...(office ? { office } : {}) }),
    api.all<{ id: string; name: string; timeZone: string }>('/offices'),
  ]);
  if (ctx.left) return;
  const zoneOf = (id: string) => offices.find((o) => o.id === id)?.timeZone ?? null;
  const nameOf = (id: string) => offices.find((o) => o.id === id)?.name ?? id;
  const canClassify = currentSession()?.role === 'reviewer';

  const officeSel = select(
    'office',
    [{ value: '', label: t('review.any') }, ...offices.map((o) => ({ value: o.id, label: o.name }))],
    office,
  );
  officeSel.addEventListener('change', () => ctx.navigate({ office: officeSel.value || null }));
  ctx.root.append(
    h('p', { class: 'muted' }, canClassify ? t('review.hint') : t('review.readOnly')),
    h('form', { class: 'filters', id: 'review-filters' }, h('label', {}, `${t('review.office')} `, officeSel)),
  );
  if (page.items.length === 0) {
    ctx.root.append(h('p', { id: 'review-empty' }, t('review.none')));
    return;
  }

  const boxes = new Map<string, HTMLInputElement>();
  const box = (c: Case) => {
    const b = h('input', { type: 'checkbox', name: 'case', value: c.id, 'aria-label': c.id }) as HTMLInputElement;
    boxes.set(c.id, b);
    return b;
  };
  const crmCell = (c: Case) => {
    const f = c.followUp;
    if (!f) return '—';
    const said = f.cause ? t(`review.cause.${f.cause}`) : t(`review.outcome.${f.outcome}`);
    const title = [f.answer, f.comment].filter((x) => x).join(' — ');
    const suggestion = h('span', { class: 'crm-suggestion', 'data-cause': f.cause ?? '', ...(title ? { title } : {}) }, said);
    if (!canClassify || !f.cause) return suggestion;
    const accept = h('button', { type: 'button', class: 'accept-crm', 'data-id': c.id }, t('review.accept')) as HTMLButtonElement;
    accept.addEventListener('click', async () => {
      accept.disabled = true;
      try {
        await api.patch(`/cases/${encodeURIComponent(c.id)}`, { cause: f.cause, note: acceptNote(f) });
        ctx.navigate({ r: String(Date.now()) });
      } catch (err) {
        accept.disabled = false;
        accept.after(notice(err instanceof Error ? err.message : String(err)));
      }
    });
    return h('span', {}, suggestion, h('br', {}), accept);
  };
  const all = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': t('review.selectAll') }) as HTMLInputElement;
  all.addEventListener('change', () => {
    for (const b of boxes.values()) b.checked = all.checked;
  });
  const queue = table<Case>(
    [
      ...(canClassify ? [{ label: '', cell: box }] : []),
      { label: t('review.col.at'), cell: (c) => fmtDateTime(c.at, zoneOf(c.officeId)) },
      { label: t('review.col.office'), cell: (c) => nameOf(c.officeId) },
      { label: t('review.col.desk'), cell: (c) => c.deskId ?? '—' },
      { label: t('review.col.employee'), cell: (c) => c.employeeId ?? '—' },
      { label: t('review.col.question'), cell: (c) => c.question ?? '—' },
      {
        label: t('review.col.button'),
        cell: (c) => h('span', { class: `answer-${c.button}`, 'data-value': c.button }, t(`button.${c.button}`)),
      },
      { label: t('review.col.reason'), cell: (c) => c.reason ?? '—' },
      { label: t('review.col.ticket'), cell: (c) => c.ticket ?? '—' },
      { label: t('review.col.crm'), cell: (c) => crmCell(c) },
    ],
    page.items,
    { csvName: 'review-queue', id: 'review-queue', rowId: (c) => c.id },
  );
  if (canClassify) queue.querySelector('thead th')?.append(all);
  ctx.root.append(queue);
  if (page.next) ctx.root.append(h('p', { class: 'muted' }, t('review.more')));
  if (!canClassify) return;

  const cause = select(
    'cause',
    CAUSES.map((c) => ({ value: c, label: t(`review.cause.${c}`) })),
    'staff',
  );
  const note = h('input', { name: 'note', maxlength: 2000, size: 40 }) as HTMLInputElement;
  const form = h(
    'form',
    { id: 'classify', class: 'filters' },
    h('label', {}, `${t('review.cause')} `, cause),
    h('label', {}, `${t('review.note')} `, note),
    h('button', { type: 'submit' }, t('review.classify')),
  ) as HTMLFormElement;
  onSubmit(form, async () => {
    const ids = [...boxes.entries()].filter(([, b]) => b.checked).map(([id]) => id);
    if (ids.length === 0) return;
    const r = await api.post<{ changed: number }>('/cases/classify', { ids, cause: cause.value, note: note.value });
    form.append(notice(t('review.done', { n: r.changed })));
    ctx.navigate({ r: String(Date.now()) });
  });
  ctx.root.append(form);
}
