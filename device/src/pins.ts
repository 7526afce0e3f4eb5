/** Pin facts shared by the agent and the board child, kept free of johnny-five so the agent never loads it. */
import type { Panel } from '../../shared/src/index.js';

export type LedPattern = 'thanks' | 'error';

/** Level an input pin has while the button is down: pull-up circuits read LOW (johnny-five's invert rule). */
export function downLevel(panel: Panel): 0 | 1 {
  return (panel.invert ?? panel.pullup ?? false) ? 0 : 1;
}
