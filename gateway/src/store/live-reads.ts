/**
 * What the live feed (../live/) reads: the attribution ingest stored with each new press (office, desk,
 * employee, panel kind — decided once by scoring/scorer.ts, never again here), the offices a kiosk
 * belongs to (cached against settings.org_rev, so a changed binding is seen on the next status), and the
 * alert events written since a cursor.
 */
import { all, get, inList, value, type SqlDriver } from './sql.js';
import { type AlertEventRow, alertEventFromRow } from './deliveries.js';

export interface PressAttribution {
  id: string;
  officeId: string | null;
  deskId: string | null;
  employeeId: string | null;
  kind: 'staff' | 'office' | null;
  /** The press's corrected time (ms), null while its boot has no synced press. */
  t: number | null;
}

export type { AlertEventRow };

/** At most this many ids in one `IN (…)` (SQLite's limit on bound parameters is 32 766; keep statements small). */
const IDS_PER_QUERY = 500;

export class LiveReads {
  private kioskCache = new Map<string, string[]>();
  private cacheRev: number | undefined;

  constructor(private readonly driver: SqlDriver) {}

  async attributions(ids: readonly string[]): Promise<Map<string, PressAttribution>> {
    const out = new Map<string, PressAttribution>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const list = inList('id', ids.slice(i, i + IDS_PER_QUERY));
      const rows = await this.driver.query(() =>
        all<Record<string, unknown>>(`SELECT id, office_id, desk_id, employee_id, kind, t FROM events WHERE ${list.sql}`, ...list.args),
      );
      for (const r of rows) {
        out.set(r.id as string, {
          id: r.id as string,
          officeId: (r.office_id as string | null) ?? null,
          deskId: (r.desk_id as string | null) ?? null,
          employeeId: (r.employee_id as string | null) ?? null,
          kind: (r.kind as PressAttribution['kind']) ?? null,
          t: (r.t as number | null) ?? null,
        });
      }
    }
    return out;
  }

  /** The offices a kiosk belongs to (its office and its bindings'); undefined: no such kiosk. */
  async kioskOffices(kioskId: string): Promise<string[] | undefined> {
    const found = await this.driver.query(function* () {
      const rev = (yield* value<number>('SELECT org_rev FROM settings')) ?? 0;
      return { rev };
    });
    if (found.rev !== this.cacheRev) {
      this.kioskCache.clear();
      this.cacheRev = found.rev;
    }
    const cached = this.kioskCache.get(kioskId);
    if (cached) return cached;
    const offices = await this.driver.query(function* () {
      const kiosk = yield* get<{ office_id: string | null }>('SELECT office_id FROM kiosks WHERE id = ?', kioskId);
      if (!kiosk) return undefined;
      const bound = yield* all<{ office_id: string }>('SELECT DISTINCT office_id FROM panel_bindings WHERE kiosk_id = ?', kioskId);
      return [...new Set([...(kiosk.office_id ? [kiosk.office_id] : []), ...bound.map((b) => b.office_id)])];
    });
    if (offices) this.kioskCache.set(kioskId, offices);
    return offices;
  }

  /** The newest alert event's id (0: none yet): the live feed starts after it, history is the API's. */
  async lastAlertEventId(): Promise<number> {
    return (await this.driver.query(() => value<number>('SELECT max(id) FROM alert_events'))) ?? 0;
  }

  async alertEventsAfter(afterId: number, limit: number): Promise<AlertEventRow[]> {
    const rows = await this.driver.query(() =>
      all<Record<string, unknown>>(
        'SELECT id, alert_id, kind, at, office_ids, payload FROM alert_events WHERE id > ? ORDER BY id LIMIT ?',
        afterId,
        limit,
      ),
    );
    return rows.map(alertEventFromRow);
  }
}
