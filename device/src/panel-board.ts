/**
 * The johnny-five side of a kiosk: one Board, a Button per button pin and a Led per LED pin.
 * Runs in the board child process (and in-process in tests, on the virtual IO plugin).
 */
import { EventEmitter } from 'node:events';
import five from 'johnny-five'; // only the default import works under plain Node ESM
import type { Button, Panel } from '../../shared/src/index.js';
import { BUTTONS } from '../../shared/src/buttons.js'; // not the index: the board process never loads the contract

import { downLevel, type LedPattern } from './pins.js';
import { CharacterLcd } from './display/lcd.js';
import type { LcdFrame } from './display/layout.js';

export { downLevel, type LedPattern };

const PATTERNS: Record<Exclude<LedPattern, 'off'>, { blinkMs: number; forMs: number }> = {
  thanks: { blinkMs: 300, forMs: 1500 }, // the pressed button's LED: on, off, on, off, on
  error: { blinkMs: 50, forMs: 2000 }, // every LED of the panel, fast: "not stored"
  armed: { blinkMs: 700, forMs: 3_600_000 }, // every LED, slow, until a press or the window's end ('off')
};

export interface PanelBoardEvents {
  ready: [];
  press: [panel: string, button: Button];
  /** A reason button (Panel.reasons.pins, option `index`) went down. */
  reason: [panel: string, index: number];
  /** A release not counted: the button had not been seen up before it went down (see watchButton). */
  ignored: [panel: string, button: Button];
  disconnect: [reason: string];
}

/** The part of a johnny-five IO plugin (firmata-io, VirtualIO) the panel configures directly. */
interface PinIO {
  MODES: { INPUT: number };
  HIGH: number;
  pinMode(pin: number, mode: number): unknown;
  digitalWrite(pin: number, value: number): unknown;
  digitalRead(pin: number, callback: (level: number) => void): unknown;
}

export class PanelBoard extends EventEmitter<PanelBoardEvents> {
  private board: five.Board | undefined;
  private readonly leds = new Map<string, five.Led>();
  private readonly ledTimers = new Map<string, NodeJS.Timeout>();
  private readyFallback: NodeJS.Timeout | undefined;
  private readonly lcds = new Map<string, CharacterLcd>();
  /** Frames asked for before the board was ready: drawn as soon as it is. */
  private readonly pendingFrames = new Map<string, LcdFrame>();

  constructor(
    private readonly io: EventEmitter,
    private readonly panels: readonly Panel[],
  ) {
    super();
  }

  start(): void {
    // repl: the REPL exits on /dev/null stdin; debug: pollutes stdout; sigint: reallyExit() skips our shutdown.
    const options = { io: this.io, repl: false, debug: false, sigint: false, timeout: 10_000 } as five.BoardOption;
    this.board = new five.Board(options);
    // Ready once every button pin has reported its level: only then does a press reach us (the
    // configuration is still on its way to the board when johnny-five says "ready").
    this.board.on('ready', () => this.attach(this.board!, () => this.emit('ready')));
    // Listen on the IO itself: johnny-five forwards its events only after "ready", and an unplugged port
    // fails before that.
    const lost = (reason: string) => () => this.emit('disconnect', reason);
    const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));
    this.io.on('disconnect', lost('board disconnected'));
    this.io.on('close', lost('board port closed'));
    this.io.on('error', (err: unknown) => this.emit('disconnect', describe(err)));
    this.board.on('error', (err: unknown) => this.emit('disconnect', describe(err))); // e.g. handshake timeout
  }

  private attach(board: five.Board, ready: () => void): void {
    const io = this.io as unknown as PinIO;
    // Every button pin becomes an input, with its pull-up, before any Button asks for reports.
    // StandardFirmata answers a report request with its whole port at once, and a pin not configured
    // yet reads 0: on a pull-up panel that is "down", then "up" when its own Button configures it a
    // few ms later — a bare release, which the tap rule below would count as a press nobody made.
    for (const panel of this.panels) {
      for (const button of BUTTONS) {
        io.pinMode(panel.pins[button], io.MODES.INPUT);
        if (panel.pullup) io.digitalWrite(panel.pins[button], io.HIGH);
      }
    }
    let unread = this.panels.length * BUTTONS.length;
    const firstReading = () => {
      if (--unread === 0) {
        clearTimeout(this.readyFallback);
        ready();
      }
    };
    for (const panel of this.panels) {
      for (const [index, pin] of (panel.reasons?.pins ?? []).entries()) {
        if (panel.pullup) io.digitalWrite(pin, io.HIGH);
        const input = new five.Button({ board, pin, isPullup: panel.pullup ?? false, invert: panel.invert });
        input.on('press', () => this.emit('reason', panel.id, index));
      }
    }
    for (const panel of this.panels) {
      if (panel.display?.kind !== 'lcd-i2c' && panel.display?.kind !== 'lcd-parallel') continue;
      const lcd = new CharacterLcd(board, panel.display);
      this.lcds.set(panel.id, lcd);
      const frame = this.pendingFrames.get(panel.id);
      if (frame) lcd.draw(frame);
    }
    // An IO plugin that reports only changes never sends a first reading: ready after a second then.
    this.readyFallback = setTimeout(() => {
      unread = -1;
      ready();
    }, 1000);
    for (const panel of this.panels) {
      for (const button of BUTTONS) {
        this.watchButton(board, io, panel, button, firstReading);
        const ledPin = panel.leds?.[button];
        if (ledPin !== undefined) this.leds.set(`${panel.id}/${button}`, new five.Led({ board, pin: ledPin }));
      }
    }
  }

  /**
   * A tap shorter than johnny-five's 7 ms debounce yields only `release`: that counts as the press, but
   * only if the pin read "up" before that "down" began. A pin whose first reading is "down" (not yet
   * configured, or held at connect) has not shown the button up, so its bare release is no tap.
   */
  private watchButton(board: five.Board, io: PinIO, panel: Panel, button: Button, onFirstReading: () => void): void {
    const pin = panel.pins[button];
    const input = new five.Button({ board, pin, isPullup: panel.pullup ?? false, invert: panel.invert });
    const upLevel = downLevel(panel) === 1 ? 0 : 1;
    let level: number | undefined; // last reading, undefined until the first report
    let wentDownFromUp = false;
    io.digitalRead(pin, (reading) => {
      if (level === undefined) onFirstReading();
      if (reading !== upLevel && level !== reading) wentDownFromUp = level === upLevel;
      level = reading;
    });
    let down = false;
    input.on('press', () => {
      down = true;
      this.emit('press', panel.id, button);
    });
    input.on('release', () => {
      if (!down) this.emit(wentDownFromUp ? 'press' : 'ignored', panel.id, button);
      down = false;
    });
  }

  show(panelId: string, button: Button, pattern: LedPattern): void {
    const keys = pattern === 'thanks' ? [`${panelId}/${button}`] : BUTTONS.map((b) => `${panelId}/${b}`);
    // A press ends the invitation on every LED of the panel; the pressed one then says thanks.
    if (pattern === 'thanks' || pattern === 'off') {
      for (const b of BUTTONS) {
        const key = `${panelId}/${b}`;
        if (this.ledTimers.has(key) && (pattern === 'off' || key !== keys[0])) {
          clearTimeout(this.ledTimers.get(key));
          this.ledTimers.delete(key);
          this.leds.get(key)?.stop().off();
        }
      }
      if (pattern === 'off') return;
    }
    const { blinkMs, forMs } = PATTERNS[pattern];
    for (const key of keys) {
      const led = this.leds.get(key);
      if (!led) continue;
      clearTimeout(this.ledTimers.get(key));
      led.on().blink(blinkMs); // lit at once: the customer sees the thanks without a dark first phase
      this.ledTimers.set(
        key,
        setTimeout(() => led.stop().off(), forMs),
      );
    }
  }

  /** Shows a laid-out frame on the panel's LCD (kept until the board is ready). */
  draw(panelId: string, frame: LcdFrame): void {
    const lcd = this.lcds.get(panelId);
    if (lcd) lcd.draw(frame);
    else this.pendingFrames.set(panelId, frame);
  }

  stop(): void {
    clearTimeout(this.readyFallback);
    for (const timer of this.ledTimers.values()) clearTimeout(timer);
    for (const led of this.leds.values()) led.stop();
    this.removeAllListeners();
  }
}
