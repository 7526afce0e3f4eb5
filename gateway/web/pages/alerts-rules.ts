/**
 * Alert rules: listed with kind, scope and mode; created, edited (`?edit=<id>`) and deleted. The form
 * shows only the fields its kind and mode use; the API's validation text goes next to the field it names.
 */
import { HEALTH_RULES } from '../../../shared/src/health.js';
import { type AlertRule, type RuleBody, RULE_KINDS, alertsApi } from '../alerts-api.js';
import { h } from '../components/dom.js';
import { actionButton, field, input, onSubmit, select, showErrors } from '../components/form.js';
import { table } from '../components/table.js';
import type { PageContext } from '../context.js';
import { t } from '../i18n.js';
import '../i18n/fleet.js';

export async function renderRules(ctx: PageContext, section: HTMLElement): Promise<void> {
  const rules = await alertsApi.rules();
  if (ctx.left) return;
  // The page is offered to admins and managers; the API decides which rules each may change.
  const canEdit = ctx.session?.role === 'admin' || ctx.session?.role === 'manager';
  const editing = rules.find((r) => r.id === ctx.query.get('edit'));
  section.append(
    table<AlertRule>(
      [
        { label: t('rules.name'), cell: (r) => r.name },
        { label: t('rules.kind'), cell: (r) => t(`rules.kind.${r.kind}`) },
        {
          label: t('rules.scopeLevel'),
          cell: (r) => (r.scope.level === 'company' ? t('rules.level.company') : `${t(`rules.level.${r.scope.level}`)} ${r.scope.id}`),
        },
        { label: t('rules.direction'), cell: (r) => t(`rules.direction.${r.direction}`) },
        { label: t('rules.mode'), cell: (r) => t(`rules.mode.${r.mode}`) },
        {
          label: '',
          cell: (r) => {
            const wrap = h(
              'span',
              { class: 'row-actions' },
              h('a', { href: `#/alerts?tab=rules&edit=${encodeURIComponent(r.id)}`, class: 'edit' }, t('rules.edit')),
            );
            if (canEdit)
              wrap.append(
                actionButton(
                  t('rules.delete'),
                  async () => {
                    await alertsApi.deleteRule(r.id);
                    ctx.navigate({ edit: null, r: String(Date.now()) });
                  },
                  (err) => showErrors(wrap, err),
                  { class: 'delete' },
                ),
              );
            return wrap;
          },
        },
      ],
      rules,
      { csvName: 'alert-rules', id: 'rules', rowId: (r) => r.id },
    ),
    ruleForm(ctx, editing),
  );
}

function ruleForm(ctx: PageContext, rule: AlertRule | undefined): HTMLElement {
  const opt = (prefix: string, values: readonly string[]) => values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }));
  const num = (name: string, value: number | null | undefined, attrs: Record<string, string | number> = {}) =>
    input(name, { type: 'number', step: 'any', value: value ?? '', ...attrs });
  const name = input('name', { required: true, maxlength: 200, value: rule?.name ?? '' });
  const kind = select('kind', opt('rules.kind', RULE_KINDS), rule?.kind);
  const level = select('level', opt('rules.level', ['company', 'office', 'desk']), rule?.scope.level ?? 'office');
  const scopeId = input('scopeId', { value: rule?.scope.id ?? '' });
  const direction = select('direction', opt('rules.direction', ['negative', 'positive']), rule?.direction);
  const mode = select('mode', opt('rules.mode', ['fixed', 'statistical']), rule?.mode);
  const windowMinutes = num('windowMinutes', rule?.windowMinutes ?? 60, { min: 1 });
  const threshold = num('threshold', rule?.threshold);
  const includeNeutral = input('includeNeutral', { type: 'checkbox' });
  includeNeutral.checked = rule?.includeNeutral ?? false;
  const index = select(
    'index',
    [
      { value: 'ink-staff', label: 'ИНК Персонал' },
      { value: 'ink-office', label: 'ИНК Офис' },
      { value: 'csat', label: 'CSAT' },
    ],
    rule?.index,
  );
  const button = select(
    'button',
    [
      { value: 'bad', label: '☹' },
      { value: 'neutral', label: '😐' },
      { value: 'good', label: '☺' },
    ],
    rule?.button,
  );
  const healthRule = select(
    'healthRule',
    HEALTH_RULES.map((r) => ({ value: r, label: t(`fleet.problem.${r}`) })),
    rule?.healthRule ?? 'offline',
  );
  const durationMinutes = num('durationMinutes', rule?.durationMinutes ?? 15, { min: 0 });
  const test = select('test', opt('rules.test', ['binomial', 'cusum']), rule?.test);
  const confidence = num('confidence', rule?.confidence ?? 0.95, { min: 0.5, max: 0.9999 });
  const minSample = num('minSample', rule?.minSample ?? 30, { min: 1, step: 1 });
  const autoCloseMinutes = num('autoCloseMinutes', rule?.autoCloseMinutes ?? 60, { min: 0 });

  const wraps = {
    threshold: field(t('rules.threshold'), threshold),
    includeNeutral: field(t('rules.includeNeutral'), includeNeutral),
    index: field(t('rules.index'), index),
    button: field(t('rules.button'), button),
    healthRule: field(t('rules.healthRule'), healthRule),
    durationMinutes: field(t('rules.duration'), durationMinutes),
    test: field(t('rules.test'), test),
    confidence: field(t('rules.confidence'), confidence),
    minSample: field(t('rules.minSample'), minSample),
    scopeId: field(t('rules.scopeId'), scopeId),
  };
  // Which fields a kind and mode use: the rest are hidden and not sent.
  const uses = () => {
    const k = kind.value;
    const stat = mode.value === 'statistical' && k !== 'kiosk-health';
    return {
      threshold: !stat && k !== 'kiosk-health',
      includeNeutral: k === 'bad-share',
      index: k === 'index-threshold',
      button: k === 'button-count',
      healthRule: k === 'kiosk-health',
      durationMinutes: k === 'index-threshold' || k === 'kiosk-health',
      test: stat,
      confidence: stat,
      minSample: stat || k === 'bad-share' || k === 'index-threshold',
      scopeId: level.value !== 'company',
    };
  };
  const sync = () => {
    for (const [key, on] of Object.entries(uses())) wraps[key as keyof typeof wraps].hidden = !on;
  };
  const form = h(
    'form',
    { id: 'rule-form', class: 'entry', novalidate: true },
    h('h2', {}, rule ? `${t('rules.edit')}: ${rule.name}` : t('rules.new')),
    field(t('rules.name'), name),
    field(t('rules.kind'), kind),
    field(t('rules.scopeLevel'), level),
    wraps.scopeId,
    field(t('rules.direction'), direction),
    field(t('rules.mode'), mode),
    field(t('rules.window'), windowMinutes),
    ...Object.entries(wraps)
      .filter(([k]) => k !== 'scopeId')
      .map(([, w]) => w),
    field(t('rules.autoClose'), autoCloseMinutes),
    h('button', { type: 'submit' }, t('rules.save')),
    rule ? h('a', { href: '#/alerts?tab=rules', class: 'cancel' }, t('rules.cancel')) : null,
  );
  form.addEventListener('change', sync);
  sync();
  onSubmit(form, async () => {
    const u = uses();
    const n = (el: HTMLInputElement) => (el.value.trim() === '' ? null : Number(el.value));
    const body: RuleBody = {
      name: name.value.trim(),
      kind: kind.value as RuleBody['kind'],
      scope: { level: level.value as RuleBody['scope']['level'], id: u.scopeId ? scopeId.value.trim() : null },
      direction: direction.value as RuleBody['direction'],
      mode: kind.value === 'kiosk-health' ? 'fixed' : (mode.value as RuleBody['mode']),
      windowMinutes: n(windowMinutes) as number,
      autoCloseMinutes: n(autoCloseMinutes) ?? undefined,
      ...(u.threshold ? { threshold: n(threshold) } : {}),
      ...(u.includeNeutral ? { includeNeutral: includeNeutral.checked } : {}),
      ...(u.index ? { index: index.value as RuleBody['index'] } : {}),
      ...(u.button ? { button: button.value as RuleBody['button'] } : {}),
      ...(u.healthRule ? { healthRule: healthRule.value } : {}),
      ...(u.durationMinutes ? { durationMinutes: n(durationMinutes) as number } : {}),
      ...(u.test ? { test: test.value as RuleBody['test'], confidence: n(confidence) as number } : {}),
      ...(u.minSample ? { minSample: n(minSample) as number } : {}),
    };
    if (rule) await alertsApi.updateRule(rule.id, body);
    else await alertsApi.createRule(body);
    ctx.navigate({ edit: null, r: String(Date.now()) });
  });
  return form;
}
