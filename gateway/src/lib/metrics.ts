/**
 * The gateway's Prometheus metrics (prom-client), one registry per gateway, every name `lb_*`
 * (docs/gateway.md#metrics lists them). Counters and histograms are moved by ingest as it works;
 * the kiosk gauges are read from the in-memory fleet view at scrape time (ingest/fleet-view.ts),
 * never from the database.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Reasons a dead letter is counted under: a fixed set, so the label stays bounded whatever kiosks send. */
export const DEAD_LETTER_REASONS = [
  'malformed-json',
  'invalid-message',
  'invalid-event',
  'implausible-time',
  'too-large',
  'not-registered',
  'kiosk-mismatch',
  'conflicting-copies',
  'unknown-topic',
  'other',
] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** The bounded label for a dead letter's free-text reason (gateway/src/ingest/validate.ts writes them). */
export function deadLetterReason(reason: string): DeadLetterReason {
  if (reason.startsWith('malformed JSON')) return 'malformed-json';
  if (reason.startsWith('invalid event:')) return 'invalid-event';
  if (/^invalid (events|status) message/.test(reason)) return 'invalid-message';
  if (/^at .* (is not a valid date-time|is before|is more than)/.test(reason)) return 'implausible-time';
  if (/^(payload|status) is \d+ bytes|^batch has \d+ events/.test(reason)) return 'too-large';
  if (/is not registered$/.test(reason)) return 'not-registered';
  if (reason.startsWith('payload kioskId')) return 'kiosk-mismatch';
  if (/appears twice in the batch/.test(reason)) return 'conflicting-copies';
  if (reason.startsWith('not an events or status topic')) return 'unknown-topic';
  return 'other';
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly presses = new Counter({
    name: 'lb_presses_total',
    help: 'Presses received in events messages, by outcome: stored (new), duplicate (already stored, acked again), rejected',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly messages = new Counter({
    name: 'lb_ingest_messages_total',
    help: 'MQTT messages committed by ingest, by topic kind (events, status)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly ackLatency = new Histogram({
    name: 'lb_ack_latency_seconds',
    help: 'From an events message reaching the gateway to its ack being published (after the commit)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly deadLetters = new Counter({
    name: 'lb_dead_letters_total',
    help: 'Refused messages and events (stored or only counted past a kiosk’s budget), by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly commitFailures = new Counter({
    name: 'lb_commit_failures_total',
    help: 'Ingest commits the database refused (nothing acked: kiosks resend)',
    registers: [this.registry],
  });

  constructor() {
    for (const reason of DEAD_LETTER_REASONS) this.deadLetters.inc({ reason }, 0);
    for (const outcome of ['stored', 'duplicate', 'rejected']) this.presses.inc({ outcome }, 0);
    for (const kind of ['events', 'status']) this.messages.inc({ kind }, 0);
    // Event-loop lag (lb_nodejs_eventloop_lag_*), heap, CPU, file descriptors: prom-client's own.
    collectDefaultMetrics({ register: this.registry, prefix: 'lb_' });
  }

  /** A gauge whose value is computed at scrape time by `collect`. */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect: (g: Gauge<L>) => void): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        collect(this);
      },
    });
  }
}
