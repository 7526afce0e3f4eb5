/** REST schemas of the organisation model, counts, settings and scores. */
import Type from 'typebox';
import { EstimateSchema, MisuseRulesSchema, PanelId, PanelKind, ReasonsSchema, ScoreSchema } from '../../../shared/src/index.js';
import { BusinessType, MysteryShopper, ReferenceComparison } from './schemas-loop.js';

const ENTITY_ID = '^[A-Za-z0-9_.:-]{1,64}$';
export const EntityId = Type.String({ pattern: ENTITY_ID, description: 'Chosen by the caller; letters, digits, _ . : -' });
export const IdParams = Type.Object({ id: EntityId });
export const OfficeParams = Type.Object({ officeId: EntityId });
export const OrgPage = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(EntityId),
  office: Type.Optional(
    Type.String({ pattern: ENTITY_ID, description: 'Desks and employees: only those of this office (400 for regions and offices)' }),
  ),
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
  businessType: Type.Optional(Nullable(BusinessType)),
});
export const OfficeBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone; cannot change once presses are scored' }),
  regionId: Type.Optional(Nullable(EntityId)),
  k: Type.Optional(Nullable(K)),
  businessType: Type.Optional(Nullable(BusinessType)),
});
export const Desk = Type.Object({ id: EntityId, officeId: EntityId, name: Type.String({ minLength: 1, maxLength: 200 }) });
export const DeskBody = Type.Object({ officeId: EntityId, name: Type.String({ minLength: 1, maxLength: 200 }) });
const QuestionName = Type.String({
  minLength: 1,
  maxLength: 120,
  description: 'The name as the staff question says it, e.g. the genitive «Елены Ивановой»; default: name',
});
export const Employee = Type.Object({
  id: EntityId,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  officeId: Nullable(EntityId),
  questionName: Type.Optional(Nullable(QuestionName)),
});
export const EmployeeBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  officeId: Type.Optional(Nullable(EntityId)),
  questionName: Type.Optional(Nullable(QuestionName)),
});
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
export const AssignmentSaved = Type.Object({
  assignment: Assignment,
  reattributed: Type.Integer({ description: 'Presses whose employee changed' }),
});

export const Binding = Type.Object({
  kioskId: Type.String(),
  panel: PanelId,
  kind: PanelKind,
  officeId: EntityId,
  deskId: Nullable(EntityId),
});
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
export const CountRow = Type.Object({
  officeId: Type.String(),
  deskId: Nullable(Type.String()),
  start: Instant,
  end: Instant,
  date: Type.String(),
  count: Type.Integer(),
});
export const CountPage = Type.Object({ items: Type.Array(CountRow) });

export const Settings = Type.Object({
  k: K,
  neutralCountsAsDissatisfied: Type.Boolean(),
  minSample: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Fewer counted presses: insufficient, never ranked' }),
  misuse: MisuseRulesSchema,
});

/** PATCH /settings: any subset of the settings (and of the misuse rules); the rest stays as it is. */
export const SettingsPatch = Type.Partial(
  Type.Object({
    k: K,
    neutralCountsAsDissatisfied: Settings.properties.neutralCountsAsDissatisfied,
    minSample: Settings.properties.minSample,
    misuse: Type.Partial(MisuseRulesSchema),
  }),
  { minProperties: 1, additionalProperties: false },
);

export const ScoreQuery = Type.Object({
  from: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD (inclusive) or ISO date-time' }),
  to: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD (exclusive) or ISO date-time' }),
  bucket: Type.Union([Type.Literal('none'), Type.Literal('hour'), Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], {
    default: 'none',
  }),
});
const Counts = Type.Object({
  good: Type.Integer(),
  neutral: Type.Integer(),
  bad: Type.Integer(),
  total: Type.Integer(),
  excluded: Type.Integer(),
});
const Scores = Type.Object({ staff: Type.Optional(ScoreSchema), office: Type.Optional(ScoreSchema), loyalty: Type.Optional(ScoreSchema) });
const LocalTime = (what: string) =>
  Type.Optional(
    Type.String({
      description: `${what} as a local date-time with its UTC offset, e.g. 2026-03-02T09:00:00+03:00 (single-office subjects; absent for regions and the company)`,
    }),
  );
const Missing = (what: string) =>
  Type.Optional(
    Type.Array(
      Type.Object({
        officeId: Type.String(),
        days: Type.Optional(Type.Array(Type.String(), { description: 'Local dates YYYY-MM-DD (from/to given as dates)' })),
        hours: Type.Optional(
          Type.Array(Type.String(), { description: 'Local hours, as local date-times with offset (hour buckets, date-time ranges)' }),
        ),
      }),
      {
        description: `Per office, the local days (or hours) on which it had presses but no ${what} count: why ${what} are unknown. For an employee (visitors from the queue system): the days with their presses the queue fed nothing for their office and they served no ticket`,
      },
    ),
  );
const PeriodScore = Type.Object({
  start: Type.String({ description: 'Local date (from/to given as dates) or UTC instant' }),
  end: Type.String({ description: 'Exclusive' }),
  localStart: LocalTime('start'),
  localEnd: LocalTime('end'),
  scores: Scores,
  unattributed: Counts,
  visitors: Type.Union([Type.Integer(), Type.Null()], {
    description:
      "Sum of the period's visitor counts (employees: tickets served, from the queue system; desks: their uploaded counts, else the queue's); null (coverage unknown, ИНК = B′/P) when a day with presses has no count, or there is no count at all",
  }),
  sales: Type.Union([Type.Integer(), Type.Null()], { description: 'Known only with visitors, by the same rule' }),
  visitorsMissing: Missing('visitor'),
  salesMissing: Missing('sales'),
});
const Change = Type.Object({
  ink: Nullable(Type.Number()),
  inkQualified: Nullable(Type.Number()),
  iel: Nullable(Type.Number()),
  csat: Nullable(Type.Number()),
  coverage: Nullable(Type.Number()),
  causedBy: Nullable(
    Type.Object(
      { office: Type.Number(), product: Type.Number(), customer: Type.Number() },
      { description: 'Staff panels: each cause’s share now minus before (null where either period has none)' },
    ),
  ),
});
export const SubjectScores = Type.Object({
  subject: Type.Object({ level: Type.String(), id: Nullable(Type.String()) }),
  from: Type.String(),
  to: Type.String(),
  bucket: Type.String(),
  timeZone: Nullable(Type.String()),
  total: PeriodScore,
  previous: PeriodScore,
  change: Type.Object({ staff: Type.Optional(Change), office: Type.Optional(Change), loyalty: Type.Optional(Change) }),
  buckets: Type.Array(PeriodScore),
  byHourOfDay: Type.Array(Type.Object({ hour: Type.Integer(), scores: Scores })),
  byWeekday: Type.Array(Type.Object({ weekday: Type.Integer({ description: 'ISO: Monday = 1' }), scores: Scores })),
  byWeekdayHour: Type.Array(
    Type.Object({
      weekday: Type.Integer({ description: 'ISO: Monday = 1' }),
      hour: Type.Integer(),
      counts: Type.Object({ staff: Type.Optional(Counts), office: Type.Optional(Counts), loyalty: Type.Optional(Counts) }),
    }),
    { description: 'Counts per local (weekday, hour of day) with presses, per panel kind (a heat map)' },
  ),
  timeUncertain: Type.Integer({
    description: 'Presses timed before clock sync that no synced event of their boot could correct yet; not counted',
  }),
  reasons: Type.Optional(ReasonsSchema),
  reference: Type.Optional(ReferenceComparison),
  mysteryShopper: Type.Optional(MysteryShopper),
});

export const RankingQuery = Type.Object({
  level: Type.Union([Type.Literal('employee'), Type.Literal('desk'), Type.Literal('office'), Type.Literal('region')]),
  index: Type.Union([Type.Literal('ink'), Type.Literal('inkQualified'), Type.Literal('iel'), Type.Literal('csat')], {
    description:
      'Order: ink and inkQualified ascending (least dissatisfied first), iel and csat descending; ties by id. ' +
      'inkQualified: ИНК Персонал, qualified — staff panels, negatives classified as not staff-caused out of B (docs/scores.md)',
  }),
  kind: Type.Optional(
    Type.Union(PanelKind.anyOf, {
      description:
        'Panel kind. Default: loyalty for iel; else staff for employee and desk, office for office and region. Employees and desks: staff only',
    }),
  ),
  basis: Type.Optional(
    Type.Union([Type.Literal('visitors'), Type.Literal('presses')], {
      description:
        'What ИНК is over, the same for every item: visitors = (B′ + (1 − k)·S) / V, subjects whose visitors are unknown left out; ' +
        'presses = B′ / P. Default: visitors for office and region ИНК rankings, presses otherwise. Employees’ visitors are the tickets they served (queue system). visitors is refused (400) for iel/csat (shares of presses)',
    }),
  ),
  from: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD, inclusive' }),
  to: Type.String({ maxLength: 40, description: 'Local date YYYY-MM-DD, exclusive' }),
  change: Type.Optional(
    Type.Boolean({
      description:
        'true: each item also has `change`, value − its value over the previous period (as the scores’ previous: whole months, else days, just before; same basis), null when not ranked then',
    }),
  ),
  office: Type.Optional(
    Type.String({
      pattern: ENTITY_ID,
      description:
        'Rank only within this office (its desks, its employees — each with all their presses —, or the office alone); ' +
        'ranks are places within it. Not for regions (400)',
    }),
  ),
});
export const Ranking = Type.Object({
  level: Type.String(),
  index: Type.String(),
  kind: PanelKind,
  basis: Type.Union([Type.Literal('visitors'), Type.Literal('presses')], {
    description: "What every item's value is over (ИЭЛ and CSAT: presses)",
  }),
  from: Type.String(),
  to: Type.String(),
  previous: Type.Optional(
    Type.Object({ from: Type.String(), to: Type.String() }, { description: 'change=true: the previous period the change is against' }),
  ),
  items: Type.Array(
    Type.Object({
      rank: Type.Integer(),
      id: Type.String(),
      officeId: Type.Union([Type.String(), Type.Null()], { description: 'null for regions' }),
      value: Type.Number(),
      ci95: Type.Tuple([Type.Number(), Type.Number()]),
      n: Type.Integer(),
      counts: Counts,
      coverageKnown: Type.Boolean({
        description:
          "The subject's visitors are known for the period (employees: from the queue system's served tickets), whatever the basis",
      }),
      visitors: Type.Union([Type.Integer(), Type.Null()], { description: 'Visitors of the period; null when unknown' }),
      coverage: Type.Union([EstimateSchema, Type.Null()], { description: 'P / V when visitors are known, whatever the basis' }),
      pending: Type.Optional(
        Type.Integer({ description: 'index=inkQualified: dissatisfied presses still pending review, counted in the value' }),
      ),
      change: Type.Optional(
        Type.Union([Type.Number(), Type.Null()], {
          description: 'change=true: value − the value over the previous period; null when the subject was not ranked then',
        }),
      ),
    }),
  ),
  leftOut: Type.Integer({
    description: 'Subjects with presses that are not ranked: fewer than minSample, or (basis=visitors) visitors unknown',
  }),
  leftOutReasons: Type.Object({
    insufficientSample: Type.Integer({ description: 'Fewer counted presses than minSample' }),
    visitorsUnknown: Type.Integer({ description: 'basis=visitors: a day with presses lacks a visitor count, or there is none' }),
  }),
  leftOutSubjects: Type.Array(
    Type.Object({
      id: Type.String(),
      officeId: Type.Union([Type.String(), Type.Null()]),
      reason: Type.Union([Type.Literal('insufficientSample'), Type.Literal('visitorsUnknown')]),
      visitorsMissing: Missing('visitor'),
    }),
  ),
});
