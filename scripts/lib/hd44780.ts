/**
 * An HD44780 in software, for tests: fed what the (virtual) board wrote — I2C bytes to a PCF8574 backpack
 * (P0=RS P1=RW P2=E P3=backlight P4..P7=D4..D7) or parallel pin levels — it latches a nibble on each
 * falling edge of E and executes instructions as the controller does (8-bit interface at power-on, 4-bit
 * after function set DL=0), keeping DDRAM, CGRAM, the address counter and the display/cursor flags.
 * `screen()` renders what a customer reads, with the panel's ROM table; a custom character is read back
 * to the letter its bitmap draws.
 */
import { readFileSync } from 'node:fs';
import { glyphChar, LOOKALIKES, romChar, type Rom } from '../../device/src/display/rom.js';
import type { IoWrite } from '../../device/src/virtual-io.js';

export interface ParallelPins {
  rs: number;
  en: number;
  /** d4, d5, d6, d7 */
  data: [number, number, number, number];
}

export class Hd44780 {
  readonly ddram = Array<number>(0x80).fill(0x20);
  readonly cgram = Array<number>(64).fill(0);
  address = 0;
  target: 'ddram' | 'cgram' = 'ddram';
  increment = true;
  displayOn = false;
  cursorOn = false;
  blinkOn = false;
  fourBit = false;
  twoLine = false;
  backlight = false;
  /** Instructions and data bytes executed, for "nothing was redrawn" assertions. */
  writes = 0;
  private high: number | undefined;
  private lastI2c = 0;
  private readonly levels = new Map<number, number>();

  constructor(private readonly bus: { address: number } | { pins: ParallelPins }) {}

  /** Feeds one recorded write; writes to other I2C addresses or pins are ignored. */
  feed(write: IoWrite): void {
    if (write.kind === 'i2c' && 'address' in this.bus && write.address === this.bus.address) {
      for (const byte of write.bytes) this.i2cByte(byte);
    } else if (write.kind === 'pin' && 'pins' in this.bus) this.pinLevel(write.pin, write.value);
  }

  private i2cByte(byte: number): void {
    this.backlight = (byte & 0x08) !== 0;
    if (this.lastI2c & 0x04 && !(byte & 0x04)) this.latch(this.lastI2c >> 4, (this.lastI2c & 0x01) === 1);
    this.lastI2c = byte;
  }

  private pinLevel(pin: number, value: number): void {
    const { pins } = this.bus as { pins: ParallelPins };
    const was = this.levels.get(pin) ?? 0;
    this.levels.set(pin, value);
    if (pin === pins.en && was === 1 && value === 0) {
      const nibble = pins.data.reduce((n, p, bit) => n | ((this.levels.get(p) ?? 0) << bit), 0);
      this.latch(nibble, this.levels.get(pins.rs) === 1);
    }
  }

  /** One E strobe: in 8-bit mode D0..D3 are not wired (read as 0); in 4-bit mode two strobes make a byte. */
  private latch(nibble: number, rs: boolean): void {
    if (!this.fourBit) {
      this.execute(nibble << 4, rs);
      return;
    }
    if (this.high === undefined) {
      this.high = nibble;
      return;
    }
    const byte = (this.high << 4) | nibble;
    this.high = undefined;
    this.execute(byte, rs);
  }

  private execute(byte: number, rs: boolean): void {
    this.writes++;
    if (rs) this.data(byte);
    else if (byte & 0x80) {
      this.target = 'ddram';
      this.address = byte & 0x7f;
    } else if (byte & 0x40) {
      this.target = 'cgram';
      this.address = byte & 0x3f;
    } else if (byte & 0x20) {
      // Function set. The datasheet allows it only first or right after an interface-length change;
      // this model accepts it at any time.
      this.fourBit = (byte & 0x10) === 0;
      this.twoLine = (byte & 0x08) !== 0;
      this.high = undefined;
    } else if (byte & 0x10) {
      if (!(byte & 0x08)) this.address = this.step(this.address, (byte & 0x04) !== 0); // cursor move
    } else if (byte & 0x08) {
      this.displayOn = (byte & 0x04) !== 0;
      this.cursorOn = (byte & 0x02) !== 0;
      this.blinkOn = (byte & 0x01) !== 0;
    } else if (byte & 0x04) {
      this.increment = (byte & 0x02) !== 0;
    } else if (byte & 0x02) {
      this.target = 'ddram';
      this.address = 0;
    } else if (byte & 0x01) {
      this.ddram.fill(0x20);
      this.target = 'ddram';
      this.address = 0;
      this.increment = true;
    }
  }

  private data(byte: number): void {
    if (this.target === 'cgram') {
      this.cgram[this.address] = byte & 0x1f;
      this.address = (this.address + (this.increment ? 1 : 63)) & 0x3f;
    } else {
      this.ddram[this.address] = byte;
      this.address = this.step(this.address, this.increment);
    }
  }

  /** DDRAM addresses: 0x00–0x4F in one-line mode; 0x00–0x27 and 0x40–0x67 in two-line mode. */
  private step(address: number, forward: boolean): number {
    if (!this.twoLine) return (address + (forward ? 1 : 79)) % 80;
    if (forward) return address === 0x27 ? 0x40 : address === 0x67 ? 0x00 : address + 1;
    return address === 0x40 ? 0x27 : address === 0x00 ? 0x67 : address - 1;
  }

  /** The custom character in slot 0–7, as the letter or symbol its bitmap draws (▯ when unknown). */
  glyph(slot: number): string {
    return glyphChar(this.cgram.slice((slot & 7) * 8, (slot & 7) * 8 + 8)) ?? '▯';
  }

  /**
   * The screen as read: `rows` lines of `cols` characters (HD44780 geometry: rows 0/1 at 0x00/0x40, rows
   * 2/3 continue them at +cols). Blank when the display is off; a second row shows only in two-line mode.
   */
  screen(cols: number, rows: number, rom: Rom): string[] {
    const starts = [0x00, 0x40, cols, 0x40 + cols];
    return Array.from({ length: rows }, (_, r) => {
      if (!this.displayOn || (r % 2 === 1 && !this.twoLine)) return ' '.repeat(cols);
      let line = '';
      for (let c = 0; c < cols; c++) {
        const code = this.ddram[starts[r]! + c]!;
        line += code < 0x10 ? this.glyph(code) : (romChar(rom, code) ?? '�');
      }
      return line;
    });
  }
}

/** Reads a LB_VIRTUAL_IO_TRACE file (JSON lines) into a decoder. */
export function decodeTrace(path: string, bus: ConstructorParameters<typeof Hd44780>[0]): Hd44780 {
  const lcd = new Hd44780(bus);
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return lcd;
  }
  for (const line of text.split('\n')) if (line) lcd.feed(JSON.parse(line) as IoWrite);
  return lcd;
}

/** Cyrillic letters folded onto the Latin ones the ROM shows for them, to compare what a reader sees. */
export function readAs(text: string): string {
  return [...text].map((c) => LOOKALIKES[c] ?? c).join('');
}
