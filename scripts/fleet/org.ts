/**
 * The simulated fleet's organisation in the gateway, through its REST API (admin key): regions, offices
 * in their time zones, desks, employees, shift assignments, panel bindings and daily visitor (and sales)
 * counts — so the gateway scores the simulated presses. Then the expected totals per office, computed
 * from the ledger (what the kiosks really sent) with the gateway's own misuse rules, and the gateway's
 * scores to check them against.
 */
import { DEFAULT_MISUSE_RULES, emptyHistory, flagPress, type Button, type MisuseRules, type PanelKind } from '../../shared/src/index.js';
import type { GatewayApi } from './api.js';
import type { Ledger, LedgerPress } from './ledger.js';
import type { FleetPlan, KioskPlan, Office } from './patterns.js';
import { addDays, localDate } from './zones.js';

/** The panel a kiosk's presses arrive on: an agent's board has one staff panel, `desk`. */
export const gatewayPanel = (k: KioskPlan): { id: string; kind: PanelKind } => (k.agent ? { id: 'desk', kind: 'staff' } : k.panel);

async function call(api: GatewayApi, method: string, path: string, body: unknown, ok: number): Promise<unknown> {
  const res = await api.request(method, path, body);
  if (res.status !== ok) {
    const hint = res.status === 409 ? ' (ids come from --prefix: give a new one, or --no-org)' : '';
    throw new Error(`${method} /api/v1${path}: ${res.status} ${JSON.stringify(res.body)}${hint}`);
  }
  return res.body;
}

/** Runs `fn` over `items`, `width` at a time. */
async function batched<T>(items: T[], fn: (item: T) => Promise<unknown>, width = 10): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

export interface OrgSummary {
  regions: number;
  offices: number;
  desks: number;
  employees: number;
  assignments: number;
  countDays: number;
  salesOffices: number;
}

/** Creates regions, offices, desks, employees, shift assignments and visitor/sales counts. */
export async function seedOrganisation(api: GatewayApi, plan: FleetPlan): Promise<OrgSummary> {
  await batched(plan.regions, (r) => call(api, 'POST', '/regions', { id: r.id, name: r.name }, 201));
  await batched(plan.offices, (o) =>
    call(api, 'POST', '/offices', { id: o.id, name: o.name, timeZone: o.timeZone, regionId: o.region.id }, 201),
  );
  const desks = plan.kiosks.filter((k) => k.desk);
  await batched(desks, (k) => call(api, 'POST', '/desks', { id: k.desk!.id, officeId: k.office.id, name: k.desk!.name }, 201));
  const employees = plan.offices.flatMap((o) => o.employees.map((e) => ({ o, e })));
  await batched(employees, ({ o, e }) => call(api, 'POST', '/employees', { id: e.id, name: e.name, officeId: o.id }, 201));
  const shifts = desks.flatMap((k) =>
    k.shifts.map((s) => ({
      deskId: k.desk!.id,
      employeeId: s.employee.id,
      from: new Date(s.from).toISOString(),
      to: new Date(s.to).toISOString(),
    })),
  );
  await batched(shifts, (s) => call(api, 'POST', '/assignments', s, 201));
  for (const o of plan.offices) {
    await call(api, 'PUT', `/offices/${o.id}/visitors`, { entries: o.days.map((d) => ({ date: d.date, count: d.visitors })) }, 200);
    if (o.conversion !== null)
      await call(api, 'PUT', `/offices/${o.id}/sales`, { entries: o.days.map((d) => ({ date: d.date, count: d.sales ?? 0 })) }, 200);
  }
  return {
    regions: plan.regions.length,
    offices: plan.offices.length,
    desks: desks.length,
    employees: employees.length,
    assignments: shifts.length,
    countDays: plan.offices.reduce((n, o) => n + o.days.length, 0),
    salesOffices: plan.offices.filter((o) => o.conversion !== null).length,
  };
}

/** Binds a registered kiosk's panel: a staff panel to its desk, an office or loyalty panel to its office. */
export async function bindKiosk(api: GatewayApi, k: KioskPlan): Promise<void> {
  const panel = gatewayPanel(k);
  const body = k.desk ? { kind: panel.kind, deskId: k.desk.id } : { kind: panel.kind, officeId: k.office.id };
  await call(api, 'PUT', `/kiosks/${encodeURIComponent(k.id)}/panels/${panel.id}/binding`, body, 200);
}

export interface Tally {
  good: number;
  neutral: number;
  bad: number;
  excluded: number;
}
const emptyTally = (): Tally => ({ good: 0, neutral: 0, bad: 0, excluded: 0 });
const counted = (t: Tally) => t.good + t.neutral + t.bad;

export interface OfficeExpectation {
  office: Office;
  /** Presses the ledger expects stored for the office's kiosks. */
  stored: number;
  /** Per panel kind: counted by button, and excluded as misuse. */
  byKind: Map<PanelKind, Tally>;
  /** Staff presses at a desk nobody was assigned to at that moment (an agent pressing in real time, after the rota). */
  unattributed: Tally;
  /** Presses without a synced clock (not predicted). */
  uncertain: number;
}

/**
 * What the gateway should score per office: every press the ledger expects stored, on its kiosk's bound
 * panel, judged for misuse per panel in time order with the gateway's rules (the kiosk's own flags are
 * only hints). Presses without a synced clock are left out (`uncertain`): the gateway corrects their time
 * from the boot's synced presses, which the simulator does not model.
 */
export function expectedByOffice(
  plan: FleetPlan,
  ledger: Ledger,
  rules: MisuseRules = DEFAULT_MISUSE_RULES,
): Map<string, OfficeExpectation> {
  const out = new Map<string, OfficeExpectation>(
    plan.offices.map((o) => [o.id, { office: o, stored: 0, byKind: new Map(), unattributed: emptyTally(), uncertain: 0 }]),
  );
  for (const k of plan.kiosks) {
    const e = out.get(k.office.id)!;
    const panel = gatewayPanel(k);
    const presses: LedgerPress[] = [];
    for (const entry of ledger.kiosks.get(k.id) ?? []) {
      if (entry.expect !== 'stored') continue;
      e.stored++;
      if (!entry.press || entry.press.panel !== panel.id) continue;
      if (!entry.press.clockSynced) e.uncertain++;
      else presses.push(entry.press);
    }
    const tally = e.byKind.get(panel.kind) ?? emptyTally();
    e.byKind.set(panel.kind, tally);
    let history = emptyHistory();
    for (const p of presses.sort((a, b) => a.at - b.at)) {
      const judged = flagPress(history, p.at, rules);
      history = judged.history;
      const attributed = !k.desk || k.shifts.some((s) => p.at >= s.from && p.at < s.to);
      for (const t of attributed ? [tally] : [tally, e.unattributed]) {
        if (judged.flags.length > 0) t.excluded++;
        else t[p.button as Button]++;
      }
    }
  }
  return out;
}

interface Estimate {
  value: number;
  ci95: [number, number];
  n: number;
}
interface Score {
  counts: { good: number; neutral: number; bad: number; total: number; excluded: number };
  ink: Estimate | null;
  iel: Estimate | null;
  csat: Estimate | null;
  coverage: Estimate | null;
  conversion: Estimate | null;
}
interface SubjectScores {
  total: {
    scores: Partial<Record<PanelKind, Score>>;
    visitors: number | null;
    sales: number | null;
    unattributed: Tally & { total: number };
  };
}
interface Ranking {
  items: { rank: number; id: string; officeId: string; value: number; n: number }[];
  leftOut: number;
}

export interface OfficeCheck {
  office: Office;
  expected: OfficeExpectation;
  scores: SubjectScores['total'];
  problems: string[];
}

/** The local dates [from, to) that cover the simulated window and everything pressed until `now`. */
export function scorePeriod(o: Office, plan: FleetPlan, now: number): { from: string; to: string } {
  return { from: localDate(o.timeZone, plan.from), to: addDays(localDate(o.timeZone, now), 1) };
}

/** Fetches each office's scores (`GET /offices/{id}/scores`) and compares its counts with the expectation. */
export async function checkScores(
  api: GatewayApi,
  plan: FleetPlan,
  expected: Map<string, OfficeExpectation>,
  now = Date.now(),
): Promise<OfficeCheck[]> {
  const checks: OfficeCheck[] = [];
  for (const o of plan.offices) {
    const { from, to } = scorePeriod(o, plan, now);
    const body = (await call(api, 'GET', `/offices/${o.id}/scores?from=${from}&to=${to}`, undefined, 200)) as SubjectScores;
    const exp = expected.get(o.id)!;
    const problems: string[] = [];
    for (const kind of ['staff', 'office', 'loyalty'] as const) {
      const want = exp.byKind.get(kind) ?? emptyTally();
      const got = body.total.scores[kind]?.counts ?? { ...emptyTally(), total: 0 };
      for (const key of ['good', 'neutral', 'bad', 'excluded'] as const) {
        if (want[key] !== got[key]) problems.push(`${kind} ${key}: expected ${want[key]}, gateway ${got[key]}`);
      }
    }
    for (const key of ['good', 'neutral', 'bad', 'excluded'] as const) {
      const want = exp.unattributed[key];
      const got = body.total.unattributed[key];
      if (want !== got) problems.push(`unattributed ${key}: expected ${want}, gateway ${got}`);
    }
    checks.push({ office: o, expected: exp, scores: body.total, problems });
  }
  return checks;
}

const pct = (e: Estimate | null | undefined) => (e ? `${Math.round(e.value * 100)}%` : '–');
const pad = (text: string | number, width: number) => String(text).padEnd(width);
const lpad = (text: string | number, width: number) => String(text).padStart(width);

/** The per-office table: expected (from the ledger) beside what the gateway scored, and the main indices. */
export function formatOffices(checks: OfficeCheck[]): string[] {
  const lines = [
    `  ${pad('office', 16)} ${pad('time zone', 18)} ${lpad('stored', 6)} ${lpad('misuse', 6)} ${lpad('counted', 7)}  ${lpad('gateway', 7)} ${lpad('excl.', 5)}  ` +
      `${lpad('ИНК staff', 9)} ${lpad('ИНК office', 10)} ${lpad('ИЭЛ', 5)} ${lpad('CSAT', 5)} ${lpad('visitors', 8)} ${lpad('conv.', 5)}  id`,
  ];
  for (const c of checks) {
    const tallies = [...c.expected.byKind.values()];
    const s = c.scores.scores;
    const gotCounted = Object.values(s).reduce((n, x) => n + (x?.counts.total ?? 0), 0);
    const gotExcluded = Object.values(s).reduce((n, x) => n + (x?.counts.excluded ?? 0), 0);
    const all = Object.values(s).reduce(
      (acc, x) => ({ good: acc.good + (x?.counts.good ?? 0), total: acc.total + (x?.counts.total ?? 0) }),
      { good: 0, total: 0 },
    );
    const conversion = s.staff?.conversion ?? s.office?.conversion ?? s.loyalty?.conversion;
    lines.push(
      `  ${pad(c.office.name.slice(0, 16), 16)} ${pad(c.office.timeZone, 18)} ${lpad(c.expected.stored, 6)} ` +
        `${lpad(
          tallies.reduce((n, t) => n + t.excluded, 0),
          6,
        )} ${lpad(
          tallies.reduce((n, t) => n + counted(t), 0),
          7,
        )}  ${lpad(gotCounted, 7)} ${lpad(gotExcluded, 5)}  ` +
        `${lpad(pct(s.staff?.ink), 9)} ${lpad(pct(s.office?.ink), 10)} ${lpad(s.loyalty?.iel ? Math.round(s.loyalty.iel.value) : '–', 5)} ` +
        `${lpad(all.total ? `${Math.round((100 * all.good) / all.total)}%` : '–', 5)} ${lpad(c.scores.visitors ?? '–', 8)} ${lpad(pct(conversion), 5)}  ${c.office.id}`,
    );
  }
  return lines;
}

/** Employees ranked by CSAT over the window (`GET /rankings`): the best and the worst few, by name. */
export async function employeeRanking(api: GatewayApi, plan: FleetPlan, now = Date.now(), show = 3): Promise<string[]> {
  const from = new Date(plan.from - 86_400_000).toISOString().slice(0, 10);
  const to = new Date(now + 2 * 86_400_000).toISOString().slice(0, 10);
  const r = (await call(api, 'GET', `/rankings?level=employee&index=csat&from=${from}&to=${to}`, undefined, 200)) as Ranking;
  const employees = new Map(plan.offices.flatMap((o) => o.employees.map((e) => [e.id, { e, o }] as const)));
  const line = (i: Ranking['items'][number]) => {
    const who = employees.get(i.id);
    return `    ${lpad(i.rank, 3)}. ${pad(who ? `${who.e.name} (${who.o.name}, ${who.e.profile})` : i.id, 44)} CSAT ${lpad(`${Math.round(i.value * 100)}%`, 4)}  n = ${i.n}`;
  };
  const items = r.items.filter((i) => employees.has(i.id)); // a shared gateway also ranks other runs' employees
  const others = r.items.length - items.length;
  const lines = [
    `employees by CSAT (GET /api/v1/rankings?level=employee&index=csat&from=${from}&to=${to}): ${items.length} of this run ranked` +
      `${others ? ` (and ${others} others)` : ''}, ${r.leftOut} left out (fewer presses than minSample)`,
  ];
  if (items.length <= 2 * show) lines.push(...items.map(line));
  else lines.push(...items.slice(0, show).map(line), '    …', ...items.slice(-show).map(line));
  return lines;
}
