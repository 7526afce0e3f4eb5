/**
 * An office: its figures with 95 % intervals and the change against the previous period (beside ИНК Офис
 * and ИНК Персонал, the staff panels' negatives a reviewer put down to the office or the product), trends
 * with their interval bands and a marker at each intervention on the office or one of its desks, an hour-of-day × weekday heat map, its desks and employees — all in the office's
 * own time zone — and live presses (GET /api/v1/live, server-sent events) that refresh the figures
 * without a reload.
 */
import { scoreCounts } from '../../../shared/src/indices.js';
import { api } from '../api.js';
import { insufficientBadge } from '../components/badge.js';
import { bandChart, type SeriesPoint } from '../components/chart.js';
import { h, link } from '../components/dom.js';
import { FIGURES, figureCard, figureName, fmtFigure, pick, TREND_FIGURES, type FigureId } from '../components/figures.js';
import { type Intervention, markersFor, officeInterventions } from '../components/interventions.js';
import { heatmap, type HeatCell } from '../components/heatmap.js';
import { type Column, table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDay, fmtNumber, fmtPercent, fmtTime, t } from '../i18n.js';
import { addDays, periodFrom, periodPicker } from '../period.js';
import type { Counts, Desk, Employee, Kind, LivePress, Office, PeriodScore, Ranking, Settings, SubjectScores } from '../types.js';

const LIVE_STRIP_MAX = 12;

/** Bucket start as seconds since the epoch (local labels carry the office's offset). */
const bucketTime = (b: PeriodScore) => Date.parse(b.localStart ?? (b.start.length === 10 ? `${b.start}T00:00:00Z` : b.start)) / 1000;

export function trendPoints(buckets: PeriodScore[], figure: FigureId): SeriesPoint[] {
  return buckets.map((b) => {
    const e = pick(b.scores, figure)?.estimate ?? null;
    return { x: bucketTime(b), value: e?.value ?? null, lo: e?.ci95[0] ?? null, hi: e?.ci95[1] ?? null };
  });
}

/** The heat map's cells: each local (weekday, hour)'s ИНК on presses (B′ / P), by shared/src/indices.ts; every hour with presses on some day gets a row. */
export function heatCells(byWeekdayHour: SubjectScores['byWeekdayHour'], kind: Kind, settings: Settings): HeatCell[] {
  const sums = new Map<string, Counts>();
  for (const c of byWeekdayHour) {
    const counts = c.counts[kind];
    if (counts && counts.total > 0) sums.set(`${c.weekday}:${c.hour}`, counts);
  }
  const hours = [...new Set([...sums.keys()].map((key) => Number(key.split(':')[1])))].sort((a, b) => a - b);
  const cells: HeatCell[] = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (const hour of hours) {
      const c = sums.get(`${weekday}:${hour}`);
      const ink = c ? scoreCounts(c, { panelKind: kind, settings }).ink : null;
      cells.push({ weekday, hour, value: ink?.value ?? null, label: ink ? fmtPercent(ink.value, 0) : '', n: c?.total ?? 0 });
    }
  }
  return cells;
}

interface Member {
  id: string;
  name: string;
  href?: string;
  rank?: number;
  value?: number;
  ci95?: [number, number];
  n?: number;
  insufficient: boolean;
}

/** Desks or employees with their place in the office's ИНК Персонал ranking (or why they have none). */
function members<T extends { id: string; name: string }>(list: T[], ranking: Ranking, href?: (x: T) => string): Member[] {
  return list.map((x) => {
    const item = ranking.items.find((i) => i.id === x.id);
    const left = ranking.leftOutSubjects.find((l) => l.id === x.id);
    return {
      id: x.id,
      name: x.name,
      href: href?.(x),
      rank: item?.rank,
      value: item?.value,
      ci95: item?.ci95,
      n: item?.n ?? (left ? undefined : 0),
      insufficient: left?.reason === 'insufficientSample',
    };
  });
}

function memberColumns(query: URLSearchParams): Column<Member>[] {
  return [
    { label: t('col.name'), cell: (m) => (m.href ? link(m.href, m.name, query) : m.name) },
    {
      label: figureName('inkStaff', true),
      numeric: true,
      cell: (m) =>
        m.insufficient ? insufficientBadge() : m.value === undefined ? '—' : h('span', { 'data-value': m.value }, fmtPercent(m.value, 1)),
    },
    { label: t('col.ci'), numeric: true, cell: (m) => (m.ci95 ? `${fmtPercent(m.ci95[0], 1)} – ${fmtPercent(m.ci95[1], 1)}` : '—') },
    { label: t('col.n'), numeric: true, cell: (m) => (m.n === undefined ? '—' : fmtNumber(m.n)) },
    {
      label: t('office.rank'),
      numeric: true,
      cell: (m) => (m.insufficient ? insufficientBadge() : m.rank === undefined ? '—' : String(m.rank)),
    },
  ];
}

export async function render(ctx: PageContext): Promise<void> {
  const id = ctx.params.id!;
  const path = `/offices/${encodeURIComponent(id)}`;
  // One round trip for everything that does not depend on the office's time zone; the office's own desks
  // and employees only (one page each, not the company's lists).
  const [office, settings, desks, employees, interventions] = await Promise.all([
    api.get<Office>(path),
    api.get<Settings>('/settings'),
    api.all<Desk>('/desks', { office: id }),
    api.all<Employee>('/employees', { office: id }),
    officeInterventions(id),
  ]);
  ctx.title(office.name);
  const period = periodFrom(ctx.query, office.timeZone);
  const oneDay = period.to === addDays(period.from, 1);
  const query = { from: period.from, to: period.to };
  const markerLabel = (i: Intervention) => {
    const kind = t(`loop.kind.${i.kind}`);
    return i.subject.level === 'desk' ? `${desks.find((d) => d.id === i.subject.id)?.name ?? i.subject.id}: ${kind}` : kind;
  };

  const strip = h(
    'div',
    { class: 'live-strip', id: 'live', 'aria-live': 'polite' },
    h('span', { class: 'muted' }, t('office.liveWaiting')),
  );
  const body = h('div', { id: 'office-body' });
  ctx.root.append(
    periodPicker(period, (p) => ctx.navigate(p)),
    h(
      'p',
      { class: 'muted' },
      `${fmtDay(period.from)} – ${fmtDay(addDays(period.to, -1))} · ${t('office.timeZone', { zone: office.timeZone })} `,
      h('button', { type: 'button', class: 'no-print', onclick: () => window.print() }, t('print.button')),
    ),
    h('section', { class: 'no-print' }, h('h2', {}, t('office.live')), strip),
    body,
  );

  let charts: { destroy(): void }[] = [];
  ctx.onLeave(() => {
    for (const c of charts) c.destroy();
  });

  const draw = async () => {
    // The heat map comes with the trend (byWeekdayHour over the whole period): no request per hour bucket.
    // Places within the office: its rankings read only its rows, not the company's.
    const [scores, deskRanking, employeeRanking] = await Promise.all([
      api.get<SubjectScores>(`${path}/scores`, { ...query, bucket: oneDay ? 'hour' : 'day' }),
      api.get<Ranking>('/rankings', { level: 'desk', index: 'ink', office: id, ...query }),
      api.get<Ranking>('/rankings', { level: 'employee', index: 'ink', office: id, ...query }),
    ]);
    if (ctx.left) return;
    for (const c of charts) c.destroy();
    charts = [];
    const total = scores.total.scores;
    const cards = h('div', { class: 'cards', id: 'figures' }, ...FIGURES.map((f) => figureCard(total, scores.change, f)));
    const previous = h(
      'p',
      { class: 'muted' },
      t('office.previous', { from: fmtDay(scores.previous.start.slice(0, 10)), to: fmtDay(addDays(scores.previous.end.slice(0, 10), -1)) }),
    );
    const trends = h('div', { class: 'trends' });
    // Interventions on a desk are labelled with the desk: the office's trends mark them too.
    const markers = oneDay ? [] : markersFor(interventions, scores.buckets, markerLabel);
    for (const f of TREND_FIGURES.filter((f) => pick(total, f))) {
      const chart = bandChart(trendPoints(scores.buckets, f), {
        title: figureName(f),
        label: figureName(f, true),
        format: (v) => fmtFigure(f, v),
        timeZone: office.timeZone,
        step: oneDay ? 'hour' : 'day',
        markers,
      });
      charts.push(chart);
      trends.append(chart.el);
    }
    const heat = h('div', { class: 'heatmaps' });
    for (const [kind, figure] of [
      ['office', 'inkOffice'],
      ['staff', 'inkStaff'],
    ] as const) {
      if (total[kind]) {
        heat.append(
          heatmap(heatCells(scores.byWeekdayHour, kind, settings), {
            title: t('office.heatmap', { index: figureName(figure, true), from: fmtDay(period.from), to: fmtDay(addDays(period.to, -1)) }),
          }),
        );
      }
    }
    const columns = memberColumns(ctx.query);
    body.replaceChildren(
      h('h2', {}, t('office.figures')),
      cards,
      previous,
      h('h2', {}, t('office.trends')),
      trends,
      heat,
      h('p', { class: 'muted', id: 'rank-note' }, t('office.rankNote')),
      h('h2', {}, t('office.desks')),
      table(columns, members(desks, deskRanking), { csvName: `desks-${id}-${period.from}`, id: 'desks', rowId: (r) => r.id }),
      h('h2', {}, t('office.employees')),
      table(
        columns,
        members(employees, employeeRanking, (e) => `/employees/${encodeURIComponent(e.id)}`),
        { csvName: `employees-${id}-${period.from}`, id: 'employees', rowId: (r) => r.id },
      ),
    );
    body.dataset.drawn = String(Number(body.dataset.drawn ?? 0) + 1);
  };
  await draw();
  if (ctx.query.get('print') === '1') return;

  // Live: each press shows in the strip at once, and the figures are fetched again at once too (the press
  // is committed before its frame is sent); presses arriving while a refresh is under way make one more
  // refresh after it, so a burst costs at most two.
  let drawing = false;
  let again = false;
  const refresh = () => {
    if (drawing) {
      again = true;
      return;
    }
    drawing = true;
    void (async () => {
      do {
        again = false;
        await draw().catch(() => undefined);
      } while (again && !ctx.left);
      drawing = false;
    })();
  };
  const events = api.events('/live', { office: id });
  events.addEventListener('press', (e) => {
    const press = JSON.parse((e as MessageEvent<string>).data) as LivePress;
    if (press.officeId !== id) return;
    if (strip.querySelector('.muted')) strip.replaceChildren();
    const desk = desks.find((d) => d.id === press.deskId)?.name ?? press.panel;
    strip.prepend(
      h(
        'span',
        { class: `press ${press.button}`, 'data-event': press.eventId, title: press.kioskId },
        `${fmtTime(press.at, office.timeZone)} · ${desk} · ${t(`button.${press.button}`)}`,
      ),
    );
    while (strip.children.length > LIVE_STRIP_MAX) strip.lastElementChild?.remove();
    refresh();
  });
  // Nothing is replayed after a reconnect (gateway restart, network) or a relay gap: fetch the figures again.
  let opened = false;
  events.addEventListener('open', () => {
    if (opened) refresh();
    opened = true;
    strip.dataset.stream = 'open'; // the gateway has this page's subscription from here on (tests wait for it)
  });
  events.addEventListener('error', () => {
    strip.dataset.stream = 'reconnecting';
  });
  events.addEventListener('resync', refresh);
  ctx.onLeave(() => events.close());
}
