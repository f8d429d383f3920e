// The figures /stats and `feedwright stats` show (issue 12), from the store's counts: per
// document, per origin and for the whole site over the last 7 days, the rolling 7-day
// subscriber maxima, today's individual readers, and the series the charts draw.
// summarizeStats is pure; one document's figures and series are feed-report.ts's.
import type { ReaderCount, ReaderStatsStore, SubscriberCount, TrafficCount } from '../store/reader-stats.js';
import { READER_FAMILIES } from './user-agents.js';
import {
  addSubscribers, addTraffic, dailySeries, emptyTotals, finishTotals, hourlySeries, inWindow, originTable, REPORT_DAYS, reportedSubscribers, rollingMax, statsWindow,
  type DailySeries, type HourlySeries, type Totals,
} from './series.js';

export { REPORT_DAYS, statsWindow, type StatsWindow } from './series.js';

/** The figures of one document (or, with path `''`, of the site). */
export interface Figures extends Totals {
  path: string;
  /** Individual readers (distinct address + User-Agent, aggregators aside) today, UTC. */
  readersToday: number;
}

/**
 * The figures of one origin (the primary or a mirror) over the window: what its answers were
 * counted as. Individual readers are counted per document and site-wide, not per origin.
 */
export interface OriginFigures extends Totals {
  /** `https://example.org`, as site.json names it. */
  origin: string;
}

/** Everything the page and the command show. */
export interface StatsReport {
  /**
   * When it was made, and the window (statsWindow): [from, to) ISO 8601, UTC — from the start of
   * the first of the 7 × 24 UTC hours to `to`, the moment it was made (`generatedAt`; the last
   * hour is the current one, counted so far). The command and /stats.json state the same window.
   */
  generatedAt: string;
  from: string;
  to: string;
  days: number;
  site: Figures & { byFamily: { family: string; requests: number; readersToday: number }[] };
  /** Every document counted in the window, most requested first (ties by path). */
  feeds: Figures[];
  /** Each origin's figures: the site's origins in site.json's order (primary first, zeros too), then any other counted. */
  origins: OriginFigures[];
  hourly: HourlySeries;
  daily: DailySeries;
}

/** The rows a report is made from (see {@link readStatsRows} for the ranges). */
export interface StatsRows {
  traffic: TrafficCount[];
  readers: ReaderCount[];
  subscribers: SubscriberCount[];
}

/** How to make a report. */
export interface ReportOptions {
  /** The site's origins' hrefs, primary first: listed in the per-origin figures even with nothing counted. */
  origins?: readonly string[];
}

const emptyFigures = (path: string): Figures => ({ path, ...emptyTotals(), readersToday: 0 });
export const emptyOrigin = (origin: string): OriginFigures => ({ origin, ...emptyTotals() });

/**
 * The report as of `now` (epoch ms) from rows covering at least the window's hours, its days,
 * and for subscribers the 6 days before it too (rows outside are ignored). Pure.
 */
export function summarizeStats(rows: StatsRows, now: number, options: ReportOptions = {}): StatsReport {
  const window = statsWindow(now);
  const { today, days } = window;
  const byPath = new Map<string, Figures>();
  const figures = (path: string) => {
    let f = byPath.get(path);
    if (f === undefined) byPath.set(path, (f = emptyFigures(path)));
    return f;
  };
  const site = emptyFigures('');
  const origins = originTable(options.origins ?? [], emptyOrigin);

  for (const r of rows.traffic) {
    if (!inWindow(window, r)) continue;
    addTraffic(figures(r.path), r);
    addTraffic(site, r);
    addTraffic(origins.of(r.origin), r);
  }

  const byFamily = new Map<string, { family: string; requests: number; readersToday: number }>(READER_FAMILIES.map((family) => [family, { family, requests: 0, readersToday: 0 }]));
  const readersByDay = new Map<string, number>();
  for (const r of rows.readers) {
    if (r.day < (days[0] as string) || r.day > today) continue;
    if (r.path === '') {
      readersByDay.set(r.day, (readersByDay.get(r.day) ?? 0) + r.readers);
      const fam = byFamily.get(r.family) ?? { family: r.family, requests: 0, readersToday: 0 };
      byFamily.set(r.family, fam);
      fam.requests += r.requests;
      if (r.day === today) {
        fam.readersToday += r.readers;
        site.readersToday += r.readers;
      }
    } else if (r.day === today) figures(r.path).readersToday += r.readers;
  }

  // Per (path, origin, aggregator) and day: that day's highest count; a day's rolling maximum is
  // the highest over it and the 6 days before.
  const reported = reportedSubscribers(rows.subscribers);
  for (const r of reported) {
    const now7 = rollingMax(r, today);
    if (now7 === 0) continue;
    for (const t of [figures(r.path), site, origins.of(r.origin)]) addSubscribers(t, r.aggregator, now7);
  }

  const originList = origins.list();
  for (const t of [...byPath.values(), site, ...originList]) finishTotals(t);
  return {
    generatedAt: new Date(now).toISOString(),
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    days: REPORT_DAYS,
    site: { ...site, byFamily: [...byFamily.values()] },
    feeds: [...byPath.values()].sort((a, b) => b.requests - a.requests || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    origins: originList,
    hourly: hourlySeries(rows.traffic, window),
    daily: dailySeries(window, reported, readersByDay),
  };
}

/** Reads the rows a report as of `now` (epoch ms) needs from the store. Throws the store's errors. */
export async function readStatsRows(store: ReaderStatsStore, now: number): Promise<StatsRows> {
  const w = statsWindow(now);
  const [traffic, readers, subscribers] = await Promise.all([
    store.readTraffic(w.startHour, w.endHour),
    store.readReaderCounts(w.days[0] as string, w.today),
    store.readSubscriberCounts(w.subscribersFrom, w.today),
  ]);
  return { traffic, readers, subscribers };
}

/** Reads the rows the report needs from the store and makes the report as of `now` (epoch ms). Throws the store's errors. */
export async function readStatsReport(store: ReaderStatsStore, now: number, options: ReportOptions = {}): Promise<StatsReport> {
  return summarizeStats(await readStatsRows(store, now), now, options);
}
