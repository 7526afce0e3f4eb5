/**
 * The console's only way to the gateway: same-origin fetch with the session cookie (never a key in the
 * browser), the session's CSRF token on unsafe methods, and a 401 sending the viewer to sign in.
 */
export interface Session {
  name: string;
  role: 'admin' | 'technician' | 'manager' | 'metrics' | 'queue' | 'reviewer' | 'crm';
  offices: string[];
  regions: string[];
  expiresAt: string;
  csrfToken: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let session: Session | null = null;

export function currentSession(): Session | null {
  return session;
}

type Query = Record<string, string | number | boolean | undefined | null | (string | number)[]>;

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
  }
  const qs = params.toString();
  return `/api/v1${path}${qs ? `?${qs}` : ''}`;
}

/** Sent to sign-in, coming back here afterwards. */
export function toSignIn(): void {
  session = null;
  const here = location.hash.startsWith('#/sign-in') ? '' : location.hash.slice(1);
  location.hash = `#/sign-in${here && here !== '/' ? `?next=${encodeURIComponent(here)}` : ''}`;
}

async function request<T>(method: string, path: string, opts: { query?: Query; body?: unknown; signIn?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && session) headers['x-csrf-token'] = session.csrfToken;
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, 'network');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const message = (data as { message?: string } | undefined)?.message ?? res.statusText;
    if (res.status === 401 && opts.signIn !== false) toSignIn();
    throw new ApiError(res.status, message);
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
  /** Every item of a paged list (`{ items, next }`), following `after`. */
  async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const out: T[] = [];
    let after: string | undefined;
    do {
      const page = await request<{ items: T[]; next: string | null }>('GET', path, { query: { ...query, limit: 1000, after } });
      out.push(...page.items);
      after = page.next ?? undefined;
    } while (after);
    return out;
  },
  /** An EventSource on an API path (same origin, cookie sent by the browser). */
  events: (path: string, query?: Query) => new EventSource(url(path, query), { withCredentials: true }),
};

/** The current session, or null when the cookie is missing or expired (no redirect). */
export async function loadSession(): Promise<Session | null> {
  try {
    session = await request<Session>('GET', '/session', { signIn: false });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) session = null;
    else throw err;
  }
  return session;
}

export async function signIn(key: string): Promise<Session> {
  session = await request<Session>('POST', '/session', { body: { key }, signIn: false });
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/session', { signIn: false });
  } finally {
    session = null;
  }
}

/** At most `limit` requests at once: a company of hundreds of offices should not queue hundreds of sockets. */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
