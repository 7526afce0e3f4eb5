import { describe, expect, it } from 'vitest';
import { compareVersions, configState, kioskHealth, track, type HealthTrack } from '../../../gateway/src/domain/kiosk-health.js';
import { DEFAULT_HEALTH_THRESHOLDS, type StatusMessage } from '../../../shared/src/index.js';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const MIN = 60_000;

function online(over: Partial<StatusMessage> = {}): StatusMessage {
  return {
    v: 1,
    state: 'online',
    version: '1.2.0',
    board: { connected: true, kind: 'virtual' },
    outbox: { pending: 0, oldestPendingAgeMs: null, memoryHeld: 0, lastSeq: 10 },
    clockSynced: true,
    config: { rev: null },
    ...over,
  };
}
const offline: StatusMessage = { v: 1, state: 'offline' };
const pending = (n: number, oldestMs: number | null = n ? 1000 : null) => ({
  outbox: { pending: n, oldestPendingAgeMs: oldestMs, memoryHeld: 0, lastSeq: 10 },
});

/** Feeds statuses in order (each at its offset from T0) and judges at `nowMs` after T0. */
function judge(statuses: Array<[number, StatusMessage]>, nowMs: number, extra: { newestVersion?: string; minAgentVersion?: string } = {}) {
  let tr: HealthTrack | null = null;
  for (const [at, s] of statuses) tr = track(tr, s, iso(at));
  const [lastAt, last] = statuses[statuses.length - 1]!;
  return kioskHealth({
    status: { payload: last, receivedAt: iso(lastAt) },
    track: tr,
    thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, minAgentVersion: extra.minAgentVersion ?? '' },
    newestVersion: extra.newestVersion ?? null,
    now: T0 + nowMs,
  });
}
const rules = (h: { problems: Array<{ rule: string }> }) => h.problems.map((p) => p.rule);

describe('kiosk health rules', () => {
  it('a kiosk never heard from is never-seen, not online', () => {
    const h = kioskHealth({ status: null, track: null, thresholds: DEFAULT_HEALTH_THRESHOLDS, now: T0 });
    expect(h).toEqual({ online: false, since: null, problems: [{ rule: 'never-seen', since: null, detail: 'no status received yet' }] });
  });

  it('a healthy online kiosk has no problems and is online since its first status', () => {
    const h = judge(
      [
        [0, online()],
        [30_000, online()],
        [60_000, online()],
      ],
      70_000,
    );
    expect(h).toEqual({ online: true, since: iso(0), problems: [] });
  });

  it('offline is a problem only after the threshold, and "since" is when it went offline', () => {
    const statuses: Array<[number, StatusMessage]> = [
      [0, online()],
      [MIN, offline],
    ];
    expect(judge(statuses, MIN + 4 * MIN)).toEqual({ online: false, since: iso(MIN), problems: [] });
    const later = judge(statuses, MIN + 5 * MIN);
    expect(later.online).toBe(false);
    expect(later.problems).toEqual([{ rule: 'offline', since: iso(MIN), detail: 'offline for 5 min' }]);
  });

  it('an online kiosk silent for the threshold counts as offline since its last status', () => {
    const h = judge([[0, online()]], 6 * MIN);
    expect(h.online).toBe(false);
    expect(h.since).toBe(iso(0));
    expect(h.problems).toEqual([{ rule: 'offline', since: iso(0), detail: 'no status for 6 min' }]);
  });

  it('coming back online clears offline and restarts "since"', () => {
    const h = judge(
      [
        [0, online()],
        [MIN, offline],
        [20 * MIN, online()],
      ],
      20 * MIN + 1000,
    );
    expect(h).toEqual({ online: true, since: iso(20 * MIN), problems: [] });
  });

  it('board disconnected since the first status that said so; cleared on reconnect', () => {
    const down = online({ board: { connected: false, kind: 'firmata', error: 'port closed' } });
    const h = judge(
      [
        [0, online()],
        [30_000, down],
        [60_000, down],
      ],
      61_000,
    );
    expect(h.problems).toEqual([{ rule: 'board-disconnected', since: iso(30_000), detail: 'firmata board disconnected: port closed' }]);
    expect(
      rules(
        judge(
          [
            [0, down],
            [30_000, online()],
          ],
          31_000,
        ),
      ),
    ).toEqual([]);
  });

  it('backlog growing: flagged after the configured number of consecutive rises, cleared when it falls', () => {
    const rising: Array<[number, StatusMessage]> = [0, 1, 2, 3].map((n) => [n * 1000, online(pending(n * 5))]);
    expect(rules(judge(rising.slice(0, 3), 3000))).toEqual([]); // two rises
    const h = judge(rising, 4000);
    expect(h.problems).toEqual([
      { rule: 'backlog-growing', since: iso(1000), detail: 'backlog rose over 3 statuses in a row, now 15 pending' },
    ]);
    // Unchanged keeps the run; a fall ends it.
    expect(rules(judge([...rising, [5000, online(pending(15))]], 5000))).toContain('backlog-growing');
    expect(rules(judge([...rising, [5000, online(pending(2))]], 5000))).not.toContain('backlog-growing');
  });

  it('backlog rises do not count across an offline spell', () => {
    const h = judge(
      [
        [0, online(pending(1))],
        [1000, online(pending(2))],
        [2000, offline],
        [3000, online(pending(9))],
        [4000, online(pending(10))],
      ],
      4000,
    );
    expect(rules(h)).not.toContain('backlog-growing');
  });

  it('oldest pending press: flagged once older than the threshold, its age counted to now', () => {
    expect(rules(judge([[0, online(pending(3, 9 * MIN))]], 30_000))).toEqual([]);
    const h = judge([[0, online(pending(3, 9 * MIN))]], 2 * MIN);
    expect(h.problems).toEqual([
      {
        rule: 'oldest-pending',
        since: new Date(T0 - 9 * MIN).toISOString(),
        detail: 'oldest unacknowledged press is 11 min old (3 pending)',
      },
    ]);
  });

  it('clock not synced while online', () => {
    expect(rules(judge([[0, online({ clockSynced: false })]], 1000))).toEqual(['clock-unsynced']);
  });

  it('version behind the newest in the fleet or the configured minimum', () => {
    expect(judge([[0, online()]], 1000, { newestVersion: '1.10.0' }).problems).toEqual([
      { rule: 'version-behind', since: null, detail: 'agent 1.2.0 is older than 1.10.0, the newest in the fleet' },
    ]);
    expect(rules(judge([[0, online()]], 1000, { newestVersion: '1.2.0' }))).toEqual([]);
    expect(rules(judge([[0, online()]], 1000, { minAgentVersion: '1.3' }))).toEqual(['version-behind']);
  });

  it('config refused, with since = when the kiosk first reported that refusal', () => {
    const refused = online({ config: { rev: 1, error: 'panels[0].pins: pin 2 used twice' } });
    const h = judge(
      [
        [0, online({ config: { rev: 1 } })],
        [1000, refused],
        [31_000, refused],
      ],
      32_000,
    );
    expect(h.problems).toEqual([{ rule: 'config-refused', since: iso(1000), detail: 'refused config: panels[0].pins: pin 2 used twice' }]);
  });

  it('orders versions numerically; pre-releases before their release; unparsable never "behind"', () => {
    expect(compareVersions('1.10.0', '1.9.9')).toBe(1);
    expect(compareVersions('1.2.0-rc.1', '1.2.0')).toBe(-1);
    expect(compareVersions('v2', '2.0.0')).toBe(0);
    expect(compareVersions('dev-build', '9.9.9')).toBe(0);
  });
});

describe('remote config state', () => {
  const sent = iso(0);
  const status = (ms: number, config: StatusMessage['config']) => ({ payload: online({ config }), receivedAt: iso(ms) });

  it('pending until the kiosk reports the revision, then accepted with the time it first did', () => {
    expect(configState({ rev: 2 }, sent, status(1000, { rev: 1 }), null)).toMatchObject({ state: 'pending', kioskRev: 1 });
    let tr = track(null, online({ config: { rev: 1 } }), iso(-1000));
    tr = track(tr, online({ config: { rev: 2 } }), iso(2000));
    tr = track(tr, online({ config: { rev: 2 } }), iso(32_000));
    expect(configState({ rev: 2 }, sent, status(32_000, { rev: 2 }), tr)).toEqual({
      rev: 2,
      sentAt: sent,
      state: 'accepted',
      kioskRev: 2,
      appliedAt: iso(2000),
    });
  });

  it('refused with the kiosk’s reason, but only a refusal reported after the revision was sent', () => {
    const reason = 'panels[0].pins: pin 2 used twice';
    expect(configState({ rev: 3 }, sent, status(1000, { rev: 2, error: reason }), null)).toEqual({
      rev: 3,
      sentAt: sent,
      state: 'refused',
      reason,
      kioskRev: 2,
      appliedAt: null,
    });
    expect(configState({ rev: 3 }, sent, status(-1000, { rev: 2, error: reason }), null)?.state).toBe('pending');
  });

  it('null before any config was set', () => {
    expect(configState(null, null, status(0, { rev: null }), null)).toBeNull();
  });
});
