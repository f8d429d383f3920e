// The readers counted, assembled for a running service (issue 12): the counter the fast path's
// observer feeds, the flusher that moves its counts into the store, and what the /stats page
// reads. Used by src/service.ts and src/cluster/cluster-service.ts alike.
import type { SiteConfig } from '../core/site.js';
import type { StatsPageOptions } from '../http/stats-page.js';
import type { ResponseObserver } from '../http/served-response.js';
import type { ReaderStatsStore } from '../store/reader-stats.js';
import { createReaderCounter } from './counter.js';
import { createStatsFlusher, type StatsFlusher } from './flush.js';
import { readFeedReport } from './feed-report.js';
import { readStatsReport } from './report.js';

/** What the wiring needs. */
export interface ReaderStatsOptions {
  site: SiteConfig;
  store: ReaderStatsStore;
  /** Flush interval, ms (default 60,000; FEEDWRIGHT_STATS_FLUSH_SECONDS). */
  flushMs?: number;
  clock?: () => number;
  log?: (line: string) => void;
  /** Whether the site publishes a document at this (canonical) path now: `/stats.json?path=` knows it then, counted or not. */
  isDocument?: (path: string) => boolean;
}

/** The pieces a service wires in. */
export interface ReaderStats {
  /** Give to createFeedServer's `observe` (composable with other observers). */
  observe: ResponseObserver;
  /** Start it when listening; `stop()` it after the server closed and before the store closes. */
  flusher: StatsFlusher;
  /** The /stats page's options for createApp, guarded by `token` (the API token). */
  page(token: StatsPageOptions['token']): StatsPageOptions;
}

/** Builds the counter, the flusher (not started) and the page's report reader. */
export function createReaderStats(options: ReaderStatsOptions): ReaderStats {
  const clock = options.clock ?? Date.now;
  const origins = options.site.origins.map((o) => o.href);
  const counter = createReaderCounter({ origins, behindProxy: options.site.behindProxy, clock });
  const flusher = createStatsFlusher({ counter, store: options.store, ...(options.flushMs === undefined ? {} : { intervalMs: options.flushMs }), ...(options.log === undefined ? {} : { log: options.log }) });
  return {
    observe: counter.observe,
    flusher,
    page: (token) => ({
      token,
      title: options.site.title,
      behindProxy: options.site.behindProxy,
      clock,
      // This instance's counts first, so the page shows every answer up to now (other
      // instances of a cluster add theirs at their next flush).
      report: async () => {
        await flusher.flush();
        return readStatsReport(options.store, clock(), { origins });
      },
      feed: async (path) => {
        await flusher.flush();
        return readFeedReport(options.store, clock(), path, { origins, ...(options.isDocument === undefined ? {} : { isDocument: options.isDocument }) });
      },
    }),
  };
}
