// Date parsing (RFC 3339, or a local time read in the site's time zone) and the three output
// forms: RFC 822 for RSS, RFC 3339 for Atom and JSON Feed, IMF-fixdate for HTTP.
/** The earliest and latest instants an article may carry (4-digit years keep RFC 822 valid). */
export const MIN_DATE_MS = Date.UTC(1900, 0, 1);
export const MAX_DATE_MS = Date.UTC(9999, 11, 30);

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?([Zz]|[+-]\d{2}:\d{2})?$/;

/** True when the name is an IANA time zone this runtime knows. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

/**
 * Parses an RFC 3339 date-time; a value without an offset (or a bare date) is a local time in
 * `timeZone`. Returns epoch milliseconds truncated to the second, or an error message.
 */
export function parseDate(value: string, timeZone: string): number | string {
  const m = RFC3339.exec(value.trim());
  if (!m) return 'is not an RFC 3339 date-time (e.g. 2016-07-06T14:05:00+04:30, or a local time 2016-07-06T14:05:00)';
  const [, y, mo, d, h = '00', mi = '00', s = '00', , zone] = m;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi);
  const second = Math.min(Number(s), 59); // a leap second is read as :59
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || Number(s) > 60) return 'has a field out of range';
  const asUtc = utcMs(year, month - 1, day, hour, minute, second);
  if (new Date(asUtc).getUTCDate() !== day) return 'names a day that does not exist';
  let ms: number;
  if (zone === undefined) {
    ms = localToInstant(asUtc, timeZone);
  } else if (zone === 'Z' || zone === 'z') {
    ms = asUtc;
  } else {
    const sign = zone.startsWith('-') ? -1 : 1;
    const offset = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
    if (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59) return 'has an offset out of range';
    ms = asUtc - sign * offset * 60_000;
  }
  if (!Number.isFinite(ms)) return 'is not a valid date-time';
  if (ms < MIN_DATE_MS || ms > MAX_DATE_MS) return 'is outside the years 1900 to 9999';
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Date.UTC for any year: Date.UTC reads the years 0–99 as 1900–1999, so `0050-06-01` would become
 * 1950 (and then pass the range check). Months and days out of range roll over as in Date.UTC.
 */
function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const ms = Date.UTC(year, month, day, hour, minute, second);
  return year >= 0 && year < 100 ? new Date(ms).setUTCFullYear(year) : ms;
}

const DAY_MS = 86_400_000;
const offsetCaches = new Map<string, Map<number, number | null>>();

// One Intl.DateTimeFormat per zone: creating one costs ~100 µs, formatting with it ~5 µs.
const wallClocks = new Map<string, Intl.DateTimeFormat>();

function wallClock(timeZone: string): Intl.DateTimeFormat {
  let f = wallClocks.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', era: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    wallClocks.set(timeZone, f);
  }
  return f;
}

/**
 * The offset of a zone (whole seconds east of UTC) at an instant, from the runtime's tz data
 * (ICU, through a cached Intl.DateTimeFormat): the zone's wall-clock time at the instant's
 * second, read as if it were UTC, minus that second. Exact to the second, so the local mean
 * times many zones kept before the mid-20th century come out as the tz database records them
 * (Asia/Tehran +03:25:44 until 1935, Africa/Monrovia −00:44:30 until 1972, Europe/Paris
 * +00:09:21 until 1911). Throws a RangeError for a zone the runtime does not know.
 */
function exactOffset(ms: number, timeZone: string): number {
  const second = Math.floor(ms / 1000) * 1000;
  let era = 'AD', year = 0, month = 1, day = 1, hour = 0, minute = 0, sec = 0;
  for (const part of wallClock(timeZone).formatToParts(second)) {
    switch (part.type) {
      case 'era': era = part.value; break;
      case 'year': year = Number(part.value); break;
      case 'month': month = Number(part.value); break;
      case 'day': day = Number(part.value); break;
      case 'hour': hour = Number(part.value) % 24; break;
      case 'minute': minute = Number(part.value); break;
      case 'second': sec = Number(part.value); break;
      default: break;
    }
  }
  // Proleptic Gregorian, astronomical years: 1 BC is year 0.
  const wall = utcMs(era === 'BC' || era === 'B' ? 1 - year : year, month - 1, day, hour, minute, sec);
  return Math.round((wall - second) / 1000);
}

/**
 * The zone's offset at an instant in whole seconds east of UTC, memoised per UTC day: a day whose
 * start and end share an offset has it throughout (zones change at most a few times a year); a
 * day with a transition is computed per instant.
 */
export function zoneOffsetSeconds(ms: number, timeZone: string): number {
  let cache = offsetCaches.get(timeZone);
  if (cache === undefined) {
    cache = new Map();
    offsetCaches.set(timeZone, cache);
  }
  const day = Math.floor(ms / DAY_MS);
  let known = cache.get(day);
  if (known === undefined) {
    const start = exactOffset(day * DAY_MS, timeZone);
    const end = exactOffset(day * DAY_MS + DAY_MS - 1, timeZone);
    known = start === end ? start : null;
    if (cache.size > 200_000) cache.clear();
    cache.set(day, known);
  }
  return known ?? exactOffset(ms, timeZone);
}

/**
 * The instant of a wall-clock time (given as if it were UTC) in a zone. A time that occurs twice
 * (clocks going back) is the earlier instant; a time that does not exist (clocks going forward)
 * is read with the offset before the change, i.e. moved forward by the gap.
 *
 * The instant of a wall time lies within [wall − 16 h, wall + 16 h] for every offset the tz
 * database has recorded since 1900 (−12:00 to +14:00; Pacific/Apia and Pacific/Kiritimati sit
 * at +14, and Apia skipped all of 2011-12-30). So the candidate offsets are those the zone has
 * anywhere in that window, sampled every 2 hours (no zone has kept an offset for less), and
 * each candidate is checked against the offset at the instant it gives.
 */
function localToInstant(wallAsUtc: number, timeZone: string): number {
  const candidates = new Set<number>();
  for (let h = -16; h <= 16; h += 2) candidates.add(zoneOffsetSeconds(wallAsUtc + h * 3_600_000, timeZone));
  let earliest = Infinity;
  for (const offset of candidates) {
    const instant = wallAsUtc - offset * 1000;
    if (instant < earliest && zoneOffsetSeconds(instant, timeZone) === offset) earliest = instant;
  }
  if (earliest !== Infinity) return earliest;
  // In a gap: the largest candidate offset (the one after the change) gives an instant before the
  // change, whose offset is the one before it; reading the wall time with that moves it forward.
  const after = Math.max(...candidates);
  return wallAsUtc - zoneOffsetSeconds(wallAsUtc - after * 1000, timeZone) * 1000;
}

/**
 * The instant (epoch ms) of a wall-clock time in a zone, the wall time given as if it were UTC
 * (`Date.UTC(y, m, d, h)`); the same reading as {@link parseDate} for a local time: a repeated
 * time is the earlier instant, a skipped one is moved forward by the gap. No range check.
 */
export function instantOfLocal(wallAsUtc: number, timeZone: string): number {
  return localToInstant(wallAsUtc, timeZone);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Formats instants in one time zone. */
export interface DateFormatter {
  /**
   * RFC 822 (RFC 1123 four-digit year, RFC 5322 §3.3) with the zone's numeric offset, for RSS;
   * in `GMT` when the offset is not a whole number of minutes (a historic local mean time).
   */
  rfc822(ms: number): string;
  /**
   * RFC 3339 §5.6 with the zone's offset, for Atom and JSON Feed; in UTC (`Z`) when the offset is
   * not a whole number of minutes, since `time-numoffset` has no seconds.
   */
  rfc3339(ms: number): string;
}

/**
 * Creates a formatter for an IANA time zone. Every string it writes matches its grammar and
 * means exactly the instant given (seconds; milliseconds are dropped).
 */
export function createDateFormatter(timeZone: string): DateFormatter {
  const parts = (ms: number) => {
    const exact = zoneOffsetSeconds(ms, timeZone);
    // Neither grammar can write an offset with seconds: such an instant is written in UTC, the
    // same instant in a valid form, rather than rounded to a wrong one.
    const zone: 'utc' | 'local' = exact % 60 === 0 ? 'local' : 'utc';
    const off = zone === 'utc' ? 0 : exact;
    const t = new Date(ms + off * 1000);
    const abs = Math.abs(off) / 60;
    return { t, zone, sign: off < 0 ? '-' : '+', oh: pad(Math.floor(abs / 60)), om: pad(abs % 60) };
  };
  return {
    rfc822(ms) {
      const { t, zone, sign, oh, om } = parts(ms);
      return `${DAYS[t.getUTCDay()]}, ${pad(t.getUTCDate())} ${MONTHS[t.getUTCMonth()]} ${pad(t.getUTCFullYear(), 4)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${zone === 'utc' ? 'GMT' : `${sign}${oh}${om}`}`;
    },
    rfc3339(ms) {
      const { t, zone, sign, oh, om } = parts(ms);
      return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${zone === 'utc' ? 'Z' : `${sign}${oh}:${om}`}`;
    },
  };
}

/** IMF-fixdate (RFC 9110 §5.6.7) for HTTP headers. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

const MONTH_INDEX = new Map(MONTHS.map((m, i) => [m, i]));
const IMF_FIXDATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC850 = /^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate and the two obsolete forms, all in UTC.
 * Returns NaN for anything else, including a day that does not exist; §13.1.3 says such an
 * If-Modified-Since is ignored.
 */
export function parseHttpDate(value: string): number {
  if (value.length > 40) return Number.NaN;
  let day: string, mon: string, year: number, h: string, mi: string, sec: string;
  let m = IMF_FIXDATE.exec(value);
  if (m) {
    [, day = '', mon = '', , h = '', mi = '', sec = ''] = m;
    year = Number(m[3]);
  } else if ((m = RFC850.exec(value))) {
    [, day = '', mon = '', , h = '', mi = '', sec = ''] = m;
    // Two-digit years: RFC 9110 §5.6.7 reads one more than 50 years ahead as the past century.
    const yy = Number(m[3]);
    const now = new Date().getUTCFullYear();
    year = 2000 + yy > now + 50 ? 1900 + yy : 2000 + yy;
  } else if ((m = ASCTIME.exec(value))) {
    [, mon = '', day = '', h = '', mi = '', sec = ''] = m;
    year = Number(m[6]);
  } else return Number.NaN;
  const month = MONTH_INDEX.get(mon);
  const d = Number(day.trim());
  if (month === undefined || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 60) return Number.NaN;
  const ms = utcMs(year, month, d, Number(h), Number(mi), Math.min(Number(sec), 59));
  return new Date(ms).getUTCDate() === d ? ms : Number.NaN;
}
