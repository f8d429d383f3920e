// One document's figures and charts (issue 12, review: per-feed charts): what `/stats.json?path=`
// answers — the document's totals over the 7 days, per origin, and its hourly and daily series,
// the same window and rules as the site's report (report.ts). summarizeFeed is pure.
import { canonicalPath } from '../http/document-path.js';
import type { ReaderStatsStore } from '../store/reader-stats.js';
import { emptyOrigin, readStatsRows, type Figures, type OriginFigures, type ReportOptions, type StatsRows } from './report.js';
import {
  addSubscribers, addTraffic, dailySeries, emptyTotals, finishTotals, hourlySeries, inWindow, originTable, REPORT_DAYS, reportedSubscribers, rollingMax, statsWindow,
  type DailySeries, type HourlySeries,
} from './series.js';

/** The longest `?path=` looked up; a longer one is no document (counted paths come from request targets). */
export const MAX_PATH_LENGTH = 4096;

/** One document's report: `/stats.json?path=…`. */
export interface FeedReport {
  /** As in StatsReport: when it was made and the window [from, to), ISO 8601, UTC. */
  generatedAt: string;
  from: string;
  to: string;
  days: number;
  /** The document's path as counted and published (percent-encoded as served, e.g. `/tags/%D8%AA…/rss.xml`). */
  path: string;
  figures: Figures;
  /** The document's figures per origin, as the site's report lists origins. */
  origins: OriginFigures[];
  /** Its answers per hour: polls, 304 share, bytes. */
  hourly: HourlySeries;
  /** Per day: its subscribers (rolling 7-day maximum, summed over origins and aggregators) and its individual readers. */
  daily: DailySeries;
}

/** Whether any row of the window names `path` (a document counted in the last 7 days, or whose subscribers still count). */
export function counted(rows: StatsRows, now: number, path: string): boolean {
  const w = statsWindow(now);
  return rows.traffic.some((r) => r.path === path && inWindow(w, r)) || rows.readers.some((r) => r.path === path) || rows.subscribers.some((s) => s.path === path);
}

/**
 * The path a `?path=` value names, as counted and published: the value itself, its canonical
 * percent-encoding (`/r%73s.xml` → `/rss.xml`), or its segments percent-encoded (a decoded
 * `/tags/تهران/rss.xml` → `/tags/%D8%AA…/rss.xml`) — the first that `known` accepts; undefined
 * when none is (or the value is empty or longer than {@link MAX_PATH_LENGTH}). Never throws.
 */
export function resolvePath(value: string, known: (path: string) => boolean): string | undefined {
  if (value === '' || value.length > MAX_PATH_LENGTH) return undefined;
  const encoded = (() => {
    try {
      return value.split('/').map((seg) => encodeURIComponent(seg)).join('/');
    } catch {
      return undefined; // a lone surrogate
    }
  })();
  for (const candidate of new Set([value, canonicalPath(value), encoded])) {
    if (candidate !== undefined && known(candidate)) return candidate;
  }
  return undefined;
}

/** The report of `path` as of `now` (epoch ms) from the rows of the site's report (readStatsRows). Pure. */
export function summarizeFeed(rows: StatsRows, now: number, path: string, options: ReportOptions = {}): FeedReport {
  const window = statsWindow(now);
  const figures: Figures = { path, ...emptyTotals(), readersToday: 0 };
  const origins = originTable(options.origins ?? [], emptyOrigin);
  for (const r of rows.traffic) {
    if (r.path !== path || !inWindow(window, r)) continue;
    addTraffic(figures, r);
    addTraffic(origins.of(r.origin), r);
  }
  const readersByDay = new Map<string, number>();
  for (const r of rows.readers) {
    if (r.path !== path || r.day < (window.days[0] as string) || r.day > window.today) continue;
    readersByDay.set(r.day, (readersByDay.get(r.day) ?? 0) + r.readers);
    if (r.day === window.today) figures.readersToday += r.readers;
  }
  const reported = reportedSubscribers(rows.subscribers, (s) => s.path === path);
  for (const r of reported) {
    const now7 = rollingMax(r, window.today);
    if (now7 === 0) continue;
    addSubscribers(figures, r.aggregator, now7);
    addSubscribers(origins.of(r.origin), r.aggregator, now7);
  }
  const originList = origins.list();
  for (const t of [figures, ...originList]) finishTotals(t);
  return {
    generatedAt: new Date(now).toISOString(),
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    days: REPORT_DAYS,
    path,
    figures,
    origins: originList,
    hourly: hourlySeries(rows.traffic, window, (r) => r.path === path),
    daily: dailySeries(window, reported, readersByDay),
  };
}

/**
 * The report of the document a `?path=` value names (see resolvePath) as of `now`: one the site
 * publishes now (`isDocument`, given the canonical path) or one counted in the window; undefined
 * for any other value. Throws the store's errors.
 */
export async function readFeedReport(store: ReaderStatsStore, now: number, value: string, options: ReportOptions & { isDocument?: (path: string) => boolean } = {}): Promise<FeedReport | undefined> {
  if (value === '' || value.length > MAX_PATH_LENGTH) return undefined;
  const rows = await readStatsRows(store, now);
  const path = resolvePath(value, (p) => options.isDocument?.(p) === true || counted(rows, now, p));
  return path === undefined ? undefined : summarizeFeed(rows, now, path, options);
}
