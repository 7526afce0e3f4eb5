/**
 * An employee: ИНК Персонал and CSAT over the period with the trend, the period's mystery-shopper visits
 * beside them, breakdowns by hour of day and by weekday, and the desk/shift history (GET /assignments),
 * all in the office's time zone.
 */
import { api } from '../api.js';
import { bandChart } from '../components/chart.js';
import { h, link } from '../components/dom.js';
import { figureCard, figureCell, figureName, fmtFigure, type FigureId } from '../components/figures.js';
import { interventionsOf, interventionsSection, markersFor } from '../components/interventions.js';
import { mysteryShopperSection } from '../components/mystery-shopper.js';
import { type Column, table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDateTime, fmtDay, fmtNumber, t, weekdayName } from '../i18n.js';
import { addDays, periodFrom, periodPicker } from '../period.js';
import type { Assignment, Desk, Employee, Office, Scores, SubjectScores } from '../types.js';
import { trendPoints } from './office.js';

const EMPLOYEE_FIGURES: FigureId[] = ['inkStaff', 'inkQualified', 'csat'];

export async function render(ctx: PageContext): Promise<void> {
  const id = ctx.params.id!;
  const employee = await api.get<Employee>(`/employees/${encodeURIComponent(id)}`);
  ctx.title(employee.name);
  const office = employee.officeId ? await api.get<Office>(`/offices/${encodeURIComponent(employee.officeId)}`) : undefined;
  const zone = office?.timeZone;
  const period = periodFrom(ctx.query, zone);
  const oneDay = period.to === addDays(period.from, 1);
  const [scores, assignments, desks, interventions] = await Promise.all([
    api.get<SubjectScores>(`/employees/${encodeURIComponent(id)}/scores`, {
      from: period.from,
      to: period.to,
      bucket: oneDay ? 'hour' : 'day',
    }),
    api.all<Assignment>('/assignments', { employeeId: id }),
    api.all<Desk>('/desks'),
    interventionsOf('employee', id),
  ]);
  if (ctx.left) return;
  const deskName = (deskId: string) => desks.find((d) => d.id === deskId)?.name ?? deskId;
  ctx.root.append(
    periodPicker(period, (p) => ctx.navigate(p)),
    h(
      'p',
      { class: 'muted' },
      `${fmtDay(period.from)} – ${fmtDay(addDays(period.to, -1))}`,
      office ? ' · ' : '',
      office ? link(`/offices/${encodeURIComponent(office.id)}`, office.name, ctx.query) : '',
      zone ? ` · ${t('office.timeZone', { zone })}` : '',
    ),
    h('div', { class: 'cards', id: 'figures' }, ...EMPLOYEE_FIGURES.map((f) => figureCard(scores.total.scores, scores.change, f))),
    mysteryShopperSection(id, period, scores.mysteryShopper?.visits ?? []),
  );
  const trends = h('div', { class: 'trends' });
  for (const f of EMPLOYEE_FIGURES) {
    const chart = bandChart(trendPoints(scores.buckets, f), {
      title: figureName(f),
      label: figureName(f, true),
      format: (v) => fmtFigure(f, v),
      timeZone: zone,
      step: oneDay ? 'hour' : 'day',
      markers: oneDay ? [] : markersFor(interventions, scores.buckets),
    });
    ctx.onLeave(() => chart.destroy());
    trends.append(chart.el);
  }
  type Breakdown = { label: string; scores: Scores };
  const breakdownColumns = (label: string): Column<Breakdown>[] => [
    { label, cell: (r) => r.label },
    ...EMPLOYEE_FIGURES.map((f) => ({ label: figureName(f, true), numeric: true, cell: (r: Breakdown) => figureCell(r.scores, f) })),
    { label: t('col.n'), numeric: true, cell: (r) => fmtNumber(r.scores.staff?.counts.total ?? 0) },
  ];
  const byHour = scores.byHourOfDay
    .filter((r) => (r.scores.staff?.counts.total ?? 0) > 0)
    .map((r) => ({ label: `${r.hour}:00`, scores: r.scores }));
  const byWeekday = scores.byWeekday
    .filter((r) => (r.scores.staff?.counts.total ?? 0) > 0)
    .map((r) => ({ label: weekdayName(r.weekday), scores: r.scores }));
  const history: Column<Assignment>[] = [
    { label: t('col.desk'), cell: (a) => deskName(a.deskId) },
    { label: t('col.from'), cell: (a) => fmtDateTime(a.from, zone) },
    { label: t('col.to'), cell: (a) => (a.to ? fmtDateTime(a.to, zone) : t('col.open')) },
  ];
  ctx.root.append(
    h('h2', {}, t('office.trends')),
    trends,
    h('h2', {}, t('employee.breakdownHour')),
    table(breakdownColumns(t('col.hour')), byHour, { csvName: `employee-${id}-hours`, id: 'by-hour' }),
    h('h2', {}, t('employee.breakdownWeekday')),
    table(breakdownColumns(t('col.weekday')), byWeekday, { csvName: `employee-${id}-weekdays`, id: 'by-weekday' }),
    h('h2', {}, t('employee.history')),
    table(
      history,
      [...assignments].sort((a, b) => b.from.localeCompare(a.from)),
      { csvName: `employee-${id}-shifts`, id: 'shifts' },
    ),
    interventionsSection('employee', id, interventions, ctx.query),
  );
}
