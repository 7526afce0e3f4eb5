/**
 * Press → visible in the API, where a manager or technician feels it: the real agent process (virtual
 * board under johnny-five, SQLite outbox with fsync, MQTT.js) online against the real gateway process
 * (embedded broker, SQLite), one press at a time. The clock starts when the press command is written to
 * the agent (its board child then pulls the pin down at once; a real button has no such hop, so the
 * figure is an upper bound) and stops when `GET /api/v1/kiosks/{id}/events` lists the press — the
 * answer the office's scores come from too (one transaction writes both). Polled every 5 ms over a
 * kept-alive connection, so each figure is late by at most that much.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { registerKiosk, startAgent, startGateway, until } from '../scripts/lib/processes.js';
import { KIOSK_NODE_ARGS } from './kiosk.js';
import { fmt, percentile, type BenchResult } from './stats.js';

const BUTTONS = ['good', 'neutral', 'bad'] as const;
const POLL_MS = 5;

export async function benchPressVisible(presses = 200): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const kioskId = 'bench-visible';
  const { password } = await registerKiosk(gw, kioskId);
  const agent = startAgent({ kioskId, password, mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`, nodeArgs: KIOSK_NODE_ARGS }); // as `npm run kiosk` runs it
  try {
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    await agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'mqtt connected');
    const stored = async (seq: number) => {
      const res = await gw.api<{ items: { seq: number }[] }>('GET', `/api/v1/kiosks/${kioskId}/events?afterSeq=${seq - 1}&limit=1`);
      return res.body.items[0]?.seq === seq;
    };
    const ms: number[] = [];
    for (let seq = 1; seq <= presses; seq++) {
      const t0 = performance.now();
      agent.press('desk', BUTTONS[seq % 3]!);
      await until(async () => ((await stored(seq)) ? true : undefined), `press ${seq} visible`, 10_000, POLL_MS);
      ms.push(performance.now() - t0);
      await sleep(100); // the finger lifts (the virtual press holds the pin 40 ms) before the next one
    }
    ms.sort((a, b) => a - b);
    const p99 = percentile(ms, 99);
    return {
      name: 'press → visible in the API (real agent online, real gateway)',
      figures: {
        presses,
        'p50 / p99 / max ms': `${fmt(percentile(ms, 50), 1)} / ${fmt(p99, 1)} / ${fmt(ms.at(-1)!, 1)}`,
        includes: `stdin → board child → johnny-five debounce (7 ms) → outbox fsync → MQTT → gateway commit → API; polled every ${POLL_MS} ms`,
      },
      target: 'p99 ≤ 500 ms',
      pass: p99 <= 500,
    };
  } finally {
    await agent.proc.kill('SIGTERM');
    await gw.proc.kill('SIGTERM');
  }
}
