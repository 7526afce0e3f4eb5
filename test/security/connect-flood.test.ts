/**
 * Attack: memory before login. Hundreds of sockets each send most of a huge CONNECT and never finish
 * it; idle sockets that never send a CONNECT; more unauthenticated sockets than the broker should hold.
 * Against a real gateway process (embedded aedes broker) over TCP; its RSS read from /proc.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type net from 'node:net';
import { startGateway, until, type Gateway } from '../../scripts/lib/processes.js';
import { connect, partialConnect, rssMiB, sleep } from './helpers.js';

const running: Gateway[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(running.splice(0).map((g) => g.proc.kill()));
});

async function gateway(env: Record<string, string> = {}): Promise<Gateway> {
  const gw = await startGateway({ env });
  running.push(gw);
  return gw;
}

/** Highest RSS seen while `ms` pass (sampled every 100 ms). */
async function peakRss(pid: number, ms: number): Promise<number> {
  let peak = rssMiB(pid);
  for (const end = Date.now() + ms; Date.now() < end; ) {
    await sleep(100);
    peak = Math.max(peak, rssMiB(pid));
  }
  return peak;
}

const closedCount = (list: net.Socket[]) => list.filter((s) => s.destroyed || s.closed).length;

describe('CONNECT flood before authentication', () => {
  it('keeps RSS bounded when 400 sockets each send 900 KB of an unfinished CONNECT', async () => {
    const gw = await gateway();
    const pid = gw.proc.child.pid!;
    const before = rssMiB(pid);
    const flood = await Promise.all(Array.from({ length: 400 }, () => partialConnect(gw.mqttPort!, 1_000_000, 900_000)));
    sockets.push(...flood);
    const peak = await peakRss(pid, 3000);
    const growth = peak - before;
    console.log(
      `connect flood: RSS ${before.toFixed(0)} MiB → peak ${peak.toFixed(0)} MiB (+${growth.toFixed(0)} MiB) for 400 × 900 KB partial CONNECTs; ${closedCount(flood)} of 400 closed by the gateway`,
    );
    expect(growth).toBeLessThan(64);
    // Refused on the length its header announces, not after buffering it.
    expect(closedCount(flood)).toBe(400);
  }, 60_000);

  it('closes a connection whose CONNECT does not arrive within the connect timeout', async () => {
    const gw = await gateway({ LB_MQTT_CONNECT_TIMEOUT_MS: '2000' });
    const opened = Date.now();
    // Announces a 200-byte CONNECT (under any size cap) and sends only 40 bytes of it.
    const slow = await Promise.all(Array.from({ length: 20 }, () => partialConnect(gw.mqttPort!, 200, 40)));
    sockets.push(...slow);
    await Promise.all(slow.map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r)))));
    const took = Date.now() - opened;
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(10_000); // aedes' default is 30 s
  }, 40_000);

  it('caps unauthenticated connections; a kiosk logs in once they are gone', async () => {
    const gw = await gateway({ LB_MQTT_MAX_PENDING: '100', LB_MQTT_CONNECT_TIMEOUT_MS: '3000' });
    const creds = (await gw.api('POST', '/api/v1/kiosks', { id: 'k-cap' })).body.mqtt;
    const idle = await Promise.all(Array.from({ length: 150 }, () => partialConnect(gw.mqttPort!, 200, 0)));
    sockets.push(...idle);
    // The 50 over the cap are closed at accept, long before the 3 s connect timeout.
    await until(async () => (closedCount(idle) >= 50 ? true : undefined), '50 sockets closed', 2000);
    expect(closedCount(idle)).toBe(50);
    // The others hit the connect timeout; then a legitimate kiosk gets in.
    await Promise.all(idle.map((s) => (s.closed ? undefined : new Promise((r) => s.once('close', r)))));
    const kiosk = await connect(`mqtt://127.0.0.1:${gw.mqttPort}`, { clientId: 'k-cap', username: 'k-cap', password: creds.password });
    expect(kiosk.connected).toBe(true);
    await kiosk.endAsync();
    expect(gw.proc.lines.some((l) => l.msg === 'mqtt unauthenticated connection cap reached; refusing connections')).toBe(true);
  }, 40_000);
});
