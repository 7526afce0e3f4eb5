/**
 * Company scoring settings (GET/PATCH /api/v1/settings): k, neutral presses, minimum sample and the
 * misuse rules. An admin edits them (only the changed fields are sent); a manager sees them read-only.
 * The API's validation text is shown next to the field it names.
 */
import { api } from '../api.js';
import { h } from '../components/dom.js';
import { field, input, notice, onSubmit } from '../components/form.js';
import type { PageContext } from '../context.js';
import { t } from '../i18n.js';
import '../i18n/settings.js';

export interface Settings {
  k: number;
  neutralCountsAsDissatisfied: boolean;
  minSample: number;
  misuse: { lockoutMs: number; burstCount: number; burstWindowMs: number };
}
type Patch = Partial<Omit<Settings, 'misuse'>> & { misuse?: Partial<Settings['misuse']> };

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('settings.title'));
  let current = await api.get<Settings>('/settings');
  if (ctx.left) return;
  const admin = ctx.session?.role === 'admin';
  const ro = !admin;
  const k = input('k', { type: 'number', min: 0, max: 1, step: 'any', required: true, disabled: ro });
  const neutral = input('neutralCountsAsDissatisfied', { type: 'checkbox', disabled: ro });
  const minSample = input('minSample', { type: 'number', min: 1, step: 1, required: true, disabled: ro });
  const lockoutMs = input('lockoutMs', { type: 'number', min: 0, step: 1, required: true, disabled: ro });
  const burstCount = input('burstCount', { type: 'number', min: 2, step: 1, required: true, disabled: ro });
  const burstWindowMs = input('burstWindowMs', { type: 'number', min: 1, step: 1, required: true, disabled: ro });
  const fill = (s: Settings) => {
    k.value = String(s.k);
    neutral.checked = s.neutralCountsAsDissatisfied;
    minSample.value = String(s.minSample);
    lockoutMs.value = String(s.misuse.lockoutMs);
    burstCount.value = String(s.misuse.burstCount);
    burstWindowMs.value = String(s.misuse.burstWindowMs);
  };
  fill(current);
  const status = h('div', { class: 'status' });
  const form = h(
    'form',
    { class: 'settings', id: 'settings', novalidate: true },
    ro ? h('p', { class: 'hint', id: 'read-only' }, t('settings.readOnly')) : null,
    h(
      'fieldset',
      {},
      h('legend', {}, t('settings.scoring')),
      field(t('settings.k'), k),
      field(t('settings.neutral'), neutral),
      field(t('settings.minSample'), minSample),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, t('settings.misuse')),
      field(t('settings.lockoutMs'), lockoutMs),
      field(t('settings.burstCount'), burstCount),
      field(t('settings.burstWindowMs'), burstWindowMs),
      h('p', { class: 'hint' }, t('settings.misuseHint')),
    ),
    admin ? h('button', { type: 'submit', id: 'save' }, t('settings.save')) : null,
    status,
  );
  if (admin) {
    onSubmit(form, async () => {
      status.replaceChildren();
      // Numbers are sent as typed (an empty or odd value goes too): the API's check is the one that counts.
      const num = (el: HTMLInputElement) => (el.value.trim() === '' ? Number.NaN : Number(el.value));
      const patch: Patch = {};
      if (num(k) !== current.k) patch.k = num(k);
      if (neutral.checked !== current.neutralCountsAsDissatisfied) patch.neutralCountsAsDissatisfied = neutral.checked;
      if (num(minSample) !== current.minSample) patch.minSample = num(minSample);
      const misuse: Patch['misuse'] = {};
      if (num(lockoutMs) !== current.misuse.lockoutMs) misuse.lockoutMs = num(lockoutMs);
      if (num(burstCount) !== current.misuse.burstCount) misuse.burstCount = num(burstCount);
      if (num(burstWindowMs) !== current.misuse.burstWindowMs) misuse.burstWindowMs = num(burstWindowMs);
      if (Object.keys(misuse).length) patch.misuse = misuse;
      if (Object.keys(patch).length === 0) return void status.replaceChildren(notice(t('settings.unchanged')));
      // JSON writes NaN as null: a blank number reaches the API, which refuses it with its own message.
      current = await api.patch<Settings>('/settings', patch);
      fill(current);
      status.replaceChildren(notice(t('settings.saved')));
    });
  }
  ctx.root.append(form);
}
