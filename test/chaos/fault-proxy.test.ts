/** The fault proxy on a real loopback echo server: pass, cut, down, stall (black hole) and delay. */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { FaultProxy } from '../../scripts/fault-proxy.js';
import { until } from '../../scripts/lib/processes.js';

let echo: Server;
let proxy: FaultProxy;
const sockets: Socket[] = [];

beforeEach(async () => {
  echo = createServer((s) => s.pipe(s));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  proxy = new FaultProxy({ targetPort: (echo.address() as { port: number }).port, maxLifetimeMs: 20_000 });
  await proxy.start();
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await proxy.stop();
  echo.close();
});

async function client(): Promise<Socket> {
  const s = connect(proxy.port, '127.0.0.1');
  sockets.push(s);
  s.on('error', () => undefined);
  await once(s, 'connect');
  return s;
}

/** Sends `text` and resolves with the echo, or 'closed' / 'silent' after `ms`. */
function roundTrip(s: Socket, text: string, ms = 1500): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('silent'), ms);
    s.once('data', (d) => (clearTimeout(timer), resolve(d.toString())));
    s.once('close', () => (clearTimeout(timer), resolve('closed')));
    s.write(text);
  });
}

it('forwards both ways, then cut() closes every open connection', async () => {
  const s = await client();
  expect(await roundTrip(s, 'hello')).toBe('hello');
  expect(proxy.cut()).toBe(1);
  await once(s, 'close');
});

it('down() refuses connections until it restores itself', async () => {
  proxy.down(300);
  const s = await client();
  expect(await roundTrip(s, 'x')).toBe('closed');
  await until(async () => (proxy.mode === 'pass' ? true : undefined), 'the proxy to restore itself', 2_000);
  expect(await roundTrip(await client(), 'back')).toBe('back');
  expect(proxy.stats.refused).toBe(1);
});

it('stall() black-holes open and new connections and drops them when it ends', async () => {
  const open = await client();
  proxy.stall(5_000);
  expect(await roundTrip(open, 'lost', 300)).toBe('silent');
  const fresh = await client();
  expect(await roundTrip(fresh, 'lost too', 300)).toBe('silent');
  const closed = Promise.all([once(open, 'close'), once(fresh, 'close')]);
  proxy.restore();
  await closed;
  expect(proxy.stats.discardedBytes).toBe('lost'.length + 'lost too'.length);
  expect(await roundTrip(await client(), 'ok')).toBe('ok');
});

it('delay() holds every chunk and keeps their order', async () => {
  const s = await client();
  proxy.delay(2_000, 200);
  const started = Date.now();
  let got = '';
  const all = new Promise<void>((resolve) => s.on('data', (d) => ((got += d.toString()), got.length >= 3 && resolve())));
  s.write('a');
  s.write('b');
  s.write('c');
  await all;
  expect(got).toBe('abc');
  expect(Date.now() - started).toBeGreaterThanOrEqual(350); // there and back, 200 ms each way
});
