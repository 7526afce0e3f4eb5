/**
 * Score subjects as routes find them: the scoring context of a region, office, desk or employee within the
 * caller's scope (404 otherwise), and the business type whose reference values apply to it.
 */
import type { FastifyRequest } from 'fastify';
import { officeOf, type Office } from '../domain/organisation.js';
import { canSeeOffice, canSeeRegion } from '../plugins/app/auth.js';
import { httpError } from '../plugins/app/errors.js';
import { officeSubject, regionSubject, type SubjectInfo } from '../scoring/scores.js';
import type { Store } from '../store/store.js';

export type Level = 'office' | 'desk' | 'employee' | 'region';

/** The subject's scoring context, or a 404 when it does not exist or is outside the caller's scope. */
export async function subjectInfo(store: Store, req: FastifyRequest, level: Level, id: string): Promise<SubjectInfo> {
  const notFound = () => httpError(404, `${level} "${id}" not found`);
  if (level === 'region') {
    if (!(await store.getOrg('region', id)) || !canSeeRegion(req.principal, id)) throw notFound();
    return regionSubject(id, await store.officesInRegions([id]));
  }
  const entity = await store.getOrg(level, id);
  const officeId = entity ? officeOf(level, entity) : null;
  if (!entity || !(await canSeeOffice(store, req.principal, officeId))) throw notFound();
  const office = level === 'office' ? (entity as Office) : officeId ? await store.getOrg('office', officeId) : undefined;
  return officeSubject(level, id, office);
}

/**
 * The business type of a subject: its offices' own type (all of them must agree for a region or the
 * company), else the company's default; null when neither is set.
 */
export async function businessTypeOf(store: Store, officeIds: readonly string[]): Promise<string | null> {
  const fallback = await store.loop.companyBusinessType();
  const types = new Set<string | null>();
  for (const id of officeIds) types.add((await store.getOrg('office', id))?.businessType ?? fallback);
  if (types.size === 1) return [...types][0]!;
  return types.size === 0 ? fallback : null;
}
