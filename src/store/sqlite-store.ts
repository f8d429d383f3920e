// The embedded SQLite store (better-sqlite3, WAL): the default ArticleStore. Its schema is
// versioned with PRAGMA user_version and upgraded in place on open (see upgrade below).
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { articleScopes, SLUG_SCHEME } from '../core/scopes.js';
import type { Article } from '../core/article.js';
import { isFeedId, readerId, readerIdField } from '../core/reader-id.js';
import { FeedwrightError, wrapError } from '../core/errors.js';
import { whyNotWritable } from '../folders.js';
import { toChanged, toStored, type ArticleRow } from './stored-article.js';
import { HUB_SUBSCRIPTIONS_SQL, sqliteSubscriptions } from './sqlite-subscriptions.js';
import { createSqliteStats, SQLITE_STATS_SCHEMA } from './sqlite-stats.js';
import { PREPARED_BATCH_ROWS, readerIdTakenError, type ArticleChange, type ArticleStore, type ArticleWrite, type BrotliSize, type DocumentRow, type FeedState, type FileEntry, type PreparedRow, type PublishRecord, type ScopeSummary, type StoredArticle, type StoreOptions, type WriteRefusal } from './store.js';

/** Prepared forms committed per transaction here (PREPARED_BATCH_ROWS is the contract's most). */
export const SQLITE_PREPARED_TXN_ROWS = Math.min(100, PREPARED_BATCH_ROWS);
/** The write connection's WAL auto-checkpoint threshold, pages (SQLite's default: 1,000). */
export const WAL_AUTOCHECKPOINT_PAGES = 256;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  digest TEXT NOT NULL,
  published INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  reader_id TEXT,
  prepared_key TEXT,
  prepared TEXT,
  change_seq INTEGER
);
CREATE TABLE IF NOT EXISTS scope_items (
  scope TEXT NOT NULL,
  published INTEGER NOT NULL,
  article_id TEXT NOT NULL,
  label TEXT NOT NULL,
  PRIMARY KEY (scope, published, article_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scope_items_article ON scope_items (article_id);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published);
CREATE INDEX IF NOT EXISTS articles_changed ON articles (changed_at);
CREATE TABLE IF NOT EXISTS files (
  name TEXT PRIMARY KEY,
  mtime_ms REAL NOT NULL,
  size INTEGER NOT NULL,
  digest TEXT NOT NULL,
  article_id TEXT
);
CREATE TABLE IF NOT EXISTS documents (
  path TEXT NOT NULL,
  origin TEXT NOT NULL,
  content_type TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  hash TEXT NOT NULL,
  size_identity INTEGER NOT NULL,
  size_gzip INTEGER NOT NULL,
  size_br INTEGER NOT NULL,
  PRIMARY KEY (path, origin)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  scopes TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feed_state (
  scope TEXT PRIMARY KEY,
  digest TEXT NOT NULL,
  last_modified INTEGER NOT NULL
);
`;

/**
 * The schema version this code writes (PRAGMA user_version; 0 is the first schema, unversioned).
 * 2: reader ids and scope labels. 3: each article's prepared (sanitised) form, `prepared_key` and
 * `prepared` (null in rows stored before: their feeds sanitise them at render time).
 * 4: the built-in WebSub hub's subscriptions (sqlite-subscriptions.ts). 5: the readers counted (sqlite-stats.ts:
 * hourly traffic, daily readers, subscriber counts; tables created if absent on every open).
 */
export const SCHEMA_VERSION = 6;

/**
 * One owner per reader id among live articles, across processes and batches: a tombstone owns
 * none. Created after the back-fill has set duplicates aside.
 */
const READER_ID_INDEX = 'CREATE UNIQUE INDEX IF NOT EXISTS articles_reader_id ON articles (reader_id) WHERE deleted = 0';
const SCOPE_LABELS = 'CREATE TABLE IF NOT EXISTS scope_labels (scope TEXT PRIMARY KEY, label TEXT NOT NULL) WITHOUT ROWID';

/**
 * Brings a store of any earlier version up to {@link SCHEMA_VERSION}, in one transaction, and
 * derives again what depends on settings or the slug scheme:
 *
 * - reader ids (`articles.reader_id`, unique among live articles): back-filled from each
 *   article's guid, else `idPrefix` + id; again whenever the id prefix differs from the one
 *   recorded. When two live articles already share one, the one published first (ties: the one
 *   stored first) keeps it, and a feed's id stays the feed's; each other article is set aside as
 *   a tombstone (out of every feed, its document kept), its file index entry dropped so the file
 *   source reads it again and reports it, and a line is logged naming both;
 * - feed keys (`scope_items`), derived again when {@link SLUG_SCHEME} changed, with every
 *   touched feed recorded in the change log so the next compile renders it;
 * - scope labels: each scope without one gets the label readers saw until now (the smallest);
 * - prepared forms (version 3): the columns are added, empty; rows stored before are prepared
 *   at render time until they are stored again;
 * - hub subscriptions (version 4): the table is created, empty.
 *
 * A store written by a newer version (a higher user_version) is not touched: opening it throws.
 */
function upgrade(db: Db, options: StoreOptions, now: number): void {
  const log = options.log ?? (() => {});
  const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  const putMeta = (key: string, value: string) => db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw new Error(`the store has schema version ${version}, written by a newer feedwright (this one knows up to ${SCHEMA_VERSION})`);
  const hasIndex = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'articles_reader_id'").get() !== undefined;
  if (version === SCHEMA_VERSION && hasIndex && meta('id_prefix') === options.idPrefix && meta('slug_scheme') === String(SLUG_SCHEME)) return;

  const columns = (db.prepare("SELECT name FROM pragma_table_info('articles')").all() as { name: string }[]).map((c) => c.name);
  if (!columns.includes('reader_id')) db.exec('ALTER TABLE articles ADD COLUMN reader_id TEXT');
  if (!columns.includes('prepared_key')) db.exec('ALTER TABLE articles ADD COLUMN prepared_key TEXT');
  if (!columns.includes('prepared')) db.exec('ALTER TABLE articles ADD COLUMN prepared TEXT');
  if (!columns.includes('change_seq')) {
    // Version 6: every article's place in commit order (the change list's cursor). Rows stored
    // before are numbered in the order the change list gave them until now: (changed_at, id).
    db.exec('ALTER TABLE articles ADD COLUMN change_seq INTEGER');
    db.exec('UPDATE articles SET change_seq = o.n FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY changed_at, id) AS n FROM articles) AS o WHERE o.id = articles.id');
  }
  db.exec('CREATE INDEX IF NOT EXISTS articles_change_seq ON articles (change_seq)');
  // The database gives the number, not the code: a row inserted, or whose changed_at is set
  // (every change: a put, a tombstone), takes one more than any so far. A process of an older
  // version still writing to this file while it was upgraded (it never looks at change_seq) gets
  // numbers too. Inside the writer's transaction (one writer at a time), so in commit order;
  // rows are never deleted, so the largest number is never given again.
  db.exec(`CREATE TRIGGER IF NOT EXISTS articles_change_seq_insert AFTER INSERT ON articles BEGIN
    UPDATE articles SET change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM articles) WHERE id = NEW.id;
  END`);
  db.exec(`CREATE TRIGGER IF NOT EXISTS articles_change_seq_update AFTER UPDATE OF changed_at ON articles BEGIN
    UPDATE articles SET change_seq = (SELECT COALESCE(MAX(change_seq), 0) + 1 FROM articles) WHERE id = NEW.id;
  END`);
  db.exec(SCOPE_LABELS);
  db.exec(HUB_SUBSCRIPTIONS_SQL);
  const touched = new Set<string>();
  const scopesOf = db.prepare<[string], { scope: string }>('SELECT scope FROM scope_items WHERE article_id = ?');

  if (!hasIndex || meta('id_prefix') !== options.idPrefix) {
    db.exec('DROP INDEX IF EXISTS articles_reader_id');
    db.prepare("UPDATE articles SET reader_id = COALESCE(json_extract(doc, '$.guid'), ? || id)").run(options.idPrefix);
    const owners = new Map<string, { id: string; source: string }>();
    const rows = db.prepare<[], { id: string; reader_id: string; source: string }>('SELECT id, reader_id, source FROM articles WHERE deleted = 0 ORDER BY published, rowid').all();
    for (const row of rows) {
      const owner = isFeedId(row.reader_id, options.idPrefix) ? { id: row.reader_id, source: 'feed' } : owners.get(row.reader_id);
      if (owner === undefined) {
        owners.set(row.reader_id, row);
        continue;
      }
      for (const r of scopesOf.all(row.id)) touched.add(r.scope);
      db.prepare('UPDATE articles SET deleted = 1, changed_at = ? WHERE id = ?').run(now, row.id);
      db.prepare('DELETE FROM scope_items WHERE article_id = ?').run(row.id);
      db.prepare('DELETE FROM files WHERE article_id = ?').run(row.id);
      const holder = owner.source === 'feed' ? "one of the site's feeds" : `article "${owner.id}" (${owner.source})`;
      log(`store: article "${row.id}" (${row.source}) set aside: readers know it as "${row.reader_id}", which ${holder} already has; give it its own guid to publish it`);
    }
    db.exec(READER_ID_INDEX);
    putMeta('id_prefix', options.idPrefix);
  }

  if (meta('slug_scheme') !== String(SLUG_SCHEME)) {
    const live = db.prepare<[], { id: string; doc: string; published: number }>('SELECT id, doc, published FROM articles WHERE deleted = 0 ORDER BY published, rowid').all();
    const clear = db.prepare('DELETE FROM scope_items WHERE article_id = ?');
    const add = db.prepare('INSERT OR REPLACE INTO scope_items (scope, published, article_id, label) VALUES (?, ?, ?, ?)');
    for (const row of live) {
      const before = scopesOf.all(row.id).map((r) => r.scope);
      const after = articleScopes(JSON.parse(row.doc) as Article);
      const keys = after.map((sc) => sc.key);
      if (before.length === keys.length && keys.every((k) => before.includes(k))) continue;
      clear.run(row.id);
      for (const sc of after) add.run(sc.key, row.published, row.id, sc.label);
      for (const k of [...before, ...keys]) touched.add(k);
    }
    putMeta('slug_scheme', String(SLUG_SCHEME));
  }

  db.exec("INSERT OR IGNORE INTO scope_labels (scope, label) SELECT scope, MIN(label) FROM scope_items WHERE scope <> '' GROUP BY scope");
  if (touched.size > 0) db.prepare('INSERT INTO changes (at, scopes) VALUES (?, ?)').run(now, JSON.stringify([...touched].sort()));
  db.pragma(`user_version = ${SCHEMA_VERSION}`);
}

/** The feed query: the newest N of one scope, walking the (scope, published, id) key backwards. */
export const NEWEST_IN_SCOPE_SQL =
  'SELECT a.id, a.doc, a.digest, a.changed_at, a.source, a.prepared_key, a.prepared FROM scope_items s JOIN articles a ON a.id = s.article_id WHERE s.scope = ? AND s.published <= ? ORDER BY s.published DESC, s.article_id DESC LIMIT ?';
const ALWAYS = Number.MAX_SAFE_INTEGER;

/**
 * Opens (creating when needed) the SQLite store at `file`, upgrading an older schema in place
 * (see {@link SCHEMA_VERSION}). With `readOnly`, an existing, current store for reading only (a
 * render worker's connection): WAL lets it read what other connections committed, and nothing
 * is created or upgraded. Throws a FeedwrightError `STORE_OPEN` naming the file when it cannot
 * be opened or upgraded.
 */
export function openSqliteStore(file: string, options: StoreOptions): ArticleStore {
  let db: Db | undefined;
  const { idPrefix } = options;
  try {
    if (file !== ':memory:' && options.readOnly !== true) mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, { ...(options.readOnly === true ? { readonly: true, fileMustExist: true } : {}), ...(options.trace === undefined ? {} : { verbose: (sql: unknown) => options.trace?.(String(sql)) }) });
    db.pragma('journal_mode = WAL');
    // FULL: a write that returned is on disk (design: a 2xx means durably stored).
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    // Checkpoints run inside the commit that crosses the threshold, on the thread that commits
    // (the serving thread): 256 pages (1 MB) instead of SQLite's 1,000 makes each one a quarter
    // of the pause (measured: 37–46 ms every ~1,000 pages of prepared forms at 20,000 articles).
    if (options.readOnly !== true) db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    if (options.readOnly !== true) {
      db.exec(SCHEMA);
      db.exec(SQLITE_STATS_SCHEMA);
      // IMMEDIATE: two processes opening an old file at once upgrade it once.
      const opened = db;
      opened.transaction(() => upgrade(opened, options, Date.now())).immediate();
    }
  } catch (err) {
    db?.close();
    // SQLite says "unable to open database file" whatever the cause; the folder says why.
    const why = file === ':memory:' || options.readOnly === true || err instanceof FeedwrightError || (err as NodeJS.ErrnoException).syscall !== undefined ? undefined : whyNotWritable(dirname(file));
    throw wrapError('STORE_OPEN', `cannot open the SQLite store ${file}`, why === undefined ? err : new Error(`${(err as Error).message}; ${why}`));
  }

  const q = {
    get: db.prepare<[string], ArticleRow & { deleted: number }>('SELECT id, doc, digest, changed_at, source, deleted, prepared_key, prepared FROM articles WHERE id = ?'),
    scopesOf: db.prepare<[string], { scope: string }>('SELECT scope FROM scope_items WHERE article_id = ?'),
    // change_seq is given by the triggers (see upgrade).
    upsert: db.prepare('INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted, reader_id, prepared_key, prepared) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, digest = excluded.digest, published = excluded.published, changed_at = excluded.changed_at, source = excluded.source, deleted = 0, reader_id = excluded.reader_id, prepared_key = excluded.prepared_key, prepared = excluded.prepared'),
    setPrepared: db.prepare('UPDATE articles SET prepared_key = ?, prepared = ? WHERE id = ?'),
    // A compile's preparation (storePrepared): only onto the version it was made from, never
    // touching changed_at (not a change), and not again when that key is already stored.
    storePrepared: db.prepare('UPDATE articles SET prepared_key = ?, prepared = ? WHERE id = ? AND digest = ? AND deleted = 0 AND (prepared_key IS NULL OR prepared_key <> ?)'),
    owner: db.prepare<[string], { id: string; source: string }>('SELECT id, source FROM articles WHERE reader_id = ? AND deleted = 0'),
    addLabel: db.prepare('INSERT OR IGNORE INTO scope_labels (scope, label) VALUES (?, ?)'),
    label: db.prepare<[string], { label: string }>('SELECT label FROM scope_labels WHERE scope = ?'),
    touchSource: db.prepare('UPDATE articles SET source = ? WHERE id = ?'),
    tombstone: db.prepare('UPDATE articles SET deleted = 1, changed_at = ? WHERE id = ?'),
    clearScopes: db.prepare('DELETE FROM scope_items WHERE article_id = ?'),
    addScope: db.prepare('INSERT OR REPLACE INTO scope_items (scope, published, article_id, label) VALUES (?, ?, ?, ?)'),
    newest: db.prepare<[string, number, number], ArticleRow>(NEWEST_IN_SCOPE_SQL),
    newestDigests: db.prepare<[string, number, number], { id: string; digest: string }>('SELECT a.id, a.digest FROM scope_items s JOIN articles a ON a.id = s.article_id WHERE s.scope = ? AND s.published <= ? ORDER BY s.published DESC, s.article_id DESC LIMIT ?'),
    // Archive months (RFC 5005): a range and the two neighbours, on the (scope, published, id) key.
    between: db.prepare<[string, number, number, number], ArticleRow>('SELECT a.id, a.doc, a.digest, a.changed_at, a.source, a.prepared_key, a.prepared FROM scope_items s JOIN articles a ON a.id = s.article_id WHERE s.scope = ? AND s.published >= ? AND s.published < ? AND s.published <= ? ORDER BY s.published DESC, s.article_id DESC'),
    publishedBefore: db.prepare<[string, number, number], { published: number }>('SELECT published FROM scope_items WHERE scope = ? AND published < ? AND published <= ? ORDER BY published DESC LIMIT 1'),
    publishedFrom: db.prepare<[string, number, number], { published: number }>('SELECT published FROM scope_items WHERE scope = ? AND published >= ? AND published <= ? ORDER BY published ASC LIMIT 1'),
    // The label is the scope's own (scope_labels), never one picked from the articles it holds now.
    scopes: db.prepare<[number], { key: string; label: string; items: number }>('SELECT g.key, COALESCE(l.label, g.label) AS label, g.items FROM (SELECT scope AS key, MIN(label) AS label, COUNT(*) AS items FROM scope_items WHERE published <= ? GROUP BY scope) g LEFT JOIN scope_labels l ON l.scope = g.key ORDER BY g.key'),
    scopeOne: db.prepare<[string, number], { key: string; label: string; items: number }>('SELECT g.key, COALESCE(l.label, g.label) AS label, g.items FROM (SELECT scope AS key, MIN(label) AS label, COUNT(*) AS items FROM scope_items WHERE scope = ? AND published <= ? GROUP BY scope) g LEFT JOIN scope_labels l ON l.scope = g.key'),
    // Counts at most N rows of the scope's index range. Its label is the stored one; MIN over the
    // rows read is only the fallback for the site scope (whose items all carry the label '').
    scopeOneUpTo: db.prepare<[{ scope: string; at: number; n: number }], { items: number; label: string | null; stored: string | null }>('SELECT COUNT(*) AS items, MIN(label) AS label, (SELECT label FROM scope_labels WHERE scope = @scope) AS stored FROM (SELECT label FROM scope_items WHERE scope = @scope AND published <= @at LIMIT @n)'),
    released: db.prepare<[number, number], { scope: string }>('SELECT DISTINCT s.scope FROM articles a JOIN scope_items s ON s.article_id = a.id WHERE a.deleted = 0 AND a.published > ? AND a.published <= ?'),
    // From a time: the rows found by the changed_at index, then sorted (walking the change_seq
    // index instead checked every row of the table, ~45 ms at 108,000, on the serving thread).
    // From the epoch every row matches: the change_seq walk (changesAfter 0) is the one to take.
    changedSince: db.prepare<[number, number], ArticleRow & { deleted: number; change_seq: number }>('SELECT id, doc, digest, changed_at, source, deleted, prepared_key, prepared, change_seq FROM articles INDEXED BY articles_changed WHERE changed_at >= ? ORDER BY change_seq LIMIT ?'),
    changesAfter: db.prepare<[number, number], ArticleRow & { deleted: number; change_seq: number }>('SELECT id, doc, digest, changed_at, source, deleted, prepared_key, prepared, change_seq FROM articles WHERE change_seq > ? ORDER BY change_seq LIMIT ?'),
    maxChangeSeq: db.prepare<[], { seq: number | null }>('SELECT MAX(change_seq) AS seq FROM articles'),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM articles WHERE deleted = 0'),
    files: db.prepare<[string, number], { name: string; mtime_ms: number; size: number; digest: string; article_id: string | null }>('SELECT name, mtime_ms, size, digest, article_id FROM files WHERE name > ? ORDER BY name LIMIT ?'),
    file: db.prepare<[string], { name: string; mtime_ms: number; size: number; digest: string; article_id: string | null }>('SELECT name, mtime_ms, size, digest, article_id FROM files WHERE name = ?'),
    putFile: db.prepare('INSERT OR REPLACE INTO files (name, mtime_ms, size, digest, article_id) VALUES (?, ?, ?, ?, ?)'),
    dropFile: db.prepare('DELETE FROM files WHERE name = ?'),
    feedStates: db.prepare<[], { scope: string; digest: string; last_modified: number }>('SELECT scope, digest, last_modified FROM feed_state'),
    putFeedState: db.prepare('INSERT OR REPLACE INTO feed_state (scope, digest, last_modified) VALUES (?, ?, ?)'),
    dropFeedState: db.prepare('DELETE FROM feed_state WHERE scope = ?'),
    dropDocuments: db.prepare('DELETE FROM documents WHERE path = ?'),
    documents: db.prepare<[], { path: string; origin: string; content_type: string; last_modified: number; hash: string; size_identity: number; size_gzip: number; size_br: number }>('SELECT * FROM documents'),
    putDocument: db.prepare('INSERT OR REPLACE INTO documents (path, origin, content_type, last_modified, hash, size_identity, size_gzip, size_br) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    putBrotliSize: db.prepare('UPDATE documents SET size_br = ? WHERE path = ? AND origin = ? AND hash = ? AND size_br = 0'),
    logChange: db.prepare('INSERT INTO changes (at, scopes) VALUES (?, ?)'),
    changesSince: db.prepare<[number], { seq: number; scopes: string }>('SELECT seq, scopes FROM changes WHERE seq > ? ORDER BY seq LIMIT 10000'),
    latestChange: db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM changes'),
    pruneChanges: db.prepare('DELETE FROM changes WHERE at < ?'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };

  /**
   * Runs a write whose loss in a power failure costs only work done again — the published
   * manifest and brotli sizes (start-up checks every body the manifest names, and renders again
   * what is missing), prepared forms (a cache), the file index and articles read from files (the
   * files are the source) — committed with `synchronous = NORMAL`: the commit does not wait for
   * the disk. Every write runs on the serving thread, and during a compile's body writes one
   * fsync can hold it for tens to hundreds of milliseconds on ext4 (measured: a publish's commit
   * of 4,000 rows stalled readers ~90 ms). WAL keeps the database consistent either way, and the
   * next FULL commit (an API write) or checkpoint makes these durable too.
   */
  const relaxed = <T>(fn: () => T): T => {
    if (db.inTransaction) return fn();
    db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      db.pragma('synchronous = FULL');
    }
  };

  const run = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof FeedwrightError) throw err;
      // The unique index is the last word (another connection between our check and write).
      if (err instanceof Error && /UNIQUE constraint failed: articles\.reader_id/.test(err.message)) {
        throw new FeedwrightError('ITEM_ID_TAKEN', 'the id readers know an item by already belongs to another live article', { cause: err });
      }
      throw wrapError('STORE_QUERY', `SQLite store: ${what}`, err);
    }
  };

  const listScopes = (article: Article) => articleScopes(article);

  const remove = (id: string, now: number, changes: ArticleChange[]) => {
    const before = q.scopesOf.all(id).map((r) => r.scope);
    q.tombstone.run(now, id);
    q.clearScopes.run(id);
    changes.push({ id, scopesBefore: before, scopesAfter: [] });
    q.logChange.run(now, JSON.stringify(before));
  };

  const writeBatch = (writes: ArticleWrite[], now: number, skipRefused: boolean): { changes: ArticleChange[]; refused: WriteRefusal[] } => {
    const changes: ArticleChange[] = [];
    const refused: WriteRefusal[] = [];
    writes.forEach((w, index) => {
      const id = w.kind === 'put' ? w.article.id : w.id;
      if (w.kind === 'put') {
        const a = w.article;
        const rid = readerId(a, idPrefix);
        const old = w.replaces !== undefined && w.replaces !== id ? q.get.get(w.replaces) : undefined;
        const replaced = old && old.deleted === 0 && old.source === w.source ? old.id : undefined;
        const owner = isFeedId(rid, idPrefix) ? { id: rid, source: 'feed' } : q.owner.get(rid);
        if (owner && owner.id !== id && owner.id !== replaced) {
          refused.push({ index, id, field: readerIdField(a), readerId: rid, ownerId: owner.id, ownerSource: owner.source });
          return;
        }
        if (replaced !== undefined) remove(replaced, now, changes);
        const existing = q.get.get(id);
        if (existing && existing.deleted === 0 && existing.digest === w.digest) {
          if (existing.source !== w.source) q.touchSource.run(w.source, id);
          // Made with other settings: the new preparation replaces it (the content is the same).
          if (w.prepared !== undefined && existing.prepared_key !== w.prepared.key) q.setPrepared.run(w.prepared.key, w.prepared.data, id);
          return;
        }
        const before = q.scopesOf.all(id).map((r) => r.scope);
        q.upsert.run(id, JSON.stringify(a), w.digest, a.published, now, w.source, rid, w.prepared?.key ?? null, w.prepared?.data ?? null);
        q.clearScopes.run(id);
        const after = listScopes(a);
        for (const s of after) {
          q.addScope.run(s.key, a.published, id, s.label);
          // The first label a scope gets is its label for good (a title never flips).
          if (s.key !== '') q.addLabel.run(s.key, s.label);
        }
        changes.push({ id, scopesBefore: before, scopesAfter: after.map((s) => s.key) });
        q.logChange.run(now, JSON.stringify([...new Set([...before, ...after.map((s) => s.key)])]));
      } else {
        const existing = q.get.get(id);
        if (!existing || existing.deleted === 1) return;
        remove(id, now, changes);
      }
    });
    // Thrown inside the transaction: nothing of the batch is stored.
    if (refused.length > 0 && !skipRefused) throw readerIdTakenError(refused);
    return { changes, refused };
  };
  // IMMEDIATE: the write lock is taken before the owner checks, so no other process writes between.
  const writeTx = db.transaction(writeBatch);

  const writeFiles = db.transaction((upserts: FileEntry[], removals: string[]) => {
    for (const f of upserts) q.putFile.run(f.name, f.mtimeMs, f.size, f.digest, f.articleId);
    for (const name of removals) q.dropFile.run(name);
  });

  const writeStates = db.transaction((states: Map<string, FeedState>) => {
    for (const [scope, s] of states) q.putFeedState.run(scope, s.digest, s.lastModified);
  });

  const writeBrotliSizes = db.transaction((rows: readonly BrotliSize[]) => {
    for (const r of rows) q.putBrotliSize.run(r.size, r.path, r.origin, r.hash);
  });

  const writePrepared = db.transaction((rows: readonly PreparedRow[]) => {
    let n = 0;
    for (const r of rows) n += q.storePrepared.run(r.prepared.key, r.prepared.data, r.id, r.digest, r.prepared.key).changes;
    return n;
  });

  const writePublish = db.transaction((p: PublishRecord) => {
    writeStates(p.states);
    // Feeds with no article left: their state and every origin's row of their documents go.
    for (const scope of p.removed?.scopes ?? []) q.dropFeedState.run(scope);
    for (const path of p.removed?.paths ?? []) q.dropDocuments.run(path);
    const previous = q.getMeta.get('render_digest')?.value;
    // A manifest rendered with other settings is replaced whole, not mixed with the new one.
    if (previous !== p.renderDigest) db.prepare('DELETE FROM documents').run();
    for (const d of p.documents) {
      const r = d.record;
      q.putDocument.run(d.path, d.origin, r.contentType, r.lastModified, r.hash, r.sizes.identity, r.sizes.gzip, r.sizes.br);
    }
    q.putMeta.run('render_digest', p.renderDigest);
    q.putMeta.run('visible_until', String(p.visibleUntil));
    q.putMeta.run('change_seq', String(p.changeSeq));
    // The log only needs to bridge a restart or another process's compile: a day is plenty.
    q.pruneChanges.run(p.visibleUntil - 86_400_000);
  });

  return {
    ...sqliteSubscriptions(db, run),
    ...createSqliteStats(db, relaxed),
    async writeArticles(writes, now, options = {}) {
      const { changes, refused } = run('writing articles', () => (options.durable === false ? relaxed(() => writeTx.immediate(writes, now, options.onRefused !== undefined)) : writeTx.immediate(writes, now, options.onRefused !== undefined)));
      for (const r of refused) options.onRefused?.(r);
      return changes;
    },
    async scopeLabels(keys) {
      return run('reading scope labels', () => {
        const out = new Map<string, string>();
        for (const k of keys) {
          const row = q.label.get(k);
          if (row) out.set(k, row.label);
        }
        return out;
      });
    },
    async readerIdOwner(rid) {
      return run('reading a reader id', () => {
        const row = q.owner.get(rid);
        return row ? { id: row.id, source: row.source } : undefined;
      });
    },
    async storePrepared(rows) {
      if (options.readOnly === true) return 0;
      let stored = 0;
      // Short transactions with a turn of the event loop between them: this runs on the serving
      // thread during a compile, and a 500-row transaction of ~9 KB forms held it ~70 ms (600 ms
      // cold) where 100 rows take ~4 ms (20,000-article store).
      for (let i = 0; i < rows.length; i += SQLITE_PREPARED_TXN_ROWS) {
        if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = rows.slice(i, i + SQLITE_PREPARED_TXN_ROWS);
        stored += run('storing prepared forms', () => relaxed(() => writePrepared.immediate(batch)));
      }
      return stored;
    },
    async getArticle(id) {
      return run('reading an article', () => {
        const row = q.get.get(id);
        return row && row.deleted === 0 ? toStored(row) : undefined;
      });
    },
    async newestInScope(scope, limit, visibleAt = ALWAYS) {
      return run('reading a feed', () => q.newest.all(scope, visibleAt, limit).map(toStored));
    },
    async newestDigestsInScope(scope, limit, visibleAt = ALWAYS) {
      return run('reading a feed', () => q.newestDigests.all(scope, visibleAt, limit));
    },
    async itemsInScopeBetween(scope, from, to, visibleAt = ALWAYS) {
      return run('reading an archive month', () => q.between.all(scope, from, to, visibleAt).map(toStored));
    },
    async publishedBeforeInScope(scope, before, visibleAt = ALWAYS) {
      return run('reading an archive month', () => q.publishedBefore.get(scope, before, visibleAt)?.published);
    },
    async publishedFromInScope(scope, from, visibleAt = ALWAYS) {
      return run('reading an archive month', () => q.publishedFrom.get(scope, from, visibleAt)?.published);
    },
    async listScopes(keys, visibleAt = ALWAYS, countUpTo) {
      return run('listing feeds', () => {
        if (keys === undefined) return q.scopes.all(visibleAt);
        const out: ScopeSummary[] = [];
        if (countUpTo !== undefined) {
          for (const k of keys) {
            const row = q.scopeOneUpTo.get({ scope: k, at: visibleAt, n: Math.max(1, countUpTo) });
            if (row && row.items > 0) out.push({ key: k, label: row.stored ?? row.label ?? '', items: Math.min(row.items, countUpTo) });
          }
          return out;
        }
        for (const k of keys) {
          const row = q.scopeOne.get(k, visibleAt);
          if (row) out.push(row);
        }
        return out;
      });
    },
    async scopesPublishedBetween(from, to) {
      return run('finding ended embargoes', () => (to > from ? q.released.all(from, to).map((r) => r.scope) : []));
    },
    async listChangedSince(since, limit) {
      return run('listing changes', () => (since <= 0 ? q.changesAfter.all(0, limit) : q.changedSince.all(since, limit)).map(toChanged));
    },
    async listChangesAfter(seq, limit) {
      return run('listing changes', () => q.changesAfter.all(seq, limit).map(toChanged));
    },
    async maxChangeSeq() {
      return run('listing changes', () => q.maxChangeSeq.get()?.seq ?? 0);
    },
    async countArticles() {
      return run('counting articles', () => q.count.get()?.n ?? 0);
    },
    async readFileIndex(after = '', limit = -1) {
      return run('reading the file index', () =>
        q.files.all(after, limit).map((r) => ({ name: r.name, mtimeMs: r.mtime_ms, size: r.size, digest: r.digest, articleId: r.article_id })),
      );
    },
    async readChangesSince(seq) {
      return run('reading the change log', () => q.changesSince.all(seq).map((r) => ({ seq: r.seq, scopes: JSON.parse(r.scopes) as string[] })));
    },
    async latestChangeSeq() {
      return run('reading the change log', () => q.latestChange.get()?.seq ?? 0);
    },
    async readFileEntries(names) {
      return run('reading the file index', () =>
        names.flatMap((n) => {
          const r = q.file.get(n);
          return r ? [{ name: r.name, mtimeMs: r.mtime_ms, size: r.size, digest: r.digest, articleId: r.article_id }] : [];
        }),
      );
    },
    async writeFileIndex(upserts, removals) {
      run('writing the file index', () => relaxed(() => writeFiles(upserts, removals)));
    },
    async readFeedStates() {
      return run('reading feed states', () => new Map(q.feedStates.all().map((r) => [r.scope, { digest: r.digest, lastModified: r.last_modified }])));
    },
    async writePublish(publish) {
      run('recording a publish', () => relaxed(() => writePublish(publish)));
    },
    async recordBrotliSizes(rows) {
      run('recording brotli bodies', () => relaxed(() => writeBrotliSizes(rows)));
    },
    async readPublished() {
      return run('reading the published manifest', () => ({
        renderDigest: q.getMeta.get('render_digest')?.value,
        visibleUntil: ((v) => (v === undefined ? undefined : Number(v)))(q.getMeta.get('visible_until')?.value),
        changeSeq: ((v) => (v === undefined ? undefined : Number(v)))(q.getMeta.get('change_seq')?.value),
        documents: q.documents.all().map((r): DocumentRow => ({
          path: r.path,
          origin: r.origin,
          record: { contentType: r.content_type, lastModified: r.last_modified, hash: r.hash, sizes: { identity: r.size_identity, gzip: r.size_gzip, br: r.size_br } },
        })),
      }));
    },
    async close() {
      db.close();
    },
  };
}

