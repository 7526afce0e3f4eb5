/**
 * The kiosk controller: wires the board, the press recorder, the outbox and the publisher, starts them
 * in order and stops them in reverse, applies the gateway's config and answers for the status.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import {
  ArmMessage,
  checker,
  type Button,
  type KioskConfigMessage,
  type KioskTexts,
  type MisuseRules,
  type Panel,
  type StatusMessage,
} from '../../shared/src/index.js';
import type { AgentConfig } from './config.js';
import { SystemClock, type Clock } from './clock.js';
import { SqliteOutbox } from './outbox.js';
import { PressRecorder } from './press-recorder.js';
import { Publisher } from './publisher.js';
import { BoardSupervisor, type ButtonSource } from './board-supervisor.js';
import { loadRemoteConfig, parseRemoteConfig, saveRemoteConfig } from './remote-config.js';
import { packageVersion } from './version.js';
import { PanelFaces, type Indicator } from './display/faces.js';
import { hardwareChanged } from './pins.js';
import { LocalPage } from './page/local-page.js';
import { ReasonStep } from './reason-step.js';

export interface AgentDeps {
  log: Logger;
  clock?: Clock & { start?(): Promise<void>; stop?(): void };
  /** Swapped in tests; defaults to the supervised board child process. */
  source?: ButtonSource;
  childPath?: string;
  pruneIntervalMs?: number;
}

const checkArm = checker(ArmMessage);

export class Agent {
  readonly clock: NonNullable<AgentDeps['clock']>;
  readonly outbox: SqliteOutbox;
  readonly recorder: PressRecorder;
  readonly publisher: Publisher;
  readonly source: ButtonSource;
  readonly faces: PanelFaces;
  readonly reasons: ReasonStep;
  private panels: Panel[];
  private texts: KioskTexts | undefined;
  private rules: MisuseRules;
  private offlineSince: number | undefined;
  private indicatorTimer: NodeJS.Timeout | undefined;
  private page: LocalPage | undefined;
  /** Armed panels waiting for the press of a served ticket (ArmMessage), until the window ends. */
  private readonly armed = new Map<string, { ticket: string; timer: NodeJS.Timeout }>();
  private configRev: number | null = null;
  private configError: string | undefined;
  private readonly counters = { presses: 0, flagged: 0 };
  private pruneTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly version = packageVersion();

  constructor(
    readonly config: AgentConfig,
    private readonly deps: AgentDeps,
  ) {
    const { log } = deps;
    this.clock = deps.clock ?? new SystemClock(config.clockSynced);
    this.panels = config.panels;
    this.texts = config.texts;
    this.rules = config.misuse;
    const remote = loadRemoteConfig(config.dataDir);
    if (remote) this.adopt(remote);
    this.outbox = new SqliteOutbox(join(config.dataDir, 'outbox.db'));
    this.source = deps.source ?? new BoardSupervisor({ board: config.board, panels: this.panels, log, childPath: deps.childPath });
    this.faces = new PanelFaces({
      draw: (panel, frame) => this.source.drawLcd?.(panel, frame),
      pageMs: config.display.pageMs,
      thanksMs: config.display.thanksMs,
    });
    this.recorder = new PressRecorder({
      outbox: this.outbox,
      clock: this.clock,
      log,
      rules: this.rules,
      feedback: {
        thank: (panel, button) => {
          this.source.show(panel, button, 'thanks');
          this.faces.thank(panel);
        },
        showError: (panel, button) => {
          this.source.show(panel, button, 'error');
          this.updateIndicator();
        },
      },
      onCommitted: (event) => {
        this.updateIndicator();
        if (event.flags.length > 0) this.counters.flagged++;
        this.publisher.notify();
        this.publisher.statusChanged();
      },
    });
    this.reasons = new ReasonStep({
      outbox: this.outbox,
      clock: this.clock,
      log,
      onAsk: (panel, asking) => this.faces.setAsking(panel, asking?.options),
      onCommitted: () => {
        this.publisher.notify();
        this.publisher.statusChanged();
      },
    });
    this.publisher = new Publisher({
      ...config.mqtt,
      kioskId: config.kioskId,
      outbox: this.outbox,
      log,
      ...config.outbox,
      statusIntervalMs: config.statusIntervalMs,
      status: () => this.status(),
      onConfig: (raw) => this.onRemoteConfig(raw),
      onArm: (raw) => this.onArm(raw),
      armWanted: () => this.panels.some((p) => p.armed),
    });
  }

  async start(): Promise<void> {
    mkdirSync(this.config.dataDir, { recursive: true });
    await this.clock.start?.();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), this.deps.pruneIntervalMs ?? 3_600_000);
    this.recorder.flush();
    this.publisher.start();
    this.source.on('press', (panel, button) => this.onPress(panel, button));
    this.source.on('state', () => this.publisher.statusChanged());
    this.source.on('reason', (panel, index) => this.reasons.answer(panel, index));
    this.faces.configure(this.panels, this.texts);
    this.offlineSince = Date.now();
    this.updateIndicator();
    this.indicatorTimer = setInterval(() => this.updateIndicator(), 1000);
    await this.startPage();
    this.source.start();
    this.deps.log.info(
      { board: this.config.board, panels: this.panels.map((p) => p.id), configRev: this.configRev },
      'kiosk agent started',
    );
  }

  /** The local page, once a panel has a screen (at start or from a later config). */
  private async startPage(): Promise<void> {
    if (this.page || this.stopped || !this.panels.some((p) => p.display?.kind === 'screen')) return;
    this.page = new LocalPage({
      port: this.config.display.pagePort,
      faces: this.faces,
      log: this.deps.log,
      press: (panelId, button) => {
        const panel = this.panels.find((p) => p.id === panelId);
        if (panel?.display?.kind !== 'screen' || !panel.display.touch) return false;
        this.onPress(panelId, button); // the same path as a physical button: outbox first
        return true;
      },
      answer: (panelId, reason) => this.reasons.answer(panelId, reason),
    });
    try {
      await this.page.start();
    } catch (err) {
      this.deps.log.error({ err, port: this.config.display.pagePort }, 'local page failed to start');
      this.page = undefined;
    }
  }

  private onPress(panel: string, button: Button): void {
    this.counters.presses++;
    // One press per ticket: the first press in the window carries it and ends the invitation.
    const armed = this.armed.get(panel);
    if (armed) {
      clearTimeout(armed.timer);
      this.armed.delete(panel);
    }
    const event = this.recorder.record(panel, button, armed?.ticket);
    const config = this.panels.find((p) => p.id === panel);
    if (event && config) this.reasons.offer(config, event);
    if (this.recorder.memoryHeld > 0) this.publisher.statusChanged();
  }

  /** A ticket was served at an armed panel's desk: invite a press (LEDs) for windowMs and put the ticket on it. */
  onArm(raw: string): void {
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      message = undefined;
    }
    const problems = message === undefined ? ['invalid JSON'] : checkArm.problems(message);
    const arm = message as ArmMessage;
    const panel = problems.length === 0 ? this.panels.find((p) => p.id === arm.panel) : undefined;
    if (!panel?.armed) {
      this.deps.log.warn({ problems, panel: (message as { panel?: unknown })?.panel }, 'arm message ignored');
      return;
    }
    clearTimeout(this.armed.get(panel.id)?.timer);
    const timer = setTimeout(() => {
      this.armed.delete(panel.id);
      this.source.show(panel.id, 'good', 'off');
      this.deps.log.info({ panel: panel.id, ticket: arm.ticket }, 'armed window ended without a press');
    }, arm.windowMs);
    this.armed.set(panel.id, { ticket: arm.ticket, timer });
    this.source.show(panel.id, 'good', 'armed');
    this.deps.log.info({ panel: panel.id, ticket: arm.ticket, windowMs: arm.windowMs }, 'armed');
  }

  /** Stops in reverse order: no new presses, then the network, then the disk. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.pruneTimer);
    clearInterval(this.indicatorTimer);
    this.reasons.stop();
    for (const { timer } of this.armed.values()) clearTimeout(timer);
    await this.page?.stop();
    this.faces.stop();
    this.source.removeAllListeners('press');
    await this.source.stop();
    await this.publisher.stop();
    this.recorder.stop();
    this.recorder.flush(); // last chance for presses held in memory
    if (this.recorder.memoryHeld > 0)
      this.deps.log.error({ memoryHeld: this.recorder.memoryHeld }, 'stopping with presses the disk refused');
    this.outbox.close();
    this.clock.stop?.();
    this.deps.log.info('kiosk agent stopped');
  }

  /** SIGTERM/SIGINT (and `quit()`) → graceful stop, then exit; a second signal exits at once. */
  handleSignals(exit: (code: number) => void = (code) => process.exit(code)): () => void {
    let stopping = false;
    const quit = (reason: string) => {
      if (stopping) return exit(1);
      stopping = true;
      this.deps.log.info({ reason }, 'stopping');
      this.stop().then(
        () => exit(0),
        (err: unknown) => {
          this.deps.log.error({ err }, 'stop failed');
          exit(1);
        },
      );
    };
    process.on('SIGTERM', () => quit('SIGTERM'));
    process.on('SIGINT', () => quit('SIGINT'));
    return () => quit('quit');
  }

  private prune(): void {
    const before = this.clock.wallMs() - this.config.outbox.retentionDays * 86_400_000;
    const removed = this.outbox.prune(before);
    if (removed > 0) this.deps.log.info({ removed }, 'pruned settled outbox rows');
  }

  /** Presses not stored (held in memory) outrank being offline: they are the customer's vote at risk. */
  private updateIndicator(): void {
    const now = Date.now();
    if (this.publisher.connected) this.offlineSince = undefined;
    else this.offlineSince ??= now;
    const offline = this.offlineSince !== undefined && now - this.offlineSince >= this.config.display.offlineAfterMs;
    const indicator: Indicator = this.recorder.memoryHeld > 0 ? 'notStored' : offline ? 'offline' : undefined;
    this.faces.setIndicator(indicator);
  }

  private adopt(remote: KioskConfigMessage): void {
    this.panels = remote.panels;
    this.texts = remote.texts ?? this.config.texts;
    this.rules = remote.misuse ?? this.config.misuse;
    this.configRev = remote.rev;
  }

  /** A retained config from the gateway: applied when valid, refused (and reported) when not. */
  onRemoteConfig(raw: string): void {
    const result = parseRemoteConfig(raw);
    if (!result.ok) {
      this.configError = result.problems.join('; ');
      this.deps.log.warn({ problems: result.problems }, 'config refused');
    } else {
      this.configError = undefined;
      const next = result.config;
      const running = { rev: this.configRev, panels: this.panels, misuse: this.rules, texts: this.texts };
      const wanted = {
        rev: next.rev,
        panels: next.panels,
        misuse: next.misuse ?? this.config.misuse,
        texts: next.texts ?? this.config.texts,
      };
      if (JSON.stringify(wanted) !== JSON.stringify(running)) {
        const panelsChanged = JSON.stringify(next.panels) !== JSON.stringify(this.panels);
        // A new name on duty or question is redrawn on the screens; only new wiring restarts the board.
        const boardRestart = hardwareChanged(this.panels, next.panels);
        saveRemoteConfig(this.config.dataDir, next);
        this.adopt(next);
        this.recorder.setRules(this.rules);
        if (panelsChanged) this.source.setPanels(this.panels);
        if (!this.stopped) {
          this.faces.configure(this.panels, this.texts);
          void this.startPage();
          this.publisher.subscribeArm();
        }
        this.deps.log.info({ rev: next.rev, panels: next.panels.map((p) => p.id), boardRestart }, 'config applied');
      }
    }
    this.publisher.statusChanged();
  }

  currentPanels(): Panel[] {
    return this.panels;
  }

  status(): Omit<StatusMessage, 'v' | 'state'> {
    const now = this.clock.wallMs();
    return {
      at: new Date(now).toISOString(),
      version: this.version,
      bootId: this.clock.bootId,
      board: this.source.state(),
      outbox: { ...this.outbox.stats(now), memoryHeld: this.recorder.memoryHeld, error: this.recorder.lastError },
      clockSynced: this.clock.clockSynced(),
      config: { rev: this.configRev, error: this.configError },
      panels: this.panels.map(({ id, kind }) => ({ id, kind })),
      counters: { ...this.counters, ...this.publisher.counters },
    };
  }
}
