/**
 * Desks and employees of the chosen office: listed for admins and managers; added, renamed and deleted by
 * admins (the API's rule). A delete the API refuses (still referenced) shows its 409 text on the row.
 */
import { api } from '../api.js';
import { h } from '../components/dom.js';
import { actionButton, field, input, notice, onSubmit, showErrors } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { t } from '../i18n.js';
import { byName, type Desk, type Employee, type Office, type Org } from './data-common.js';

export function renderOrg(ctx: PageContext, section: HTMLElement, org: Org, office: Office, kind: 'desk' | 'employee'): void {
  const admin = ctx.session?.role === 'admin';
  const plural = kind === 'desk' ? 'desks' : 'employees';
  const items: (Desk | Employee)[] = (kind === 'desk' ? org.desks : org.employees).filter((x) => x.officeId === office.id).sort(byName);
  // Desks and employees take the same body: a name in this office.
  const body = (name: string) => ({ officeId: office.id, name });
  const reload = () => ctx.navigate({ tab: plural, office: office.id, r: String(Date.now()) });

  const nameCell = (x: Desk | Employee): Node => {
    if (!admin) return document.createTextNode(x.name);
    const name = input('name', { value: x.name, required: true, maxlength: 200, 'aria-label': t('data.name') });
    name.id = `name-${x.id}`;
    const form = h(
      'form',
      { class: 'inline', novalidate: true },
      field('', name),
      h('button', { type: 'submit', class: 'rename' }, t('data.rename')),
    );
    onSubmit(form, async () => {
      const saved = await api.put<Desk | Employee>(`/${plural}/${encodeURIComponent(x.id)}`, body(name.value));
      x.name = saved.name;
      form.append(notice(t('data.saved')));
    });
    return form;
  };
  const columns = [
    { label: 'Id', cell: (x: Desk | Employee) => h('code', {}, x.id) },
    { label: t('data.name'), cell: nameCell },
  ];
  if (admin) {
    columns.push({
      label: '',
      cell: (x) => {
        const wrap = h('span', { class: 'row-actions' });
        wrap.append(
          actionButton(
            t('data.delete'),
            async () => {
              await api.delete(`/${plural}/${encodeURIComponent(x.id)}`);
              reload();
            },
            (err) => showErrors(wrap, err),
            { class: 'delete' },
          ),
        );
        return wrap;
      },
    });
  }
  const tableEl = table(columns, items, { csvName: `${plural}-${office.id}`, id: plural, rowId: (x) => x.id });
  section.append(tableEl);

  if (!admin) return void section.append(h('p', { class: 'hint' }, t('data.adminOnly')));
  const id = input('id', { required: true, pattern: '[A-Za-z0-9_.:-]{1,64}', maxlength: 64 });
  const name = input('name', { required: true, maxlength: 200 });
  const form = h(
    'form',
    { id: `${kind}-create`, class: 'entry', novalidate: true },
    h('h2', {}, t(`data.tab.${plural}`)),
    field(t('data.id'), id),
    field(t('data.name'), name),
    h('button', { type: 'submit' }, t('data.create')),
  );
  onSubmit(form, async () => {
    await api.post(`/${plural}`, { id: id.value.trim(), ...body(name.value.trim()) });
    reload();
  });
  section.append(form);
}
