/**
 * The period picker: today, 7 days, this month, last month or custom, kept in the page's hash query
 * (`?period=7d` or `?from=YYYY-MM-DD&to=YYYY-MM-DD`) so a link or a reload shows the same. The API takes
 * local dates with `to` exclusive; the picker shows `to` inclusive, as people count days.
 */
import { t } from './i18n.js';

export type Preset = 'today' | '7d' | 'thisMonth' | 'lastMonth' | 'custom';
export interface Period {
  preset: Preset;
  /** Local date, inclusive. */
  from: string;
  /** Local date, exclusive (the API's convention). */
  to: string;
}

const PRESETS: Preset[] = ['today', '7d', 'thisMonth', 'lastMonth', 'custom'];
export const DEFAULT_PRESET: Preset = '7d';

/** Today's local date in a time zone (an office's), or the viewer's. */
export function today(timeZone?: string | null): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timeZone ?? undefined,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
  return parts; // en-CA writes YYYY-MM-DD
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10);
}

function monthStart(day: string, monthsBack = 0): string {
  const [y, m] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1 - monthsBack, 1)).toISOString().slice(0, 10);
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The period a page's query names, dates computed in `timeZone` (the office's own for an office). */
export function periodFrom(query: URLSearchParams, timeZone?: string | null): Period {
  const from = query.get('from');
  const to = query.get('to');
  if (from && to && DAY.test(from) && DAY.test(to) && from < to) return { preset: 'custom', from, to };
  const preset = (PRESETS as string[]).includes(query.get('period') ?? '') ? (query.get('period') as Preset) : DEFAULT_PRESET;
  const now = today(timeZone);
  switch (preset) {
    case 'today':
      return { preset, from: now, to: addDays(now, 1) };
    case 'thisMonth':
      return { preset, from: monthStart(now), to: addDays(now, 1) };
    case 'lastMonth':
      return { preset, from: monthStart(now, 1), to: monthStart(now) };
    default:
      return { preset: '7d', from: addDays(now, -6), to: addDays(now, 1) };
  }
}

/** The picker; `onChange` gets the new query parameters (the page puts them in the hash). */
export function periodPicker(period: Period, onChange: (params: Record<string, string | null>) => void): HTMLElement {
  const form = document.createElement('form');
  form.className = 'period';
  form.setAttribute('aria-label', t('period.label'));
  for (const preset of PRESETS.filter((p) => p !== 'custom')) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = t(`period.${preset}`);
    b.dataset.preset = preset;
    if (period.preset === preset) b.setAttribute('aria-pressed', 'true');
    b.addEventListener('click', () => onChange({ period: preset, from: null, to: null }));
    form.append(b);
  }
  const from = dateInput('from', period.from);
  const to = dateInput('to', addDays(period.to, -1));
  const apply = document.createElement('button');
  apply.type = 'submit';
  apply.textContent = t('period.apply');
  form.append(from.label, to.label, apply);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!from.input.value || !to.input.value || from.input.value > to.input.value) return;
    onChange({ period: null, from: from.input.value, to: addDays(to.input.value, 1) });
  });
  return form;
}

function dateInput(name: 'from' | 'to', value: string) {
  const label = document.createElement('label');
  label.textContent = `${t(`period.${name}`)} `;
  const input = document.createElement('input');
  input.type = 'date';
  input.name = name;
  input.value = value;
  label.append(input);
  return { label, input };
}
