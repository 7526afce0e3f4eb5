/** The local clock hour (and its date, hour of day, weekday) a press is counted in, cheaply enough for every press. */
import { dayNumber } from './calendar.js';
import { bucketStart, localTime } from './periods.js';

/** A local clock hour: the rollup_hour row a press at some instant belongs to. */
export interface HourKey {
  hourStart: number;
  day: number;
  localHour: number;
  weekday: number;
}

const SLOT_MS = 15 * 60_000;

/**
 * The local clock hour holding `t`: its wall reading minus the minutes and seconds, confirmed by reading
 * the wall clock at that instant (two Intl calls); `bucketStart` (about ten) only where a clock change
 * falls inside the hour (e.g. Lord Howe's half-hour DST).
 */
export function hourOf(t: number, zone: string): HourKey {
  const l = localTime(t, zone);
  const guess = t - (l.minute * 60 + l.second) * 1000 - (((t % 1000) + 1000) % 1000);
  const check = localTime(guess, zone);
  const exact = check.hour === l.hour && check.minute === 0 && check.second === 0 && check.day === l.day;
  const hourStart = exact ? guess : bucketStart(t, zone, 'hour');
  const s = exact ? l : localTime(hourStart, zone);
  return { hourStart, day: dayNumber(s.year, s.month, s.day), localHour: s.hour, weekday: s.weekday };
}

/**
 * hourOf memoised per 15-minute UTC slot: every UTC offset in use since 1972 is a multiple of 15 minutes
 * and clocks change on a local hour, so a local hour never starts inside a slot. Saves the ~10 Intl calls
 * per press that made localTime the ingest's hottest function. A slot answers the same key object every
 * time, so callers may compare keys by identity as a quick "same hour" test (an hour has four slots).
 */
export class HourBuckets {
  private readonly zones = new Map<string, Map<number, HourKey>>();

  of(t: number, zone: string): HourKey {
    let slots = this.zones.get(zone);
    if (!slots) this.zones.set(zone, (slots = new Map()));
    const slot = Math.floor(t / SLOT_MS);
    let h = slots.get(slot);
    if (!h) {
      h = hourOf(t, zone);
      if (slots.size > 200_000) slots.clear();
      slots.set(slot, h);
    }
    return h;
  }
}
