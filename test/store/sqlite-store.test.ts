// The SQLite store: the shared contract, WAL mode, and the feed query using its index.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { articleDigest, parseArticle } from '../../src/core/article.js';
import { slugify } from '../../src/core/scopes.js';
import { NEWEST_IN_SCOPE_SQL, SCHEMA_VERSION, SQLITE_PREPARED_TXN_ROWS, WAL_AUTOCHECKPOINT_PAGES, openSqliteStore } from '../../src/store/sqlite-store.js';
import type { WriteRefusal } from '../../src/store/store.js';
import { CONTRACT_PREFIX, storeContract } from './store-contract.js';
import { removeDir } from '../support/fixtures.js';

const dirs: string[] = [];
after(() => dirs.forEach(removeDir));

function freshFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'feedwright-store-'));
  dirs.push(dir);
  return join(dir, 'feedwright.db');
}

storeContract('SQLite store', async (options) => openSqliteStore(freshFile(), options));

describe('SQLite store', () => {
  it('stores prepared forms in short transactions with a turn of the event loop between them (the serving thread answers readers meanwhile)', async () => {
    const file = freshFile();
    const store = openSqliteStore(file, { idPrefix: 'tag:example.org,2016:' });
    try {
      const many = Array.from({ length: 3 * SQLITE_PREPARED_TXN_ROWS + 7 }, (_, i) => parseArticle({ id: `s${i}`, path: `/a/s${i}`, title: `S ${i}`, body: '<p>s</p>', published: '2016-07-01T10:00:00Z' }, 'UTC'));
      await store.writeArticles(many.map((a) => ({ kind: 'put' as const, article: a, digest: articleDigest(a), source: 'api' })), 1000);
      // A reader's request stands for any macrotask: it must get turns while the forms are stored.
      let turns = 0;
      let ticking = true;
      const tick = () => {
        if (!ticking) return;
        turns += 1;
        setImmediate(tick);
      };
      setImmediate(tick);
      const before = turns;
      const stored = await store.storePrepared(many.map((a) => ({ id: a.id, digest: articleDigest(a), prepared: { key: 'k', data: `{"s":"${a.id}"}` } })));
      ticking = false;
      expect(stored).to.equal(many.length);
      expect(turns - before, 'turns of the event loop while 4 transactions were stored').to.be.at.least(3);
      expect((await store.getArticle(`s${many.length - 1}`))?.prepared?.data).to.equal(`{"s":"s${many.length - 1}"}`);
    } finally {
      await store.close();
    }
  });

  it('checkpoints the WAL every 256 pages, so no checkpoint pause on the serving thread copies more than ~1 MB', async () => {
    const file = freshFile();
    const store = openSqliteStore(file, { idPrefix: 'tag:example.org,2016:' });
    try {
      const many = Array.from({ length: 4 * SQLITE_PREPARED_TXN_ROWS }, (_, i) => parseArticle({ id: `w${i}`, path: `/a/w${i}`, title: `W ${i}`, body: '<p>w</p>', published: '2016-07-01T10:00:00Z' }, 'UTC'));
      await store.writeArticles(many.map((a) => ({ kind: 'put' as const, article: a, digest: articleDigest(a), source: 'api' })), 1000);
      // ~8 KB a form: 400 forms are ~3.2 MB of pages, ~800 per 100-row transaction.
      const stored = await store.storePrepared(many.map((a) => ({ id: a.id, digest: articleDigest(a), prepared: { key: 'k', data: JSON.stringify({ s: a.id, pad: `${a.id}:`.repeat(800).slice(0, 8000) }) } })));
      expect(stored).to.equal(many.length);
      // The WAL file grows to the most frames written between two checkpoints: with SQLite's
      // default of 1,000 pages it passed 4 MB here; with 256 it stays under ~2 MB.
      const walBytes = statSync(`${file}-wal`).size;
      expect(WAL_AUTOCHECKPOINT_PAGES).to.equal(256);
      expect(walBytes, `WAL ${walBytes} bytes`).to.be.below(2.5 * 1024 * 1024);
    } finally {
      await store.close();
    }
  });

  it('a read-only connection (a render worker\'s) stores no prepared forms, quietly', async () => {
    const file = freshFile();
    const writer = openSqliteStore(file, { idPrefix: 'tag:example.org,2016:' });
    const reader = openSqliteStore(file, { idPrefix: 'tag:example.org,2016:', readOnly: true });
    try {
      const a = parseArticle({ id: 'a1', path: '/a/a1', title: 'A', body: '<p>a</p>', published: '2016-07-01T10:00:00Z' }, 'UTC');
      await writer.writeArticles([{ kind: 'put', article: a, digest: articleDigest(a), source: 'api' }], 1000);
      expect(await reader.storePrepared([{ id: 'a1', digest: articleDigest(a), prepared: { key: 'k', data: '{}' } }])).to.equal(0);
      expect((await writer.getArticle('a1'))?.prepared).to.equal(undefined);
    } finally {
      await reader.close();
      await writer.close();
    }
  });

  it('runs in WAL mode and answers "newest N of a scope" from the index, without a sort', async () => {
    const file = freshFile();
    const store = openSqliteStore(file, { idPrefix: 'tag:example.org,2016:' });
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${NEWEST_IN_SCOPE_SQL}`).all('tags/oil', Date.now(), 50) as { detail: string }[];
      const details = plan.map((p) => p.detail).join(' | ');
      expect(details).to.match(/SEARCH s USING PRIMARY KEY \(scope=\? AND published<\?\)/);
      expect(details).to.not.match(/TEMP B-TREE/);
    } finally {
      db.close();
    }
  });

  it('names the file when it cannot be opened', () => {
    // A regular file where a folder should be: the store cannot be created under it.
    const blocker = freshFile();
    writeFileSync(blocker, 'not a folder');
    expect(() => openSqliteStore(join(blocker, 'feedwright.db'), { idPrefix: 'tag:example.org,2016:' })).to.throw(/STORE|cannot open the SQLite store .*feedwright\.db/);
  });
});

/** The schema of the first, unversioned store (user_version 0), verbatim: no reader ids, no labels. */
const LEGACY_SCHEMA = `
CREATE TABLE IF NOT EXISTS articles (id TEXT PRIMARY KEY, doc TEXT NOT NULL, digest TEXT NOT NULL, published INTEGER NOT NULL, changed_at INTEGER NOT NULL, source TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS scope_items (scope TEXT NOT NULL, published INTEGER NOT NULL, article_id TEXT NOT NULL, label TEXT NOT NULL, PRIMARY KEY (scope, published, article_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS scope_items_article ON scope_items (article_id);
CREATE INDEX IF NOT EXISTS articles_published ON articles (published);
CREATE INDEX IF NOT EXISTS articles_changed ON articles (changed_at);
CREATE TABLE IF NOT EXISTS files (name TEXT PRIMARY KEY, mtime_ms REAL NOT NULL, size INTEGER NOT NULL, digest TEXT NOT NULL, article_id TEXT);
CREATE TABLE IF NOT EXISTS documents (path TEXT NOT NULL, origin TEXT NOT NULL, content_type TEXT NOT NULL, last_modified INTEGER NOT NULL, hash TEXT NOT NULL, size_identity INTEGER NOT NULL, size_gzip INTEGER NOT NULL, size_br INTEGER NOT NULL, PRIMARY KEY (path, origin)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, scopes TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feed_state (scope TEXT PRIMARY KEY, digest TEXT NOT NULL, last_modified INTEGER NOT NULL);
`;
const G = 'https://old.example.org/?p=1234';

/** Writes one article the way the first store did, under the scope keys and labels it used. */
function legacyArticle(db: Database.Database, raw: Record<string, unknown>, source: string, scopes: [string, string][], deleted = 0): void {
  const a = parseArticle({ path: `/a/${String(raw.id)}`, title: `Title ${String(raw.id)}`, body: '<p>x</p>', ...raw }, 'UTC');
  db.prepare('INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted) VALUES (?, ?, ?, ?, ?, ?, ?)').run(a.id, JSON.stringify(a), articleDigest(a), a.published, 1000, source, deleted);
  if (deleted === 0) for (const [scope, label] of [['', ''] as [string, string], ...scopes]) db.prepare('INSERT INTO scope_items (scope, published, article_id, label) VALUES (?, ?, ?, ?)').run(scope, a.published, a.id, label);
}

describe('SQLite store: one owner per reader id, enforced by the schema', () => {
  it('holds across two connections to the same file (another process), and against a raw insert', async () => {
    const file = freshFile();
    const one = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    const two = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    try {
      const a = parseArticle({ id: 'a1', guid: G, path: '/a1', title: 'A', body: '<p>a</p>', published: '2016-07-01T10:00:00Z' }, 'UTC');
      const b = { ...a, id: 'a2', path: '/a2' };
      await one.writeArticles([{ kind: 'put', article: a, digest: articleDigest(a), source: 'import' }], 1000);
      const refused: WriteRefusal[] = [];
      await two.writeArticles([{ kind: 'put', article: b, digest: articleDigest(b), source: 'api' }], 2000, { onRefused: (r) => refused.push(r) });
      expect(refused.map((r) => [r.id, r.ownerId])).to.deep.equal([['a2', 'a1']]);
    } finally {
      await one.close();
      await two.close();
    }
    const db = new Database(file);
    try {
      expect(() => db.prepare("INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted, reader_id) VALUES ('raw', '{}', 'd', 0, 0, 'api', 0, ?)").run(G)).to.throw(/UNIQUE/);
      // A tombstone may carry it: only live articles own an id.
      db.prepare("INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted, reader_id) VALUES ('raw', '{}', 'd', 0, 0, 'api', 1, ?)").run(G);
      const plan = (db.prepare('EXPLAIN QUERY PLAN SELECT id, source FROM articles WHERE reader_id = ? AND deleted = 0').all(G) as { detail: string }[]).map((p) => p.detail).join(' | ');
      expect(plan).to.match(/USING INDEX articles_reader_id/);
    } finally {
      db.close();
    }
  });

  it('upgrades a store of the first schema in place: back-fills reader ids, sets later duplicates aside, derives feeds and labels again', async () => {
    const file = freshFile();
    const legacy = new Database(file);
    legacy.exec(LEGACY_SCHEMA);
    // Slugs of the first scheme: C++, C# and C shared tags/c; .NET and NET shared tags/net.
    legacyArticle(legacy, { id: 'orig', guid: G, published: '2016-07-01T10:00:00Z', tags: ['C++'] }, 'file:orig.json', [['tags/c', 'C++']]);
    legacyArticle(legacy, { id: 'copy', guid: G, published: '2016-07-01T10:00:00Z', tags: ['C#'] }, 'file:copy.json', [['tags/c', 'C#']]);
    legacyArticle(legacy, { id: 'plain', published: '2016-07-02T10:00:00Z', tags: ['C'] }, 'api', [['tags/c', 'C']]);
    legacyArticle(legacy, { id: 'claims', guid: `${CONTRACT_PREFIX}plain`, published: '2016-07-03T10:00:00Z', tags: ['.NET'] }, 'import', [['tags/net', '.NET']]);
    legacyArticle(legacy, { id: 'net', published: '2016-07-04T10:00:00Z', tags: ['NET'] }, 'api', [['tags/net', 'NET']]);
    legacyArticle(legacy, { id: 'gone', guid: G, published: '2016-06-01T10:00:00Z' }, 'api', [], 1);
    for (const name of ['orig', 'copy']) legacy.prepare('INSERT INTO files (name, mtime_ms, size, digest, article_id) VALUES (?, 1, 1, ?, ?)').run(`${name}.json`, `d-${name}`, name);
    legacy.close();

    const lines: string[] = [];
    const store = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX, log: (l) => lines.push(l) });
    try {
      expect(await store.getArticle('orig')).to.not.equal(undefined);
      expect(await store.getArticle('plain')).to.not.equal(undefined);
      expect(await store.getArticle('copy')).to.equal(undefined);
      expect(await store.getArticle('claims')).to.equal(undefined);
      expect(lines).to.have.length(2);
      expect(lines[0]).to.include('"copy"').and.include('"orig"').and.include(G);
      expect(lines[1]).to.include('"claims"').and.include('"plain"');
      // The set-aside file is read again (and reported) by the next sync.
      expect((await store.readFileIndex()).map((f) => f.name)).to.deep.equal(['orig.json']);
      const scopes = await store.listScopes();
      const tag = (name: string) => `tags/${slugify(name)}`;
      expect(scopes.filter((s) => s.key.startsWith('tags/'))).to.deep.equal(
        [
          { key: tag('C'), label: 'C', items: 1 },
          { key: tag('C++'), label: 'C++', items: 1 },
          { key: tag('NET'), label: 'NET', items: 1 },
        ].sort((a, b) => (a.key < b.key ? -1 : 1)),
      );
      const changed = (await store.readChangesSince(0)).flatMap((c) => c.scopes);
      expect(changed).to.include.members(['', 'tags/c', tag('C++'), 'tags/net']);
      expect(await store.readerIdOwner(G)).to.deep.equal({ id: 'orig', source: 'file:orig.json' });
      expect(await store.readerIdOwner(`${CONTRACT_PREFIX}plain`)).to.deep.equal({ id: 'plain', source: 'api' });
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
    } finally {
      db.close();
    }
    // A second open finds nothing to do.
    const again: string[] = [];
    const reopened = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX, log: (l) => again.push(l) });
    const seq = await reopened.latestChangeSeq();
    await reopened.close();
    const third = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    expect(await third.latestChangeSeq()).to.equal(seq);
    await third.close();
    expect(again).to.deep.equal([]);
  });

  it('upgrades a version 2 store in place: adds the prepared-form columns, keeps every article, and stores forms from then on', async () => {
    const file = freshFile();
    const current = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    const a = parseArticle({ id: 'old', path: '/old', title: 'Old', body: '<p>old</p>', published: '2016-07-01T10:00:00Z', tags: ['Oil'] }, 'UTC');
    await current.writeArticles([{ kind: 'put', article: a, digest: articleDigest(a), source: 'api' }], 1000);
    await current.close();
    // Make it what version 2 wrote: the articles table without the two columns.
    const db = new Database(file);
    db.exec('ALTER TABLE articles DROP COLUMN prepared');
    db.exec('ALTER TABLE articles DROP COLUMN prepared_key');
    db.pragma('user_version = 2');
    db.close();
    const upgraded = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    try {
      const old = await upgraded.getArticle('old');
      expect(old?.article.title).to.equal('Old');
      expect(old?.prepared).to.equal(undefined);
      expect((await upgraded.newestInScope('tags/oil', 5)).map((s) => s.article.id)).to.deep.equal(['old']);
      const b = parseArticle({ id: 'new', path: '/new', title: 'New', body: '<p>new</p>', published: '2016-07-02T10:00:00Z', tags: ['Oil'] }, 'UTC');
      await upgraded.writeArticles([{ kind: 'put', article: b, digest: articleDigest(b), source: 'api', prepared: { key: 'k', data: '{}' } }], 2000);
      expect((await upgraded.getArticle('new'))?.prepared).to.deep.equal({ key: 'k', data: '{}' });
    } finally {
      await upgraded.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).to.equal(6);
    } finally {
      check.close();
    }
  });

  it('upgrades a version 3 store in place: adds the hub subscriptions table, keeping every article', async () => {
    const file = freshFile();
    const current = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    const a = parseArticle({ id: 'kept', path: '/kept', title: 'Kept', body: '<p>kept</p>', published: '2016-07-01T10:00:00Z', tags: ['Oil'] }, 'UTC');
    await current.writeArticles([{ kind: 'put', article: a, digest: articleDigest(a), source: 'api' }], 1000);
    await current.close();
    // Make it what version 3 wrote: no hub_subscriptions table.
    const db = new Database(file);
    db.exec('DROP TABLE hub_subscriptions');
    db.pragma('user_version = 3');
    db.close();
    const upgraded = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    try {
      expect((await upgraded.getArticle('kept'))?.article.title).to.equal('Kept');
      expect(await upgraded.listSubscriptions(0)).to.deep.equal([]);
      const sub = { topic: 'https://example.org/rss.xml', callback: 'https://sub.example/cb', secret: 's', leaseSeconds: 60, expiresAt: 61_000, createdAt: 1000, verifiedAt: 1000 };
      await upgraded.putSubscription(sub);
      expect(await upgraded.listSubscriptions(2000)).to.deep.equal([sub]);
    } finally {
      await upgraded.close();
    }
    const check = new Database(file, { readonly: true });
    try {
      expect(check.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
      expect(check.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'hub_subscriptions%' ORDER BY name").all()).to.deep.equal([{ name: 'hub_subscriptions' }, { name: 'hub_subscriptions_expires' }]);
      expect((check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'stats_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name)).to.deep.equal(['stats_readers', 'stats_subscribers', 'stats_traffic']);
    } finally {
      check.close();
    }
  });

  it('upgrades a version 5 store: every article gets its place in commit order, numbered as the change list gave them before, (changed_at, id)', async () => {
    const file = freshFile();
    const store = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    const art = (id: string) => parseArticle({ id, path: `/a/${id}`, title: id, body: '<p>x</p>', published: '2016-07-01T10:00:00Z' }, 'UTC');
    const put = (id: string) => ({ kind: 'put' as const, article: art(id), digest: articleDigest(art(id)), source: 'api' });
    await store.writeArticles([put('b')], 3000);
    await store.writeArticles([put('c'), put('a')], 1000);
    await store.close();
    // What version 5 had: no change_seq column.
    const old = new Database(file);
    old.exec('DROP TRIGGER articles_change_seq_insert; DROP TRIGGER articles_change_seq_update; DROP INDEX articles_change_seq; ALTER TABLE articles DROP COLUMN change_seq');
    old.pragma('user_version = 5');
    old.close();
    const upgraded = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    try {
      const listed = await upgraded.listChangedSince(0, 10);
      expect(listed.map((c) => [c.id, c.changeSeq])).to.deep.equal([['a', 1], ['c', 2], ['b', 3]]);
      await upgraded.writeArticles([{ kind: 'delete', id: 'a' }], 500);
      expect((await upgraded.listChangesAfter(3, 10)).map((c) => [c.id, c.changeSeq, c.deleted])).to.deep.equal([['a', 4, true]]);
    } finally {
      await upgraded.close();
    }
  });

  it('numbers a change made by a writer that knows nothing of change_seq (an older version still running during the upgrade): the database gives the number', async () => {
    const file = freshFile();
    const store = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    try {
      const a = parseArticle({ id: 'n1', path: '/a/n1', title: 'n1', body: '<p>x</p>', published: '2016-07-01T10:00:00Z' }, 'UTC');
      await store.writeArticles([{ kind: 'put', article: a, digest: articleDigest(a), source: 'api' }], 1000);
      const old = new Database(file);
      try {
        // What version 5's statements do: no change_seq anywhere.
        old.prepare("INSERT INTO articles (id, doc, digest, published, changed_at, source, deleted, reader_id) VALUES ('o1', ?, 'd', 0, 2000, 'api', 0, 'tag:o1')").run(JSON.stringify(a));
        old.prepare('UPDATE articles SET deleted = 1, changed_at = 3000 WHERE id = ?').run('n1');
      } finally {
        old.close();
      }
      const listed = await store.listChangesAfter(0, 10);
      expect(listed.map((c) => [c.id, c.changeSeq, c.deleted])).to.deep.equal([['o1', 2, false], ['n1', 3, true]]);
    } finally {
      await store.close();
    }
  });

  it('refuses to open a store written by a newer version, leaving it untouched', () => {
    const file = freshFile();
    openSqliteStore(file, { idPrefix: CONTRACT_PREFIX }).close();
    const db = new Database(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteStore(file, { idPrefix: CONTRACT_PREFIX })).to.throw(/cannot open the SQLite store .*feedwright\.db: the store has schema version 7, written by a newer feedwright/);
  });

  it('derives reader ids again when the id prefix changes, keeping the article published first', async () => {
    const file = freshFile();
    const next = 'tag:new.example,2020:';
    const first = openSqliteStore(file, { idPrefix: CONTRACT_PREFIX });
    const x = parseArticle({ id: 'x', path: '/x', title: 'X', body: '<p>x</p>', published: '2016-07-01T10:00:00Z' }, 'UTC');
    const y = parseArticle({ id: 'y', guid: `${next}x`, path: '/y', title: 'Y', body: '<p>y</p>', published: '2016-07-02T10:00:00Z' }, 'UTC');
    await first.writeArticles([x, y].map((a) => ({ kind: 'put' as const, article: a, digest: articleDigest(a), source: 'api' })), 1000);
    await first.close();
    const lines: string[] = [];
    const second = openSqliteStore(file, { idPrefix: next, log: (l) => lines.push(l) });
    try {
      expect(await second.readerIdOwner(`${next}x`)).to.deep.equal({ id: 'x', source: 'api' });
      expect(await second.getArticle('y')).to.equal(undefined);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include('"y"').and.include('"x"');
    } finally {
      await second.close();
    }
  });
});

describe('SQLite store: which commits wait for the disk', () => {
  // An fsync on the serving thread during a compile's body writes can hold readers for tens to
  // hundreds of ms: only writes a client was told are stored (2xx) wait for the disk.
  const syncModes = (sqls: string[]) => sqls.filter((q) => /^PRAGMA synchronous/i.test(q)).map((q) => q.replace(/^PRAGMA synchronous\s*=\s*/i, '').trim());
  const article = (id: string) => parseArticle({ id, path: `/a/${id}`, title: id, body: '<p>a</p>', published: '2016-07-01T10:00:00Z' }, 'UTC');

  it('an API write commits with synchronous=FULL; file-sourced writes, the manifest, brotli sizes, prepared forms, the file index and readers counts commit with NORMAL and put FULL back', async () => {
    const sqls: string[] = [];
    const store = openSqliteStore(freshFile(), { idPrefix: 'tag:example.org,2016:', trace: (q) => sqls.push(q) });
    try {
      const opened = syncModes(sqls);
      expect(opened).to.deep.equal(['FULL']);
      const step = async (fn: () => Promise<unknown>) => {
        sqls.length = 0;
        await fn();
        return syncModes(sqls);
      };
      const a = article('a1');
      expect(await step(() => store.writeArticles([{ kind: 'put', article: a, digest: articleDigest(a), source: 'api' }], 1000))).to.deep.equal([]);
      const b = article('b1');
      expect(await step(() => store.writeArticles([{ kind: 'put', article: b, digest: articleDigest(b), source: 'file:b1.json' }], 1000, { durable: false }))).to.deep.equal(['NORMAL', 'FULL']);
      expect(await step(() => store.writeFileIndex([{ name: 'b1.json', mtimeMs: 1, size: 2, digest: 'd', articleId: 'b1' }], []))).to.deep.equal(['NORMAL', 'FULL']);
      expect(await step(() => store.storePrepared([{ id: 'a1', digest: articleDigest(a), prepared: { key: 'k', data: '{}' } }]))).to.deep.equal(['NORMAL', 'FULL']);
      const record = { contentType: 'application/rss+xml', lastModified: 1000, hash: 'h1', sizes: { identity: 10, gzip: 5, br: 0 } };
      expect(await step(() => store.writePublish({ states: new Map([['', { digest: 'x', lastModified: 1000 }]]), documents: [{ path: '/rss.xml', origin: 'https://example.org', record }], renderDigest: 'r', visibleUntil: 1000, changeSeq: 0 }))).to.deep.equal(['NORMAL', 'FULL']);
      expect(await step(() => store.recordBrotliSizes([{ path: '/rss.xml', origin: 'https://example.org', hash: 'h1', size: 4 }]))).to.deep.equal(['NORMAL', 'FULL']);
      expect(await step(() => store.addReaderStats({ traffic: [{ hour: 1, path: '/rss.xml', origin: 'https://example.org', coding: 'gzip', requests: 1, ok: 1, notModified: 0, bytes: 5 }], readers: [], subscribers: [] }))).to.deep.equal(['NORMAL', 'FULL']);
      // A relaxed write that fails still puts FULL back: the next API write waits for the disk.
      expect(await step(() => store.writeArticles([{ kind: 'put', article: article('a1'), digest: 'other', source: 'file:x.json' }, { kind: 'put', article: { ...article('c1'), guid: b.guid ?? 'tag:example.org,2016:b1' }, digest: 'c', source: 'file:c1.json' }], 1000, { durable: false }).catch(() => undefined))).to.deep.equal(['NORMAL', 'FULL']);
      // And the API's delete waits for the disk too.
      expect(await step(() => store.writeArticles([{ kind: 'delete', id: 'a1' }], 2000))).to.deep.equal([]);
    } finally {
      await store.close();
    }
  });
});
