// The pieces the site's report (report.ts) and a document's report (feed-report.ts) share: the
// 7-day window, the figures of a document, an origin or the site, the hourly and daily series
// the charts draw, and the aggregators' rolling 7-day subscriber maxima. All pure.
import { utcDay, utcHour, type SubscriberCount, type TrafficCount } from '../store/reader-stats.js';
import { AGGREGATORS } from './user-agents.js';

/** The window of the table and the charts, and of the subscriber maximum: 7 days. */
export const REPORT_DAYS = 7;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** What a document, an origin and the site are counted by (see Figures and OriginFigures in report.ts). */
export interface Totals {
  /** Answers of any status in the window. */
  requests: number;
  ok: number;
  notModified: number;
  /** notModified / (ok + notModified), 0 to 1; null without either. */
  notModifiedShare: number | null;
  /** Body bytes sent, in total and by coding. */
  bytes: number;
  bytesByCoding: { identity: number; gzip: number; br: number };
  /** The aggregators' subscribers: per document, origin and aggregator the highest count of the last 7 days, summed. */
  subscribers: number;
  /** The same, by aggregator (only those that reported). */
  subscribersByAggregator: Record<string, number>;
}

/** One point per UTC hour of the window: start (epoch s), requests, 304 share (null: no 200/304), bytes. */
export interface HourlySeries {
  t: number[];
  requests: number[];
  notModifiedShare: (number | null)[];
  bytes: number[];
}

/** One point per UTC day of the window: start (epoch s), day, subscribers (rolling 7-day maximum as of that day), individual readers. */
export interface DailySeries {
  t: number[];
  day: string[];
  subscribers: number[];
  readers: number[];
}

/**
 * The reporting window as of `now` (epoch ms), the one definition /stats.json and `feedwright
 * stats` share: the hourly buckets [startHour, endHour) — the 7 × 24 UTC hours ending with the
 * current one — and the stated window [from, to) = [startHour, now), since nothing after now is
 * counted; the 7 UTC days ending today (`days`, oldest first); and the first day the rolling
 * subscriber maxima read (6 days before the window's first). Epoch ms; days as `YYYY-MM-DD`.
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

/** Zero totals. */
export function emptyTotals(): Totals {
  return { requests: 0, ok: 0, notModified: 0, notModifiedShare: null, bytes: 0, bytesByCoding: { identity: 0, gzip: 0, br: 0 }, subscribers: 0, subscribersByAggregator: {} };
}

/** Adds a traffic row to totals. */
export function addTraffic(t: Totals, r: TrafficCount): void {
  t.requests += r.requests;
  t.ok += r.ok;
  t.notModified += r.notModified;
  t.bytes += r.bytes;
  if (r.coding !== 'none') t.bytesByCoding[r.coding] += r.bytes;
}

/** Adds an aggregator's subscribers to totals. */
export function addSubscribers(t: Totals, aggregator: string, n: number): void {
  t.subscribers += n;
  t.subscribersByAggregator[aggregator] = (t.subscribersByAggregator[aggregator] ?? 0) + n;
}

const share = (ok: number, nm: number) => (ok + nm === 0 ? null : nm / (ok + nm));
const ORDER = [...AGGREGATORS] as string[];

/** Sets the 304 share and orders the aggregators as AGGREGATORS does: call once all is added. */
export function finishTotals(t: Totals): void {
  t.notModifiedShare = share(t.ok, t.notModified);
  t.subscribersByAggregator = Object.fromEntries(Object.entries(t.subscribersByAggregator).sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b)));
}

/** Whether a traffic row falls in the window's hours. */
export function inWindow(w: StatsWindow, r: TrafficCount): boolean {
  return r.hour >= w.startHour && r.hour < w.endHour;
}

/** The hourly series of the traffic rows `keep` accepts (all by default). */
export function hourlySeries(traffic: readonly TrafficCount[], w: StatsWindow, keep: (r: TrafficCount) => boolean = () => true): HourlySeries {
  const hours = REPORT_DAYS * 24;
  const t: number[] = [];
  for (let i = 0; i < hours; i += 1) t.push((w.startHour + i * HOUR_MS) / 1000);
  const requests = new Array<number>(hours).fill(0);
  const ok = new Array<number>(hours).fill(0);
  const notModified = new Array<number>(hours).fill(0);
  const bytes = new Array<number>(hours).fill(0);
  for (const r of traffic) {
    if (!inWindow(w, r) || !keep(r)) continue;
    const i = (r.hour - w.startHour) / HOUR_MS;
    requests[i] = (requests[i] as number) + r.requests;
    ok[i] = (ok[i] as number) + r.ok;
    notModified[i] = (notModified[i] as number) + r.notModified;
    bytes[i] = (bytes[i] as number) + r.bytes;
  }
  return { t, requests, notModifiedShare: ok.map((o, i) => share(o, notModified[i] as number)), bytes };
}

/** The subscriber counts of one document, origin and aggregator: each day's highest. */
export interface ReportedSubscribers {
  path: string;
  origin: string;
  aggregator: string;
  perDay: Map<string, number>;
}

/** Groups the subscriber rows `keep` accepts (all by default) by document, origin and aggregator. */
export function reportedSubscribers(rows: readonly SubscriberCount[], keep: (s: SubscriberCount) => boolean = () => true): ReportedSubscribers[] {
  const byKey = new Map<string, ReportedSubscribers>();
  for (const s of rows) {
    if (!keep(s)) continue;
    const key = `${s.path}\0${s.origin}\0${s.aggregator}`;
    let r = byKey.get(key);
    if (r === undefined) byKey.set(key, (r = { path: s.path, origin: s.origin, aggregator: s.aggregator, perDay: new Map() }));
    r.perDay.set(s.day, Math.max(r.perDay.get(s.day) ?? 0, s.subscribers));
  }
  return [...byKey.values()];
}

/** The highest count over `day` (`YYYY-MM-DD`) and the 6 days before. */
export function rollingMax(r: ReportedSubscribers, day: string): number {
  const end = Date.parse(`${day}T00:00:00Z`);
  let max = 0;
  for (let i = 0; i < REPORT_DAYS; i += 1) max = Math.max(max, r.perDay.get(utcDay(end - i * DAY_MS)) ?? 0);
  return max;
}

/** The daily series: each day's rolling subscriber maxima summed, and the readers counted that day. */
export function dailySeries(w: StatsWindow, reported: readonly ReportedSubscribers[], readersByDay: ReadonlyMap<string, number>): DailySeries {
  return {
    t: w.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
    day: [...w.days],
    subscribers: w.days.map((d) => reported.reduce((sum, r) => sum + rollingMax(r, d), 0)),
    readers: w.days.map((d) => readersByDay.get(d) ?? 0),
  };
}

/**
 * Totals per origin: every origin of `configured` (the site's, primary first) in that order,
 * zeros included, then any other origin met (one since removed from site.json) in code-unit
 * order, each made by `make`.
 */
export function originTable<T>(configured: readonly string[], make: (origin: string) => T): { of(origin: string): T; list(): T[] } {
  const table = new Map<string, T>(configured.map((o) => [o, make(o)]));
  return {
    of(origin) {
      let t = table.get(origin);
      if (t === undefined) table.set(origin, (t = make(origin)));
      return t;
    },
    list() {
      const rest = [...table.keys()].filter((o) => !configured.includes(o)).sort();
      return [...configured, ...rest].map((o) => table.get(o) as T);
    },
  };
}
