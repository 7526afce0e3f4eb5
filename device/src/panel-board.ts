/**
 * The johnny-five side of a kiosk: one Board, a Button per button pin and a Led per LED pin.
 * Runs in the board child process (and in-process in tests, on the virtual IO plugin).
 */
import { EventEmitter } from 'node:events';
import five from 'johnny-five'; // only the default import works under plain Node ESM
import { BUTTONS, type Button, type Panel } from '../../shared/src/index.js';

import { downLevel, type LedPattern } from './pins.js';

export { downLevel, type LedPattern };

const PATTERNS: Record<LedPattern, { blinkMs: number; forMs: number }> = {
  thanks: { blinkMs: 300, forMs: 1500 }, // the pressed button's LED: on, off, on, off, on
  error: { blinkMs: 50, forMs: 2000 }, // every LED of the panel, fast: "not stored"
};

export interface PanelBoardEvents {
  ready: [];
  press: [panel: string, button: Button];
  disconnect: [reason: string];
}

export class PanelBoard extends EventEmitter<PanelBoardEvents> {
  private board: five.Board | undefined;
  private readonly leds = new Map<string, five.Led>();
  private readonly ledTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly io: EventEmitter, private readonly panels: readonly Panel[]) {
    super();
  }

  start(): void {
    // repl: the REPL exits on /dev/null stdin; debug: pollutes stdout; sigint: reallyExit() skips our shutdown.
    const options = { io: this.io, repl: false, debug: false, sigint: false, timeout: 10_000 } as five.BoardOption;
    this.board = new five.Board(options);
    this.board.on('ready', () => {
      this.attach(this.board!);
      this.emit('ready');
    });
    // Listen on the IO itself: johnny-five forwards its events only after "ready", and an unplugged port
    // fails before that.
    const lost = (reason: string) => () => this.emit('disconnect', reason);
    const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
    this.io.on('disconnect', lost('board disconnected'));
    this.io.on('close', lost('board port closed'));
    this.io.on('error', (err: unknown) => this.emit('disconnect', describe(err)));
    this.board.on('error', (err: unknown) => this.emit('disconnect', describe(err))); // e.g. handshake timeout
  }

  private attach(board: five.Board): void {
    for (const panel of this.panels) {
      for (const button of BUTTONS) {
        this.watchButton(board, panel, button);
        const ledPin = panel.leds?.[button];
        if (ledPin !== undefined) this.leds.set(`${panel.id}/${button}`, new five.Led({ board, pin: ledPin }));
      }
    }
  }

  /** A tap shorter than johnny-five's 7 ms debounce yields only `release`: that counts as the press. */
  private watchButton(board: five.Board, panel: Panel, button: Button): void {
    const input = new five.Button({ board, pin: panel.pins[button], isPullup: panel.pullup ?? false, invert: panel.invert });
    let down = false;
    input.on('press', () => {
      down = true;
      this.emit('press', panel.id, button);
    });
    input.on('release', () => {
      if (!down) this.emit('press', panel.id, button);
      down = false;
    });
  }

  show(panelId: string, button: Button, pattern: LedPattern): void {
    const keys = pattern === 'thanks' ? [`${panelId}/${button}`] : BUTTONS.map((b) => `${panelId}/${b}`);
    const { blinkMs, forMs } = PATTERNS[pattern];
    for (const key of keys) {
      const led = this.leds.get(key);
      if (!led) continue;
      clearTimeout(this.ledTimers.get(key));
      led.on().blink(blinkMs); // lit at once: the customer sees the thanks without a dark first phase
      this.ledTimers.set(key, setTimeout(() => led.stop().off(), forMs));
    }
  }

  stop(): void {
    for (const timer of this.ledTimers.values()) clearTimeout(timer);
    for (const led of this.leds.values()) led.stop();
    this.removeAllListeners();
  }
}
