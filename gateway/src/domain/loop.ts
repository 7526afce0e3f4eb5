/**
 * The closed loop's records (issue 13): corrective actions (interventions), versioned reference values per
 * business type, and mystery-shopper visits. Dates are local calendar dates YYYY-MM-DD.
 */
import type { PanelKind } from '../../../shared/src/index.js';
import type { Visit } from '../../../shared/src/visit-schema.js';

export const INTERVENTION_KINDS = ['training', 'process-change', 'product-change', 'premises'] as const;
export type InterventionKind = (typeof INTERVENTION_KINDS)[number];
export type InterventionLevel = 'employee' | 'desk' | 'office';

export interface Intervention {
  id: string;
  subject: { level: InterventionLevel; id: string };
  /** The subject's office (its own id for an office): what scoped keys see it by. */
  officeId: string | null;
  date: string;
  kind: InterventionKind;
  description: string;
  /** The name of the API key that recorded it. */
  who: string;
  createdAt: string;
}

/** The indices a reference value can be given for. */
export type ReferenceIndex = 'ink' | 'iel' | 'csat' | 'coverage';
/** Per panel kind, per index: ИНК, CSAT and coverage as proportions 0…1, ИЭЛ in −100…100. */
export type ReferenceValues = Partial<Record<PanelKind, Partial<Record<ReferenceIndex, number>>>>;

/** One version of a business type's reference values; a new PUT makes the next version, never overwrites. */
export interface ReferenceVersion {
  businessType: string;
  version: number;
  values: ReferenceValues;
  note: string | null;
  createdBy: string;
  createdAt: string;
}

/** A mystery-shopper visit: its shape is the API's (shared/src/visit-schema.ts). */
export type MysteryShop = Visit;
