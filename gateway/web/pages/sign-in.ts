/** Sign-in: the API key is exchanged for a session cookie; the key itself is never stored in the browser. */
import { ApiError, signIn } from '../api.js';
import { h } from '../components/dom.js';
import type { PageContext } from '../context.js';
import { t } from '../i18n.js';

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('signIn.title'));
  const key = h('input', { type: 'password', name: 'key', id: 'key', autocomplete: 'current-password', required: true });
  const message = h('p', { class: 'error', role: 'alert', hidden: true });
  const form = h(
    'form',
    { class: 'sign-in' },
    h('label', { for: 'key' }, t('signIn.key')),
    key,
    h('button', { type: 'submit' }, t('signIn.submit')),
    message,
    h('p', { class: 'hint' }, t('signIn.hint')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.hidden = true;
    try {
      const session = await signIn(key.value.trim());
      key.value = '';
      const next = ctx.query.get('next');
      // A reviewer reads no scores: its start page is the review queue.
      const home = session.role === 'reviewer' ? '#/review' : '#/';
      location.hash = next?.startsWith('/') ? `#${next}` : home;
    } catch (err) {
      message.textContent = t('signIn.bad', { message: err instanceof ApiError ? err.message : String(err) });
      message.hidden = false;
    }
  });
  ctx.root.append(form);
  key.focus();
}
