import { describe, expect, it } from 'vitest';
import { resolveConfig, ConfigError, DEFAULT_PANELS } from '../../device/src/config.js';

const panel = (id: string, good: number, neutral: number, bad: unknown) => ({ id, kind: 'staff', pins: { good, neutral, bad } });

function problemsOf(file: object, env: Record<string, string> = {}): string[] {
  try {
    resolveConfig(file as Record<string, unknown>, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('config', () => {
  it('fills defaults: username = kioskId, one staff panel desk on pins 2/3/4 with LEDs 9/10/11', () => {
    const config = resolveConfig({}, { LB_KIOSK_ID: 'k1' });
    expect(config.mqtt).toEqual({ url: 'mqtt://127.0.0.1:1883', username: 'k1', topicPrefix: 'lb/v1' });
    expect(config.panels).toEqual(DEFAULT_PANELS);
    expect(config.panels[0]).toMatchObject({ id: 'desk', pins: { good: 2, neutral: 3, bad: 4 }, leds: { good: 9, neutral: 10, bad: 11 } });
    expect(config.dataDir).toBe('./data/kiosk');
    expect(config.outbox.batchSize).toBe(500);
  });

  it('environment overrides the file, numbers and booleans parsed', () => {
    const config = resolveConfig(
      { kioskId: 'file', board: 'auto', mqtt: { url: 'mqtt://a:1' } },
      { LB_KIOSK_ID: 'env', LB_MQTT_PASSWORD: '123', LB_BATCH_SIZE: '50', LB_CLOCK_SYNCED: 'false', LB_BOARD: 'virtual' },
    );
    expect(config).toMatchObject({ kioskId: 'env', board: 'virtual', clockSynced: false, outbox: { batchSize: 50 } });
    expect(config.mqtt).toMatchObject({ url: 'mqtt://a:1', username: 'env', password: '123' });
  });

  it("reads each variable as its field's type, the same way as the gateway", () => {
    const config = resolveConfig(
      {},
      { LB_KIOSK_ID: '123', LB_MQTT_PASSWORD: '007', LB_CLOCK_SYNCED: 'off', LB_LOG_LEVEL: 'DEBUG', LB_RETENTION_DAYS: '0.5' },
    );
    expect(config).toMatchObject({ kioskId: '123', clockSynced: false, logLevel: 'debug', outbox: { retentionDays: 0.5 } });
    expect(config.mqtt).toMatchObject({ username: '123', password: '007' });
    expect(problemsOf({ kioskId: 'k' }, { LB_CLOCK_SYNCED: 'maybe' })).toEqual(['clockSynced: must be boolean']);
  });

  it.each([
    [{}, {}, 'kioskId'],
    [{ kioskId: 'k', panels: [panel('a', 2, 3, 4), panel('b', 5, 6, 'x')] }, {}, 'panels[1].pins.bad: must be integer'],
    [{ kioskId: 'k' }, { LB_BATCH_SIZE: '600' }, 'outbox.batchSize: must be <= 500'],
    [{ kioskId: 'k' }, { LB_BATCH_SIZE: 'many' }, 'outbox.batchSize: must be integer'],
    [{ kioskId: 'k', bogus: 1 }, {}, 'bogus'],
    [{ kioskId: 'k/1' }, {}, 'kioskId: must match pattern'],
    [{ kioskId: 'k', mqtt: { url: 'http://x' } }, {}, 'mqtt.url'],
    [{ kioskId: 'k', logLevel: 'loud' }, {}, 'logLevel'],
    [{ kioskId: 'k' }, { LB_BOARD: 'virtul' }, 'board: must match pattern'],
    [{ kioskId: 'k' }, { LB_MQTT_URL: 'mqtts://gw:8883' }, 'mqtt.ca: required with a TLS URL'],
    [{ kioskId: 'k' }, { LB_MQTT_CA: '/etc/lb/ca.pem' }, 'mqtt.ca: only used with a TLS URL'],
  ])('rejects %j %j naming %s', (file, env, expected) => {
    expect(problemsOf(file, env).join('\n')).toContain(expected);
  });

  it('cross-field: duplicate panel ids and pins used twice', () => {
    const problems = problemsOf({
      kioskId: 'k',
      panels: [
        { ...panel('a', 2, 3, 4), leds: { good: 9 } },
        { ...panel('a', 5, 3, 6), leds: { bad: 9 } },
      ],
    });
    expect(problems).toEqual([
      'panels[1].id: duplicate panel id "a"',
      'panels[1].pins.neutral: pin 3 is already used by panels[0].pins.neutral',
      'panels[1].leds.bad: pin 9 is already used by panels[0].leds.good',
    ]);
  });
});

describe('loadConfig (file)', () => {
  it('reads a JSON file, and names the file when it is not JSON', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { loadConfig } = await import('../../device/src/config.js');
    const { tempDir, removeTempDirs } = await import('./helpers.js');
    const dir = tempDir();
    const good = join(dir, 'kiosk.json');
    writeFileSync(good, JSON.stringify({ kioskId: 'from-file', board: '/dev/ttyACM0' }));
    expect(loadConfig(good, {})).toMatchObject({ kioskId: 'from-file', board: '/dev/ttyACM0' });
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{ kioskId: ');
    expect(() => loadConfig(bad, {})).toThrow(/broken\.json: .*JSON/);
    // The CA for mqtts is read at start: a missing file or one that is no certificate is named.
    const tls = { LB_KIOSK_ID: 'k', LB_MQTT_URL: 'mqtts://gw:8883' };
    expect(() => loadConfig(undefined, { ...tls, LB_MQTT_CA: join(dir, 'missing.pem') })).toThrow(
      /mqtt\.ca: cannot use ".*missing\.pem": ENOENT/,
    );
    expect(() => loadConfig(undefined, { ...tls, LB_MQTT_CA: good })).toThrow(
      /mqtt\.ca: cannot use ".*kiosk\.json": not a PEM certificate/,
    );
    removeTempDirs();
  });

  it('reads the shipped commented example, and names the line of a broken one', async () => {
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { loadConfig } = await import('../../device/src/config.js');
    const { tempDir, removeTempDirs } = await import('./helpers.js');
    const config = loadConfig('device/kiosk.example.json', {});
    expect(config).toMatchObject({
      kioskId: 'branch-12-desk-3',
      board: 'auto',
      mqtt: { username: 'branch-12-desk-3', password: 'paste-the-password-here' },
    });
    expect(config.panels).toEqual([
      expect.objectContaining({ id: 'desk', kind: 'staff', pins: { good: 2, neutral: 3, bad: 4 }, pullup: true }),
    ]);
    const dir = tempDir();
    const bad = join(dir, 'kiosk.json');
    writeFileSync(bad, '{\n  // a comment\n  "kioskId": "k1",\n  "board" "auto"\n}');
    expect(() => loadConfig(bad, {})).toThrow(/kiosk\.json: line 4: not valid JSON/);
    removeTempDirs();
  });
});
