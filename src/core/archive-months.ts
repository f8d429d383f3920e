// RFC 5005 §4 archived feeds by calendar month in the site's time zone: which month an instant
// falls in, the instants a month spans, and the URL paths of archive documents
// (`{feed}/archive/{yyyy}/{mm}/rss.xml`, design §2). Pure: no I/O, no clock.
import { instantOfLocal, zoneOffsetSeconds } from './dates.js';
import { FORMAT_FILES, FORMATS, type Format } from './scopes.js';

/** A calendar month as `YYYY-MM` (years 1900–9999, months 01–12), e.g. `2016-07`. */
export type MonthKey = string;

/**
 * How one feed document sits among its archives (RFC 5005 §4). For the subscription document
 * only `prev` is set: the newest month that has items. For an archive document: its own
 * `month`, and the nearest older (`prev`) and newer (`next`) months that have items, if any.
 */
export interface ArchiveLinks {
  month?: MonthKey;
  prev?: MonthKey;
  next?: MonthKey;
}

const MONTH = /^(\d{4})-(\d{2})$/;

/** The year and month (1–12) of a month key; throws a TypeError on a malformed key. */
function parts(month: MonthKey): { year: number; month: number } {
  const m = MONTH.exec(month);
  const year = Number(m?.[1]);
  const mo = Number(m?.[2]);
  if (m === null || mo < 1 || mo > 12 || year < 1900) throw new TypeError(`not a month key: ${month}`);
  return { year, month: mo };
}

function key(year: number, month: number): MonthKey {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** True when `value` is a month key this module accepts (`YYYY-MM`, years 1900–9999). */
export function isMonthKey(value: string): boolean {
  try {
    parts(value);
    return true;
  } catch {
    return false;
  }
}

/** The month an instant (epoch ms) falls in, read on the wall clock of `timeZone` (IANA). */
export function monthOf(ms: number, timeZone: string): MonthKey {
  const wall = new Date(ms + zoneOffsetSeconds(ms, timeZone) * 1000);
  return key(wall.getUTCFullYear(), wall.getUTCMonth() + 1);
}

/** The month after `month` (`2016-12` → `2017-01`). */
export function nextMonthKey(month: MonthKey): MonthKey {
  const p = parts(month);
  return p.month === 12 ? key(p.year + 1, 1) : key(p.year, p.month + 1);
}

/**
 * The instants a month spans in a zone, `[from, to)` in epoch ms: from local midnight of its
 * first day to local midnight of the next month's first day (a midnight that a clock change
 * skips is read as parseDate reads it: moved forward by the gap). In Pacific/Apia (+13/+14)
 * July 2016 starts at 2016-06-30T11:00Z (+13), and December 2011, which lost its 30th day, spans 2011-12-01T10:00Z (−10) to 2011-12-31T10:00Z (+14).
 */
export function monthBounds(month: MonthKey, timeZone: string): { from: number; to: number } {
  const p = parts(month);
  const from = instantOfLocal(Date.UTC(p.year, p.month - 1, 1), timeZone);
  const to = instantOfLocal(Date.UTC(p.year, p.month, 1), timeZone);
  return { from, to };
}

/** The URL path of a feed's archive document, percent-encoded: `/sections/news/russia/archive/2016/07/rss.xml`. */
export function archivePath(scopeKey: string, month: MonthKey, format: Format): string {
  const p = parts(month);
  const folder = scopeKey === '' ? '' : `/${scopeKey.split('/').map(encodeURIComponent).join('/')}`;
  return `${folder}/archive/${key(p.year, p.month).replace('-', '/')}/${FORMAT_FILES[format]}`;
}

const ARCHIVE_PATH = /^(.*)\/archive\/(\d{4})\/(\d{2})\/([a-z.]+)$/;

/**
 * Reads an archive document's path (query excluded) back into its feed's scope key, month and
 * format; undefined when the path is not one (a scope that is not the site, `sections/…` or
 * `tags/…`, a bad month, an unknown file, bad percent-encoding). Whether the feed exists is
 * not known here.
 */
export function parseArchivePath(path: string): { scopeKey: string; month: MonthKey; format: Format } | undefined {
  const m = ARCHIVE_PATH.exec(path);
  if (m === null) return undefined;
  const [, folder = '', year = '', mm = '', file = ''] = m;
  const format = FORMATS.find((f) => FORMAT_FILES[f] === file);
  const month = `${year}-${mm}`;
  if (format === undefined || !isMonthKey(month)) return undefined;
  let segs: string[];
  try {
    segs = folder === '' ? [] : folder.slice(1).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
  if (segs.some((s) => s === '' || s.includes('/'))) return undefined;
  const ok = segs.length === 0 || (segs[0] === 'sections' && segs.length >= 2) || (segs[0] === 'tags' && segs.length === 2);
  if (!ok) return undefined;
  const scopeKey = segs.join('/');
  return { scopeKey, month, format };
}
