/**
 * Local calendar arithmetic in IANA time zones with Intl only: office hours, shifts and the local dates
 * of daily visitor counts. Offsets are read per instant, so zones with DST work too.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formats.set(zone, f);
  }
  return f;
}

export interface LocalTime {
  /** YYYY-MM-DD */
  date: string;
  hour: number;
  /** 0 = Sunday */
  weekday: number;
}

function parts(zone: string, ms: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of format(zone).formatToParts(ms)) out[p.type] = p.value;
  return out;
}

export function localTime(zone: string, ms: number): LocalTime {
  const p = parts(zone, ms);
  return { date: `${p.year}-${p.month}-${p.day}`, hour: Number(p.hour), weekday: WEEKDAYS.indexOf(p.weekday!) };
}

export const localDate = (zone: string, ms: number): string => localTime(zone, ms).date;

/** Local minus UTC wall time at an instant, in ms. */
function offsetMs(zone: string, ms: number): number {
  const p = parts(zone, ms);
  const wall = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant local `date` `hour`:00 begins in `zone` (an hour the clocks skip maps to the one after). */
export function zonedInstant(zone: string, date: string, hour: number): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hour);
  const guess = wall - offsetMs(zone, wall);
  return wall - offsetMs(zone, guess);
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
