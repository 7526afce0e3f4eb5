/**
 * `npm run demo`: a gateway (embedded broker + SQLite in a temporary folder) and one kiosk agent on
 * a virtual board. Press 1/2/3 (good/neutral/bad) and watch the gateway count each press once;
 * u/r unplug and replug the virtual board; q quits. johnny-five stays in the path.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const root = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'lb-demo-'));
const adminToken = randomBytes(24).toString('base64url');
const kioskId = 'demo-kiosk';

async function startGateway(): Promise<{ http: string; mqttPort: number; stop: () => Promise<void> }> {
  const gw = spawn(process.execPath, [join(root, 'dist/gateway/src/server.js')], {
    env: {
      ...process.env,
      LB_DATA_DIR: join(dataDir, 'gateway'),
      LB_ADMIN_TOKEN: adminToken,
      LB_HTTP_HOST: '127.0.0.1',
      LB_HTTP_PORT: process.env.LB_HTTP_PORT ?? '0',
      LB_MQTT_PORT: process.env.LB_MQTT_PORT ?? '0',
      LB_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: gw.stdout });
  for await (const text of lines) {
    const line = JSON.parse(text) as { msg?: string; httpPort?: number; mqttPort?: number };
    if (line.msg === 'gateway ready') {
      lines.on('line', () => undefined); // keep draining the gateway's log
      const exited = once(gw, 'exit');
      return {
        http: `http://127.0.0.1:${line.httpPort}`,
        mqttPort: line.mqttPort!,
        stop: async () => void (gw.kill('SIGTERM'), await exited),
      };
    }
  }
  throw new Error('the gateway exited before it was ready');
}

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function main(): Promise<void> {
  const gw = await startGateway();
  const { mqtt } = await api<{ mqtt: { password: string } }>(gw.http, 'POST', '/api/v1/kiosks', { id: kioskId });
  console.log(`Gateway API ${gw.http}/docs (admin token for this demo: ${adminToken})`);
  console.log('Press 1 = good, 2 = neutral, 3 = bad; u = unplug, r = replug the virtual board; q = quit.\n');

  const agent = spawn(process.execPath, [join(root, 'dist/device/src/main.js')], {
    env: {
      ...process.env,
      LB_KIOSK_ID: kioskId,
      LB_MQTT_URL: `mqtt://127.0.0.1:${gw.mqttPort}`,
      LB_MQTT_PASSWORD: mqtt.password,
      LB_DATA_DIR: join(dataDir, 'kiosk'),
      LB_BOARD: 'virtual',
      LB_LOG_LEVEL: process.env.LB_LOG_LEVEL ?? 'warn',
    },
    stdio: 'inherit',
  });

  // A signal to the demo stops the agent; the demo then stops the gateway and removes its data as after `q`.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => agent.kill('SIGTERM'));

  // One poll at a time, and every figure from the same answer, so the line never shows a count that a
  // later poll has to correct (two requests could straddle a press; overlapping polls could finish out of order).
  let running = true;
  const watch = (async () => {
    let last = '';
    while (running) {
      try {
        const line = await countLine(gw.http);
        if (line !== last) console.log(`\r${(last = line)}`);
      } catch {
        // the gateway is shutting down; the loop ends with the agent
      }
      await sleep(500);
    }
  })();

  await once(agent, 'exit');
  running = false;
  await watch;
  await gw.stop();
}

/** The kiosk's stored presses, paged through by seq, counted by button. */
async function countLine(http: string): Promise<string> {
  const by = { good: 0, neutral: 0, bad: 0 };
  for (let after: number | null = 0; after !== null; ) {
    const page: { items: { button: keyof typeof by }[]; nextAfterSeq: number | null } = await api(
      http,
      'GET',
      `/api/v1/kiosks/${kioskId}/events?limit=1000&afterSeq=${after}`,
    );
    for (const e of page.items) by[e.button]++;
    after = page.nextAfterSeq;
  }
  return `gateway counted ${by.good + by.neutral + by.bad}: good ${by.good}, neutral ${by.neutral}, bad ${by.bad}`;
}

// The demo's gateway and kiosk data live only as long as the demo.
process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
