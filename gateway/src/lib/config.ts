/**
 * Gateway configuration from `LB_*` environment variables: one schema gives each variable its type,
 * range and default; checked once at start with errors that name the variable
 * (`LB_HTTP_PORT: must be an integer from 0 to 65535, got "abc"`), then the rules between variables
 * (certificate and key pairs, the files themselves).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import Value from 'typebox/value';
import { ConfigError, envValue, LogLevel } from '../../../shared/src/config.js';
import { DEFAULT_HEALTH_THRESHOLDS, DEFAULT_TOPIC_PREFIX, type HealthThresholds } from '../../../shared/src/index.js';

export { ConfigError };

export interface GatewayConfig {
  http: {
    port: number;
    host: string;
    /** A request's headers and body must have arrived within this long (slow clients hold a connection each). */
    requestTimeoutMs: number;
    /** Open API connections beyond this are closed at once: the process keeps file descriptors for MQTT and SQLite. */
    maxConnections: number;
    /** Failed API logins a source address may make per window; then it gets 429 until the window ends. */
    authFailures: number;
    authWindowMs: number;
    /** Console sessions (POST /api/v1/session): ended after this long idle, and this long after sign-in at most. */
    sessionIdleMs: number;
    sessionMaxMs: number;
    /** Proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client; none by default. */
    trustProxy?: string;
    /** HTTPS: the certificate (chain) and its private key, PEM, read and checked at start. */
    tls?: { cert: Buffer; key: Buffer };
  };
  /** Embedded aedes broker unless `url` is set. */
  mqtt: {
    port: number;
    host: string;
    url?: string;
    username?: string;
    password?: string;
    clientId: string;
    /** MQTT 5 shared-subscription group (`$share/<group>/…`) so several gateways split the kiosks' messages. */
    shareGroup?: string;
    /** Embedded broker over TLS (mqtts): PEM certificate chain and key, read and checked at start. */
    tls?: { certFile: string; keyFile: string; cert: Buffer; key: Buffer };
    /** External broker over mqtts:/wss:: trust only this CA (PEM) for its certificate. */
    ca?: { file: string; pem: Buffer };
    /** Embedded broker: a socket that has not sent its CONNECT within this is closed. */
    connectTimeoutMs: number;
    /** Embedded broker: connections open and not yet logged in, at most. */
    maxPending: number;
    /** External Mosquitto: the gateway manages kiosk logins through its dynamic-security plugin. */
    dynsec: boolean;
  };
  dataDir: string;
  /** `':memory:'` is accepted for tests. */
  dbFile: string;
  /** PostgreSQL instead of the SQLite file when set (`postgres://…`): needed by several gateways. */
  databaseUrl?: string;
  adminToken?: string;
  devMode: boolean;
  topicPrefix: string;
  logLevel: string;
  /** Oldest dead letters are pruned beyond this count. */
  deadLettersMax: number;
  /** Kiosk health rules' thresholds (docs/gateway.md#kiosk-health). */
  health: HealthThresholds;
  /** GET /metrics answers without an API key (for a Prometheus on a trusted network only). */
  metricsAnonymous: boolean;
  /** How often the alert engine re-evaluates every rule (durations, sliding windows, fleet, auto-close). */
  alertTickMs: number;
  /** Webhooks and email (gateway/src/delivery/, docs/console.md). */
  delivery: DeliveryConfig;
}

export interface DeliveryConfig {
  /** How often each loop looks for alert events to fan out and for due deliveries and reports. */
  pollMs: number;
  /** A claimed delivery is this gateway's for this long; then another may take it (longer than timeoutMs). */
  leaseMs: number;
  /** One webhook POST or SMTP send, at most. */
  timeoutMs: number;
  /** Attempts before a delivery is given up as failed (back-off doubles from retryBaseMs, with jitter). */
  maxAttempts: number;
  retryBaseMs: number;
  /**
   * LB_PUBLIC_URL: where people reach the console (https://lb.example.com), without a trailing slash; mail
   * links are made absolute with it. Absent: mail carries no links (a relative one is dead in a mail client).
   */
  publicUrl?: string;
  /** Absent: this gateway sends no email (another gateway on the same database may). Never logged. */
  smtp?: SmtpConfig;
}
export interface SmtpConfig {
  /** smtp:// or smtps:// URL (may carry user and password), else host/port/secure/user/password. */
  url?: string;
  host?: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
}

type Env = Record<string, string | undefined>;

const int = (minimum: number, maximum: number, fallback?: number) =>
  Type.Integer({ minimum, maximum, ...(fallback === undefined ? {} : { default: fallback }) });

/** A string that passes `ok`, else the problem `must(raw)` (which must not echo a secret). */
const checked = (ok: (raw: string) => boolean, must: (raw: string) => string, fallback?: string) =>
  Type.Refine(Type.String(fallback === undefined ? {} : { default: fallback }), ok, must);

const protocolOf = (raw: string): string | undefined => (URL.canParse(raw) ? new URL(raw).protocol : undefined);

/** A URL of one of `protocols`; `notUrl` is the problem with an unparsable value. */
const url = (protocols: string[], expected: string, notUrl: (raw: string) => string) =>
  Type.Refine(
    checked((raw) => URL.canParse(raw), notUrl),
    (raw) => protocolOf(raw) === undefined || protocols.includes(protocolOf(raw)!), // unparsable: said above
    (raw) => `protocol must be ${expected}, got "${protocolOf(raw)}"`,
  );

/**
 * The bootstrap admin key, chosen by a person: it guards every API call and, unlike our generated keys,
 * may be guessable. Refused when short, of few characters, a repeated unit (abcabc…) or mostly runs
 * (1234…, abcd…).
 */
function strongToken(raw: string): boolean {
  let steps = 0;
  for (let i = 1; i < raw.length; i++) if (Math.abs(raw.charCodeAt(i) - raw.charCodeAt(i - 1)) === 1) steps++;
  return !(raw.length < 20 || new Set(raw).size < 10 || /^(.+)\1+$/.test(raw) || steps > raw.length / 2);
}

/** Every variable the gateway reads. Unset or empty means the default (or none); docs/gateway.md says what each does. */
export const GatewayEnv = Type.Object({
  LB_HTTP_PORT: int(0, 65535, 8080),
  LB_HTTP_HOST: Type.String({ default: '0.0.0.0' }),
  LB_HTTP_REQUEST_TIMEOUT_MS: int(1000, 600_000, 30_000),
  LB_HTTP_MAX_CONNECTIONS: int(1, 1_000_000, 512),
  LB_HTTP_AUTH_FAILURES: int(1, 1_000_000, 10),
  LB_HTTP_AUTH_WINDOW_MS: int(1000, 86_400_000, 60_000),
  LB_SESSION_IDLE_MS: int(1000, 2_592_000_000, 8 * 3_600_000),
  LB_SESSION_MAX_MS: int(1000, 2_592_000_000, 12 * 3_600_000),
  LB_HTTP_TRUST_PROXY: Type.Optional(
    checked(
      (raw) => raw.split(',').every((a) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a.trim())),
      (raw) => `must be proxy addresses or CIDRs separated by commas, got "${raw}"`,
    ),
  ),
  LB_HTTP_TLS_CERT: Type.Optional(Type.String()),
  LB_HTTP_TLS_KEY: Type.Optional(Type.String()),
  // Default 1883, or 8883 (MQTT over TLS's registered port) with LB_MQTT_TLS_CERT.
  LB_MQTT_PORT: Type.Optional(int(0, 65535)),
  LB_MQTT_HOST: Type.String({ default: '0.0.0.0' }),
  LB_MQTT_URL: Type.Optional(
    url(['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'], 'mqtt:, mqtts:, ws: or wss:', (raw) => `not a URL: "${raw}"`),
  ),
  LB_MQTT_USERNAME: Type.Optional(Type.String()),
  LB_MQTT_PASSWORD: Type.Optional(Type.String()),
  LB_MQTT_CLIENT_ID: Type.String({ default: 'lb-gateway' }),
  LB_MQTT_SHARE_GROUP: Type.Optional(
    checked(
      (raw) => /^[A-Za-z0-9_.-]+$/.test(raw),
      (raw) => `must be one topic level without wildcards or "/", got "${raw}"`,
    ),
  ),
  LB_MQTT_TLS_CERT: Type.Optional(Type.String()),
  LB_MQTT_TLS_KEY: Type.Optional(Type.String()),
  LB_MQTT_CA: Type.Optional(Type.String()),
  LB_MQTT_CONNECT_TIMEOUT_MS: int(500, 60_000, 10_000),
  LB_MQTT_MAX_PENDING: int(1, 1_000_000, 1000),
  LB_MQTT_DYNSEC: Type.Boolean({ default: false }),
  LB_DATA_DIR: Type.String({ default: './data' }),
  // The value is not echoed: it may hold a password.
  LB_DATABASE_URL: Type.Optional(
    url(['postgres:', 'postgresql:'], 'postgres: or postgresql:', () => 'not a URL (expected postgres://user:password@host:port/database)'),
  ),
  // Never echoed.
  LB_ADMIN_TOKEN: Type.Optional(
    checked(strongToken, () => 'too weak: use 20 or more characters, not a pattern (e.g. the output of `openssl rand -base64 32`)'),
  ),
  LB_DEV_MODE: Type.Boolean({ default: false }),
  LB_TOPIC_PREFIX: checked(
    (raw) => /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(raw),
    (raw) => `must be topic levels without wildcards or leading/trailing "/", got "${raw}"`,
    DEFAULT_TOPIC_PREFIX,
  ),
  LB_LOG_LEVEL: Type.Enum(LogLevel.enum, { default: 'info' }),
  LB_DEAD_LETTERS_MAX: int(100, 100_000_000, 100_000),
  LB_HEALTH_OFFLINE_SECONDS: int(1, 604_800, DEFAULT_HEALTH_THRESHOLDS.offlineAfterMs / 1000),
  LB_HEALTH_OLDEST_PENDING_SECONDS: int(1, 604_800, DEFAULT_HEALTH_THRESHOLDS.oldestPendingMs / 1000),
  LB_HEALTH_BACKLOG_RISES: int(2, 1000, DEFAULT_HEALTH_THRESHOLDS.backlogRises),
  LB_HEALTH_MIN_AGENT_VERSION: Type.Optional(
    checked(
      (raw) => /^v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?$/.test(raw.trim()),
      (raw) => `must be a version like 1.4.0, got "${raw}"`,
    ),
  ),
  LB_METRICS_ANONYMOUS: Type.Boolean({ default: false }),
  LB_ALERT_TICK_MS: int(100, 600_000, 10_000),
  LB_DELIVERY_POLL_MS: int(10, 60_000, 50),
  LB_DELIVERY_LEASE_SECONDS: int(2, 3600, 60),
  LB_DELIVERY_TIMEOUT_MS: int(100, 120_000, 5000),
  LB_DELIVERY_MAX_ATTEMPTS: int(1, 100, 8),
  LB_DELIVERY_RETRY_BASE_MS: int(10, 3_600_000, 30_000),
  LB_PUBLIC_URL: Type.Optional(
    url(['http:', 'https:'], 'http: or https:', (raw) => `not a URL (expected https://host[/path]), got "${raw}"`),
  ),
  // Not echoed: it may hold a password.
  LB_SMTP_URL: Type.Optional(url(['smtp:', 'smtps:'], 'smtp: or smtps:', () => 'not a URL (expected smtp://user:password@host:port)')),
  LB_SMTP_HOST: Type.Optional(Type.String()),
  LB_SMTP_PORT: Type.Optional(int(1, 65535)),
  LB_SMTP_SECURE: Type.Boolean({ default: false }),
  LB_SMTP_USER: Type.Optional(Type.String()),
  // Never echoed.
  LB_SMTP_PASSWORD: Type.Optional(Type.String()),
  LB_SMTP_PASSWORD_FILE: Type.Optional(Type.String()),
  LB_SMTP_FROM: Type.String({ default: 'Loyalty Button <loyalty-button@localhost>' }),
});
type Vars = Static<typeof GatewayEnv>;
const checkEnv = Compile(GatewayEnv);

/** What a variable of this schema accepts, for a value TypeBox refused (refinements phrase their own). */
function expected(schema: TSchema, typeboxMessage: string): string {
  const s = schema as { type?: string; minimum?: number; maximum?: number; enum?: unknown[] };
  if (s.type === 'integer') return `must be an integer from ${s.minimum} to ${s.maximum}`;
  if (s.type === 'boolean') return 'must be true/false (or 1/0)';
  if (s.enum) return `must be one of ${s.enum.join(', ')}`;
  return typeboxMessage;
}

/** The variables as the schema's types, defaults filled in; throws ConfigError naming each bad one. */
function readVars(env: Env): Vars {
  const vars: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(GatewayEnv.properties)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') vars[name] = envValue(schema, raw);
  }
  Value.Default(GatewayEnv, vars);
  const problems = new Map<string, string>();
  for (const error of checkEnv.Errors(vars)) {
    const name = error.instancePath.slice(1);
    if (problems.has(name)) continue; // one problem per variable: the first
    const schema = GatewayEnv.properties[name as keyof Vars];
    problems.set(
      name,
      error.keyword === '~refine' ? `${name}: ${error.message}` : `${name}: ${expected(schema, error.message)}, got "${env[name]}"`,
    );
  }
  if (problems.size > 0) throw new ConfigError([...problems.values()]);
  return vars as Vars;
}

/** One rule between variables or about a file: the problem names `variable`. */
const fail = (variable: string, problem: string): never => {
  throw new ConfigError([`${variable}: ${problem}`]);
};

type FileVar = 'LB_HTTP_TLS_CERT' | 'LB_HTTP_TLS_KEY' | 'LB_MQTT_TLS_CERT' | 'LB_MQTT_TLS_KEY' | 'LB_MQTT_CA';

function readPem(vars: Vars, name: FileVar): Buffer {
  try {
    return fs.readFileSync(vars[name]!);
  } catch (err) {
    return fail(name, `cannot read "${vars[name]}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * A certificate and its private key (PEM file paths in `certVar`, `keyVar`): both or neither, the key
 * the certificate's own. Checked at start, so a bad file is a clear exit, not a failed handshake later.
 */
function certificateAndKey(vars: Vars, certVar: 'LB_HTTP_TLS_CERT' | 'LB_MQTT_TLS_CERT', keyVar: 'LB_HTTP_TLS_KEY' | 'LB_MQTT_TLS_KEY') {
  const certFile = vars[certVar];
  const keyFile = vars[keyVar];
  if (!certFile && !keyFile) return undefined;
  if (!certFile) return fail(certVar, `must be set with ${keyVar}: the certificate file (PEM)`);
  if (!keyFile) return fail(keyVar, `must be set with ${certVar}: the private key file (PEM)`);
  const cert = readPem(vars, certVar);
  const key = readPem(vars, keyVar);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    return fail(certVar, `"${certFile}" is not a PEM certificate (${(err as Error).message})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    // The message is the parser's, never the file's content.
    return fail(keyVar, `"${keyFile}" is not an unencrypted PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) fail(keyVar, `"${keyFile}" is not the key of the certificate in "${certFile}"`);
  return { certFile, keyFile, cert, key };
}

/** LB_MQTT_CA: a CA certificate to trust (PEM file). */
function caFile(vars: Vars): { file: string; pem: Buffer } | undefined {
  const file = vars.LB_MQTT_CA;
  if (!file) return undefined;
  const pem = readPem(vars, 'LB_MQTT_CA');
  try {
    new X509Certificate(pem);
  } catch (err) {
    fail('LB_MQTT_CA', `"${file}" is not a PEM certificate (${(err as Error).message})`);
  }
  return { file, pem };
}

/** LB_MQTT_TLS_CERT + LB_MQTT_TLS_KEY: the embedded broker's certificate. */
function brokerTls(vars: Vars): GatewayConfig['mqtt']['tls'] {
  if (vars.LB_MQTT_URL && (vars.LB_MQTT_TLS_CERT || vars.LB_MQTT_TLS_KEY)) {
    fail(
      vars.LB_MQTT_TLS_CERT ? 'LB_MQTT_TLS_CERT' : 'LB_MQTT_TLS_KEY',
      'configures the embedded broker; with LB_MQTT_URL the external broker terminates TLS (use an mqtts:// URL and LB_MQTT_CA)',
    );
  }
  return certificateAndKey(vars, 'LB_MQTT_TLS_CERT', 'LB_MQTT_TLS_KEY');
}

/** LB_HTTP_TLS_CERT + LB_HTTP_TLS_KEY: HTTPS for the API. */
function httpTls(vars: Vars): { cert: Buffer; key: Buffer } | undefined {
  const pair = certificateAndKey(vars, 'LB_HTTP_TLS_CERT', 'LB_HTTP_TLS_KEY');
  return pair && { cert: pair.cert, key: pair.key };
}

function dynsec(vars: Vars): boolean {
  if (vars.LB_MQTT_DYNSEC && !vars.LB_MQTT_URL)
    fail('LB_MQTT_DYNSEC', 'manages kiosk logins on an external Mosquitto; set LB_MQTT_URL too');
  return vars.LB_MQTT_DYNSEC;
}

/** LB_SMTP_*: a URL or a host; the password from LB_SMTP_PASSWORD or a file (Docker/systemd secrets). */
function smtp(vars: Vars): SmtpConfig | undefined {
  if (!vars.LB_SMTP_URL && !vars.LB_SMTP_HOST) {
    for (const v of ['LB_SMTP_USER', 'LB_SMTP_PASSWORD', 'LB_SMTP_PASSWORD_FILE', 'LB_SMTP_PORT'] as const)
      if (vars[v] !== undefined) fail(v, 'needs LB_SMTP_HOST (or LB_SMTP_URL)');
    return undefined;
  }
  if (vars.LB_SMTP_URL && vars.LB_SMTP_HOST) fail('LB_SMTP_HOST', 'give LB_SMTP_URL or LB_SMTP_HOST, not both');
  if (vars.LB_SMTP_PASSWORD !== undefined && vars.LB_SMTP_PASSWORD_FILE)
    fail('LB_SMTP_PASSWORD_FILE', 'give LB_SMTP_PASSWORD or LB_SMTP_PASSWORD_FILE, not both');
  let password = vars.LB_SMTP_PASSWORD;
  if (vars.LB_SMTP_PASSWORD_FILE) {
    try {
      password = fs.readFileSync(vars.LB_SMTP_PASSWORD_FILE, 'utf8').trim();
    } catch (err) {
      fail(
        'LB_SMTP_PASSWORD_FILE',
        `cannot read "${vars.LB_SMTP_PASSWORD_FILE}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
  }
  const secure = vars.LB_SMTP_SECURE || (vars.LB_SMTP_URL ? new URL(vars.LB_SMTP_URL).protocol === 'smtps:' : false);
  return {
    url: vars.LB_SMTP_URL,
    host: vars.LB_SMTP_HOST,
    port: vars.LB_SMTP_PORT ?? (secure ? 465 : 587),
    secure,
    user: vars.LB_SMTP_USER,
    password,
    from: vars.LB_SMTP_FROM,
  };
}

/** Runs each rule, collecting every problem (not only the first) into one ConfigError. */
function allRules<T extends Record<string, () => unknown>>(rules: T): { [K in keyof T]: ReturnType<T[K]> } {
  const problems: string[] = [];
  const results: Record<string, unknown> = {};
  for (const [key, rule] of Object.entries(rules)) {
    try {
      results[key] = rule();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return results as { [K in keyof T]: ReturnType<T[K]> };
}

export function loadConfig(env: Env = process.env): GatewayConfig {
  const vars = readVars(env);
  const ruled = allRules({
    brokerTls: () => brokerTls(vars),
    httpTls: () => httpTls(vars),
    ca: () => caFile(vars),
    dynsec: () => dynsec(vars),
    smtp: () => smtp(vars),
  });
  const dataDir = path.resolve(vars.LB_DATA_DIR);
  return {
    http: {
      port: vars.LB_HTTP_PORT,
      host: vars.LB_HTTP_HOST,
      requestTimeoutMs: vars.LB_HTTP_REQUEST_TIMEOUT_MS,
      maxConnections: vars.LB_HTTP_MAX_CONNECTIONS,
      authFailures: vars.LB_HTTP_AUTH_FAILURES,
      authWindowMs: vars.LB_HTTP_AUTH_WINDOW_MS,
      sessionIdleMs: vars.LB_SESSION_IDLE_MS,
      sessionMaxMs: vars.LB_SESSION_MAX_MS,
      trustProxy: vars.LB_HTTP_TRUST_PROXY,
      tls: ruled.httpTls,
    },
    mqtt: {
      port: vars.LB_MQTT_PORT ?? (ruled.brokerTls ? 8883 : 1883),
      host: vars.LB_MQTT_HOST,
      url: vars.LB_MQTT_URL,
      username: vars.LB_MQTT_USERNAME,
      password: vars.LB_MQTT_PASSWORD,
      clientId: vars.LB_MQTT_CLIENT_ID,
      shareGroup: vars.LB_MQTT_SHARE_GROUP,
      tls: ruled.brokerTls,
      ca: ruled.ca,
      connectTimeoutMs: vars.LB_MQTT_CONNECT_TIMEOUT_MS,
      maxPending: vars.LB_MQTT_MAX_PENDING,
      dynsec: ruled.dynsec,
    },
    dataDir,
    dbFile: path.join(dataDir, 'gateway.db'),
    databaseUrl: vars.LB_DATABASE_URL,
    adminToken: vars.LB_ADMIN_TOKEN,
    devMode: vars.LB_DEV_MODE,
    topicPrefix: vars.LB_TOPIC_PREFIX,
    logLevel: vars.LB_LOG_LEVEL,
    deadLettersMax: vars.LB_DEAD_LETTERS_MAX,
    health: {
      offlineAfterMs: vars.LB_HEALTH_OFFLINE_SECONDS * 1000,
      oldestPendingMs: vars.LB_HEALTH_OLDEST_PENDING_SECONDS * 1000,
      backlogRises: vars.LB_HEALTH_BACKLOG_RISES,
      minAgentVersion: vars.LB_HEALTH_MIN_AGENT_VERSION?.trim() ?? DEFAULT_HEALTH_THRESHOLDS.minAgentVersion,
    },
    metricsAnonymous: vars.LB_METRICS_ANONYMOUS,
    alertTickMs: vars.LB_ALERT_TICK_MS,
    delivery: {
      pollMs: vars.LB_DELIVERY_POLL_MS,
      leaseMs: vars.LB_DELIVERY_LEASE_SECONDS * 1000,
      timeoutMs: vars.LB_DELIVERY_TIMEOUT_MS,
      maxAttempts: vars.LB_DELIVERY_MAX_ATTEMPTS,
      retryBaseMs: vars.LB_DELIVERY_RETRY_BASE_MS,
      ...(vars.LB_PUBLIC_URL ? { publicUrl: vars.LB_PUBLIC_URL.trim().replace(/\/+$/, '') } : {}),
      smtp: ruled.smtp,
    },
  };
}

/** A config for tests: in-memory database, random ports, loopback only. */
export function testConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const base = loadConfig({ LB_HTTP_PORT: '0', LB_MQTT_PORT: '0', LB_LOG_LEVEL: 'silent' });
  return {
    ...base,
    http: { ...base.http, host: '127.0.0.1' },
    mqtt: { ...base.mqtt, host: '127.0.0.1' },
    dbFile: ':memory:',
    ...overrides,
  };
}
