/**
 * Attack: guessing kiosk passwords as fast as the broker answers. Hundreds of wrong MQTT logins from
 * one source against a real gateway process; the broker must stop checking them (refused CONNACK
 * without a password check), log failed logins at info without the secret, and let the source in
 * again once it stops failing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { registerKiosk, startGateway, until, type Gateway } from '../../scripts/lib/processes.js';
import { connect, loginOutcome, rawConnect } from './helpers.js';

let gw: Gateway | undefined;
afterEach(async () => {
  await gw?.proc.kill();
  gw = undefined;
});

describe('failed MQTT logins from one source', () => {
  it('are throttled, logged at info without the password, and the source gets in again after a pause', async () => {
    gw = await startGateway();
    const { password } = await registerKiosk(gw, 'k-guessed');
    const wrong = `${password.slice(0, -4)}nope`;
    const codes: number[] = [];
    const t0 = Date.now();
    const lane = async () => {
      while (codes.length < 300) {
        const r = await rawConnect(gw!.mqttPort!, { clientId: 'k-guessed', username: 'k-guessed', password: Buffer.from(wrong) });
        r.socket.destroy();
        codes.push('closed' in r ? -1 : r.connack.returnCode);
      }
    };
    await Promise.all(Array.from({ length: 16 }, lane));
    const seconds = (Date.now() - t0) / 1000;
    const checked = codes.filter((c) => c === 4 || c === 5).length; // the password was compared
    const throttled = codes.filter((c) => c === 3).length; // refused before any check
    console.log(`wrong logins: ${codes.length} in ${seconds.toFixed(1)} s from one source: ${checked} checked, ${throttled} throttled`);
    expect(codes).not.toContain(0);
    // A burst of 10, then one a second.
    expect(checked).toBeLessThanOrEqual(10 + Math.ceil(seconds) + 1);
    expect(throttled).toBeGreaterThan(250);

    // Logged at info with who and from where, never with the password tried.
    const failed = gw.proc.lines.filter((l) => l.msg === 'mqtt login failed');
    expect(failed.length).toBe(checked);
    expect(failed[0]).toMatchObject({ level: 30, kioskId: 'k-guessed', source: '127.0.0.1', reason: 'wrong password' });
    expect(gw.proc.lines.some((l) => l.msg === 'mqtt logins throttled' && l.source === '127.0.0.1')).toBe(true);
    expect(gw.proc.lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(wrong);

    // While throttled even the right password is refused unchecked; after a pause it is accepted.
    expect(await loginOutcome(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'k-guessed', username: 'k-guessed', password })).toMatch(
      /Server unavailable/,
    );
    await until(
      async () =>
        (await loginOutcome(`mqtt://127.0.0.1:${gw!.mqttPort}`, { clientId: 'k-guessed', username: 'k-guessed', password })) === 'accepted'
          ? true
          : undefined,
      'the right password accepted again',
      15_000,
    );
  }, 60_000);

  it('do not stop a fleet behind one address from logging in at once', async () => {
    gw = await startGateway();
    const kiosks = await Promise.all(
      Array.from({ length: 40 }, (_, i) => registerKiosk(gw!, `k-fleet-${i}`).then((c) => ({ id: `k-fleet-${i}`, ...c }))),
    );
    // A few failures first (a kiosk with an old password), then everyone reconnects together.
    for (let i = 0; i < 5; i++)
      expect(
        await loginOutcome(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'k-fleet-0', username: 'k-fleet-0', password: 'old' }),
      ).toMatch(/Bad username or password/);
    const clients = await Promise.all(
      kiosks.map((k) => connect(`mqtt://127.0.0.1:${gw!.mqttPort}`, { clientId: k.id, username: k.id, password: k.password })),
    );
    expect(clients.every((c) => c.connected)).toBe(true);
    await Promise.all(clients.map((c) => c.endAsync()));
  });
});
