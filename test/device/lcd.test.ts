/**
 * The panel's character LCD, end to end below the agent: PanelFaces lays out the question, real johnny-five
 * LCD drives the virtual board (PCF8574 I2C or parallel pins), and an HD44780 model decodes the writes
 * back into the text a customer reads.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { once } from 'node:events';
import type { KioskTexts, Panel } from '../../shared/src/index.js';
import { PanelBoard } from '../../device/src/panel-board.js';
import { VirtualIO, type IoWrite } from '../../device/src/virtual-io.js';
import { PanelFaces } from '../../device/src/display/faces.js';
import { Hd44780, readAs, type ParallelPins } from '../../scripts/lib/hd44780.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});

const texts: KioskTexts = { lang: 'ru', thanks: 'Спасибо!', notStored: 'Не сохранено', offline: 'Нет связи' };
const question = 'Вы довольны работой менеджера {name}?';

function staffPanel(display: Panel['display'], name = 'Елена Иванова'): Panel {
  return {
    id: 'desk',
    kind: 'staff',
    pins: { good: 2, neutral: 3, bad: 4 },
    question: 'Вы довольны обслуживанием?',
    questionOnDuty: question,
    duty: { employeeId: 'e1', name },
    display,
  };
}

/** Board + faces + decoder; `seen` holds every screen drawn, as read. */
async function rig(panel: Panel, bus: { address: number } | { pins: ParallelPins }, opts = { pageMs: 150, thanksMs: 300 }) {
  const io = new VirtualIO();
  const lcd = new Hd44780(bus);
  io.on('write', (w: IoWrite) => lcd.feed(w));
  const board = new PanelBoard(io, [panel]);
  const ready = once(board, 'ready');
  board.start();
  await ready;
  const { cols = 16, rows = 2, rom = 'A00' } = panel.display!;
  const read = () => lcd.screen(cols, rows, rom);
  const seen: string[][] = [];
  const faces = new PanelFaces({
    ...opts,
    draw: (id, frame) => {
      board.draw(id, frame);
      seen.push(read());
    },
  });
  faces.configure([panel], texts);
  cleanups.push(() => {
    faces.stop();
    board.stop();
  });
  return { io, lcd, faces, seen, read };
}

/** A 16×2 I2C screen whose question stays on its first page, so a test sees only what it changes. */
function slowPaged16x2() {
  return rig(staffPanel({ kind: 'lcd-i2c', cols: 16, rows: 2, rom: 'A00' }), { address: 0x27 }, { pageMs: 10_000, thanksMs: 300 });
}

/** Every distinct page of a paged question, in order, read as one text. */
function asText(pages: string[][]): string {
  const distinct = pages.filter((p, i) => pages.findIndex((q) => q.join() === p.join()) === i);
  return distinct
    .map((p) => p.join(' '))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('character LCD through johnny-five (decoded from the virtual board’s writes)', () => {
  it('16×2 over I2C (PCF8574), ROM A00: the question pages through, the name drawn in custom characters, readable', async () => {
    const { lcd, seen } = await rig(staffPanel({ kind: 'lcd-i2c', address: 0x27, cols: 16, rows: 2, rom: 'A00' }), { address: 0x27 });
    await vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(4), { timeout: 3000 }); // pages came round again
    expect(lcd.displayOn).toBe(true);
    expect(lcd.cursorOn).toBe(false);
    expect(lcd.backlight).toBe(true);
    expect(seen[0]!.every((line) => line.length === 16)).toBe(true);
    // 12 letters lack a Latin look-alike; the name's 4 (л н И в) and the 4 most frequent others are drawn, the rest transliterated.
    const text = asText(seen);
    expect(readAs(text)).toContain(readAs('Елена Иванова?'));
    // drawn: л н И в (the name), д ы (twice each), б ж (then alphabetical); transliterated: ь т й м
    expect(readAs(text)).toBe(`${readAs("Вы довол'ны раб")}otoy m${readAs('енеджера Елена Иванова?')}`);
  });

  it('20×4, Cyrillic ROM: the whole question on one screen in the ROM’s own letters, no custom characters needed', async () => {
    const { lcd, seen, read } = await rig(staffPanel({ kind: 'lcd-i2c', address: 0x3f, cols: 20, rows: 4, rom: 'cyrillic' }), {
      address: 0x3f,
    });
    expect(seen).toHaveLength(1);
    expect(read().map((l) => l.trimEnd())).toEqual(['Вы довольны работой', 'менеджера Елена', 'Иванова?', ''].map(readAs));
    expect(lcd.cgram.every((b) => b === 0)).toBe(true);
    expect(lcd.ddram.slice(0, 2)).toEqual([0x42, 0xc3]); // "В" is the ROM's Latin B; "ы" its 0xC3
  });

  it('parallel wiring [rs, en, d4..d7]: both rows shown (johnny-five’s one-line init corrected)', async () => {
    const pins: ParallelPins = { rs: 7, en: 8, data: [9, 10, 11, 12] };
    const { lcd, read } = await rig(
      staffPanel({ kind: 'lcd-parallel', pins: [7, 8, 9, 10, 11, 12], cols: 20, rows: 4, rom: 'cyrillic' }, 'Пётр Щукин'),
      { pins },
    );
    expect(lcd.twoLine).toBe(true);
    expect(read().map((l) => readAs(l.trimEnd()))).toEqual(['Вы довольны работой', 'менеджера Пётр', 'Щукин?', ''].map(readAs));
  });

  it('"thank you" from the config after a press, then the question again', async () => {
    const { faces, read } = await slowPaged16x2();
    const before = read();
    faces.thank('desk');
    expect(readAs(read()[0]!)).toBe(readAs('    Спасибо!    ')); // "б" drawn in a custom character
    await vi.waitFor(() => expect(read()).toEqual(before), { timeout: 2000 });
  });

  it('a discreet indicator in the last cell while presses cannot be stored, then offline; gone when fixed', async () => {
    const { faces, read } = await slowPaged16x2();
    expect(read()[1]!.at(-1)).not.toBe('⚠');
    faces.setIndicator('notStored');
    expect(read()[1]!.at(-1)).toBe('⚠');
    faces.setIndicator('offline');
    expect(read()[1]!.at(-1)).toBe('⊘');
    faces.setIndicator(undefined);
    expect(read()[1]!.at(-1)).not.toMatch(/[⚠⊘]/);
  });
});
