/**
 * MQTT contract v1: one TypeBox definition per message. Kiosk and gateway validate with these,
 * the gateway's OpenAPI is generated from the same objects.
 */
import Type, { type Static } from 'typebox';
import { MAX_EVENTS_PER_BATCH } from './limits.js';
import { KIOSK_ID_PATTERN } from './topics.js';
import { DEFAULT_MISUSE_RULES } from './misuse.js';

export { BUTTONS } from './buttons.js';
export const Button = Type.Union([Type.Literal('good'), Type.Literal('neutral'), Type.Literal('bad')]);
export type Button = Static<typeof Button>;

export const PANEL_KINDS = ['staff', 'office', 'loyalty'] as const;
export const PanelKind = Type.Union([Type.Literal('staff'), Type.Literal('office'), Type.Literal('loyalty')]);
export type PanelKind = Static<typeof PanelKind>;

export const KioskId = Type.String({ pattern: KIOSK_ID_PATTERN, description: 'Kiosk id; also its MQTT username' });
/** ULIDs in practice; any URL-safe token of 8–64 characters is accepted from third-party kiosks. */
export const EventId = Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$' });
export const PanelId = Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' });

/**
 * Counters are safe integers: beyond 2^53 - 1 JSON numbers lose digits (2^53 + 1 reads as 2^53) and
 * a database's 64-bit integer column overflows (seq 1e300 became lastSeq 9223372036854776000).
 */
const Counter = (minimum: number, description?: string) =>
  Type.Integer({ minimum, maximum: Number.MAX_SAFE_INTEGER, ...(description ? { description } : {}) });

export const Event = Type.Object({
  id: EventId,
  seq: Counter(1, 'Per-kiosk counter, strictly increasing; gaps reveal loss'),
  panel: PanelId,
  button: Button,
  at: Type.String({ format: 'date-time', description: 'Wall-clock time of the press' }),
  clockSynced: Type.Boolean(),
  bootId: Type.String({ minLength: 1, maxLength: 64 }),
  uptimeMs: Counter(0),
  flags: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 8 }),
});
export type Event = Static<typeof Event>;

/**
 * The envelope is checked first and events one by one after it, so one bad event is rejected
 * by id while the rest of its batch is accepted.
 */
export const EventsEnvelope = Type.Object({
  v: Type.Literal(1),
  kioskId: KioskId,
  events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }),
});
export type EventsEnvelope = Static<typeof EventsEnvelope>;
export type EventsMessage = { v: 1; kioskId: string; events: Event[] };

export const Rejection = Type.Object({ id: Type.String(), reason: Type.String() });
export type Rejection = Static<typeof Rejection>;

export const AckMessage = Type.Object({
  v: Type.Literal(1),
  ids: Type.Optional(Type.Array(Type.String())),
  rejected: Type.Optional(Type.Array(Rejection)),
});
export type AckMessage = Static<typeof AckMessage>;

export const PanelPins = Type.Object({
  good: Type.Integer({ minimum: 0 }),
  neutral: Type.Integer({ minimum: 0 }),
  bad: Type.Integer({ minimum: 0 }),
});

export const Panel = Type.Object({
  id: PanelId,
  kind: PanelKind,
  question: Type.Optional(Type.String({ maxLength: 500 })),
  pins: PanelPins,
  /** LED per button ("thank you" lights the pressed button's LED); all optional. */
  leds: Type.Optional(Type.Partial(PanelPins)),
  /** Buttons wired to ground with the internal pull-up read LOW when pressed. */
  pullup: Type.Optional(Type.Boolean()),
  invert: Type.Optional(Type.Boolean()),
});
export type Panel = Static<typeof Panel>;

export const MisuseRulesSchema = Type.Object({
  lockoutMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: DEFAULT_MISUSE_RULES.lockoutMs }),
  burstCount: Type.Integer({ minimum: 2, maximum: 1000, default: DEFAULT_MISUSE_RULES.burstCount }),
  burstWindowMs: Type.Integer({ minimum: 1, maximum: 3_600_000, default: DEFAULT_MISUSE_RULES.burstWindowMs }),
});

/** Retained on `config`: what the gateway wants the kiosk to run. */
export const KioskConfigMessage = Type.Object({
  v: Type.Literal(1),
  rev: Type.Integer({ minimum: 0 }),
  panels: Type.Array(Panel, { minItems: 1, maxItems: 16 }),
  misuse: Type.Optional(MisuseRulesSchema),
});
export type KioskConfigMessage = Static<typeof KioskConfigMessage>;

/** Retained on `status`; the last will publishes `{ v: 1, state: "offline" }`. */
export const StatusMessage = Type.Object({
  v: Type.Literal(1),
  state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
  at: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  bootId: Type.Optional(Type.String()),
  board: Type.Optional(Type.Object({ connected: Type.Boolean(), kind: Type.String(), error: Type.Optional(Type.String()) })),
  outbox: Type.Optional(
    Type.Object({
      pending: Type.Integer(),
      oldestPendingAgeMs: Type.Union([Type.Integer(), Type.Null()]),
      memoryHeld: Type.Integer({ description: 'Presses held in memory because the outbox could not be written' }),
      lastSeq: Type.Integer(),
      error: Type.Optional(Type.String()),
    }),
  ),
  clockSynced: Type.Optional(Type.Boolean()),
  config: Type.Optional(Type.Object({ rev: Type.Union([Type.Integer(), Type.Null()]), error: Type.Optional(Type.String()) })),
  /** The panels the kiosk runs now: the gateway learns their kinds from here (binding needs no `kind`). */
  panels: Type.Optional(Type.Array(Type.Object({ id: PanelId, kind: PanelKind }), { maxItems: 16 })),
  counters: Type.Optional(Type.Record(Type.String(), Type.Integer())),
});
export type StatusMessage = Static<typeof StatusMessage>;
