/**
 * Vitest global setup: every real process the suite starts through LoggedProcess (gateways, agents, and
 * those the chaos and simulator scripts start) keeps a copy of its stdout and stderr in one folder; after
 * the last test file, all of it is scanned for secrets (secret-scan.ts), and any find fails the run
 * (exit code 1, the findings printed with the secrets masked, the logs kept for a look).
 * LB_KEEP_PROCESS_LOGS=1 keeps them after a clean run too, to read why a test failed.
 * test/security/log-secrets.test.ts drives every secret-bearing path on purpose; this covers the rest.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFindings, scanText } from './secret-scan.js';
import { ADMIN_TOKEN, PROCESS_LOGS_ENV } from '../../scripts/lib/processes.js';

export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'lb-process-logs-'));
  process.env[PROCESS_LOGS_ENV] = dir;
  return () => {
    const files = readdirSync(dir);
    const findings = files.flatMap((f) => scanText(f, readFileSync(join(dir, f), 'utf8'), [ADMIN_TOKEN]));
    console.log(`secret scan: ${files.length} process logs, ${findings.length} secrets found`);
    if (findings.length > 0) {
      // A teardown's exception is only printed (vitest exits 0): the exit code is set by hand.
      console.error(`secrets in the logs of the suite's processes (kept in ${dir}):\n${describeFindings(findings)}`);
      process.exitCode = 1;
      return;
    }
    if (process.env.LB_KEEP_PROCESS_LOGS) console.log(`process logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}
