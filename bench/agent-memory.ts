/**
 * The whole kiosk agent's memory as its systemd unit runs it: node directly with bin/lb-kiosk's flags
 * (no npm), against a real gateway, on the emulated Uno running the real StandardFirmata when gcc and
 * libsimavr are there (else the virtual board, and the figures say so), connected and pressed; then
 * /proc of the agent and every process under it.
 *
 * Two totals. PSS from smaps_rollup splits each shared page between all processes mapping it — here
 * that includes the gateway's node and anything else running node on this machine, so it understates
 * what a kiosk pays. "Resident, unique" counts every page the agent's processes map exactly once
 * (physical frames from /proc/<pid>/pagemap, which needs root): what PSS sums to on a kiosk where nothing
 * else maps those pages — the honest figure, an upper bound.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { registerKiosk, startAgent, startGateway, type Agent } from '../scripts/lib/processes.js';
import { tempDir } from '../scripts/lib/temp-dirs.js';
import { ensureEmulator, ensureFirmware, Uno } from '../scripts/lib/avr/uno.js';
import { KIOSK_NODE_ARGS } from './kiosk.js';
import { fmt, type BenchResult } from './stats.js';

const MB = 1024 * 1024;
const PAGE = 4096;

/** The process and everything below it, parents first. */
function tree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // gone meanwhile
  }
  return [pid, ...children.flatMap(tree)];
}

function rollup(pid: number): { rss: number; pss: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: (kb('Rss') * 1024) / MB, pss: (kb('Pss') * 1024) / MB };
}

/** Physical frames of the process's resident pages; undefined when /proc hides them (not root). */
function frames(pid: number, into: Set<bigint>): boolean {
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4})/.exec(line);
      if (!m || m[3] === '---p' || line.endsWith('[vsyscall]')) continue; // untouched reservations; the kernel's page
      const start = BigInt(`0x${m[1]}`);
      const pages = Number((BigInt(`0x${m[2]}`) - start) / BigInt(PAGE));
      const buf = Buffer.alloc(pages * 8);
      readSync(fd, buf, 0, buf.length, Number((start / BigInt(PAGE)) * 8n));
      for (let i = 0; i < pages; i++) {
        const entry = buf.readBigUInt64LE(i * 8);
        if (!(entry >> 63n)) continue; // not present
        const pfn = entry & ((1n << 55n) - 1n);
        if (pfn === 0n) return false;
        into.add(pfn);
      }
    }
    return true;
  } catch {
    return false; // vsyscall and the like cannot be read
  } finally {
    closeSync(fd);
  }
}

interface Sample {
  procs: { pid: number; name: string; rss: number; pss: number }[];
  pss: number;
  unique: number | undefined;
}

function sample(agentPid: number): Sample {
  const pids = tree(agentPid);
  const procs = pids.map((pid) => {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const name =
      cmd
        .find((a) => a.endsWith('.js'))
        ?.split('/')
        .pop() ?? cmd[0]!;
    return { pid, name, ...rollup(pid) };
  });
  const all = new Set<bigint>();
  const readable = pids.every((pid) => frames(pid, all));
  return { procs, pss: procs.reduce((s, p) => s + p.pss, 0), unique: readable ? (all.size * PAGE) / MB : undefined };
}

function emulatorAvailable(): boolean {
  try {
    ensureFirmware();
    ensureEmulator();
    return true;
  } catch {
    return false;
  }
}

export async function benchAgentMemory(presses = 30): Promise<BenchResult> {
  const real = emulatorAvailable();
  const gw = await startGateway({ env: { LB_LOG_LEVEL: 'warn' } });
  const dir = tempDir('agent-memory');
  const port = join(dir, 'ttyACM0');
  const uno = real ? await Uno.start(port) : undefined;
  let agent: Agent | undefined;
  try {
    const creds = await registerKiosk(gw, 'bench-memory');
    agent = startAgent({
      kioskId: 'bench-memory',
      password: creds.password,
      mqttUrl: `mqtt://127.0.0.1:${gw.mqttPort}`,
      dataDir: join(dir, 'data'),
      env: { LB_BOARD: real ? port : 'virtual' },
      nodeArgs: KIOSK_NODE_ARGS,
    });
    await agent.proc.waitFor((l) => l.msg === 'board connected', 'board connected', 30_000);
    const pid = agent.proc.child.pid!;
    const pins = [2, 3, 4];
    const buttons = ['good', 'neutral', 'bad'] as const;
    let peak: Sample | undefined;
    for (let i = 0; i < presses; i++) {
      if (uno) await uno.press(pins[i % 3]!);
      else agent.press('desk', buttons[i % 3]!);
      await agent.committed(i + 1);
      if (i % 5 === 4) {
        const s = sample(pid);
        if (!peak || (s.unique ?? s.pss) > (peak.unique ?? peak.pss)) peak = s;
      }
    }
    const s = peak!;
    const figures: Record<string, string | number> = {
      board: real ? 'emulated Uno, real StandardFirmata 2.4' : 'virtual (no gcc/libsimavr for the emulator)',
      'node flags': KIOSK_NODE_ARGS.join(' '),
      presses,
    };
    for (const p of s.procs) figures[`${p.name} (pid ${p.pid}) RSS / PSS MB`] = `${fmt(p.rss, 1)} / ${fmt(p.pss, 1)}`;
    figures['total PSS MB (shared pages split with every node on this machine)'] = fmt(s.pss, 1);
    figures['total resident, unique MB (= total PSS on a kiosk)'] = s.unique === undefined ? 'n/a (needs root)' : fmt(s.unique, 1);
    const total = s.unique ?? s.pss;
    return {
      name: 'kiosk agent memory, all its processes, as the systemd unit runs it',
      figures,
      target: 'total PSS ≤ 100 MB',
      pass: total <= 100,
    };
  } finally {
    await agent?.proc.kill('SIGTERM');
    await uno?.kill();
    await gw.proc.kill('SIGTERM');
  }
}
