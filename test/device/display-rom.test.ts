import { describe, expect, it } from 'vitest';
import {
  cellsFor,
  chooseDrawn,
  CYRILLIC_GLYPHS,
  CYRILLIC_ROM,
  glyphChar,
  LOOKALIKES,
  romChar,
  SYMBOL_GLYPHS,
} from '../../device/src/display/rom.js';
import { layoutPages } from '../../device/src/display/layout.js';
import { questionOf } from '../../device/src/display/faces.js';

const RUSSIAN = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя';

describe('text → HD44780 ROM codes', () => {
  it('every Russian letter is shown on every ROM: its own code, a Latin look-alike, a custom glyph, or a transliteration', () => {
    for (const letter of RUSSIAN) {
      const cyrillic = cellsFor(letter, 'cyrillic', new Set());
      expect(cyrillic, letter).toHaveLength(1);
      const own = CYRILLIC_ROM[letter] !== undefined;
      expect('code' in cyrillic[0]! && romChar('cyrillic', cyrillic[0].code), letter).toBe(
        letter === 'Ь' ? 'b' : own ? letter : LOOKALIKES[letter],
      );
      for (const rom of ['A00', 'A02'] as const) {
        const drawn = cellsFor(letter, rom, new Set([letter]));
        const read = drawn.map((c) => ('glyph' in c ? c.glyph : romChar(rom, c.code))).join('');
        expect(read, `${rom} ${letter}`).toBe(LOOKALIKES[letter] ?? letter);
        const plain = cellsFor(letter, rom, new Set()).map((c) => ('code' in c ? romChar(rom, c.code) : '?'));
        expect(plain.join(''), `${rom} ${letter} transliterated`).toMatch(/^[A-Za-z'"]+$/);
      }
    }
  });

  it('custom glyphs are distinct bitmaps of 5×8 pixels, so a decoder reads each back to its letter', () => {
    const all = [...Object.entries(CYRILLIC_GLYPHS), ...Object.values(SYMBOL_GLYPHS).map((s) => [s.char, s.glyph] as const)];
    for (const [char, glyph] of all) {
      expect(glyph).toHaveLength(8);
      expect(glyph.every((row) => row >= 0 && row < 32)).toBe(true);
      expect(glyphChar(glyph)).toBe(char);
    }
  });

  it('the Cyrillic ROM codes follow the WH1602B-CTI table (spot checks) and never collide', () => {
    expect([CYRILLIC_ROM.Б, CYRILLIC_ROM.Я, CYRILLIC_ROM.б, CYRILLIC_ROM.я, CYRILLIC_ROM.Д, CYRILLIC_ROM.щ]).toEqual([
      0xa0, 0xb1, 0xb2, 0xc7, 0xe0, 0xe6,
    ]);
    const codes = Object.entries(CYRILLIC_ROM)
      .filter(([c]) => c !== 'Ь')
      .map(([, code]) => code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('A00 has no backslash (0x5C is ¥): it is replaced, not shown as ¥', () => {
    expect(cellsFor('\\', 'A00', new Set())).toEqual([{ code: 0x3f }]);
    expect(cellsFor('\\', 'A02', new Set())).toEqual([{ code: 0x5c }]);
  });

  it('the name’s letters get the custom slots first, then the most frequent', () => {
    const text = 'Вы довольны работой менеджера Юлии Щукиной?';
    const drawn = [...chooseDrawn(text, 'A00', 8, 'Юлии Щукиной')];
    expect(drawn.slice(0, 7).sort()).toEqual(['Щ', 'Ю', 'и', 'й', 'к', 'л', 'н'].sort()); // у, о look Latin
    expect(drawn[7]).toBe('д'); // the most frequent of the rest (twice)
    expect(drawn).toHaveLength(8);
    expect(chooseDrawn(text, 'cyrillic', 8, 'Юлии Щукиной').size).toBe(0);
  });
});

describe('layout on the screen', () => {
  it('wraps at words, pages a long text, pads every row to the width, keeps the last cell for the indicator', () => {
    const pages = layoutPages('Оцените, пожалуйста, качество обслуживания в нашем офисе', {
      cols: 16,
      rows: 2,
      rom: 'cyrillic',
      indicator: 'offline',
    });
    // "Оцените," | "пожалуйста," | "качество" | "обслуживания в" | "нашем офисе": rows of 16, 15 beside the indicator
    expect(pages.length).toBe(3);
    for (const page of pages) {
      expect(page.rows.map((r) => r.length)).toEqual([16, 16]);
      expect(page.rows[1]![15]).toBe(7);
      expect(page.glyphs[7]).toEqual([...SYMBOL_GLYPHS.offline.glyph]);
    }
  });

  it('the question names the employee on duty, and falls back to the general question when nobody is', () => {
    const panel = {
      id: 'd',
      kind: 'staff' as const,
      pins: { good: 1, neutral: 2, bad: 3 },
      question: 'Q?',
      questionOnDuty: 'Rate {name}!',
    };
    expect(questionOf({ ...panel, duty: { employeeId: 'e', name: 'Anna' } })).toEqual({ text: 'Rate Anna!', name: 'Anna' });
    expect(questionOf({ ...panel, duty: null })).toEqual({ text: 'Q?' });
    expect(questionOf(panel)).toEqual({ text: 'Q?' });
  });
});
