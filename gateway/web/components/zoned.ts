/**
 * Wall-clock times in an office's own time zone, for `<input type="datetime-local">`: what a manager types
 * is the office's local time, whatever zone the browser is in.
 */
const parts = (ts: number, timeZone: string) => {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ts);
  const get = (type: string) => Number(f.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
};

/** `YYYY-MM-DDTHH:MM` in `timeZone` → ISO instant (a time the clocks skipped moves forward by the gap). */
export function zonedToIso(local: string, timeZone: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return local;
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  let ts = wall - (parts(wall, timeZone) - wall);
  ts = wall - (parts(ts, timeZone) - ts);
  return new Date(ts).toISOString();
}

/** An instant as `YYYY-MM-DDTHH:MM` in `timeZone` (the value a datetime-local input takes). */
export function isoToZoned(iso: string | number | Date, timeZone: string): string {
  return new Date(parts(new Date(iso).getTime(), timeZone)).toISOString().slice(0, 16);
}
