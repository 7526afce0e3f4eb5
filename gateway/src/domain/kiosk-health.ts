/**
 * Kiosk health rules, pure: `track` folds each status a kiosk sends into what the rules need to remember
 * (stored with the status, see ingest-writer.ts), `kioskHealth` judges a kiosk from its latest status,
 * that memory, the thresholds and `now`. No I/O: the same code serves the API, the filters and /metrics.
 */
import type { HealthRule, HealthThresholds, StatusMessage } from '../../../shared/src/index.js';

/** What the rules remember between statuses; times are ISO strings. */
export interface HealthTrack {
  state: StatusMessage['state'];
  /** When `state` last changed (the first status counts as a change). */
  stateSince: string;
  /** Since when the board has been reported disconnected (null: connected or unknown). */
  boardSince: string | null;
  /** The outbox backlog of the last online status that reported one. */
  pending: number | null;
  /** Consecutive online statuses whose backlog rose, and when the run of rises began. */
  rises: number;
  risingSince: string | null;
  /** The config the kiosk reports running (rev, refusal) and since when it has reported exactly that. */
  configRev: number | null;
  configError: string | null;
  configSince: string | null;
}

/** The next memory after a status received at `at`. */
export function track(prev: HealthTrack | null, status: StatusMessage, at: string): HealthTrack {
  const online = status.state === 'online';
  const next: HealthTrack = prev
    ? { ...prev }
    : {
        state: status.state,
        stateSince: at,
        boardSince: null,
        pending: null,
        rises: 0,
        risingSince: null,
        configRev: null,
        configError: null,
        configSince: null,
      };
  if (next.state !== status.state) {
    next.state = status.state;
    next.stateSince = at;
  }
  if (online && status.board) next.boardSince = status.board.connected ? null : (prev?.boardSince ?? at);
  if (!online) {
    // Rises count while the kiosk is connected; presses piling up while it is offline are the offline rule's.
    next.rises = 0;
    next.risingSince = null;
  } else if (status.outbox) {
    const pending = status.outbox.pending;
    if (next.pending !== null && pending > next.pending) {
      next.rises++;
      next.risingSince ??= at;
    } else if (next.pending !== null && pending < next.pending) {
      next.rises = 0;
      next.risingSince = null;
    }
    next.pending = pending;
  }
  if (status.config) {
    const rev = status.config.rev;
    const error = status.config.error ?? null;
    if (next.configSince === null || rev !== next.configRev || error !== next.configError) next.configSince = at;
    next.configRev = rev;
    next.configError = error;
  }
  return next;
}

export interface HealthProblem {
  rule: HealthRule;
  since: string | null;
  detail: string;
}
export interface KioskHealth {
  online: boolean;
  /** When it came online or went offline (or fell silent); null if never seen. */
  since: string | null;
  problems: HealthProblem[];
}

export interface HealthInput {
  status: { payload: StatusMessage; receivedAt: string } | null;
  track: HealthTrack | null;
  thresholds: HealthThresholds;
  /** The newest agent version running in the fleet, if known. */
  newestVersion?: string | null;
  now: number;
}

const minutes = (ms: number) => `${Math.round(ms / 6000) / 10} min`;

export function kioskHealth(input: HealthInput): KioskHealth {
  const { status, thresholds: t, now } = input;
  if (!status) return { online: false, since: null, problems: [{ rule: 'never-seen', since: null, detail: 'no status received yet' }] };
  const s = status.payload;
  const receivedAt = Date.parse(status.receivedAt);
  const tr = input.track;
  const problems: HealthProblem[] = [];
  // An "online" kiosk that has said nothing for the offline threshold is treated as offline since its last word.
  const silent = s.state === 'online' && now - receivedAt >= t.offlineAfterMs;
  const online = s.state === 'online' && !silent;
  const since = silent ? status.receivedAt : (tr?.stateSince ?? status.receivedAt);
  if (!online) {
    const offlineMs = now - Date.parse(since);
    if (offlineMs >= t.offlineAfterMs)
      problems.push({
        rule: 'offline',
        since,
        detail: silent ? `no status for ${minutes(offlineMs)}` : `offline for ${minutes(offlineMs)}`,
      });
  } else {
    if (s.board && !s.board.connected)
      problems.push({
        rule: 'board-disconnected',
        since: tr?.boardSince ?? status.receivedAt,
        detail: `${s.board.kind} board disconnected${s.board.error ? `: ${s.board.error}` : ''}`,
      });
    if (tr && tr.rises >= t.backlogRises)
      problems.push({
        rule: 'backlog-growing',
        since: tr.risingSince,
        detail: `backlog rose over ${tr.rises} statuses in a row, now ${s.outbox?.pending ?? tr.pending} pending`,
      });
    const oldest = s.outbox?.oldestPendingAgeMs;
    if (oldest != null) {
      // The age as of now: it was `oldest` when the status was received.
      const age = oldest + Math.max(0, now - receivedAt);
      if (age > t.oldestPendingMs)
        problems.push({
          rule: 'oldest-pending',
          since: new Date(receivedAt - oldest).toISOString(),
          detail: `oldest unacknowledged press is ${minutes(age)} old (${s.outbox!.pending} pending)`,
        });
    }
    if (s.clockSynced === false) problems.push({ rule: 'clock-unsynced', since: null, detail: 'the kiosk clock is not synchronised' });
  }
  const behind = versionBehind(s.version, input.newestVersion ?? null, t.minAgentVersion);
  if (behind) problems.push({ rule: 'version-behind', since: null, detail: behind });
  if (s.config?.error)
    problems.push({
      rule: 'config-refused',
      since: tr?.configError === s.config.error ? tr.configSince : null,
      detail: `refused config: ${s.config.error}`,
    });
  return { online, since, problems };
}

function versionBehind(version: string | undefined, newest: string | null, minimum: string): string | undefined {
  if (!version) return undefined;
  if (minimum && compareVersions(version, minimum) < 0) return `agent ${version} is older than the minimum ${minimum}`;
  if (newest && compareVersions(version, newest) < 0) return `agent ${version} is older than ${newest}, the newest in the fleet`;
  return undefined;
}

/**
 * Orders versions like semver's release part: 1.10.0 > 1.9.2; a pre-release (1.2.0-rc.1) sorts before
 * its release; anything unparsable compares equal (never a false "behind").
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(?:\+.*)?$/.exec(v.trim());
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return 0;
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i] ?? 0) - Number(pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (!pa[4] !== !pb[4]) return pa[4] ? -1 : 1;
  return pa[4] && pb[4] ? pa[4].localeCompare(pb[4]) : 0;
}

/** The newest of some versions (unparsable ones ignored unless nothing else). */
export function newestVersion(versions: Iterable<string>): string | null {
  let best: string | null = null;
  for (const v of versions) if (best === null || compareVersions(v, best) > 0) best = v;
  return best;
}

/**
 * The state of the kiosk's remote config: the gateway's latest revision, whether the broker took it,
 * and what the kiosk says about it. A refusal counts only if reported after the revision was sent.
 */
export interface ConfigState {
  rev: number;
  sentAt: string | null;
  state: 'pending' | 'accepted' | 'refused';
  reason?: string;
  /** The revision the kiosk reports running (null: its own file's panels, or not reported). */
  kioskRev: number | null;
  /** When the kiosk first reported running `rev`. */
  appliedAt: string | null;
}

export function configState(
  config: { rev: number } | null,
  sentAt: string | null,
  status: { payload: StatusMessage; receivedAt: string } | null,
  tr: HealthTrack | null,
): ConfigState | null {
  if (!config) return null;
  const reported = status?.payload.config;
  const kioskRev = reported?.rev ?? null;
  const base = { rev: config.rev, sentAt, kioskRev };
  if (reported && kioskRev === config.rev && !reported.error)
    return { ...base, state: 'accepted', appliedAt: tr?.configRev === config.rev ? tr.configSince : status!.receivedAt };
  const reportedAfterSend = status && sentAt !== null && Date.parse(status.receivedAt) >= Date.parse(sentAt);
  if (reported?.error && reportedAfterSend) return { ...base, state: 'refused', reason: reported.error, appliedAt: null };
  return { ...base, state: 'pending', appliedAt: null };
}
