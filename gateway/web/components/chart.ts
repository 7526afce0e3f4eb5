/**
 * A time-series chart (uPlot) of one index with its 95 % interval drawn as a band between the lower and
 * upper bounds. Points without a value (no presses in a bucket) leave a gap.
 */
import uPlot from 'uplot';
import { h } from './dom.js';

export interface SeriesPoint {
  /** Seconds since the epoch (bucket start). */
  x: number;
  value: number | null;
  lo: number | null;
  hi: number | null;
}

export function bandChart(
  points: SeriesPoint[],
  opts: { title: string; label: string; format: (v: number) => string; timeZone?: string | null },
): { el: HTMLElement; destroy(): void } {
  const el = h('figure', { class: 'chart' }, h('figcaption', {}, opts.title));
  const data: uPlot.AlignedData = [points.map((p) => p.x), points.map((p) => p.value), points.map((p) => p.lo), points.map((p) => p.hi)];
  const width = () => Math.max(280, Math.min(900, (el.parentElement?.clientWidth ?? 600) - 16));
  const plot = new uPlot(
    {
      width: width(),
      height: 220,
      tzDate: opts.timeZone ? (ts) => uPlot.tzDate(new Date(ts * 1000), opts.timeZone!) : undefined,
      series: [
        {},
        { label: opts.label, stroke: '#1f5fa8', width: 2, value: (_u, v) => (v === null ? '—' : opts.format(v)) },
        { label: '95 % lo', stroke: 'rgba(31,95,168,0.3)', value: (_u, v) => (v === null ? '—' : opts.format(v)) },
        { label: '95 % hi', stroke: 'rgba(31,95,168,0.3)', value: (_u, v) => (v === null ? '—' : opts.format(v)) },
      ],
      bands: [{ series: [3, 2], fill: 'rgba(31,95,168,0.12)' }],
      axes: [{}, { values: (_u, splits) => splits.map((v) => opts.format(v)) }],
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
