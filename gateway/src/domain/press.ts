/** A press as the gateway stores and scores it (the wire event is shared/src's `Event`). */
import type { PanelKind } from '../../../shared/src/index.js';
import type { Cause } from './case.js';

/** How a press's time `t` was found, as stored (`events.time_source`). */
export const TIME_SOURCE = {
  /** The kiosk's clock was synced: its wall time is trusted. */
  synced: 0,
  /** Derived from the boot's anchor (its earliest synced press) and the uptimes. */
  corrected: 1,
  /** No synced press of its boot yet: no time, so in no rollup. */
  uncertain: 2,
} as const;

/** A boot's earliest synced press: pins uptime to wall time for the boot's unsynced presses. */
export interface BootAnchor {
  uptimeMs: number;
  at: number;
}

/** A stored press of a bound panel with its scoring: office, desk, kind, corrected time, employee, misuse flag. */
export interface ScoredPress {
  /** Arrival order (the events table's rowid). */
  rid: number;
  kioskId: string;
  panel: string;
  seq: number;
  button: 'good' | 'neutral' | 'bad';
  bootId: string;
  uptimeMs: number;
  /** The kiosk's wall time, epoch ms. */
  at: number;
  officeId: string | null;
  deskId: string | null;
  employeeId: string | null;
  kind: PanelKind | null;
  /** The time it is scored at (see TIME_SOURCE); null while uncertain. */
  t: number | null;
  timeSource: number | null;
  /** Non-zero: excluded, not a vote; a bit set (domain/armed.ts EXCL): 1 misuse rules, 2 outside the armed window. */
  excl: number;
  /** Armed panels: the queue ticket it answered (counted, credited to its operator) or the kiosk sent. */
  ticket?: string | null;
  /** A reviewer's classification of the press as a case (domain/case.ts); null or absent while pending. */
  cause?: Cause | null;
}

/**
 * A stored press that counts: scored at an office, with a time that is not uncertain, not excluded. Such a
 * press is a case when its button is (domain/case.ts isCaseButton); store/negative-feed.ts asks the same in SQL.
 */
export function isCounted(p: Pick<ScoredPress, 'officeId' | 't' | 'timeSource' | 'excl'>): boolean {
  return p.officeId !== null && p.t !== null && (p.timeSource ?? 0) < TIME_SOURCE.uncertain && p.excl === 0;
}
