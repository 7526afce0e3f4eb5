import type { PanelDisplay } from '../../../shared/src/contract.js';

/** Most PCF8574 backpacks; PCF8574A ones answer at 0x3F. */
export const DEFAULT_I2C_ADDRESS = 0x27;

export function lcdSize(display: PanelDisplay): { cols: number; rows: number } {
  return { cols: display.cols ?? 16, rows: display.rows ?? 2 };
}
