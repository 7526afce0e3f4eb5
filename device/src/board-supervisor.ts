/**
 * Runs the johnny-five board in a supervised child process, restarted when it exits (a lost board);
 * the new child waits for the board's port, so a replugged board is opened as soon as it appears.
 * Presses arrive as events; the outbox and publisher never wait on the board.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Button, Panel } from '../../shared/src/index.js';
import type { FromBoardChild, ToBoardChild } from './board-protocol.js';
import { downLevel, hardwareChanged, type LedPattern } from './pins.js';
import type { LcdFrame } from './display/layout.js';

export interface BoardState {
  connected: boolean;
  kind: string;
  error?: string;
}

export interface ButtonSourceEvents {
  press: [panel: string, button: Button];
  reason: [panel: string, index: number];
  state: [BoardState];
}

/** Where presses come from and where LED feedback goes. */
export interface ButtonSource extends EventEmitter<ButtonSourceEvents> {
  start(): void;
  stop(): Promise<void>;
  setPanels(panels: Panel[]): void;
  show(panel: string, button: Button, pattern: LedPattern): void;
  /** What a panel's character LCD shows; sources without LCDs ignore it. */
  drawLcd?(panel: string, frame: LcdFrame): void;
  state(): BoardState;
}

export interface BoardSupervisorOptions {
  board: string;
  panels: Panel[];
  log: Logger;
  restartDelayMs?: number;
  /** The compiled child entry; defaults to board-child.js beside this module. */
  childPath?: string;
}

export class BoardSupervisor extends EventEmitter<ButtonSourceEvents> implements ButtonSource {
  private child: ChildProcess | undefined;
  private ready = false;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private current: BoardState;
  private panels: Panel[];
  /** Virtual board only: whether the simulated cable is in. */
  private plugged = true;
  /** Simulated pin changes waiting for a (re)starting virtual board. */
  private queuedPins: { pin: number; level: 0 | 1 }[] = [];
  private readonly pinFreeAt = new Map<number, number>();
  private readonly frames = new Map<string, LcdFrame>();

  constructor(private readonly opts: BoardSupervisorOptions) {
    super();
    this.panels = opts.panels;
    this.current = { connected: false, kind: opts.board, error: 'starting' };
  }

  start(): void {
    this.stopping = false;
    this.spawn();
  }

  state(): BoardState {
    return this.current;
  }

  /** New pins or displays: restart the board process with them; anything else (a question, a name) is not the board's. */
  setPanels(panels: Panel[]): void {
    const restart = hardwareChanged(this.panels, panels);
    this.panels = panels;
    if (restart) {
      this.frames.clear();
      this.child?.kill('SIGTERM');
    }
  }

  show(panel: string, button: Button, pattern: LedPattern): void {
    if (this.ready) this.send({ type: 'led', panel, button, pattern });
  }

  /** Kept per panel and sent again to a restarted child: the LCD always shows the latest frame. */
  drawLcd(panel: string, frame: LcdFrame): void {
    this.frames.set(panel, frame);
    if (this.child) this.send({ type: 'lcd', panel, frame });
  }

  private spawn(): void {
    const path = this.opts.childPath ?? fileURLToPath(new URL('./board-child.js', import.meta.url));
    const child = fork(path, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    child.on('message', (message: FromBoardChild) => this.onMessage(child, message));
    child.on('exit', (code, signal) => this.onExit(child, code === 0 ? undefined : `board process exited (${code ?? signal})`));
    child.on('error', (err) => this.opts.log.warn({ err }, 'board process error'));
    this.send({ type: 'start', board: this.opts.board, panels: this.panels, plugged: this.plugged });
    for (const [panel, frame] of this.frames) this.send({ type: 'lcd', panel, frame });
  }

  private onMessage(child: ChildProcess, message: FromBoardChild): void {
    if (child !== this.child) return;
    if (message.type === 'press') this.emit('press', message.panel, message.button);
    else if (message.type === 'reason') this.emit('reason', message.panel, message.index);
    else if (message.type === 'ignored') {
      this.opts.log.warn(
        { panel: message.panel, button: message.button },
        'release ignored: the button was not seen up before it went down',
      );
    } else if (message.type === 'ready') {
      this.ready = true;
      this.setState({ connected: true, kind: message.kind });
      for (const change of this.queuedPins.splice(0)) this.send({ type: 'pin', ...change });
    } else this.setState({ connected: false, kind: this.current.kind, error: message.reason });
  }

  private onExit(child: ChildProcess, reason: string | undefined): void {
    if (child !== this.child) return;
    const hadBoard = this.ready;
    this.child = undefined;
    this.ready = false;
    // A child that reported why it lost the board keeps that reason; a crash reports its exit.
    if (this.current.connected) this.setState({ connected: false, kind: this.current.kind, error: reason ?? 'board process exited' });
    // A board that worked and was lost: the next child starts at once and waits for the port to come
    // back. A child that never got a board is restarted after restartDelayMs, so a failing start cannot spin.
    const delay = hadBoard ? 0 : (this.opts.restartDelayMs ?? 1000);
    if (!this.stopping) this.restartTimer = setTimeout(() => this.spawn(), delay);
  }

  /**
   * One log line per change of state: connected, disconnected (a working board lost), unavailable
   * (no board since start). Why a board stays away can change while it is waited for (port closed, then
   * not present): the status carries that, the log says it at debug level.
   */
  private setState(next: BoardState): void {
    const was = this.current;
    this.current = next;
    const { log } = this.opts;
    if (next.connected && !was.connected) log.info({ kind: next.kind }, 'board connected');
    else if (!next.connected && was.connected) log.warn({ kind: next.kind, error: next.error }, 'board disconnected');
    else if (!next.connected && next.error !== was.error) {
      if (was.error === 'starting') log.warn({ kind: next.kind, error: next.error }, 'board unavailable');
      else log.debug({ kind: next.kind, error: next.error }, 'board still unavailable');
    }
    if (next.connected !== was.connected || next.error !== was.error) this.emit('state', next);
  }

  private send(message: ToBoardChild): void {
    if (this.child?.connected) this.child.send(message);
  }

  // ---- virtual board controls (stdin, demo, tests) ----

  /**
   * Pin down, then up 40 ms later, as a finger does; presses on one pin queue 80 ms apart so that n
   * commands are n presses (not one long one). Queued while a plugged board is (re)starting.
   */
  simulatePress(panelId: string, button: Button): 'ok' | 'unplugged' | 'unknown panel' {
    const panel = this.panels.find((p) => p.id === panelId);
    if (!panel) return 'unknown panel';
    if (!this.plugged) return 'unplugged';
    const pin = panel.pins[button];
    const down = downLevel(panel);
    const now = Date.now();
    const at = Math.max(now, this.pinFreeAt.get(pin) ?? 0);
    this.pinFreeAt.set(pin, at + 80);
    setTimeout(() => this.setPin(pin, down), at - now);
    setTimeout(() => this.setPin(pin, down === 1 ? 0 : 1), at - now + 40);
    return 'ok';
  }

  private setPin(pin: number, level: 0 | 1): void {
    if (this.ready) this.send({ type: 'pin', pin, level });
    else if (this.plugged) this.queuedPins.push({ pin, level });
  }

  unplug(): void {
    this.plugged = false;
    this.queuedPins = [];
    this.send({ type: 'unplug' });
  }

  replug(): void {
    this.plugged = true; // the next restart attempt opens the board again
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(kill);
  }
}
