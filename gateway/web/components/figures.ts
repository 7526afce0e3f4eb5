/**
 * The methodology's figures as the console shows them, in one place so every page (and the browser
 * tests, which compare the page with the API) reads them the same way:
 * ИНК Офис = office panels' ИНК, ИНК Персонал = staff panels' ИНК, ИЭЛ = loyalty panels' ИЭЛ, and охват
 * and CSAT from the staff panels when the subject has any, else from the office panels. The office- and
 * product-caused figures are the staff panels' negatives a reviewer put down to the office or the product
 * (`causedBy`, docs/scores.md): out of ИНК Персонал, qualified, shown beside ИНК Офис.
 */
import type { Estimate } from '../../../shared/src/indices.js';
import { fmtChange, fmtNumber, fmtPercent, t } from '../i18n.js';
import type { Change, Kind, Scores } from '../types.js';
import { insufficientBadge } from './badge.js';
import { h } from './dom.js';

export type FigureId = 'inkOffice' | 'officeCaused' | 'inkStaff' | 'inkQualified' | 'productCaused' | 'iel' | 'coverage' | 'csat';
export const FIGURES: FigureId[] = ['inkOffice', 'officeCaused', 'inkStaff', 'inkQualified', 'productCaused', 'iel', 'coverage', 'csat'];
/** Figures with a column (and a Δ column) in the overview's tables: the caused-by ones are on the cards. */
export const TABLE_FIGURES: FigureId[] = ['inkOffice', 'inkStaff', 'inkQualified', 'iel', 'coverage', 'csat'];
/** Figures with a trend chart (the caused-by ones are read off their cards: counts, mostly small). */
export const TREND_FIGURES: FigureId[] = ['inkOffice', 'inkStaff', 'inkQualified', 'iel', 'csat'];

interface Picked {
  estimate: Estimate | null;
  kind: Kind;
  sufficient: boolean;
  n: number;
}

/** Which panel kind and index a figure is. */
export function pick(scores: Scores, figure: FigureId): Picked | undefined {
  const from = (kind: Kind, index: 'ink' | 'inkQualified' | 'iel' | 'coverage' | 'csat'): Picked | undefined => {
    const s = scores[kind];
    return s ? { estimate: s[index], kind, sufficient: s.sufficient, n: s.counts.total } : undefined;
  };
  switch (figure) {
    case 'inkOffice':
      return from('office', 'ink');
    case 'inkStaff':
      return from('staff', 'ink');
    case 'inkQualified':
      return from('staff', 'inkQualified');
    case 'officeCaused':
    case 'productCaused': {
      const s = scores.staff;
      const by = s?.causedBy;
      // No figure without a classified negative of that cause: no card of zeros on every office.
      const e = by ? (figure === 'officeCaused' ? by.office : by.product) : null;
      return s && e && e.count > 0 ? { estimate: e, kind: 'staff', sufficient: s.sufficient, n: s.counts.total } : undefined;
    }
    case 'iel':
      return from('loyalty', 'iel');
    case 'coverage':
      return from(scores.staff ? 'staff' : 'office', 'coverage');
    case 'csat':
      return from(scores.staff ? 'staff' : 'office', 'csat');
  }
}

const changeKey: Record<FigureId, keyof Change | null> = {
  inkOffice: 'ink',
  inkStaff: 'ink',
  inkQualified: 'inkQualified',
  officeCaused: null,
  productCaused: null,
  iel: 'iel',
  coverage: 'coverage',
  csat: 'csat',
};

export function pickChange(change: Partial<Record<Kind, Change>>, figure: FigureId, kind: Kind): number | null {
  const key = changeKey[figure];
  return key ? (change[kind]?.[key] ?? null) : null;
}

/** ИЭЛ is in points −100…100; the rest are shares shown as percentages. */
export function fmtFigure(figure: FigureId, v: number | null | undefined): string {
  return figure === 'iel' ? fmtNumber(v, 1) : fmtPercent(v, 1);
}

export function fmtInterval(figure: FigureId, e: Estimate | null): string {
  return e ? `${fmtFigure(figure, e.ci95[0])} – ${fmtFigure(figure, e.ci95[1])}` : '—';
}

export function fmtFigureChange(figure: FigureId, v: number | null): string {
  return figure === 'iel' ? fmtChange(v, 1) : fmtChange(v, 1, true);
}

export const figureName = (figure: FigureId, short = false) => t(`index.${figure}${short ? '.short' : ''}`);

/** A table cell: the value, or the "insufficient data" badge when the sample is below the minimum. */
export function figureCell(scores: Scores, figure: FigureId): Node | string {
  const p = pick(scores, figure);
  if (!p?.estimate) return '—';
  if (!p.sufficient) return insufficientBadge();
  return h(
    'span',
    { 'data-figure': figure, 'data-value': p.estimate.value, title: fmtInterval(figure, p.estimate) },
    fmtFigure(figure, p.estimate.value),
  );
}

/** A card: name, value with its 95 % interval and n, and the change against the previous period. */
export function figureCard(scores: Scores, change: Partial<Record<Kind, Change>>, figure: FigureId): HTMLElement | null {
  const p = pick(scores, figure);
  if (!p) return null;
  const e = p.estimate;
  const delta = pickChange(change, figure, p.kind);
  return h(
    'div',
    { class: 'card', 'data-figure': figure },
    h('div', { class: 'label' }, figureName(figure)),
    h('div', { class: 'value', 'data-value': e?.value }, fmtFigure(figure, e?.value)),
    h('div', { class: 'ci' }, `95 %: ${fmtInterval(figure, e)} · n = ${fmtNumber(p.n)}`),
    // The qualified index counts pending cases as staff-caused: the backlog is shown, never hidden.
    figure === 'inkQualified' && e && 'pending' in e
      ? h('div', { class: 'pending', 'data-pending': e.pending as number }, `${t('index.pending')}: ${fmtNumber(e.pending as number)}`)
      : null,
    e && 'count' in e
      ? h('div', { class: 'count', 'data-count': e.count as number }, t('index.caused', { n: fmtNumber(e.count as number) }))
      : null,
    changeKey[figure] ? h('div', { class: 'change' }, `${t('col.change')}: ${fmtFigureChange(figure, delta)}`) : null,
    p.sufficient ? null : insufficientBadge(),
  );
}
