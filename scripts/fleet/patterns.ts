/**
 * Realistic press patterns for a simulated fleet, pure and deterministic from a seed: offices in time
 * zones with opening hours, desks with shifts (each employee with their own good/neutral/bad mix),
 * lunch-time peaks, misuse bursts (a child pressing 30 times) and kiosks that go offline for hours and
 * come back with a backlog. Times are simulated milliseconds; the fleet replays them compressed.
 */
import { DEFAULT_MISUSE_RULES, emptyHistory, flagPress, type Button, type PanelKind, type PanelHistory } from '../../shared/src/index.js';
import { Prng } from './prng.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Mix { good: number; neutral: number; bad: number }
export interface Office { id: string; timeZone: string; opens: number; closes: number; saturday: boolean }
export interface Shift { employee: string; fromHour: number; toHour: number; mix: Mix }

export interface KioskPlan {
  id: string;
  office: Office;
  panel: { id: string; kind: PanelKind };
  /** Mean presses per open hour before the time-of-day profile. */
  perHour: number;
  shifts: Shift[];
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
}

export interface FleetPlan {
  from: number;
  to: number;
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
}

const TIME_ZONES = ['Europe/Berlin', 'Europe/London', 'America/New_York', 'Asia/Tokyo', 'Europe/Moscow', 'America/Los_Angeles', 'Asia/Kolkata'];
const EMPLOYEES = ['Anna', 'Ben', 'Chloé', 'Dmitri', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kemal', 'Lena'];
const KINDS: { kind: PanelKind; panel: string }[] = [
  { kind: 'staff', panel: 'desk' }, { kind: 'staff', panel: 'desk' }, { kind: 'office', panel: 'entrance' }, { kind: 'loyalty', panel: 'loyalty' },
];

function mix(rng: Prng): Mix {
  const good = rng.between(0.45, 0.9);
  const bad = rng.between(0.03, Math.min(0.3, 1 - good));
  return { good, neutral: 1 - good - bad, bad };
}

function office(rng: Prng, index: number): Office {
  const opens = rng.int(7, 10);
  return { id: `office-${index + 1}`, timeZone: rng.pick(TIME_ZONES), opens, closes: opens + rng.int(8, 10), saturday: rng.chance(0.4) };
}

function kiosk(rng: Prng, id: string, offices: Office[], opts: PlanOptions): KioskPlan {
  const o = rng.pick(offices);
  const { kind, panel } = rng.pick(KINDS);
  const midday = Math.round((o.opens + o.closes) / 2);
  // A staff desk has two shifts (morning and afternoon employee); other panels one office-wide mix.
  const shifts: Shift[] = kind === 'staff'
    ? [
        { employee: rng.pick(EMPLOYEES), fromHour: 0, toHour: midday, mix: mix(rng) },
        { employee: rng.pick(EMPLOYEES), fromHour: midday, toHour: 24, mix: mix(rng) },
      ]
    : [{ employee: '', fromHour: 0, toHour: 24, mix: mix(rng) }];
  const offline: KioskPlan['offline'] = [];
  if (rng.chance(opts.offlineChance ?? 0.3)) {
    const span = opts.to - opts.from;
    const length = Math.min(rng.between(1, 10) * HOUR, span * 0.4);
    const from = opts.from + rng.between(0.05, 0.5) * span;
    offline.push({ from, to: Math.min(from + length, opts.to - span * 0.05) });
  }
  return {
    id, office: o, panel: { id: panel, kind }, perHour: rng.between(2, 12) * (opts.rate ?? 1), shifts, offline,
    bootAt: opts.from - rng.between(1, 30) * DAY,
  };
}

/** Local weekday (0 = Sunday) and hour of a simulated instant in the office's time zone. */
function localTime(timeZone: string): (ms: number) => { weekday: number; hour: number } {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: 'numeric', hourCycle: 'h23' });
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  return (ms) => {
    const parts = format.formatToParts(ms);
    const weekday = days.indexOf(parts.find((p) => p.type === 'weekday')!.value);
    return { weekday, hour: Number(parts.find((p) => p.type === 'hour')!.value) };
  };
}

function isOpen(o: Office, t: { weekday: number; hour: number }): boolean {
  if (t.weekday >= 1 && t.weekday <= 5) return t.hour >= o.opens && t.hour < o.closes;
  return o.saturday && t.weekday === 6 && t.hour >= 10 && t.hour < 14;
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

function pressTimes(rng: Prng, k: KioskPlan, opts: PlanOptions): { at: number; button: Button; misuse: boolean }[] {
  const local = localTime(k.office.timeZone);
  const out: { at: number; button: Button; misuse: boolean }[] = [];
  for (let hour = Math.floor(opts.from / HOUR) * HOUR; hour < opts.to; hour += HOUR) {
    const t = local(hour + HOUR / 2);
    if (!isOpen(k.office, t)) continue;
    const m = k.shifts.find((s) => t.hour >= s.fromHour && t.hour < s.toHour)!.mix;
    const n = rng.poisson(k.perHour * hourFactor(k.office, t.hour));
    for (let i = 0; i < n; i++) out.push({ at: hour + rng.next() * HOUR, button: button(rng, m), misuse: false });
    if (rng.chance(opts.misuseChance ?? 0.02)) {
      // A child at the kiosk: 15–40 presses, a few hundred ms apart, mostly on one button.
      let at = hour + rng.next() * (HOUR - 60_000);
      const favourite = rng.pick(['good', 'neutral', 'bad'] as const);
      for (let i = rng.int(15, 40); i > 0; i--) {
        out.push({ at, button: rng.chance(0.7) ? favourite : button(rng, m), misuse: true });
        at += rng.between(250, 1200);
      }
    }
  }
  return out.filter((p) => p.at >= opts.from && p.at < opts.to).sort((a, b) => a.at - b.at);
}

export function planFleet(opts: PlanOptions): FleetPlan {
  const root = new Prng(opts.seed);
  const offices = Array.from({ length: Math.max(1, Math.ceil(opts.kiosks / 4)) }, (_, i) => office(root.fork(`office ${i}`), i));
  const kiosks: KioskPlan[] = [];
  const presses = new Map<string, PlannedPress[]>();
  for (let i = 0; i < opts.kiosks; i++) {
    const rng = root.fork(`kiosk ${i}`);
    const k = kiosk(rng, `${opts.idPrefix}${String(i + 1).padStart(3, '0')}`, offices, opts);
    let history: PanelHistory = emptyHistory();
    const planned = pressTimes(rng, k, opts).map((p) => {
      const flagged = flagPress(history, p.at, DEFAULT_MISUSE_RULES);
      history = flagged.history;
      return { at: Math.round(p.at), panel: k.panel.id, button: p.button, flags: flagged.flags, uptimeMs: Math.round(p.at - k.bootAt), misuse: p.misuse };
    });
    kiosks.push(k);
    presses.set(k.id, planned);
  }
  return { from: opts.from, to: opts.to, kiosks, presses };
}

export function planTotals(plan: FleetPlan): { presses: number; good: number; neutral: number; bad: number; flagged: number; misuse: number; offlineKiosks: number } {
  const all = [...plan.presses.values()].flat();
  const count = (b: Button) => all.filter((p) => p.button === b).length;
  return {
    presses: all.length, good: count('good'), neutral: count('neutral'), bad: count('bad'),
    flagged: all.filter((p) => p.flags.length > 0).length, misuse: all.filter((p) => p.misuse).length,
    offlineKiosks: plan.kiosks.filter((k) => k.offline.length > 0).length,
  };
}
