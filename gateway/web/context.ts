/** What a page gets: where to draw, its route's parameters and query, and a way to clean up when left. */
import type { Session } from './api.js';

export interface PageContext {
  /** The page's own element inside the layout; empty when render is called. */
  root: HTMLElement;
  /** Route parameters, e.g. `{ id }` for `#/offices/:id`. */
  params: Record<string, string>;
  /** The hash's query (`#/offices/x?period=7d`). */
  query: URLSearchParams;
  /** The signed-in session (null only on the sign-in page). */
  session: Session | null;
  /** Sets the page title (the layout's heading and document.title). */
  title(text: string): void;
  /** Changes query parameters (null removes one); re-renders the page. */
  navigate(params: Record<string, string | null>): void;
  /** Runs when the viewer leaves the page or it re-renders (close EventSources, timers…). */
  onLeave(fn: () => void): void;
  /** True once the viewer left: an async render should stop drawing. */
  readonly left: boolean;
}

export interface PageModule {
  render(ctx: PageContext): Promise<void>;
}

export interface Route {
  /** `/offices/:id` */
  path: string;
  load: () => Promise<PageModule>;
  /** Shown in the navigation under this message id (top-level pages only). */
  nav?: string;
  /** Roles that see it in the navigation (all when absent). */
  roles?: string[];
  /** Open without a session (sign-in). */
  public?: boolean;
}
