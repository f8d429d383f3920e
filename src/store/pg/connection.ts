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
 * rollback failed, or that reported an error while checked out, is discarded rather than
 * returned to the pool. `begin` may name another
 * isolation level (e.g. `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`).
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no pool listener (pg-pool removes it): a connection the server ends
  // between two statements would emit an unhandled 'error' and end the process. Heard here, the
  // next statement fails instead, and the client is discarded at release.
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
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
    client.removeListener('error', onError);
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

/**
 * The NOTIFY channels (PostgreSQL's LISTEN/NOTIFY, delivered at commit, in commit order): a
 * publish recorded (the manifest changed: a new set, or brotli bodies added) and a write of
 * articles committed. The payload is the store's schema, so stores in other schemas of the same
 * database (channels are per database) are told apart.
 */
export const PUBLISH_CHANNEL = 'feedwright_publish';
export const CHANGE_CHANNEL = 'feedwright_change';

/** The class half of the compiler lock's key ("FWCP"): one compiler per store (see src/cluster/session.ts). */
const COMPILER_LOCK_CLASS = 0x46574350 | 0;

/**
 * The key of a store's compiler lock, a session-level advisory lock (PostgreSQL §13.3.5): the
 * pair (COMPILER_LOCK_CLASS, FNV-1a of the schema name) as signed 32-bit integers, which
 * `pg_try_advisory_lock(int4, int4)` takes; pg_locks shows them as `classid` and `objid` (the
 * unsigned oids of the same bits) with `objsubid` 2.
 */
export function compilerLockKey(schema: string): [number, number] {
  return [COMPILER_LOCK_CLASS, fnv1a32(schema)];
}

/** Socket errors that say the server is not reachable (node's `code`s). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/**
 * Whether `err` (from node-pg) means the database cannot be reached rather than that a statement
 * is wrong: a refused, reset or timed-out socket, a connection node-pg saw end, or a server
 * SQLSTATE of class 08 (connection exception) or 57P01–57P03 (the server shutting down or
 * starting up; PostgreSQL Appendix A). A wrapped error is judged by its `cause`.
 */
export function isConnectionError(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0; e !== undefined && e !== null && depth < 5; e = e.cause as typeof e, depth += 1) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (SOCKET_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (/Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|not queryable/i.test(message)) return true;
    // node's AggregateError for a host with several addresses, all refused.
    if (Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every((x) => isConnectionError(x))) return true;
  }
  return false;
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
