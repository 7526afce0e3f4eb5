/** TypeBox schema of `Score` (indices.ts) for API response schemas and OpenAPI; a test keeps the two equal. */
import Type from 'typebox';

const Estimate = Type.Object({
  value: Type.Number(),
  ci95: Type.Tuple([Type.Number(), Type.Number()], { description: '95 % interval [lo, hi]' }),
  n: Type.Integer({ description: 'Sample size the interval rests on' }),
});
const OptionalEstimate = Type.Union([Estimate, Type.Null()]);

export const EstimateSchema = Estimate;

/** One cause's share of a staff panel's ИНК denominator (indices.ts `causedByEstimate`). */
const Caused = (what: string) =>
  Type.Object(
    {
      value: Type.Number(),
      ci95: Type.Tuple([Type.Number(), Type.Number()], { description: '95 % interval [lo, hi]' }),
      n: Type.Integer({ description: 'ИНК’s denominator: visitors when known, else presses' }),
      count: Type.Integer({ description: 'Dissatisfied presses classified with this cause' }),
    },
    { description: `Dissatisfied presses classified ${what}, over n` },
  );

export const ScoreSchema = Type.Object({
  counts: Type.Object({
    good: Type.Integer(),
    neutral: Type.Integer(),
    bad: Type.Integer(),
    total: Type.Integer({ description: 'good + neutral + bad: presses counted' }),
    excluded: Type.Integer({ description: 'Presses flagged as misuse, kept but not counted' }),
  }),
  ink: Type.Union([Estimate, Type.Null()], { description: 'ИНК, dissatisfaction index, 0…1 (staff/office panels)' }),
  inkQualified: Type.Union(
    [
      Type.Object({
        value: Type.Number(),
        ci95: Type.Tuple([Type.Number(), Type.Number()], { description: '95 % interval [lo, hi]' }),
        n: Type.Integer({ description: 'Sample size the interval rests on' }),
        pending: Type.Integer({ description: 'Dissatisfied presses not yet classified: still counted' }),
        removed: Type.Integer({ description: 'Dissatisfied presses classified as not caused by staff: taken out of B' }),
      }),
      Type.Null(),
    ],
    { description: 'ИНК Персонал, qualified (staff panels): negatives classified as not staff-caused taken out of B' },
  ),
  causedBy: Type.Union(
    [
      Type.Object({
        office: Caused('office (premises, organisation, queues): counts against the office, beside its ИНК Офис'),
        product: Caused('product (quality, price): the product figure'),
        customer: Caused('customer (error, expectation)'),
      }),
      Type.Null(),
    ],
    {
      description:
        'Staff panels: the negatives taken out of inkQualified, by cause, each as a share of ИНК’s denominator (V, else P): ink = inkQualified + office + product + customer',
    },
  ),
  iel: Type.Union([Estimate, Type.Null()], { description: 'ИЭЛ, emotional loyalty, −100…100 (loyalty panels)' }),
  coverage: OptionalEstimate,
  csat: OptionalEstimate,
  conversion: OptionalEstimate,
  sufficient: Type.Boolean({ description: 'Enough presses to be shown and ranked' }),
  coverageKnown: Type.Boolean({ description: 'false: visitors unknown, ИНК is B / P' }),
  dataIssues: Type.Array(Type.Union([Type.Literal('visitorsBelowPresses'), Type.Literal('salesAboveVisitors')])),
});

/** Counted bad presses by the reason customers gave (Panel.reasons option ids), per panel kind. */
const ReasonCount = Type.Record(Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }), Type.Integer({ minimum: 1 }));
export const ReasonsSchema = Type.Object(
  { staff: Type.Optional(ReasonCount), office: Type.Optional(ReasonCount), loyalty: Type.Optional(ReasonCount) },
  { description: 'Counted bad presses of the period (total) by the reason the customer gave after pressing; absent when none gave one' },
);
