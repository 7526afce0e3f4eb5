/** Gateway configuration from `LB_*` environment variables, validated once at start. */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { DEFAULT_TOPIC_PREFIX } from '../../shared/src/index.js';
import { LOG_LEVELS } from '../../shared/src/log.js';

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
}

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
  }
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function boolVar(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(raw)) return false;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  throw new ConfigError(name, `must be true/false (or 1/0), got "${env[name]}"`);
}

/** An optional URL variable of one of `protocols`; `notUrl` is the message for an unparsable value. */
function urlVar(env: Env, name: string, protocols: string[], expected: string, notUrl: (raw: string) => string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, notUrl(raw));
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(name, `protocol must be ${expected}, got "${url.protocol}"`);
  return raw;
}

const mqttUrl = (env: Env) =>
  urlVar(env, 'LB_MQTT_URL', ['mqtt:', 'mqtts:', 'tcp:', 'ssl:', 'ws:', 'wss:'], 'mqtt:, mqtts:, ws: or wss:', (raw) => `not a URL: "${raw}"`);

// The value is not echoed: it may hold a password.
const databaseUrl = (env: Env) =>
  urlVar(env, 'LB_DATABASE_URL', ['postgres:', 'postgresql:'], 'postgres: or postgresql:', () => 'not a URL (expected postgres://user:password@host:port/database)');

function readPem(env: Env, name: string): Buffer {
  try {
    return fs.readFileSync(env[name]!);
  } catch (err) {
    throw new ConfigError(name, `cannot read "${env[name]}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * A certificate and its private key (PEM file paths in `certVar`, `keyVar`): both or neither, the key
 * the certificate's own. Checked at start, so a bad file is a clear exit, not a failed handshake later.
 */
function certificateAndKey(env: Env, certVar: string, keyVar: string): { certFile: string; keyFile: string; cert: Buffer; key: Buffer } | undefined {
  const certFile = env[certVar] || undefined;
  const keyFile = env[keyVar] || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile) throw new ConfigError(certVar, `must be set with ${keyVar}: the certificate file (PEM)`);
  if (!keyFile) throw new ConfigError(keyVar, `must be set with ${certVar}: the private key file (PEM)`);
  const cert = readPem(env, certVar);
  const key = readPem(env, keyVar);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new ConfigError(certVar, `"${certFile}" is not a PEM certificate (${(err as Error).message})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    // The message is the parser's, never the file's content.
    throw new ConfigError(keyVar, `"${keyFile}" is not an unencrypted PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) throw new ConfigError(keyVar, `"${keyFile}" is not the key of the certificate in "${certFile}"`);
  return { certFile, keyFile, cert, key };
}

/** A CA certificate to trust (PEM file path in `name`). */
function caFile(env: Env, name: string): { file: string; pem: Buffer } | undefined {
  const file = env[name] || undefined;
  if (!file) return undefined;
  const pem = readPem(env, name);
  try {
    new X509Certificate(pem);
  } catch (err) {
    throw new ConfigError(name, `"${file}" is not a PEM certificate (${(err as Error).message})`);
  }
  return { file, pem };
}

/** LB_MQTT_TLS_CERT + LB_MQTT_TLS_KEY: the embedded broker's certificate. */
function brokerTls(env: Env, external: boolean): GatewayConfig['mqtt']['tls'] {
  if (external && (env.LB_MQTT_TLS_CERT || env.LB_MQTT_TLS_KEY)) {
    throw new ConfigError(env.LB_MQTT_TLS_CERT ? 'LB_MQTT_TLS_CERT' : 'LB_MQTT_TLS_KEY', 'configures the embedded broker; with LB_MQTT_URL the external broker terminates TLS (use an mqtts:// URL and LB_MQTT_CA)');
  }
  return certificateAndKey(env, 'LB_MQTT_TLS_CERT', 'LB_MQTT_TLS_KEY');
}

function shareGroup(env: Env): string | undefined {
  const raw = env.LB_MQTT_SHARE_GROUP;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[A-Za-z0-9_.-]+$/.test(raw)) {
    throw new ConfigError('LB_MQTT_SHARE_GROUP', `must be one topic level without wildcards or "/", got "${raw}"`);
  }
  return raw;
}

/**
 * The bootstrap admin key, chosen by a person: it guards every API call and, unlike our generated keys,
 * may be guessable. Refused when short, of few characters, a repeated unit (abcabc…) or mostly runs
 * (1234…, abcd…). The value is never echoed.
 */
function adminTokenVar(env: Env): string | undefined {
  const raw = env.LB_ADMIN_TOKEN || undefined;
  if (raw === undefined) return undefined;
  let steps = 0;
  for (let i = 1; i < raw.length; i++) if (Math.abs(raw.charCodeAt(i) - raw.charCodeAt(i - 1)) === 1) steps++;
  if (raw.length < 20 || new Set(raw).size < 10 || /^(.+)\1+$/.test(raw) || steps > raw.length / 2) {
    throw new ConfigError('LB_ADMIN_TOKEN', 'too weak: use 20 or more characters, not a pattern (e.g. the output of `openssl rand -base64 32`)');
  }
  return raw;
}

/** LB_HTTP_TLS_CERT + LB_HTTP_TLS_KEY: HTTPS for the API. */
function httpTls(env: Env): { cert: Buffer; key: Buffer } | undefined {
  const pair = certificateAndKey(env, 'LB_HTTP_TLS_CERT', 'LB_HTTP_TLS_KEY');
  return pair && { cert: pair.cert, key: pair.key };
}

function trustProxy(env: Env): string | undefined {
  const raw = env.LB_HTTP_TRUST_PROXY;
  if (raw === undefined || raw === '') return undefined;
  if (!raw.split(',').every((a) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(a.trim()))) {
    throw new ConfigError('LB_HTTP_TRUST_PROXY', `must be proxy addresses or CIDRs separated by commas, got "${raw}"`);
  }
  return raw;
}

function topicPrefix(env: Env): string {
  const raw = env.LB_TOPIC_PREFIX;
  if (raw === undefined || raw === '') return DEFAULT_TOPIC_PREFIX;
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(raw)) {
    throw new ConfigError('LB_TOPIC_PREFIX', `must be topic levels without wildcards or leading/trailing "/", got "${raw}"`);
  }
  return raw;
}

export function loadConfig(env: Env = process.env): GatewayConfig {
  const dataDir = path.resolve(env.LB_DATA_DIR || './data');
  const logLevel = (env.LB_LOG_LEVEL || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LB_LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${env.LB_LOG_LEVEL}"`);
  }
  const adminToken = adminTokenVar(env);
  const url = mqttUrl(env);
  const brokerTlsFiles = brokerTls(env, url !== undefined);
  const dynsec = boolVar(env, 'LB_MQTT_DYNSEC');
  if (dynsec && !url) throw new ConfigError('LB_MQTT_DYNSEC', 'manages kiosk logins on an external Mosquitto; set LB_MQTT_URL too');
  return {
    http: {
      port: intVar(env, 'LB_HTTP_PORT', 8080, 0, 65535),
      host: env.LB_HTTP_HOST || '0.0.0.0',
      requestTimeoutMs: intVar(env, 'LB_HTTP_REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
      maxConnections: intVar(env, 'LB_HTTP_MAX_CONNECTIONS', 512, 1, 1_000_000),
      authFailures: intVar(env, 'LB_HTTP_AUTH_FAILURES', 10, 1, 1_000_000),
      authWindowMs: intVar(env, 'LB_HTTP_AUTH_WINDOW_MS', 60_000, 1000, 86_400_000),
      trustProxy: trustProxy(env),
      tls: httpTls(env),
    },
    mqtt: {
      // 8883 is MQTT over TLS's registered port.
      port: intVar(env, 'LB_MQTT_PORT', brokerTlsFiles ? 8883 : 1883, 0, 65535),
      host: env.LB_MQTT_HOST || '0.0.0.0',
      url,
      username: env.LB_MQTT_USERNAME || undefined,
      password: env.LB_MQTT_PASSWORD || undefined,
      clientId: env.LB_MQTT_CLIENT_ID || 'lb-gateway',
      shareGroup: shareGroup(env),
      tls: brokerTlsFiles,
      ca: caFile(env, 'LB_MQTT_CA'),
      connectTimeoutMs: intVar(env, 'LB_MQTT_CONNECT_TIMEOUT_MS', 10_000, 500, 60_000),
      maxPending: intVar(env, 'LB_MQTT_MAX_PENDING', 1000, 1, 1_000_000),
      dynsec,
    },
    dataDir,
    dbFile: path.join(dataDir, 'gateway.db'),
    databaseUrl: databaseUrl(env),
    adminToken,
    devMode: boolVar(env, 'LB_DEV_MODE'),
    topicPrefix: topicPrefix(env),
    logLevel,
    deadLettersMax: intVar(env, 'LB_DEAD_LETTERS_MAX', 100_000, 100, 100_000_000),
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
