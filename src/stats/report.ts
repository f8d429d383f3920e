// The figures /stats and `feedwright stats` show (issue 12), from the store's counts: per
// document and for the whole site over the last 7 days, the rolling 7-day subscriber maxima,
// today's individual readers, and the series the charts draw. summarizeStats is pure.
import { utcDay, utcHour, type ReaderCount, type ReaderStatsStore, type SubscriberCount, type TrafficCount } from '../store/reader-stats.js';
import { AGGREGATORS, READER_FAMILIES } from './user-agents.js';

/** The window of the table and the charts, and of the subscriber maximum: 7 days. */
export const REPORT_DAYS = 7;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The figures of one document (or, with path `''`, of the site). */
export interface Figures {
  path: string;
  /** Answers of any status in the window. */
  requests: number;
  ok: number;
  notModified: number;
  /** notModified / (ok + notModified), 0 to 1; null without either. */
  notModifiedShare: number | null;
  /** Body bytes sent, in total and by coding. */
  bytes: number;
  bytesByCoding: { identity: number; gzip: number; br: number };
  /** The aggregators' subscribers: per origin and aggregator the highest count of the last 7 days, summed. */
  subscribers: number;
  /** The same, by aggregator (only those that reported). */
  subscribersByAggregator: Record<string, number>;
  /** Individual readers (distinct address + User-Agent, aggregators aside) today, UTC. */
  readersToday: number;
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
  /** One point per UTC hour of the window: start (epoch s), requests, 304 share (null: no 200/304), bytes. */
  hourly: { t: number[]; requests: number[]; notModifiedShare: (number | null)[]; bytes: number[] };
  /** One point per UTC day of the window: start (epoch s), day, subscribers (rolling 7-day maximum as of that day), individual readers. */
  daily: { t: number[]; day: string[]; subscribers: number[]; readers: number[] };
}

/** The rows a report is made from (see {@link readStatsReport} for the ranges). */
export interface StatsRows {
  traffic: TrafficCount[];
  readers: ReaderCount[];
  subscribers: SubscriberCount[];
}

/**
 * The reporting window as of `now` (epoch ms), the one definition /stats.json and `feedwright
 * stats` share: the hourly buckets [startHour, endHour) — the 7 × 24 UTC hours ending with the
 * current one — and the stated window [from, to) = [startHour, now), since nothing after now is
 * counted; the 7 UTC days ending today (`days`, oldest first); and the first day the rolling
 * subscriber maxima read (6 days before the window's first). Epoch ms; days as `YYYY-MM-DD`. Pure.
 */
export interface StatsWindow {
  from: number;
  to: number;
  startHour: number;
  endHour: number;
  today: string;
  days: string[];
  subscribersFrom: string;
}

/** See {@link StatsWindow}. */
export function statsWindow(now: number): StatsWindow {
  const endHour = utcHour(now) + HOUR_MS;
  const startHour = endHour - REPORT_DAYS * 24 * HOUR_MS;
  const today = utcDay(now);
  const todayStart = Date.parse(`${today}T00:00:00Z`);
  const days = Array.from({ length: REPORT_DAYS }, (_, i) => utcDay(todayStart - (REPORT_DAYS - 1 - i) * DAY_MS));
  return { from: startHour, to: now, startHour, endHour, today, days, subscribersFrom: utcDay(todayStart - (2 * REPORT_DAYS - 2) * DAY_MS) };
}

const empty = (path: string): Figures => ({ path, requests: 0, ok: 0, notModified: 0, notModifiedShare: null, bytes: 0, bytesByCoding: { identity: 0, gzip: 0, br: 0 }, subscribers: 0, subscribersByAggregator: {}, readersToday: 0 });

/**
 * The report as of `now` (epoch ms) from rows covering at least the window's hours, its days,
 * and for subscribers the 6 days before it too (rows outside are ignored). Pure.
 */
export function summarizeStats(rows: StatsRows, now: number): StatsReport {
  const window = statsWindow(now);
  const { startHour, endHour, today, days } = window;
  const byPath = new Map<string, Figures>();
  const figures = (path: string) => {
    let f = byPath.get(path);
    if (f === undefined) byPath.set(path, (f = empty(path)));
    return f;
  };
  const site = empty('');
  const hours = REPORT_DAYS * 24;
  const hourly = { t: [] as number[], requests: new Array<number>(hours).fill(0), ok: new Array<number>(hours).fill(0), notModified: new Array<number>(hours).fill(0), bytes: new Array<number>(hours).fill(0) };
  for (let i = 0; i < hours; i += 1) hourly.t.push((startHour + i * HOUR_MS) / 1000);

  for (const r of rows.traffic) {
    if (r.hour < startHour || r.hour >= endHour) continue;
    for (const f of [figures(r.path), site]) {
      f.requests += r.requests;
      f.ok += r.ok;
      f.notModified += r.notModified;
      f.bytes += r.bytes;
      if (r.coding !== 'none') f.bytesByCoding[r.coding] += r.bytes;
    }
    const i = (r.hour - startHour) / HOUR_MS;
    hourly.requests[i] = (hourly.requests[i] as number) + r.requests;
    hourly.ok[i] = (hourly.ok[i] as number) + r.ok;
    hourly.notModified[i] = (hourly.notModified[i] as number) + r.notModified;
    hourly.bytes[i] = (hourly.bytes[i] as number) + r.bytes;
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
  const reported = new Map<string, Map<string, number>>();
  for (const s of rows.subscribers) {
    const key = `${s.path}\0${s.origin}\0${s.aggregator}`;
    let perDay = reported.get(key);
    if (perDay === undefined) reported.set(key, (perDay = new Map()));
    perDay.set(s.day, Math.max(perDay.get(s.day) ?? 0, s.subscribers));
  }
  const rollingMax = (perDay: Map<string, number>, day: string) => {
    const end = Date.parse(`${day}T00:00:00Z`);
    let max = 0;
    for (let i = 0; i < REPORT_DAYS; i += 1) max = Math.max(max, perDay.get(utcDay(end - i * DAY_MS)) ?? 0);
    return max;
  };
  const dailySubscribers = days.map(() => 0);
  for (const [key, perDay] of reported) {
    const [path, , aggregator] = key.split('\0') as [string, string, string];
    days.forEach((d, i) => {
      dailySubscribers[i] = (dailySubscribers[i] as number) + rollingMax(perDay, d);
    });
    const now7 = rollingMax(perDay, today);
    if (now7 === 0) continue;
    for (const f of [figures(path), site]) {
      f.subscribers += now7;
      f.subscribersByAggregator[aggregator] = (f.subscribersByAggregator[aggregator] ?? 0) + now7;
    }
  }

  const share = (ok: number, nm: number) => (ok + nm === 0 ? null : nm / (ok + nm));
  for (const f of [...byPath.values(), site]) f.notModifiedShare = share(f.ok, f.notModified);
  const order = [...AGGREGATORS] as string[];
  for (const f of [...byPath.values(), site]) f.subscribersByAggregator = Object.fromEntries(Object.entries(f.subscribersByAggregator).sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)));
  return {
    generatedAt: new Date(now).toISOString(),
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    days: REPORT_DAYS,
    site: { ...site, byFamily: [...byFamily.values()] },
    feeds: [...byPath.values()].sort((a, b) => b.requests - a.requests || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    hourly: { t: hourly.t, requests: hourly.requests, notModifiedShare: hourly.ok.map((ok, i) => share(ok, hourly.notModified[i] as number)), bytes: hourly.bytes },
    daily: { t: days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000), day: days, subscribers: dailySubscribers, readers: days.map((d) => readersByDay.get(d) ?? 0) },
  };
}

/** Reads the rows the report needs from the store and makes the report as of `now` (epoch ms). Throws the store's errors. */
export async function readStatsReport(store: ReaderStatsStore, now: number): Promise<StatsReport> {
  const w = statsWindow(now);
  const [traffic, readers, subscribers] = await Promise.all([
    store.readTraffic(w.startHour, w.endHour),
    store.readReaderCounts(w.days[0] as string, w.today),
    store.readSubscriberCounts(w.subscribersFrom, w.today),
  ]);
  return summarizeStats({ traffic, readers, subscribers }, now);
}
