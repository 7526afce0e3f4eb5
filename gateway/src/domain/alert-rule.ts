/**
 * Alert rules and their verdicts, pure (docs/console.md#alerts): what a rule says, the checks between its
 * fields that a schema cannot express, and the judgement of one subject's counts or one kiosk's health.
 * The engine (../alerts/engine.ts) reads the counts and writes the alerts; durations and auto-close, which
 * need memory, are decided there from the stored condition times.
 */
import { cusumShift, significantShift, type CusumState } from '../../../shared/src/alert-stats.js';
import { inkEstimate, type Button, type PanelKind } from '../../../shared/src/index.js';
import type { HealthProblem } from './kiosk-health.js';
import type { RawCounts } from './score.js';

export type AlertScopeLevel = 'company' | 'region' | 'office' | 'desk' | 'employee';
export type AlertRuleKind = 'share' | 'index' | 'count' | 'fleet';
export type FleetCondition = 'offline' | 'board-disconnected' | 'backlog-growing' | 'clock-unsynced';
export const FLEET_CONDITIONS: readonly FleetCondition[] = ['offline', 'board-disconnected', 'backlog-growing', 'clock-unsynced'];

/** A rule as a user writes it (the API body). Fields not of its kind are refused by `ruleProblems`. */
export interface AlertRuleSpec {
  name: string;
  kind: AlertRuleKind;
  /** Whose presses; a fleet rule watches each kiosk of the company, of one office or of one desk. */
  scope: { level: AlertScopeLevel; id?: string };
  mode?: 'threshold' | 'statistical';
  enabled?: boolean;
  /** Which panels' presses count (share, count; csat). Default: every kind. */
  panelKind?: PanelKind | 'any';
  /** share, count, index: the sliding window, minutes back from now. */
  windowMinutes?: number;
  /** share/index: a proportion in [0, 1]; count: N presses. Statistical share rules may leave it out. */
  threshold?: number;
  /** share: `negative` watches bad (or neutral+bad) presses, `positive` good ones. */
  direction?: 'negative' | 'positive';
  includeNeutral?: boolean;
  /** index: which one, and on which side of the threshold it must stay for `durationMinutes`. */
  index?: 'ink-staff' | 'ink-office' | 'csat';
  comparison?: 'above' | 'below';
  durationMinutes?: number;
  /** count: the button counted. */
  button?: Button;
  /** fleet: the kiosk health problem, and for how long. */
  condition?: FleetCondition;
  forMinutes?: number;
  /**
   * statistical: the one-sided two-proportion test of the window against the baseline (`test`, default) or
   * a Bernoulli CUSUM of the window's presses in time order (`cusum`), at `confidence`; baseline length.
   */
  statistic?: 'test' | 'cusum';
  /** cusum: the shift it watches for, as an odds ratio over the baseline's share (default 2: odds doubled). */
  oddsRatio?: number;
  confidence?: number;
  baselineDays?: number;
  /** The least counted presses in the window for a verdict (statistical: default the company's minSample). */
  minSample?: number;
  /** Condition clear for this long → the gateway closes the alert. Absent: people close it. */
  autoCloseAfterMinutes?: number;
}

export interface AlertRule extends AlertRuleSpec {
  id: string;
  mode: 'threshold' | 'statistical';
  enabled: boolean;
  /** The offices the scope covered when saved; [] = company-wide. */
  officeIds: string[];
  createdAt: string;
  createdBy: string | null;
  updatedAt: string;
}

const FIELDS: Record<AlertRuleKind, readonly (keyof AlertRuleSpec)[]> = {
  share: [
    'windowMinutes',
    'threshold',
    'direction',
    'includeNeutral',
    'panelKind',
    'statistic',
    'oddsRatio',
    'confidence',
    'baselineDays',
    'minSample',
  ],
  index: ['windowMinutes', 'threshold', 'index', 'comparison', 'durationMinutes', 'panelKind', 'minSample'],
  count: ['windowMinutes', 'threshold', 'button', 'panelKind'],
  fleet: ['condition', 'forMinutes'],
};
const COMMON: readonly (keyof AlertRuleSpec)[] = ['name', 'kind', 'scope', 'mode', 'enabled', 'autoCloseAfterMinutes'];

/** What is wrong with a rule beyond its fields' types and ranges (the API schema checks those); [] if nothing. */
export function ruleProblems(r: AlertRuleSpec): string[] {
  const problems: string[] = [];
  const allowed = new Set([...COMMON, ...FIELDS[r.kind]]);
  for (const key of Object.keys(r) as (keyof AlertRuleSpec)[]) {
    if (r[key] !== undefined && !allowed.has(key)) problems.push(`${key}: not a field of a ${r.kind} rule`);
  }
  const need = (key: keyof AlertRuleSpec, why: string) => {
    if (r[key] === undefined) problems.push(`${key}: required ${why}`);
  };
  if (r.scope.level === 'company' ? r.scope.id !== undefined : r.scope.id === undefined) {
    problems.push(r.scope.level === 'company' ? 'scope.id: a company scope has no id' : `scope.id: required for a ${r.scope.level} scope`);
  }
  if (r.kind === 'fleet' && r.scope.level !== 'company' && r.scope.level !== 'office' && r.scope.level !== 'desk') {
    problems.push('scope.level: a fleet rule watches the kiosks of the company, of one office or of one desk');
  }
  if (r.mode === 'statistical' && r.kind !== 'share') problems.push(`mode: statistical applies to share rules, not ${r.kind}`);
  for (const key of ['statistic', 'oddsRatio'] as const) {
    if (r.kind === 'share' && r.mode !== 'statistical' && r[key] !== undefined) problems.push(`${key}: only for statistical rules`);
  }
  if (r.oddsRatio !== undefined && r.statistic !== 'cusum') problems.push('oddsRatio: only for statistic cusum');
  if (r.kind !== 'fleet') need('windowMinutes', `for a ${r.kind} rule`);
  if (r.kind === 'share' && r.mode !== 'statistical') need('threshold', 'for a threshold share rule');
  if (r.kind === 'share' && r.includeNeutral && r.direction === 'positive') problems.push('includeNeutral: only for negative share rules');
  if (r.kind === 'index') {
    need('threshold', 'for an index rule');
    need('index', 'for an index rule');
    need('comparison', 'for an index rule');
    if (r.index !== 'csat' && r.panelKind !== undefined) problems.push(`panelKind: ${r.index} has its own panel kind`);
  }
  if ((r.kind === 'share' || r.kind === 'index') && r.threshold !== undefined && !(r.threshold >= 0 && r.threshold <= 1)) {
    problems.push(`threshold: a share between 0 and 1, got ${r.threshold}`);
  }
  if (r.kind === 'count') {
    need('threshold', 'for a count rule (N presses)');
    need('button', 'for a count rule');
    if (r.threshold !== undefined && !(Number.isInteger(r.threshold) && r.threshold >= 1))
      problems.push('threshold: a count of at least 1');
  }
  if (r.kind === 'fleet') need('condition', 'for a fleet rule');
  return problems;
}

/** The rule with its defaults filled in. */
export function withDefaults(r: AlertRuleSpec): AlertRuleSpec & { mode: 'threshold' | 'statistical'; enabled: boolean } {
  return { ...r, mode: r.mode ?? 'threshold', enabled: r.enabled ?? true };
}

export const DEFAULT_CONFIDENCE = 0.95;
export const DEFAULT_BASELINE_DAYS = 28;
export const DEFAULT_ODDS_RATIO = 2;

/** What an alert says about why it fired: the figures a person needs to trust it. */
export interface Evidence {
  window: { from: string; to: string; minutes: number };
  /** Counted presses in the window (share, index), or the count (count rules). */
  n?: number;
  x?: number;
  share?: number;
  count?: number;
  index?: number;
  threshold?: number;
  comparison?: 'above' | 'below';
  baseline?: { n: number; x: number; share: number | null; days: number };
  z?: number;
  pValue?: number;
  /** statistic cusum: the CUSUM at the window's last press, its limit, p₀ and the watched p₁. */
  cusum?: CusumState;
  confidence?: number;
  minSample?: number;
  /** Fleet rules: the health problem and since when. */
  problem?: { rule: FleetCondition; since: string | null; detail: string };
}

export interface Verdict {
  breach: boolean;
  evidence: Evidence;
  /** Why not, in a word (small-sample, no-baseline, not-significant, …); absent on a breach. */
  reason?: string;
}

export interface CountsInput {
  /** Counted presses in the window, by panel kind as the rule chose. */
  window: RawCounts;
  /** statistical: the baseline period's counted presses. */
  baseline?: RawCounts;
  /** statistic cusum: the window's counted presses' buttons in time order. */
  sequence?: readonly Button[];
  from: number;
  to: number;
  /** Company settings: minSample (statistical default) and neutralCountsAsDissatisfied (ИНК). */
  settings: { minSample: number; neutralCountsAsDissatisfied: boolean };
}

const total = (c: RawCounts) => c.good + c.neutral + c.bad;

/** A share, count or index rule's verdict on one subject's counts. */
export function judgeCounts(rule: AlertRule, input: CountsInput): Verdict {
  const { window: w, settings } = input;
  const n = total(w);
  const evidence: Evidence = {
    window: { from: new Date(input.from).toISOString(), to: new Date(input.to).toISOString(), minutes: rule.windowMinutes ?? 0 },
  };
  if (rule.kind === 'count') {
    const count = w[rule.button ?? 'bad'];
    return { breach: count >= rule.threshold!, evidence: { ...evidence, count, threshold: rule.threshold! } };
  }
  if (rule.kind === 'index') {
    const minSample = rule.minSample ?? 1;
    const value =
      rule.index === 'csat'
        ? n === 0
          ? null
          : w.good / n
        : (inkEstimate({ ...w, total: n, excluded: w.excluded }, undefined, { ...settings, k: 0, minSample })?.value ?? null);
    const e = {
      ...evidence,
      n,
      threshold: rule.threshold!,
      comparison: rule.comparison!,
      minSample,
      ...(value === null ? {} : { index: value }),
    };
    if (value === null || n < minSample) return { breach: false, evidence: e, reason: 'small-sample' };
    const breach = rule.comparison === 'above' ? value > rule.threshold! : value < rule.threshold!;
    return { breach, evidence: e };
  }
  // share
  const positive = rule.direction === 'positive';
  const x = positive ? w.good : w.bad + (rule.includeNeutral ? w.neutral : 0);
  const share = n === 0 ? undefined : x / n;
  const aboveThreshold = rule.threshold === undefined || (share !== undefined && share > rule.threshold);
  if (rule.mode === 'statistical') {
    const minSample = rule.minSample ?? settings.minSample;
    const confidence = rule.confidence ?? DEFAULT_CONFIDENCE;
    const b = input.baseline ?? { good: 0, neutral: 0, bad: 0, excluded: 0 };
    const bn = total(b);
    const bx = positive ? b.good : b.bad + (rule.includeNeutral ? b.neutral : 0);
    const cusum = rule.statistic === 'cusum';
    const watched = (b: Button) => (positive ? b === 'good' : b === 'bad' || (rule.includeNeutral === true && b === 'neutral'));
    const v = cusum
      ? cusumShift(
          (input.sequence ?? []).map(watched),
          { x: bx, n: bn },
          { confidence, minSample, oddsRatio: rule.oddsRatio ?? DEFAULT_ODDS_RATIO },
        )
      : significantShift({ x, n }, { x: bx, n: bn }, 'greater', { confidence, minSample });
    const e: Evidence = {
      ...evidence,
      n,
      x,
      ...(share === undefined ? {} : { share }),
      ...(rule.threshold === undefined ? {} : { threshold: rule.threshold }),
      baseline: { n: bn, x: bx, share: bn === 0 ? null : bx / bn, days: rule.baselineDays ?? DEFAULT_BASELINE_DAYS },
      ...('test' in v && v.test ? { z: v.test.z, pValue: v.test.pValue } : {}),
      ...('cusum' in v && v.cusum ? { cusum: v.cusum } : {}),
      confidence,
      minSample,
    };
    if (!v.significant) return { breach: false, evidence: e, reason: v.reason };
    return aboveThreshold ? { breach: true, evidence: e } : { breach: false, evidence: e, reason: 'below-threshold' };
  }
  const minSample = rule.minSample ?? 1;
  const e: Evidence = { ...evidence, n, x, ...(share === undefined ? {} : { share }), threshold: rule.threshold!, minSample };
  if (n < minSample || n === 0) return { breach: false, evidence: e, reason: 'small-sample' };
  return { breach: aboveThreshold, evidence: e };
}

/** A fleet rule's verdict on one kiosk's health problems (domain/kiosk-health.ts). */
export function judgeKiosk(rule: AlertRule, problems: readonly HealthProblem[], now: number): Verdict {
  const p = problems.find((x) => x.rule === rule.condition);
  const evidence: Evidence = { window: { from: new Date(now).toISOString(), to: new Date(now).toISOString(), minutes: 0 } };
  if (!p) return { breach: false, evidence, reason: 'healthy' };
  return { breach: true, evidence: { ...evidence, problem: { rule: rule.condition!, since: p.since, detail: p.detail } } };
}

/**
 * How long a breach must have held before the alert opens: index rules' duration, fleet rules' minutes
 * (counted from the problem's own `since` when the health rules know it), none for the others.
 */
export function holdMs(rule: AlertRule): number {
  if (rule.kind === 'index') return (rule.durationMinutes ?? 0) * 60_000;
  if (rule.kind === 'fleet') return (rule.forMinutes ?? 0) * 60_000;
  return 0;
}

export type Severity = 'negative' | 'positive' | 'fleet';

export function severityOf(rule: AlertRule): Severity {
  if (rule.kind === 'fleet') return 'fleet';
  if (rule.kind === 'share') return rule.direction === 'positive' ? 'positive' : 'negative';
  if (rule.kind === 'count') return rule.button === 'good' ? 'positive' : 'negative';
  // A high ИНК is dissatisfaction; a high CSAT satisfaction.
  const high = rule.comparison === 'above';
  return (rule.index === 'csat') === high ? 'positive' : 'negative';
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v * 1000) / 10} %`);

/** The alert's one-line title in English and Russian. `subject` names who (office msk, kiosk k-1…). */
export function alertTitle(rule: AlertRule, e: Evidence, subject: { en: string; ru: string }): { en: string; ru: string } {
  const win = `${rule.windowMinutes} min`;
  const winRu = `${rule.windowMinutes} мин`;
  switch (rule.kind) {
    case 'share': {
      const what =
        rule.direction === 'positive'
          ? ['good', 'хороших']
          : rule.includeNeutral
            ? ['neutral+bad', 'нейтральных и плохих']
            : ['bad', 'плохих'];
      const evidence = e.cusum ? `CUSUM ${e.cusum.value.toFixed(2)} ≥ ${e.cusum.limit.toFixed(2)}` : `p = ${e.pValue?.toPrecision(2)}`;
      const base = e.baseline ? ` vs ${pct(e.baseline.share ?? undefined)} baseline, ${evidence}` : '';
      const baseRu = e.baseline ? ` против ${pct(e.baseline.share ?? undefined)} обычно, ${evidence}` : '';
      return {
        en: `${subject.en}: ${what[0]} share ${pct(e.share)} (${e.x} of ${e.n}) in ${win}${base}`,
        ru: `${subject.ru}: доля ${what[1]} оценок ${pct(e.share)} (${e.x} из ${e.n}) за ${winRu}${baseRu}`,
      };
    }
    case 'index': {
      const name = {
        'ink-staff': ['ИНК Персонал (staff)', 'ИНК Персонал'],
        'ink-office': ['ИНК Офис (office)', 'ИНК Офис'],
        csat: ['CSAT', 'CSAT'],
      }[rule.index!];
      const side = rule.comparison === 'above' ? ['above', 'выше'] : ['below', 'ниже'];
      return {
        en: `${subject.en}: ${name[0]} ${pct(e.index)} ${side[0]} ${pct(rule.threshold)} for ${rule.durationMinutes ?? 0} min`,
        ru: `${subject.ru}: ${name[1]} ${pct(e.index)} ${side[1]} ${pct(rule.threshold)} в течение ${rule.durationMinutes ?? 0} мин`,
      };
    }
    case 'count': {
      const b = { good: ['good', 'хороших'], neutral: ['neutral', 'нейтральных'], bad: ['bad', 'плохих'] }[rule.button!];
      return { en: `${subject.en}: ${e.count} ${b[0]} presses in ${win}`, ru: `${subject.ru}: ${e.count} ${b[1]} оценок за ${winRu}` };
    }
    case 'fleet': {
      const c = {
        offline: ['offline', 'не в сети'],
        'board-disconnected': ['board disconnected', 'плата отключена'],
        'backlog-growing': ['backlog growing', 'растёт очередь'],
        'clock-unsynced': ['clock not synchronised', 'часы не синхронизированы'],
      }[rule.condition!];
      return { en: `${subject.en}: ${c[0]} (${e.problem?.detail ?? ''})`, ru: `${subject.ru}: ${c[1]}` };
    }
  }
}
