// Timestamps for text output: local wall-clock time of day with microseconds, like tcpdump.
// A Date object is built once per second of packet time, not per packet: a busy segment has
// hundreds of packets a second. Per second rather than per hour because the local time of an
// instant is only known from the whole second: zones 30 or 45 minutes off UTC (India, Nepal,
// Newfoundland, South Australia) and historical offsets in seconds break any coarser cache.

let cachedSecond = NaN;
let cachedClock = '';
let cachedHour = NaN;
let cachedPrefix = '';
let cachedDayHour = NaN;
let cachedDay = '';
let cachedDaySecond = NaN;
let cachedDate = '';

/**
 * Below 2^33 s (year 2242) a double resolves well under a microsecond, so the nearest whole
 * microsecond is exact; Date covers the range too. Beyond it the hourly path below takes over.
 */
const EXACT_MICROS_LIMIT_S = 2 ** 33;

/** timeOfDay in two parts, for writers of bytes: "HH:MM:SS." (ASCII) and the microseconds. */
export const clock = { prefix: '', micros: 0 };

/** Sets `clock` to what timeOfDay(ts) prints; false (clock untouched) for far timestamps. */
export function splitTimeOfDay(ts: number): boolean {
  if (!(ts < EXACT_MICROS_LIMIT_S && ts > -EXACT_MICROS_LIMIT_S)) return false;
  const micros = Math.round(ts * 1e6);
  const second = Math.floor(micros / 1e6);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    cachedSecond = second;
    cachedClock = pad2(d.getHours()) + ':' + pad2(d.getMinutes()) + ':' + pad2(d.getSeconds()) + '.';
  }
  clock.prefix = cachedClock;
  clock.micros = micros - second * 1e6;
  return true;
}

/** "HH:MM:SS.uuuuuu" in the local time zone (TZ applies). */
export function timeOfDay(ts: number): string {
  return splitTimeOfDay(ts) ? clock.prefix + sixDigits(clock.micros) : farTimeOfDay(ts);
}

/** Far past or future (pcapng's 64-bit timestamps) and NaN: the time of day counted per hour. */
function farTimeOfDay(ts: number): string {
  const hour = Math.floor(ts / 3600);
  if (hour !== cachedHour) {
    const d = new Date(hour * 3600 * 1000);
    cachedHour = hour;
    // Past a Date's range (±8.64e12 s, reachable with pcapng's 64-bit timestamps) getHours() is
    // NaN: count the hour of day in UTC instead of printing "NaN".
    const h = d.getHours();
    cachedPrefix = pad2(Number.isNaN(h) ? ((hour % 24) + 24) % 24 : h) + ':';
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
  if (ts < EXACT_MICROS_LIMIT_S && ts > -EXACT_MICROS_LIMIT_S) {
    // The date of the same whole second timeOfDay shows (local midnight need not be on a UTC hour).
    const second = Math.floor(Math.round(ts * 1e6) / 1e6);
    if (second !== cachedDaySecond) {
      const d = new Date(second * 1000);
      cachedDaySecond = second;
      cachedDate = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} `;
    }
    return cachedDate + timeOfDay(ts);
  }
  const hour = Math.floor(ts / 3600);
  if (hour !== cachedDayHour) {
    const d = new Date(hour * 3600 * 1000);
    cachedDayHour = hour;
    cachedDay = Number.isNaN(d.getTime())
      ? `day ${Math.floor(hour / 24)} after 1970 `
      : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} `;
  }
  return cachedDay + timeOfDay(ts);
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** "000" to "999": six digits from two lookups, not a number conversion per packet. */
const DIGITS3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** 0-999999 as six digits. */
export function sixDigits(n: number): string {
  const hi = Math.floor(n / 1000);
  return DIGITS3[hi] + DIGITS3[n - hi * 1000];
}
