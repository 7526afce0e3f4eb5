/**
 * A panel's character LCD through johnny-five's LCD (HD44780: PCF8574 I2C backpack, or parallel 4-bit).
 * Draws the frames the agent lays out (layout.ts), rewriting only the custom characters and rows that
 * changed: a row costs ~4 I2C writes per character over Firmata.
 */
import five from 'johnny-five';
import type { PanelDisplay } from '../../../shared/src/contract.js';
import type { LcdFrame } from './layout.js';

import { DEFAULT_I2C_ADDRESS, lcdSize } from './lcd-size.js';

interface LcdLike {
  command(value: number): unknown;
  createChar(slot: number, rows: number[]): unknown;
  setCursor(col: number, row: number): unknown;
  print(text: string, options: { dontProcessSpecials: boolean }): unknown;
  clear(): unknown;
}

export class CharacterLcd {
  private readonly lcd: LcdLike;
  private shown: LcdFrame | undefined;
  private readonly rowStarts: number[];

  constructor(board: five.Board, display: PanelDisplay) {
    const { cols, rows } = lcdSize(display);
    const options =
      display.kind === 'lcd-i2c'
        ? { board, controller: 'PCF8574', address: display.address ?? DEFAULT_I2C_ADDRESS, cols, rows, lines: rows > 1 ? 2 : 1 }
        : { board, pins: display.pins, cols, rows, lines: rows > 1 ? 2 : 1 };
    this.lcd = new five.LCD(options as five.LCDGeneralOption) as unknown as LcdLike;
    // johnny-five's own init leaves the cursor on (PCF8574) or the display in one-line mode (parallel:
    // its function set lacks the DL/N bits). The standard 4-bit resync (0x33, 0x32) makes the next
    // function set legal again: 4-bit, lines, 5×8; then display on without cursor, left-to-right, clear.
    for (const command of [0x33, 0x32, rows > 1 ? 0x28 : 0x20, 0x0c, 0x06]) this.lcd.command(command);
    this.lcd.clear();
    // Rows 2 and 3 continue rows 0 and 1 at +cols (HD44780 geometry; johnny-five assumes 20 columns).
    this.rowStarts = [0x00, 0x40, cols, 0x40 + cols];
  }

  draw(frame: LcdFrame): void {
    const before = this.shown;
    frame.glyphs.forEach((glyph, slot) => {
      if (glyph && glyph.join() !== before?.glyphs[slot]?.join()) this.lcd.createChar(slot, glyph);
    });
    frame.rows.forEach((row, r) => {
      if (row.join() === before?.rows[r]?.join()) return;
      this.lcd.command(0x80 | this.rowStarts[r]!); // set DDRAM address
      this.lcd.print(String.fromCharCode(...row), { dontProcessSpecials: true });
    });
    this.shown = frame;
  }
}
