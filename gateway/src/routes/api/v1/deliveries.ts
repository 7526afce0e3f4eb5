/**
 * The delivery log: every webhook and email the gateway made, with attempts and the last error; a retry
 * makes a delivered or failed one pending again. Admin sees all; a manager those of its offices.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { visibleOffices } from '../../../plugins/app/auth.js';
import { httpError } from '../../../plugins/app/errors.js';
import { type Delivery, DeliverySchema, DeliveryStateSchema } from '../../../../../shared/src/delivery-schema.js';
import { errorReplies } from '../../schemas.js';
import type { ApiDeps } from './deps.js';

const tags = ['delivery'];
const State = DeliveryStateSchema;
const Query = Type.Object({
  state: Type.Optional(State),
  subscription: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'Page: ids below this (newest first)' })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** A manager sees a delivery when it concerns offices and all are in its scope. */
const visibleTo = (offices: string[] | undefined) => (d: Delivery) =>
  offices === undefined || (d.officeIds.length > 0 && d.officeIds.every((o) => offices.includes(o)));

export const deliveryRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard, delivery }) => {
  app.get(
    '/deliveries',
    {
      onRequest: guard('admin', 'manager'),
      config: { csv: true },
      schema: {
        tags,
        summary: 'The delivery log, newest first, with attempts and the last error. Admin, manager (its offices)',
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(DeliverySchema), nextBefore: Type.Union([Type.Integer(), Type.Null()]) }),
          ...errorReplies,
        },
      },
    },
    async (req) => {
      const { state, subscription, before, limit } = req.query;
      const offices = await visibleOffices(store, req.principal);
      const visible = visibleTo(offices);
      const items: Delivery[] = [];
      let cursor = before;
      // A manager's page is filtered after reading: read on until it is full or the log ends.
      for (;;) {
        const page = await store.deliveries.listDeliveries({ state, subscriptionId: subscription }, cursor, limit);
        items.push(...page.filter(visible).slice(0, limit - items.length));
        if (page.length < limit || items.length >= limit) {
          const last = items.at(-1);
          return { items, nextBefore: items.length >= limit && last ? last.id : null };
        }
        cursor = page.at(-1)!.id;
      }
    },
  );

  app.post(
    '/deliveries/:id/retry',
    {
      onRequest: guard('admin', 'manager'),
      schema: {
        tags,
        summary: 'Send a delivered or failed delivery again, now. Admin, manager (its offices)',
        params: Params,
        response: { 200: DeliverySchema, ...errorReplies },
      },
    },
    async (req) => {
      const d = await store.deliveries.getDelivery(req.params.id);
      if (!d || !visibleTo(await visibleOffices(store, req.principal))(d)) throw httpError(404, `delivery ${req.params.id} not found`);
      if (!(await store.deliveries.retry(d.id, Date.now()))) throw httpError(409, `delivery ${d.id} is pending already`);
      req.log.info({ deliveryId: d.id }, 'delivery retry requested');
      delivery.wake();
      return (await store.deliveries.getDelivery(d.id))!;
    },
  );
};
