/** Pin facts shared by the agent and the board child, kept free of johnny-five so the agent never loads it. */
import type { Panel } from '../../shared/src/index.js';

/** thanks: the pressed button; error: all, fast (not stored); armed: all, slow, inviting a press. */
export type LedPattern = 'thanks' | 'error' | 'armed' | 'off';

/** Level an input pin has while the button is down: pull-up circuits read LOW (johnny-five's invert rule). */
export function downLevel(panel: Panel): 0 | 1 {
  return (panel.invert ?? panel.pullup ?? false) ? 0 : 1;
}

/** What the board process wires up for a panel; the rest (questions, names, texts) never needs a board restart. */
function wiring(panel: Panel): unknown {
  const { id, pins, leds, pullup, invert, display, reasons } = panel;
  const lcd = display && display.kind !== 'screen' ? { ...display, rom: undefined, touch: undefined } : undefined;
  return { id, pins, leds, pullup, invert, lcd, reasonPins: reasons?.pins };
}

export function hardwareChanged(before: readonly Panel[], after: readonly Panel[]): boolean {
  return JSON.stringify(before.map(wiring)) !== JSON.stringify(after.map(wiring));
}
