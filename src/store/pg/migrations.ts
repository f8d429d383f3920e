// The PostgreSQL store's schema, as versioned migrations applied at open (see migrate below).
import type { PoolClient } from 'pg';

/** One step of the schema: applied once, in order, recorded in `feedwright_migrations`. */
export interface Migration {
  version: number;
  name: string;
  /** One or more statements, run in the open transaction (PostgreSQL DDL is transactional). */
  sql: string;
}

/**
 * Version 1: the schema of sqlite-store.ts at its version 2, in PostgreSQL terms. Text keys
 * use the "C" collation (byte order, what SQLite's BINARY compares), so `ORDER BY id`, the
 * newest-N walk and `MIN(label)` order exactly as on SQLite whatever the database's locale.
 * `stored_order` is SQLite's rowid: the order articles were first stored (an update keeps it),
 * used when duplicates of a reader id are set aside. The change log's `scopes` is a text array.
 */
const V1 = `
CREATE TABLE articles (
  id text COLLATE "C" PRIMARY KEY,
  doc text NOT NULL,
  digest text NOT NULL,
  published bigint NOT NULL,
  changed_at bigint NOT NULL,
  source text COLLATE "C" NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  reader_id text COLLATE "C",
  stored_order bigint GENERATED ALWAYS AS IDENTITY
);
CREATE UNIQUE INDEX articles_reader_id ON articles (reader_id) WHERE NOT deleted;
CREATE INDEX articles_published ON articles (published);
CREATE INDEX articles_changed ON articles (changed_at, id);
CREATE TABLE scope_items (
  scope text COLLATE "C" NOT NULL,
  published bigint NOT NULL,
  article_id text COLLATE "C" NOT NULL,
  label text COLLATE "C" NOT NULL,
  PRIMARY KEY (scope, published, article_id)
);
CREATE INDEX scope_items_article ON scope_items (article_id);
CREATE TABLE scope_labels (
  scope text COLLATE "C" PRIMARY KEY,
  label text COLLATE "C" NOT NULL
);
CREATE TABLE files (
  name text COLLATE "C" PRIMARY KEY,
  mtime_ms double precision NOT NULL,
  size bigint NOT NULL,
  digest text NOT NULL,
  article_id text COLLATE "C"
);
CREATE TABLE documents (
  path text COLLATE "C" NOT NULL,
  origin text COLLATE "C" NOT NULL,
  content_type text NOT NULL,
  last_modified bigint NOT NULL,
  hash text NOT NULL,
  size_identity bigint NOT NULL,
  size_gzip bigint NOT NULL,
  size_br bigint NOT NULL,
  PRIMARY KEY (path, origin)
);
CREATE TABLE changes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at bigint NOT NULL,
  scopes text[] NOT NULL
);
CREATE INDEX changes_at ON changes (at);
CREATE TABLE meta (
  key text COLLATE "C" PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE feed_state (
  scope text COLLATE "C" PRIMARY KEY,
  digest text NOT NULL,
  last_modified bigint NOT NULL
);
`;

/** Every migration, oldest first. Append new ones; never edit one that has shipped. */
/**
 * Version 2: each article's prepared (sanitised) form, as sqlite-store.ts's version 3: null in
 * rows stored before, which their feeds sanitise at render time until they are stored again.
 */
const V2 = `
ALTER TABLE articles ADD COLUMN prepared_key text;
ALTER TABLE articles ADD COLUMN prepared text;
`;

/**
 * Version 3 (issue 11, several instances): the published document bodies, content-addressed by
 * their entity-tag (the body file's name), written once by the compiling instance and fetched by
 * the others (pg/bodies.ts); `hash` is the identity bytes' hash the tag derives from, which the
 * manifest names (so unnamed bodies can be collected); `stored_at` keeps a body a while after
 * the manifest stops naming it, for an instance still fetching the set before.
 */
const V3 = `
CREATE TABLE bodies (
  tag text COLLATE "C" PRIMARY KEY,
  hash text COLLATE "C" NOT NULL,
  bytes bytea NOT NULL,
  stored_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bodies_stored_at ON bodies (stored_at);
CREATE INDEX documents_hash ON documents (hash);
`;

/**
 * Version 4 (issue 14): the built-in WebSub hub's verified subscriptions, as sqlite-store.ts's
 * version 4 (pg/subscriptions.ts): one row per (topic, callback), times in epoch ms.
 */
const V4 = `
CREATE TABLE hub_subscriptions (
  topic text COLLATE "C" NOT NULL,
  callback text COLLATE "C" NOT NULL,
  secret text,
  lease_seconds integer NOT NULL,
  expires_at bigint NOT NULL,
  created_at bigint NOT NULL,
  verified_at bigint NOT NULL,
  PRIMARY KEY (topic, callback)
);
CREATE INDEX hub_subscriptions_expires ON hub_subscriptions (expires_at);
`;

/**
 * Version 5 (issue 12, readers counted), as sqlite-stats.ts: hourly traffic per document, origin
 * and coding; daily requests and individual readers per document (`''`: the site) and reader
 * family; each day's highest subscriber count per document, origin and aggregator. Every
 * instance adds its own counts (pg/stats.ts), so the figures are cluster-wide.
 */
const V5 = `
CREATE TABLE stats_traffic (
  hour bigint NOT NULL,
  path text COLLATE "C" NOT NULL,
  origin text COLLATE "C" NOT NULL,
  coding text COLLATE "C" NOT NULL,
  requests bigint NOT NULL,
  ok bigint NOT NULL,
  not_modified bigint NOT NULL,
  bytes bigint NOT NULL,
  PRIMARY KEY (hour, path, origin, coding)
);
CREATE TABLE stats_readers (
  day text COLLATE "C" NOT NULL,
  path text COLLATE "C" NOT NULL,
  family text COLLATE "C" NOT NULL,
  requests bigint NOT NULL,
  readers bigint NOT NULL,
  PRIMARY KEY (day, path, family)
);
CREATE TABLE stats_subscribers (
  day text COLLATE "C" NOT NULL,
  path text COLLATE "C" NOT NULL,
  origin text COLLATE "C" NOT NULL,
  aggregator text COLLATE "C" NOT NULL,
  subscribers bigint NOT NULL,
  observed_at bigint NOT NULL,
  PRIMARY KEY (day, path, origin, aggregator)
);
`;

/**
 * Version 6: every article's place in commit order (the change list's cursor, as sqlite-store.ts's
 * version 6). Rows stored before are numbered in the order the change list gave them until now,
 * (changed_at, id). Later, the database gives the number (a trigger, so an instance of an older
 * version still writing during a rolling upgrade gets numbers too): a row inserted, or whose
 * changed_at is set, takes one more than the largest. Every write holds the store's write lock
 * to its commit, so the numbers follow commit order.
 */
const V6 = `
ALTER TABLE articles ADD COLUMN change_seq bigint;
UPDATE articles AS a SET change_seq = o.n FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY changed_at, id) AS n FROM articles) AS o WHERE o.id = a.id;
CREATE INDEX articles_change_seq ON articles (change_seq);
CREATE FUNCTION articles_next_change_seq() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  NEW.change_seq := (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM articles);
  RETURN NEW;
END
$$;
CREATE TRIGGER articles_change_seq BEFORE INSERT OR UPDATE OF changed_at ON articles FOR EACH ROW EXECUTE FUNCTION articles_next_change_seq();
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'articles, feeds, file index, change log, manifest', sql: V1 },
  { version: 2, name: 'prepared (sanitised) article forms', sql: V2 },
  { version: 3, name: 'published document bodies', sql: V3 },
  { version: 4, name: 'built-in WebSub hub subscriptions', sql: V4 },
  { version: 5, name: 'readers counted: traffic, readers, subscribers', sql: V5 },
  { version: 6, name: 'change list cursor: articles in commit order', sql: V6 },
];

/** The schema version this code writes: the last migration's. */
export const PG_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The table that records which migrations ran; its absence means version 0 (an empty schema). */
const VERSIONS_TABLE = `CREATE TABLE IF NOT EXISTS feedwright_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/**
 * The schema version recorded in the current schema (search path): 0 when the store was never
 * created there. Reads only, so a read-only connection can ask.
 */
export async function schemaVersion(client: Pick<PoolClient, 'query'>): Promise<number> {
  // Two statements: a query naming a missing table fails when it is parsed, before any CASE.
  const exists = (await client.query<{ ok: boolean }>("SELECT to_regclass('feedwright_migrations') IS NOT NULL AS ok")).rows[0]?.ok === true;
  if (!exists) return 0;
  const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM feedwright_migrations');
  return rows[0]?.v ?? 0;
}

/**
 * Brings the schema up to the last of `migrations` (default {@link MIGRATIONS}), applying each
 * one above the recorded version in order and recording it. Must run inside a transaction that
 * holds the store's write lock (takeWriteLock), so instances starting at the same moment
 * migrate once: the first applies, the others wait on the lock and then find nothing to do;
 * a failed migration rolls back whole. Returns the versions before and after. Throws, changing
 * nothing, when the schema was written by a newer feedwright (a version above the last known).
 */
export async function migrate(client: PoolClient, migrations: readonly Migration[] = MIGRATIONS): Promise<{ from: number; to: number }> {
  await client.query(VERSIONS_TABLE);
  const from = await schemaVersion(client);
  const last = migrations[migrations.length - 1]?.version ?? 0;
  if (from > last) throw new Error(`the store has schema version ${from}, written by a newer feedwright (this one knows up to ${last})`);
  for (const m of migrations) {
    if (m.version <= from) continue;
    await client.query(m.sql);
    await client.query('INSERT INTO feedwright_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
  }
  return { from, to: Math.max(from, last) };
}
