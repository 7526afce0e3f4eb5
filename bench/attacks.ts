/**
 * Attack figures against a real gateway process (embedded broker, SQLite), for docs/security.md:
 * - memory before login: `sockets` connections each send 900 KB of a CONNECT announcing 1 MB and never
 *   finish it; the gateway's peak RSS growth over the 3 s after the last write, and how many it closed;
 * - wrong logins from one source: `lanes` raw sockets in a loop CONNECT with a registered kiosk id and
 *   a wrong password for `seconds`; how many the broker answered per second, split into refusals after
 *   a password check (CONNACK 4/5) and refusals of a throttled source (CONNACK 3) or closes.
 */
import { performance } from 'node:perf_hooks';
import type net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { registerKiosk, startGateway } from '../scripts/lib/processes.js';
import { partialConnect, rawConnect } from '../scripts/lib/raw-mqtt.js';
import { fmt, memoryMb, type BenchResult } from './stats.js';

export async function benchAttacks(o: { sockets: number; lanes: number; seconds: number }): Promise<BenchResult> {
  const gw = await startGateway({ logLevel: 'warn' });
  const pid = gw.proc.child.pid!;
  const figures: Record<string, number | string> = {};
  const open: net.Socket[] = [];
  try {
    const creds = await registerKiosk(gw, 'k-victim');
    const before = memoryMb(pid).rss;
    const flood = await Promise.all(Array.from({ length: o.sockets }, () => partialConnect(gw.mqttPort!, 1_000_000, 900_000)));
    open.push(...flood);
    let peak = before;
    for (const end = Date.now() + 3000; Date.now() < end; await sleep(100)) peak = Math.max(peak, memoryMb(pid).rss);
    figures[`RSS before (MB)`] = fmt(before);
    figures[`peak RSS growth, ${o.sockets} × 900 KB partial CONNECT (MB)`] = fmt(peak - before);
    figures['partial CONNECTs closed by the gateway'] = `${flood.filter((s) => s.closed || s.destroyed).length} / ${o.sockets}`;
    for (const s of open.splice(0)) s.destroy();

    const counts = { checked: 0, throttled: 0, accepted: 0 };
    const t0 = performance.now();
    const lane = async () => {
      while (performance.now() - t0 < o.seconds * 1000) {
        const r = await rawConnect(gw.mqttPort!, {
          clientId: 'k-victim',
          username: 'k-victim',
          password: Buffer.from(`${creds.password}x`),
        });
        r.socket.destroy();
        if ('closed' in r || r.connack.returnCode === 3) counts.throttled++;
        else if (r.connack.returnCode === 0) counts.accepted++;
        else counts.checked++;
      }
    };
    await Promise.all(Array.from({ length: o.lanes }, lane));
    const s = (performance.now() - t0) / 1000;
    figures['wrong logins checked per second (one source)'] = fmt(counts.checked / s);
    figures['attempts refused unchecked (throttled) per second'] = fmt(counts.throttled / s);
    figures['wrong logins accepted'] = counts.accepted;
    const pass = peak - before < 128 && counts.checked / s < 20 && counts.accepted === 0;
    return {
      name: 'attacks: CONNECT flood memory, wrong-login rate',
      figures,
      target:
        'RSS growth < 128 MB (at most LB_MQTT_MAX_PENDING sockets × one 64 KiB read); < 20 wrong logins checked per second from one source',
      pass,
    };
  } finally {
    for (const s of open) s.destroy();
    await gw.proc.kill();
  }
}
