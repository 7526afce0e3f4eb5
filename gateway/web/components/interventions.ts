/**
 * Interventions on a subject's page: markers for its trend charts, the list (each a link to its
 * before/after view) and a form to record one (POST /interventions).
 */
import '../i18n/loop.js';
import { api } from '../api.js';
import { fmtDay, t } from '../i18n.js';
import type { PeriodScore } from '../types.js';
import { h, link } from './dom.js';
import { field, input, onSubmit, select } from './form.js';
import { table } from './table.js';

export interface Intervention {
  id: string;
  subject: { level: 'employee' | 'desk' | 'office'; id: string };
  officeId: string | null;
  date: string;
  kind: string;
  description: string;
  who: string;
  createdAt: string;
}

export const KINDS = ['training', 'process-change', 'product-change', 'premises'];

/** The chart x (seconds) of a local date: the start of its day bucket when the chart has one. */
export function dayX(buckets: PeriodScore[], date: string): number {
  const b = buckets.find((x) => x.start === date);
  return Date.parse(b?.localStart ?? `${date}T00:00:00Z`) / 1000;
}

/** The markers of the interventions within the buckets' days, labelled by kind (or by `label`). */
export function markersFor(
  items: Intervention[],
  buckets: PeriodScore[],
  label: (i: Intervention) => string = (i) => t(`loop.kind.${i.kind}`),
): Array<{ x: number; label: string }> {
  const first = buckets[0]?.start;
  const last = buckets[buckets.length - 1]?.start;
  return items
    .filter((i) => !first || !last || (i.date >= first && i.date <= last))
    .map((i) => ({ x: dayX(buckets, i.date), label: label(i) }));
}

export async function interventionsOf(level: string, id: string): Promise<Intervention[]> {
  return (await api.get<{ items: Intervention[] }>('/interventions', { level, id, limit: 1000 })).items;
}

/** An office's own interventions and those on its desks (the office page's trends mark both). */
export async function officeInterventions(officeId: string): Promise<Intervention[]> {
  const [own, desks] = await Promise.all([
    interventionsOf('office', officeId),
    api.get<{ items: Intervention[] }>('/interventions', { level: 'desk', limit: 1000 }),
  ]);
  return [...own, ...desks.items.filter((i) => i.officeId === officeId)];
}

/** The list and the form; after recording, the viewer goes to the new intervention's view. */
export function interventionsSection(
  level: 'employee' | 'desk' | 'office',
  id: string,
  items: Intervention[],
  query: URLSearchParams,
): HTMLElement {
  const list = table(
    [
      { label: t('loop.date'), cell: (i: Intervention) => link(`/interventions/${encodeURIComponent(i.id)}`, fmtDay(i.date), query) },
      { label: t('loop.kind'), cell: (i) => t(`loop.kind.${i.kind}`) },
      { label: t('loop.description'), cell: (i) => i.description },
    ],
    items,
    { csvName: `${level}-${id}-interventions`, id: 'interventions', rowId: (i) => i.id },
  );
  const form = h(
    'form',
    { class: 'inline-form no-print', id: 'add-intervention' },
    field(t('loop.date'), input('date', { type: 'date', required: true })),
    field(
      t('loop.kind'),
      select(
        'kind',
        KINDS.map((k) => ({ value: k, label: t(`loop.kind.${k}`) })),
        'training',
      ),
    ),
    field(t('loop.description'), input('description', { required: true, maxlength: 2000 })),
    h('button', { type: 'submit' }, t('loop.save')),
  );
  onSubmit(form, async () => {
    const data = new FormData(form);
    const created = await api.post<Intervention>('/interventions', {
      subject: { level, id },
      date: String(data.get('date')),
      kind: String(data.get('kind')),
      description: String(data.get('description')),
    });
    location.hash = `#/interventions/${encodeURIComponent(created.id)}`;
  });
  return h('section', { id: 'interventions-section' }, h('h2', {}, t('loop.list')), list, h('h3', {}, t('loop.add')), form);
}
