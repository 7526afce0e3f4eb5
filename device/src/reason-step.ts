/**
 * The second step after a bad press on a panel with `reasons`: for `timeoutMs` the panel asks why (screen,
 * LCD, reason buttons); an answer is committed to the outbox as a ReasonEvent naming the press, on the same
 * seq stream, and published and acknowledged like presses. No answer in time: nothing is sent.
 */
import { ulid } from 'ulid';
import type { Logger } from 'pino';
import type { Event, Panel, ReasonEvent } from '../../shared/src/index.js';
import type { Clock } from './clock.js';
import type { Outbox } from './outbox.js';

export const DEFAULT_REASON_TIMEOUT_MS = 10_000;

export interface Asking {
  pressId: string;
  options: { id: string; label: string }[];
}

export interface ReasonStepOptions {
  outbox: Outbox;
  clock: Clock;
  log: Logger;
  /** The panel starts (options) or stops (undefined) asking. */
  onAsk(panel: string, asking: Asking | undefined): void;
  onCommitted(event: ReasonEvent): void;
}

export type AnswerResult = 'stored' | 'not asking' | 'unknown reason' | 'not stored';

export class ReasonStep {
  private readonly asking = new Map<string, Asking & { timer: NodeJS.Timeout }>();

  constructor(private readonly opts: ReasonStepOptions) {}

  /** After a committed press: a bad one on a panel with reasons opens the question (a new one replaces it). */
  offer(panel: Panel, press: Event): void {
    if (press.button !== 'bad' || !panel.reasons) {
      this.close(panel.id); // any other press ends an open question
      return;
    }
    this.close(panel.id);
    const timer = setTimeout(() => {
      this.opts.log.info({ panel: panel.id, reasonFor: press.id }, 'no reason given in time');
      this.close(panel.id);
    }, panel.reasons.timeoutMs ?? DEFAULT_REASON_TIMEOUT_MS);
    const asking = { pressId: press.id, options: panel.reasons.options };
    this.asking.set(panel.id, { ...asking, timer });
    this.opts.onAsk(panel.id, asking);
  }

  current(panelId: string): Asking | undefined {
    return this.asking.get(panelId);
  }

  /** The customer picked option `reason` (by id, or by index for reason buttons). */
  answer(panelId: string, reason: string | number): AnswerResult {
    const open = this.asking.get(panelId);
    if (!open) return 'not asking';
    const option = typeof reason === 'number' ? open.options[reason] : open.options.find((o) => o.id === reason);
    if (!option) return 'unknown reason';
    const { clock } = this.opts;
    let event: ReasonEvent;
    try {
      event = this.opts.outbox.appendReason({
        type: 'reason',
        id: ulid(),
        panel: panelId,
        reasonFor: open.pressId,
        reason: option.id,
        at: new Date(clock.wallMs()).toISOString(),
        clockSynced: clock.clockSynced(),
        bootId: clock.bootId,
        uptimeMs: clock.uptimeMs(),
      });
    } catch (err) {
      // The press itself is stored; only its explanation is lost, and said so.
      this.opts.log.error({ err, panel: panelId, reasonFor: open.pressId, reason: option.id }, 'reason not stored');
      this.close(panelId);
      return 'not stored';
    }
    this.opts.log.info(
      { seq: event.seq, id: event.id, panel: panelId, reasonFor: event.reasonFor, reason: event.reason },
      'reason committed',
    );
    this.close(panelId);
    this.opts.onCommitted(event);
    return 'stored';
  }

  private close(panelId: string): void {
    const open = this.asking.get(panelId);
    if (!open) return;
    clearTimeout(open.timer);
    this.asking.delete(panelId);
    this.opts.onAsk(panelId, undefined);
  }

  stop(): void {
    for (const open of this.asking.values()) clearTimeout(open.timer);
    this.asking.clear();
  }
}
