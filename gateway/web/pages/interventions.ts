/**
 * Interventions (corrective actions), newest first, filtered by office (`?office=`: its own, its desks' and
 * its employees') and by subject (`?level=&subject=`); each with its before/after verdicts from GET
 * /interventions/:id/effect over `?days=` each side and a link to its view. Below, a form recording one
 * on any employee, desk or office the viewer may see (POST /interventions); the viewer then goes to its view.
 */
import '../i18n/loop.js';
import { api, mapLimited } from '../api.js';
import { h, link } from '../components/dom.js';
import { figureName } from '../components/figures.js';
import { field, input, onSubmit, select } from '../components/form.js';
import { type Intervention, KINDS } from '../components/interventions.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDay, t } from '../i18n.js';
import type { Desk, Employee, Kind, Office } from '../types.js';
import { type Effect, FIGURE } from './intervention.js';

const LEVELS = ['employee', 'desk', 'office'] as const;
type Level = (typeof LEVELS)[number];
const DAYS = [7, 14, 28, 56, 91];
/** Effects computed at once: each reads two windows of scores. */
const PARALLEL = 4;

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('loop.listTitle'));
  const q = ctx.query;
  const officeId = q.get('office') || '';
  const level = (LEVELS as readonly string[]).includes(q.get('level') ?? '') ? (q.get('level') as Level) : '';
  const subjectId = level ? q.get('subject') || '' : '';
  const days = DAYS.includes(Number(q.get('days'))) ? Number(q.get('days')) : 28;
  const [offices, desks, employees, items] = await Promise.all([
    api.all<Office>('/offices'),
    api.all<Desk>('/desks'),
    api.all<Employee>('/employees'),
    api
      .get<{ items: Intervention[] }>('/interventions', {
        limit: 100,
        officeId: officeId || undefined,
        level: level || undefined,
        id: subjectId || undefined,
      })
      .then((r) => r.items),
  ]);
  const effects = await mapLimited(items, PARALLEL, (i) => api.get<Effect>(`/interventions/${encodeURIComponent(i.id)}/effect`, { days }));
  if (ctx.left) return;
  const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
  offices.sort(byName);
  desks.sort(byName);
  employees.sort(byName);
  const officeName = (id: string | null) => (id ? (offices.find((o) => o.id === id)?.name ?? id) : '—');
  /** The subjects of a level the viewer may see, within the office filter when one is set. */
  const subjects = (l: Level, within: string) => {
    const list: { id: string; name: string; officeId: string | null }[] =
      l === 'office' ? offices.map((o) => ({ ...o, officeId: o.id })) : l === 'desk' ? desks : employees;
    return list
      .filter((x) => !within || x.officeId === within)
      .map((x) => ({ value: x.id, label: l === 'office' || !x.officeId ? x.name : `${x.name} · ${officeName(x.officeId)}` }));
  };
  const subjectName = (i: Intervention) =>
    subjects(i.subject.level, '')
      .find((x) => x.value === i.subject.id)
      ?.label.split(' · ')[0] ?? i.subject.id;

  // Filters: each change redraws the list from the API.
  const all = { value: '', label: t('loop.filter.all') };
  const officeSel = select('office', [all, ...offices.map((o) => ({ value: o.id, label: o.name }))], officeId);
  officeSel.id = 'filter-office';
  officeSel.addEventListener('change', () => ctx.navigate({ office: officeSel.value || null, subject: null }));
  const levelSel = select('level', [all, ...LEVELS.map((l) => ({ value: l, label: t(`loop.level.${l}`) }))], level);
  levelSel.id = 'filter-level';
  levelSel.addEventListener('change', () => ctx.navigate({ level: levelSel.value || null, subject: null }));
  const daysSel = select(
    'days',
    DAYS.map((d) => ({ value: String(d), label: String(d) })),
    String(days),
  );
  daysSel.id = 'filter-days';
  daysSel.addEventListener('change', () => ctx.navigate({ days: daysSel.value }));
  const filters = h(
    'form',
    { class: 'filters no-print', id: 'filters' },
    h('label', {}, `${t('loop.filter.office')} `, officeSel),
    h('label', {}, `${t('loop.filter.level')} `, levelSel),
  );
  if (level) {
    const subjectSel = select('subject', [all, ...subjects(level, officeId)], subjectId);
    subjectSel.id = 'filter-subject';
    subjectSel.addEventListener('change', () => ctx.navigate({ subject: subjectSel.value || null }));
    filters.append(h('label', {}, `${t('loop.filter.subject')} `, subjectSel));
  }
  filters.append(h('label', {}, `${t('loop.days')} `, daysSel));
  filters.addEventListener('submit', (e) => e.preventDefault());

  type Row = { i: Intervention; effect: Effect };
  const rows: Row[] = items.map((i, n) => ({ i, effect: effects[n]! }));
  const viewQuery = new URLSearchParams({ days: String(days) });
  const list = table<Row>(
    [
      {
        label: t('loop.date'),
        cell: (r) => h('a', { href: `#/interventions/${encodeURIComponent(r.i.id)}?${viewQuery}` }, fmtDay(r.i.date)),
      },
      {
        label: t('loop.col.subject'),
        cell: (r) => {
          const name = subjectName(r.i);
          const plural = r.i.subject.level === 'employee' ? 'employees' : r.i.subject.level === 'office' ? 'offices' : null;
          return h(
            'span',
            {},
            `${t(`loop.level.${r.i.subject.level}`)}: `,
            plural ? link(`/${plural}/${encodeURIComponent(r.i.subject.id)}`, name) : name,
          );
        },
      },
      { label: t('loop.col.summary'), cell: (r) => summary(r.effect) },
      { label: t('col.office'), cell: (r) => officeName(r.i.officeId) },
      { label: t('loop.kind'), cell: (r) => t(`loop.kind.${r.i.kind}`) },
      { label: t('loop.description'), cell: (r) => r.i.description },
      { label: t('loop.col.who'), cell: (r) => r.i.who },
    ],
    rows,
    { csvName: 'interventions', id: 'intervention-list', rowId: (r) => r.i.id },
  );
  ctx.root.append(filters, h('p', { class: 'muted' }, t('loop.newest', { days })), list, createForm(officeId, subjects));
}

/** Each index's verdict where both windows have the minimum sample, else "not enough data yet". */
function summary(effect: Effect): HTMLElement {
  const chips = Object.entries(effect.kinds).flatMap(([kind, k]) =>
    Object.entries(k!.indices).flatMap(([index, e]) => {
      const figure = FIGURE[kind as Kind][index];
      if (!figure || !e?.difference) return [];
      const verdict = e.difference.verdict;
      return [
        h(
          'span',
          { class: `verdict ${verdict}`, 'data-index': `${kind}.${index}`, 'data-verdict': verdict },
          `${figureName(figure, true)}: ${t(`loop.verdict.${verdict}`)}`,
        ),
      ];
    }),
  );
  if (chips.length === 0)
    return h(
      'span',
      { class: 'verdicts' },
      h('span', { class: 'verdict pending', 'data-verdict': 'notEnoughData' }, t('loop.summary.notEnough')),
    );
  return h('span', { class: 'verdicts' }, ...chips);
}

/** Records an intervention on a subject chosen by level (within the office filter when one is set). */
function createForm(officeId: string, subjects: (l: Level, within: string) => { value: string; label: string }[]): HTMLElement {
  const levelSel = select(
    'level',
    LEVELS.map((l) => ({ value: l, label: t(`loop.level.${l}`) })),
    'employee',
  );
  levelSel.id = 'create-level';
  const subjectSel = select('subject', []);
  subjectSel.id = 'create-subject';
  subjectSel.required = true;
  const fill = () =>
    subjectSel.replaceChildren(...subjects(levelSel.value as Level, officeId).map((o) => h('option', { value: o.value }, o.label)));
  fill();
  levelSel.addEventListener('change', fill);
  const date = input('date', { type: 'date', required: true });
  date.id = 'create-date';
  const kind = select(
    'kind',
    KINDS.map((k) => ({ value: k, label: t(`loop.kind.${k}`) })),
    'training',
  );
  kind.id = 'create-kind';
  const description = input('description', { required: true, maxlength: 2000 });
  description.id = 'create-description';
  const form = h(
    'form',
    { class: 'entry no-print', id: 'create-intervention', novalidate: true },
    h('h2', {}, t('loop.create')),
    field(t('loop.filter.level'), levelSel),
    field(t('loop.filter.subject'), subjectSel),
    field(t('loop.date'), date),
    field(t('loop.kind'), kind),
    field(t('loop.description'), description),
    h('button', { type: 'submit' }, t('loop.save')),
  );
  onSubmit(form, async () => {
    // Sent as chosen: the API's own checks (a missing subject, a bad date) answer next to the field.
    const created = await api.post<Intervention>('/interventions', {
      subject: { level: levelSel.value, id: subjectSel.value },
      date: date.value,
      kind: kind.value,
      description: description.value.trim(),
    });
    location.hash = `#/interventions/${encodeURIComponent(created.id)}`;
  });
  return form;
}
