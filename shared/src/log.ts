/**
 * The one logger of the gateway and the kiosk agent: pino JSON lines on stdout (pino-pretty only for a
 * person at a terminal), with one list of fields that may hold a secret.
 */
import pino, { type Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Logged as '[redacted]' wherever a line puts them, also inside a logged object or error (`{ err }`
 * keeps an error's own fields): the API's credentials, the MQTT password, the admin token.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  '*.*.password',
  'adminToken',
  '*.adminToken',
];

/**
 * A URL as it may be logged or shown: a password in it (mqtt://user:password@host, which MQTT.js
 * accepts) replaced by `redacted`.
 */
export function redactUrl(raw: string): string {
  if (!URL.canParse(raw)) return raw.includes('@') ? '[redacted]' : raw;
  const url = new URL(raw);
  if (url.password === '') return raw;
  url.password = 'redacted';
  return url.href;
}

export interface LogOptions {
  level: string;
  /** Fields on every line instead of pino's pid and hostname (the agent's kioskId and bootId). */
  base?: Record<string, unknown>;
  /**
   * Each line written before the call returns (the agent: it logs little, and process.exit() right
   * after a fatal line would lose an asynchronous write). The gateway, logging per request, does not.
   */
  sync?: boolean;
  pretty?: boolean;
}

export function createLogger({ level, base, sync = false, pretty = process.stdout.isTTY === true }: LogOptions): Logger {
  const options = { level, ...(base ? { base } : {}), redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (pretty) return pino(options, pino.transport({ target: 'pino-pretty', options: { destination: 1 } }));
  return pino(options, pino.destination({ dest: 1, sync }));
}
