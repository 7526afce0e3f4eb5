/** A tiny element builder: `h('a', { href: '#/' }, 'Home')`. Text is always set as text (no HTML injection). */
type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, '').toLowerCase(), v);
    else if (k === 'class') el.className = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** A hash link keeping the current period query (from/to/period) when moving between pages. */
export function link(path: string, text: string, query?: URLSearchParams): HTMLAnchorElement {
  const keep = new URLSearchParams();
  for (const k of ['period', 'from', 'to']) {
    const v = query?.get(k);
    if (v) keep.set(k, v);
  }
  const qs = keep.toString();
  return h('a', { href: `#${path}${qs ? `?${qs}` : ''}` }, text);
}
