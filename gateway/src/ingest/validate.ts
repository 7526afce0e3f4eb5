/**
 * Pure classification of incoming `events` and `status` messages: what to store, what to reject by
 * id, and what to dead-letter with a reason a person understands. No I/O; the caller says which
 * kiosks are registered.
 */
import {
  checker,
  EARLIEST_PLAUSIBLE_PRESS,
  Event,
  EventId,
  EventsEnvelope,
  MAX_EVENTS_PER_BATCH,
  MAX_FUTURE_SKEW_MS,
  MAX_PAYLOAD_BYTES,
  MAX_STATUS_BYTES,
  ReasonEvent,
  StatusMessage,
} from '../../../shared/src/index.js';
import type { EventsBatch, NewDeadLetter, RejectedEvent, StatusUpdate } from '../store/store.js';

const envelopeCheck = checker(EventsEnvelope);
const eventCheck = checker(Event);
const reasonCheck = checker(ReasonEvent);
const eventIdCheck = checker(EventId);
const statusCheck = checker(StatusMessage);

/**
 * Dead letters keep at most this much of a payload: enough to see what was sent, not a storage DoS
 * (with dead-letter-budget.ts's per-kiosk caps).
 */
export const DEAD_LETTER_PAYLOAD_CHARS = 1024;

export interface Classified {
  /** Present when the kiosk should hear back (events to store and/or ids to reject). */
  batch?: EventsBatch;
  status?: StatusUpdate;
  deadLetters: NewDeadLetter[];
}

export interface Context {
  topic: string;
  topicKioskId: string;
  registered: boolean;
  now: number;
}

export function preview(payload: Buffer | string): string {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8', 0, DEAD_LETTER_PAYLOAD_CHARS * 4);
  if (text.length <= DEAD_LETTER_PAYLOAD_CHARS) return text;
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  return `${text.slice(0, DEAD_LETTER_PAYLOAD_CHARS)}…(${bytes} bytes, truncated)`;
}

function summarize(problems: string[]): string {
  const shown = problems.slice(0, 5).join('; ');
  return problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown;
}

function parseJson(payload: Buffer): { value: unknown } | { error: string } {
  // A UTF-8 byte order mark is not JSON, but some editors and bridges put one before it.
  const text = payload.toString('utf8');
  try {
    return { value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (err) {
    return { error: `malformed JSON: ${(err as Error).message}` };
  }
}

/** A clock-synced press must fall between the product's birth and (gateway clock + allowed skew). */
export function implausibleTime(at: string, now: number): string | undefined {
  const t = Date.parse(at);
  if (Number.isNaN(t)) return `at "${at}" is not a valid date-time`;
  if (t < EARLIEST_PLAUSIBLE_PRESS) {
    return `at ${at} is before ${new Date(EARLIEST_PLAUSIBLE_PRESS).toISOString()} although clockSynced is true`;
  }
  if (t > now + MAX_FUTURE_SKEW_MS) {
    return `at ${at} is more than ${MAX_FUTURE_SKEW_MS / 3_600_000} h ahead of the gateway clock although clockSynced is true`;
  }
  return undefined;
}

function wellFormedIds(value: unknown): string[] {
  const events = (value as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) return [];
  const ids = events.map((e) => (e as { id?: unknown } | null)?.id).filter((id) => eventIdCheck.check(id));
  return [...new Set(ids as string[])];
}

/** The whole message is refused: dead-letter it and, for a registered kiosk, reject every readable id. */
function refuse(ctx: Context, payload: Buffer, reason: string, parsed?: unknown): Classified {
  const deadLetters = [{ topic: ctx.topic, kioskId: ctx.topicKioskId, reason, payload: preview(payload) }];
  if (!ctx.registered) return { deadLetters };
  const rejected = wellFormedIds(parsed).map((id) => ({ id, reason }));
  return rejected.length ? { batch: { kioskId: ctx.topicKioskId, events: [], reasons: [], rejected }, deadLetters } : { deadLetters };
}

/** A press, or (`type: "reason"`) the customer's reason for a bad press: same id, seq and time rules. */
function checkEvent(raw: unknown, now: number): { event: Event } | { reasonEvent: ReasonEvent } | { reason: string } {
  if ((raw as { type?: unknown } | null)?.type === 'reason') {
    if (!reasonCheck.check(raw)) return { reason: `invalid reason event: ${summarize(reasonCheck.problems(raw))}` };
    const timeProblem = raw.clockSynced ? implausibleTime(raw.at, now) : undefined;
    return timeProblem ? { reason: timeProblem } : { reasonEvent: raw };
  }
  if (!eventCheck.check(raw)) return { reason: `invalid event: ${summarize(eventCheck.problems(raw))}` };
  const timeProblem = raw.clockSynced ? implausibleTime(raw.at, now) : undefined;
  return timeProblem ? { reason: timeProblem } : { event: raw };
}

export function classifyEvents(ctx: Context, payload: Buffer): Classified {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return refuse(ctx, payload, `payload is ${payload.length} bytes; the limit is ${MAX_PAYLOAD_BYTES}`);
  }
  const parsed = parseJson(payload);
  if ('error' in parsed) return refuse(ctx, payload, parsed.error);
  const msg = parsed.value;
  const count = Array.isArray((msg as { events?: unknown } | null)?.events) ? (msg as { events: unknown[] }).events.length : 0;
  if (count > MAX_EVENTS_PER_BATCH) {
    return refuse(ctx, payload, `batch has ${count} events; at most ${MAX_EVENTS_PER_BATCH} are allowed per message`, msg);
  }
  if (!envelopeCheck.check(msg)) {
    return refuse(ctx, payload, `invalid events message: ${summarize(envelopeCheck.problems(msg))}`, msg);
  }
  if (msg.kioskId !== ctx.topicKioskId) {
    return refuse(ctx, payload, `payload kioskId "${msg.kioskId}" does not match topic kiosk "${ctx.topicKioskId}"`, msg);
  }
  if (!ctx.registered) return refuse(ctx, payload, `kiosk "${ctx.topicKioskId}" is not registered`, msg);
  return classifyBatch(ctx, msg.events);
}

/** An event's fields in a fixed order, so two copies compare equal whatever their key order. */
function canonical(raw: unknown): string {
  const e = (raw ?? {}) as Record<string, unknown>;
  return JSON.stringify(
    ['type', 'id', 'seq', 'panel', 'button', 'reasonFor', 'reason', 'ticket', 'at', 'clockSynced', 'bootId', 'uptimeMs', 'flags'].map(
      (k) => e[k],
    ),
  );
}

/**
 * One event id twice in a batch: an exact repeat is dropped (it is a duplicate); copies that differ
 * are a conflict, and every copy is rejected: which press was meant cannot be known.
 */
function sameIdCopies(raws: unknown[]): { repeats: Set<number>; conflicts: Set<string> } {
  const first = new Map<string, number>(); // id → index of its first copy; copies are compared only on a repeat
  const repeats = new Set<number>();
  const conflicts = new Set<string>();
  raws.forEach((raw, i) => {
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const seen = first.get(id);
    if (seen === undefined) first.set(id, i);
    else if (canonical(raws[seen]) === canonical(raw)) repeats.add(i);
    else conflicts.add(id);
  });
  return { repeats, conflicts };
}

function classifyBatch(ctx: Context, raws: unknown[]): Classified {
  const events: Event[] = [];
  const reasons: ReasonEvent[] = [];
  const rejected: RejectedEvent[] = [];
  const deadLetters: NewDeadLetter[] = [];
  const { repeats, conflicts } = sameIdCopies(raws);
  for (const id of conflicts) {
    const copies = raws.filter((r) => (r as { id?: unknown } | null)?.id === id);
    const reason = `event id ${id} appears twice in the batch with different content`;
    deadLetters.push({ topic: ctx.topic, kioskId: ctx.topicKioskId, reason, payload: preview(JSON.stringify(copies)) });
    if (eventIdCheck.check(id)) rejected.push({ id, reason });
  }
  for (const [i, raw] of raws.entries()) {
    if (repeats.has(i) || conflicts.has((raw as { id?: unknown } | null)?.id as string)) continue;
    const verdict = checkEvent(raw, ctx.now);
    if ('event' in verdict) {
      events.push(verdict.event);
      continue;
    }
    if ('reasonEvent' in verdict) {
      reasons.push(verdict.reasonEvent);
      continue;
    }
    deadLetters.push({
      topic: ctx.topic,
      kioskId: ctx.topicKioskId,
      reason: verdict.reason,
      payload: preview(JSON.stringify(raw) ?? 'null'),
    });
    const id = (raw as { id?: unknown } | null)?.id;
    const seq = (raw as { seq?: unknown } | null)?.seq;
    if (eventIdCheck.check(id)) rejected.push({ id, reason: verdict.reason, ...(Number.isSafeInteger(seq) ? { seq: seq as number } : {}) });
  }
  return { batch: { kioskId: ctx.topicKioskId, events, reasons, rejected, topic: ctx.topic }, deadLetters };
}

export function classifyStatus(ctx: Context, payload: Buffer): Classified {
  const dead = (reason: string): Classified => ({
    deadLetters: [{ topic: ctx.topic, kioskId: ctx.topicKioskId, reason, payload: preview(payload) }],
  });
  if (payload.length > MAX_STATUS_BYTES) return dead(`status is ${payload.length} bytes; the limit is ${MAX_STATUS_BYTES}`);
  const parsed = parseJson(payload);
  if ('error' in parsed) return dead(parsed.error);
  if (!statusCheck.check(parsed.value)) return dead(`invalid status message: ${summarize(statusCheck.problems(parsed.value))}`);
  if (!ctx.registered) return dead(`kiosk "${ctx.topicKioskId}" is not registered`);
  return { status: { kioskId: ctx.topicKioskId, payload: parsed.value }, deadLetters: [] };
}
