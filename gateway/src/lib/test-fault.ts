/**
 * Test-only fault injection, for crash tests against real processes (test/e2e/negative-press-crash.test.ts).
 * Inert in production: nothing happens unless the environment variable LB_TEST_ONLY_FAULT names the point,
 * and no configuration, document or deploy file sets it. Read once at start.
 */
const FAULT = process.env.LB_TEST_ONLY_FAULT;

/**
 * The places a test may crash the gateway at, or hold it up: `slow-commit-after-crm-feed` keeps ingest's
 * PostgreSQL transaction open a while after it wrote its crm_feed rows (test/e2e/crm-export-scale-out.test.ts:
 * the window in which another gateway's later rows could become visible first, were the seqs not ordered);
 * `kill-while-feeding-neutrals` dies after the first chunk of neutral presses fed to the CRM has committed
 * (test/e2e/neutral-cases-crash.test.ts); `kill-while-rejudging` dies once the first kiosk's presses are judged
 * again under new misuse rules (test/e2e/rejudge-crash.test.ts).
 */
export type FaultPoint = 'kill-after-ingest-commit' | 'slow-commit-after-crm-feed' | 'kill-while-feeding-neutrals' | 'kill-while-rejudging';

/** SIGKILLs this process at `point` when LB_TEST_ONLY_FAULT names it: as abrupt as a power cut, no handler runs. */
export function testOnlyFault(point: FaultPoint): void {
  if (FAULT === point) process.kill(process.pid, 'SIGKILL');
}

/** Whether LB_TEST_ONLY_FAULT names `point` (for faults that are not a kill). */
export function testOnlyFaultAt(point: FaultPoint): boolean {
  return FAULT === point;
}
