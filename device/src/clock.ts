/**
 * Time facts stamped on every press. A Raspberry Pi has no RTC: its wall clock can be wrong until NTP
 * syncs, so each event carries whether the clock was known good, the boot id and the time since boot.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** Wall-clock ms (may jump). */
  wallMs(): number;
  /** Monotonic ms for interval rules (never jumps). */
  monotonicMs(): number;
  /** Monotonic ms since the machine booted. */
  uptimeMs(): number;
  readonly bootId: string;
  clockSynced(): boolean;
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return `proc-${randomUUID()}`; // no /proc: a random id per process still separates uptime bases
  }
}

function readBootUptimeMs(): number {
  try {
    return Math.round(Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) * 1000);
  } catch {
    return Math.round(uptime() * 1000);
  }
}

/** `timedatectl show -p NTPSynchronized --value` → true/false; undefined when there is no systemd. */
export function queryNtpSynchronized(): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    execFile('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { timeout: 2000 }, (err, stdout) => {
      const answer = stdout?.trim();
      resolve(err || (answer !== 'yes' && answer !== 'no') ? undefined : answer === 'yes');
    });
  });
}

/**
 * The system clock. `clockSynced` comes from, in order: the configured override (LB_CLOCK_SYNCED),
 * systemd's NTPSynchronized (re-queried every minute), else `true`: without systemd we are in a container
 * or on a dev machine whose clock is the host's, which is normally synced. On a Pi (systemd) the real
 * answer is used.
 */
export class SystemClock implements Clock {
  readonly bootId = readBootId();
  private readonly bootUptimeAtStart = readBootUptimeMs();
  private readonly perfAtStart = performance.now();
  private synced: boolean;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly override?: boolean) {
    this.synced = override ?? true;
  }

  async start(): Promise<void> {
    if (this.override !== undefined) return;
    const refresh = async () => {
      const answer = await queryNtpSynchronized();
      if (answer !== undefined) this.synced = answer;
    };
    await refresh();
    this.timer = setInterval(() => void refresh(), 60_000).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  wallMs(): number {
    return Date.now();
  }

  monotonicMs(): number {
    return performance.now();
  }

  uptimeMs(): number {
    return Math.round(this.bootUptimeAtStart + performance.now() - this.perfAtStart);
  }

  clockSynced(): boolean {
    return this.synced;
  }
}
