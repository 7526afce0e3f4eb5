import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../gateway/src/lib/config.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.http).toEqual({
      port: 8080,
      host: '0.0.0.0',
      requestTimeoutMs: 30_000,
      maxConnections: 512,
      authFailures: 10,
      authWindowMs: 60_000,
      sessionIdleMs: 8 * 3_600_000,
      sessionMaxMs: 12 * 3_600_000,
      trustProxy: undefined,
      tls: undefined,
    });
    expect(c.mqtt).toMatchObject({ port: 1883, url: undefined, clientId: 'lb-gateway' });
    expect(c.dbFile).toMatch(/data[/\\]gateway\.db$/);
    expect(c).toMatchObject({ devMode: false, topicPrefix: 'lb/v1', logLevel: 'info', adminToken: undefined });
  });

  it('reads every LB_ variable', () => {
    const c = loadConfig({
      LB_HTTP_PORT: '0',
      LB_HTTP_HOST: '127.0.0.1',
      LB_MQTT_PORT: '0',
      LB_MQTT_URL: 'mqtt://broker:1883',
      LB_MQTT_USERNAME: 'gw',
      LB_MQTT_PASSWORD: 'pw',
      LB_DATA_DIR: '/tmp/lb',
      LB_ADMIN_TOKEN: 'long-enough-and-varied-0123',
      LB_DEV_MODE: 'true',
      LB_TOPIC_PREFIX: 'acme/lb',
      LB_LOG_LEVEL: 'debug',
      LB_DEAD_LETTERS_MAX: '500',
      LB_HTTP_REQUEST_TIMEOUT_MS: '5000',
      LB_HTTP_MAX_CONNECTIONS: '64',
      LB_HTTP_AUTH_FAILURES: '3',
      LB_HTTP_AUTH_WINDOW_MS: '5000',
      LB_HTTP_TRUST_PROXY: '10.0.0.1,192.168.0.0/16',
    });
    expect(c).toMatchObject({
      http: {
        port: 0,
        host: '127.0.0.1',
        requestTimeoutMs: 5000,
        maxConnections: 64,
        authFailures: 3,
        authWindowMs: 5000,
        trustProxy: '10.0.0.1,192.168.0.0/16',
        tls: undefined,
      },
      mqtt: { port: 0, url: 'mqtt://broker:1883', username: 'gw', password: 'pw' },
      dataDir: '/tmp/lb',
      adminToken: 'long-enough-and-varied-0123',
      devMode: true,
      topicPrefix: 'acme/lb',
      logLevel: 'debug',
      deadLettersMax: 500,
    });
  });

  it.each([
    ['LB_HTTP_PORT', 'abc'],
    ['LB_HTTP_PORT', '70000'],
    ['LB_MQTT_PORT', '-1'],
    ['LB_MQTT_URL', 'not a url'],
    ['LB_MQTT_URL', 'http://broker'],
    ['LB_DEV_MODE', 'maybe'],
    ['LB_TOPIC_PREFIX', 'lb/+/x'],
    ['LB_LOG_LEVEL', 'loud'],
    ['LB_ADMIN_TOKEN', 'short'],
    ['LB_MQTT_CONNECT_TIMEOUT_MS', '100'],
    ['LB_MQTT_MAX_PENDING', '0'],
    ['LB_MQTT_DYNSEC', 'true'], // without LB_MQTT_URL
    ['LB_MQTT_CA', '/nonexistent/ca.pem'],
    ['LB_ADMIN_TOKEN', '12345678901234567890'],
    ['LB_HTTP_TRUST_PROXY', 'proxy.example'],
    ['LB_HTTP_REQUEST_TIMEOUT_MS', '0'],
    ['LB_HTTP_MAX_CONNECTIONS', '0'],
    ['LB_PUBLIC_URL', 'lb.example.com'],
    ['LB_PUBLIC_URL', 'ftp://lb.example.com'],
  ])('names %s in the error for "%s"', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
  });

  it('LB_PUBLIC_URL: the console’s address for mail links, its trailing slash dropped; absent by default', () => {
    expect(loadConfig({ LB_PUBLIC_URL: 'https://lb.example.com/console/' }).delivery.publicUrl).toBe('https://lb.example.com/console');
    expect(loadConfig({}).delivery.publicUrl).toBeUndefined();
  });

  it('lists every bad variable at once, each by name, then the rules between variables', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
      return [];
    };
    // A bad value hides the rules between variables (LB_MQTT_DYNSEC without LB_MQTT_URL) until it is fixed.
    expect(problems({ LB_HTTP_PORT: 'abc', LB_LOG_LEVEL: 'loud', LB_DEV_MODE: 'maybe', LB_MQTT_DYNSEC: 'true' })).toEqual([
      'LB_HTTP_PORT: must be an integer from 0 to 65535, got "abc"',
      'LB_DEV_MODE: must be true/false (or 1/0), got "maybe"',
      'LB_LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
    expect(problems({ LB_MQTT_DYNSEC: 'true', LB_HTTP_TLS_CERT: '/nonexistent/cert.pem', LB_MQTT_CA: '/nonexistent/ca.pem' })).toEqual([
      'LB_HTTP_TLS_KEY: must be set with LB_HTTP_TLS_CERT: the private key file (PEM)',
      'LB_MQTT_CA: cannot read "/nonexistent/ca.pem": ENOENT',
      'LB_MQTT_DYNSEC: manages kiosk logins on an external Mosquitto; set LB_MQTT_URL too',
    ]);
  });

  it('wants both TLS files or neither, and names the one it cannot read', () => {
    expect(() => loadConfig({ LB_HTTP_TLS_CERT: '/nonexistent/cert.pem' })).toThrow(/^LB_HTTP_TLS_KEY: must be set with LB_HTTP_TLS_CERT/);
    expect(() => loadConfig({ LB_HTTP_TLS_KEY: '/nonexistent/key.pem' })).toThrow(/^LB_HTTP_TLS_CERT: must be set with LB_HTTP_TLS_KEY/);
    expect(() => loadConfig({ LB_HTTP_TLS_CERT: '/nonexistent/cert.pem', LB_HTTP_TLS_KEY: '/nonexistent/key.pem' })).toThrow(
      'LB_HTTP_TLS_CERT: cannot read "/nonexistent/cert.pem": ENOENT',
    );
  });
});

describe('TLS settings (certificates made with openssl)', () => {
  it('reads a certificate and its key, defaults the port to 8883, and names what is wrong', async () => {
    const { makeCertificates } = await import('../support/certificates.js');
    const certs = makeCertificates();
    const c = loadConfig({ LB_MQTT_TLS_CERT: certs.cert, LB_MQTT_TLS_KEY: certs.key, LB_MQTT_CA: certs.ca });
    expect(c.mqtt).toMatchObject({ port: 8883, tls: { certFile: certs.cert, keyFile: certs.key }, ca: { file: certs.ca } });
    expect(() => loadConfig({ LB_MQTT_TLS_CERT: certs.cert })).toThrow(/^LB_MQTT_TLS_KEY: must be set with LB_MQTT_TLS_CERT/);
    expect(() => loadConfig({ LB_MQTT_TLS_CERT: '/nonexistent/cert.pem', LB_MQTT_TLS_KEY: certs.key })).toThrow(
      'LB_MQTT_TLS_CERT: cannot read "/nonexistent/cert.pem": ENOENT',
    );
    expect(() => loadConfig({ LB_MQTT_TLS_CERT: certs.cert, LB_MQTT_TLS_KEY: certs.ca })).toThrow(
      /^LB_MQTT_TLS_KEY: .* is not an unencrypted PEM private key/,
    );
    expect(() => loadConfig({ LB_MQTT_TLS_CERT: certs.key, LB_MQTT_TLS_KEY: certs.key })).toThrow(
      /^LB_MQTT_TLS_CERT: .* is not a PEM certificate/,
    );
    expect(() => loadConfig({ LB_MQTT_TLS_CERT: certs.cert, LB_MQTT_TLS_KEY: certs.key, LB_MQTT_URL: 'mqtts://broker:8883' })).toThrow(
      /^LB_MQTT_TLS_CERT: configures the embedded broker/,
    );
  });
});
