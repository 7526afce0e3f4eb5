/**
 * One press, one vote: flags a press with the shared misuse rules, commits it to the outbox and only
 * then thanks the customer. A press the disk refuses is held in memory (with its original time) and
 * retried; it is never dropped.
 */
import { ulid } from 'ulid';
import type { Logger } from 'pino';
import { emptyHistory, flagPress, type Button, type Event, type MisuseRules, type PanelHistory } from '../../shared/src/index.js';
import type { Clock } from './clock.js';
import type { Outbox, PressRecord } from './outbox.js';

/** What the customer sees. */
export interface Feedback {
  thank(panel: string, button: Button): void;
  /** Distinct pattern: the press was NOT stored on disk (it is held in memory). */
  showError(panel: string, button: Button): void;
}

export interface PressRecorderOptions {
  outbox: Outbox;
  clock: Clock;
  feedback: Feedback;
  log: Logger;
  rules: MisuseRules;
  retryMs?: number;
  onCommitted?: (event: Event) => void;
}

export class PressRecorder {
  private readonly histories = new Map<string, PanelHistory>();
  private readonly held: PressRecord[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private rules: MisuseRules;
  lastError: string | undefined;

  constructor(private readonly opts: PressRecorderOptions) {
    this.rules = opts.rules;
  }

  get memoryHeld(): number {
    return this.held.length;
  }

  setRules(rules: MisuseRules): void {
    this.rules = rules;
  }

  /** Records one press; returns the committed event, or undefined when it is held in memory. */
  record(panel: string, button: Button, ticket?: string): Event | undefined {
    const { clock } = this.opts;
    const { flags, history } = flagPress(this.histories.get(panel) ?? emptyHistory(), clock.monotonicMs(), this.rules);
    this.histories.set(panel, history);
    const press: PressRecord = {
      id: ulid(),
      panel,
      button,
      at: new Date(clock.wallMs()).toISOString(),
      clockSynced: clock.clockSynced(),
      bootId: clock.bootId,
      uptimeMs: clock.uptimeMs(),
      flags,
      ...(ticket ? { ticket } : {}),
    };
    this.held.push(press); // in order behind any earlier held press, so seq follows press order
    const committed = this.flush().find((e) => e.id === press.id);
    if (committed) this.opts.feedback.thank(panel, button);
    else this.opts.feedback.showError(panel, button);
    return committed;
  }

  /** Commits held presses in order until one fails; schedules a retry if any remain. */
  flush(): Event[] {
    const committed: Event[] = [];
    while (this.held.length > 0) {
      const press = this.held[0]!;
      let event: Event;
      try {
        event = this.opts.outbox.append(press);
      } catch (err) {
        this.fail(err as Error);
        break;
      }
      this.held.shift();
      committed.push(event);
      this.opts.log.info({ seq: event.seq, id: event.id, panel: event.panel, button: event.button, flags: event.flags }, 'press committed');
      this.opts.onCommitted?.(event);
    }
    if (this.held.length === 0) this.lastError = undefined;
    return committed;
  }

  private fail(err: Error & { code?: string }): void {
    const message = `${err.code ?? 'ERROR'}: ${err.message}`;
    if (message !== this.lastError)
      this.opts.log.error({ err, memoryHeld: this.held.length }, 'outbox commit failed; press held in memory');
    this.lastError = message;
    if (!this.retryTimer) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.flush();
      }, this.opts.retryMs ?? 2000);
    }
  }

  stop(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
