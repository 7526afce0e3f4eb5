/**
 * Scheduled email reports: for each email subscription with report frequencies, each completed period
 * (day, ISO week, month) in each office's own time zone is made one delivery, keyed
 * `report:<subscription>:<frequency>:<first local date>` — unique in the database, so of several gateways
 * one makes it and the worker sends it once. A new subscription gets the last completed period at once;
 * after that every period from the one after the latest made, so periods that ended while every gateway
 * was down are caught up on start (at most MAX_CATCH_UP of them, the latest).
 * A region's (or the company's) period is the one completed in all its offices' zones.
 */
import type { Logger } from 'pino';
import type { Office } from '../domain/organisation.js';
import { type OfficeFigures, type ReportData, reportMail } from '../domain/report-render.js';
import { dayOf, formatDay, parseDate, startOfDay } from '../scoring/calendar.js';
import { bucketStart, nextBucketStart } from '../scoring/periods.js';
import { rankingRequest } from '../scoring/rankings.js';
import { officeSubject } from '../scoring/scores.js';
import type { AlertEventRow, ReportFrequency, Subscription } from '../store/deliveries.js';
import { ranking, subjectScores } from '../store/scores.js';
import type { Store } from '../store/store.js';

const BUCKET = { daily: 'day', weekly: 'week', monthly: 'month' } as const;
/** A gateway down for longer sends no more than this many missed periods per subscription and frequency. */
export const MAX_CATCH_UP = 7;

/**
 * The first local dates of the periods to make now: the last completed one for a subscription with none
 * made yet, else every period after the latest made up to the last completed (the latest MAX_CATCH_UP).
 */
export function periodsDue(lastMade: number | undefined, lastDone: number, zone: string, f: ReportFrequency): number[] {
  if (lastMade === undefined) return [lastDone];
  const due: number[] = [];
  for (let label = periodFrom(lastMade, zone, f).to; label <= lastDone; label = periodFrom(label, zone, f).to) {
    due.push(label);
    if (due.length > MAX_CATCH_UP) due.shift();
  }
  return due;
}

/** The first local date of the last period of this frequency that ended before `now` in `zone`. */
export function lastCompleted(now: number, zone: string, f: ReportFrequency): number {
  const current = bucketStart(now, zone, BUCKET[f]);
  return dayOf(bucketStart(current - 1, zone, BUCKET[f]), zone);
}

/** Local dates [from, to) of the period of frequency `f` starting on local date `from` in `zone`. */
export function periodFrom(from: number, zone: string, f: ReportFrequency): { from: number; to: number } {
  return { from, to: dayOf(nextBucketStart(startOfDay(from, zone), zone, BUCKET[f]), zone) };
}

export async function officesOf(store: Store, s: Subscription): Promise<Office[]> {
  const all = await store.listOrg('office', undefined, 1_000_000);
  if (s.scope.level === 'company') return all;
  const ids = s.scope.level === 'office' ? [s.scope.id ?? ''] : await store.officesInRegions([s.scope.id ?? '']);
  return all.filter((o) => ids.includes(o.id));
}

/** An office's figures over local dates [from, to): the scores API's own computation. */
export async function officeFigures(store: Store, office: Office, from: string, to: string): Promise<OfficeFigures> {
  const s = await subjectScores(store, officeSubject('office', office.id, office), { from, to, bucket: 'none' });
  const k = s.total.scores;
  return {
    id: office.id,
    name: office.name,
    timeZone: office.timeZone,
    from,
    to,
    staff: k.staff?.ink ?? null,
    office: k.office?.ink ?? null,
    loyalty: k.loyalty?.iel ?? null,
    coverage: k.office?.coverage ?? k.staff?.coverage ?? null,
    csat: k.office?.csat ?? k.staff?.csat ?? null,
    change: { staff: s.change.staff?.ink ?? null, office: s.change.office?.ink ?? null, loyalty: s.change.loyalty?.iel ?? null },
    presses: (k.staff?.counts.total ?? 0) + (k.office?.counts.total ?? 0) + (k.loyalty?.counts.total ?? 0),
  };
}

export function openAlertsFor(rows: AlertEventRow[], offices: readonly string[] | undefined): ReportData['openAlerts'] {
  return rows
    .filter((r) => offices === undefined || r.officeIds.some((o) => offices.includes(o)))
    .map((r) => {
      const a = (r.payload as { alert?: { title?: { en?: string; ru?: string }; severity?: string; openedAt?: string } }).alert ?? {};
      return { title: a.title ?? { en: r.alertId }, severity: a.severity, openedAt: a.openedAt };
    });
}

export async function buildReport(
  store: Store,
  s: Subscription,
  f: ReportFrequency,
  offices: Office[],
  label: number,
): Promise<ReportData> {
  const figures: OfficeFigures[] = [];
  for (const o of offices) {
    const p = periodFrom(label, o.timeZone, f);
    figures.push(await officeFigures(store, o, formatDay(p.from), formatDay(p.to)));
  }
  const ids = offices.map((o) => o.id);
  const span = periodFrom(label, offices[0]?.timeZone ?? 'UTC', f);
  const ranked = await ranking(
    store,
    rankingRequest({ level: 'employee', index: 'ink', from: formatDay(span.from), to: formatDay(span.to) }),
    {
      offices: ids,
      regions: [],
    },
  );
  const names = new Map<string, string>();
  for (const i of ranked.items.slice(0, 10)) names.set(i.id, (await store.getOrg('employee', i.id))?.name ?? i.id);
  const scopeName =
    s.scope.level === 'company'
      ? 'Company'
      : s.scope.level === 'office'
        ? (offices[0]?.name ?? s.scope.id ?? '')
        : ((await store.getOrg('region', s.scope.id ?? ''))?.name ?? s.scope.id ?? '');
  return {
    frequency: f,
    scopeName,
    offices: figures,
    ranking: ranked.items.slice(0, 10).map((i) => ({ rank: i.rank, name: names.get(i.id) ?? i.id, value: i.value, ci95: i.ci95, n: i.n })),
    leftOut: ranked.leftOut,
    openAlerts: openAlertsFor(await store.deliveries.openAlerts(), s.scope.level === 'company' ? undefined : ids),
  };
}

/** Makes the deliveries of every report now due; returns how many were new. */
export async function scheduleReports(store: Store, now: number, log: Logger, publicUrl?: string): Promise<number> {
  let made = 0;
  for (const s of await store.deliveries.listSubscriptions('email')) {
    if (!s.enabled || s.reports.length === 0) continue;
    const offices = await officesOf(store, s);
    if (offices.length === 0) continue;
    for (const f of s.reports) {
      const lastDone = Math.min(...offices.map((o) => lastCompleted(now, o.timeZone, f)));
      const latest = await store.deliveries.lastReportDate(s.id, f);
      const lastMade = latest === undefined ? undefined : parseDate(latest);
      for (const label of periodsDue(lastMade, lastDone, offices[0]!.timeZone, f)) {
        const idemKey = `report:${s.id}:${f}:${formatDay(label)}`;
        if (await store.deliveries.hasDelivery(idemKey)) continue;
        try {
          const data = await buildReport(store, s, f, offices, label);
          const payload = JSON.stringify(reportMail(data, s.language, publicUrl));
          // Unique key: of gateways racing for the same period, one inserts it; the others insert nothing.
          made += await store.deliveries.addDeliveries(
            [{ idemKey, subscriptionId: s.id, channel: 'email', target: s.target, officeIds: offices.map((o) => o.id), payload }],
            now,
          );
        } catch (err) {
          log.warn({ err, subscriptionId: s.id, frequency: f }, 'building a report failed; will try again');
          break; // the later periods wait for this one: a gap would never be filled
        }
      }
    }
  }
  return made;
}
