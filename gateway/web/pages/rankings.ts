/**
 * Rankings of offices, regions, desks or employees by ИНК, ИНК Персонал qualified, ИЭЛ or CSAT
 * (GET /api/v1/rankings): the page says which index (and panel kind, and basis) the ranking uses, each
 * item its change against the previous period and, for the qualified index, its cases pending review;
 * subjects below the minimum sample get "insufficient data" instead of a rank, and those whose visitors
 * are unknown say so.
 */
import { api } from '../api.js';
import { insufficientBadge } from '../components/badge.js';
import { h, link } from '../components/dom.js';
import { type Column, table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtChange, fmtDay, fmtNumber, fmtPercent, t } from '../i18n.js';
import { addDays, periodFrom, periodPicker } from '../period.js';
import type { Ranking } from '../types.js';

const LEVELS = ['office', 'region', 'desk', 'employee'] as const;
const INDICES = ['ink', 'inkQualified', 'iel', 'csat'] as const;
const PLURAL: Record<(typeof LEVELS)[number], string> = { office: 'offices', region: 'regions', desk: 'desks', employee: 'employees' };

interface Row {
  id: string;
  name: string;
  rank: number | null;
  value: number | null;
  ci95: [number, number] | null;
  n: number | null;
  pending?: number;
  change?: number | null;
  reason?: 'insufficientSample' | 'visitorsUnknown';
}

function select(name: string, value: string, options: readonly string[], label: (v: string) => string, onChange: (v: string) => void) {
  const el = h('select', { name, id: `rank-${name}` }, ...options.map((o) => h('option', { value: o, selected: o === value }, label(o))));
  el.addEventListener('change', () => onChange(el.value));
  return el;
}

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('nav.rankings'));
  const level = (LEVELS as readonly string[]).includes(ctx.query.get('level') ?? '')
    ? (ctx.query.get('level') as (typeof LEVELS)[number])
    : 'office';
  const index = (INDICES as readonly string[]).includes(ctx.query.get('index') ?? '')
    ? (ctx.query.get('index') as (typeof INDICES)[number])
    : 'ink';
  const period = periodFrom(ctx.query);
  const [ranking, names] = await Promise.all([
    api.get<Ranking>('/rankings', { level, index, from: period.from, to: period.to, change: true }),
    api.all<{ id: string; name: string }>(`/${PLURAL[level]}`),
  ]);
  if (ctx.left) return;
  const nameOf = (id: string) => names.find((n) => n.id === id)?.name ?? id;
  const rows: Row[] = [
    ...ranking.items.map((i) => ({
      id: i.id,
      name: nameOf(i.id),
      rank: i.rank,
      value: i.value,
      ci95: i.ci95,
      n: i.n,
      pending: i.pending,
      change: i.change,
    })),
    ...ranking.leftOutSubjects.map((l) => ({
      id: l.id,
      name: nameOf(l.id),
      rank: null,
      value: null,
      ci95: null,
      n: null,
      reason: l.reason,
    })),
  ];
  const fmt = (v: number) => (index === 'iel' ? fmtNumber(v, 1) : fmtPercent(v, 1));
  const indexLabel = (i: string) =>
    t(
      i === 'ink'
        ? ranking.kind === 'office'
          ? 'index.inkOffice'
          : 'index.inkStaff'
        : i === 'inkQualified'
          ? 'index.inkQualified.short'
          : i === 'iel'
            ? 'index.iel'
            : 'index.csat',
    );
  const fmtDelta = (v: number) => (index === 'iel' ? fmtChange(v, 1) : fmtChange(v, 1, true));
  const href = (r: Row) =>
    level === 'office'
      ? `/offices/${encodeURIComponent(r.id)}`
      : level === 'employee'
        ? `/employees/${encodeURIComponent(r.id)}`
        : undefined;
  const columns: Column<Row>[] = [
    {
      label: t('col.rank'),
      numeric: true,
      cell: (r) =>
        r.rank !== null ? String(r.rank) : r.reason === 'insufficientSample' ? insufficientBadge() : t('rankings.reason.visitorsUnknown'),
    },
    { label: t('col.name'), cell: (r) => (href(r) ? link(href(r)!, r.name, ctx.query) : r.name) },
    { label: indexLabel(index), numeric: true, cell: (r) => (r.value === null ? '—' : h('span', { 'data-value': r.value }, fmt(r.value))) },
    { label: t('col.ci'), numeric: true, cell: (r) => (r.ci95 ? `${fmt(r.ci95[0])} – ${fmt(r.ci95[1])}` : '—') },
    { label: t('col.n'), numeric: true, cell: (r) => (r.n === null ? '—' : fmtNumber(r.n)) },
    {
      label: t('col.change'),
      numeric: true,
      cell: (r) => (r.change === undefined || r.change === null ? '—' : h('span', { 'data-change': r.change }, fmtDelta(r.change))),
    },
  ];
  // The qualified index counts pending cases as staff-caused: each item shows its backlog.
  if (ranking.index === 'inkQualified') {
    columns.push({
      label: t('col.pending'),
      numeric: true,
      cell: (r) => (r.pending === undefined ? '—' : h('span', { 'data-pending': r.pending }, fmtNumber(r.pending))),
    });
  }
  ctx.root.append(
    periodPicker(period, (p) => ctx.navigate(p)),
    h(
      'div',
      { class: 'controls' },
      h(
        'label',
        {},
        `${t('rankings.level')} `,
        select(
          'level',
          level,
          LEVELS,
          (v) => t(`rankings.level.${v}`),
          (v) => ctx.navigate({ level: v }),
        ),
      ),
      ' ',
      h(
        'label',
        {},
        `${t('rankings.index')} `,
        select('index', index, INDICES, indexLabel, (v) => ctx.navigate({ index: v })),
      ),
    ),
    h(
      'p',
      { id: 'rank-uses', 'data-index': ranking.index, 'data-kind': ranking.kind },
      t('rankings.uses', { index: indexLabel(ranking.index), kind: t(`rankings.kind.${ranking.kind}`) }),
    ),
    h(
      'p',
      { class: 'muted' },
      `${fmtDay(period.from)} – ${fmtDay(addDays(period.to, -1))} · ${t('rankings.basis', { basis: t(`rankings.basis.${ranking.basis}`) })}`,
      ranking.previous
        ? ` · ${t('rankings.previous', { from: fmtDay(ranking.previous.from), to: fmtDay(addDays(ranking.previous.to, -1)) })}`
        : '',
    ),
    table(columns, rows, { csvName: `ranking-${level}-${index}-${period.from}`, id: 'ranking', rowId: (r) => r.id }),
  );
}
