/** The shapes of the API answers the pages read (see the OpenAPI document at /docs for all fields). */
import type { Counts, Score } from '../../shared/src/indices.js';
import type { Visit } from '../../shared/src/visit-schema.js';

export type { Counts, Score, Visit };
export type Kind = 'staff' | 'office' | 'loyalty';
export type Scores = Partial<Record<Kind, Score>>;

export interface PeriodScore {
  start: string;
  end: string;
  localStart?: string;
  localEnd?: string;
  scores: Scores;
  visitors: number | null;
  sales: number | null;
}

export interface Change {
  ink: number | null;
  inkQualified: number | null;
  iel: number | null;
  csat: number | null;
  coverage: number | null;
}

export interface SubjectScores {
  subject: { level: string; id: string | null };
  from: string;
  to: string;
  bucket: string;
  timeZone: string | null;
  total: PeriodScore;
  previous: PeriodScore;
  change: Partial<Record<Kind, Change>>;
  buckets: PeriodScore[];
  byHourOfDay: { hour: number; scores: Scores }[];
  /** Counts per local (weekday, hour) with presses (ISO weekday). */
  byWeekdayHour: { weekday: number; hour: number; counts: Partial<Record<Kind, Counts>> }[];
  byWeekday: { weekday: number; scores: Scores }[];
  timeUncertain: number;
  /** Employees: the mystery-shopper visits dated within the period and their mean score. */
  mysteryShopper?: { visits: Visit[]; meanScore: number | null };
}

export interface Office {
  id: string;
  name: string;
  timeZone: string;
  regionId: string | null;
  k: number | null;
  /** Whose reference values its scores are compared with (bank, retail, clinic, …); null: the company's. */
  businessType?: string | null;
}
export interface Region {
  id: string;
  name: string;
}
export interface Desk {
  id: string;
  officeId: string;
  name: string;
}
export interface Employee {
  id: string;
  name: string;
  officeId: string | null;
}
export interface Assignment {
  id: string;
  deskId: string;
  employeeId: string;
  from: string;
  to: string | null;
}
export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface RankingItem {
  rank: number;
  id: string;
  officeId: string | null;
  value: number;
  ci95: [number, number];
  n: number;
  counts: Counts;
  coverageKnown: boolean;
  /** index=inkQualified: dissatisfied presses still pending review. */
  pending?: number;
  /** change=true: value − its value over the previous period (null: not ranked then). */
  change?: number | null;
}
export interface Ranking {
  level: string;
  index: string;
  kind: Kind;
  basis: 'visitors' | 'presses';
  from: string;
  to: string;
  previous?: { from: string; to: string };
  items: RankingItem[];
  leftOut: number;
  leftOutReasons: { insufficientSample: number; visitorsUnknown: number };
  leftOutSubjects: { id: string; officeId: string | null; reason: 'insufficientSample' | 'visitorsUnknown' }[];
}

export interface Settings {
  k: number;
  neutralCountsAsDissatisfied: boolean;
  minSample: number;
}

/** A press on the live feed (GET /api/v1/live, event `press`). */
export interface LivePress {
  kioskId: string;
  officeId: string;
  deskId: string | null;
  employeeId: string | null;
  panel: string;
  kind: Kind;
  button: 'good' | 'neutral' | 'bad';
  at: string;
  eventId: string;
}
