/** REST schemas of the closed loop: interventions and their effect, reference values, mystery-shopper visits. */
import Type from 'typebox';
import { EstimateSchema } from '../../../shared/src/index.js';
import { VisitSchema } from '../../../shared/src/visit-schema.js';

/** schemas-org.ts's EntityId (that module imports this one, so this one cannot import it). */
const EntityId = Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' });
export const BusinessType = Type.String({
  pattern: '^[a-z0-9][a-z0-9_-]{0,39}$',
  description: 'Type of business (bank, retail, clinic, …) whose reference values apply; null: the company default',
});
const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Local date YYYY-MM-DD' });
const Kinds = <T extends Type.TSchema>(t: T) =>
  Type.Object({ staff: Type.Optional(t), office: Type.Optional(t), loyalty: Type.Optional(t) });
const PerIndex = <T extends Type.TSchema>(t: T) =>
  Type.Object({ ink: Type.Optional(t), iel: Type.Optional(t), csat: Type.Optional(t), coverage: Type.Optional(t) });

export const InterventionBody = Type.Object(
  {
    subject: Type.Object(
      { level: Type.Union([Type.Literal('employee'), Type.Literal('desk'), Type.Literal('office')]), id: EntityId },
      { additionalProperties: false },
    ),
    date: Day,
    kind: Type.Union([Type.Literal('training'), Type.Literal('process-change'), Type.Literal('product-change'), Type.Literal('premises')]),
    description: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);
export const Intervention = Type.Object({
  id: Type.String(),
  subject: Type.Object({ level: Type.String(), id: Type.String() }),
  officeId: Nullable(Type.String()),
  date: Type.String(),
  kind: Type.String(),
  description: Type.String(),
  who: Type.String({ description: 'The name of the API key that recorded it' }),
  createdAt: Type.String({ format: 'date-time' }),
});
export const InterventionQuery = Type.Object({
  level: Type.Optional(Type.Union([Type.Literal('employee'), Type.Literal('desk'), Type.Literal('office')])),
  id: Type.Optional(EntityId),
  officeId: Type.Optional(EntityId),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
export const EffectQuery = Type.Object({
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, description: 'Length of each window in days; default 28' })),
});

const Test = Type.Object({
  test: Type.String({ description: 'two-proportion z, net-score z, one-sample score z or adjusted net-score z (docs/scores.md)' }),
  z: Type.Number(),
  p: Type.Number({ description: 'Two-sided p-value' }),
  significant: Type.Boolean({ description: 'p < 0.05' }),
});
const Verdict = Type.Union([Type.Literal('better'), Type.Literal('worse'), Type.Literal('notDifferent')]);
const IndexEffect = Type.Object({
  before: Nullable(EstimateSchema),
  after: Nullable(EstimateSchema),
  difference: Type.Optional(
    Type.Object({
      value: Type.Number({ description: 'after − before' }),
      ci95: Type.Tuple([Type.Number(), Type.Number()]),
      test: Test,
      verdict: Verdict,
    }),
  ),
});
const Window = Type.Object({ from: Type.String(), to: Type.String({ description: 'Exclusive' }) });
export const Effect = Type.Object({
  intervention: Intervention,
  days: Type.Integer(),
  windows: Type.Object({ before: Window, after: Window }),
  /** Per panel kind. */
  kinds: Kinds(
    Type.Object({
      status: Type.Union([Type.Literal('ok'), Type.Literal('notEnoughData')]),
      message: Type.Optional(Type.String()),
      presses: Type.Object({ before: Type.Integer(), after: Type.Integer() }),
      minSample: Type.Integer(),
      indices: PerIndex(IndexEffect),
    }),
  ),
});

const Values = Kinds(PerIndex(Type.Number({ minimum: -100, maximum: 100, description: 'ИНК, CSAT, coverage: 0…1; ИЭЛ: −100…100' })));
export const ReferenceBody = Type.Object(
  { values: Values, note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);
export const ReferenceVersion = Type.Object({
  businessType: Type.String(),
  version: Type.Integer(),
  values: Values,
  note: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
export const CompanyType = Type.Object({ businessType: Nullable(BusinessType) }, { additionalProperties: false });

export const ReferenceComparison = Type.Object(
  {
    businessType: Type.String(),
    version: Type.Integer(),
    checks: Kinds(
      PerIndex(
        Type.Object({
          reference: Type.Number(),
          value: Type.Number(),
          test: Type.Optional(Test),
          verdict: Type.Union([
            Type.Literal('better'),
            Type.Literal('worse'),
            Type.Literal('notDifferent'),
            Type.Literal('insufficientData'),
          ]),
        }),
      ),
    ),
  },
  { description: "The period's total against the current reference version of the subject's business type" },
);

export const VisitBody = Type.Object(
  {
    date: Day,
    score: Type.Number({ minimum: 0, maximum: 100, description: 'Checklist score 0–100' }),
    notes: Type.Optional(Type.String({ maxLength: 4000 })),
  },
  { additionalProperties: false },
);
/** A visit as stored and shown (shared/src/visit-schema.ts). */
export const Visit = VisitSchema;
export const MysteryShopper = Type.Object(
  {
    visits: Type.Array(Visit),
    meanScore: Nullable(Type.Number()),
  },
  { description: "Employees: the mystery-shopper visits dated within the period (local dates), beside the presses' scores" },
);
