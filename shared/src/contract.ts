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
  /** Armed panels: the queue ticket the kiosk was armed for when this press was made (see ArmMessage). */
  ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
export type Event = Static<typeof Event>;

export const ReasonId = Type.String({ pattern: '^[a-z0-9_-]{1,32}$' });

/**
 * The customer's answer to "why?" after a bad press (Panel.reasons): its own record on the kiosk's events
 * stream (same outbox, seq counter, acks and exactly-once as presses), naming the press it explains. The
 * press itself was stored and acknowledged before the question was asked; a reason never changes a count.
 * Kiosks send it only when the gateway configured reasons, so gateways that predate it never receive one.
 */
export const ReasonEvent = Type.Object({
  type: Type.Literal('reason'),
  id: EventId,
  seq: Counter(1, 'The same per-kiosk counter as presses'),
  panel: PanelId,
  reasonFor: EventId,
  reason: ReasonId,
  at: Type.String({ format: 'date-time' }),
  clockSynced: Type.Boolean(),
  bootId: Type.String({ minLength: 1, maxLength: 64 }),
  uptimeMs: Counter(0),
});
export type ReasonEvent = Static<typeof ReasonEvent>;

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

/**
 * A panel's screen. `lcd-i2c`/`lcd-parallel`: an HD44780-compatible character LCD driven through johnny-five's
 * LCD (I2C through a PCF8574 backpack at `address`, or parallel on `pins` [rs, en, d4, d5, d6, d7]); `rom` is
 * its character ROM (A00 Japanese, A02 European, or a Cyrillic one): characters it lacks are drawn in the 8
 * custom slots, else transliterated. `screen`: the kiosk's HDMI screen shows the agent's local page.
 */
export const PanelDisplay = Type.Object({
  kind: Type.Union([Type.Literal('lcd-i2c'), Type.Literal('lcd-parallel'), Type.Literal('screen')]),
  cols: Type.Optional(Type.Integer({ minimum: 8, maximum: 40 })),
  rows: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
  address: Type.Optional(Type.Integer({ minimum: 0, maximum: 127 })),
  pins: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 6, maxItems: 6 })),
  rom: Type.Optional(Type.Union([Type.Literal('A00'), Type.Literal('A02'), Type.Literal('cyrillic')])),
  /** Touch screen: the page shows the three buttons itself. */
  touch: Type.Optional(Type.Boolean()),
});
export type PanelDisplay = Static<typeof PanelDisplay>;

/** After a bad press, ask why: 2–4 options on extra buttons (`pins`, one per option) or the screen, for `timeoutMs`. */
export const PanelReasons = Type.Object({
  options: Type.Array(Type.Object({ id: ReasonId, label: Type.String({ minLength: 1, maxLength: 40 }) }), { minItems: 2, maxItems: 4 }),
  pins: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 2, maxItems: 4 })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 60_000 })),
});
export type PanelReasons = Static<typeof PanelReasons>;

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
  /** The question with `{name}` where the employee on duty goes; `question` is asked when nobody is on duty. */
  questionOnDuty: Type.Optional(Type.String({ maxLength: 500 })),
  /** Staff panels: who is on duty at the panel's desk now, pushed by the gateway (null: nobody assigned). */
  duty: Type.Optional(
    Type.Union([Type.Null(), Type.Object({ employeeId: Type.String({ maxLength: 64 }), name: Type.String({ maxLength: 120 }) })]),
  ),
  display: Type.Optional(PanelDisplay),
  reasons: Type.Optional(PanelReasons),
  /** Armed mode: presses count only within windowMs after a ticket was served at the panel's desk (ArmMessage). */
  armed: Type.Optional(Type.Object({ windowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000 }) })),
});
export type Panel = Static<typeof Panel>;

export const KioskTexts = Type.Object({
  lang: Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$', description: 'BCP 47 language of these texts, e.g. ru' }),
  thanks: Type.Optional(Type.String({ maxLength: 80 })),
  /** Shown discreetly while presses cannot be stored, or the kiosk has been offline for long. */
  notStored: Type.Optional(Type.String({ maxLength: 80 })),
  offline: Type.Optional(Type.String({ maxLength: 80 })),
  whyQuestion: Type.Optional(Type.String({ maxLength: 120 })),
});
export type KioskTexts = Static<typeof KioskTexts>;

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
  /** What the kiosk's screens say besides the questions, in the kiosk's language: data, never code. */
  texts: Type.Optional(KioskTexts),
});
export type KioskConfigMessage = Static<typeof KioskConfigMessage>;

/**
 * On `arm` (gateway → kiosk, QoS 1, not retained): a queue ticket was just served at an armed panel's desk;
 * the panel invites a press (LED, screen) for `windowMs` and sends `ticket` with it. The gateway decides
 * what counts from the stored times (the kiosk may have been offline), never from this message alone.
 */
export const ArmMessage = Type.Object({
  v: Type.Literal(1),
  panel: PanelId,
  ticket: Type.String({ minLength: 1, maxLength: 64 }),
  windowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000 }),
});
export type ArmMessage = Static<typeof ArmMessage>;

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
