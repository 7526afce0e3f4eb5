/**
 * Reference values (docs/scores.md): per business type, the current version's value per index, every
 * version with who published it and when, and a form publishing the next version (PUT /references/:type;
 * none is ever overwritten). Below, the company's default business type and each office's own (PUT
 * /company/business-type, PUT /offices/:id). Admins write; managers read (their offices only).
 */
import '../i18n/loop.js';
import { api } from '../api.js';
import { h } from '../components/dom.js';
import { figureName, fmtFigure, type FigureId } from '../components/figures.js';
import { field, input, notice, onSubmit, select } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { fmtDateTime, t } from '../i18n.js';
import type { Office } from '../types.js';

type RefKind = 'staff' | 'office' | 'loyalty';
type RefIndex = 'ink' | 'iel' | 'csat' | 'coverage';
type Values = Partial<Record<RefKind, Partial<Record<RefIndex, number>>>>;

interface ReferenceVersion {
  businessType: string;
  version: number;
  values: Values;
  note: string | null;
  createdBy: string;
  createdAt: string;
}

/** The indices a reference may hold, per panel kind, and how the console names and formats each. */
const FIELDS: { kind: RefKind; index: RefIndex; figure: FigureId }[] = [
  { kind: 'staff', index: 'ink', figure: 'inkStaff' },
  { kind: 'staff', index: 'csat', figure: 'csat' },
  { kind: 'staff', index: 'coverage', figure: 'coverage' },
  { kind: 'office', index: 'ink', figure: 'inkOffice' },
  { kind: 'office', index: 'csat', figure: 'csat' },
  { kind: 'office', index: 'coverage', figure: 'coverage' },
  { kind: 'loyalty', index: 'iel', figure: 'iel' },
];
type Field = (typeof FIELDS)[number];
const TYPE_PATTERN = '[a-z0-9][a-z0-9_-]{0,39}';

const fieldLabel = (f: Field) => `${figureName(f.figure, true)} · ${t(`ref.kind.${f.kind}`)}`;
const refValue = (v: ReferenceVersion, f: Field) => v.values[f.kind]?.[f.index];
/** Shares are typed in per cent, ИЭЛ in points: as the console shows them. */
const toInput = (f: Field, v: number | undefined) => (v === undefined ? '' : String(f.index === 'iel' ? v : Number((v * 100).toFixed(6))));
const fromInput = (f: Field, text: string) => (f.index === 'iel' ? Number(text) : Number(text) / 100);

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('ref.title'));
  const admin = ctx.session?.role === 'admin';
  const [refs, offices, company] = await Promise.all([
    api.get<{ items: ReferenceVersion[] }>('/references').then((r) => r.items),
    api.all<Office>('/offices'),
    api.get<{ businessType: string | null }>('/company/business-type').then((r) => r.businessType),
  ]);
  if (ctx.left) return;
  const types = [
    ...new Set([
      ...refs.map((r) => r.businessType),
      ...offices.flatMap((o) => (o.businessType ? [o.businessType] : [])),
      ...(company ? [company] : []),
    ]),
  ].sort();
  const type = ctx.query.get('type') || company || types[0] || '';
  const reload = (params: Record<string, string> = {}) => ctx.navigate({ type, ...params, r: String(Date.now()) });

  // The business type shown.
  if (types.length) {
    const pick = select(
      'type',
      types.map((x) => ({ value: x, label: x })),
      type,
    );
    pick.id = 'type';
    pick.addEventListener('change', () => ctx.navigate({ type: pick.value }));
    ctx.root.append(h('p', { class: 'office-pick' }, h('label', {}, `${t('ref.type')} `, pick)));
  }

  const versions = refs.filter((r) => r.businessType === type);
  const current = versions[0];
  const section = h('section', { id: 'reference' });
  ctx.root.append(section);
  if (!current) section.append(h('p', { class: 'hint', id: 'no-reference' }, t('ref.none')));
  else {
    section.append(
      h('h2', {}, t('ref.currentTitle')),
      h(
        'p',
        { class: 'muted', id: 'current-version', 'data-version': current.version },
        t('ref.current', { version: current.version, type, when: fmtDateTime(current.createdAt), who: current.createdBy }),
      ),
      table(
        [
          { label: t('ref.col.index'), cell: (f: Field) => fieldLabel(f) },
          {
            label: t('ref.col.reference'),
            numeric: true,
            cell: (f) => {
              const v = refValue(current, f);
              return h('span', { 'data-value': v }, fmtFigure(f.figure, v));
            },
          },
        ],
        FIELDS.filter((f) => refValue(current, f) !== undefined),
        { csvName: `reference-${type}-v${current.version}`, id: 'current', rowId: (f) => `${f.kind}.${f.index}` },
      ),
      h('p', { class: 'description' }, current.note ?? ''),
      h('h2', {}, t('ref.history')),
      table(
        [
          { label: t('ref.col.version'), numeric: true, cell: (v: ReferenceVersion) => String(v.version) },
          { label: t('ref.col.when'), cell: (v) => fmtDateTime(v.createdAt) },
          { label: t('ref.col.who'), cell: (v) => v.createdBy },
          {
            label: t('ref.col.values'),
            cell: (v) =>
              FIELDS.flatMap((f) => {
                const x = refValue(v, f);
                return x === undefined ? [] : [`${fieldLabel(f)} ${fmtFigure(f.figure, x)}`];
              }).join('; '),
          },
          { label: t('ref.col.note'), cell: (v) => v.note ?? '' },
        ],
        versions,
        { csvName: `reference-${type}-versions`, id: 'versions', rowId: (v) => String(v.version) },
      ),
    );
  }

  if (admin) {
    const typeInput = input('businessType', { required: true, pattern: TYPE_PATTERN, maxlength: 40, value: type, list: 'business-types' });
    const inputs = FIELDS.map((f) => {
      const el = input(`${f.kind}.${f.index}`, { type: 'number', step: 'any', value: current ? toInput(f, refValue(current, f)) : '' });
      el.id = `ref-${f.kind}-${f.index}`;
      return { f, el };
    });
    const note = input('note', { maxlength: 2000 });
    const form = h(
      'form',
      { class: 'entry', id: 'reference-publish', novalidate: true },
      h('h2', {}, t('ref.publish')),
      h('p', { class: 'hint' }, t('ref.publishHint')),
      field(t('ref.type'), typeInput),
      ...inputs.map(({ f, el }) => field(fieldLabel(f), el)),
      field(t('ref.note'), note),
      h('button', { type: 'submit' }, t('ref.publishButton')),
    );
    onSubmit(form, async () => {
      const values: Values = {};
      for (const { f, el } of inputs) {
        if (el.value.trim() === '') continue;
        (values[f.kind] ??= {})[f.index] = fromInput(f, el.value);
      }
      const name = typeInput.value.trim();
      // The API names the business type in its path: its own check answers a bad one.
      const saved = await api.put<ReferenceVersion>(`/references/${encodeURIComponent(name)}`, {
        values,
        ...(note.value.trim() ? { note: note.value.trim() } : {}),
      });
      reload({ type: saved.businessType });
    });
    ctx.root.append(form, h('datalist', { id: 'business-types' }, ...types.map((x) => h('option', { value: x }))));
  } else ctx.root.append(h('p', { class: 'hint', id: 'read-only' }, t('ref.adminOnly')));

  ctx.root.append(officeTypes(offices, company, admin, reload));
}

/** The company default and each office's own business type; admins change them in place. */
function officeTypes(offices: Office[], company: string | null, admin: boolean, reload: () => void): HTMLElement {
  const section = h('section', { id: 'office-types' }, h('h2', {}, t('ref.offices')));
  const typeInput = (name: string, value: string | null | undefined, label: string) =>
    input(name, { value: value ?? '', pattern: TYPE_PATTERN, maxlength: 40, list: 'business-types', 'aria-label': label });
  // Blank: no type of its own (null).
  const typeValue = (el: HTMLInputElement) => el.value.trim() || null;
  if (admin) {
    const el = typeInput('companyType', company, t('ref.companyType'));
    const form = h(
      'form',
      { class: 'inline', id: 'company-type', novalidate: true },
      field(t('ref.companyType'), el),
      h('button', { type: 'submit' }, t('ref.save')),
    );
    onSubmit(form, async () => {
      await api.put('/company/business-type', { businessType: typeValue(el) });
      reload();
    });
    section.append(form);
  } else section.append(h('p', { id: 'company-type' }, `${t('ref.companyType')}: ${company ?? t('ref.companyNone')}`));

  const cell = (o: Office): Node | string => {
    const shown = o.businessType ?? t('ref.ownOrDefault', { type: company ?? t('ref.companyNone') });
    if (!admin) return h('span', { 'data-type': o.businessType ?? '' }, shown);
    const el = typeInput('businessType', o.businessType, `${t('ref.officeType')}: ${o.name}`);
    el.id = `type-${o.id}`;
    el.placeholder = t('ref.ownOrDefault', { type: company ?? t('ref.companyNone') });
    const form = h('form', { class: 'inline', novalidate: true }, field('', el), h('button', { type: 'submit' }, t('ref.save')));
    onSubmit(form, async () => {
      // PUT replaces the office: everything else is sent back as it is.
      const saved = await api.put<Office>(`/offices/${encodeURIComponent(o.id)}`, {
        name: o.name,
        timeZone: o.timeZone,
        regionId: o.regionId,
        k: o.k,
        businessType: typeValue(el),
      });
      Object.assign(o, saved);
      form.append(notice(t('ref.saved')));
    });
    return form;
  };
  section.append(
    table(
      [
        { label: t('col.office'), cell: (o: Office) => o.name },
        { label: t('ref.officeType'), cell },
      ],
      [...offices].sort((a, b) => a.name.localeCompare(b.name)),
      { csvName: 'office-business-types', id: 'offices', rowId: (o) => o.id },
    ),
  );
  return section;
}
