/**
 * What the duty feed reads and writes (mqtt/duty-feed.ts): kiosks' configs, their staff panels' desks, the
 * assignments current or still to come with the employee's question name, and a config revision written
 * only if nobody else wrote one first (several gateways on one PostgreSQL may refresh at the same instant).
 */
import type { KioskConfigMessage, Panel } from '../../../shared/src/index.js';
import type { DutyAssignment } from '../domain/duty.js';
import { all, get, inList, run, value, type Q } from './sql.js';

export interface DutySnapshot {
  /** settings.org_rev when read: every organisation change bumps it (assignments, bindings, employees). */
  orgRev: number;
  configs: Array<{ kioskId: string; config: KioskConfigMessage }>;
  /** Staff panels bound to a desk. */
  bindings: Array<{ kioskId: string; panel: string; deskId: string }>;
  /** Assignments not ended by `since`, with the employee's name for the question. */
  assignments: DutyAssignment[];
}

export function* dutySnapshot(since: number, kioskIds?: readonly string[]): Q<DutySnapshot> {
  const orgRev = (yield* value<number>('SELECT org_rev FROM settings WHERE id = 1')) ?? 0;
  const only = kioskIds ? inList('id', kioskIds) : { sql: '1 = 1', args: [] };
  const rows = yield* all<{ id: string; config: string }>(
    `SELECT id, config FROM kiosks WHERE config IS NOT NULL AND ${only.sql}`,
    ...only.args,
  );
  const onlyB = kioskIds ? inList('kiosk_id', kioskIds) : { sql: '1 = 1', args: [] };
  const bindings = yield* all<{ kioskId: string; panel: string; deskId: string }>(
    `SELECT kiosk_id AS "kioskId", panel, desk_id AS "deskId" FROM panel_bindings
    WHERE kind = 'staff' AND desk_id IS NOT NULL AND ${onlyB.sql}`,
    ...onlyB.args,
  );
  const assignments = yield* all<DutyAssignment>(
    `SELECT a.desk_id AS "deskId", a.employee_id AS "employeeId", a.from_ms AS "from", a.to_ms AS "to",
    coalesce(e.question_name, e.name) AS name
    FROM assignments a JOIN employees e ON e.id = a.employee_id WHERE a.to_ms IS NULL OR a.to_ms > ?`,
    since,
  );
  return {
    orgRev: Number(orgRev),
    configs: rows.map((r) => ({ kioskId: r.id, config: JSON.parse(r.config) as KioskConfigMessage })),
    bindings,
    assignments: assignments.map((a) => ({ ...a, from: Number(a.from), to: a.to === null ? null : Number(a.to) })),
  };
}

/** The next revision with these panels, if the kiosk's config is still at `rev`; undefined if it moved on. */
export function* replaceConfigPanels(kioskId: string, rev: number, panels: Panel[], forUpdate: string): Q<KioskConfigMessage | undefined> {
  const row = yield* get<{ config: string | null; config_rev: number }>(
    `SELECT config, config_rev FROM kiosks WHERE id = ?${forUpdate}`,
    kioskId,
  );
  if (!row?.config || Number(row.config_rev) !== rev) return undefined;
  const msg: KioskConfigMessage = { ...(JSON.parse(row.config) as KioskConfigMessage), rev: rev + 1, panels };
  yield* run(
    'UPDATE kiosks SET config = ?, config_rev = ?, config_at = ? WHERE id = ?',
    JSON.stringify(msg),
    msg.rev,
    new Date().toISOString(),
    kioskId,
  );
  return msg;
}

/** A staff panel bound to a desk whose kiosk's config arms it (Panel.armed). */
export interface ArmedPanel {
  kioskId: string;
  panel: string;
  deskId: string;
  windowMs: number;
}

/** The armed staff panels bound to these desks: who to tell when a ticket is served there. */
export function* armedPanels(deskIds: readonly string[]): Q<ArmedPanel[]> {
  const desks = inList('b.desk_id', deskIds);
  const rows = yield* all<{ kioskId: string; panel: string; deskId: string; config: string }>(
    `SELECT b.kiosk_id AS "kioskId", b.panel, b.desk_id AS "deskId", k.config FROM panel_bindings b JOIN kiosks k ON k.id = b.kiosk_id
    WHERE b.kind = 'staff' AND k.config IS NOT NULL AND ${desks.sql}`,
    ...desks.args,
  );
  const out: ArmedPanel[] = [];
  for (const r of rows) {
    const armed = (JSON.parse(r.config) as KioskConfigMessage).panels.find((p) => p.id === r.panel)?.armed;
    if (armed) out.push({ kioskId: r.kioskId, panel: r.panel, deskId: r.deskId, windowMs: armed.windowMs });
  }
  return out;
}
