/**
 * Text → HD44780 character codes for a panel's ROM, so a Russian name is always readable:
 * - `cyrillic`: the ROM has the Russian alphabet (table below);
 * - `A00` (Japanese) and `A02` (European): no Cyrillic. Letters that look like Latin ones are shown as
 *   those; up to 8 others (minus slots taken by symbols) are drawn as custom characters (CGRAM), the
 *   letters of the employee's name first; the rest are transliterated.
 * Pure: no I/O. The decoder in scripts/lib/hd44780.ts reads the same tables back.
 */

export type Rom = 'A00' | 'A02' | 'cyrillic';

/** A custom character: 8 rows of 5 pixels, bit 4 the leftmost. */
export type Glyph = readonly number[];

const g = (rows: string): Glyph => rows.split(' ').map((r) => Number.parseInt(r, 2));

/** Cyrillic letters with no Latin look-alike, drawn 5×8 (the 8th row is the cursor line, left blank unless a descender). */
export const CYRILLIC_GLYPHS: Readonly<Record<string, Glyph>> = {
  Б: g('11111 10000 10000 11110 10001 10001 11110 00000'),
  Г: g('11111 10000 10000 10000 10000 10000 10000 00000'),
  Д: g('00110 01010 01010 01010 01010 11111 10001 00000'),
  Ж: g('10101 10101 10101 01110 10101 10101 10101 00000'),
  З: g('01110 10001 00001 00110 00001 10001 01110 00000'),
  И: g('10001 10001 10011 10101 11001 10001 10001 00000'),
  Й: g('01010 00100 10001 10011 10101 11001 10001 00000'),
  Л: g('00111 01001 01001 01001 01001 01001 10001 00000'),
  П: g('11111 10001 10001 10001 10001 10001 10001 00000'),
  У: g('10001 10001 10001 01111 00001 10001 01110 00000'),
  Ф: g('00100 01110 10101 10101 10101 01110 00100 00000'),
  Ц: g('10010 10010 10010 10010 10010 10010 11111 00001'),
  Ч: g('10001 10001 10001 01111 00001 00001 00001 00000'),
  Ш: g('10101 10101 10101 10101 10101 10101 11111 00000'),
  Щ: g('10101 10101 10101 10101 10101 10101 11111 00001'),
  Ъ: g('11000 01000 01000 01110 01001 01001 01110 00000'),
  Ы: g('10001 10001 10001 11101 10011 10011 11101 00000'),
  Ь: g('10000 10000 10000 11110 10001 10001 11110 00000'),
  Э: g('01110 10001 00001 00111 00001 10001 01110 00000'),
  Ю: g('10010 10101 10101 11101 10101 10101 10010 00000'),
  Я: g('01111 10001 10001 01111 00101 01001 10001 00000'),
  б: g('00011 01100 10000 11110 10001 10001 01110 00000'),
  в: g('00000 00000 11110 10001 11110 10001 11110 00000'),
  г: g('00000 00000 11111 10000 10000 10000 10000 00000'),
  д: g('00000 00000 00110 01010 01010 11111 10001 00000'),
  ж: g('00000 00000 10101 10101 01110 10101 10101 00000'),
  з: g('00000 00000 01110 10001 00110 10001 01110 00000'),
  и: g('00000 00000 10001 10011 10101 11001 10001 00000'),
  й: g('01110 00000 10001 10011 10101 11001 10001 00000'), // flat breve: the capital has the round one
  к: g('00000 00000 10010 10100 11000 10100 10010 00000'),
  л: g('00000 00000 00111 01001 01001 01001 10001 00000'),
  м: g('00000 00000 10001 11011 10101 10001 10001 00000'),
  н: g('00000 00000 10001 10001 11111 10001 10001 00000'),
  п: g('00000 00000 11111 10001 10001 10001 10001 00000'),
  т: g('00000 00000 11111 00100 00100 00100 00100 00000'),
  ф: g('00100 00100 01110 10101 10101 01110 00100 00000'),
  ц: g('00000 00000 10010 10010 10010 10010 11111 00001'),
  ч: g('00000 00000 10001 10001 01111 00001 00001 00000'),
  ш: g('00000 00000 10101 10101 10101 10101 11111 00000'),
  щ: g('00000 00000 10101 10101 10101 10101 11111 00001'),
  ъ: g('00000 00000 11000 01000 01110 01001 01110 00000'),
  ы: g('00000 00000 10001 10001 11101 10011 11101 00000'),
  ь: g('00000 00000 10000 10000 11110 10001 11110 00000'),
  э: g('00000 00000 01110 10001 00111 10001 01110 00000'),
  ю: g('00000 00000 10010 10101 11101 10101 10010 00000'),
  я: g('00000 00000 01111 10001 01111 01001 10001 00000'),
};

/** Symbols the kiosk draws itself: the discreet indicators and the neutral "thank you" fallback. */
export const SYMBOL_GLYPHS = {
  notStored: { char: '⚠', glyph: g('00100 01110 01110 01110 00100 00000 00100 00000') }, // "!" in bold
  offline: { char: '⊘', glyph: g('00000 01110 10011 10101 11001 01110 00000 00000') }, // slashed circle
  thanks: { char: '✓', glyph: g('00000 00001 00010 10100 01000 00000 00000 00000') }, // check mark
} as const;
export type SymbolName = keyof typeof SYMBOL_GLYPHS;

/** Cyrillic letters shown as the Latin letter they look like (a reader takes "Елена" for what it is). */
export const LOOKALIKES: Readonly<Record<string, string>> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  Ё: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  а: 'a',
  е: 'e',
  ё: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
};

/** When no custom slot is left (GOST 7.79-2000 B, simplified: no diacritics, the ROM has none). */
const TRANSLIT: Readonly<Record<string, string>> = {
  Б: 'B',
  Г: 'G',
  Д: 'D',
  Ж: 'Zh',
  З: 'Z',
  И: 'I',
  Й: 'Y',
  Л: 'L',
  П: 'P',
  У: 'U',
  Ф: 'F',
  Ц: 'Ts',
  Ч: 'Ch',
  Ш: 'Sh',
  Щ: 'Shch',
  Ъ: '"',
  Ы: 'Y',
  Ь: "'",
  Э: 'E',
  Ю: 'Yu',
  Я: 'Ya',
  б: 'b',
  в: 'v',
  г: 'g',
  д: 'd',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'y',
  к: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  п: 'p',
  т: 't',
  ф: 'f',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'shch',
  ъ: '"',
  ы: 'y',
  ь: "'",
  э: 'e',
  ю: 'yu',
  я: 'ya',
};

/**
 * The Cyrillic ROM of the Winstar WH1602B/WH2004A "-CTI"/"RS" panels (datasheet, "Character table:
 * English/Russian", codes 0xA0–0xC7 and 0xE0–0xE6; 0x00–0x7F as ASCII). Russian capitals that share a
 * Latin form (А, В, Е, К, …) have no code of their own there: the ROM's Latin letter is that letter.
 */
export const CYRILLIC_ROM: Readonly<Record<string, number>> = {
  Б: 0xa0,
  Г: 0xa1,
  Ё: 0xa2,
  Ж: 0xa3,
  З: 0xa4,
  И: 0xa5,
  Й: 0xa6,
  Л: 0xa7,
  П: 0xa8,
  У: 0xa9,
  Ф: 0xaa,
  Ч: 0xab,
  Ш: 0xac,
  Ъ: 0xad,
  Ы: 0xae,
  Э: 0xaf,
  Ю: 0xb0,
  Я: 0xb1,
  б: 0xb2,
  в: 0xb3,
  г: 0xb4,
  ё: 0xb5,
  ж: 0xb6,
  з: 0xb7,
  и: 0xb8,
  й: 0xb9,
  к: 0xba,
  л: 0xbb,
  м: 0xbc,
  н: 0xbd,
  п: 0xbe,
  т: 0xbf,
  ч: 0xc0,
  ш: 0xc1,
  ъ: 0xc2,
  ы: 0xc3,
  ь: 0xc4,
  э: 0xc5,
  ю: 0xc6,
  я: 0xc7,
  Д: 0xe0,
  Ц: 0xe1,
  Щ: 0xe2,
  д: 0xe3,
  ф: 0xe4,
  ц: 0xe5,
  щ: 0xe6,
  Ь: 0x62, // no capital soft sign in this ROM: its "b" is the usual stand-in
};

/** Punctuation the ROMs lack or place elsewhere (A00: 0x5C is ¥, 0x7E is →). */
const PUNCTUATION: Readonly<Record<string, string>> = {
  '«': '"',
  '»': '"',
  '„': '"',
  '“': '"',
  '”': '"',
  '‘': "'",
  '’': "'",
  '—': '-',
  '–': '-',
  '…': '...',
  '№': 'N',
  '\u00a0': ' ',
};

/** The printable ASCII codes a ROM shows as themselves. */
export function romHasAscii(rom: Rom, code: number): boolean {
  if (code < 0x20 || code > 0x7d) return false;
  return !(rom === 'A00' && code === 0x5c);
}

/** One character cell: a ROM code, or a custom glyph (its slot is given when the screen is laid out). */
export type Cell = { code: number } | { glyph: string };

/** What one character of text becomes on this ROM, given the letters that got a custom slot. */
export function cellsFor(char: string, rom: Rom, drawn: { has(char: string): boolean }): Cell[] {
  const ascii = (s: string): Cell[] => [...s].map((c) => ({ code: romHasAscii(rom, c.charCodeAt(0)) ? c.charCodeAt(0) : 0x3f }));
  if (char.length === 1 && romHasAscii(rom, char.charCodeAt(0))) return [{ code: char.charCodeAt(0) }];
  if (rom === 'cyrillic' && CYRILLIC_ROM[char] !== undefined) return [{ code: CYRILLIC_ROM[char] }];
  if (LOOKALIKES[char]) return ascii(LOOKALIKES[char]);
  if (drawn.has(char)) return [{ glyph: char }];
  if (TRANSLIT[char]) return ascii(TRANSLIT[char]);
  if (PUNCTUATION[char]) return ascii(PUNCTUATION[char]);
  const bare = char.normalize('NFD').replace(/\p{M}/gu, ''); // é → e: accents the ROM lacks
  return ascii(bare && bare !== char ? bare : '?');
}

/** Characters of `text` that need a custom slot on this ROM (no code, no look-alike). */
export function needsGlyph(char: string, rom: Rom): boolean {
  if (rom === 'cyrillic' && CYRILLIC_ROM[char] !== undefined) return false;
  return CYRILLIC_GLYPHS[char] !== undefined;
}

/**
 * The letters that get the custom slots: those of `first` (the employee's name) before the rest, then the
 * most frequent; at most `slots`.
 */
export function chooseDrawn(text: string, rom: Rom, slots: number, first = ''): Set<string> {
  const count = new Map<string, number>();
  for (const c of text) if (needsGlyph(c, rom)) count.set(c, (count.get(c) ?? 0) + 1);
  const priority = new Set([...first].filter((c) => count.has(c)));
  const ranked = [...count.keys()].sort(
    (a, b) => Number(priority.has(b)) - Number(priority.has(a)) || count.get(b)! - count.get(a)! || a.localeCompare(b),
  );
  return new Set(ranked.slice(0, Math.max(0, slots)));
}

/** Reverse tables for a decoder: ROM code → character. */
export function romChar(rom: Rom, code: number): string | undefined {
  if (romHasAscii(rom, code)) return String.fromCharCode(code);
  if (rom === 'cyrillic') {
    for (const [char, c] of Object.entries(CYRILLIC_ROM)) if (c === code && char !== 'Ь') return char;
  }
  return undefined;
}

/** Custom glyph bitmap → the character it draws (letters and symbols). */
export function glyphChar(rows: readonly number[]): string | undefined {
  const key = rows.map((r) => r & 0x1f).join(',');
  for (const [char, glyph] of Object.entries(CYRILLIC_GLYPHS)) if (glyph.join(',') === key) return char;
  for (const { char, glyph } of Object.values(SYMBOL_GLYPHS)) if (glyph.join(',') === key) return char;
  return undefined;
}

export function glyphOf(char: string): Glyph {
  const symbol = Object.values(SYMBOL_GLYPHS).find((s) => s.char === char);
  const glyph = symbol?.glyph ?? CYRILLIC_GLYPHS[char];
  if (!glyph) throw new Error(`no glyph for ${char}`);
  return glyph;
}
