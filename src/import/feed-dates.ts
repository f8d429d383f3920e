// Dates as feeds write them: RFC 822 (RSS 2.0 pubDate, with RFC 2822's obsolete forms) and
// W3C-DTF / RFC 3339 (dc:date, Atom), read into RFC 3339 strings with the source's own offset.
import { parseDate } from '../core/dates.js';

const ZONES: Record<string, string> = {
  GMT: '+00:00', UT: '+00:00', UTC: '+00:00', Z: '+00:00',
  EST: '-05:00', EDT: '-04:00', CST: '-06:00', CDT: '-05:00', MST: '-07:00', MDT: '-06:00', PST: '-08:00', PDT: '-07:00',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*$/i;
const RFC822 = /^(?:([A-Za-z]+)\s*,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*(?:([A-Za-z]{1,3})|([+-])(\d{2}):?(\d{2})))?(?:\s*\([^)]*\))?$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Parses an RFC 822 date-time (RFC 2822 §3.3 and its obsolete forms as feeds write them) into an
 * RFC 3339 string with the same offset. Day names are optional and not checked against the date;
 * a two-digit year is 20yy below 50, else 19yy (RFC 2822 §4.3); without a zone the result has no
 * offset (a local time). Undefined when the text is not such a date or names one that does not exist.
 */
export function parseRfc822(value: string): string | undefined {
  const m = RFC822.exec(value.trim());
  if (!m) return undefined;
  const [, dayName, d, mon, y, h, mi, s = '00', zoneName, sign, zh, zm] = m;
  if (dayName !== undefined && !DAY_NAMES.test(dayName)) return undefined;
  const month = MONTHS.indexOf((mon ?? '').slice(0, 3).toLowerCase());
  if (month === -1) return undefined;
  let year = Number(y);
  if ((y ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  const day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return undefined;
  let offset = '';
  if (zoneName !== undefined) {
    const z = ZONES[zoneName.toUpperCase()];
    if (z === undefined) return undefined;
    offset = z;
  } else if (sign !== undefined) {
    if (Number(zh) > 23 || Number(zm) > 59) return undefined;
    offset = `${sign}${zh}:${zm}`;
  }
  return `${pad(year, 4)}-${pad(month + 1)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(Math.min(second, 59))}${offset}`;
}

/** A feed date as an RFC 3339 string: RFC 822 or W3C-DTF / RFC 3339, whichever parses. */
/** Throws nothing; undefined when neither form parses or the date is out of range (design §3). */
export function feedDate(value: string, timeZone: string): string | undefined {
  const v = value.trim();
  const rfc822 = parseRfc822(v);
  if (rfc822 !== undefined && typeof parseDate(rfc822, timeZone) === 'number') return rfc822;
  return typeof parseDate(v, timeZone) === 'number' ? v : undefined;
}

