/**
 * Overview: the company (admin), then each region and office the session may see, with ИНК Офис,
 * ИНК Персонал, ИЭЛ, охват and CSAT over the chosen period, their intervals (on hover and in the CSV)
 * and the change against the previous period.
 */
import { api, mapLimited } from '../api.js';
import { h, link } from '../components/dom.js';
import {
  FIGURES,
  TABLE_FIGURES,
  figureCard,
  figureCell,
  figureName,
  fmtFigureChange,
  pick,
  pickChange,
  type FigureId,
} from '../components/figures.js';
import { type Column, table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDay, fmtNumber, t } from '../i18n.js';
import { addDays, periodFrom, periodPicker } from '../period.js';
import type { Office, Region, Scores, SubjectScores } from '../types.js';

interface Row {
  id: string;
  name: string;
  href?: string;
  scores: SubjectScores;
}

export function scoreColumns(query: URLSearchParams): Column<Row>[] {
  const presses = (s: Scores) => (s.staff?.counts.total ?? 0) + (s.office?.counts.total ?? 0) + (s.loyalty?.counts.total ?? 0);
  return [
    { label: t('col.name'), cell: (r) => (r.href ? link(r.href, r.name, query) : r.name) },
    ...TABLE_FIGURES.flatMap((f: FigureId): Column<Row>[] => [
      { label: figureName(f, true), numeric: true, cell: (r) => figureCell(r.scores.total.scores, f) },
      {
        label: `Δ ${figureName(f, true)}`,
        numeric: true,
        cell: (r) => {
          const p = pick(r.scores.total.scores, f);
          return p ? fmtFigureChange(f, pickChange(r.scores.change, f, p.kind)) : '—';
        },
      },
    ]),
    { label: t('col.n'), numeric: true, cell: (r) => fmtNumber(presses(r.scores.total.scores)) },
  ];
}

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('nav.overview'));
  const period = periodFrom(ctx.query);
  const query = { from: period.from, to: period.to };
  ctx.root.append(
    periodPicker(period, (p) => ctx.navigate(p)),
    h('p', { class: 'muted', id: 'period-label' }, `${fmtDay(period.from)} – ${fmtDay(addDays(period.to, -1))}`),
  );
  const admin = ctx.session?.role === 'admin';
  const [company, regions, offices] = await Promise.all([
    admin ? api.get<SubjectScores>('/company/scores', query) : Promise.resolve(undefined),
    api.all<Region>('/regions'),
    api.all<Office>('/offices'),
  ]);
  const [regionRows, officeRows] = await Promise.all([
    mapLimited(regions, 6, async (r) => ({
      id: r.id,
      name: r.name,
      scores: await api.get<SubjectScores>(`/regions/${encodeURIComponent(r.id)}/scores`, query),
    })),
    mapLimited(offices, 6, async (o) => ({
      id: o.id,
      name: o.name,
      href: `/offices/${encodeURIComponent(o.id)}`,
      scores: await api.get<SubjectScores>(`/offices/${encodeURIComponent(o.id)}/scores`, query),
    })),
  ]);
  if (ctx.left) return;
  if (company) {
    ctx.root.append(
      h('h2', {}, t('overview.company')),
      h('div', { class: 'cards', id: 'company' }, ...FIGURES.map((f) => figureCard(company.total.scores, company.change, f))),
    );
  }
  const columns = scoreColumns(ctx.query);
  if (regionRows.length > 0) {
    ctx.root.append(
      h('h2', {}, t('overview.regions')),
      table(columns, regionRows, { csvName: `regions-${period.from}`, id: 'regions', rowId: (r) => r.id }),
    );
  }
  ctx.root.append(
    h('h2', {}, t('overview.offices')),
    table(columns, officeRows, { csvName: `offices-${period.from}`, id: 'offices', rowId: (r) => r.id }),
  );
}
