/**
 * The alert engine: judges every enabled rule against the store and opens, keeps or closes alerts
 * (docs/console.md#alerts). Two triggers: committed presses (PressFeed) re-evaluate the rules whose scope
 * covers the kiosk's offices, coalesced to at most once per `coalesceMs` for all of them; and a periodic
 * tick re-evaluates every rule for what time alone changes (windows sliding past, durations, fleet
 * health, auto-close). Counts come from the stored presses and rollups, never from memory, and the
 * conditions' times are stored too: several gateways reach the same verdicts and a restart loses nothing.
 * The database keeps it to one open alert per rule and subject when gateways race.
 * One evaluation runs at a time per gateway; each is a few indexed queries.
 */
import type { Logger } from 'pino';
import { ulid } from 'ulid';
import type { HealthThresholds, PanelKind } from '../../../shared/src/index.js';
import {
  alertTitle,
  DEFAULT_BASELINE_DAYS,
  holdMs,
  judgeCounts,
  judgeKiosk,
  severityOf,
  type AlertRule,
  type Verdict,
} from '../domain/alert-rule.js';
import { kioskHealth } from '../domain/kiosk-health.js';
import { slicer } from '../lib/event-loop.js';
import type { FeedItem, PressFeed } from '../lib/press-feed.js';
import type { AlertSubject, CountTarget } from '../store/alerts.js';
import type { Store } from '../store/store.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Presses stamped a little ahead of the gateway's clock still fall in "now"'s window. */
const CLOCK_SLACK_MS = MINUTE;
const OFFICES_TTL_MS = 60_000;
const KIOSK_PAGE = 500;

export interface AlertEngineOptions {
  tickMs: number;
  health: HealthThresholds;
  log: Logger;
  /** A rule is re-evaluated after presses at most this often. */
  coalesceMs?: number;
}

const LEVEL_NAMES: Record<AlertSubject['scope']['level'], [string, string]> = {
  company: ['Company', 'Компания'],
  region: ['Region', 'Регион'],
  office: ['Office', 'Офис'],
  desk: ['Desk', 'Стойка'],
  employee: ['Employee', 'Сотрудник'],
  kiosk: ['Kiosk', 'Киоск'],
};

export class AlertEngine {
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pressTimer: NodeJS.Timeout | undefined;
  private pressedKiosks = new Set<string>();
  private kioskOffices = new Map<string, { offices: string[]; at: number }>();
  /** Evaluations run one after another: `work` is the tail of the chain. */
  private work: Promise<void> = Promise.resolve();
  private ticking = false;
  private stopped = false;
  private readonly coalesceMs: number;

  constructor(
    private readonly store: Store,
    private readonly opts: AlertEngineOptions,
  ) {
    this.coalesceMs = opts.coalesceMs ?? 250;
  }

  start(feed: PressFeed): void {
    this.unsubscribe = feed.subscribe((items) => this.onFeed(items));
    this.timer = setInterval(() => this.tick(), this.opts.tickMs).unref();
  }

  /** Stops both triggers and waits for the evaluation under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearInterval(this.timer);
    clearTimeout(this.pressTimer);
    await this.work;
  }

  /** Resolves when the evaluations queued so far are done (tests, shutdown). */
  idle(): Promise<void> {
    return this.work;
  }

  /** Re-evaluates every enabled rule (the periodic trigger; a tick still running makes the next one skip). */
  tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.work;
    this.ticking = true;
    return this.enqueue(async () => {
      try {
        const now = Date.now();
        for (const rule of await this.store.alerts.listRules()) if (rule.enabled) await this.evaluate(rule, now);
      } finally {
        this.ticking = false;
      }
    });
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.work = this.work.then(job).catch((err: Error) => this.opts.log.error({ err }, 'alert evaluation failed'));
    return this.work;
  }

  /** Quick and never throws (PressFeed's rule): notes the kiosks, evaluates once the coalescing delay is over. */
  private onFeed(items: readonly FeedItem[]): void {
    for (const item of items) if (item.kind === 'presses' && item.events.length > 0) this.pressedKiosks.add(item.kioskId);
    if (this.pressedKiosks.size === 0 || this.pressTimer || this.stopped) return;
    this.pressTimer = setTimeout(() => {
      this.pressTimer = undefined;
      const kiosks = [...this.pressedKiosks];
      this.pressedKiosks.clear();
      void this.enqueue(() => this.afterPresses(kiosks));
    }, this.coalesceMs);
  }

  private async afterPresses(kioskIds: string[]): Promise<void> {
    const offices = new Set<string>();
    for (const id of kioskIds) for (const o of await this.officesOf(id)) offices.add(o);
    const now = Date.now();
    for (const rule of await this.store.alerts.listRules()) {
      if (!rule.enabled || rule.kind === 'fleet') continue;
      // Company and region rules (whose regions may have gained offices) always; the others by office.
      const covers = rule.scope.level === 'company' || rule.scope.level === 'region' || rule.officeIds.some((o) => offices.has(o));
      if (covers) await this.evaluate(rule, now);
    }
  }

  private async officesOf(kioskId: string): Promise<string[]> {
    const cached = this.kioskOffices.get(kioskId);
    if (cached && Date.now() - cached.at < OFFICES_TTL_MS) return cached.offices;
    const offices = (await this.store.kioskOffices(kioskId)) ?? [];
    this.kioskOffices.set(kioskId, { offices, at: Date.now() });
    return offices;
  }

  /** One rule, every subject of it, as of `now`. */
  async evaluate(rule: AlertRule, now: number): Promise<void> {
    const [conditions, open] = await Promise.all([this.store.alerts.conditions(rule.id), this.store.alerts.openAlerts(rule.id)]);
    const step = async (subject: AlertSubject, verdict: Verdict) => {
      const cond = conditions.get(subject.key);
      const alert = open.get(subject.key);
      const nowIso = new Date(now).toISOString();
      if (verdict.breach) {
        if (!cond?.breachSince) await this.store.alerts.markCondition(rule.id, subject.key, 'breach', nowIso);
        let heldFrom = Date.parse(cond?.breachSince ?? nowIso);
        const problemSince = verdict.evidence.problem?.since;
        if (problemSince) heldFrom = Math.min(heldFrom, Date.parse(problemSince));
        if (!alert && now - heldFrom >= holdMs(rule)) await this.open(rule, subject, verdict, nowIso);
        return;
      }
      if (!alert) {
        if (cond) await this.store.alerts.markCondition(rule.id, subject.key, 'forget', nowIso);
        return;
      }
      if (!cond?.clearSince) await this.store.alerts.markCondition(rule.id, subject.key, 'clear', nowIso);
      const clearFrom = Date.parse(cond?.clearSince ?? nowIso);
      if (rule.autoCloseAfterMinutes !== undefined && now - clearFrom >= rule.autoCloseAfterMinutes * MINUTE) {
        const closed = await this.store.alerts.close(alert.id, null);
        if (closed.ok) this.opts.log.info({ alert: alert.id, rule: rule.id, subject: subject.key }, 'alert closed: condition cleared');
        await this.store.alerts.markCondition(rule.id, subject.key, 'forget', nowIso);
      }
    };
    if (rule.kind === 'fleet') {
      await this.evaluateFleet(rule, now, step);
      return;
    }
    const subject = await this.subjectOf(rule);
    if (!subject) return; // its region, desk or employee was deleted: nothing to judge
    await step(subject.subject, await this.judge(rule, subject.target, now));
  }

  private async judge(rule: AlertRule, target: CountTarget, now: number): Promise<Verdict> {
    const from = now - (rule.windowMinutes ?? 0) * MINUTE;
    const settings = await this.store.getSettings();
    const cusum = rule.mode === 'statistical' && rule.statistic === 'cusum';
    const [window, sequence, baseline] = await Promise.all([
      this.store.alerts.windowCounts(target, from, now + CLOCK_SLACK_MS),
      cusum ? this.store.alerts.windowButtons(target, from, now + CLOCK_SLACK_MS) : undefined,
      rule.mode === 'statistical'
        ? // Whole local hours before the window's own: the baseline never overlaps the window.
          this.store.alerts.baselineCounts(target, from - (rule.baselineDays ?? DEFAULT_BASELINE_DAYS) * DAY, from - HOUR + 1)
        : undefined,
    ]);
    return judgeCounts(rule, { window, ...(baseline ? { baseline } : {}), ...(sequence ? { sequence } : {}), from, to: now, settings });
  }

  /** The subject and whose presses it counts; undefined when the scope's entity is gone. */
  private async subjectOf(rule: AlertRule): Promise<{ subject: AlertSubject; target: CountTarget } | undefined> {
    const panelKind: PanelKind | undefined =
      rule.kind === 'index' && rule.index !== 'csat'
        ? rule.index === 'ink-staff'
          ? 'staff'
          : 'office'
        : rule.panelKind === undefined || rule.panelKind === 'any'
          ? undefined
          : rule.panelKind;
    const kind = panelKind ? { panelKind } : {};
    const { level, id } = rule.scope;
    const key = `${level}:${id ?? ''}`;
    switch (level) {
      case 'company':
        return { subject: { key, scope: { level, id: null }, officeIds: [] }, target: kind };
      case 'region': {
        if (!(await this.store.getOrg('region', id!))) return undefined;
        const offices = await this.store.officesInRegions([id!]);
        return { subject: { key, scope: { level, id: id! }, officeIds: offices }, target: { officeIds: offices, ...kind } };
      }
      case 'office':
        return { subject: { key, scope: { level, id: id! }, officeIds: [id!] }, target: { officeIds: [id!], ...kind } };
      case 'desk': {
        const desk = await this.store.getOrg('desk', id!);
        if (!desk) return undefined;
        return {
          subject: { key, scope: { level, id: id! }, officeIds: [desk.officeId] },
          target: { officeIds: [desk.officeId], deskId: id!, ...kind },
        };
      }
      case 'employee': {
        const employee = await this.store.getOrg('employee', id!);
        if (!employee) return undefined;
        const officeIds = employee.officeId ? [employee.officeId] : [];
        // An employee without an office: every office's presses, by employee.
        return {
          subject: { key, scope: { level, id: id! }, officeIds },
          target: { ...(officeIds.length ? { officeIds } : {}), employeeId: id!, ...kind },
        };
      }
    }
  }

  /** Each kiosk of the rule's scope, a page at a time, giving the event loop a turn between kiosks. */
  private async evaluateFleet(rule: AlertRule, now: number, step: (s: AlertSubject, v: Verdict) => Promise<void>): Promise<void> {
    const { level, id } = rule.scope;
    // An office's kiosks, or the kiosks with a panel bound to the desk (its office saved with the rule).
    const offices = level === 'office' ? [id!] : level === 'desk' ? rule.officeIds : undefined;
    const pause = slicer();
    let after: string | undefined;
    for (;;) {
      const page =
        level === 'desk'
          ? await this.store.listKiosks(after, KIOSK_PAGE, undefined, { desk: id! })
          : await this.store.listKiosks(after, KIOSK_PAGE, offices);
      for (const k of page) {
        const health = kioskHealth({ status: k.status, track: k.track, thresholds: this.opts.health, now });
        const officeIds = offices ?? (k.officeId ? [k.officeId] : []);
        await step({ key: `kiosk:${k.id}`, scope: { level: 'kiosk', id: k.id }, officeIds }, judgeKiosk(rule, health.problems, now));
        await pause();
      }
      if (page.length < KIOSK_PAGE) break;
      after = page[page.length - 1]!.id;
    }
  }

  private async open(rule: AlertRule, subject: AlertSubject, verdict: Verdict, at: string): Promise<void> {
    const [en, ru] = LEVEL_NAMES[subject.scope.level];
    let name = subject.scope.id ?? '';
    const level = subject.scope.level;
    if (level === 'region' || level === 'office' || level === 'desk' || level === 'employee') {
      name = (await this.store.getOrg(level, subject.scope.id!))?.name ?? name;
    }
    const who = { en: name ? `${en} ${name}` : en, ru: name ? `${ru} ${name}` : ru };
    const alert = await this.store.alerts.open({
      id: ulid(),
      ruleId: rule.id,
      ruleName: rule.name,
      subject: subject.key,
      scope: subject.scope,
      officeIds: subject.officeIds,
      severity: severityOf(rule),
      openedAt: at,
      title: alertTitle(rule, verdict.evidence, who),
      evidence: verdict.evidence,
    });
    if (alert) this.opts.log.info({ alert: alert.id, rule: rule.id, subject: subject.key, evidence: verdict.evidence }, 'alert opened');
  }
}
