/**
 * In-dashboard notifications: a bell with the number of alert events (opened, acknowledged, commented,
 * closed) newer than the last one the viewer marked read, and a list of them linking to each alert.
 * Polls GET /api/v1/alert-events?after=<id> every 30 s; the last read id is kept in localStorage.
 * Mounted by main.ts's layout for admins and managers.
 */
import { type AlertEvent, alertsApi } from '../alerts-api.js';
import { fmtDateTime, lang, t } from '../i18n.js';
import '../i18n/alerts.js';
import { h } from './dom.js';

const SEEN_KEY = 'lb.alerts.seen';
const POLL_MS = 30_000;
const KEEP = 20;

export function bell(): { el: HTMLElement; relabel(): void; stop(): void } {
  let seen = Number(localStorage.getItem(SEEN_KEY) ?? 0);
  let after = seen;
  const events: AlertEvent[] = [];
  const count = h('span', { class: 'bell-count', hidden: true });
  const button = h('button', { type: 'button', id: 'bell', 'aria-label': t('bell.label'), 'aria-expanded': 'false' }, '🔔', count);
  const panel = h('div', { class: 'bell-panel', id: 'bell-panel', hidden: true });
  const el = h('div', { class: 'bell' }, button, panel);
  const draw = () => {
    const unread = events.filter((e) => e.id > seen).length;
    count.textContent = String(unread);
    count.hidden = unread === 0;
    button.title = t('bell.unread', { n: unread });
    const list = events.length
      ? h(
          'ul',
          {},
          ...events.map((e) =>
            h(
              'li',
              { class: e.id > seen ? 'unread' : undefined, 'data-event': e.id },
              h('a', { href: `#/alerts/${encodeURIComponent(e.alertId)}` }, e.alert.title[lang()] || e.alert.title.en),
              ` — ${t(`alerts.event.${e.kind}`)}, ${fmtDateTime(e.at)}`,
            ),
          ),
        )
      : h('p', { class: 'hint' }, t('bell.none'));
    const markRead = h('button', { type: 'button', id: 'bell-read' }, t('bell.markRead'));
    markRead.addEventListener('click', () => {
      seen = events.reduce((m, e) => Math.max(m, e.id), seen);
      localStorage.setItem(SEEN_KEY, String(seen));
      draw();
    });
    panel.replaceChildren(list, markRead);
  };
  button.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    button.setAttribute('aria-expanded', String(!panel.hidden));
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const poll = async () => {
    try {
      const { items } = await alertsApi.events(after);
      for (const e of items) after = Math.max(after, e.id);
      events.unshift(...items.reverse());
      events.splice(KEEP);
      draw();
    } catch {
      // A failed poll (gateway restarting) is retried on the next tick; the count stays as it was.
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  };
  draw();
  void poll();
  return {
    el,
    /** Its texts in the current language (the bell outlives a language switch). */
    relabel() {
      button.setAttribute('aria-label', t('bell.label'));
      draw();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
