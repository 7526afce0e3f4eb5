/**
 * A time-series chart (uPlot) of one index with its 95 % interval drawn as a band between the lower and
 * upper bounds. Points without a value (no presses in a bucket) leave a gap.
 */
import uPlot from 'uplot';
import { locale, t } from '../i18n.js';
import { h } from './dom.js';

const HOUR = 3600;
const DAY = 24 * HOUR;

function tickLabel(seconds: number, step: 'hour' | 'day', timeZone?: string | null): string {
  const f: Intl.DateTimeFormatOptions = step === 'day' ? { day: 'numeric', month: 'short' } : { hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale(), { ...f, timeZone: timeZone ?? undefined }).format(seconds * 1000);
}

/** Each marker as a dashed orange line across the plot, its label at the top. */
function drawMarkers(u: uPlot, markers: Array<{ x: number; label: string }>): void {
  const ctx = u.ctx;
  const { top, height } = u.bbox;
  ctx.save();
  ctx.strokeStyle = '#d9480f';
  ctx.fillStyle = '#d9480f';
  ctx.lineWidth = 2 * devicePixelRatio;
  ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
  ctx.font = `${12 * devicePixelRatio}px sans-serif`;
  for (const m of markers) {
    const x = u.valToPos(m.x, 'x', true);
    if (!Number.isFinite(x)) continue;
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.fillText(m.label, x + 4 * devicePixelRatio, top + 14 * devicePixelRatio);
  }
  ctx.restore();
}

export interface SeriesPoint {
  /** Seconds since the epoch (bucket start). */
  x: number;
  value: number | null;
  lo: number | null;
  hi: number | null;
}

export function bandChart(
  points: SeriesPoint[],
  opts: {
    title: string;
    label: string;
    format: (v: number) => string;
    timeZone?: string | null;
    step: 'hour' | 'day';
    /** Vertical dashed lines with a label (interventions), x in seconds like the points. */
    markers?: Array<{ x: number; label: string }>;
  },
): { el: HTMLElement; destroy(): void } {
  const markers = opts.markers ?? [];
  const el = h('figure', { class: 'chart', 'data-markers': markers.length }, h('figcaption', {}, opts.title));
  const data: uPlot.AlignedData = [points.map((p) => p.x), points.map((p) => p.value), points.map((p) => p.lo), points.map((p) => p.hi)];
  const width = () => Math.max(280, Math.min(900, (el.parentElement?.clientWidth ?? 600) - 16));
  const plot = new uPlot(
    {
      width: width(),
      height: 220,
      tzDate: opts.timeZone ? (ts) => uPlot.tzDate(new Date(ts * 1000), opts.timeZone!) : undefined,
      series: [
        // Every legend label in the viewer's language (uPlot's own default for x is an English "Time").
        { label: t('chart.time') },
        { label: opts.label, stroke: '#1f5fa8', width: 2, value: (_u, v) => (v === null ? '—' : opts.format(v)) },
        { label: t('chart.lo'), stroke: 'rgba(31,95,168,0.3)', value: (_u, v) => (v === null ? '—' : opts.format(v)) },
        { label: t('chart.hi'), stroke: 'rgba(31,95,168,0.3)', value: (_u, v) => (v === null ? '—' : opts.format(v)) },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(31,95,168,0.12)' }],
      hooks: { draw: [(u) => drawMarkers(u, markers)] },
      axes: [
        {
          // Ticks on whole days (or hours), labelled in the viewer's language and the office's zone.
          incrs: opts.step === 'day' ? [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY] : [HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR],
          space: 60,
          values: (_u, splits) => splits.map((v) => tickLabel(v, opts.step, opts.timeZone)),
        },
        { values: (_u, splits) => splits.map((v) => opts.format(v)), size: 60 },
      ],
    },
    data,
  );
  el.append(plot.root);
  const resize = () => plot.setSize({ width: width(), height: 220 });
  window.addEventListener('resize', resize);
  requestAnimationFrame(resize);
  return {
    el,
    destroy() {
      window.removeEventListener('resize', resize);
      plot.destroy();
    },
  };
}
