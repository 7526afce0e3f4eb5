/**
 * The gateway's REST API as `lb` uses it: the URL and key from --gateway/--key or LB_GATEWAY_URL/LB_API_KEY
 * (so the key need not be in the shell's history), and every failure turned into one line a technician
 * can act on (CliError).
 */
import type { Command } from 'commander';
import { CliError } from './cli.js';

export interface GatewayOptions {
  gateway?: string;
  key?: string;
}

/** Adds --gateway and --key to a command that talks to the gateway. */
export function gatewayOptions(cmd: Command): Command {
  return cmd
    .option('--gateway <url>', 'the gateway, e.g. http://gateway.local:8080 (env LB_GATEWAY_URL)')
    .option('--key <key>', 'an API key (env LB_API_KEY; keeps it out of the shell history)');
}

export class Api {
  readonly base: string;
  private readonly key: string;

  constructor(opts: GatewayOptions, env: NodeJS.ProcessEnv = process.env) {
    const url = opts.gateway ?? env.LB_GATEWAY_URL;
    const key = opts.key ?? env.LB_API_KEY;
    if (!url) throw new CliError('no gateway: give --gateway URL or set LB_GATEWAY_URL', 2);
    if (!key) throw new CliError('no API key: give --key or set LB_API_KEY', 2);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CliError(`--gateway: "${url}" is not a URL (e.g. http://gateway.local:8080)`, 2);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new CliError(`--gateway: "${url}" must start with http:// or https://`, 2);
    this.base = parsed.origin + parsed.pathname.replace(/\/+$/, '');
    this.key = key;
  }

  /** The gateway's host name, for a default broker URL on the same machine. */
  get hostname(): string {
    return new URL(this.base).hostname;
  }

  /** GET /api/v1/health: needs no key; tells the embedded broker's port. */
  async health(): Promise<{ broker?: { mode?: string; port?: number | null } }> {
    try {
      const res = await fetch(`${this.base}/api/v1/health`, { signal: AbortSignal.timeout(15_000) });
      return (await res.json()) as { broker?: { mode?: string; port?: number | null } };
    } catch (err) {
      throw new CliError(`cannot reach the gateway at ${this.base} (${reason(err)})`, 3);
    }
  }

  /** Sends a request; any answer but 2xx becomes a CliError saying what went wrong. */
  // biome-ignore lint/suspicious/noExplicitAny: callers name the body type they expect.
  async request<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    if (res.ok) return res.body as T;
    throw this.refusal(res.status, res.body, method, path);
  }

  /** Like request, but returns non-2xx answers to the caller (e.g. 409 on register) instead of throwing. */
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  async send<T = any>(method: string, path: string, body?: unknown): Promise<{ ok: boolean; status: number; body: T }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new CliError(`cannot reach the gateway at ${this.base} (${reason(err)})`, 3);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a proxy's error page): kept as text for the message.
    }
    return { ok: res.ok, status: res.status, body: parsed as T };
  }

  refusal(status: number, body: unknown, method: string, path: string): CliError {
    const message =
      typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : String(body ?? '').slice(0, 200);
    if (status === 401)
      return new CliError('the key was refused by the gateway (unknown, revoked or rotated): check --key / LB_API_KEY', 4);
    if (status === 403) return new CliError(`the key's role may not do this: ${message}`, 4);
    if (status === 404) return new CliError(message || `not found: ${method} ${path}`, 5);
    if (status === 400 || status === 409) return new CliError(message, 2);
    return new CliError(`the gateway answered ${status} to ${method} ${path}: ${message}`, 1);
  }
}

/** The code of a fetch failure (ECONNREFUSED, ENOTFOUND, timeout), not undici's "fetch failed". */
function reason(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError') return 'no answer within 15 s';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
