/** rankings page: drawn from the API for the signed-in session's scope. */
import { h } from '../components/dom.js';
import type { PageContext } from '../context.js';
import { t } from '../i18n.js';

export async function render(ctx: PageContext): Promise<void> {
  ctx.title(t('nav.overview'));
  ctx.root.append(h('p', {}, 'rankings'));
}
