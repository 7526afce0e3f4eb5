/**
 * A day's served tickets from the queue system (CSV: ticket, desk, operator, served) read into rows with
 * their line numbers. `served` is a local time of the desk's office or ISO with an offset, as in a rota
 * (rota.ts `rotaInstant`). Pure: the route checks desks, operators and times; the store writes all or nothing.
 */
import { slicer } from '../lib/event-loop.js';
import { readCsv, type RotaError } from './rota.js';

export const SERVED_COLUMNS = ['ticket', 'desk', 'operator', 'served'] as const;
/** A busy office's day; a larger file is refused whole (split it by office): one import is one transaction. */
export const SERVED_MAX_ROWS = 10_000;
const CONTROL = /\p{Cc}/u;

export interface ServedRow {
  line: number;
  ticket: string;
  desk: string;
  operator: string;
  served: string;
}

/** Rows (a header line naming the columns is skipped), or the file's errors by line. */
export async function parseServed(text: string): Promise<{ rows: ServedRow[]; errors: RotaError[] }> {
  const { records, errors } = await readCsv(text, SERVED_COLUMNS, SERVED_COLUMNS.length, SERVED_MAX_ROWS);
  const rows: ServedRow[] = [];
  const pause = slicer();
  for (const { line, cells } of records) {
    await pause();
    const [ticket = '', desk = '', operator = '', served = ''] = cells;
    const empty = SERVED_COLUMNS.find((_, i) => !cells[i]);
    if (empty) errors.push({ line, message: `${empty}: empty` });
    else if (ticket.length > 64 || CONTROL.test(ticket))
      errors.push({ line, message: 'ticket: at most 64 characters, no control characters' });
    else rows.push({ line, ticket, desk, operator, served });
  }
  return { rows, errors: errors.sort((a, b) => a.line - b.line) };
}

/**
 * The id a served.csv line is stored under. Not the identity that makes a ticket count once — that is
 * (desk, ticket, time), whichever way it came — but a key the events endpoint's ids cannot take ('/').
 */
export const servedCsvId = (desk: string, ticket: string, at: number): string => `served.csv/${desk}/${ticket}/${at}`;
