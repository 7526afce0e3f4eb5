/**
 * A rota file (CSV: desk, employee, from, to) read into rows with their line numbers, and its times read as
 * instants: ISO with an offset (`2026-12-01T09:00:00+03:00`, `…Z`) as they are, local times of the desk's
 * office (`2026-12-01 09:00`, `2026-12-01T09:00`) in its time zone. Pure: the route checks desks and
 * employees, the store checks overlaps and writes all or nothing.
 */
import { parse } from 'csv-parse';
import { slicer } from '../lib/event-loop.js';
import { localTime } from './periods.js';

export const ROTA_COLUMNS = ['desk', 'employee', 'from', 'to'] as const;
/** A rota of a large company for a month fits; beyond it, split the file. */
export const ROTA_MAX_ROWS = 20_000;

export interface RotaRow {
  line: number;
  desk: string;
  employee: string;
  from: string;
  /** '' = open end. */
  to: string;
}
export interface RotaError {
  line: number;
  message: string;
}

/** Rows (a header line naming the columns is skipped), or the file's errors by line. */
export async function parseRota(text: string): Promise<{ rows: RotaRow[]; errors: RotaError[] }> {
  const { records, errors } = await readCsv(text, ROTA_COLUMNS, 3, ROTA_MAX_ROWS, '; to may be empty');
  const rows: RotaRow[] = [];
  for (const { line, cells } of records) {
    const [desk = '', employee = '', from = '', to = ''] = cells;
    if (!desk) errors.push({ line, message: 'desk: empty' });
    else if (!employee) errors.push({ line, message: 'employee: empty' });
    else if (!from) errors.push({ line, message: 'from: empty' });
    else rows.push({ line, desk, employee, from, to });
  }
  return { rows, errors: errors.sort((a, b) => a.line - b.line) };
}

/**
 * A CSV file's records with their line numbers, checked for what every import refuses: not CSV, a row with
 * fewer than `minColumns` or more than `columns.length` cells, no rows, more than `maxRows`. A first line
 * naming the columns is a header, skipped. Errors are by line; the importer adds its own. The text is fed
 * to the parser in pieces with turns of the event loop between them: 10 000 rows parsed at once held it for
 * 0.8 s on the loaded 2-core VM.
 */
export async function readCsv(
  text: string,
  columns: readonly string[],
  minColumns: number,
  maxRows: number,
  columnsNote = '',
): Promise<{ records: Array<{ line: number; cells: string[] }>; errors: RotaError[] }> {
  const parsed: Array<{ record: string[]; info: { lines: number } }> = [];
  const parser = parse({ info: true, relax_column_count: true, skip_empty_lines: true, trim: true, bom: true });
  let failure: (Error & { lines?: number }) | undefined;
  const done = new Promise<void>((resolve) => {
    parser.on('readable', () => {
      for (let r = parser.read(); r !== null; r = parser.read()) parsed.push(r);
    });
    parser.once('error', (err) => {
      failure = err;
      resolve();
    });
    parser.once('end', () => resolve());
  });
  const pause = slicer();
  for (let i = 0; i < text.length && !failure; i += PIECE) {
    // Wait until this piece is parsed before writing the next: pieces written at once are buffered and then
    // all parsed in one 'readable' turn (a 10 000-line file held the loop for 0.26 s that way).
    await new Promise<void>((resolve) => parser.write(text.slice(i, i + PIECE), () => resolve()));
    await pause();
  }
  if (!failure) parser.end();
  await done;
  if (failure) return { records: [], errors: [{ line: failure.lines ?? 1, message: `not CSV: ${failure.message}` }] };
  const records: Array<{ line: number; cells: string[] }> = [];
  const errors: RotaError[] = [];
  for (const [i, { record, info }] of parsed.entries()) {
    await pause();
    const line = info.lines;
    if (i === 0 && record.map((c) => c.toLowerCase()).join(',') === columns.join(',')) continue;
    if (record.length < minColumns || record.length > columns.length) {
      errors.push({ line, message: `expected ${columns.length} columns (${columns.join(', ')}${columnsNote}), got ${record.length}` });
      continue;
    }
    records.push({ line, cells: record });
  }
  if (records.length + errors.length === 0) errors.push({ line: 1, message: 'no rows' });
  if (records.length > maxRows) errors.push({ line: records[maxRows]!.line, message: `more than ${maxRows} rows; split the file` });
  return { records, errors };
}

/** Characters fed to the CSV parser at a time (about 50 rows: csv-parse took ~20 ms of CPU for 8 KB, cold). */
const PIECE = 2048;

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;
const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant of a rota time in `zone`, or why it is not one. A local time the clocks skip (spring forward)
 * is refused; one they repeat (fall back) is its first occurrence.
 */
export function rotaInstant(text: string, zone: string): number | string {
  if (WITH_OFFSET.test(text)) {
    const t = Date.parse(text);
    return Number.isFinite(t) ? t : `"${text}" is not a time`;
  }
  const m = LOCAL.exec(text);
  if (!m) return `"${text}" is neither a local time (YYYY-MM-DD HH:MM) nor ISO with an offset`;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const naive = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(naive).getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return `"${text}" is not a time`;
  // The zone's offset near the time, twice: once more after a DST change between the naive guess and it.
  const offsetAt = (t: number) => {
    const l = localTime(t, zone);
    return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second) - Math.floor(t / 1000) * 1000;
  };
  const candidates = [naive - offsetAt(naive - 86_400_000), naive - offsetAt(naive + 86_400_000)].sort((a, b) => a - b);
  for (const t of candidates) {
    const l = localTime(t, zone);
    if (l.year === y && l.month === mo && l.day === d && l.hour === h && l.minute === mi && l.second === s) return t;
  }
  return `${text} does not exist in ${zone} (the clocks skip it)`;
}
