/** Limits of contract v1, shared by kiosk and gateway. */
export const CONTRACT_VERSION = 1;
/** Events in one `events` message. */
export const MAX_EVENTS_PER_BATCH = 500;
/** Largest `events` payload the gateway reads; 500 events are ~150 KiB, so this leaves room. */
export const MAX_PAYLOAD_BYTES = 512 * 1024;
/** A clock-synced press before this instant is nonsense (the product did not exist). */
export const EARLIEST_PLAUSIBLE_PRESS = Date.parse('2020-01-01T00:00:00Z');
/** A clock-synced press this far ahead of the gateway's clock is nonsense. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;
/** Largest `status` payload: it is retained by the broker for every kiosk, so it stays small. */
export const MAX_STATUS_BYTES = 8 * 1024;
