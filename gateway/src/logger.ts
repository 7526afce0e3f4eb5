/** pino to stdout as JSON (one object per line); pino-pretty only for a person at a terminal. */
import pino, { type Logger, type LoggerOptions } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'password',
  '*.password',
  'mqtt.password',
  'adminToken',
  '*.adminToken',
];

export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  const options: LoggerOptions = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { destination: 1 } } });
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
