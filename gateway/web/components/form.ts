/**
 * Forms that talk to the API: a labelled field with its own error line, the API's error text put next to
 * the field it names (`deskId: desk "x" not found`, `body/k must be <= 1`, `entries[0].date: …`) or under
 * the form when it names none, and a submit that cannot run twice while the first is under way.
 */
import { ApiError } from '../api.js';
import { t } from '../i18n.js';
import { h } from './dom.js';

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** A label, its control and an error line (`.field-error`) tied to the control by aria-describedby. */
export function field(label: string, control: Control, hint?: string): HTMLElement {
  const errId = `${control.id || control.name}-error`;
  control.setAttribute('aria-describedby', errId);
  return h(
    'div',
    { class: 'field', 'data-field': control.name },
    h('label', { for: control.id || undefined }, label, ' ', control),
    hint ? h('small', { class: 'hint' }, hint) : null,
    h('span', { class: 'field-error', id: errId, role: 'alert', hidden: true }),
  );
}

export function input(name: string, attrs: Record<string, string | number | boolean | undefined> = {}): HTMLInputElement {
  return h('input', { name, id: `f-${name}`, ...attrs });
}

export function select(
  name: string,
  options: { value: string; label: string }[],
  value?: string | null,
  attrs: Record<string, string | boolean> = {},
): HTMLSelectElement {
  const el = h('select', { name, id: `f-${name}`, ...attrs }, ...options.map((o) => h('option', { value: o.value }, o.label)));
  if (value !== undefined && value !== null) el.value = value;
  return el;
}

/** The field an API message names: its first path segment (`body/misuse/lockoutMs` → misuse.lockoutMs, `entries[0].count` → count). */
export function fieldOf(message: string): string[] {
  const validation = /^body\/([\w/]+)/.exec(message);
  if (validation) {
    const parts = validation[1]!.split('/');
    return [parts.join('.'), parts[parts.length - 1]!];
  }
  const named = /^([\w.[\]]+):/.exec(message);
  if (!named) return [];
  const path = named[1]!;
  const last = path.replace(/\[\d+\]/g, '').split('.');
  return [path, last.join('.'), last[last.length - 1]!];
}

/** An error (the API's, or the page's own check) to be shown next to a given field. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

export function clearErrors(form: HTMLElement): void {
  for (const e of form.querySelectorAll<HTMLElement>('.field-error, .form-error')) {
    e.hidden = true;
    e.textContent = '';
  }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
}

/** Shows an error next to the field it names, else in the form's `.form-error` line. */
export function showErrors(form: HTMLElement, err: unknown, fallbackField?: string): void {
  const inner = err instanceof FieldError ? err.cause : err;
  const message =
    inner instanceof ApiError
      ? inner.status === 0
        ? t('error.network')
        : inner.message
      : inner instanceof Error
        ? inner.message
        : String(inner);
  const names = err instanceof FieldError ? [err.field] : fieldOf(message);
  if (fallbackField) names.push(fallbackField);
  for (const name of names) {
    const wrap = form.querySelector<HTMLElement>(`.field[data-field="${CSS.escape(name)}"]`);
    const line = wrap?.querySelector<HTMLElement>('.field-error');
    if (!wrap || !line) continue;
    line.textContent = message;
    line.hidden = false;
    wrap.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
    return;
  }
  let line = form.querySelector<HTMLElement>('.form-error');
  if (!line) form.append((line = h('p', { class: 'form-error error', role: 'alert' })));
  line.textContent = message;
  line.hidden = false;
}

/**
 * Runs `action` on submit with every submit button disabled until it settles (nothing is sent twice);
 * a failure is shown next to its field. `fallbackField` takes messages that name no field (a 409).
 */
export function onSubmit(form: HTMLFormElement, action: () => Promise<void>, opts: { fallbackField?: string } = {}): void {
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    const buttons = [...form.querySelectorAll<HTMLButtonElement>('button')];
    for (const b of buttons) b.disabled = true;
    form.setAttribute('aria-busy', 'true');
    clearErrors(form);
    try {
      await action();
    } catch (err) {
      showErrors(form, err, opts.fallbackField);
    } finally {
      busy = false;
      for (const b of buttons) b.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });
}

/** A button whose action runs once at a time (disabled meanwhile); errors go to `onError`. */
export function actionButton(
  label: string,
  action: () => Promise<void>,
  onError: (err: unknown) => void,
  attrs: Record<string, string> = {},
): HTMLButtonElement {
  const b = h('button', { type: 'button', ...attrs }, label);
  b.addEventListener('click', async () => {
    if (b.disabled) return;
    b.disabled = true;
    try {
      await action();
    } catch (err) {
      onError(err);
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** A short "saved" note that the tests and the viewer can see. */
export function notice(text: string): HTMLElement {
  return h('p', { class: 'notice', role: 'status' }, text);
}
