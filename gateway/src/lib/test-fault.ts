/**
 * Test-only fault injection, for crash tests against real processes (test/e2e/negative-press-crash.test.ts).
 * Inert in production: nothing happens unless the environment variable LB_TEST_ONLY_FAULT names the point,
 * and no configuration, document or deploy file sets it. Read once at start.
 */
const FAULT = process.env.LB_TEST_ONLY_FAULT;

/** The places a test may crash the gateway at. */
export type FaultPoint = 'kill-after-ingest-commit';

/** SIGKILLs this process at `point` when LB_TEST_ONLY_FAULT names it: as abrupt as a power cut, no handler runs. */
export function testOnlyFault(point: FaultPoint): void {
  if (FAULT === point) process.kill(process.pid, 'SIGKILL');
}
