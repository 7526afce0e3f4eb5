/**
 * Kiosk health: the rules' names and their default thresholds (gateway/src/domain/kiosk-health.ts
 * applies them; LB_HEALTH_* override them, see docs/gateway.md#kiosk-health).
 */
export const HEALTH_RULES = [
  'never-seen',
  'offline',
  'board-disconnected',
  'backlog-growing',
  'oldest-pending',
  'clock-unsynced',
  'version-behind',
  'config-refused',
] as const;
export type HealthRule = (typeof HEALTH_RULES)[number];

export interface HealthThresholds {
  /** A kiosk offline (or silent: no status) this long is a problem; the agent sends a status every 30 s. */
  offlineAfterMs: number;
  /** The kiosk's oldest unacknowledged press older than this is a problem. */
  oldestPendingMs: number;
  /** Its outbox backlog rose over this many consecutive statuses while online. */
  backlogRises: number;
  /** Agents older than this are behind even if no newer one runs in the fleet ('' = none). */
  minAgentVersion: string;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  offlineAfterMs: 5 * 60_000,
  oldestPendingMs: 10 * 60_000,
  backlogRises: 3,
  minAgentVersion: '',
};
