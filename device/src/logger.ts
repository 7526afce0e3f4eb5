import pino, { type Logger } from 'pino';

/** JSON lines on stdout (pretty only for a person at a terminal); the MQTT password never appears. */
export function createLogger(level: string, base: Record<string, unknown>): Logger {
  const options = { level, base, redact: { paths: ['password', '*.password', '*.*.password'], censor: '[redacted]' } };
  if (process.stdout.isTTY) return pino(options, pino.transport({ target: 'pino-pretty', options: { destination: 1 } }));
  return pino(options, pino.destination({ dest: 1, sync: true }));
}
