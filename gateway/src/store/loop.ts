/**
 * The closed loop's records (domain/loop.ts): interventions, versioned reference values per business type
 * (a PUT appends the next version; none is ever overwritten or deleted), the company's default business
 * type, and mystery-shopper visits. Office-scoped rows carry their office for scoped reads.
 */
import type { Intervention, MysteryShop, ReferenceValues, ReferenceVersion } from '../domain/loop.js';
import { all, get, inList, run, value, type SqlDriver } from './sql.js';

type Scope = readonly string[] | undefined;
const scoped = (scope: Scope) => (scope ? inList('office_id', scope) : { sql: '1 = 1', args: [] });

const INTERVENTION = `id, subject_level AS "level", subject_id AS "subjectId", office_id AS "officeId", day AS "date", kind,
  description, who, created_at AS "createdAt"`;
type InterventionRow = Omit<Intervention, 'subject'> & { level: Intervention['subject']['level']; subjectId: string };
const intervention = ({ level, subjectId, ...r }: InterventionRow): Intervention => ({ ...r, subject: { level, id: subjectId } });

const VISIT = `id, employee_id AS "employeeId", office_id AS "officeId", day AS "date", score, notes, who, created_at AS "createdAt"`;

export class LoopStore {
  constructor(private readonly driver: SqlDriver) {}

  async addIntervention(i: Intervention): Promise<void> {
    await this.driver.query(() =>
      run(
        `INSERT INTO interventions (id, subject_level, subject_id, office_id, day, kind, description, who, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        i.id,
        i.subject.level,
        i.subject.id,
        i.officeId,
        i.date,
        i.kind,
        i.description,
        i.who,
        i.createdAt,
      ),
    );
  }

  async getIntervention(id: string): Promise<Intervention | undefined> {
    const r = await this.driver.query(() => get<InterventionRow>(`SELECT ${INTERVENTION} FROM interventions WHERE id = ?`, id));
    return r && intervention(r);
  }

  /** Newest date first; `scope`: only these offices' (undefined: all). */
  async listInterventions(
    filter: { level?: string; id?: string; officeId?: string },
    scope: Scope,
    limit: number,
  ): Promise<Intervention[]> {
    const s = scoped(scope);
    const where = [s.sql];
    const args = [...s.args];
    if (filter.level !== undefined) where.push('subject_level = ?'), args.push(filter.level);
    if (filter.id !== undefined) where.push('subject_id = ?'), args.push(filter.id);
    if (filter.officeId !== undefined) where.push('office_id = ?'), args.push(filter.officeId);
    const rows = await this.driver.query(() =>
      all<InterventionRow>(
        `SELECT ${INTERVENTION} FROM interventions WHERE ${where.join(' AND ')} ORDER BY day DESC, id DESC LIMIT ?`,
        ...args,
        limit,
      ),
    );
    return rows.map(intervention);
  }

  /** Appends the next version of a business type's reference values, in one transaction. */
  async putReference(businessType: string, values: ReferenceValues, note: string | null, createdBy: string): Promise<ReferenceVersion> {
    const createdAt = new Date().toISOString();
    return this.driver.transaction(function* () {
      const last = (yield* value<number | null>('SELECT MAX(version) FROM reference_values WHERE business_type = ?', businessType)) ?? 0;
      const version = Number(last) + 1;
      yield* run(
        'INSERT INTO reference_values (business_type, version, value_json, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        businessType,
        version,
        JSON.stringify(values),
        note,
        createdBy,
        createdAt,
      );
      return { businessType, version, values, note, createdBy, createdAt };
    });
  }

  /** Every version, newest first; all business types when none is given. */
  async listReferences(businessType?: string): Promise<ReferenceVersion[]> {
    const rows = await this.driver.query(() =>
      all<{ businessType: string; version: number; json: string; note: string | null; createdBy: string; createdAt: string }>(
        `SELECT business_type AS "businessType", version, value_json AS "json", note, created_by AS "createdBy", created_at AS "createdAt"
         FROM reference_values WHERE ${businessType === undefined ? '1 = 1' : 'business_type = ?'} ORDER BY business_type, version DESC`,
        ...(businessType === undefined ? [] : [businessType]),
      ),
    );
    return rows.map(({ json, ...r }) => ({ ...r, version: Number(r.version), values: JSON.parse(json) as ReferenceValues }));
  }

  async currentReference(businessType: string): Promise<ReferenceVersion | undefined> {
    return (await this.listReferences(businessType))[0];
  }

  async companyBusinessType(): Promise<string | null> {
    return (await this.driver.query(() => value<string>('SELECT business_type FROM reference_company WHERE id = ?', 'company'))) ?? null;
  }

  async setCompanyBusinessType(type: string | null): Promise<void> {
    await this.driver.transaction(function* () {
      yield* run('DELETE FROM reference_company WHERE id = ?', 'company');
      if (type !== null) yield* run('INSERT INTO reference_company (id, business_type) VALUES (?, ?)', 'company', type);
    });
  }

  async addVisit(v: MysteryShop): Promise<void> {
    await this.driver.query(() =>
      run(
        `INSERT INTO mystery_shops (id, employee_id, office_id, day, score, notes, who, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        v.id,
        v.employeeId,
        v.officeId,
        v.date,
        v.score,
        v.notes,
        v.who,
        v.createdAt,
      ),
    );
  }

  /** An employee's visits with dates in [from, to) (YYYY-MM-DD; either may be absent), oldest first. */
  async listVisits(employeeId: string, from?: string, to?: string): Promise<MysteryShop[]> {
    const rows = await this.driver.query(() =>
      all<MysteryShop>(
        `SELECT ${VISIT} FROM mystery_shops WHERE employee_id = ? AND day >= ? AND day < ? ORDER BY day, id`,
        employeeId,
        from ?? '0000-00-00',
        to ?? '9999-99-99',
      ),
    );
    return rows.map((r) => ({ ...r, score: Number(r.score) }));
  }
}
