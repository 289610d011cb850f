// Timestamps for text output: local wall-clock time of day with microseconds, like tcpdump.
// Date objects are built once per hour of packet time, not per packet.

let cachedHour = NaN;
let cachedPrefix = '';
let cachedDayHour = NaN;
let cachedDay = '';

/** "HH:MM:SS.uuuuuu" in the local time zone (TZ applies). */
export function timeOfDay(ts: number): string {
  const hour = Math.floor(ts / 3600);
  if (hour !== cachedHour) {
    const d = new Date(hour * 3600 * 1000);
    cachedHour = hour;
    cachedPrefix = pad2(d.getHours()) + ':';
  }
  const inHour = ts - hour * 3600;
  let micros = Math.round(inHour * 1e6);
  if (micros >= 3600e6) micros = 3600e6 - 1;
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  return cachedPrefix + pad2(Math.floor(secs / 60)) + ':' + pad2(secs % 60) + '.' + String(frac).padStart(6, '0');
}

/** "YYYY-MM-DD HH:MM:SS.uuuuuu" local time, for summaries and reports. */
export function dateTime(ts: number): string {
  if (!Number.isFinite(ts)) return '-';
  const hour = Math.floor(ts / 3600);
  if (hour !== cachedDayHour) {
    const d = new Date(hour * 3600 * 1000);
    cachedDayHour = hour;
    cachedDay = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} `;
  }
  return cachedDay + timeOfDay(ts);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}
