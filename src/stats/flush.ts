// Moving the counts from memory to the store (issue 12): every interval (default 60 s), on
// demand (the /stats page, before it reads), and a last time when the service stops (SIGTERM,
// SIGINT, close()): a clean stop loses nothing, a SIGKILL at most one interval's counts.
import type { ReaderStatsStore } from '../store/reader-stats.js';
import type { ReaderCounter } from './counter.js';

/** The default flush interval, ms (FEEDWRIGHT_STATS_FLUSH_SECONDS sets it; see README). */
export const DEFAULT_FLUSH_MS = 60_000;

/** What a flusher needs. */
export interface StatsFlusherOptions {
  counter: Pick<ReaderCounter, 'drain' | 'restore'>;
  store: Pick<ReaderStatsStore, 'addReaderStats'>;
  /** How often to flush, ms (≥ 1; default {@link DEFAULT_FLUSH_MS}). */
  intervalMs?: number;
  log?: (line: string) => void;
}

/** Flushes a counter into a store. */
export interface StatsFlusher {
  /** Starts the interval timer (unref'd: it never keeps the process alive). */
  start(): void;
  /**
   * Drains the counter into the store now, after any flush in progress. A failed write puts the
   * counts back into the counter (the next flush tries again) and rejects with the store's error.
   */
  flush(): Promise<void>;
  /** Stops the timer and flushes a last time; a failure is logged, not thrown. */
  stop(): Promise<void>;
}

/** Creates a flusher (not started). Throws RangeError for an interval below 1 ms. */
export function createStatsFlusher(options: StatsFlusherOptions): StatsFlusher {
  const intervalMs = options.intervalMs ?? DEFAULT_FLUSH_MS;
  if (!(intervalMs >= 1)) throw new RangeError(`the stats flush interval must be at least 1 ms, not ${intervalMs}`);
  const log = options.log ?? (() => {});
  const { counter, store } = options;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();

  const flushOnce = async () => {
    const batch = counter.drain();
    if (batch.traffic.length + batch.readers.length + batch.subscribers.length === 0) return;
    try {
      await store.addReaderStats(batch);
    } catch (err) {
      counter.restore(batch);
      throw err;
    }
  };
  const flush = () => {
    const next = chain.then(flushOnce);
    chain = next.catch(() => {});
    return next;
  };

  return {
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        flush().catch((err: unknown) => log(`stats: counts kept in memory, the store refused them: ${(err as Error).message}`));
      }, intervalMs);
      timer.unref();
    },
    flush,
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await flush().catch((err: unknown) => log(`stats: the last counts could not be stored: ${(err as Error).message}`));
    },
  };
}
