/**
 * The short chaos run inside `npm test`: a fixed seed, every fault kind this machine can inject at
 * least once (SIGKILL of agents, gateway and Mosquitto; network cut, refusal, black hole and delay;
 * a full kiosk disk when root can mount a tmpfs; clock jumps; board unplugs), all on real processes,
 * while protocol kiosks and two full agents press. Then: 0 lost, 0 duplicated, every gap explained.
 * The long run is `npm run chaos` (docs/chaos.md).
 */
import { expect, it } from 'vitest';
import { formatReport, mosquittoAvailable, runChaos } from '../../scripts/chaos/run.js';

it('loses and duplicates nothing under a seeded storm of faults', async () => {
  const report = await runChaos({
    seed: 20261124,
    faults: 14,
    durationMs: 22_000,
    kiosks: 8,
    agents: 2,
    rate: 2,
    maxFaultMs: 1500,
    broker: mosquittoAvailable() ? 'mosquitto' : 'embedded',
    settleTimeoutMs: 40_000,
  });
  console.log(formatReport(report).join('\n'));

  expect(report.faults.filter((f) => f.error).map((f) => `${f.kind}: ${f.error}`)).toEqual([]);
  expect(report.faults.length).toBe(14);
  expect(new Set(report.faults.map((f) => f.kind)).size).toBeGreaterThanOrEqual(9);
  expect(report.presses).toBeGreaterThan(500);
  expect(report.settled).toBe(true);
  expect(report.unexpectedExits).toEqual([]);
  expect(report.lost).toBe(0);
  expect(report.duplicated).toBe(0);
  expect(report.unknown).toBe(0);
  // A replugged board is back within 5 s (issue 3), faults or not.
  for (const f of report.faults.filter((x) => x.kind === 'board-unplug')) expect(f.agentBackMs).toBeLessThanOrEqual(5_000);
  expect(report.mismatches.map((c) => `${c.kioskId}: ${c.problems.join('; ')}`)).toEqual([]);
}, 90_000);
