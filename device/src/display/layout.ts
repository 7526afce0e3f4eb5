/**
 * A text laid out on a character LCD: word-wrapped into pages of `rows` lines (shown in turn when the
 * text is longer than the screen), with the custom characters the page needs and, when set, a discreet
 * indicator symbol in the last cell. Pure; the board child only draws what this returns.
 */
import { cellsFor, chooseDrawn, glyphOf, SYMBOL_GLYPHS, type Rom, type SymbolName } from './rom.js';

export interface LcdFrame {
  /** One array of ROM codes per row, each exactly `cols` long. */
  rows: number[][];
  /** The 8 CGRAM slots this frame uses (null: unused, left as they are). */
  glyphs: (number[] | null)[];
}

export interface LayoutOptions {
  cols: number;
  rows: number;
  rom: Rom;
  /** Symbol in the last cell of every page (presses not stored, offline). */
  indicator?: SymbolName;
  /** Letters drawn first when slots run short: the employee's name. */
  first?: string;
  center?: boolean;
}

const SPACE = 0x20;
const SLOTS = 8;
const symbolChars = new Set<string>(Object.values(SYMBOL_GLYPHS).map((s) => s.char));

export function layoutPages(text: string, opts: LayoutOptions): LcdFrame[] {
  const { cols, rows, rom } = opts;
  const glyphs: (number[] | null)[] = Array.from({ length: SLOTS }, () => null);
  const slotOf = new Map<string, number>();
  const take = (char: string, slot = slotOf.size) => {
    slotOf.set(char, slot);
    glyphs[slot] = [...glyphOf(char)];
  };
  // The indicator keeps the last slot, so turning it on or off never moves (and redraws) the letters.
  const indicatorChar = opts.indicator ? SYMBOL_GLYPHS[opts.indicator].char : undefined;
  const free = SLOTS - (indicatorChar ? 1 : 0);
  for (const c of new Set([...text].filter((c) => symbolChars.has(c) && c !== indicatorChar))) take(c);
  for (const c of chooseDrawn(text, rom, free - slotOf.size, opts.first)) take(c);
  if (indicatorChar) take(indicatorChar, SLOTS - 1);

  const encode = (word: string): number[] =>
    [...word].flatMap((c) =>
      slotOf.has(c) ? [slotOf.get(c)!] : cellsFor(c, rom, slotOf).map((cell) => ('code' in cell ? cell.code : slotOf.get(cell.glyph)!)),
    );
  const capacity = (line: number) => cols - (indicatorChar && line % rows === rows - 1 ? 1 : 0);
  const lines: number[][] = [];
  let current: number[] = [];
  const breakLine = () => {
    lines.push(current);
    current = [];
  };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let cells = encode(word);
    if (current.length > 0 && current.length + 1 + cells.length <= capacity(lines.length)) {
      current.push(SPACE, ...cells);
      continue;
    }
    if (current.length > 0) breakLine();
    while (cells.length > capacity(lines.length)) {
      current = cells.slice(0, capacity(lines.length));
      cells = cells.slice(current.length);
      breakLine();
    }
    current = cells;
  }
  if (current.length > 0 || lines.length === 0) breakLine();

  const pages: LcdFrame[] = [];
  for (let first = 0; first < lines.length; first += rows) {
    const page = Array.from({ length: rows }, (_, r) => {
      const line = lines[first + r] ?? [];
      const pad = opts.center ? Math.floor((capacity(r) - line.length) / 2) : 0;
      const row = [...Array<number>(pad).fill(SPACE), ...line];
      return [...row, ...Array<number>(cols - row.length).fill(SPACE)];
    });
    if (indicatorChar) page[rows - 1]![cols - 1] = slotOf.get(indicatorChar)!;
    pages.push({ rows: page, glyphs });
  }
  return pages;
}
