/**
 * The organisation, in domain terms: regions, offices, desks, employees, who sat at which desk when,
 * which panel scores for what, and the company's scoring settings. Times are epoch ms.
 */
import type { MisuseRules, PanelKind } from '../../../shared/src/index.js';

export interface CompanySettings {
  k: number;
  neutralCountsAsDissatisfied: boolean;
  minSample: number;
  misuse: MisuseRules;
}

export interface Region {
  id: string;
  name: string;
}
export interface Office {
  id: string;
  name: string;
  timeZone: string;
  regionId: string | null;
  k: number | null;
  /** Bank, retail, clinic, …: whose reference values its scores are compared with; null: the company's. */
  businessType?: string | null;
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
  /** The name as the staff question says it (e.g. the genitive «Елены Ивановой»); null: `name`. */
  questionName?: string | null;
}

/** An employee at a desk over [from, to): half-open, so at a shift change the incoming employee has the desk. */
export interface DeskAssignment {
  deskId: string;
  employeeId: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive; null = still assigned. */
  to: number | null;
}
export interface Assignment extends DeskAssignment {
  id: string;
}

/** A kiosk's panel scores for an office, or (staff panels) for a desk of it. */
export interface PanelBinding {
  kioskId: string;
  panel: string;
  kind: PanelKind;
  officeId: string;
  deskId: string | null;
}

/** What a queue system tells: an operator (employee) opened or closed a desk, called or served a ticket at it. */
export interface QueueEvent {
  /** The queue system's id for the event: a repeat is recognised and ignored. */
  id: string;
  type: 'opened' | 'closed' | 'called' | 'served';
  deskId: string;
  employeeId: string;
  ticket?: string;
  /** Epoch ms. */
  at: number;
}

export type OrgKind = 'region' | 'office' | 'desk' | 'employee';
export type OrgEntity<K extends OrgKind> = K extends 'region' ? Region : K extends 'office' ? Office : K extends 'desk' ? Desk : Employee;

/** The office an entity belongs to (for scoping); regions have none. */
export function officeOf(kind: OrgKind, e: OrgEntity<OrgKind>): string | null {
  if (kind === 'office') return e.id;
  if (kind === 'desk' || kind === 'employee') return (e as { officeId: string | null }).officeId;
  return null;
}
