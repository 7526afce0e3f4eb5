/**
 * A table with a CSV button that exports exactly what is on screen (the cells' text, in the viewer's
 * language and number format), so a manager's spreadsheet matches what they saw.
 */
import { t } from '../i18n.js';
import { h } from './dom.js';

export interface Column<R> {
  /** Header text. */
  label: string;
  /** The cell: text, or a node (its text goes to the CSV). */
  cell: (row: R) => string | Node;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

export function table<R>(
  columns: Column<R>[],
  rows: R[],
  opts: { csvName: string; caption?: string; id?: string; rowId?: (row: R) => string },
): HTMLElement {
  const head = h('tr', {}, ...columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.label)));
  const body = h('tbody', {});
  for (const row of rows)
    body.append(
      h('tr', { 'data-id': opts.rowId?.(row) }, ...columns.map((c) => h('td', { class: c.numeric ? 'num' : undefined }, c.cell(row)))),
    );
  if (rows.length === 0) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, t('table.empty'))));
  const tableEl = h('table', { id: opts.id }, opts.caption ? h('caption', {}, opts.caption) : null, h('thead', {}, head), body);
  const csv = h('button', { type: 'button', class: 'csv no-print', onclick: () => downloadCsv(tableEl, opts.csvName) }, t('csv.export'));
  return h('div', { class: 'table-wrap' }, csv, h('div', { class: 'scroll' }, tableEl));
}

/** The table's cells as CSV (RFC 4180 quoting), header row first. */
export function tableCsv(tableEl: HTMLTableElement): string {
  const rows = [...tableEl.querySelectorAll('tr')].filter((tr) => !tr.querySelector('td.empty'));
  return rows
    .map((tr) =>
      [...tr.querySelectorAll('th, td')]
        .map((cell) => {
          const text = (cell.textContent ?? '').replace(/\s+/g, ' ').trim();
          return /[",\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
        })
        .join(','),
    )
    .join('\r\n');
}

function downloadCsv(tableEl: HTMLTableElement, name: string): void {
  // A BOM so spreadsheet programs read Cyrillic as UTF-8.
  const blob = new Blob([`\ufeff${tableCsv(tableEl)}\r\n`], { type: 'text/csv;charset=utf-8' });
  const a = h('a', { href: URL.createObjectURL(blob), download: `${name}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
