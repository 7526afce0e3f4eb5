import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { once } from 'node:events';
import type { Panel } from '../../shared/src/index.js';
import { PanelBoard, downLevel } from '../../device/src/panel-board.js';
import { VirtualIO } from '../../device/src/virtual-io.js';

const pullupPanel: Panel = {
  id: 'desk',
  kind: 'staff',
  pins: { good: 2, neutral: 3, bad: 4 },
  leds: { good: 9, neutral: 10, bad: 11 },
  pullup: true,
};
const plainPanel: Panel = { id: 'hall', kind: 'office', pins: { good: 5, neutral: 6, bad: 7 } };

async function readyBoard(panels: Panel[], io = new VirtualIO()) {
  const board = new PanelBoard(io, panels);
  const presses: string[] = [];
  const ignored: string[] = [];
  board.on('press', (panel, button) => presses.push(`${panel}/${button}`));
  board.on('ignored', (panel, button) => ignored.push(`${panel}/${button}`));
  board.start();
  const ready = once(board, 'ready');
  await vi.advanceTimersByTimeAsync(1);
  await ready;
  return { io, board, presses, ignored };
}

describe('PanelBoard on the virtual IO plugin (real johnny-five Buttons)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a 40 ms press on a pull-up button (active LOW) is one press', async () => {
    const { io, presses } = await readyBoard([pullupPanel]);
    expect(downLevel(pullupPanel)).toBe(0);
    io.setInput(2, 0);
    await vi.advanceTimersByTimeAsync(40);
    io.setInput(2, 1);
    await vi.advanceTimersByTimeAsync(40);
    expect(presses).toEqual(['desk/good']);
  });

  it('a tap shorter than the 7 ms debounce (release only) still counts once', async () => {
    const { io, presses } = await readyBoard([plainPanel]);
    io.setInput(6, 1);
    await vi.advanceTimersByTimeAsync(3);
    io.setInput(6, 0);
    await vi.advanceTimersByTimeAsync(20);
    expect(presses).toEqual(['hall/neutral']);
  });

  it('a pin that reads "down" at connect and "up" a moment later is no press (real StandardFirmata at every connect)', async () => {
    // StandardFirmata reports a pin that is not configured yet as 0 and then, configured, its real level:
    // a "down" shorter than the debounce, which johnny-five turns into a bare release.
    const io = new VirtualIO();
    io.setInput(5, 1);
    const { presses, ignored } = await readyBoard([plainPanel], io);
    io.setInput(5, 0);
    await vi.advanceTimersByTimeAsync(20);
    expect(presses).toEqual([]);
    expect(ignored).toEqual(['hall/good']); // reported, not silently dropped
    io.setInput(5, 1); // the next tap, from a known "up", counts
    await vi.advanceTimersByTimeAsync(3);
    io.setInput(5, 0);
    await vi.advanceTimersByTimeAsync(20);
    expect(presses).toEqual(['hall/good']);
  });

  it('every button pin is an input with its pull-up before the first report is asked for', async () => {
    const io = new VirtualIO();
    const calls: string[] = [];
    for (const method of ['pinMode', 'digitalWrite', 'digitalRead'] as const) {
      const original = io[method].bind(io) as (...args: never[]) => VirtualIO;
      io[method] = ((...args: never[]) => (calls.push(`${method} ${args[0]}`), original(...args))) as never;
    }
    await readyBoard([pullupPanel], io);
    const configured = ['pinMode 2', 'digitalWrite 2', 'pinMode 3', 'digitalWrite 3', 'pinMode 4', 'digitalWrite 4'];
    expect(calls.slice(0, configured.length)).toEqual(configured);
    expect(calls.findIndex((c) => c.startsWith('digitalRead'))).toBeGreaterThan(configured.length - 1);
  });

  it('holding a button for 3 s is one press (hold events do not multiply it)', async () => {
    const { io, presses } = await readyBoard([plainPanel]);
    io.setInput(7, 1);
    await vi.advanceTimersByTimeAsync(3000);
    io.setInput(7, 0);
    await vi.advanceTimersByTimeAsync(20);
    expect(presses).toEqual(['hall/bad']);
  });

  it('contact bounce within the debounce window is one press', async () => {
    const { io, presses } = await readyBoard([plainPanel]);
    for (const level of [1, 0, 1, 0, 1] as const) {
      io.setInput(5, level);
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(50);
    io.setInput(5, 0);
    await vi.advanceTimersByTimeAsync(20);
    expect(presses).toEqual(['hall/good']);
  });

  it('thanks blinks only the pressed button LED; error blinks every LED of the panel', async () => {
    const { io, board } = await readyBoard([pullupPanel]);
    const writes: number[] = [];
    io.on('pin', (pin: number, value: number) => value && writes.push(pin));
    board.show('desk', 'neutral', 'thanks');
    expect(io.pins[10]!.value).toBe(1); // lit at once
    await vi.advanceTimersByTimeAsync(1600);
    expect(new Set(writes)).toEqual(new Set([10]));
    expect(io.pins[10]!.value).toBe(0); // off again after the pattern
    writes.length = 0;
    board.show('desk', 'good', 'error');
    await vi.advanceTimersByTimeAsync(2100);
    expect(new Set(writes)).toEqual(new Set([9, 10, 11]));
  });

  it('unplug is reported as a disconnect', async () => {
    const { io, board } = await readyBoard([plainPanel]);
    const lost = once(board, 'disconnect');
    io.unplug();
    expect(await lost).toEqual(['board disconnected']);
  });
});
