/**
 * Kiosk settings: one schema, a JSON file plus `LB_` environment overrides, validated at start with
 * messages that name the field (`panels[1].pins.bad: must be integer`) and cross-field checks.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import Type, { type Static, type TSchema } from 'typebox';
import {
  checker,
  DEFAULT_MISUSE_RULES,
  DEFAULT_TOPIC_PREFIX,
  KioskId,
  KioskTexts,
  MAX_EVENTS_PER_BATCH,
  MisuseRulesSchema,
  Panel,
  BUTTONS,
} from '../../shared/src/index.js';
import { ConfigError, envValue, LogLevel } from '../../shared/src/config.js';

export { ConfigError };

export const AgentConfigSchema = Type.Object(
  {
    kioskId: KioskId,
    mqtt: Type.Object(
      {
        url: Type.String({ pattern: '^(mqtts?|wss?|tcp|ssl)://' }),
        username: Type.String({ minLength: 1 }),
        password: Type.Optional(Type.String()),
        /** mqtts:/wss:: the CA certificate (PEM file) that signed the gateway's; the only one trusted. */
        ca: Type.Optional(Type.String({ minLength: 1 })),
        topicPrefix: Type.String({ minLength: 1 }),
      },
      { additionalProperties: false },
    ),
    dataDir: Type.String({ minLength: 1 }),
    /** `virtual`, `auto`, a serial port path, or `io:<package>` for a johnny-five IO plugin. */
    board: Type.String({ pattern: '^(virtual|auto|io:.+|/.+|COM[0-9]+)$' }),
    panels: Type.Array(Panel, { minItems: 1, maxItems: 16 }),
    misuse: MisuseRulesSchema,
    outbox: Type.Object(
      {
        ackTimeoutMs: Type.Integer({ minimum: 100, maximum: 600_000 }),
        batchSize: Type.Integer({ minimum: 1, maximum: MAX_EVENTS_PER_BATCH }),
        /** Batches published but not yet acknowledged; a few keep the pipe full while the gateway commits. */
        inFlightBatches: Type.Integer({ minimum: 1, maximum: 64 }),
        retentionDays: Type.Number({ minimum: 0, maximum: 3650 }),
      },
      { additionalProperties: false },
    ),
    statusIntervalMs: Type.Integer({ minimum: 1000 }),
    /** Panel screens: how long a page of a long question and the "thank you" stay, and when being offline shows. */
    display: Type.Object(
      {
        pageMs: Type.Integer({ minimum: 500, maximum: 60_000 }),
        thanksMs: Type.Integer({ minimum: 500, maximum: 60_000 }),
        offlineAfterMs: Type.Integer({ minimum: 1000 }),
        /** The local page for panels with `display.kind: screen`, on 127.0.0.1 (0: any free port). */
        pagePort: Type.Integer({ minimum: 0, maximum: 65535 }),
      },
      { additionalProperties: false },
    ),
    /** The screens' texts until the gateway's config brings its own (KioskConfigMessage.texts wins). */
    texts: Type.Optional(KioskTexts),
    /** Forces `clockSynced` when the system cannot tell (no timedatectl). */
    clockSynced: Type.Optional(Type.Boolean()),
    logLevel: LogLevel,
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfigSchema>;

export const DEFAULT_PANELS: Panel[] = [
  { id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, leds: { good: 9, neutral: 10, bad: 11 }, pullup: true },
];

function defaults(kioskId: unknown): Record<string, unknown> {
  return {
    mqtt: {
      url: 'mqtt://127.0.0.1:1883',
      topicPrefix: DEFAULT_TOPIC_PREFIX,
      ...(typeof kioskId === 'string' ? { username: kioskId } : {}),
    },
    dataDir: './data/kiosk',
    board: 'virtual',
    panels: DEFAULT_PANELS,
    misuse: DEFAULT_MISUSE_RULES,
    outbox: { ackTimeoutMs: 10_000, batchSize: MAX_EVENTS_PER_BATCH, inFlightBatches: 4, retentionDays: 7 },
    statusIntervalMs: 30_000,
    display: { pageMs: 3000, thanksMs: 2000, offlineAfterMs: 300_000, pagePort: 8377 },
    logLevel: 'info',
  };
}

/** Environment variable → config path; the value is read as its field's schema wants (envValue). */
export const ENV_FIELDS: Record<string, string> = {
  LB_KIOSK_ID: 'kioskId',
  LB_MQTT_URL: 'mqtt.url',
  LB_MQTT_USERNAME: 'mqtt.username',
  LB_MQTT_PASSWORD: 'mqtt.password',
  LB_MQTT_CA: 'mqtt.ca',
  LB_TOPIC_PREFIX: 'mqtt.topicPrefix',
  LB_DATA_DIR: 'dataDir',
  LB_BOARD: 'board',
  LB_LOG_LEVEL: 'logLevel',
  LB_CLOCK_SYNCED: 'clockSynced',
  LB_ACK_TIMEOUT_MS: 'outbox.ackTimeoutMs',
  LB_BATCH_SIZE: 'outbox.batchSize',
  LB_RETENTION_DAYS: 'outbox.retentionDays',
  LB_DISPLAY_PAGE_MS: 'display.pageMs',
  LB_DISPLAY_THANKS_MS: 'display.thanksMs',
  LB_OFFLINE_AFTER_MS: 'display.offlineAfterMs',
  LB_PAGE_PORT: 'display.pagePort',
};

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects; arrays (panels) are replaced whole. */
function merge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  return out;
}

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]!] = value;
}

/** The schema of the field at `path` (`outbox.batchSize`). */
function fieldSchema(path: string): TSchema {
  let schema: TSchema = AgentConfigSchema;
  for (const key of path.split('.')) schema = (schema as { properties?: Record<string, TSchema> }).properties![key]!;
  return schema;
}

function envOverrides(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const [name, path] of Object.entries(ENV_FIELDS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(out, path, envValue(fieldSchema(path), raw));
  }
  return out;
}

/** `panels/1/pins/bad: must be integer` → `panels[1].pins.bad: must be integer`. */
export function dottedPath(problem: string): string {
  const at = problem.indexOf(': ');
  const path = problem
    .slice(0, at)
    .split('/')
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
  return `${path}${problem.slice(at)}`;
}

/** Over TLS the kiosk trusts only its configured CA (not the system's): a URL of TLS needs `mqtt.ca`. */
export function tlsProblems(mqtt: AgentConfig['mqtt']): string[] {
  const tls = /^(mqtts|wss|ssl):/.test(mqtt.url);
  if (tls && !mqtt.ca)
    return [
      "mqtt.ca: required with a TLS URL (mqtts://, wss://): the CA certificate (PEM file) that signed the gateway's certificate; the kiosk trusts only it",
    ];
  if (!tls && mqtt.ca) return [`mqtt.ca: only used with a TLS URL (mqtts://, wss://); mqtt.url is ${mqtt.url.split('://')[0]}://`];
  return [];
}

/** Pins shared between buttons/LEDs and duplicate panel ids; messages name the field. */
export function panelProblems(panels: readonly Panel[], where = 'panels'): string[] {
  const problems: string[] = [];
  const pinOwner = new Map<number, string>();
  const ids = new Set<string>();
  panels.forEach((panel, i) => {
    if (ids.has(panel.id)) problems.push(`${where}[${i}].id: duplicate panel id "${panel.id}"`);
    ids.add(panel.id);
    const uses: [string, number | undefined][] = [
      ...BUTTONS.map((b): [string, number] => [`pins.${b}`, panel.pins[b]]),
      ...BUTTONS.map((b): [string, number | undefined] => [`leds.${b}`, panel.leds?.[b]]),
      ...(panel.display?.kind === 'lcd-parallel' ? (panel.display.pins ?? []) : []).map((pin, k): [string, number] => [
        `display.pins[${k}]`,
        pin,
      ]),
      ...(panel.reasons?.pins ?? []).map((pin, k): [string, number] => [`reasons.pins[${k}]`, pin]),
    ];
    if (panel.display?.kind === 'lcd-parallel' && !panel.display.pins)
      problems.push(`${where}[${i}].display.pins: required for a parallel LCD: [rs, en, d4, d5, d6, d7]`);
    if (panel.reasons?.pins && panel.reasons.pins.length !== panel.reasons.options.length)
      problems.push(`${where}[${i}].reasons.pins: one pin per option (${panel.reasons.options.length})`);
    for (const [field, pin] of uses) {
      if (pin === undefined) continue;
      const here = `${where}[${i}].${field}`;
      const owner = pinOwner.get(pin);
      if (owner) problems.push(`${here}: pin ${pin} is already used by ${owner}`);
      else pinOwner.set(pin, here);
    }
  });
  return problems;
}

const checkConfig = checker(AgentConfigSchema);

/** Builds and validates the config; throws ConfigError listing every problem. */
export function resolveConfig(file: Json, env: NodeJS.ProcessEnv): AgentConfig {
  const given = merge(file, envOverrides(env));
  const candidate = merge(defaults(given.kioskId), given);
  const problems = checkConfig.problems(candidate).map(dottedPath);
  if (problems.length > 0) throw new ConfigError(problems);
  const config = candidate as AgentConfig;
  const crossField = [...panelProblems(config.panels), ...tlsProblems(config.mqtt)];
  if (crossField.length > 0) throw new ConfigError(crossField);
  return config;
}

/** JSON with line and block comments and trailing commas (the shipped example is commented). */
function parseConfigText(text: string, path: string): unknown {
  const errors: ParseError[] = [];
  const parsed: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
    throw new ConfigError(errors.map((e) => `${path}: line ${lineOf(e.offset)}: not valid JSON (${printParseErrorCode(e.error)})`));
  }
  return parsed;
}

/** The CA file must be readable and a certificate: checked at start, not at the first connect. */
function checkCaFile(file: string): void {
  try {
    new X509Certificate(readFileSync(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError([
      `mqtt.ca: cannot use "${file}": ${e.code === 'ENOENT' || e.code === 'EACCES' ? e.code : `not a PEM certificate (${e.message})`}`,
    ]);
  }
}

export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  let file: Json = {};
  if (path) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError([`${path}: ${(err as Error).message}`]);
    }
    const parsed = parseConfigText(text, path);
    if (!isObject(parsed)) throw new ConfigError([`${path}: must be a JSON object`]);
    file = parsed;
  }
  const config = resolveConfig(file, env);
  if (config.mqtt.ca) checkCaFile(config.mqtt.ca);
  return config;
}
