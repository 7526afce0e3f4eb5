/**
 * One press, one vote: misuse flags (docs/scores.md, settings). Pure, so the kiosk (hint) and the gateway
 * (authoritative, later) compute the same thing from the same history.
 */
export type MisuseFlag = 'repeat' | 'burst';

export interface MisuseRules {
  /** A press within this many ms after the previous accepted press on the same panel is `repeat`. */
  lockoutMs: number;
  /** `burstCount` or more presses (of any flag) on one panel within `burstWindowMs` are `burst`. */
  burstCount: number;
  burstWindowMs: number;
}

export const DEFAULT_MISUSE_RULES: MisuseRules = { lockoutMs: 5000, burstCount: 5, burstWindowMs: 10_000 };

/** What the rules need to remember about one panel. */
export interface PanelHistory {
  /** Time of the last press that carried no flag. */
  lastAcceptedAt?: number;
  /** Times of recent presses (any flag), oldest first, trimmed to the burst window. */
  recent: number[];
}

export function emptyHistory(): PanelHistory {
  return { recent: [] };
}

/**
 * Flags a press at `at` (ms) given the panel's history, and returns the history to keep.
 * A clock step backwards is treated as "no time passed", never as a negative gap.
 */
export function flagPress(history: PanelHistory, at: number, rules: MisuseRules): { flags: MisuseFlag[]; history: PanelHistory } {
  const flags: MisuseFlag[] = [];
  if (history.lastAcceptedAt !== undefined && at - history.lastAcceptedAt < rules.lockoutMs) {
    flags.push('repeat');
  }
  const recent = history.recent.filter((t) => at - t < rules.burstWindowMs && t <= at);
  recent.push(at);
  if (recent.length >= rules.burstCount) flags.push('burst');
  const lastAcceptedAt = flags.length === 0 ? at : history.lastAcceptedAt;
  return { flags, history: { lastAcceptedAt, recent } };
}
