/**
 * Gateway-side misuse flags, authoritative (kiosk flags are only hints): the shared `flagPress` replayed
 * over each (kiosk, panel)'s presses in time order, so late or out-of-order arrivals are judged as if
 * they had arrived on time.
 */
import { emptyHistory, flagPress, type MisuseFlag, type MisuseRules, type PanelHistory } from '../../../shared/src/misuse.js';
import { EXCL } from '../domain/armed.js';

export interface PanelPress {
  kioskId: string;
  panel: string;
  /** Epoch ms; pass the clock-corrected time. */
  at: number;
  /** Per-kiosk sequence number: orders presses stamped with the same millisecond. */
  seq?: number;
}

export type FlaggedPress<P> = P & { misuseFlags: MisuseFlag[] };

/** Flags every press; returns them in input order, each with `misuseFlags` (empty = counted). */
export function flagPresses<P extends PanelPress>(presses: readonly P[], rules: MisuseRules): Array<FlaggedPress<P>> {
  const flags: MisuseFlag[][] = presses.map(() => []);
  for (const group of groupByPanel(presses).values()) {
    group.sort((i, j) => presses[i]!.at - presses[j]!.at || (presses[i]!.seq ?? 0) - (presses[j]!.seq ?? 0) || i - j);
    let history = emptyHistory();
    for (const i of group) {
      const result = flagPress(history, presses[i]!.at, rules);
      flags[i] = result.flags;
      history = result.history;
    }
  }
  return presses.map((p, i) => ({ ...p, misuseFlags: flags[i]! }));
}

function groupByPanel(presses: readonly PanelPress[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  presses.forEach((p, i) => {
    const key = JSON.stringify([p.kioskId, p.panel]);
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  return groups;
}

/**
 * A press at least this long after the previous press on its panel is judged as if nothing came before
 * it (no lock-out or burst window reaches back over the gap). So after a late event the gateway need
 * only re-flag a panel from the last such quiet point before the late event, not from the beginning.
 */
export function quietGapMs(rules: MisuseRules): number {
  return Math.max(rules.lockoutMs, rules.burstWindowMs);
}

/**
 * The rules' state of a panel after its stored presses (t ascending, each with its stored flag): the last
 * accepted press and the recent presses. Presses from a quiet gap before the last one are enough.
 */
export function historyFromStored(presses: Iterable<{ t: number; excl: number }>): PanelHistory {
  const history = emptyHistory();
  for (const p of presses) {
    history.recent.push(p.t);
    if (!(p.excl & EXCL.misuse)) history.lastAcceptedAt = p.t; // the armed window is no misuse rule
  }
  return history;
}

/**
 * Re-judges a panel's stored presses from `min` on (`max`: the latest change). The rules' state just
 * before `min` follows from the stored flags of the presses in the `quietGapMs` before it, which nothing
 * at or after `min` can change; so the replay starts at `min`, not at the beginning of a possibly endless
 * mashing session. It runs on, window by window, until flags have stopped changing for `quietGapMs`: from
 * there on the state equals the stored one, so every later flag stands.
 */
export class PanelReplay {
  /** The window to judge next: the panel's presses with t in [from, to]. */
  from: number;
  to: number;
  private readonly quiet: number;
  private lastChange: number;

  /** `history`: the state before `min`, historyFromStored of the presses with t in [min − quietGapMs, min − 1]. */
  constructor(
    private history: PanelHistory,
    min: number,
    max: number,
    private readonly rules: MisuseRules,
  ) {
    this.quiet = quietGapMs(rules);
    this.from = min;
    this.to = max + this.quiet;
    this.lastChange = max;
  }

  /** Judges the window's presses, in (t, seq, arrival) order, setting their `excl`; returns those whose flag changed. */
  judge<P extends { t: number | null; excl: number }>(presses: readonly P[]): P[] {
    const changed: P[] = [];
    for (const p of presses) {
      const result = flagPress(this.history, p.t!, this.rules);
      this.history = result.history;
      // Only the misuse bit is judged here; outside-the-armed-window (bit 2) stays as decided at ingest.
      const excl = (result.flags.length > 0 ? EXCL.misuse : 0) | (p.excl & EXCL.armed);
      if (excl === p.excl) continue;
      p.excl = excl;
      changed.push(p);
      this.lastChange = Math.max(this.lastChange, p.t!);
    }
    return changed;
  }

  /** After a window is judged: moves on to the next one and says true, or false when every later flag stands. */
  next(): boolean {
    if (this.lastChange + this.quiet <= this.to) return false;
    this.from = this.to + 1;
    this.to = this.lastChange + this.quiet;
    return true;
  }
}
