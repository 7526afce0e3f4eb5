/**
 * Waits the web-b page tests share. Predicates are functions, not strings: Playwright evaluates a string
 * predicate with eval when it has to poll, which the console's CSP (script-src 'self') rightly refuses.
 */
import type { Page } from 'playwright-core';

// The predicates run in the page; the test project's TypeScript has no DOM library, so the two globals they read are declared here.
// biome-ignore lint/suspicious/noExplicitAny: browser globals inside page.waitForFunction
declare const document: any;
declare const location: { hash: string };

/** The router marks `main#page[data-ready]` with the route it drew once the page's render has finished. */
export async function drawn(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('main#page')?.dataset.ready === (location.hash || '#/'), undefined, {
    timeout: 20_000,
  });
}

/** Goes to a console route and waits until its page has drawn. */
export async function go(page: Page, base: string, route: string): Promise<void> {
  await page.goto(`${base}/#${route}`);
  await drawn(page);
}

/** Waits until the hash holds every one of `parts` and none of `absent` (a filter applied), then for the redraw. */
export async function hashIs(page: Page, parts: string[], absent: string[] = []): Promise<void> {
  await page.waitForFunction(
    ([want, not]) => want!.every((x) => location.hash.includes(x)) && !not!.some((x) => location.hash.includes(x)),
    [parts, absent],
  );
  await drawn(page);
}

/** Waits until no element matches `selector`. */
export async function none(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((sel) => !document.querySelector(sel), selector);
}
