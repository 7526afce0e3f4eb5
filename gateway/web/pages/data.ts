/**
 * Data entry: visitor and sales counts per office (or desk) and local day or hour, desks, employees and
 * shift assignments — one tab each (`?tab=`), the office chosen once (`?office=`). Every form shows the
 * API's own error text next to the field it names and cannot be sent twice while a request is under way.
 */
import { api } from '../api.js';
import { h } from '../components/dom.js';
import { FieldError, field, input, notice, onSubmit, select } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDay, fmtNumber, t } from '../i18n.js';
import '../i18n/data.js';
import { addDays, today } from '../period.js';
import { renderAssignments } from './data-assignments.js';
import { byName, loadOrg, type Office, type Org } from './data-common.js';
import { renderOrg } from './data-org.js';

const TABS = ['counts', 'desks', 'employees', 'assignments'] as const;
type Tab = (typeof TABS)[number];

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('data.title'));
  const tab: Tab = (TABS as readonly string[]).includes(ctx.query.get('tab') ?? '') ? (ctx.query.get('tab') as Tab) : 'counts';
  const org = await loadOrg();
  if (ctx.left) return;
  org.offices.sort(byName);
  const nav = h('nav', { class: 'tabs', 'aria-label': t('data.title') });
  for (const name of TABS) {
    const q = new URLSearchParams(ctx.query);
    q.set('tab', name);
    const a = h('a', { href: `#/data?${q}`, 'data-tab': name }, t(`data.tab.${name}`));
    if (name === tab) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
  ctx.root.append(nav);
  if (org.offices.length === 0) return void ctx.root.append(h('p', { class: 'hint' }, t('data.noOffices')));
  const office = org.offices.find((o) => o.id === ctx.query.get('office')) ?? org.offices[0]!;
  const officeSel = select(
    'office',
    org.offices.map((o) => ({ value: o.id, label: o.name })),
    office.id,
  );
  officeSel.id = 'office';
  officeSel.addEventListener('change', () => ctx.navigate({ office: officeSel.value, desk: null, employee: null }));
  ctx.root.append(h('p', { class: 'office-pick' }, h('label', {}, `${t('data.office')} `, officeSel)));
  const section = h('section', { id: `data-${tab}` });
  ctx.root.append(section);
  if (tab === 'counts') await renderCounts(section, org, office);
  else if (tab === 'assignments') await renderAssignments(ctx, section, org, office);
  else renderOrg(ctx, section, org, office, tab === 'desks' ? 'desk' : 'employee');
}

interface CountRow {
  deskId: string | null;
  start: string;
  end: string;
  date: string;
  count: number;
}

async function renderCounts(section: HTMLElement, org: Org, office: Office): Promise<void> {
  const desks = org.desks.filter((d) => d.officeId === office.id).sort(byName);
  const deskSel = select('deskId', [{ value: '', label: t('data.wholeOffice') }, ...desks.map((d) => ({ value: d.id, label: d.name }))]);
  const date = input('date', { type: 'date', required: true, value: today(office.timeZone) });
  const hour = select('hour', [
    { value: '', label: t('data.wholeDay') },
    ...Array.from({ length: 24 }, (_, i) => ({ value: String(i), label: `${String(i).padStart(2, '0')}:00` })),
  ]);
  const visitors = input('visitors', { type: 'number', min: 0, step: 1, inputmode: 'numeric' });
  const sales = input('sales', { type: 'number', min: 0, step: 1, inputmode: 'numeric' });
  const status = h('div', { class: 'status' });
  const form = h(
    'form',
    { id: 'counts-form', class: 'entry', novalidate: true },
    field(t('data.desk'), deskSel),
    field(t('data.date'), date),
    field(t('data.hour'), hour),
    field(t('data.visitors'), visitors),
    field(t('data.sales'), sales),
    h('button', { type: 'submit' }, t('data.save')),
    status,
  );
  const list = h('div', { id: 'counts-list' });
  section.append(form, h('h2', {}, t('data.recent')), list);

  const drawList = async () => {
    const to = addDays(today(office.timeZone), 1);
    const from = addDays(to, -14);
    const path = (what: string) => `/offices/${encodeURIComponent(office.id)}/${what}`;
    const [v, s] = await Promise.all([
      api.get<{ items: CountRow[] }>(path('visitors'), { from, to }),
      api.get<{ items: CountRow[] }>(path('sales'), { from, to }),
    ]);
    // One row per desk and day or hour, visitors and sales side by side, newest first.
    const rows = new Map<
      string,
      { date: string; start: string; hourly: boolean; deskId: string | null; visitors?: number; sales?: number }
    >();
    const add = (items: CountRow[], key: 'visitors' | 'sales') => {
      for (const c of items) {
        const id = `${c.deskId ?? ''}|${c.start}`;
        const row = rows.get(id) ?? { date: c.date, start: c.start, hourly: false, deskId: c.deskId };
        row[key] = c.count;
        rows.set(id, row);
      }
    };
    add(v.items, 'visitors');
    add(s.items, 'sales');
    // An hourly count starts anywhere but at the day's local midnight; a day's count spans the whole day.
    const hourOf = (iso: string) =>
      Number(new Intl.DateTimeFormat('en-GB', { timeZone: office.timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(iso)));
    const hourly = new Set(
      [...v.items, ...s.items]
        .filter((c) => Date.parse(c.end) - Date.parse(c.start) <= 3_600_000)
        .map((c) => `${c.deskId ?? ''}|${c.start}`),
    );
    const sorted = [...rows.entries()].sort(([, a], [, b]) => b.start.localeCompare(a.start));
    const deskName = (id: string | null) => (id ? (org.desks.find((d) => d.id === id)?.name ?? id) : t('data.wholeOffice'));
    const tableEl = table(
      [
        { label: t('data.col.date'), cell: ([, r]) => fmtDay(r.date) },
        {
          label: t('data.col.hour'),
          cell: ([id, r]) => (hourly.has(id) ? `${String(hourOf(r.start)).padStart(2, '0')}:00` : t('data.wholeDay')),
        },
        { label: t('data.col.desk'), cell: ([, r]) => deskName(r.deskId) },
        {
          label: t('data.visitors'),
          numeric: true,
          cell: ([, r]) => h('span', { 'data-figure': 'visitors' }, fmtNumber(r.visitors ?? null)),
        },
        { label: t('data.sales'), numeric: true, cell: ([, r]) => h('span', { 'data-figure': 'sales' }, fmtNumber(r.sales ?? null)) },
      ],
      sorted,
      { csvName: `counts-${office.id}`, id: 'counts', rowId: ([id]) => id },
    );
    list.replaceChildren(tableEl);
  };

  onSubmit(form, async () => {
    status.replaceChildren();
    const entry = {
      date: date.value,
      ...(hour.value === '' ? {} : { hour: Number(hour.value) }),
      ...(deskSel.value ? { deskId: deskSel.value } : {}),
    };
    const sends: ['visitors' | 'sales', string][] = [];
    if (visitors.value.trim() !== '') sends.push(['visitors', visitors.value]);
    if (sales.value.trim() !== '') sends.push(['sales', sales.value]);
    if (sends.length === 0) throw new FieldError('visitors', t('data.countsNeeded'));
    for (const [what, value] of sends) {
      try {
        await api.put(`/offices/${encodeURIComponent(office.id)}/${what}`, { entries: [{ ...entry, count: Number(value) }] });
      } catch (err) {
        // "body/entries/0/count must be >= 0" names `count`: shown next to the box it came from.
        throw /^body\/entries\/0\/count\b/.test(err instanceof Error ? err.message : '') ? new FieldError(what, err) : err;
      }
    }
    status.replaceChildren(notice(t('data.saved')));
    await drawList();
  });
  await drawList();
}
