/**
 * Reference values per business type (bank, retail, clinic, …): versioned, a PUT appends the next version
 * and never overwrites one. Admins write; admins and managers read. Scores compare with the current version.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { httpError } from '../../../plugins/app/errors.js';
import { errorReplies } from '../../schemas.js';
import { BusinessType, CompanyType, ReferenceBody, ReferenceVersion } from '../../schemas-loop.js';
import type { ApiDeps } from './deps.js';

const tags = ['references'];

export const referenceRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { store, guard }) => {
  const params = Type.Object({ businessType: BusinessType });

  app.get(
    '/references',
    {
      onRequest: guard('admin', 'manager'),
      schema: {
        tags,
        summary: 'Every version of every business type’s reference values, newest version first. Admin, manager',
        response: { 200: Type.Object({ items: Type.Array(ReferenceVersion) }), ...errorReplies },
      },
    },
    async () => ({ items: await store.loop.listReferences() }),
  );

  app.get(
    '/references/:businessType',
    {
      onRequest: guard('admin', 'manager'),
      schema: {
        tags,
        summary: 'The versions of one business type’s reference values, newest (current) first. Admin, manager',
        params,
        response: { 200: Type.Object({ items: Type.Array(ReferenceVersion) }), ...errorReplies },
      },
    },
    async (req) => ({ items: await store.loop.listReferences(req.params.businessType) }),
  );

  app.put(
    '/references/:businessType',
    {
      onRequest: guard('admin'),
      schema: {
        tags,
        summary: 'Store a new version of a business type’s reference values (earlier versions are kept). Admin',
        params,
        body: ReferenceBody,
        response: { 201: ReferenceVersion, ...errorReplies },
      },
    },
    async (req, reply) => {
      const { values, note } = req.body;
      for (const [kind, perIndex] of Object.entries(values)) {
        for (const [index, v] of Object.entries(perIndex ?? {})) {
          if (index !== 'iel' && !(v >= 0 && v <= 1))
            throw httpError(400, `values.${kind}.${index}: a proportion between 0 and 1, got ${v}`);
        }
      }
      const version = await store.loop.putReference(req.params.businessType, values, note ?? null, req.principal!.name);
      return reply.code(201).send(version);
    },
  );

  app.get(
    '/company/business-type',
    {
      onRequest: guard('admin', 'manager'),
      schema: {
        tags,
        summary: 'The company’s default business type (offices without their own). Admin, manager',
        response: { 200: CompanyType, ...errorReplies },
      },
    },
    async () => ({ businessType: await store.loop.companyBusinessType() }),
  );

  app.put(
    '/company/business-type',
    {
      onRequest: guard('admin'),
      schema: {
        tags,
        summary: 'Set the company’s default business type (null: none). Admin',
        body: CompanyType,
        response: { 200: CompanyType, ...errorReplies },
      },
    },
    async (req) => {
      await store.loop.setCompanyBusinessType(req.body.businessType);
      return { businessType: req.body.businessType };
    },
  );
};
