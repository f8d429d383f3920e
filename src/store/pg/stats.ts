// The PostgreSQL store's part of the readers counted (issue 12, migration 5): additive upserts
// of a flush's counts, so every instance of a cluster adds its own and the figures are
// cluster-wide. Same semantics as sqlite-stats.ts, which is its spec.
import type pg from 'pg';
import type { ReaderStatsStore, StatsBatch, SubscriberCount, TrafficCount } from '../reader-stats.js';

/**
 * Rows of one key within a batch are folded in SQL first (`GROUP BY`), since one INSERT … ON
 * CONFLICT may not touch a row twice; the input is sorted by key, so two instances flushing at
 * once lock rows in the same order and cannot deadlock. No store write lock: these rows are not
 * part of the change log, and the upserts are atomic per row.
 */
const ADD_TRAFFIC = `INSERT INTO stats_traffic AS t (hour, path, origin, coding, requests, ok, not_modified, bytes)
SELECT hour, path, origin, coding, SUM(requests), SUM(ok), SUM(not_modified), SUM(bytes)
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[]) AS u(hour, path, origin, coding, requests, ok, not_modified, bytes)
GROUP BY hour, path, origin, coding ORDER BY hour, path, origin, coding
ON CONFLICT (hour, path, origin, coding) DO UPDATE SET requests = t.requests + excluded.requests, ok = t.ok + excluded.ok, not_modified = t.not_modified + excluded.not_modified, bytes = t.bytes + excluded.bytes`;
const ADD_READERS = `INSERT INTO stats_readers AS r (day, path, family, requests, readers)
SELECT day, path, family, SUM(requests), SUM(readers)
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS u(day, path, family, requests, readers)
GROUP BY day, path, family ORDER BY day, path, family
ON CONFLICT (day, path, family) DO UPDATE SET requests = r.requests + excluded.requests, readers = r.readers + excluded.readers`;
// The highest count wins; on a tie the earlier report's time stays (DISTINCT ON picks each key's best row).
const ADD_SUBSCRIBERS = `INSERT INTO stats_subscribers AS s (day, path, origin, aggregator, subscribers, observed_at)
SELECT DISTINCT ON (day, path, origin, aggregator) day, path, origin, aggregator, subscribers, observed_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS u(day, path, origin, aggregator, subscribers, observed_at)
ORDER BY day, path, origin, aggregator, subscribers DESC, observed_at
ON CONFLICT (day, path, origin, aggregator) DO UPDATE SET subscribers = excluded.subscribers, observed_at = excluded.observed_at
WHERE excluded.subscribers > s.subscribers OR (excluded.subscribers = s.subscribers AND excluded.observed_at < s.observed_at)`;

/**
 * The stats operations over the store's pool. `run` wraps each in the store's error handling
 * (STORE_UNAVAILABLE / STORE_QUERY); `transaction` runs a function in one transaction.
 */
export function createPgStats(pool: pg.Pool, run: <T>(what: string, fn: () => Promise<T>) => Promise<T>, transaction: <T>(fn: (client: pg.PoolClient) => Promise<T>) => Promise<T>): ReaderStatsStore {
  return {
    async addReaderStats(batch: StatsBatch) {
      if (batch.traffic.length + batch.readers.length + batch.subscribers.length === 0) return;
      const traffic = [...batch.traffic].sort((a, b) => a.hour - b.hour || cmp(a.path, b.path) || cmp(a.origin, b.origin) || cmp(a.coding, b.coding));
      const readers = [...batch.readers].sort((a, b) => cmp(a.day, b.day) || cmp(a.path, b.path) || cmp(a.family, b.family));
      const subscribers = batch.subscribers;
      await run('adding reader counts', () =>
        transaction(async (c) => {
          if (traffic.length > 0) await c.query(ADD_TRAFFIC, [traffic.map((t) => t.hour), traffic.map((t) => t.path), traffic.map((t) => t.origin), traffic.map((t) => t.coding), traffic.map((t) => t.requests), traffic.map((t) => t.ok), traffic.map((t) => t.notModified), traffic.map((t) => t.bytes)]);
          if (readers.length > 0) await c.query(ADD_READERS, [readers.map((r) => r.day), readers.map((r) => r.path), readers.map((r) => r.family), readers.map((r) => r.requests), readers.map((r) => r.readers)]);
          if (subscribers.length > 0) await c.query(ADD_SUBSCRIBERS, [subscribers.map((s) => s.day), subscribers.map((s) => s.path), subscribers.map((s) => s.origin), subscribers.map((s) => s.aggregator), subscribers.map((s) => s.subscribers), subscribers.map((s) => s.observedAt)]);
        }),
      );
    },
    async readTraffic(fromHour, toHour) {
      return run('reading traffic counts', async () =>
        (await pool.query<{ hour: number; path: string; origin: string; coding: TrafficCount['coding']; requests: number; ok: number; not_modified: number; bytes: number }>('SELECT * FROM stats_traffic WHERE hour >= $1 AND hour < $2 ORDER BY hour, path, origin, coding', [fromHour, toHour])).rows.map((r) => ({
          hour: r.hour, path: r.path, origin: r.origin, coding: r.coding, requests: r.requests, ok: r.ok, notModified: r.not_modified, bytes: r.bytes,
        })),
      );
    },
    async readReaderCounts(fromDay, toDay) {
      return run('reading reader counts', async () => (await pool.query('SELECT day, path, family, requests, readers FROM stats_readers WHERE day >= $1 AND day <= $2 ORDER BY day, path, family', [fromDay, toDay])).rows);
    },
    async readSubscriberCounts(fromDay, toDay): Promise<SubscriberCount[]> {
      return run('reading subscriber counts', async () =>
        (await pool.query<{ day: string; path: string; origin: string; aggregator: string; subscribers: number; observed_at: number }>('SELECT * FROM stats_subscribers WHERE day >= $1 AND day <= $2 ORDER BY day, path, origin, aggregator', [fromDay, toDay])).rows.map((r) => ({
          day: r.day, path: r.path, origin: r.origin, aggregator: r.aggregator, subscribers: r.subscribers, observedAt: r.observed_at,
        })),
      );
    },
  };
}

/** Byte order, as the tables' "C" collation (so the sort matches the rows' lock order). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
