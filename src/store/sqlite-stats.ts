// The SQLite store's part of the readers counted (issue 12, schema version 5): three tables and
// their additive upserts. Kept beside sqlite-store.ts, which runs the schema and mixes these in.
import type { Database as Db } from 'better-sqlite3';
import { wrapError } from '../core/errors.js';
import type { ReaderCount, ReaderStatsStore, SubscriberCount, TrafficCount } from './reader-stats.js';

/**
 * Version 5's tables (created if absent on every open, so an upgrade from any version gets
 * them): hourly traffic per document, origin and coding; daily requests and individual readers
 * per document (or `''`, the site) and reader family; each day's highest subscriber count per
 * document, origin and aggregator, with when it was reported (the rolling 7-day maximum is read
 * from these).
 */
export const SQLITE_STATS_SCHEMA = `
CREATE TABLE IF NOT EXISTS stats_traffic (
  hour INTEGER NOT NULL,
  path TEXT NOT NULL,
  origin TEXT NOT NULL,
  coding TEXT NOT NULL,
  requests INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  not_modified INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (hour, path, origin, coding)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_readers (
  day TEXT NOT NULL,
  path TEXT NOT NULL,
  family TEXT NOT NULL,
  requests INTEGER NOT NULL,
  readers INTEGER NOT NULL,
  PRIMARY KEY (day, path, family)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_subscribers (
  day TEXT NOT NULL,
  path TEXT NOT NULL,
  origin TEXT NOT NULL,
  aggregator TEXT NOT NULL,
  subscribers INTEGER NOT NULL,
  observed_at INTEGER NOT NULL,
  PRIMARY KEY (day, path, origin, aggregator)
) WITHOUT ROWID;
`;

/** The stats operations over an open SQLite connection (its schema already holds {@link SQLITE_STATS_SCHEMA}). */
export function createSqliteStats(db: Db, relaxed: <T>(fn: () => T) => T = (fn) => fn()): ReaderStatsStore {
  // Prepared on first use: a read-only connection (a render worker's) never needs them.
  const prepare = () => ({
    traffic: db.prepare('INSERT INTO stats_traffic (hour, path, origin, coding, requests, ok, not_modified, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hour, path, origin, coding) DO UPDATE SET requests = requests + excluded.requests, ok = ok + excluded.ok, not_modified = not_modified + excluded.not_modified, bytes = bytes + excluded.bytes'),
    readers: db.prepare('INSERT INTO stats_readers (day, path, family, requests, readers) VALUES (?, ?, ?, ?, ?) ON CONFLICT (day, path, family) DO UPDATE SET requests = requests + excluded.requests, readers = readers + excluded.readers'),
    // Higher wins; on a tie the earlier report's time stays.
    subscribers: db.prepare('INSERT INTO stats_subscribers (day, path, origin, aggregator, subscribers, observed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, path, origin, aggregator) DO UPDATE SET subscribers = excluded.subscribers, observed_at = excluded.observed_at WHERE excluded.subscribers > stats_subscribers.subscribers OR (excluded.subscribers = stats_subscribers.subscribers AND excluded.observed_at < stats_subscribers.observed_at)'),
    readTraffic: db.prepare<[number, number], { hour: number; path: string; origin: string; coding: TrafficCount['coding']; requests: number; ok: number; not_modified: number; bytes: number }>('SELECT * FROM stats_traffic WHERE hour >= ? AND hour < ? ORDER BY hour, path, origin, coding'),
    readReaders: db.prepare<[string, string], ReaderCount>('SELECT day, path, family, requests, readers FROM stats_readers WHERE day >= ? AND day <= ? ORDER BY day, path, family'),
    readSubscribers: db.prepare<[string, string], { day: string; path: string; origin: string; aggregator: string; subscribers: number; observed_at: number }>('SELECT * FROM stats_subscribers WHERE day >= ? AND day <= ? ORDER BY day, path, origin, aggregator'),
  });
  let prepared: ReturnType<typeof prepare> | undefined;
  const add = db.transaction((batch: Parameters<ReaderStatsStore['addReaderStats']>[0]) => {
    const q = (prepared ??= prepare());
    for (const t of batch.traffic) q.traffic.run(t.hour, t.path, t.origin, t.coding, t.requests, t.ok, t.notModified, t.bytes);
    for (const r of batch.readers) q.readers.run(r.day, r.path, r.family, r.requests, r.readers);
    for (const s of batch.subscribers) q.subscribers.run(s.day, s.path, s.origin, s.aggregator, s.subscribers, s.observedAt);
  });
  const run = <T>(what: string, fn: (q: ReturnType<typeof prepare>) => T): T => {
    try {
      return fn((prepared ??= prepare()));
    } catch (err) {
      throw wrapError('STORE_QUERY', `SQLite store: ${what}`, err);
    }
  };
  return {
    async addReaderStats(batch) {
      run('adding reader counts', () => relaxed(() => add.immediate(batch)));
    },
    async readTraffic(fromHour, toHour) {
      return run('reading traffic counts', (q) => q.readTraffic.all(fromHour, toHour).map((r) => ({ hour: r.hour, path: r.path, origin: r.origin, coding: r.coding, requests: r.requests, ok: r.ok, notModified: r.not_modified, bytes: r.bytes })));
    },
    async readReaderCounts(fromDay, toDay) {
      return run('reading reader counts', (q) => q.readReaders.all(fromDay, toDay));
    },
    async readSubscriberCounts(fromDay, toDay): Promise<SubscriberCount[]> {
      return run('reading subscriber counts', (q) => q.readSubscribers.all(fromDay, toDay).map((r) => ({ day: r.day, path: r.path, origin: r.origin, aggregator: r.aggregator, subscribers: r.subscribers, observedAt: r.observed_at })));
    },
  };
}
