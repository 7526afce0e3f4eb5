/**
 * Slowloris against a real gateway process: more connections than the process has file descriptors,
 * each announcing a 1 MB body and trickling it a byte at a time (so no idle timeout ever fires). The
 * gateway must refuse connections beyond its cap, close the ones it took by its request timeout, keep
 * its open files bounded meanwhile, go on taking presses over MQTT, and answer /health once the cap frees.
 */
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { batch, event, kiosk } from '../gateway/helpers.js';
import { registerKiosk, startGateway, type Gateway } from '../../scripts/lib/processes.js';

const FD_LIMIT = 1024; // the gateway's RLIMIT_NOFILE: a small host's default
const ATTACKERS = 1500; // more than it has file descriptors
const CAP = 200; // LB_HTTP_MAX_CONNECTIONS
const REQUEST_TIMEOUT_MS = 3000; // LB_HTTP_REQUEST_TIMEOUT_MS

let gw: Gateway | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await gw?.proc.kill();
});

const openFiles = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

interface Attacker {
  socket: Socket;
  received: string;
  closedAt?: number;
}

/** A request whose body never finishes arriving: headers at once, then one byte every 500 ms. */
function slowBody(port: number): Promise<Attacker> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    const a: Attacker = { socket, received: '' };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (a.received += d));
    socket.on('error', () => undefined); // a refused or reset connection is an outcome, not a test error
    let trickle: NodeJS.Timeout | undefined;
    socket.on('close', () => {
      a.closedAt ??= Date.now();
      clearInterval(trickle);
      resolve(a);
    });
    socket.on('connect', () => {
      socket.write(
        'PUT /api/v1/offices/o-1/visitors HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n',
      );
      trickle = setInterval(() => socket.writable && socket.write('{'), 500);
      resolve(a);
    });
  });
}

it('closes slow-body connections by its timeouts, caps its open files, and keeps MQTT and /health working', async () => {
  gw = await startGateway({
    fdLimit: FD_LIMIT,
    env: { LB_HTTP_MAX_CONNECTIONS: String(CAP), LB_HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
  });
  const pid = gw.proc.child.pid!;
  const password = await registerKiosk(gw, 'k-under-attack');
  const idleFiles = openFiles(pid);

  let maxFiles = idleFiles;
  const sampler = setInterval(() => gw!.proc.running && (maxFiles = Math.max(maxFiles, openFiles(pid))), 50);
  const attackStart = Date.now();
  const attackers = await Promise.all(Array.from({ length: ATTACKERS }, () => slowBody(gw!.httpPort)));
  const allClosed = Promise.all(attackers.map((a) => new Promise<void>((r) => (a.closedAt ? r() : a.socket.once('close', () => r())))));

  // During the attack: a kiosk connects and gets a press acked.
  const e = event(1);
  const acked = await (async () => {
    const k = await kiosk(`mqtt://127.0.0.1:${gw!.mqttPort}`, 'k-under-attack', password.password);
    await k.publishEvents(batch('k-under-attack', [e]));
    const ack = await k.nextAck(5000);
    await k.close();
    return ack.ids;
  })().catch((err: Error) => err.message);
  const heldDuringAck = attackers.filter((a) => a.closedAt === undefined).length;

  const deadline = REQUEST_TIMEOUT_MS + 5000;
  await Promise.race([allClosed, new Promise((r) => setTimeout(r, deadline - (Date.now() - attackStart)))]);
  clearInterval(sampler);
  const open = attackers.filter((a) => a.closedAt === undefined).length;
  // (An early 401 may come first: node keeps reading the announced body after a response.)
  const held = attackers.filter((a) => a.received.includes('HTTP/1.1 408 '));
  console.log(
    `slowloris: ${ATTACKERS} attackers; gateway files ${idleFiles} idle, max ${maxFiles}; kiosk press: ${JSON.stringify(acked)} ` +
      `with ${heldDuringAck} attackers open; ${held.length} closed with 408, ${open} still open after ${deadline} ms`,
  );

  expect(acked).toEqual([e.id]);
  expect(heldDuringAck).toBeGreaterThanOrEqual(CAP / 2); // the ack came while the attack held the gateway
  expect(maxFiles).toBeLessThanOrEqual(idleFiles + CAP + 20);
  expect(open).toBe(0);
  expect(held.length).toBeGreaterThan(0);
  expect(held.length).toBeLessThanOrEqual(CAP);

  // The cap has freed: a fresh connection gets /health.
  const health = await fetch(`http://127.0.0.1:${gw.httpPort}/api/v1/health`);
  expect(health.status).toBe(200);
  expect(gw.proc.running).toBe(true);
}, 60_000);
