/**
 * Presses stamped before the kiosk's clock was synced carry a wrong wall time but a good uptime. Within
 * one boot, uptime and real time advance together, so one synced event of the same boot pins them:
 * correctedAt = synced.at − (synced.uptimeMs − e.uptimeMs). Uptime restarts at every boot, so events of
 * different boots never correct each other.
 */
export interface BootTimedEvent {
  bootId: string;
  uptimeMs: number;
  /** Wall-clock time the kiosk stamped, epoch ms. */
  at: number;
  clockSynced: boolean;
}

export type TimeSource =
  /** The kiosk's clock was synced: `at` is trusted. */
  | 'synced'
  /** Derived from a synced event of the same boot. */
  | 'corrected'
  /** No synced event of this boot known (yet): `at` is kept, and the event is reported as uncertain. */
  | 'uncertain';

export type CorrectedEvent<E> = E & { correctedAt: number; timeSource: TimeSource; timeUncertain: boolean };

/**
 * Corrects every unsynced event from the synced event of its boot nearest in uptime (the least drift
 * between the kiosk's monotonic clock and real time); on a tie, the later one, as the clock is then
 * known to have stayed synced. Returns the events in input order. Run it again over the boot's events
 * when a synced event arrives late: uncertain events become corrected and may move to another bucket.
 */
export function correctClock<E extends BootTimedEvent>(events: readonly E[]): Array<CorrectedEvent<E>> {
  const anchors = syncedByBoot(events);
  return events.map((e) => {
    if (e.clockSynced) return { ...e, correctedAt: e.at, timeSource: 'synced', timeUncertain: false };
    const anchor = nearest(anchors.get(e.bootId) ?? [], e.uptimeMs);
    if (anchor === undefined) return { ...e, correctedAt: e.at, timeSource: 'uncertain', timeUncertain: true };
    return { ...e, correctedAt: correctedAt(anchor, e.uptimeMs), timeSource: 'corrected', timeUncertain: false };
  });
}

/** The wall time of uptime `uptimeMs` in a boot, from one synced point of that boot (the anchor). */
export function correctedAt(anchor: { uptimeMs: number; at: number }, uptimeMs: number): number {
  return anchor.at - (anchor.uptimeMs - uptimeMs);
}

/** Synced events per boot, ascending by uptime. */
function syncedByBoot(events: readonly BootTimedEvent[]): Map<string, BootTimedEvent[]> {
  const byBoot = new Map<string, BootTimedEvent[]>();
  for (const e of events) {
    if (!e.clockSynced) continue;
    const list = byBoot.get(e.bootId) ?? [];
    list.push(e);
    byBoot.set(e.bootId, list);
  }
  for (const list of byBoot.values()) list.sort((a, b) => a.uptimeMs - b.uptimeMs);
  return byBoot;
}

/** Binary search for the anchor nearest in uptime; the later one on a tie. */
function nearest(sorted: readonly BootTimedEvent[], uptimeMs: number): BootTimedEvent | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.uptimeMs < uptimeMs) lo = mid + 1;
    else hi = mid;
  }
  const after = sorted[lo];
  const before = sorted[lo - 1];
  if (before === undefined) return after;
  if (after === undefined) return before;
  return uptimeMs - before.uptimeMs < after.uptimeMs - uptimeMs ? before : after;
}
