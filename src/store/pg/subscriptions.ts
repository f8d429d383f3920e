// The built-in WebSub hub's subscriptions in the PostgreSQL store (issue 14): the
// HubSubscriptionStore operations over migration 4's table (see migrations.ts).
import type pg from 'pg';
import type { HubSubscription, HubSubscriptionStore } from '../store.js';

interface Row {
  topic: string;
  callback: string;
  secret: string | null;
  lease_seconds: number;
  expires_at: string;
  created_at: string;
  verified_at: string;
}

/** A row as a HubSubscription (bigint columns arrive as strings; no `secret` key when none). */
function toSubscription(r: Row): HubSubscription {
  const sub: HubSubscription = { topic: r.topic, callback: r.callback, leaseSeconds: r.lease_seconds, expiresAt: Number(r.expires_at), createdAt: Number(r.created_at), verifiedAt: Number(r.verified_at) };
  if (r.secret !== null) sub.secret = r.secret;
  return sub;
}

const COLUMNS = 'topic, callback, secret, lease_seconds, expires_at, created_at, verified_at';

/**
 * The subscription operations on `pool` (a schema at migration 4 or later); `run` wraps each in
 * the store's error handling (`STORE_UNAVAILABLE` when the server cannot be reached, else
 * `STORE_QUERY`). Single statements: no write lock is needed.
 */
export function pgSubscriptions(pool: pg.Pool, run: <T>(what: string, fn: () => Promise<T>) => Promise<T>): HubSubscriptionStore {
  return {
    async putSubscription(s) {
      await run('recording a hub subscription', () =>
        pool.query(
          `INSERT INTO hub_subscriptions (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (topic, callback) DO UPDATE SET secret = EXCLUDED.secret, lease_seconds = EXCLUDED.lease_seconds, expires_at = EXCLUDED.expires_at, verified_at = EXCLUDED.verified_at`,
          [s.topic, s.callback, s.secret ?? null, s.leaseSeconds, s.expiresAt, s.createdAt, s.verifiedAt],
        ),
      );
    },
    async deleteSubscription(topic, callback) {
      return run('removing a hub subscription', async () => ((await pool.query('DELETE FROM hub_subscriptions WHERE topic = $1 AND callback = $2', [topic, callback])).rowCount ?? 0) > 0);
    },
    async listSubscriptions(now, topic) {
      return run('listing hub subscriptions', async () => {
        const { rows } = topic === undefined
          ? await pool.query<Row>(`SELECT ${COLUMNS} FROM hub_subscriptions WHERE expires_at > $1 ORDER BY topic, callback`, [now])
          : await pool.query<Row>(`SELECT ${COLUMNS} FROM hub_subscriptions WHERE expires_at > $1 AND topic = $2 ORDER BY topic, callback`, [now, topic]);
        return rows.map(toSubscription);
      });
    },
    async deleteExpiredSubscriptions(now) {
      return run('removing expired hub subscriptions', async () => (await pool.query('DELETE FROM hub_subscriptions WHERE expires_at <= $1', [now])).rowCount ?? 0);
    },
  };
}
