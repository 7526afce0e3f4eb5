/**
 * One intervention: what was done, the subject's trend by day over both windows with a marker at each of
 * its interventions, and the before/after table from GET /interventions/:id/effect (values with 95 %
 * intervals, the difference with its interval, p and the verdict; "not enough data yet" until both
 * windows have the minimum sample).
 */
import '../i18n/loop.js';
import { api } from '../api.js';
import { bandChart } from '../components/chart.js';
import { h, link } from '../components/dom.js';
import { figureName, fmtFigure, fmtFigureChange, type FigureId } from '../components/figures.js';
import { interventionsOf, markersFor, type Intervention } from '../components/interventions.js';
import { select } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDay, fmtNumber, t } from '../i18n.js';
import { addDays } from '../period.js';
import type { Kind, Office, SubjectScores } from '../types.js';
import { trendPoints } from './office.js';

type Estimate = { value: number; ci95: [number, number]; n: number };
export interface IndexEffect {
  before: Estimate | null;
  after: Estimate | null;
  difference?: { value: number; ci95: [number, number]; test: { p: number }; verdict: string };
}
export interface KindEffect {
  status: 'ok' | 'notEnoughData';
  presses: { before: number; after: number };
  minSample: number;
  indices: Partial<Record<'ink' | 'iel' | 'csat' | 'coverage', IndexEffect>>;
}
export interface Effect {
  intervention: Intervention;
  days: number;
  windows: { before: { from: string; to: string }; after: { from: string; to: string } };
  kinds: Partial<Record<Kind, KindEffect>>;
}

export const FIGURE: Record<Kind, Partial<Record<string, FigureId>>> = {
  staff: { ink: 'inkStaff', csat: 'csat', coverage: 'coverage' },
  office: { ink: 'inkOffice', csat: 'csat', coverage: 'coverage' },
  loyalty: { iel: 'iel' },
};
const PLURAL = { employee: 'employees', desk: 'desks', office: 'offices' } as const;

export async function render(ctx: PageContext): Promise<void> {
  const id = ctx.params.id!;
  const days = Number(ctx.query.get('days') ?? 28);
  const effect = await api.get<Effect>(`/interventions/${encodeURIComponent(id)}/effect`, { days });
  const i = effect.intervention;
  const path = `/${PLURAL[i.subject.level]}/${encodeURIComponent(i.subject.id)}`;
  const [subject, office, scores, all] = await Promise.all([
    api.get<{ name: string }>(path),
    i.officeId ? api.get<Office>(`/offices/${encodeURIComponent(i.officeId)}`) : undefined,
    api.get<SubjectScores>(`${path}/scores`, { from: effect.windows.before.from, to: effect.windows.after.to, bucket: 'day' }),
    interventionsOf(i.subject.level, i.subject.id),
  ]);
  if (ctx.left) return;
  ctx.title(t('loop.title', { kind: t(`loop.kind.${i.kind}`) }));
  const pageLink = i.subject.level === 'desk' ? subject.name : link(path, subject.name, ctx.query);
  const daysPicker = select(
    'days',
    [7, 14, 28, 56, 91].map((d) => ({ value: String(d), label: `${d}` })),
    String(effect.days),
  );
  daysPicker.addEventListener('change', () => ctx.navigate({ days: daysPicker.value }));
  const w = effect.windows;
  ctx.root.append(
    h('p', { class: 'meta' }, t('loop.meta', { date: fmtDay(i.date), who: i.who }), ' ', pageLink),
    h('p', { class: 'description' }, i.description),
    h('label', { class: 'no-print' }, t('loop.days'), ' ', daysPicker),
    h(
      'p',
      { class: 'muted', id: 'windows' },
      t('loop.windows', {
        bf: fmtDay(w.before.from),
        bt: fmtDay(addDays(w.before.to, -1)),
        af: fmtDay(w.after.from),
        at: fmtDay(addDays(w.after.to, -1)),
        days: effect.days,
      }),
    ),
  );

  // The trend: each figure the effect covers, by day, with every intervention on the subject marked.
  const figures = Object.entries(effect.kinds).flatMap(([kind, e]) =>
    Object.keys(e!.indices).flatMap((index) => {
      const f = FIGURE[kind as Kind][index];
      return f && (kind !== 'office' || f === 'inkOffice' || !effect.kinds.staff) ? [f] : [];
    }),
  );
  const markers = markersFor(all, scores.buckets);
  const trends = h('div', { class: 'trends' });
  for (const f of [...new Set(figures)]) {
    const chart = bandChart(trendPoints(scores.buckets, f), {
      title: figureName(f),
      label: figureName(f, true),
      format: (v) => fmtFigure(f, v),
      timeZone: office?.timeZone,
      step: 'day',
      markers,
    });
    ctx.onLeave(() => chart.destroy());
    trends.append(chart.el);
  }

  type Row = { kind: Kind; index: string; figure: FigureId; e: IndexEffect; k: KindEffect };
  const rows: Row[] = Object.entries(effect.kinds).flatMap(([kind, k]) =>
    Object.entries(k!.indices).flatMap(([index, e]) => {
      const figure = FIGURE[kind as Kind][index];
      return figure ? [{ kind: kind as Kind, index, figure, e: e!, k: k! }] : [];
    }),
  );
  const est = (f: FigureId, e: Estimate | null) =>
    e ? `${fmtFigure(f, e.value)} (${fmtFigure(f, e.ci95[0])} – ${fmtFigure(f, e.ci95[1])}, n = ${fmtNumber(e.n)})` : '—';
  const effectTable = table<Row>(
    [
      { label: t('loop.col.figure'), cell: (r) => `${figureName(r.figure, true)} · ${r.kind}` },
      { label: t('loop.col.before'), cell: (r) => est(r.figure, r.e.before) },
      { label: t('loop.col.after'), cell: (r) => est(r.figure, r.e.after) },
      {
        label: t('loop.col.difference'),
        cell: (r) =>
          r.e.difference
            ? `${fmtFigureChange(r.figure, r.e.difference.value)} (${fmtFigureChange(r.figure, r.e.difference.ci95[0])} … ${fmtFigureChange(r.figure, r.e.difference.ci95[1])})`
            : '—',
      },
      { label: t('loop.col.p'), numeric: true, cell: (r) => (r.e.difference ? fmtNumber(r.e.difference.test.p, 4) : '—') },
      {
        label: t('loop.col.verdict'),
        cell: (r) =>
          r.e.difference
            ? h(
                'span',
                { class: `verdict ${r.e.difference.verdict}`, 'data-verdict': r.e.difference.verdict },
                t(`loop.verdict.${r.e.difference.verdict}`),
              )
            : h(
                'span',
                { class: 'verdict pending', 'data-verdict': 'notEnoughData' },
                t('loop.notEnough', { before: r.k.presses.before, after: r.k.presses.after, min: r.k.minSample }),
              ),
      },
    ],
    rows,
    { csvName: `intervention-${id}`, id: 'effect', rowId: (r) => `${r.kind}.${r.index}` },
  );
  ctx.root.append(h('h2', {}, t('loop.trend')), trends, h('h2', {}, t('loop.effect')), effectTable);
}
