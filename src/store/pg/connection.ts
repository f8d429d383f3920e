// The PostgreSQL connection pool of one store, its transactions, and the store's write lock.
import pg from 'pg';
import type { PoolClient } from 'pg';

/** PostgreSQL's type oid of `bigint` (int8): epoch ms, sizes, sequence numbers, counts. */
const INT8_OID = 20;

/**
 * How this pool reads values: `bigint` as a JavaScript number (node-pg returns a string by
 * default). Every bigint the store keeps is an epoch ms, a byte size, a count or a change
 * sequence number, all far below 2^53. Set per pool, not on node-pg's global registry.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** What a pool is opened with. */
export interface PoolOptions {
  /** A libpq-style URL, `postgres://user:password@host:port/database?options=...`. */
  url: string;
  /** Sessions refuse to write (`default_transaction_read_only`): a render worker's connection. */
  readOnly: boolean;
  /** Connections at most (node-pg's default is 10). */
  max?: number;
  /** Where errors of idle connections are reported (a dropped connection is replaced on next use). */
  log: (line: string) => void;
}

/**
 * `url` with `-c name=value` added to the session settings it sends at connect (libpq's
 * `options`, kept after any the URL already has). node-pg takes a URL's parameters over those
 * of its config object, so a setting is added to the URL, not beside it. Throws a TypeError
 * when `url` is not a URL.
 */
export function withSessionSetting(url: string, name: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set('options', [u.searchParams.get('options'), `-c ${name}=${value}`].filter((o) => o !== null && o !== '').join(' '));
  return u.toString();
}

/**
 * A node-pg pool for one store. The search path (the schema the store lives in) comes from the
 * URL (`?options=-c%20search_path%3Dname`); with `readOnly`, every session starts read-only
 * (`default_transaction_read_only`, set at connect). Opening connects nothing: the first query
 * does (and fails after 10 s when nothing answers). Throws a TypeError when `url` with
 * `readOnly` is not a URL.
 */
export function createPool(options: PoolOptions): pg.Pool {
  const url = options.readOnly ? withSessionSetting(options.url, 'default_transaction_read_only', 'on') : options.url;
  const pool = new pg.Pool({ connectionString: url, types, max: options.max ?? 10, connectionTimeoutMillis: 10_000, application_name: 'feedwright' });
  // An idle connection the server dropped: the pool discards it; without a listener the process would exit.
  pool.on('error', (err) => options.log(`store: PostgreSQL connection lost: ${err.message}`));
  return pool;
}

/**
 * Runs `fn` in one transaction on one pooled connection (READ COMMITTED: each statement sees
 * what committed before it, so a write that waited for the write lock sees the writes it waited
 * for). Commits when `fn` resolves; rolls back and rethrows when it throws. A connection whose
 * rollback failed is discarded rather than returned to the pool. `begin` may name another
 * isolation level (e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`).
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => {
      broken = e;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** The class half of the store's advisory lock key ("FWRT"): a constant no other user of the database is likely to pick. */
const LOCK_CLASS = 0x46575254 | 0;

/**
 * The store's write lock, held to the end of the current transaction: every transaction that
 * writes (migrations and derivations at open, article batches, the file index, publishes)
 * takes it first, so writes to one store are serialised across every process and instance
 * sharing it, as SQLite's single writer serialises them. That gives the change log's sequence
 * numbers in commit order (a reader that saw seq N has seen every change below N) and makes the
 * reader-id owner checks race-free. The key is the pair (LOCK_CLASS, a 32-bit FNV-1a hash of the
 * schema name), so stores in different schemas of one database do not wait for each other.
 */
export async function takeWriteLock(client: PoolClient, schema: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [LOCK_CLASS, fnv1a32(schema)]);
}

/** FNV-1a over the UTF-16 code units of `text`, as a signed 32-bit integer. */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
