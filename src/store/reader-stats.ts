// What the store keeps of the readers counted (issue 12): hourly traffic per document and
// origin, daily readers per reader family, and the subscriber counts aggregators report. Every
// write adds to what is stored (additive upserts), so each instance of a cluster adds its own
// counts and the figures are cluster-wide. Part of the ArticleStore interface (store.ts).

/** The coding a counted answer was sent in; `none` for answers without a representation (301, 405, 429, 503). */
export type CountedCoding = 'identity' | 'gzip' | 'br' | 'none';

/** Requests to one document on one origin in one UTC hour, sent in one coding. */
export interface TrafficCount {
  /** The start of the UTC hour, epoch ms (a multiple of 3,600,000). */
  hour: number;
  /** The document's path, e.g. `/sections/news/rss.xml` (no query). */
  path: string;
  /** The origin answered for, `https://example.org` (the primary for unknown hosts). */
  origin: string;
  coding: CountedCoding;
  /** Answers of any status. */
  requests: number;
  /** 200 answers. */
  ok: number;
  /** 304 answers. */
  notModified: number;
  /** Body bytes sent. */
  bytes: number;
}

/** Requests and individual readers of one reader family on one UTC day, for one document or the site. */
export interface ReaderCount {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  /** The document's path; `''` for the whole site (a reader counted once whatever it polls). */
  path: string;
  /** A reader family (src/stats/user-agents.ts), e.g. `NetNewsWire`. */
  family: string;
  /** 200 and 304 answers. */
  requests: number;
  /**
   * Individual readers first seen that day: distinct address + User-Agent pairs, aggregators
   * that report a subscriber count left out (they count under subscribers).
   */
  readers: number;
}

/** The highest subscriber count an aggregator reported for a document on one origin on one UTC day. */
export interface SubscriberCount {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  path: string;
  origin: string;
  /** `Feedly`, `Inoreader`, `NewsBlur`, `Feedbin` or `The Old Reader`. */
  aggregator: string;
  /** The day's highest count. */
  subscribers: number;
  /** When that count was (first) reported, epoch ms. */
  observedAt: number;
}

/** One flush of counts (any of the lists may be empty). */
export interface StatsBatch {
  traffic: TrafficCount[];
  readers: ReaderCount[];
  subscribers: SubscriberCount[];
}

/** The stats operations every store keeps (the store contract suite checks them). */
export interface ReaderStatsStore {
  /**
   * Adds a batch in one transaction: traffic and reader counts are added to the stored row of
   * the same key (hour, path, origin, coding / day, path, family), created at zero when absent;
   * a subscriber count replaces the stored one of its key (day, path, origin, aggregator) only
   * when higher (ties keep the earlier `observedAt`). So two instances adding their own counts
   * give the sums, in any order. Throws `STORE_QUERY` / `STORE_UNAVAILABLE` (PostgreSQL) as
   * any write; nothing of the batch is stored then.
   */
  addReaderStats(batch: StatsBatch): Promise<void>;
  /** The traffic rows with `fromHour` ≤ hour < `toHour` (epoch ms), ordered by hour, path, origin, coding. */
  readTraffic(fromHour: number, toHour: number): Promise<TrafficCount[]>;
  /** The reader rows with `fromDay` ≤ day ≤ `toDay` (`YYYY-MM-DD`), ordered by day, path, family. */
  readReaderCounts(fromDay: string, toDay: string): Promise<ReaderCount[]>;
  /** The subscriber rows with `fromDay` ≤ day ≤ `toDay`, ordered by day, path, origin, aggregator. */
  readSubscriberCounts(fromDay: string, toDay: string): Promise<SubscriberCount[]>;
}

/** The UTC day (`YYYY-MM-DD`) of an instant (epoch ms). */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The start of the UTC hour (epoch ms) of an instant. */
export function utcHour(ms: number): number {
  return ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000);
}
