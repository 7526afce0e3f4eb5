/**
 * What delivery says, in Russian or English: alert mail, the scheduled report and the printable poster, each
 * as HTML (inline styles: mail clients drop <style> blocks unevenly) with a plain-text twin. Pure: the
 * figures come in, text goes out; no SQL, no I/O.
 */
import type { Estimate } from '../../../shared/src/indices.js';

export type Lang = 'en' | 'ru';

/** The methodology's terms, Russian first where it names them. */
const T = {
  en: {
    staff: 'ИНК Персонал (staff NPS-like index)',
    office: 'ИНК Офис (office index)',
    loyalty: 'ИЭЛ (loyalty index)',
    coverage: 'Coverage (охват)',
    csat: 'CSAT',
    change: 'change vs previous period',
    noData: 'insufficient data',
    ranking: 'Employees by ИНК Персонал',
    openAlerts: 'Open alerts',
    none: 'none',
    period: 'Period',
    report: { daily: 'Daily report', weekly: 'Weekly report', monthly: 'Monthly report' },
    alert: { opened: 'Alert opened', acknowledged: 'Alert acknowledged', commented: 'Alert comment', closed: 'Alert closed' },
    open: 'Open in the console',
    openOffice: 'Open the office in the console',
    by: 'by',
    presses: 'presses',
    poster: 'Our results',
    thanks: 'Thank you for your feedback!',
  },
  ru: {
    staff: 'ИНК Персонал',
    office: 'ИНК Офис',
    loyalty: 'ИЭЛ',
    coverage: 'Охват',
    csat: 'CSAT',
    change: 'изменение к прошлому периоду',
    noData: 'недостаточно данных',
    ranking: 'Сотрудники по ИНК Персонал',
    openAlerts: 'Открытые оповещения',
    none: 'нет',
    period: 'Период',
    report: { daily: 'Ежедневный отчёт', weekly: 'Еженедельный отчёт', monthly: 'Ежемесячный отчёт' },
    alert: {
      opened: 'Оповещение открыто',
      acknowledged: 'Оповещение принято',
      commented: 'Комментарий к оповещению',
      closed: 'Оповещение закрыто',
    },
    open: 'Открыть в консоли',
    openOffice: 'Открыть офис в консоли',
    by: 'автор',
    presses: 'нажатий',
    poster: 'Наши результаты',
    thanks: 'Спасибо за ваши оценки!',
  },
} as const;

export interface Rendered {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A share as a percentage, e.g. 42 % [35–49]; an index (ИНК may be negative) the same way. */
export function formatEstimate(e: Estimate | null | undefined, lang: Lang): string {
  if (!e) return T[lang].noData;
  const pct = (x: number) => `${Math.round(x * 100)}`;
  return `${pct(e.value)} % [${pct(e.ci95[0])}–${pct(e.ci95[1])}] (n = ${e.n})`;
}

function formatChange(delta: number | null | undefined): string {
  if (delta === null || delta === undefined) return '—';
  const points = Math.round(delta * 100);
  return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points)} pp`;
}

// ── alert mail ────────────────────────────────────────────────────────────────────────────────────

/** The alert_events payload (contract in the issue's brief); only what mail shows is typed. */
export interface AlertPayload {
  alert: {
    id: string;
    ruleName?: string;
    severity?: string;
    state?: string;
    openedAt?: string;
    title?: { en?: string; ru?: string };
    url?: string;
  };
  comment?: { by?: string; text?: string };
}

/**
 * A console page's absolute address: `publicUrl` (LB_PUBLIC_URL, no trailing slash) and the page's path
 * (`/#/alerts/…`). Undefined without a public URL: a relative link is dead in a mail client.
 */
export function consoleLink(publicUrl: string | undefined, path: string): string | undefined {
  return publicUrl ? `${publicUrl}${path.startsWith('/') ? '' : '/'}${path}` : undefined;
}

const anchor = (href: string, label: string) => `<p><a href="${escapeHtml(href)}">${escapeHtml(label)}</a></p>`;

export function alertMail(kind: string, p: AlertPayload, lang: Lang, publicUrl: string | undefined): Rendered {
  const t = T[lang];
  const what = t.alert[kind as keyof typeof t.alert] ?? kind;
  const title = p.alert.title?.[lang] ?? p.alert.title?.en ?? p.alert.ruleName ?? p.alert.id;
  const link = p.alert.url ? consoleLink(publicUrl, p.alert.url) : undefined;
  const lines = [
    `${what}: ${title}`,
    ...(p.alert.severity ? [`severity: ${p.alert.severity}`] : []),
    ...(p.alert.openedAt ? [`opened: ${p.alert.openedAt}`] : []),
    ...(p.comment?.text ? [`${t.by} ${p.comment.by ?? '?'}: ${p.comment.text}`] : []),
  ];
  const html = `<div style="font-family:sans-serif"><h2>${escapeHtml(what)}: ${escapeHtml(title)}</h2>${lines
    .slice(1)
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join('')}${link ? anchor(link, t.open) : ''}</div>`;
  if (link) lines.push(`${t.open}: ${link}`);
  return { subject: `[Loyalty Button] ${what}: ${title}`, text: `${lines.join('\n')}\n`, html };
}

// ── the scheduled report ──────────────────────────────────────────────────────────────────────────

export interface OfficeFigures {
  /** The office's id, for its console link. */
  id?: string;
  name: string;
  timeZone: string;
  /** Local dates, `to` exclusive. */
  from: string;
  to: string;
  staff: Estimate | null;
  office: Estimate | null;
  loyalty: Estimate | null;
  coverage: Estimate | null;
  csat: Estimate | null;
  change: { staff: number | null; office: number | null; loyalty: number | null };
  presses: number;
}
export interface ReportData {
  frequency: 'daily' | 'weekly' | 'monthly';
  scopeName: string;
  offices: OfficeFigures[];
  ranking: Array<{ rank: number; name: string; value: number; ci95: [number, number]; n: number }>;
  /** How many subjects had too few presses to rank. */
  leftOut: number;
  openAlerts: Array<{ title: { en?: string; ru?: string }; severity?: string; openedAt?: string }>;
}

export function reportMail(r: ReportData, lang: Lang, publicUrl?: string): Rendered {
  const t = T[lang];
  const period = r.offices[0] ? `${r.offices[0].from} – ${r.offices[0].to}` : '';
  const subject = `[Loyalty Button] ${t.report[r.frequency]}: ${r.scopeName} (${period})`;
  const text: string[] = [`${t.report[r.frequency]}: ${r.scopeName}`, ''];
  const html: string[] = [`<div style="font-family:sans-serif"><h1>${escapeHtml(t.report[r.frequency])}: ${escapeHtml(r.scopeName)}</h1>`];
  for (const o of r.offices) {
    const rows: Array<[string, string, string]> = [
      [t.staff, formatEstimate(o.staff, lang), formatChange(o.change.staff)],
      [t.office, formatEstimate(o.office, lang), formatChange(o.change.office)],
      [t.loyalty, formatEstimate(o.loyalty, lang), formatChange(o.change.loyalty)],
      [t.coverage, formatEstimate(o.coverage, lang), ''],
      [t.csat, formatEstimate(o.csat, lang), ''],
    ];
    text.push(`${o.name} — ${t.period}: ${o.from} – ${o.to} (${o.timeZone}), ${o.presses} ${t.presses}`);
    for (const [name, value, change] of rows) text.push(`  ${name}: ${value}${change ? `; ${t.change}: ${change}` : ''}`);
    const link = o.id ? consoleLink(publicUrl, `/#/offices/${encodeURIComponent(o.id)}?from=${o.from}&to=${o.to}`) : undefined;
    if (link) text.push(`  ${t.openOffice}: ${link}`);
    text.push('');
    html.push(
      `<h2>${escapeHtml(o.name)}</h2><p>${escapeHtml(`${t.period}: ${o.from} – ${o.to} (${o.timeZone}), ${o.presses} ${t.presses}`)}</p>`,
      `<table style="border-collapse:collapse" cellpadding="4"><tr><th></th><th></th><th>${escapeHtml(t.change)}</th></tr>${rows
        .map(([n, v, c]) => `<tr><td>${escapeHtml(n)}</td><td><b>${escapeHtml(v)}</b></td><td>${escapeHtml(c)}</td></tr>`)
        .join('')}</table>`,
      link ? anchor(link, t.openOffice) : '',
    );
  }
  text.push(`${t.ranking}:`);
  html.push(`<h2>${escapeHtml(t.ranking)}</h2>`);
  if (r.ranking.length === 0) text.push(`  ${t.noData}`), html.push(`<p>${escapeHtml(t.noData)}</p>`);
  else {
    const items = r.ranking.map((i) => `${i.rank}. ${i.name}: ${formatEstimate({ value: i.value, ci95: i.ci95, n: i.n }, lang)}`);
    text.push(...items.map((i) => `  ${i}`));
    html.push(`<ol>${items.map((i) => `<li>${escapeHtml(i.replace(/^\d+\. /, ''))}</li>`).join('')}</ol>`);
  }
  if (r.leftOut > 0) {
    const line = `${t.noData}: ${r.leftOut}`;
    text.push(`  ${line}`);
    html.push(`<p>${escapeHtml(line)}</p>`);
  }
  text.push('', `${t.openAlerts}:`);
  html.push(`<h2>${escapeHtml(t.openAlerts)}</h2>`);
  const alerts = r.openAlerts.map(
    (a) => `${a.title[lang] ?? a.title.en ?? '?'}${a.severity ? ` (${a.severity})` : ''}${a.openedAt ? `, ${a.openedAt}` : ''}`,
  );
  if (alerts.length === 0) text.push(`  ${t.none}`), html.push(`<p>${escapeHtml(t.none)}</p>`);
  else text.push(...alerts.map((a) => `  - ${a}`)), html.push(`<ul>${alerts.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul>`);
  const alertsLink = alerts.length > 0 ? consoleLink(publicUrl, '/#/alerts') : undefined;
  if (alertsLink) text.push(`  ${t.open}: ${alertsLink}`), html.push(anchor(alertsLink, t.open));
  html.push('</div>');
  return { subject, text: `${text.join('\n')}\n`, html: html.join('') };
}

// ── the poster ────────────────────────────────────────────────────────────────────────────────────

/** One printable A4 page: big ИНК figures with their intervals, coverage, CSAT, period, office name. */
export function posterHtml(o: OfficeFigures, lang: Lang): string {
  const t = T[lang];
  const big = (label: string, e: Estimate | null) =>
    `<section class="figure"><h2>${escapeHtml(label)}</h2>${
      e
        ? `<p class="value">${Math.round(e.value * 100)}</p><p class="ci">95 %: ${Math.round(e.ci95[0] * 100)} – ${Math.round(e.ci95[1] * 100)} · n = ${e.n}</p>`
        : `<p class="value nodata">${escapeHtml(t.noData)}</p>`
    }</section>`;
  const small = (label: string, e: Estimate | null) =>
    `<li><span>${escapeHtml(label)}</span> <b>${escapeHtml(formatEstimate(e, lang))}</b></li>`;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(`${o.name} — ${t.poster}`)}</title>
<style>
@page { size: A4 portrait; margin: 15mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 180mm; color: #111; }
header h1 { font-size: 28pt; margin: 0 0 4mm; }
header p { font-size: 14pt; margin: 0 0 10mm; color: #444; }
.figures { display: flex; gap: 8mm; }
.figure { flex: 1; border: 1mm solid #222; border-radius: 4mm; padding: 6mm; text-align: center; }
.figure h2 { font-size: 16pt; margin: 0; }
.value { font-size: 72pt; font-weight: 700; margin: 4mm 0; }
.value.nodata { font-size: 18pt; }
.ci { font-size: 12pt; color: #444; margin: 0; }
ul { font-size: 14pt; list-style: none; padding: 0; margin: 10mm 0; }
footer { font-size: 18pt; text-align: center; margin-top: 12mm; }
@media print { body { max-width: none; } }
</style></head>
<body>
<header><h1>${escapeHtml(o.name)}</h1><p>${escapeHtml(`${t.poster} · ${t.period}: ${o.from} – ${o.to} (${o.timeZone})`)}</p></header>
<div class="figures">${big(t.staff, o.staff)}${big(t.office, o.office)}</div>
<ul>${small(t.coverage, o.coverage)}${small(t.csat, o.csat)}${o.loyalty ? small(t.loyalty, o.loyalty) : ''}</ul>
<footer>${escapeHtml(t.thanks)}</footer>
</body></html>
`;
}
