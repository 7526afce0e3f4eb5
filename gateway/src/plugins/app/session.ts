/**
 * Console sessions: an API key is exchanged once (POST /api/v1/session) for a random 256-bit token in an
 * HttpOnly, SameSite=Strict cookie (Secure under TLS); the database keeps only its hash
 * (store/sessions.ts). Each session has a CSRF token derived from its cookie token (so nothing more is
 * stored), which cookie-authenticated unsafe requests must echo in `x-csrf-token`; their `Origin`, when
 * sent, must be this gateway's. Sessions end at sign-out, after `sessionIdleMs` unused, `sessionMaxMs`
 * after sign-in, or when their key is revoked or rotated.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ulid } from 'ulid';
import type { GatewayConfig } from '../../lib/config.js';
import { hashSecret } from '../../lib/secrets.js';
import type { ApiKey, Store } from '../../store/store.js';
import type { SessionRecord } from '../../store/sessions.js';

export const SESSION_COOKIE = 'lb_session';
/** last_seen is written at most once a minute per session (a tenth of the idle time if shorter): idle expiry needs no finer grain. */
const TOUCH_EVERY_MS = 60_000;
const PRUNE_EVERY_MS = 10 * 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The session cookie's token when the request was authenticated by it. */
    sessionToken?: string;
  }
}

export interface OpenedSession {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

export class Sessions {
  constructor(
    private readonly store: Store,
    readonly idleMs: number,
    readonly maxMs: number,
  ) {}

  async open(key: ApiKey & { hash: string }): Promise<OpenedSession> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const expiresAt = now + this.maxMs;
    await this.store.sessions.create({
      id: ulid(),
      tokenHash: hashSecret(token),
      keyId: key.id,
      keyHash: key.hash,
      createdAt: now,
      expiresAt,
      lastSeen: now,
    });
    return { token, csrfToken: csrfFor(token), expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The live session of a cookie token and its key, or undefined; marks it used. */
  async find(token: string): Promise<{ session: SessionRecord; key: ApiKey } | undefined> {
    const now = Date.now();
    const found = await this.store.sessions.find(hashSecret(token), now, this.idleMs);
    if (found && now - found.session.lastSeen >= Math.min(TOUCH_EVERY_MS, this.idleMs / 10))
      await this.store.sessions.touch(found.session.id, now);
    return found;
  }

  async close(token: string): Promise<void> {
    await this.store.sessions.delete(hashSecret(token));
  }

  async prune(): Promise<number> {
    return this.store.sessions.prune(Date.now(), this.idleMs);
  }
}

/** The session's CSRF token: a one-way function of its cookie token, which a page on another origin cannot read. */
export function csrfFor(token: string): string {
  return createHash('sha256').update(`lb-csrf\0${token}`).digest('base64url');
}

export function csrfMatches(token: string, presented: string | string[] | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(csrfFor(token));
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An `Origin` header, when sent, must name this gateway (as the browser reached it). */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  return origin === `${req.protocol}://${req.host}`;
}

export function isUnsafe(req: FastifyRequest): boolean {
  return !SAFE_METHODS.has(req.method);
}

export function sessionCookie(req: FastifyRequest): string | undefined {
  const value = req.cookies?.[SESSION_COOKIE];
  return value && value.length <= 128 ? value : undefined;
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: req.protocol === 'https',
    path: '/',
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', path: '/' });
}

/** Cookie parsing, the session store's front, and a pruning loop stopped when the app closes. */
export async function registerSessions(app: FastifyInstance, store: Store, http: GatewayConfig['http']): Promise<Sessions> {
  await app.register(cookie);
  const sessions = new Sessions(store, http.sessionIdleMs, http.sessionMaxMs);
  const prune = setInterval(() => {
    sessions.prune().catch((err: Error) => app.log.warn({ err }, 'pruning sessions failed'));
  }, PRUNE_EVERY_MS).unref();
  app.addHook('onClose', async () => clearInterval(prune));
  return sessions;
}
