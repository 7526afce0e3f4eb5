/** REST schemas of the organisation model, counts, settings and scores. */
import Type from 'typebox';
import { MisuseRulesSchema, PanelId, PanelKind, ScoreSchema } from '../../shared/src/index.js';

export const EntityId = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$', description: 'Chosen by the caller; letters, digits, _ . : -' });
export const IdParams = Type.Object({ id: EntityId });
export const OfficeParams = Type.Object({ officeId: EntityId });
export const OrgPage = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(EntityId),
});
const page = <T extends Type.TSchema>(item: T) => Type.Object({ items: Type.Array(item), next: Type.Union([Type.String(), Type.Null()]) });

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const K = Type.Number({ minimum: 0, maximum: 1, description: 'Correction coefficient k (share of silent visitors not dissatisfied)' });

export const Region = Type.Object({ id: EntityId, name: Type.String({ minLength: 1, maxLength: 200 }) });
export const RegionBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) });
export const Office = Type.Object({
  id: EntityId,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Moscow' }),
  regionId: Nullable(EntityId),
  k: Nullable(K),
});
export const OfficeBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; cannot change once presses are scored' }),
  regionId: Type.Optional(Nullable(EntityId)),
  k: Type.Optional(Nullable(K)),
});
export const Desk = Type.Object({ id: EntityId, officeId: EntityId, name: Type.String({ minLength: 1, maxLength: 200 }) });
export const DeskBody = Type.Object({ officeId: EntityId, name: Type.String({ minLength: 1, maxLength: 200 }) });
export const Employee = Type.Object({ id: EntityId, name: Type.String({ minLength: 1, maxLength: 200 }), officeId: Nullable(EntityId) });
export const EmployeeBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), officeId: Type.Optional(Nullable(EntityId)) });
export const RegionPage = page(Region);
export const OfficePage = page(Office);
export const DeskPage = page(Desk);
export const EmployeePage = page(Employee);

const Instant = Type.String({ format: 'date-time' });
export const Assignment = Type.Object({ id: Type.String(), deskId: EntityId, employeeId: EntityId, from: Instant, to: Nullable(Instant) });
export const AssignmentBody = Type.Object({
  deskId: EntityId,
  employeeId: EntityId,
  from: Type.String({ format: 'date-time', description: 'Start, inclusive' }),
  to: Type.Optional(Nullable(Type.String({ format: 'date-time', description: 'End, exclusive; null = open' }))),
});
export const AssignmentQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(Type.String({ maxLength: 64 })),
  deskId: Type.Optional(EntityId),
  employeeId: Type.Optional(EntityId),
});
export const AssignmentPage = page(Assignment);
export const AssignmentSaved = Type.Object({ assignment: Assignment, reattributed: Type.Integer({ description: 'Presses whose employee changed' }) });

export const Binding = Type.Object({ kioskId: Type.String(), panel: PanelId, kind: PanelKind, officeId: EntityId, deskId: Nullable(EntityId) });
export const BindingBody = Type.Object({
  kind: Type.Optional(PanelKind),
  officeId: Type.Optional(EntityId),
  deskId: Type.Optional(Nullable(EntityId)),
});
export const BindingParams = Type.Object({ id: Type.String({ maxLength: 64 }), panelId: PanelId });

export const CountEntry = Type.Object({
  date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Local date in the office time zone' }),
  hour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23, description: 'Local hour; absent = the whole day' })),
  deskId: Type.Optional(EntityId),
  count: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
});
export const CountsBody = Type.Object({ entries: Type.Array(CountEntry, { minItems: 1, maxItems: 10_000 }) });
export const CountsQuery = Type.Object({
  from: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  to: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
  deskId: Type.Optional(EntityId),
});
export const CountRow = Type.Object({ officeId: Type.String(), deskId: Nullable(Type.String()), start: Instant, end: Instant, date: Type.String(), count: Type.Integer() });
export const CountPage = Type.Object({ items: Type.Array(CountRow) });

export const Settings = Type.Object({
  k: K,
  neutralCountsAsDissatisfied: Type.Boolean(),
  minSample: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Fewer counted presses: insufficient, never ranked' }),
  misuse: MisuseRulesSchema,
});

/** PATCH /settings: any subset of the settings (and of the misuse rules); the rest stays as it is. */
export const SettingsPatch = Type.Partial(
  Type.Object({ k: K, neutralCountsAsDissatisfied: Settings.properties.neutralCountsAsDissatisfied, minSample: Settings.properties.minSample, misuse: Type.Partial(MisuseRulesSchema) }),
  { minProperties: 1, additionalProperties: false },
);

export const ScoreQuery = Type.Object({
  from: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD (inclusive) or ISO date-time' }),
  to: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD (exclusive) or ISO date-time' }),
  bucket: Type.Union([Type.Literal('none'), Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { default: 'none' }),
});
const Counts = Type.Object({ good: Type.Integer(), neutral: Type.Integer(), bad: Type.Integer(), total: Type.Integer(), excluded: Type.Integer() });
const Scores = Type.Object({ staff: Type.Optional(ScoreSchema), office: Type.Optional(ScoreSchema), loyalty: Type.Optional(ScoreSchema) });
const PeriodScore = Type.Object({
  start: Type.String(), end: Type.String(), scores: Scores,
  unattributed: Counts,
  visitors: Type.Union([Type.Integer(), Type.Null()], { description: 'null: coverage unknown' }),
  sales: Type.Union([Type.Integer(), Type.Null()]),
});
const Change = Type.Object({ ink: Nullable(Type.Number()), iel: Nullable(Type.Number()), csat: Nullable(Type.Number()), coverage: Nullable(Type.Number()) });
export const SubjectScores = Type.Object({
  subject: Type.Object({ level: Type.String(), id: Nullable(Type.String()) }),
  from: Type.String(), to: Type.String(), bucket: Type.String(), timeZone: Nullable(Type.String()),
  total: PeriodScore,
  previous: PeriodScore,
  change: Type.Object({ staff: Type.Optional(Change), office: Type.Optional(Change), loyalty: Type.Optional(Change) }),
  buckets: Type.Array(PeriodScore),
  byHourOfDay: Type.Array(Type.Object({ hour: Type.Integer(), scores: Scores })),
  byWeekday: Type.Array(Type.Object({ weekday: Type.Integer({ description: 'ISO: Monday = 1' }), scores: Scores })),
  timeUncertain: Type.Integer({ description: 'Presses timed before clock sync that no synced event of their boot could correct yet; not counted' }),
});

export const RankingQuery = Type.Object({
  level: Type.Union([Type.Literal('employee'), Type.Literal('office')]),
  index: Type.Union([Type.Literal('ink'), Type.Literal('iel'), Type.Literal('csat')]),
  kind: Type.Optional(PanelKind),
  from: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD, inclusive' }),
  to: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD, exclusive' }),
});
export const Ranking = Type.Object({
  level: Type.String(), index: Type.String(), kind: PanelKind, from: Type.String(), to: Type.String(),
  items: Type.Array(Type.Object({
    rank: Type.Integer(), id: Type.String(), officeId: Type.String(),
    value: Type.Number(), ci95: Type.Tuple([Type.Number(), Type.Number()]), n: Type.Integer(), counts: Counts,
  })),
  leftOut: Type.Integer({ description: 'Subjects with presses but fewer than minSample' }),
});
