import { EventEmitter, once } from 'node:events';
import pino from 'pino';
import type { Button, Panel } from '../../shared/src/index.js';
import type { BoardState, ButtonSource, ButtonSourceEvents } from '../../device/src/board-supervisor.js';
import type { Clock } from '../../device/src/clock.js';
import type { PressRecord } from '../../device/src/outbox.js';
import { PanelBoard, type LedPattern } from '../../device/src/panel-board.js';
import { VirtualIO } from '../../device/src/virtual-io.js';
import type { LcdFrame } from '../../device/src/display/layout.js';
import { removeTempDirs, tempDir as makeTempDir } from '../../scripts/lib/temp-dirs.js';

export { removeTempDirs };

export const silentLog = pino({ level: 'silent' });

const cleanups: (() => unknown)[] = [];
/** Registers teardown work; `runCleanups` (in afterEach) runs it newest first, then removes temp dirs. */
export function deferCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}
export async function runCleanups(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  removeTempDirs();
}

export const tempDir = (): string => makeTempDir('device');

let n = 0;
export function press(over: Partial<PressRecord> = {}): PressRecord {
  n++;
  return {
    id: `01TESTID${String(n).padStart(8, '0')}`,
    panel: 'desk',
    button: 'good',
    at: new Date(1_800_000_000_000 + n).toISOString(),
    clockSynced: true,
    bootId: 'boot-1',
    uptimeMs: 1000 + n,
    flags: [],
    ...over,
  };
}

/** A clock whose monotonic time the test moves by hand (misuse rules), wall time from Date.now(). */
export class ManualClock implements Clock {
  mono = 0;
  readonly bootId = 'test-boot';
  wallMs = () => Date.now();
  monotonicMs = () => this.mono;
  uptimeMs = () => 5000 + this.mono;
  clockSynced = () => true;
}

/** The board adapter in-process: real johnny-five on the virtual IO plugin, no child process. */
export class InProcessBoard extends EventEmitter<ButtonSourceEvents> implements ButtonSource {
  readonly io = new VirtualIO();
  private board: PanelBoard | undefined;
  private current: BoardState = { connected: false, kind: 'virtual' };
  readonly shown: { panel: string; button: Button; pattern: LedPattern }[] = [];

  constructor(private panels: Panel[]) {
    super();
  }

  start(): void {
    this.board = new PanelBoard(this.io, this.panels);
    for (const [panel, frame] of this.frames) this.board.draw(panel, frame);
    this.board.on('press', (panel, button) => this.emit('press', panel, button));
    this.board.on('reason', (panel, index) => this.emit('reason', panel, index));
    this.board.on('ready', () => {
      this.current = { connected: true, kind: 'virtual' };
      this.emit('state', this.current);
    });
    this.board.start();
  }

  async ready(): Promise<void> {
    if (!this.current.connected) await once(this, 'state');
  }

  /** Real-time press: pin to its down level for 40 ms, then back. */
  async tap(pin: number, downLevel: 0 | 1): Promise<void> {
    this.io.setInput(pin, downLevel);
    await new Promise((r) => setTimeout(r, 40));
    this.io.setInput(pin, downLevel === 1 ? 0 : 1);
  }

  async stop(): Promise<void> {
    this.board?.stop();
  }

  setPanels(panels: Panel[]): void {
    this.panels = panels;
  }

  /** Like the supervisor: a frame sent before the board exists is drawn once it does. */
  private readonly frames = new Map<string, LcdFrame>();
  drawLcd(panel: string, frame: LcdFrame): void {
    this.frames.set(panel, frame);
    this.board?.draw(panel, frame);
  }

  show(panel: string, button: Button, pattern: LedPattern): void {
    this.shown.push({ panel, button, pattern });
    this.board?.show(panel, button, pattern);
  }

  state(): BoardState {
    return this.current;
  }
}
