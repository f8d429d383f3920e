// The PostgreSQL store (node-pg, a pool): the ArticleStore for several instances sharing one
// database. Same semantics as sqlite-store.ts, which is its spec; the schema is created and
// migrated at open by versioned migrations (pg/migrations.ts) under the store's write lock.
import type pg from 'pg';
import type { PoolClient } from 'pg';
import type { Article } from '../core/article.js';
import { FeedwrightError, wrapError } from '../core/errors.js';
import { isFeedId, readerId, readerIdField } from '../core/reader-id.js';
import { articleScopes } from '../core/scopes.js';
import { CHANGE_CHANNEL, createPool, inTransaction, isConnectionError, PUBLISH_CHANNEL, takeWriteLock } from './pg/connection.js';
import { deriveForSettings } from './pg/derive.js';
import { migrate, PG_SCHEMA_VERSION, schemaVersion } from './pg/migrations.js';
import { pgSubscriptions } from './pg/subscriptions.js';
import { createPgStats } from './pg/stats.js';
import { toChanged, toStored, type ArticleRow } from './stored-article.js';
import { PREPARED_BATCH_ROWS, readerIdTakenError, type ArticleChange, type ArticleStore, type ArticleWrite, type DocumentRow, type FeedState, type PublishRecord, type ScopeSummary, type StoreOptions, type WriteRefusal } from './store.js';

/** The feed query: the newest N of one scope, walking the (scope, published, article_id) key backwards. */
export const PG_NEWEST_IN_SCOPE_SQL =
  'SELECT a.id, a.doc, a.digest, a.changed_at, a.source, a.prepared_key, a.prepared FROM scope_items s JOIN articles a ON a.id = s.article_id WHERE s.scope = $1 AND s.published <= $2 ORDER BY s.published DESC, s.article_id DESC LIMIT $3';
/** The ids and digests of exactly the rows PG_NEWEST_IN_SCOPE_SQL gives, in its order. */
const NEWEST_DIGESTS_SQL =
  'SELECT a.id, a.digest FROM scope_items s JOIN articles a ON a.id = s.article_id WHERE s.scope = $1 AND s.published <= $2 ORDER BY s.published DESC, s.article_id DESC LIMIT $3';
const ALWAYS = Number.MAX_SAFE_INTEGER;
const SCOPE_SUMMARY = 'SELECT g.key, COALESCE(l.label, g.label) AS label, g.items FROM (SELECT scope AS key, MIN(label) AS label, COUNT(*) AS items FROM scope_items WHERE published <= $1';
const FILE_COLUMNS = 'SELECT name, mtime_ms, size, digest, article_id FROM files';

interface FileRow {
  name: string;
  mtime_ms: number;
  size: number;
  digest: string;
  article_id: string | null;
}
const toFileEntry = (r: FileRow) => ({ name: r.name, mtimeMs: r.mtime_ms, size: r.size, digest: r.digest, articleId: r.article_id });

/** The PostgreSQL store's own options, beside those of every store. */
export interface PgStoreOptions extends StoreOptions {
  /** Connections in the pool at most (default 10). */
  poolSize?: number;
}

/** What a publish may check inside its transaction, after the write lock (see PgStore.writePublish). */
export interface PublishOptions {
  /**
   * Runs first in the publish's transaction; throwing aborts the publish, recording nothing.
   * The cluster's fence: the compiler checks it still holds the compiler lock (src/cluster).
   */
  check?: (client: PoolClient) => Promise<void>;
}

/**
 * The PostgreSQL store: the ArticleStore, plus what the cluster (src/cluster) builds on — the
 * pool, the schema the store lives in, and the URL it was opened with. Every transaction that
 * records a publish (or brotli bodies) increments the manifest's `publish_seq` and sends NOTIFY
 * on PUBLISH_CHANNEL; every write of articles that changed something sends NOTIFY on
 * CHANGE_CHANNEL (payload: the schema), delivered when it commits.
 */
export interface PgStore extends ArticleStore {
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly url: string;
  writePublish(publish: PublishRecord, options?: PublishOptions): Promise<void>;
  /**
   * Where the manifest is, cheaply (for polling): its publish sequence number (0 before the
   * first publish) and the change log position it includes (undefined before the first publish).
   */
  readPublishPosition(): Promise<{ publishSeq: number; changeSeq: number | undefined }>;
}

/** Whether an error is PostgreSQL's unique violation of the reader-id index. */
function isReaderIdConflict(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && e.constraint === 'articles_reader_id';
}

/**
 * Opens the PostgreSQL store at `url` (`postgres://user:password@host:port/database`; the schema
 * is the first of the search path, which the URL may set with `?options=-c%20search_path%3Dname`;
 * the schema must exist). Creates or migrates the schema (pg/migrations.ts) and derives again
 * what the id prefix and the slug scheme decide (pg/derive.ts), all in one transaction under
 * the store's write lock, so instances starting together do it once.
 *
 * With `readOnly` (a render worker's connection, what SQLite's read-only file is): every
 * session is read-only (`default_transaction_read_only`), nothing is created or migrated, and
 * the schema must already be at the current version.
 *
 * Throws a FeedwrightError `STORE_OPEN` naming the server and database (never the password)
 * when it cannot connect, the schema is missing or newer than this code, or a migration fails.
 * Afterwards, a read or write the server cannot be reached for throws `STORE_UNAVAILABLE`
 * (retry later), any other failure `STORE_QUERY`.
 */
export async function openPgStore(url: string, options: PgStoreOptions): Promise<PgStore> {
  const log = options.log ?? (() => {});
  const readOnly = options.readOnly === true;
  const { idPrefix } = options;
  const pool = createPool({ url, readOnly, log, ...(options.poolSize === undefined ? {} : { max: options.poolSize }) });
  let schema: string;
  try {
    const found = (await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? null;
    if (found === null) throw new Error('no schema of the search path exists (create it, or fix the search_path in the URL)');
    schema = found;
    if (readOnly) {
      const version = await schemaVersion(pool);
      if (version !== PG_SCHEMA_VERSION) throw new Error(version === 0 ? `schema "${schema}" holds no store yet (a writer creates it)` : `schema "${schema}" is at version ${version}, this code reads version ${PG_SCHEMA_VERSION}`);
    } else {
      await inTransaction(pool, async (client) => {
        await takeWriteLock(client, schema);
        const { from, to } = await migrate(client);
        if (from !== to) log(`store: PostgreSQL schema "${schema}" migrated from version ${from} to ${to}`);
        await deriveForSettings(client, idPrefix, log, Date.now());
      });
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw wrapError('STORE_OPEN', `cannot open the PostgreSQL store ${describeUrl(url)}`, err);
  }

  const run = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof FeedwrightError) throw err;
      // The unique index is the last word (a write that got past the lock some other way).
      if (isReaderIdConflict(err)) throw new FeedwrightError('ITEM_ID_TAKEN', 'the id readers know an item by already belongs to another live article', { cause: err });
      if (isConnectionError(err)) throw wrapError('STORE_UNAVAILABLE', `PostgreSQL store: ${what}: the database cannot be reached`, err);
      throw wrapError('STORE_QUERY', `PostgreSQL store: ${what}`, err);
    }
  };
  /** A write transaction: the store's write lock first (see takeWriteLock). */
  const writing = <T>(fn: (client: PoolClient) => Promise<T>) =>
    inTransaction(pool, async (client) => {
      await takeWriteLock(client, schema);
      return fn(client);
    });

  return {
    ...createPgStats(pool, run, (fn) => inTransaction(pool, fn)),
    pool,
    schema,
    url,
    ...pgSubscriptions(pool, run),
    async writeArticles(writes, now, opts = {}) {
      const { changes, refused } = await run('writing articles', () =>
        writing(async (c) => {
          const result = await writeBatch(c, idPrefix, writes, now, opts.onRefused !== undefined);
          // Delivered at commit: the compiling instance (src/cluster) compiles at once.
          if (result.changes.length > 0) await c.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, schema]);
          return result;
        }),
      );
      for (const r of refused) opts.onRefused?.(r);
      return changes;
    },
    async scopeLabels(keys) {
      return run('reading scope labels', async () => {
        const { rows } = await pool.query<{ scope: string; label: string }>('SELECT scope, label FROM scope_labels WHERE scope = ANY($1::text[])', [[...keys]]);
        const found = new Map(rows.map((r) => [r.scope, r.label]));
        const out = new Map<string, string>();
        for (const k of keys) {
          const label = found.get(k);
          if (label !== undefined) out.set(k, label);
        }
        return out;
      });
    },
    async readerIdOwner(rid) {
      return run('reading a reader id', async () => {
        const row = (await pool.query<{ id: string; source: string }>('SELECT id, source FROM articles WHERE reader_id = $1 AND NOT deleted', [rid])).rows[0];
        return row ? { id: row.id, source: row.source } : undefined;
      });
    },
    async storePrepared(rows) {
      if (readOnly) return 0;
      let stored = 0;
      for (let i = 0; i < rows.length; i += PREPARED_BATCH_ROWS) {
        const batch = rows.slice(i, i + PREPARED_BATCH_ROWS);
        // Under the write lock, as every write: an API write of the same rows waits for it (or it
        // for that), never a deadlock between the two. Only onto the version it was made from;
        // changed_at, the change log and NOTIFY are left alone (a cache, not a change).
        stored += await run('storing prepared forms', () =>
          writing(async (c) => {
            const updated = await c.query(
              'UPDATE articles AS a SET prepared_key = u.key, prepared = u.data FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(id, digest, key, data) WHERE a.id = u.id AND a.digest = u.digest AND NOT a.deleted AND a.prepared_key IS DISTINCT FROM u.key',
              [batch.map((r) => r.id), batch.map((r) => r.digest), batch.map((r) => r.prepared.key), batch.map((r) => r.prepared.data)],
            );
            return updated.rowCount ?? 0;
          }),
        );
      }
      return stored;
    },
    async getArticle(id) {
      return run('reading an article', async () => {
        const row = (await pool.query<ArticleRow>('SELECT id, doc, digest, changed_at, source, prepared_key, prepared FROM articles WHERE id = $1 AND NOT deleted', [id])).rows[0];
        return row ? toStored(row) : undefined;
      });
    },
    async newestInScope(scope, limit, visibleAt = ALWAYS) {
      return run('reading a feed', async () => (await pool.query<ArticleRow>(PG_NEWEST_IN_SCOPE_SQL, [scope, visibleAt, limit])).rows.map(toStored));
    },
    async newestDigestsInScope(scope, limit, visibleAt = ALWAYS) {
      return run('reading a feed', async () => (await pool.query<{ id: string; digest: string }>(NEWEST_DIGESTS_SQL, [scope, visibleAt, limit])).rows);
    },
    async itemsInScopeBetween(scope, from, to, visibleAt = ALWAYS) {
      const sql = 'SELECT a.id, a.doc, a.digest, a.changed_at, a.source, a.prepared_key, a.prepared FROM scope_items s JOIN articles a ON a.id = s.article_id WHERE s.scope = $1 AND s.published >= $2 AND s.published < $3 AND s.published <= $4 ORDER BY s.published DESC, s.article_id DESC';
      return run('reading an archive month', async () => (await pool.query<ArticleRow>(sql, [scope, from, to, visibleAt])).rows.map(toStored));
    },
    async publishedBeforeInScope(scope, before, visibleAt = ALWAYS) {
      const sql = 'SELECT published FROM scope_items WHERE scope = $1 AND published < $2 AND published <= $3 ORDER BY published DESC LIMIT 1';
      return run('reading an archive month', async () => (await pool.query<{ published: number }>(sql, [scope, before, visibleAt])).rows[0]?.published);
    },
    async publishedFromInScope(scope, from, visibleAt = ALWAYS) {
      const sql = 'SELECT published FROM scope_items WHERE scope = $1 AND published >= $2 AND published <= $3 ORDER BY published ASC LIMIT 1';
      return run('reading an archive month', async () => (await pool.query<{ published: number }>(sql, [scope, from, visibleAt])).rows[0]?.published);
    },
    async listScopes(keys, visibleAt = ALWAYS, countUpTo) {
      return run('listing feeds', async () => {
        if (keys !== undefined && countUpTo !== undefined) {
          // At most N rows of each scope's index range are counted (a feed lists at most
          // itemLimit items); the label is the stored one, MIN over those rows only for the site.
          const out: ScopeSummary[] = [];
          const sql =
            'SELECT COUNT(*)::int AS items, MIN(label) AS label, (SELECT label FROM scope_labels WHERE scope = $1) AS stored FROM (SELECT label FROM scope_items WHERE scope = $1 AND published <= $2 LIMIT $3) r';
          for (const k of keys) {
            const row = (await pool.query<{ items: number; label: string | null; stored: string | null }>(sql, [k, visibleAt, Math.max(1, countUpTo)])).rows[0];
            if (row && row.items > 0) out.push({ key: k, label: row.stored ?? row.label ?? '', items: Math.min(row.items, countUpTo) });
          }
          return out;
        }
        // The label is the scope's own (scope_labels), never one picked from the articles it holds now.
        if (keys === undefined) return (await pool.query<ScopeSummary>(`${SCOPE_SUMMARY} GROUP BY scope) g LEFT JOIN scope_labels l ON l.scope = g.key ORDER BY g.key`, [visibleAt])).rows;
        const { rows } = await pool.query<ScopeSummary>(`${SCOPE_SUMMARY} AND scope = ANY($2::text[]) GROUP BY scope) g LEFT JOIN scope_labels l ON l.scope = g.key`, [visibleAt, [...keys]]);
        const byKey = new Map(rows.map((r) => [r.key, r]));
        // In the order asked (as SQLite answers key by key), each once per time it was asked.
        return keys.flatMap((k) => byKey.get(k) ?? []);
      });
    },
    async scopesPublishedBetween(from, to) {
      return run('finding ended embargoes', async () => {
        if (!(to > from)) return [];
        const sql = 'SELECT DISTINCT s.scope FROM articles a JOIN scope_items s ON s.article_id = a.id WHERE NOT a.deleted AND a.published > $1 AND a.published <= $2';
        return (await pool.query<{ scope: string }>(sql, [from, to])).rows.map((r) => r.scope);
      });
    },
    async listChangedSince(since, limit) {
      return run('listing changes', async () => {
        const sql = 'SELECT id, doc, digest, changed_at, source, deleted, prepared_key, prepared, change_seq FROM articles WHERE changed_at >= $1 ORDER BY change_seq LIMIT $2';
        return (await pool.query<ArticleRow & { deleted: boolean; change_seq: number }>(sql, [since, limit])).rows.map(toChanged);
      });
    },
    async listChangesAfter(seq, limit) {
      return run('listing changes', async () => {
        const sql = 'SELECT id, doc, digest, changed_at, source, deleted, prepared_key, prepared, change_seq FROM articles WHERE change_seq > $1 ORDER BY change_seq LIMIT $2';
        return (await pool.query<ArticleRow & { deleted: boolean; change_seq: number }>(sql, [seq, limit])).rows.map(toChanged);
      });
    },
    async maxChangeSeq() {
      return run('listing changes', async () => (await pool.query<{ seq: number | null }>('SELECT MAX(change_seq) AS seq FROM articles')).rows[0]?.seq ?? 0);
    },
    async countArticles() {
      return run('counting articles', async () => (await pool.query<{ n: number }>('SELECT COUNT(*) AS n FROM articles WHERE NOT deleted')).rows[0]?.n ?? 0);
    },
    async readChangesSince(seq) {
      return run('reading the change log', async () => (await pool.query<{ seq: number; scopes: string[] }>('SELECT seq, scopes FROM changes WHERE seq > $1 ORDER BY seq LIMIT 10000', [seq])).rows);
    },
    async latestChangeSeq() {
      return run('reading the change log', async () => (await pool.query<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM changes')).rows[0]?.seq ?? 0);
    },
    async readFileIndex(after, limit) {
      // The primary key's order (the database's collation) for both the bound and the order, so a
      // page is one index range and begins where the one before ended.
      return run('reading the file index', async () => (await pool.query<FileRow>(`${FILE_COLUMNS} WHERE name > $1 ORDER BY name LIMIT $2`, [after ?? '', limit ?? null])).rows.map(toFileEntry));
    },
    async readFileEntries(names) {
      return run('reading the file index', async () => {
        const { rows } = await pool.query<FileRow>(`${FILE_COLUMNS} WHERE name = ANY($1::text[])`, [[...names]]);
        const byName = new Map(rows.map((r) => [r.name, toFileEntry(r)]));
        return names.flatMap((n) => byName.get(n) ?? []);
      });
    },
    async writeFileIndex(upserts, removals) {
      await run('writing the file index', () =>
        writing(async (c) => {
          for (const f of upserts) {
            await c.query('INSERT INTO files (name, mtime_ms, size, digest, article_id) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET mtime_ms = excluded.mtime_ms, size = excluded.size, digest = excluded.digest, article_id = excluded.article_id', [f.name, f.mtimeMs, f.size, f.digest, f.articleId]);
          }
          if (removals.length > 0) await c.query('DELETE FROM files WHERE name = ANY($1::text[])', [removals]);
        }),
      );
    },
    async readFeedStates() {
      return run('reading feed states', async () => {
        const { rows } = await pool.query<{ scope: string; digest: string; last_modified: number }>('SELECT scope, digest, last_modified FROM feed_state');
        return new Map<string, FeedState>(rows.map((r) => [r.scope, { digest: r.digest, lastModified: r.last_modified }]));
      });
    },
    async writePublish(publish, publishOptions = {}) {
      await run('recording a publish', () =>
        writing(async (c) => {
          await publishOptions.check?.(c);
          await recordPublish(c, publish);
          await announcePublish(c, schema);
        }),
      );
    },
    async readPublishPosition() {
      return run('reading the publish position', async () => {
        const meta = new Map((await pool.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('publish_seq', 'change_seq')")).rows.map((r) => [r.key, r.value]));
        const changeSeq = meta.get('change_seq');
        return { publishSeq: Number(meta.get('publish_seq') ?? 0), changeSeq: changeSeq === undefined ? undefined : Number(changeSeq) };
      });
    },
    async recordBrotliSizes(rows) {
      if (rows.length === 0) return;
      // One statement for the batch; a row replaced meanwhile (another hash) or whose brotli body
      // is already recorded is left alone, as on SQLite.
      await run('recording brotli bodies', () =>
        writing(async (c) => {
          const updated = await c.query(
            'UPDATE documents AS d SET size_br = u.size FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(path, origin, hash, size) WHERE d.path = u.path AND d.origin = u.origin AND d.hash = u.hash AND d.size_br = 0',
            [rows.map((r) => r.path), rows.map((r) => r.origin), rows.map((r) => r.hash), rows.map((r) => r.size)],
          );
          // Other instances fetch the new brotli bodies and serve them too.
          if ((updated.rowCount ?? 0) > 0) await announcePublish(c, schema);
        }),
      );
    },
    async readPublished() {
      // One snapshot: the manifest and the digest it was rendered with belong together.
      return run('reading the published manifest', () => readPublished(pool));
    },
    async close() {
      await pool.end();
    },
  };
}

/** `postgres://host:port/database` of a URL, without its user and password (for messages). */
function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(a URL that does not parse)';
  }
}

/**
 * One batch of writes, in the caller's transaction (which holds the write lock): the same
 * steps, checks and change-log entries as sqlite-store.ts's writeBatch. Throws the
 * ITEM_ID_TAKEN error (so the transaction rolls back) when a put is refused and `skipRefused`
 * is false.
 */
async function writeBatch(c: PoolClient, idPrefix: string, writes: ArticleWrite[], now: number, skipRefused: boolean): Promise<{ changes: ArticleChange[]; refused: WriteRefusal[] }> {
  const changes: ArticleChange[] = [];
  const refused: WriteRefusal[] = [];
  const get = async (id: string) => (await c.query<{ id: string; digest: string; source: string; deleted: boolean; prepared_key: string | null }>('SELECT id, digest, source, deleted, prepared_key FROM articles WHERE id = $1', [id])).rows[0];
  // In SQLite's order (its article index carries the key's scope and published after the id).
  const scopesOf = async (id: string) => (await c.query<{ scope: string }>('SELECT scope FROM scope_items WHERE article_id = $1 ORDER BY scope, published', [id])).rows.map((r) => r.scope);
  const logChange = (scopes: string[]) => c.query('INSERT INTO changes (at, scopes) VALUES ($1, $2)', [now, scopes]);
  const remove = async (id: string) => {
    const before = await scopesOf(id);
    await c.query('UPDATE articles SET deleted = true, changed_at = $1 WHERE id = $2', [now, id]);
    await c.query('DELETE FROM scope_items WHERE article_id = $1', [id]);
    changes.push({ id, scopesBefore: before, scopesAfter: [] });
    await logChange(before);
  };

  for (const [index, w] of writes.entries()) {
    if (w.kind === 'delete') {
      const existing = await get(w.id);
      if (existing && !existing.deleted) await remove(w.id);
      continue;
    }
    const a: Article = w.article;
    const id = a.id;
    const rid = readerId(a, idPrefix);
    const old = w.replaces !== undefined && w.replaces !== id ? await get(w.replaces) : undefined;
    const replaced = old && !old.deleted && old.source === w.source ? old.id : undefined;
    const owner = isFeedId(rid, idPrefix) ? { id: rid, source: 'feed' } : (await c.query<{ id: string; source: string }>('SELECT id, source FROM articles WHERE reader_id = $1 AND NOT deleted', [rid])).rows[0];
    if (owner && owner.id !== id && owner.id !== replaced) {
      refused.push({ index, id, field: readerIdField(a), readerId: rid, ownerId: owner.id, ownerSource: owner.source });
      continue;
    }
    if (replaced !== undefined) await remove(replaced);
    const existing = await get(id);
    if (existing && !existing.deleted && existing.digest === w.digest) {
      if (existing.source !== w.source) await c.query('UPDATE articles SET source = $1 WHERE id = $2', [w.source, id]);
      // Made with other settings: the new preparation replaces it (the content is the same).
      if (w.prepared !== undefined && existing.prepared_key !== w.prepared.key) await c.query('UPDATE articles SET prepared_key = $1, prepared = $2 WHERE id = $3', [w.prepared.key, w.prepared.data, id]);
      continue;
    }
    const before = await scopesOf(id);
    await c.query(
      // change_seq is given by the trigger of migration 6.
      'INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted, reader_id, prepared_key, prepared) VALUES ($1, $2, $3, $4, $5, $6, false, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, digest = excluded.digest, published = excluded.published, changed_at = excluded.changed_at, source = excluded.source, deleted = false, reader_id = excluded.reader_id, prepared_key = excluded.prepared_key, prepared = excluded.prepared',
      [id, JSON.stringify(a), w.digest, a.published, now, w.source, rid, w.prepared?.key ?? null, w.prepared?.data ?? null],
    );
    await c.query('DELETE FROM scope_items WHERE article_id = $1', [id]);
    const after = articleScopes(a);
    for (const s of after) {
      await c.query('INSERT INTO scope_items (scope, published, article_id, label) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, published, article_id) DO UPDATE SET label = excluded.label', [s.key, a.published, id, s.label]);
      // The first label a scope gets is its label for good (a title never flips).
      if (s.key !== '') await c.query('INSERT INTO scope_labels (scope, label) VALUES ($1, $2) ON CONFLICT (scope) DO NOTHING', [s.key, s.label]);
    }
    changes.push({ id, scopesBefore: before, scopesAfter: after.map((s) => s.key) });
    await logChange([...new Set([...before, ...after.map((s) => s.key)])]);
  }
  // Thrown inside the transaction: nothing of the batch is stored.
  if (refused.length > 0 && !skipRefused) throw readerIdTakenError(refused);
  return { changes, refused };
}

/**
 * Increments the manifest's publish sequence number and sends NOTIFY on PUBLISH_CHANNEL with the
 * schema, in the caller's transaction (which holds the write lock): instances that LISTEN read
 * the manifest when it commits, and one that missed the notification sees the number moved.
 */
async function announcePublish(c: PoolClient, schema: string): Promise<void> {
  await c.query("INSERT INTO meta (key, value) VALUES ('publish_seq', '1') ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text");
  await c.query('SELECT pg_notify($1, $2)', [PUBLISH_CHANNEL, schema]);
}

/** Rows per statement when recording a publish. */
const PUBLISH_BATCH_ROWS = 5000;

/** `items` in slices of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The rows with the last one of each (path, origin) only: one INSERT … ON CONFLICT DO UPDATE may
 * not touch a row twice, while row-by-row upserts let the last win.
 */
function lastPerKey(rows: readonly DocumentRow[]): DocumentRow[] {
  const byKey = new Map<string, DocumentRow>();
  for (const r of rows) byKey.set(`${r.origin}\n${r.path}`, r);
  return [...byKey.values()];
}

/** Records a publish in the caller's transaction, as sqlite-store.ts's writePublish does. */
async function recordPublish(c: PoolClient, p: PublishRecord): Promise<void> {
  const putMeta = (key: string, value: string) => c.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  // One statement per batch of rows (unnest of one array per column), not one per row: a full
  // re-render records ~3,000 documents per origin.
  for (const batch of chunks([...p.states], PUBLISH_BATCH_ROWS)) {
    await c.query(
      'INSERT INTO feed_state (scope, digest, last_modified) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT (scope) DO UPDATE SET digest = excluded.digest, last_modified = excluded.last_modified',
      [batch.map(([scope]) => scope), batch.map(([, st]) => st.digest), batch.map(([, st]) => st.lastModified)],
    );
  }
  // Feeds with no article left: their state and every origin's row of their documents go.
  if (p.removed !== undefined && p.removed.scopes.length > 0) await c.query('DELETE FROM feed_state WHERE scope = ANY($1::text[])', [[...p.removed.scopes]]);
  if (p.removed !== undefined && p.removed.paths.length > 0) await c.query('DELETE FROM documents WHERE path = ANY($1::text[])', [[...p.removed.paths]]);
  const previous = (await c.query<{ value: string }>("SELECT value FROM meta WHERE key = 'render_digest'")).rows[0]?.value;
  // A manifest rendered with other settings is replaced whole, not mixed with the new one.
  if (previous !== p.renderDigest) await c.query('DELETE FROM documents');
  for (const batch of chunks(lastPerKey(p.documents), PUBLISH_BATCH_ROWS)) {
    await c.query(
      'INSERT INTO documents (path, origin, content_type, last_modified, hash, size_identity, size_gzip, size_br) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) ON CONFLICT (path, origin) DO UPDATE SET content_type = excluded.content_type, last_modified = excluded.last_modified, hash = excluded.hash, size_identity = excluded.size_identity, size_gzip = excluded.size_gzip, size_br = excluded.size_br',
      [
        batch.map((d) => d.path),
        batch.map((d) => d.origin),
        batch.map((d) => d.record.contentType),
        batch.map((d) => d.record.lastModified),
        batch.map((d) => d.record.hash),
        batch.map((d) => d.record.sizes.identity),
        batch.map((d) => d.record.sizes.gzip),
        batch.map((d) => d.record.sizes.br),
      ],
    );
  }
  await putMeta('render_digest', p.renderDigest);
  await putMeta('visible_until', String(p.visibleUntil));
  await putMeta('change_seq', String(p.changeSeq));
  // The log only needs to bridge a restart or another process's compile: a day is plenty.
  await c.query('DELETE FROM changes WHERE at < $1', [p.visibleUntil - 86_400_000]);
}

interface DocumentDbRow {
  path: string;
  origin: string;
  content_type: string;
  last_modified: number;
  hash: string;
  size_identity: number;
  size_gzip: number;
  size_br: number;
}

/** The published manifest and its meta, read in one snapshot (REPEATABLE READ, read only). */
async function readPublished(pool: pg.Pool): Promise<Awaited<ReturnType<ArticleStore['readPublished']>>> {
  return inTransaction(
    pool,
    async (client) => {
      const meta = new Map((await client.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('render_digest', 'visible_until', 'change_seq', 'publish_seq')")).rows.map((r) => [r.key, r.value]));
      const docs = (await client.query<DocumentDbRow>('SELECT path, origin, content_type, last_modified, hash, size_identity, size_gzip, size_br FROM documents ORDER BY path, origin')).rows;
      const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      return {
        renderDigest: meta.get('render_digest'),
        visibleUntil: num(meta.get('visible_until')),
        changeSeq: num(meta.get('change_seq')),
        publishSeq: num(meta.get('publish_seq')) ?? 0,
        documents: docs.map((r): DocumentRow => ({
          path: r.path,
          origin: r.origin,
          record: { contentType: r.content_type, lastModified: r.last_modified, hash: r.hash, sizes: { identity: r.size_identity, gzip: r.size_gzip, br: r.size_br } },
        })),
      };
    },
    'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  );
}
