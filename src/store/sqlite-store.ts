// The embedded SQLite store (better-sqlite3, WAL): the default ArticleStore.
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { articleScopes } from '../core/scopes.js';
import type { Article } from '../core/article.js';
import { FeedwrightError, wrapError } from '../core/errors.js';
import type { ArticleChange, ArticleStore, ArticleWrite, DocumentRow, FeedState, FileEntry, PublishRecord, ScopeSummary, StoredArticle } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS articles (
  id TEXT PRIMARY KEY,
  doc TEXT NOT NULL,
  digest TEXT NOT NULL,
  published INTEGER NOT NULL,
  changed_at INTEGER NOT NULL,
  source TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0
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

/** The feed query: the newest N of one scope, walking the (scope, published, id) key backwards. */
export const NEWEST_IN_SCOPE_SQL =
  'SELECT a.id, a.doc, a.digest, a.changed_at, a.source FROM scope_items s JOIN articles a ON a.id = s.article_id WHERE s.scope = ? AND s.published <= ? ORDER BY s.published DESC, s.article_id DESC LIMIT ?';
const ALWAYS = Number.MAX_SAFE_INTEGER;

interface ArticleRow {
  id: string;
  doc: string;
  digest: string;
  changed_at: number;
  source: string;
}

function toStored(row: ArticleRow): StoredArticle {
  let article: Article | undefined;
  // Parsed on first use: a compile that already holds this version (same digest) never pays.
  return {
    get article() {
      article ??= JSON.parse(row.doc) as Article;
      return article;
    },
    digest: row.digest,
    changedAt: row.changed_at,
    source: row.source,
  };
}

/**
 * Opens (creating when needed) the SQLite store at `file`. With `readOnly`, an existing store for
 * reading only (a render worker's connection): WAL lets it read what other connections committed,
 * and the pragmas and schema below change nothing in a store that already has them.
 */
export function openSqliteStore(file: string, options: { readOnly?: boolean } = {}): ArticleStore {
  let db: Db;
  try {
    if (file !== ':memory:' && options.readOnly !== true) mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, options.readOnly === true ? { readonly: true, fileMustExist: true } : {});
    db.pragma('journal_mode = WAL');
    // FULL: a write that returned is on disk (design: a 2xx means durably stored).
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
  } catch (err) {
    throw wrapError('STORE_OPEN', `cannot open the SQLite store ${file}`, err);
  }

  const q = {
    get: db.prepare<[string], ArticleRow & { deleted: number }>('SELECT id, doc, digest, changed_at, source, deleted FROM articles WHERE id = ?'),
    scopesOf: db.prepare<[string], { scope: string }>('SELECT scope FROM scope_items WHERE article_id = ?'),
    upsert: db.prepare('INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted) VALUES (?, ?, ?, ?, ?, ?, 0) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, digest = excluded.digest, published = excluded.published, changed_at = excluded.changed_at, source = excluded.source, deleted = 0'),
    touchSource: db.prepare('UPDATE articles SET source = ? WHERE id = ?'),
    tombstone: db.prepare('UPDATE articles SET deleted = 1, changed_at = ? WHERE id = ?'),
    clearScopes: db.prepare('DELETE FROM scope_items WHERE article_id = ?'),
    addScope: db.prepare('INSERT OR REPLACE INTO scope_items (scope, published, article_id, label) VALUES (?, ?, ?, ?)'),
    newest: db.prepare<[string, number, number], ArticleRow>(NEWEST_IN_SCOPE_SQL),
    scopes: db.prepare<[number], { key: string; label: string; items: number }>('SELECT scope AS key, MIN(label) AS label, COUNT(*) AS items FROM scope_items WHERE published <= ? GROUP BY scope ORDER BY scope'),
    scopeOne: db.prepare<[string, number], { key: string; label: string; items: number }>('SELECT scope AS key, MIN(label) AS label, COUNT(*) AS items FROM scope_items WHERE scope = ? AND published <= ? GROUP BY scope'),
    released: db.prepare<[number, number], { scope: string }>('SELECT DISTINCT s.scope FROM articles a JOIN scope_items s ON s.article_id = a.id WHERE a.deleted = 0 AND a.published > ? AND a.published <= ?'),
    changedSince: db.prepare<[number, number], ArticleRow & { deleted: number }>('SELECT id, doc, digest, changed_at, source, deleted FROM articles WHERE changed_at >= ? ORDER BY changed_at, id LIMIT ?'),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM articles WHERE deleted = 0'),
    files: db.prepare<[], { name: string; mtime_ms: number; size: number; digest: string; article_id: string | null }>('SELECT name, mtime_ms, size, digest, article_id FROM files'),
    file: db.prepare<[string], { name: string; mtime_ms: number; size: number; digest: string; article_id: string | null }>('SELECT name, mtime_ms, size, digest, article_id FROM files WHERE name = ?'),
    putFile: db.prepare('INSERT OR REPLACE INTO files (name, mtime_ms, size, digest, article_id) VALUES (?, ?, ?, ?, ?)'),
    dropFile: db.prepare('DELETE FROM files WHERE name = ?'),
    feedStates: db.prepare<[], { scope: string; digest: string; last_modified: number }>('SELECT scope, digest, last_modified FROM feed_state'),
    putFeedState: db.prepare('INSERT OR REPLACE INTO feed_state (scope, digest, last_modified) VALUES (?, ?, ?)'),
    documents: db.prepare<[], { path: string; origin: string; content_type: string; last_modified: number; hash: string; size_identity: number; size_gzip: number; size_br: number }>('SELECT * FROM documents'),
    putDocument: db.prepare('INSERT OR REPLACE INTO documents (path, origin, content_type, last_modified, hash, size_identity, size_gzip, size_br) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    logChange: db.prepare('INSERT INTO changes (at, scopes) VALUES (?, ?)'),
    changesSince: db.prepare<[number], { seq: number; scopes: string }>('SELECT seq, scopes FROM changes WHERE seq > ? ORDER BY seq LIMIT 10000'),
    latestChange: db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM changes'),
    pruneChanges: db.prepare('DELETE FROM changes WHERE at < ?'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    putMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
  };

  const run = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw err instanceof FeedwrightError ? err : wrapError('STORE_QUERY', `SQLite store: ${what}`, err);
    }
  };

  const listScopes = (article: Article) => articleScopes(article);

  const writeBatch = db.transaction((writes: ArticleWrite[], now: number): ArticleChange[] => {
    const changes: ArticleChange[] = [];
    for (const w of writes) {
      const id = w.kind === 'put' ? w.article.id : w.id;
      const existing = q.get.get(id);
      const before = q.scopesOf.all(id).map((r) => r.scope);
      if (w.kind === 'put') {
        if (existing && existing.deleted === 0 && existing.digest === w.digest) {
          if (existing.source !== w.source) q.touchSource.run(w.source, id);
          continue;
        }
        const a = w.article;
        q.upsert.run(id, JSON.stringify(a), w.digest, a.published, now, w.source);
        q.clearScopes.run(id);
        const after = listScopes(a);
        for (const s of after) q.addScope.run(s.key, a.published, id, s.label);
        changes.push({ id, scopesBefore: before, scopesAfter: after.map((s) => s.key) });
        q.logChange.run(now, JSON.stringify([...new Set([...before, ...after.map((s) => s.key)])]));
      } else {
        if (!existing || existing.deleted === 1) continue;
        q.tombstone.run(now, id);
        q.clearScopes.run(id);
        changes.push({ id, scopesBefore: before, scopesAfter: [] });
        q.logChange.run(now, JSON.stringify(before));
      }
    }
    return changes;
  });

  const writeFiles = db.transaction((upserts: FileEntry[], removals: string[]) => {
    for (const f of upserts) q.putFile.run(f.name, f.mtimeMs, f.size, f.digest, f.articleId);
    for (const name of removals) q.dropFile.run(name);
  });

  const writeStates = db.transaction((states: Map<string, FeedState>) => {
    for (const [scope, s] of states) q.putFeedState.run(scope, s.digest, s.lastModified);
  });

  const writePublish = db.transaction((p: PublishRecord) => {
    writeStates(p.states);
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
    async writeArticles(writes, now) {
      return run('writing articles', () => writeBatch(writes, now));
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
    async listScopes(keys, visibleAt = ALWAYS) {
      return run('listing feeds', () => {
        if (keys === undefined) return q.scopes.all(visibleAt);
        const out: ScopeSummary[] = [];
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
      return run('listing changes', () =>
        q.changedSince.all(since, limit).map((r) => ({ id: r.id, changedAt: r.changed_at, deleted: r.deleted === 1, ...(r.deleted === 1 ? {} : { stored: toStored(r) }) })),
      );
    },
    async countArticles() {
      return run('counting articles', () => q.count.get()?.n ?? 0);
    },
    async readFileIndex() {
      return run('reading the file index', () =>
        q.files.all().map((r) => ({ name: r.name, mtimeMs: r.mtime_ms, size: r.size, digest: r.digest, articleId: r.article_id })),
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
      run('writing the file index', () => writeFiles(upserts, removals));
    },
    async readFeedStates() {
      return run('reading feed states', () => new Map(q.feedStates.all().map((r) => [r.scope, { digest: r.digest, lastModified: r.last_modified }])));
    },
    async writePublish(publish) {
      run('recording a publish', () => writePublish(publish));
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

