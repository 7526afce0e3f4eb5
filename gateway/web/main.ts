/**
 * The console's entry: a hash router over pages/index.ts, the layout (navigation, language switch,
 * sign-out) and the error shown in the page when a page fails. No framework: each page draws into its
 * own element and cleans up through ctx.onLeave.
 */
import { ApiError, currentSession, loadSession, signOut, toSignIn } from './api.js';
import { bell } from './components/bell.js';
import { h } from './components/dom.js';
import type { PageContext, Route } from './context.js';
import { lang, setLang, t } from './i18n.js';
import { routes } from './pages/index.js';

const app = document.getElementById('app')!;
let leaveCurrent: (() => void) | undefined;
let renderSeq = 0;

interface Match {
  route: Route;
  params: Record<string, string>;
  query: URLSearchParams;
}

function match(hash: string): Match | undefined {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?', 2) as [string, string | undefined];
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    const pattern = route.path.split('/').filter(Boolean);
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((p, i) => {
      if (p.startsWith(':')) return ((params[p.slice(1)] = decodeURIComponent(parts[i]!)), true);
      return p === parts[i];
    });
    if (ok) return { route, params, query: new URLSearchParams(qs ?? '') };
  }
  return undefined;
}

/** The notifications bell (components/bell.ts), made once per visit. */
let notifications: ReturnType<typeof bell> | undefined;

function layout(): { main: HTMLElement; heading: HTMLElement } {
  const session = currentSession();
  const current = (location.hash.replace(/^#/, '') || '/').split('?')[0];
  const nav = h('nav', { class: 'nav', 'aria-label': t('nav.label') });
  if (session) {
    for (const r of routes.filter((r) => r.nav && (!r.roles || r.roles.includes(session.role)))) {
      const a = h('a', { href: `#${r.path}` }, t(r.nav!));
      if (r.path === current) a.setAttribute('aria-current', 'page');
      nav.append(a);
    }
  }
  const tools = h(
    'div',
    { class: 'tools' },
    h('button', { type: 'button', id: 'lang', onclick: () => (setLang(lang() === 'en' ? 'ru' : 'en'), void render()) }, t('lang.switch')),
    session && h('span', { class: 'who' }, `${session.name} · ${t(`role.${session.role}`)}`),
    session &&
      h(
        'button',
        {
          type: 'button',
          id: 'sign-out',
          onclick: async () => {
            await signOut().catch(() => undefined);
            toSignIn();
          },
        },
        t('nav.signOut'),
      ),
  );
  // One bell for the whole visit (it polls): re-attached to each layout, stopped when no one may see alerts.
  if (session && (session.role === 'admin' || session.role === 'manager')) {
    notifications ??= bell();
    notifications.relabel();
    tools.prepend(notifications.el);
  } else {
    notifications?.stop();
    notifications = undefined;
  }
  const heading = h('h1', {});
  const main = h('main', { id: 'page' });
  app.replaceChildren(h('header', { class: 'top' }, h('a', { class: 'brand', href: '#/' }, t('app.title')), nav, tools), heading, main);
  return { main, heading };
}

/** A failure drawn in the page, in the viewer's language; 401s have already gone to sign-in. */
export function showError(target: HTMLElement, err: unknown): void {
  const message = err instanceof ApiError ? (err.status === 0 ? t('error.network') : `${err.status}: ${err.message}`) : String(err);
  target.replaceChildren(h('div', { class: 'error', role: 'alert' }, h('strong', {}, t('error.title')), ' ', message));
}

async function render(): Promise<void> {
  const seq = ++renderSeq;
  leaveCurrent?.();
  leaveCurrent = undefined;
  document.documentElement.lang = lang();
  const m = match(location.hash);
  if (!m?.route.public && !currentSession()) {
    try {
      if (!(await loadSession())) return toSignIn();
    } catch (err) {
      return showError(layout().main, err);
    }
    if (seq !== renderSeq) return;
  }
  const { main, heading } = layout();
  document.body.classList.toggle('print', m?.query.get('print') === '1');
  if (!m) {
    heading.textContent = t('error.notFound');
    return;
  }
  const cleanups: (() => void)[] = [];
  let left = false;
  leaveCurrent = () => {
    left = true;
    for (const fn of cleanups.splice(0)) fn();
  };
  const ctx: PageContext = {
    root: main,
    params: m.params,
    query: m.query,
    session: currentSession(),
    title(text) {
      heading.textContent = text;
      document.title = `${text} · ${t('app.title')}`;
    },
    navigate(params) {
      const q = new URLSearchParams(m.query);
      for (const [k, v] of Object.entries(params)) v === null ? q.delete(k) : q.set(k, v);
      const path = location.hash.replace(/^#/, '').split('?')[0] || '/';
      const qs = q.toString();
      location.hash = `#${path}${qs ? `?${qs}` : ''}`;
    },
    // A page left while it was still loading registers its cleanups afterwards: run them at once, or its
    // EventSource stays open for the tab's life: each holds one of the browser's 6 connections per host
    // (six quick period changes froze the tab) and one of the key's 8 live streams (then 429s elsewhere).
    onLeave: (fn) => (left ? fn() : void cleanups.push(fn)),
    get left() {
      return left;
    },
  };
  main.append(h('p', { class: 'loading' }, t('loading')));
  try {
    const page = await m.route.load();
    if (left) return;
    main.replaceChildren();
    await page.render(ctx);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    if (!left) showError(main, err);
  }
  // Marks the route drawn (the browser tests wait for it).
  if (!left) main.dataset.ready = location.hash || '#/';
}

window.addEventListener('hashchange', () => void render());
void render();
