/** "Insufficient data": shown instead of a value or a rank when the sample is below the minimum. */
import { t } from '../i18n.js';
import { h } from './dom.js';

export function insufficientBadge(minSample?: number): HTMLElement {
  return h(
    'span',
    { class: 'badge insufficient', title: minSample ? t('insufficient.title', { n: minSample }) : undefined },
    t('insufficient.badge'),
  );
}
