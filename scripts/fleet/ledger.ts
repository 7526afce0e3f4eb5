/**
 * The simulator's ledger: every event it generated (id, seq per kiosk) with the outcome the contract
 * promises for it (stored once, or rejected as implausible), and the check of a gateway against it.
 */
import { EARLIEST_PLAUSIBLE_PRESS, MAX_FUTURE_SKEW_MS, type Button, type Event } from '../../shared/src/index.js';
import type { GatewayApi } from './api.js';

export type Expectation = 'stored' | 'rejected';

/** What was pressed, for the expected scores (the simulator's figures; the delivery check needs none of it). */
export interface LedgerPress {
  panel: string;
  button: Button;
  at: number;
  clockSynced: boolean;
}

export interface LedgerEntry {
  id: string;
  seq: number;
  expect: Expectation;
  press?: LedgerPress;
}

/** What the gateway will do with an event, by the contract's time rule (decided margins, no edge cases). */
export function expectationOf(event: Pick<Event, 'at' | 'clockSynced'>, now: number): Expectation {
  if (!event.clockSynced) return 'stored';
  const t = Date.parse(event.at);
  return t < EARLIEST_PLAUSIBLE_PRESS || t > now + MAX_FUTURE_SKEW_MS ? 'rejected' : 'stored';
}

export class Ledger {
  readonly kiosks = new Map<string, LedgerEntry[]>();

  add(kioskId: string, entry: LedgerEntry): void {
    const list = this.kiosks.get(kioskId) ?? [];
    if (!this.kiosks.has(kioskId)) this.kiosks.set(kioskId, list);
    list.push(entry);
  }

  set(kioskId: string, entries: LedgerEntry[]): void {
    this.kiosks.set(kioskId, entries);
  }

  totals(): { kiosks: number; events: number; stored: number; rejected: number } {
    const all = [...this.kiosks.values()].flat();
    const rejected = all.filter((e) => e.expect === 'rejected').length;
    return { kiosks: this.kiosks.size, events: all.length, stored: all.length - rejected, rejected };
  }
}

export interface KioskCheck {
  kioskId: string;
  expected: { stored: number; rejected: number; lastSeq: number; gaps: string };
  gateway: { received: number; rejected: number; lastSeq: number; gaps: string };
  /** Ledger events meant to be stored that the gateway does not hold. */
  lost: number;
  /** Extra copies: rows beyond one per event id, or two rows for one seq. */
  duplicated: number;
  /** Rows the ledger knows nothing about. */
  unknown: number;
  problems: string[];
}

function maxOf(values: Iterable<number>): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}

/**
 * Seq gaps the gateway should report: every seq below the highest stored one that is not stored. Each
 * must be explained by a rejected event of the ledger (a seq the kiosk never used would be a loss).
 */
export function expectedGaps(entries: LedgerEntry[]): { from: number; to: number }[] {
  const stored = new Set(entries.filter((e) => e.expect === 'stored').map((e) => e.seq));
  const top = maxOf(stored);
  const gaps: { from: number; to: number }[] = [];
  for (let seq = 1; seq <= top; seq++) {
    if (stored.has(seq)) continue;
    const last = gaps.at(-1);
    if (last && last.to === seq - 1) last.to = seq;
    else gaps.push({ from: seq, to: seq });
  }
  return gaps;
}

/** Seqs below the top that the ledger cannot explain (neither stored nor rejected). */
export function unexplainedSeqs(entries: LedgerEntry[]): number[] {
  const seqs = new Set(entries.map((e) => e.seq));
  const top = maxOf(seqs);
  const out: number[] = [];
  for (let seq = 1; seq <= top && out.length < 20; seq++) if (!seqs.has(seq)) out.push(seq);
  return out;
}

const gapText = (gaps: { from: number; to: number }[]) => gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(',');

export async function checkKiosk(api: GatewayApi, kioskId: string, entries: LedgerEntry[]): Promise<KioskCheck> {
  const k = await api.kiosk(kioskId);
  const rows = await api.events(kioskId);
  const stored = entries.filter((e) => e.expect === 'stored');
  const known = new Set(entries.map((e) => e.id));
  const held = new Set(rows.map((r) => r.id));
  const seqs = new Set(rows.map((r) => r.seq));
  const expected = {
    stored: stored.length,
    rejected: entries.length - stored.length,
    lastSeq: stored.reduce((m, e) => Math.max(m, e.seq), 0),
    gaps: gapText(expectedGaps(entries)),
  };
  const gateway = { received: k.counters.received, rejected: k.counters.rejected, lastSeq: k.counters.lastSeq, gaps: gapText(k.gaps) };
  const check: KioskCheck = {
    kioskId,
    expected,
    gateway,
    lost: stored.filter((e) => !held.has(e.id)).length,
    duplicated: rows.length - held.size + (rows.length - seqs.size),
    unknown: rows.filter((r) => !known.has(r.id)).length,
    problems: [],
  };
  for (const key of ['lastSeq', 'gaps'] as const) {
    if (expected[key] !== gateway[key]) check.problems.push(`${key}: expected ${expected[key] || '-'}, gateway ${gateway[key] || '-'}`);
  }
  if (expected.stored !== gateway.received) check.problems.push(`received: expected ${expected.stored}, gateway ${gateway.received}`);
  if (expected.rejected !== gateway.rejected) check.problems.push(`rejected: expected ${expected.rejected}, gateway ${gateway.rejected}`);
  const unexplained = unexplainedSeqs(entries);
  if (unexplained.length) check.problems.push(`seqs missing from the ledger: ${unexplained.join(',')}`);
  if (check.lost) check.problems.push(`${check.lost} lost`);
  if (check.duplicated) check.problems.push(`${check.duplicated} duplicated`);
  if (check.unknown) check.problems.push(`${check.unknown} not in the ledger`);
  return check;
}

export async function checkLedger(api: GatewayApi, ledger: Ledger): Promise<KioskCheck[]> {
  const checks: KioskCheck[] = [];
  for (const [kioskId, entries] of ledger.kiosks) checks.push(await checkKiosk(api, kioskId, entries));
  return checks;
}

/** Prints each kiosk that does not match; true when all match. */
export function printChecks(checks: KioskCheck[], log: (line: string) => void = console.log): boolean {
  const bad = checks.filter((c) => c.problems.length > 0);
  for (const c of bad.slice(0, 30)) log(`  MISMATCH ${c.kioskId}: ${c.problems.join('; ')}`);
  if (bad.length > 30) log(`  … and ${bad.length - 30} more kiosks`);
  return bad.length === 0;
}
