/**
 * Shift assignments (employee at desk over [from, to)) in the chosen office: listed per desk or employee,
 * added, ended now, or deleted. Times are the office's local wall clock. The API's 400/409 text (an
 * overlap, say) is shown next to the field it concerns.
 */
import { api } from '../api.js';
import { h } from '../components/dom.js';
import { actionButton, field, input, notice, onSubmit, select, showErrors } from '../components/form.js';
import { table } from '../components/table.js';
import { isoToZoned, zonedToIso } from '../components/zoned.js';
import type { PageContext } from '../context.js';
import { fmtDateTime, t } from '../i18n.js';
import { byName, type Office, type Org } from './data-common.js';

interface Assignment {
  id: string;
  deskId: string;
  employeeId: string;
  from: string;
  to: string | null;
}

export async function renderAssignments(ctx: PageContext, section: HTMLElement, org: Org, office: Office): Promise<void> {
  const desks = org.desks.filter((d) => d.officeId === office.id).sort(byName);
  // Employees of this office first; one without an office may still work a desk here.
  const employees = org.employees.filter((e) => e.officeId === office.id || e.officeId === null).sort(byName);
  const deskFilter = ctx.query.get('desk') ?? '';
  const employeeFilter = ctx.query.get('employee') ?? '';
  const any = { value: '', label: t('data.any') };
  const fDesk = select('desk', [any, ...desks.map((d) => ({ value: d.id, label: d.name }))], deskFilter);
  const fEmployee = select('employee', [any, ...employees.map((e) => ({ value: e.id, label: e.name }))], employeeFilter);
  fDesk.id = 'filter-desk';
  fEmployee.id = 'filter-employee';
  const filters = h(
    'form',
    { class: 'filters', id: 'assignment-filters' },
    h('label', {}, `${t('data.filterDesk')} `, fDesk),
    h('label', {}, `${t('data.filterEmployee')} `, fEmployee),
  );
  filters.addEventListener('change', () => ctx.navigate({ desk: fDesk.value || null, employee: fEmployee.value || null }));

  const deskIds = new Set(desks.map((d) => d.id));
  const items = (
    await api.all<Assignment>('/assignments', { deskId: deskFilter || undefined, employeeId: employeeFilter || undefined })
  ).filter((a) => deskIds.has(a.deskId));
  if (ctx.left) return;
  items.sort((a, b) => b.from.localeCompare(a.from));
  const deskName = (id: string) => desks.find((d) => d.id === id)?.name ?? id;
  const employeeName = (id: string) => org.employees.find((e) => e.id === id)?.name ?? id;
  const when = (iso: string | null) => (iso ? fmtDateTime(iso, office.timeZone) : t('data.open'));
  const status = h('div', { class: 'status', id: 'assignments-status' });
  const reload = () => ctx.navigate({ r: String(Date.now()) });

  const tableEl = table<Assignment>(
    [
      { label: t('data.employee'), cell: (a) => employeeName(a.employeeId) },
      { label: t('data.desk'), cell: (a) => deskName(a.deskId) },
      { label: t('data.from'), cell: (a) => when(a.from) },
      { label: t('data.to'), cell: (a) => h('span', { 'data-figure': 'to' }, when(a.to)) },
      {
        label: '',
        cell: (a) => {
          const wrap = h('span', { class: 'row-actions' });
          const fail = (err: unknown) => showErrors(wrap, err);
          // Only a shift under way can end now; a future one is corrected or deleted.
          if (Date.parse(a.from) <= Date.now() && (a.to === null || Date.parse(a.to) > Date.now())) {
            wrap.append(
              actionButton(
                t('data.end'),
                async () => {
                  const r = await api.put<{ reattributed: number }>(`/assignments/${encodeURIComponent(a.id)}`, {
                    deskId: a.deskId,
                    employeeId: a.employeeId,
                    from: a.from,
                    to: new Date().toISOString(),
                  });
                  status.replaceChildren(notice(t('data.ended', { n: r.reattributed })));
                  reload();
                },
                fail,
                { class: 'end' },
              ),
            );
          }
          wrap.append(
            actionButton(
              t('data.delete'),
              async () => {
                const r = await api.delete<{ reattributed: number }>(`/assignments/${encodeURIComponent(a.id)}`);
                status.replaceChildren(notice(t('data.removed', { n: r.reattributed })));
                reload();
              },
              fail,
              { class: 'delete' },
            ),
          );
          return wrap;
        },
      },
    ],
    items,
    { csvName: `assignments-${office.id}`, id: 'assignments', rowId: (a) => a.id },
  );

  const deskSel = select(
    'deskId',
    desks.map((d) => ({ value: d.id, label: d.name })),
    deskFilter || undefined,
  );
  const employeeSel = select(
    'employeeId',
    employees.map((e) => ({ value: e.id, label: e.name })),
    employeeFilter || undefined,
  );
  const from = input('from', { type: 'datetime-local', required: true, value: isoToZoned(Date.now(), office.timeZone) });
  const to = input('to', { type: 'datetime-local' });
  const form = h(
    'form',
    { id: 'assignment-create', class: 'entry', novalidate: true },
    h('h2', {}, t('data.assign')),
    field(t('data.desk'), deskSel),
    field(t('data.employee'), employeeSel),
    field(t(`data.from`), from, office.timeZone),
    field(t('data.to'), to, office.timeZone),
    h('button', { type: 'submit' }, t('data.assign')),
  );
  // A 409 ("assignment refused: overlaps …") names no field: it is about the span, so it goes by `from`.
  onSubmit(
    form,
    async () => {
      const r = await api.post<{ reattributed: number }>('/assignments', {
        deskId: deskSel.value,
        employeeId: employeeSel.value,
        from: from.value ? zonedToIso(from.value, office.timeZone) : '',
        to: to.value ? zonedToIso(to.value, office.timeZone) : null,
      });
      status.replaceChildren(notice(t('data.assigned', { n: r.reattributed })));
      form.reset();
      reload();
    },
    { fallbackField: 'from' },
  );
  section.append(filters, status, tableEl, form);
}
