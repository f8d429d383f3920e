// One instance's own PostgreSQL session: LISTEN for publishes and writes, and the compiler lock
// (a session-level advisory lock) held on it. Dropped connections are reconnected with backoff;
// losing the session loses the lock, which is exactly what PostgreSQL does for an instance that
// dies, so an instance that lost its session stops compiling at once.
import pg from 'pg';
import { FeedwrightError } from '../core/errors.js';
import { CHANGE_CHANNEL, compilerLockKey, PUBLISH_CHANNEL } from '../store/pg/connection.js';

/** What the session tells its owner. All are called on this thread, never concurrently with themselves. */
export interface SessionEvents {
  /** Connected (again) and listening: notifications may have been missed meanwhile. */
  up(): void;
  /** The connection is gone (the lock with it, if held); reconnecting with backoff. */
  down(reason: string): void;
  /** A publish was recorded in this store (NOTIFY on PUBLISH_CHANNEL). */
  published(): void;
  /** Articles were written to this store by any instance (NOTIFY on CHANGE_CHANNEL). */
  changed(): void;
}

/** A session of one instance. */
export interface ClusterSession {
  /** Whether the session is connected and listening. */
  connected(): boolean;
  /**
   * Tries to take the compiler lock (`pg_try_advisory_lock`, never waits); true when this session
   * holds it (also when it already did). False when another session holds it or this one is not
   * connected.
   */
  tryLock(): Promise<boolean>;
  /** Whether this session holds the compiler lock (false from the moment the connection drops). */
  holdsLock(): boolean;
  /**
   * The fence of a publish, run in the publish's own transaction: throws unless the lock is held
   * by this session's server process (pg_locks), so a compiler that lost its session — and with
   * it the lock, maybe already taken by another instance — cannot record a publish.
   */
  checkLock(client: Pick<pg.ClientBase, 'query'>): Promise<void>;
  /** Ends the session (the lock with it). */
  close(): Promise<void>;
}

/** Reconnection delays: 250 ms doubling to 5 s. */
const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

/**
 * Opens the session on `url` for the store in `schema` and keeps it open: connects (retrying
 * with backoff while the server is unreachable), LISTENs on PUBLISH_CHANNEL and CHANGE_CHANNEL,
 * and reports through `events`. TCP keepalive is on, so a server that vanished without closing
 * the connection is noticed. Never throws; errors are logged and retried.
 */
export function openClusterSession(options: { url: string; schema: string; log: (line: string) => void; events: SessionEvents }): ClusterSession {
  const { url, schema, log, events } = options;
  const [k1, k2] = compilerLockKey(schema);
  let client: pg.Client | undefined;
  let live = false;
  let locked = false;
  let pid: number | undefined;
  let closed = false;
  let delay = BACKOFF_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const lost = (c: pg.Client, reason: string) => {
    if (client !== c) return;
    client = undefined;
    const was = live;
    live = false;
    locked = false;
    pid = undefined;
    c.end().catch(() => {});
    if (closed) return;
    if (was) events.down(reason);
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, BACKOFF_MAX_MS);
  };

  async function connect(): Promise<void> {
    timer = undefined;
    if (closed) return;
    const c = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: 5000, application_name: 'feedwright-cluster' });
    client = c;
    // Without a listener an 'error' event would end the process; a dropped session is only a reconnect.
    c.on('error', (err) => lost(c, err.message));
    c.on('end', () => lost(c, 'the connection ended'));
    c.on('notification', (n) => {
      if (n.payload !== schema) return;
      if (n.channel === PUBLISH_CHANNEL) events.published();
      else if (n.channel === CHANGE_CHANNEL) events.changed();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${PUBLISH_CHANNEL}`);
      await c.query(`LISTEN ${CHANGE_CHANNEL}`);
      pid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    } catch (err) {
      lost(c, (err as Error).message);
      return;
    }
    if (client !== c || closed) return;
    live = true;
    delay = BACKOFF_MIN_MS;
    log('cluster: connected to PostgreSQL, listening for publishes and writes');
    events.up();
  }

  void connect();

  return {
    connected: () => live,
    holdsLock: () => locked && live,
    async tryLock() {
      const c = client;
      if (!live || c === undefined) return false;
      if (locked) return true;
      try {
        const got = (await c.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1::int4, $2::int4) AS got', [k1, k2])).rows[0]?.got === true;
        if (client !== c) return false;
        locked = got;
        return got;
      } catch (err) {
        lost(c, (err as Error).message);
        return false;
      }
    },
    async checkLock(q) {
      const ok = locked && live && pid !== undefined
        ? (await q.query<{ ok: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2 AND pid = $3 AND granted) AS ok", [k1 >>> 0, k2 >>> 0, pid])).rows[0]?.ok === true
        : false;
      if (!ok) throw new FeedwrightError('NOT_COMPILER', 'this instance no longer holds the compiler lock: the publish is not recorded');
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      const c = client;
      client = undefined;
      live = false;
      locked = false;
      await c?.end().catch(() => {});
    },
  };
}
