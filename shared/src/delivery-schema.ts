/**
 * One row of the delivery log (GET /deliveries): the API's response schema, and the type the store returns
 * and the console reads — one definition for the three.
 */
import Type, { type Static } from 'typebox';

export const DeliveryStateSchema = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);
export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  idemKey: Type.String({
    description:
      'Sent as x-lb-idempotency-key: `<alert event id>:<subscription id>`, `<press id>:<subscription id>` or `report:<subscription>:<frequency>:<date>`',
  }),
  subscriptionId: Type.String(),
  channel: Type.Union([Type.Literal('webhook'), Type.Literal('email')]),
  target: Type.String(),
  officeIds: Type.Array(Type.String()),
  state: DeliveryStateSchema,
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  doneAt: Type.Union([Type.String(), Type.Null()]),
});
export type Delivery = Static<typeof DeliverySchema>;
export type DeliveryState = Delivery['state'];
