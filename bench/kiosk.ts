/**
 * Kiosk-side benchmarks: press → outbox commit latency (synchronous=FULL), a 10 000-event backlog
 * drained by the real agent process into the real gateway's database, and the agent's memory under
 * steady pressing (agent process and its board child, measured separately).
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { DEFAULT_MISUSE_RULES } from '../shared/src/index.js';
import { SystemClock } from '../device/src/clock.js';
import { SqliteOutbox } from '../device/src/outbox.js';
import { PressRecorder } from '../device/src/press-recorder.js';
import { ROOT, registerKiosk, startAgent, startGateway, until } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { fmt, memoryMb, percentile, type BenchResult } from './stats.js';

const log = pino({ level: 'silent' });
/** The node flags of bin/lb-kiosk (`npm run kiosk`, the systemd unit: the one place they are written), so the agent is measured as it is run. */
export const KIOSK_NODE_ARGS = kioskNodeArgs();

function kioskNodeArgs(): string[] {
  const launcher = readFileSync(join(ROOT, 'bin/lb-kiosk'), 'utf8');
  const flags = /^exec node ((?:--\S+\s+)+)/m.exec(launcher)?.[1];
  if (!flags) throw new Error('bin/lb-kiosk: no `exec node --flags …` line');
  return flags.trim().split(/\s+/);
}
const noFeedback = { thank: () => undefined, showError: () => undefined };

function recorderIn(dir: string) {
  const outbox = new SqliteOutbox(join(dir, 'outbox.db'));
  const recorder = new PressRecorder({ outbox, clock: new SystemClock(true), feedback: noFeedback, log, rules: DEFAULT_MISUSE_RULES });
  return { outbox, recorder };
}

/** The same call the board's press handler makes: flag, commit (fsync), then thank. */
export async function benchPressCommit(presses = 2000): Promise<BenchResult> {
  const { outbox, recorder } = recorderIn(tempDir('press'));
  const ms: number[] = [];
  for (let i = 0; i < presses; i++) {
    const t0 = performance.now();
    recorder.record('desk', 'good');
    ms.push(performance.now() - t0);
  }
  outbox.close();
  ms.sort((a, b) => a - b);
  const p99 = percentile(ms, 99);
  return {
    name: 'kiosk press → outbox commit (WAL, synchronous=FULL)',
    figures: { presses, 'p50 ms': fmt(percentile(ms, 50), 3), 'p99 ms': fmt(p99, 3), 'max ms': fmt(ms.at(-1)!, 3) },
    target: 'p99 ≤ 5 ms',
    pass: p99 <= 5,
  };
}

/** A kiosk offline with a backlog reconnects: real agent process → embedded broker → gateway SQLite. */
export async function benchBacklogDrain(events = 10_000): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  try {
    const creds = await registerKiosk(gw, 'bench-backlog');
    const dataDir = tempDir('backlog');
    const { outbox, recorder } = recorderIn(dataDir);
    outbox.db.transaction(() => {
      for (let i = 0; i < events; i++) recorder.record('desk', 'good');
    })();
    outbox.close();

    const t0 = performance.now();
    const agent = startAgent({
      kioskId: 'bench-backlog',
      password: creds.password,
      mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`,
      dataDir,
      env: { LB_LOG_LEVEL: 'info' },
      nodeArgs: KIOSK_NODE_ARGS,
    });
    let connectedAt = 0;
    void agent.proc.waitFor((l) => l.msg === 'mqtt connected', 'mqtt connected', 60_000).then(() => (connectedAt = performance.now()));
    await until(
      async () => {
        const k = (await gw.api('GET', '/api/v1/kiosks/bench-backlog')).body;
        return k.counters.received >= events ? k : undefined;
      },
      'backlog in the gateway database',
      60_000,
    );
    const total = (performance.now() - t0) / 1000;
    const fromConnect = connectedAt ? (performance.now() - connectedAt) / 1000 : NaN;
    await agent.proc.kill('SIGTERM');
    return {
      name: 'kiosk backlog drained end to end into the gateway database',
      figures: {
        events,
        's from agent start': fmt(total),
        's from MQTT connect': fmt(fromConnect),
        'events/s from connect': Math.round(events / fromConnect),
      },
      target: '≤ 5 s for 10 000 events',
      pass: total <= 5,
    };
  } finally {
    await gw.proc.kill('SIGTERM');
  }
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The built agent on a virtual board against a real gateway, pressed 10×/s over stdin. VmRSS counts
 * the node binary's shared file pages (~40 MB, shared by every node process); RssAnon is private.
 */
export async function benchAgentRss(seconds = 20): Promise<BenchResult> {
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  try {
    const creds = await registerKiosk(gw, 'bench-rss');
    const agent = startAgent({
      kioskId: 'bench-rss',
      password: creds.password,
      mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`,
      nodeArgs: KIOSK_NODE_ARGS,
    });
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected');
    const pid = agent.proc.child.pid!;
    const buttons = ['good', 'neutral', 'bad'] as const;
    let i = 0;
    const presser = setInterval(() => agent.press('desk', buttons[i++ % 3]!), 100);
    const peak = { rss: 0, anon: 0, childRss: 0, childAnon: 0 };
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 250)); // a sampling period, not a wait for an event
      const m = memoryMb(pid);
      peak.rss = Math.max(peak.rss, m.rss);
      peak.anon = Math.max(peak.anon, m.anon);
      for (const c of childPids(pid)) {
        const cm = memoryMb(c);
        peak.childRss = Math.max(peak.childRss, cm.rss);
        peak.childAnon = Math.max(peak.childAnon, cm.anon);
      }
    }
    clearInterval(presser);
    const committed = agent.proc.count('press committed');
    await agent.proc.kill('SIGTERM');
    return {
      name: 'kiosk agent memory under steady pressing (10 presses/s)',
      figures: {
        seconds,
        presses: i,
        committed,
        'agent peak RSS MB': fmt(peak.rss, 1),
        'agent peak private MB': fmt(peak.anon, 1),
        'board child peak RSS MB': fmt(peak.childRss, 1),
        'board child peak private MB': fmt(peak.childAnon, 1),
      },
      target: 'agent RSS ≤ 80 MB',
      pass: peak.rss <= 80,
    };
  } finally {
    await gw.proc.kill('SIGTERM');
  }
}
