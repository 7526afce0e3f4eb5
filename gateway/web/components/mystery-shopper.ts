/**
 * An employee's mystery-shopper visits beside their scores: the period's visits (date, checklist score,
 * notes, who) and their mean, and a form recording one (POST /employees/:id/mystery-shopper; admins and
 * managers in scope, the roles that see this page). After recording, the period's visits are read again.
 */
import '../i18n/loop.js';
import { api } from '../api.js';
import { fmtDay, fmtNumber, t } from '../i18n.js';
import type { Visit } from '../types.js';
import { h } from './dom.js';
import { field, input, notice, onSubmit } from './form.js';
import { table } from './table.js';

/** `from`/`to`: the period's local dates, `to` exclusive (as the API reads them). */
export function mysteryShopperSection(employeeId: string, period: { from: string; to: string }, initial: Visit[]): HTMLElement {
  const mean = h('p', { id: 'ms-mean' });
  const list = h('div', {});
  const draw = (visits: Visit[]) => {
    const avg = visits.length ? visits.reduce((sum, v) => sum + v.score, 0) / visits.length : null;
    mean.dataset.mean = avg === null ? '' : String(avg);
    mean.textContent = avg === null ? t('ms.noneInPeriod') : t('ms.mean', { mean: fmtNumber(avg, 1), n: visits.length });
    list.replaceChildren(
      table(
        [
          { label: t('ms.col.date'), cell: (v: Visit) => fmtDay(v.date) },
          { label: t('ms.col.score'), numeric: true, cell: (v) => h('span', { 'data-score': v.score }, fmtNumber(v.score, 1)) },
          { label: t('ms.col.notes'), cell: (v) => v.notes },
          { label: t('ms.col.who'), cell: (v) => v.who },
        ],
        visits,
        { csvName: `employee-${employeeId}-mystery-shopper`, id: 'visits', rowId: (v) => v.id },
      ),
    );
  };
  draw(initial);

  const path = `/employees/${encodeURIComponent(employeeId)}/mystery-shopper`;
  const date = input('date', { type: 'date', required: true });
  date.id = 'ms-date';
  const score = input('score', { type: 'number', min: 0, max: 100, step: 'any', required: true });
  score.id = 'ms-score';
  const notes = input('notes', { maxlength: 4000 });
  notes.id = 'ms-notes';
  const status = h('div', { class: 'status' });
  const form = h(
    'form',
    { class: 'inline-form no-print', id: 'add-visit', novalidate: true },
    field(t('ms.col.date'), date),
    field(t('ms.score'), score),
    field(t('ms.notes'), notes),
    h('button', { type: 'submit' }, t('ms.save')),
    status,
  );
  onSubmit(form, async () => {
    status.replaceChildren();
    // A blank score goes as NaN → null: the API's check answers it next to the field.
    const saved = await api.post<Visit>(path, {
      date: date.value,
      score: score.value.trim() === '' ? Number.NaN : Number(score.value),
      ...(notes.value.trim() ? { notes: notes.value.trim() } : {}),
    });
    draw((await api.get<{ items: Visit[] }>(path, { from: period.from, to: period.to })).items);
    const inside = saved.date >= period.from && saved.date < period.to;
    status.replaceChildren(notice(t(inside ? 'ms.saved' : 'ms.outside')));
    form.reset();
  });
  return h('section', { id: 'mystery-shopper' }, h('h2', {}, t('ms.title')), mean, list, h('h3', {}, t('ms.add')), form);
}
