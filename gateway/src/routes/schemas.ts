/** REST-only schemas; message shapes come from the shared MQTT contract. */
import Type from 'typebox';
import { HEALTH_RULES, KioskConfigMessage, KioskId, MisuseRulesSchema, Panel, StatusMessage } from '../../../shared/src/index.js';

export const ErrorReply = Type.Object({ error: Type.String(), message: Type.String() });
export const errorReplies = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply };

export const Role = Type.Union(
  [
    Type.Literal('admin'),
    Type.Literal('technician'),
    Type.Literal('manager'),
    Type.Literal('metrics'),
    Type.Literal('queue'),
    Type.Literal('reviewer'),
    Type.Literal('crm'),
  ],
  {
    description:
      'metrics: may only scrape GET /metrics; queue: may only feed /api/v1/queue (the queue system); ' +
      'reviewer: reads and classifies the cases (negative answers) of its scope, as a manager reads scores; ' +
      'crm: pulls the negative cases of its scope (GET /cases/export) and posts the follow-up (POST /cases/:id/follow-up)',
  },
);
export const OfficeId = Type.String({ minLength: 1, maxLength: 64 });

export const KioskIdParams = Type.Object({ id: KioskId });

/** A panel at registration; `deskId` (optional) binds a staff panel to a desk for scoring. */
export const RegisterPanel = Type.Object({
  ...Panel.properties,
  deskId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Staff panel: the desk it scores' })),
});
export const RegisterKioskBody = Type.Object({
  id: KioskId,
  officeId: Type.Optional(OfficeId),
  panels: Type.Optional(Type.Array(RegisterPanel, { minItems: 1, maxItems: 16 })),
});

export const KioskCredentials = Type.Object({
  id: KioskId,
  mqtt: Type.Object({ username: Type.String(), password: Type.String({ description: 'Shown only in this response' }) }),
});

export const Counters = Type.Object({
  received: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  lastSeq: Type.Integer(),
});

export const Gap = Type.Object({ from: Type.Integer(), to: Type.Integer() });

export const HealthRule = Type.Enum(HEALTH_RULES, { description: 'A kiosk health rule (docs/gateway.md#kiosk-health)' });
export const KioskHealth = Type.Object({
  online: Type.Boolean({ description: 'online and heard from within the offline threshold' }),
  since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'when it came online, or went offline (or fell silent); null if never seen',
  }),
  problems: Type.Array(
    Type.Object({
      rule: HealthRule,
      since: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      detail: Type.String(),
    }),
  ),
});
export const ConfigState = Type.Object({
  rev: Type.Integer({ description: 'the gateway’s latest config revision for this kiosk' }),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'when it was stored and sent (retained)' }),
  state: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('refused')]),
  reason: Type.Optional(Type.String({ description: 'refused: what the kiosk said' })),
  kioskRev: Type.Union([Type.Integer(), Type.Null()], { description: 'the revision the kiosk reports running' }),
  appliedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'accepted: when the kiosk first reported running it',
  }),
});

export const KioskSummary = Type.Object({
  id: KioskId,
  officeId: Type.Union([OfficeId, Type.Null()]),
  panels: Type.Union([Type.Array(Panel), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  status: Type.Union([Type.Object({ payload: StatusMessage, receivedAt: Type.String({ format: 'date-time' }) }), Type.Null()]),
  config: Type.Union([KioskConfigMessage, Type.Null()]),
  configState: Type.Union([ConfigState, Type.Null()], { description: 'null until a config is PUT' }),
  counters: Counters,
  lastPressAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'the press time (kiosk clock) of its newest stored press; null before its first',
  }),
  health: KioskHealth,
});
export const KioskDetail = Type.Intersect([KioskSummary, Type.Object({ gaps: Type.Array(Gap) })]);

export const Page = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(KioskId),
});
export const KioskListQuery = Type.Object({
  ...Page.properties,
  problem: Type.Optional(HealthRule),
  online: Type.Optional(Type.Boolean()),
  office: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'kiosks of this office: registered to it or with a panel bound to it' }),
  ),
});
export const KioskPage = Type.Object({ items: Type.Array(KioskSummary), next: Type.Union([Type.String(), Type.Null()]) });

export const EventsQuery = Type.Object({
  afterSeq: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }),
});
export const StoredEvent = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  panel: Type.String(),
  button: Type.String(),
  at: Type.String({ format: 'date-time' }),
  clockSynced: Type.Boolean(),
  bootId: Type.String(),
  uptimeMs: Type.Integer(),
  flags: Type.Array(Type.String()),
  receivedAt: Type.String({ format: 'date-time' }),
  ticket: Type.Optional(Type.String({ description: 'Armed panels: the queue ticket the press answered (counted) or the kiosk sent' })),
  reason: Type.Optional(Type.String({ description: 'Bad presses: the reason the customer gave afterwards (a ReasonEvent)' })),
  excluded: Type.Optional(
    Type.Array(Type.Union([Type.Literal('misuse'), Type.Literal('outside-armed-window')]), {
      description: 'Why the gateway stores the press but does not count it: misuse rules (repeat, burst), outside an armed window',
    }),
  ),
});
export const EventPage = Type.Object({
  items: Type.Array(StoredEvent),
  nextAfterSeq: Type.Union([Type.Integer(), Type.Null()]),
});

export const PutConfigBody = Type.Object({
  panels: Type.Array(Panel, { minItems: 1, maxItems: 16 }),
  misuse: Type.Optional(MisuseRulesSchema),
});

export const DeadLetter = Type.Object({
  id: Type.Integer(),
  receivedAt: Type.String({ format: 'date-time' }),
  topic: Type.String(),
  kioskId: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
  payload: Type.String(),
});

const ScopeIds = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000 });
export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Type.String(),
  offices: ScopeIds,
  regions: ScopeIds,
});
export const NewApiKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  role: Role,
  offices: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 1000,
      description: 'manager, technician: offices it may see (a technician without offices or regions: the whole fleet)',
    }),
  ),
  regions: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 1000,
      description: 'manager, technician: regions whose offices it may see',
    }),
  ),
});
export const NewApiKey = Type.Intersect([ApiKey, Type.Object({ key: Type.String({ description: 'Shown only in this response' }) })]);

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  database: Type.Object({ ok: Type.Boolean() }),
  broker: Type.Object({
    mode: Type.Union([Type.Literal('embedded'), Type.Literal('external')]),
    connected: Type.Boolean(),
    port: Type.Union([Type.Integer(), Type.Null()]),
  }),
  ingest: Type.Object({
    ok: Type.Boolean({
      description: 'false while commits of received presses fail (a full disk, say); they are not acked, so kiosks keep them',
    }),
    error: Type.Optional(Type.String({ description: 'what the database said at the last failed commit' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'when commits started failing' })),
  }),
  fleet: Type.Object({ registered: Type.Integer(), online: Type.Integer() }),
});
