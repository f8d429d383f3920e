// The built-in WebSub hub's subscriptions in the SQLite store (issue 14): the table (schema
// version 4) and the HubSubscriptionStore operations over it.
import type { Database as Db } from 'better-sqlite3';
import type { HubSubscription, HubSubscriptionStore } from './store.js';

/**
 * Version 4's table: one row per verified (topic, callback), with the lease's end (`expires_at`,
 * epoch ms, indexed for the sweep) and the secret (null when none was given).
 */
export const HUB_SUBSCRIPTIONS_SQL = `CREATE TABLE IF NOT EXISTS hub_subscriptions (
  topic TEXT NOT NULL,
  callback TEXT NOT NULL,
  secret TEXT,
  lease_seconds INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  verified_at INTEGER NOT NULL,
  PRIMARY KEY (topic, callback)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS hub_subscriptions_expires ON hub_subscriptions (expires_at);`;

interface Row {
  topic: string;
  callback: string;
  secret: string | null;
  lease_seconds: number;
  expires_at: number;
  created_at: number;
  verified_at: number;
}

/** A row as a HubSubscription (no `secret` key when none was given). */
function toSubscription(r: Row): HubSubscription {
  const sub: HubSubscription = { topic: r.topic, callback: r.callback, leaseSeconds: r.lease_seconds, expiresAt: r.expires_at, createdAt: r.created_at, verifiedAt: r.verified_at };
  if (r.secret !== null) sub.secret = r.secret;
  return sub;
}

/**
 * The subscription operations over `db` (whose schema is at version 4 or later); `run` wraps
 * each in the store's error handling (a FeedwrightError `STORE_QUERY` naming what failed).
 */
export function sqliteSubscriptions(db: Db, run: <T>(what: string, fn: () => T) => T): HubSubscriptionStore {
  // Prepared on first use: a read-only connection (a render worker) never needs them.
  let q: ReturnType<typeof prepare> | undefined;
  function prepare() {
    return {
      put: db.prepare('INSERT INTO hub_subscriptions (topic, callback, secret, lease_seconds, expires_at, created_at, verified_at) VALUES (@topic, @callback, @secret, @leaseSeconds, @expiresAt, @createdAt, @verifiedAt) ON CONFLICT (topic, callback) DO UPDATE SET secret = excluded.secret, lease_seconds = excluded.lease_seconds, expires_at = excluded.expires_at, verified_at = excluded.verified_at'),
      del: db.prepare('DELETE FROM hub_subscriptions WHERE topic = ? AND callback = ?'),
      all: db.prepare<[number], Row>('SELECT * FROM hub_subscriptions WHERE expires_at > ? ORDER BY topic, callback'),
      ofTopic: db.prepare<[number, string], Row>('SELECT * FROM hub_subscriptions WHERE expires_at > ? AND topic = ? ORDER BY topic, callback'),
      expire: db.prepare('DELETE FROM hub_subscriptions WHERE expires_at <= ?'),
    };
  }
  const stmts = () => (q ??= prepare());
  return {
    async putSubscription(sub) {
      run('recording a hub subscription', () => stmts().put.run({ ...sub, secret: sub.secret ?? null }));
    },
    async deleteSubscription(topic, callback) {
      return run('removing a hub subscription', () => stmts().del.run(topic, callback).changes > 0);
    },
    async listSubscriptions(now, topic) {
      return run('listing hub subscriptions', () => (topic === undefined ? stmts().all.all(now) : stmts().ofTopic.all(now, topic)).map(toSubscription));
    },
    async deleteExpiredSubscriptions(now) {
      return run('removing expired hub subscriptions', () => stmts().expire.run(now).changes);
    },
  };
}
