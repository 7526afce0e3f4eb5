/**
 * What the attack suites share: raw MQTT over a TCP socket (what an attacker sends is not limited to
 * what MQTT.js would send), MQTT.js clients that report the broker's answer, and a process's memory.
 */
import { readFileSync } from 'node:fs';
import type { IClientOptions } from 'mqtt';
import { connect } from '../../scripts/lib/mqtt-kiosk.js';

export { connect } from '../../scripts/lib/mqtt-kiosk.js';
export { partialConnect, persistentConnect, rawConnect, type ConnectOutcome } from '../../scripts/lib/raw-mqtt.js';

/** The broker's answer to a login: 'accepted' or the refusal's message. */
export async function loginOutcome(url: string, opts: IClientOptions): Promise<string> {
  try {
    const c = await connect(url, opts);
    await c.endAsync();
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Resident set size of a live process, in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) / 1024;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
