/**
 * Realistic press patterns for a simulated fleet, pure and deterministic from a seed: an organisation
 * (regions, offices in real time zones with their opening hours, desks, named employees each with their
 * own good/neutral/bad mix), two shifts a day at each desk with a rotation half way through the window,
 * lunch-time peaks, misuse bursts (a child pressing 30 times), kiosks that go offline for hours and come
 * back with a backlog, and the visitors (and, for some offices, sales) of each office day. Times are
 * simulated milliseconds; the fleet replays them compressed.
 */
import { DEFAULT_MISUSE_RULES, emptyHistory, flagPress, type Button, type PanelKind, type PanelHistory } from '../../shared/src/index.js';
import { Prng } from './prng.js';
import { addDays, localDate, localTime, zonedInstant, type LocalTime } from './zones.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Mix {
  good: number;
  neutral: number;
  bad: number;
}
/** How customers rate an employee: clearly better, typical, clearly worse. */
export type Profile = 'star' | 'steady' | 'struggling';
export interface Employee {
  id: string;
  name: string;
  profile: Profile;
  mix: Mix;
}
export interface Region {
  id: string;
  name: string;
}
/** One office day's visitors (all of them, pressing or not) and, where the office reports them, sales. */
export interface OfficeDay {
  date: string;
  visitors: number;
  sales: number | null;
}
export interface Office {
  id: string;
  name: string;
  region: Region;
  timeZone: string;
  /** Local opening hours on weekdays [opens, closes); Saturday 10–14 when `saturday`. */
  opens: number;
  closes: number;
  saturday: boolean;
  /** Local hour the afternoon shift takes over. */
  shiftChange: number;
  /** Local date from which the shift rota rotates (each employee moves one slot on). */
  rotation: string;
  employees: Employee[];
  /** Share of visitors who press (for the visitor counts). */
  coverage: number;
  /** Sales per visitor, or null: the office reports no sales. */
  conversion: number | null;
  days: OfficeDay[];
}
export interface Desk {
  id: string;
  name: string;
}
/** An employee at a desk over [from, to) (simulated ms): one assignment. */
export interface Shift {
  employee: Employee;
  from: number;
  to: number;
}

export interface KioskPlan {
  id: string;
  office: Office;
  panel: { id: string; kind: PanelKind };
  /** Staff kiosks: the desk their staff panel is bound to. */
  desk?: Desk;
  /** A full kiosk agent (its board has one staff panel, `desk`). */
  agent: boolean;
  /** Mean presses per open hour before the time-of-day profile. */
  perHour: number;
  /** Staff kiosks: who sits at the desk when; the mix of a press is its employee's. */
  shifts: Shift[];
  /** Mix of presses nobody is assigned to (office and loyalty panels). */
  mix: Mix;
  /** Simulated [from, to) periods without network; presses made then are delivered on return. */
  offline: { from: number; to: number }[];
  /** Simulated time the kiosk booted (its uptime counts from here). */
  bootAt: number;
}

export interface PlannedPress {
  at: number;
  panel: string;
  button: Button;
  flags: string[];
  uptimeMs: number;
  /** Part of a misuse burst (for the figures; the flags are what the kiosk would send). */
  misuse: boolean;
  /** The employee assigned to the desk at that moment (staff panels). */
  employee?: string;
}

export interface FleetPlan {
  from: number;
  to: number;
  regions: Region[];
  offices: Office[];
  kiosks: KioskPlan[];
  presses: Map<string, PlannedPress[]>;
}

export interface PlanOptions {
  seed: number;
  kiosks: number;
  idPrefix: string;
  from: number;
  to: number;
  /** Multiplies every kiosk's press rate (1 = a few presses an hour, 20 = a busy showcase). */
  rate?: number;
  /** Probability that a kiosk has an offline period in the window. */
  offlineChance?: number;
  /** Probability per open hour of a misuse burst. */
  misuseChance?: number;
  /** The last `agents` kiosks are full agents: staff desk kiosks whatever the draw. */
  agents?: number;
}

const REGIONS: Record<string, string> = {
  central: 'Central',
  'north-west': 'North-West',
  volga: 'Volga',
  urals: 'Urals',
  siberia: 'Siberia',
  'far-east': 'Far East',
};
/** Cities in order of use: the first few already span four time zones. */
const CITIES: { city: string; zone: string; region: keyof typeof REGIONS }[] = [
  { city: 'Moscow', zone: 'Europe/Moscow', region: 'central' },
  { city: 'Yekaterinburg', zone: 'Asia/Yekaterinburg', region: 'urals' },
  { city: 'Vladivostok', zone: 'Asia/Vladivostok', region: 'far-east' },
  { city: 'Kaliningrad', zone: 'Europe/Kaliningrad', region: 'north-west' },
  { city: 'Saint Petersburg', zone: 'Europe/Moscow', region: 'north-west' },
  { city: 'Novosibirsk', zone: 'Asia/Novosibirsk', region: 'siberia' },
  { city: 'Kazan', zone: 'Europe/Moscow', region: 'volga' },
  { city: 'Chelyabinsk', zone: 'Asia/Yekaterinburg', region: 'urals' },
  { city: 'Khabarovsk', zone: 'Asia/Vladivostok', region: 'far-east' },
  { city: 'Samara', zone: 'Europe/Samara', region: 'volga' },
  { city: 'Krasnoyarsk', zone: 'Asia/Krasnoyarsk', region: 'siberia' },
];
const FIRST = {
  f: ['Anna', 'Maria', 'Elena', 'Olga', 'Natalia', 'Irina', 'Svetlana', 'Daria', 'Ekaterina', 'Tatiana', 'Yulia', 'Polina'],
  m: ['Aleksei', 'Dmitry', 'Ivan', 'Sergei', 'Mikhail', 'Andrei', 'Nikolai', 'Pavel', 'Artem', 'Maksim', 'Roman', 'Kirill'],
};
const SURNAMES = [
  'Ivanov',
  'Smirnov',
  'Kuznetsov',
  'Popov',
  'Sokolov',
  'Petrov',
  'Volkov',
  'Morozov',
  'Novikov',
  'Fedorov',
  'Lebedev',
  'Kozlov',
  'Egorov',
  'Pavlov',
  'Orlov',
  'Zaitsev',
];
/** Profiles handed out in this order (shuffled per office): every office has someone clearly better and worse. */
const PROFILES: Profile[] = ['star', 'struggling', 'steady', 'steady', 'steady'];
const KINDS: { kind: PanelKind; panel: string }[] = [
  { kind: 'staff', panel: 'desk' },
  { kind: 'staff', panel: 'desk' },
  { kind: 'office', panel: 'entrance' },
  { kind: 'loyalty', panel: 'loyalty' },
];

function mixBetween(rng: Prng, good: [number, number], bad: [number, number]): Mix {
  const g = rng.between(...good);
  const b = Math.min(rng.between(...bad), 1 - g);
  return { good: g, neutral: 1 - g - b, bad: b };
}

function profileMix(rng: Prng, profile: Profile): Mix {
  switch (profile) {
    case 'star':
      return mixBetween(rng, [0.82, 0.92], [0.01, 0.04]);
    case 'steady':
      return mixBetween(rng, [0.55, 0.72], [0.06, 0.14]);
    case 'struggling':
      return mixBetween(rng, [0.3, 0.42], [0.28, 0.4]);
  }
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function office(rng: Prng, index: number, prefix: string): Omit<Office, 'employees' | 'shiftChange' | 'rotation' | 'days'> {
  const c = CITIES[index % CITIES.length]!;
  const round = Math.floor(index / CITIES.length);
  const name = round === 0 ? c.city : `${c.city} ${round + 1}`;
  const opens = rng.int(8, 10);
  return {
    id: `${prefix}o${index + 1}-${slug(c.city)}`,
    name,
    region: { id: `${prefix}r-${c.region}`, name: REGIONS[c.region]! },
    timeZone: c.zone,
    opens,
    closes: opens + rng.int(9, 11),
    saturday: rng.chance(0.4),
    coverage: rng.between(0.25, 0.55),
    conversion: index % 2 === 0 ? rng.between(0.12, 0.3) : null,
  };
}

function employees(rng: Prng, o: { id: string }, count: number): Employee[] {
  const profiles = Array.from({ length: count }, (_, i) => PROFILES[i % PROFILES.length]!);
  for (let i = profiles.length - 1; i > 0; i--) {
    // Fisher–Yates, seeded
    const j = rng.int(0, i);
    [profiles[i], profiles[j]] = [profiles[j]!, profiles[i]!];
  }
  const names = new Set<string>();
  return profiles.map((profile, i) => {
    let name = '';
    for (let tries = 0; tries < 50 && (!name || names.has(name)); tries++) {
      const female = rng.chance(0.6); // front desks are more often staffed by women
      name = `${rng.pick(female ? FIRST.f : FIRST.m)} ${rng.pick(SURNAMES)}${female ? 'a' : ''}`;
    }
    names.add(name);
    return { id: `${o.id}-e${i + 1}`, name, profile, mix: profileMix(rng, profile) };
  });
}

function isOpen(o: Office, t: Pick<LocalTime, 'weekday' | 'hour'>): boolean {
  if (t.weekday >= 1 && t.weekday <= 5) return t.hour >= o.opens && t.hour < o.closes;
  return o.saturday && t.weekday === 6 && t.hour >= 10 && t.hour < 14;
}

/** Local dates the window touches, in the office's zone. */
function windowDates(zone: string, from: number, to: number): string[] {
  const dates: string[] = [];
  for (let d = localDate(zone, from), last = localDate(zone, to - 1); d <= last; d = addDays(d, 1)) dates.push(d);
  return dates;
}

/**
 * The rota of an office's desks: slot 2d is desk d's morning shift, 2d + 1 its afternoon shift (Saturday:
 * the morning slot alone, 10–14). Before the rotation date slot s is employee s, from it employee s + 1,
 * so every employee keeps one shift a day and the morning and afternoon people change over.
 */
function rota(o: Office, desks: number, from: number, to: number): Shift[][] {
  const shifts: Shift[][] = Array.from({ length: desks }, () => []);
  const n = o.employees.length;
  for (const date of windowDates(o.timeZone, from, to)) {
    const weekday = localTime(o.timeZone, zonedInstant(o.timeZone, date, 12)).weekday;
    const spans =
      weekday >= 1 && weekday <= 5
        ? [
            [o.opens, o.shiftChange],
            [o.shiftChange, o.closes],
          ]
        : weekday === 6 && o.saturday
          ? [[10, 14]]
          : [];
    const shift = date >= o.rotation ? 1 : 0;
    for (let d = 0; d < desks; d++) {
      spans.forEach(([a, b], half) => {
        shifts[d]!.push({
          employee: o.employees[(2 * d + half + shift) % n]!,
          from: zonedInstant(o.timeZone, date, a!),
          to: zonedInstant(o.timeZone, date, b!),
        });
      });
    }
  }
  return shifts;
}

/** Busier at lunch, quieter in the first and last hour. */
function hourFactor(o: Office, hour: number): number {
  if (hour === 12 || hour === 13) return 1.5;
  return hour === o.opens || hour === o.closes - 1 ? 0.6 : 1;
}

function button(rng: Prng, m: Mix): Button {
  const x = rng.next();
  return x < m.good ? 'good' : x < m.good + m.neutral ? 'neutral' : 'bad';
}

interface RawPress {
  at: number;
  button: Button;
  misuse: boolean;
  employee?: Employee;
}

function pressTimes(rng: Prng, k: KioskPlan, opts: PlanOptions): RawPress[] {
  const out: RawPress[] = [];
  const shiftAt = (at: number) => k.shifts.find((s) => at >= s.from && at < s.to);
  for (let hour = Math.floor(opts.from / HOUR) * HOUR; hour < opts.to; hour += HOUR) {
    const t = localTime(k.office.timeZone, hour + HOUR / 2);
    if (!isOpen(k.office, t)) continue;
    const n = rng.poisson(k.perHour * hourFactor(k.office, t.hour));
    const press = (at: number, pick: (m: Mix) => Button, misuse: boolean) => {
      const employee = shiftAt(at)?.employee;
      out.push({ at, button: pick(employee?.mix ?? k.mix), misuse, ...(employee ? { employee } : {}) });
    };
    for (let i = 0; i < n; i++) press(hour + rng.next() * HOUR, (m) => button(rng, m), false);
    if (rng.chance(opts.misuseChance ?? 0.02)) {
      // A child at the kiosk: 15–40 presses, a few hundred ms apart, mostly on one button.
      let at = hour + rng.next() * (HOUR - 60_000);
      const favourite = rng.pick(['good', 'neutral', 'bad'] as const);
      for (let i = rng.int(15, 40); i > 0; i--) {
        press(at, (m) => (rng.chance(0.7) ? favourite : button(rng, m)), true);
        at += rng.between(250, 1200);
      }
    }
  }
  return out.filter((p) => p.at >= opts.from && p.at < opts.to).sort((a, b) => a.at - b.at);
}

/** Visitors of each office day: the busiest panel kind's counted presses over the office's coverage. */
function officeDays(o: Office, kiosks: KioskPlan[], presses: Map<string, PlannedPress[]>, from: number, to: number): OfficeDay[] {
  const byDay = new Map<string, Map<PanelKind, number>>();
  for (const k of kiosks.filter((x) => x.office === o)) {
    for (const p of presses.get(k.id) ?? []) {
      if (p.flags.length > 0) continue;
      const date = localDate(o.timeZone, p.at);
      const kinds = byDay.get(date) ?? new Map<PanelKind, number>();
      byDay.set(date, kinds);
      kinds.set(k.panel.kind, (kinds.get(k.panel.kind) ?? 0) + 1);
    }
  }
  return windowDates(o.timeZone, from, to).map((date) => {
    const busiest = Math.max(0, ...(byDay.get(date)?.values() ?? []));
    const visitors = Math.ceil(busiest / o.coverage);
    return { date, visitors, sales: o.conversion === null ? null : Math.round(visitors * o.conversion) };
  });
}

export function planFleet(opts: PlanOptions): FleetPlan {
  const root = new Prng(opts.seed);
  const officeCount = Math.max(1, Math.ceil(opts.kiosks / 4));
  const bases = Array.from({ length: officeCount }, (_, i) => office(root.fork(`office ${i}`), i, opts.idPrefix));
  const firstAgent = opts.kiosks - (opts.agents ?? 0);

  // Kiosks go round the offices; each office's first kiosk (and every agent) is a staff desk.
  const drafts = Array.from({ length: opts.kiosks }, (_, i) => {
    const rng = root.fork(`kiosk ${i}`);
    const agent = i >= firstAgent;
    const { kind, panel } = i < officeCount || agent ? KINDS[0]! : rng.pick(KINDS);
    return { i, rng, agent, officeIndex: i % officeCount, kind, panel };
  });
  const offices: Office[] = bases.map((b, oi) => {
    const rng = root.fork(`staff ${oi}`);
    const desks = drafts.filter((d) => d.officeIndex === oi && d.kind === 'staff').length;
    const partial = {
      ...b,
      shiftChange: Math.round((b.opens + b.closes) / 2),
      rotation: localDate(b.timeZone, opts.from + (opts.to - opts.from) / 2),
      days: [],
    };
    return { ...partial, employees: employees(rng, b, 2 * desks) };
  });
  const rotas = offices.map((o, oi) =>
    rota(o, drafts.filter((d) => d.officeIndex === oi && d.kind === 'staff').length, opts.from, opts.to),
  );

  const kiosks: KioskPlan[] = [];
  const presses = new Map<string, PlannedPress[]>();
  const deskNo = new Map<number, number>();
  for (const d of drafts) {
    const { rng } = d;
    const o = offices[d.officeIndex]!;
    const id = `${opts.idPrefix}${String(d.i + 1).padStart(3, '0')}`;
    let desk: Desk | undefined;
    let shifts: Shift[] = [];
    if (d.kind === 'staff') {
      const n = deskNo.get(d.officeIndex) ?? 0;
      deskNo.set(d.officeIndex, n + 1);
      desk = { id: `${o.id}-desk-${n + 1}`, name: `${o.name} desk ${n + 1}` };
      shifts = rotas[d.officeIndex]![n]!;
    }
    const offline: KioskPlan['offline'] = [];
    if (rng.chance(opts.offlineChance ?? 0.3)) {
      const span = opts.to - opts.from;
      const length = Math.min(rng.between(1, 10) * HOUR, span * 0.4);
      const from = opts.from + rng.between(0.05, 0.5) * span;
      offline.push({ from, to: Math.min(from + length, opts.to - span * 0.05) });
    }
    const k: KioskPlan = {
      id,
      office: o,
      panel: { id: d.panel, kind: d.kind },
      ...(desk ? { desk } : {}),
      agent: d.agent,
      perHour: rng.between(2, 12) * (opts.rate ?? 1),
      shifts,
      mix: mixBetween(rng, [0.5, 0.8], [0.05, 0.2]),
      offline,
      bootAt: opts.from - rng.between(1, 30) * DAY,
    };
    let history: PanelHistory = emptyHistory();
    const planned = pressTimes(rng, k, opts).map((p) => {
      const flagged = flagPress(history, p.at, DEFAULT_MISUSE_RULES);
      history = flagged.history;
      return {
        at: Math.round(p.at),
        panel: k.panel.id,
        button: p.button,
        flags: flagged.flags,
        uptimeMs: Math.round(p.at - k.bootAt),
        misuse: p.misuse,
        ...(p.employee ? { employee: p.employee.id } : {}),
      };
    });
    kiosks.push(k);
    presses.set(k.id, planned);
  }
  for (const o of offices) o.days = officeDays(o, kiosks, presses, opts.from, opts.to);
  const regions = [...new Map(offices.map((o) => [o.region.id, o.region])).values()];
  return { from: opts.from, to: opts.to, regions, offices, kiosks, presses };
}

export function planTotals(plan: FleetPlan): {
  presses: number;
  good: number;
  neutral: number;
  bad: number;
  flagged: number;
  misuse: number;
  offlineKiosks: number;
} {
  const all = [...plan.presses.values()].flat();
  const count = (b: Button) => all.filter((p) => p.button === b).length;
  return {
    presses: all.length,
    good: count('good'),
    neutral: count('neutral'),
    bad: count('bad'),
    flagged: all.filter((p) => p.flags.length > 0).length,
    misuse: all.filter((p) => p.misuse).length,
    offlineKiosks: plan.kiosks.filter((k) => k.offline.length > 0).length,
  };
}
