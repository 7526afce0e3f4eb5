/**
 * Hour-of-day × weekday heat map: one cell per (weekday, hour) with its value; darker = worse for ИНК
 * (higher), better for ИЭЛ/CSAT when `higherIsBetter`. Empty cells (no presses) stay blank.
 */
import { weekdayName } from '../i18n.js';
import { h } from './dom.js';

export interface HeatCell {
  weekday: number; // ISO, Monday = 1
  hour: number; // 0…23
  value: number | null;
  label: string;
  /** Presses behind the value. */
  n: number;
}

export function heatmap(cells: HeatCell[], opts: { title: string; higherIsBetter?: boolean }): HTMLElement {
  const values = cells.map((c) => c.value).filter((v): v is number => v !== null);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const hours = [...new Set(cells.map((c) => c.hour))].sort((a, b) => a - b);
  const grid = h('table', { class: 'heatmap', 'aria-label': opts.title });
  grid.append(h('tr', {}, h('th', {}), ...hours.map((hr) => h('th', { scope: 'col' }, String(hr)))));
  for (let wd = 1; wd <= 7; wd++) {
    const row = h('tr', {}, h('th', { scope: 'row' }, weekdayName(wd)));
    for (const hr of hours) {
      const c = cells.find((x) => x.weekday === wd && x.hour === hr);
      const td = h('td', { title: c ? `${c.label} · n = ${c.n}` : '' });
      if (c && c.value !== null) {
        const share = max > min ? (c.value - min) / (max - min) : 0.5;
        const bad = opts.higherIsBetter ? 1 - share : share;
        td.style.background = `hsl(${Math.round(120 - 120 * bad)} 65% ${Math.round(88 - 30 * Math.abs(bad - 0.5) * 2)}%)`;
        td.textContent = c.label;
      }
      row.append(td);
    }
    grid.append(row);
  }
  return h('figure', { class: 'heat' }, h('figcaption', {}, opts.title), h('div', { class: 'scroll' }, grid));
}
