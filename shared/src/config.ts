/**
 * What the gateway and the kiosk agent share to read their settings: a schema checks them (see
 * gateway/src/config.ts, device/src/config.ts), environment strings become the values it expects, and a
 * ConfigError lists every problem, each naming its variable or field.
 */
import Type, { type TSchema } from 'typebox';
import { LOG_LEVELS } from './log.js';

export class ConfigError extends Error {
  /** `problems`: one line each, starting with the variable or field it is about (`LB_HTTP_PORT: …`). */
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export const LogLevel = Type.Enum(LOG_LEVELS);

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/**
 * An environment variable's text as the value its field's schema wants: a number for a number or integer
 * field, true/false (also 1/0, yes/no, on/off) for a boolean, a choice of words (the log level) in any
 * case. Anything else is left as written, for the schema to refuse by name.
 */
export function envValue(schema: TSchema, raw: string): unknown {
  const s = schema as { type?: string; enum?: unknown[] };
  const text = raw.trim();
  if ((s.type === 'integer' || s.type === 'number') && /^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (s.type === 'boolean') {
    if (TRUE.includes(text.toLowerCase())) return true;
    if (FALSE.includes(text.toLowerCase())) return false;
  }
  if (s.enum?.every((v) => typeof v === 'string')) return text.toLowerCase();
  return raw;
}
