/**
 * Gateway-side misuse flags, authoritative (kiosk flags are only hints): the shared `flagPress` replayed
 * over each (kiosk, panel)'s presses in time order, so late or out-of-order arrivals are judged as if
 * they had arrived on time.
 */
import { emptyHistory, flagPress, type MisuseFlag, type MisuseRules } from '../../../shared/src/misuse.js';

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
