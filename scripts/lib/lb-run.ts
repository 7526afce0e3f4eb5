/**
 * Runs the built `lb` as a technician would (a real process): the tests and benches all start it here.
 * The caller's LB_GATEWAY_URL/LB_API_KEY are dropped so only what a test passes reaches it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './processes.js';

export const LB = join(ROOT, 'bin/lb');
/** The firmware hexes the harness fetched (scripts/lib/avr/uno.ts): `lb flash` finds them without a download. */
export const LB_CACHE = join(ROOT, '.cache');

export interface LbResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface LbProcess {
  child: ReturnType<typeof spawn>;
  stdout: string[];
  /** Resolves once stdout holds a line matching `re`. */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<LbResult>;
}

/** `user`: run as another uid/gid (root only), e.g. a technician not in `dialout`. */
export function startLb(
  args: string[],
  env: Record<string, string | undefined> = {},
  user: { uid?: number; gid?: number } = {},
): LbProcess {
  const started = Date.now();
  const child = spawn(LB, args, {
    ...user,
    env: { ...process.env, LB_GATEWAY_URL: undefined, LB_API_KEY: undefined, LB_CACHE_DIR: LB_CACHE, ...env },
    stdio: 'pipe',
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout.push(d.toString());
    for (const w of waiters.splice(0)) w();
  });
  child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
  const done = new Promise<LbResult>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: stdout.join(''), stderr: stderr.join(''), ms: Date.now() - started })),
  );
  const waitForOutput = async (re: RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(stdout.join(''))) {
      if (Date.now() > deadline)
        throw new Error(`lb ${args.join(' ')}: no output matching ${re} within ${timeoutMs} ms; got ${stdout.join('')} ${stderr.join('')}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  };
  return { child, stdout, waitForOutput, done };
}

export function lb(
  args: string[],
  env: Record<string, string | undefined> = {},
  stdin?: string,
  user: { uid?: number; gid?: number } = {},
): Promise<LbResult> {
  const p = startLb(args, env, user);
  if (stdin !== undefined) p.child.stdin!.end(stdin);
  else p.child.stdin!.end();
  return p.done;
}
