import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const MAIN = 'dist/device/src/main.js';

/** Builds dist/ when a device/shared source is newer than the built entry (npm test builds first anyway). */
export function ensureBuilt(): void {
  const sources = ['device/src', 'shared/src'].flatMap((dir) => readdirSync(dir).map((f) => join(dir, f)));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(MAIN) && statSync(MAIN).mtimeMs >= newest) return;
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  } catch {
    // type errors elsewhere (e.g. gateway/ mid-edit) do not stop tsc from emitting device/
  }
}

export type LogLine = Record<string, unknown> & { msg?: string };

/** The agent started with plain `node`, as in production; stdout is parsed as JSON log lines. */
export class AgentProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  stdout = '';
  stderr = '';
  private waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  /** `command` is how the agent is started: plain node by default, or e.g. the bin/lb-kiosk launcher. */
  constructor(env: Record<string, string>, args: string[] = [], command: string[] = [process.execPath, MAIN]) {
    this.child = spawn(command[0]!, [...command.slice(1), ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.stdout += chunk.toString();
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      for (const part of parts) this.onLine(part);
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  private onLine(text: string): void {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.match(line) ? (w.resolve(line), false) : true));
  }

  /** Resolves with the first log line (past or future) with this msg that passes `where`. */
  waitForLog(msg: string, where: (l: LogLine) => boolean = () => true, timeoutMs = 10_000): Promise<LogLine> {
    const match = (l: LogLine) => l.msg === msg && where(l);
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" log line within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      this.waiters.push({ match, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}
