// The full scan of the article folder (issue 10: the serving thread only answers requests). A
// scan compares the folder with the store's file index: new and changed files to read, indexed
// files gone, and which present file holds which article. It runs in a render worker on the
// worker's own read-only store connection, and gives the same answer as on this thread; the
// compiler's full scans go to the worker (the serving thread no longer lists, reads the index
// or stats 100,000 files). Real worker threads (the built JavaScript) and a real SQLite store.
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync, rmSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSiteConfig } from '../../src/config.js';
import { ownersOf, scanArticleFolder, scanNamedFiles, type FolderScan } from '../../src/compile/folder-scan.js';
import { createRenderPool } from '../../src/compile/render-pool.js';
import { syncArticleFiles } from '../../src/compile/source-files.js';
import { createService, type Service } from '../../src/service.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { ArticleStore } from '../../src/store/store.js';
import { ROOT, makeDataDir, removeDir } from '../support/fixtures.js';

const PREFIX = 'tag:presstv.com,2007:';

function article(id: string, title = `Article ${id}`): Record<string, unknown> {
  return { id, path: `/Detail/2026/11/20/${id}`, title, body: `<p>${id}</p>`, published: '2026-11-20T10:00:00', tags: ['Scan'] };
}

describe('the article folder scan', function () {
  this.timeout(120_000);
  let dir: string;
  let articles: string;
  let store: ArticleStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwright-folder-scan-'));
    articles = join(dir, 'articles');
    mkdirSync(articles);
    // 1,100 files: more than two pages of the index. Then the index knows them all.
    for (let i = 0; i < 1_100; i += 1) writeFileSync(join(articles, `a${String(i).padStart(4, '0')}.json`), JSON.stringify(article(`a${i}`)));
    store = openSqliteStore(join(dir, 'feedwright.db'), { idPrefix: PREFIX });
    const first = await syncArticleFiles(articles, store, 'UTC', Date.now());
    expect(first.filesRead).to.equal(1_100);
    expect(first.problems).to.deep.equal([]);
    // What changed since: a new file, an edit (size), a touch (mtime only), a removal, and
    // names that are not article files.
    writeFileSync(join(articles, 'new.json'), JSON.stringify(article('new')));
    writeFileSync(join(articles, 'a0001.json'), JSON.stringify(article('a1', 'Edited, longer than it was')));
    utimesSync(join(articles, 'a0002.json'), new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    rmSync(join(articles, 'a0003.json'));
    writeFileSync(join(articles, '.hidden.json'), '{');
    writeFileSync(join(articles, 'notes.txt'), 'not an article');
  });
  afterEach(async () => {
    await store.close();
    removeDir(dir);
  });

  /** The scan's answer with its entries reduced to names, for comparing. */
  const summary = async (s: FolderScan) => ({ files: s.files, toRead: s.toRead, known: s.known.map((e) => e.name), gone: s.gone.map((e) => e.name), owners: await ownersOf(s) });

  it('finds the new, changed (size or mtime) and gone files against the index, and who holds each article', async () => {
    const s = await summary(await scanArticleFolder(articles, store));
    expect(s.files).to.equal(1_100); // 1,100 − 1 removed + 1 new; .hidden.json and notes.txt are not articles
    expect(s.toRead).to.deep.equal(['a0001.json', 'a0002.json', 'new.json']);
    expect(s.known).to.deep.equal(['a0001.json', 'a0002.json']);
    expect(s.gone).to.deep.equal(['a0003.json']);
    expect(s.owners.size).to.equal(1_099); // every present indexed file; not the new one, not the gone one
    expect(s.owners.get('a1')).to.equal('a0001.json');
    expect(s.owners.has('a3')).to.equal(false);
  });

  it('the named-files scan (the watcher\'s list) gives the same answer for the files it is given', async () => {
    const named = await summary(await scanNamedFiles(articles, store, new Set(['a0001.json', 'a0002.json', 'a0003.json', 'a0004.json', 'new.json', 'notes.txt'])));
    expect(named.files).to.equal(5);
    expect(named.toRead).to.deep.equal(['a0001.json', 'a0002.json', 'new.json']);
    expect(named.known).to.deep.equal(['a0001.json', 'a0002.json']);
    expect(named.gone).to.deep.equal(['a0003.json']);
    expect([...named.owners]).to.deep.equal([['a1', 'a0001.json'], ['a2', 'a0002.json'], ['a4', 'a0004.json']]);
  });

  it('a folder that is missing while the index lists files is ARTICLE_READ (nothing removed), on both paths; an empty folder removes them; a folder that cannot be listed is ARTICLE_READ naming it', async function () {
    rmSync(articles, { recursive: true });
    for (const scan of [() => scanArticleFolder(articles, store), () => scanNamedFiles(articles, store, new Set(['a0004.json', 'a0005.json']))]) {
      const err = await scan().then(() => undefined, (e: unknown) => e as { code?: string; message: string });
      expect(err?.code).to.equal('ARTICLE_READ');
      expect(err?.message).to.contain(`the article folder ${articles} is missing`);
      expect(err?.message).to.contain('nothing is removed');
    }
    // Through the sync: the compile's step fails, and the store keeps every article.
    const failed = await syncArticleFiles(articles, store, 'UTC', Date.now()).then(() => undefined, (e: unknown) => e as { code?: string });
    expect(failed?.code).to.equal('ARTICLE_READ');
    expect((await store.newestInScope('tags/scan', 2000)).length).to.equal(1_100);
    mkdirSync(articles);
    const s = await scanArticleFolder(articles, store);
    expect(s.files).to.equal(0);
    expect(s.gone).to.have.length(1_100);
    rmSync(articles, { recursive: true });
    if (process.getuid?.() === 0) {
      // root lists any folder: a file where the folder should be cannot be listed either.
      writeFileSync(articles, 'a file, not a folder');
    } else {
      mkdirSync(articles);
      chmodSync(articles, 0o000);
    }
    const err = await scanArticleFolder(articles, store).then(() => undefined, (e: unknown) => e as { code?: string; message: string });
    expect(err?.code).to.equal('ARTICLE_READ');
    expect(err?.message).to.contain(articles);
  });

  it('the watcher\'s list: a dangling symlink in place of a file is read (its problem reported, its article kept), not taken for a deletion; a name that cannot be looked at is ARTICLE_READ, not a deletion', async () => {
    rmSync(join(articles, 'a0005.json'));
    symlinkSync(join(dir, 'nowhere.json'), join(articles, 'a0005.json'));
    const named = await scanNamedFiles(articles, store, new Set(['a0005.json']));
    expect(named.gone.map((e) => e.name)).to.deep.equal([]);
    expect(named.toRead).to.deep.equal(['a0005.json']);
    const sync = await syncArticleFiles(articles, store, 'UTC', Date.now(), new Set(['a0005.json']));
    expect(sync.problems.map((p) => [p.file, p.code])).to.deep.equal([['a0005.json', 'ARTICLE_READ']]);
    expect(await store.getArticle('a5'), 'the last good version stays').to.not.equal(undefined);
    // lstat fails for a reason other than absence (a name longer than the file system allows):
    // the scan stops with ARTICLE_READ naming it rather than calling the file deleted.
    const long = `${'x'.repeat(300)}.json`;
    const err = await scanNamedFiles(articles, store, new Set([long])).then(() => undefined, (e: unknown) => e as { code?: string; message: string });
    expect(err?.code).to.equal('ARTICLE_READ');
    expect(err?.message).to.contain(long);
  });

  it('a folder removed and made again between two syncs (ext4 often gives it the same inode) is watched again: a file added to it is found', async () => {
    const { openFileSource } = await import('../../src/compile/source-files.js');
    const { statSync } = await import('node:fs');
    const source = openFileSource(articles, {});
    try {
      await source.sync(store, 'UTC', Date.now());
      const before = statSync(articles).ino;
      rmSync(articles, { recursive: true });
      mkdirSync(articles);
      const reused = statSync(articles).ino === before;
      // An empty folder made on purpose: every article goes (see the missing-folder test).
      await source.sync(store, 'UTC', Date.now());
      writeFileSync(join(articles, 'after.json'), JSON.stringify(article('after')));
      const found = await source.sync(store, 'UTC', Date.now());
      expect(found.changes.map((c) => c.id), `the file added after the folder was made again (inode ${reused ? 'reused' : 'new'})`).to.deep.equal(['after']);
      expect(await store.getArticle('after')).to.not.equal(undefined);
    } finally {
      source.close();
    }
  });

  describe('two files that swap names or ids (each file\'s claim in the index is stale)', () => {
    /** Both files of the swap and the title each article has now, by id. */
    const state = async () => Object.fromEntries(await Promise.all(['swa', 'swb'].map(async (id) => [id, (await store.getArticle(id))?.article.title ?? null])));
    const swap = () => {
      rmSync(join(articles, 'new.json')); // not part of this
      writeFileSync(join(articles, 'swa.json'), JSON.stringify(article('swa', 'Swap A')));
      writeFileSync(join(articles, 'swb.json'), JSON.stringify(article('swb', 'Swap B')));
    };
    for (const path of ['a full scan', 'the watcher\'s list'] as const) {
      it(`are both accepted, through ${path}, and an edit after that is published`, async () => {
        swap();
        expect((await syncArticleFiles(articles, store, 'UTC', Date.now())).problems).to.deep.equal([]);
        // The names swapped, and each file's content edited a little (new size and mtime).
        writeFileSync(join(articles, 'swa.json'), JSON.stringify(article('swb', 'Swap B, now in swa.json')));
        writeFileSync(join(articles, 'swb.json'), JSON.stringify(article('swa', 'Swap A, now in swb.json')));
        const only = path === 'a full scan' ? undefined : new Set(['swa.json', 'swb.json']);
        const swapped = await syncArticleFiles(articles, store, 'UTC', Date.now(), only);
        expect(swapped.problems.map((p) => `${p.file}: ${p.message}`)).to.deep.equal([]);
        expect(await state()).to.deep.equal({ swa: 'Swap A, now in swb.json', swb: 'Swap B, now in swa.json' });
        expect((await store.getArticle('swa'))?.source).to.equal('file:swb.json');
        expect((await store.getArticle('swb'))?.source).to.equal('file:swa.json');
        writeFileSync(join(articles, 'swa.json'), JSON.stringify(article('swb', 'Swap B, edited')));
        const edited = await syncArticleFiles(articles, store, 'UTC', Date.now(), only === undefined ? undefined : new Set(['swa.json']));
        expect(edited.problems).to.deep.equal([]);
        expect(await state()).to.deep.equal({ swa: 'Swap A, now in swb.json', swb: 'Swap B, edited' });
      });
    }

    it('a file that keeps its id keeps it against a new file that sorts before it, both changed in one sync', async () => {
      swap();
      await syncArticleFiles(articles, store, 'UTC', Date.now());
      writeFileSync(join(articles, 'swa.json'), JSON.stringify(article('swa', 'Swap A, edited')));
      writeFileSync(join(articles, 'early.json'), JSON.stringify(article('swa', 'A newcomer with the id of swa.json')));
      const r = await syncArticleFiles(articles, store, 'UTC', Date.now());
      expect(r.problems.map((p) => [p.file, p.code])).to.deep.equal([['early.json', 'ARTICLE_DUPLICATE']]);
      expect((await store.getArticle('swa'))?.article.title).to.equal('Swap A, edited');
      expect((await store.getArticle('swa'))?.source).to.equal('file:swa.json');
    });
  });

  it('in a render worker (its own read-only connection) the answer is the same as on this thread', async () => {
    if (import.meta.url.endsWith('.ts')) throw new Error('needs the built JavaScript (worker threads): run `npm run test:one -- test/compile/folder-scan.test.ts`');
    const data = makeDataDir();
    const site = loadSiteConfig(data);
    const pool = createRenderPool({ settings: { site, periodSeconds: 60, baseDigest: 'test', documentsDir: join(dir, 'documents') }, store, databaseFile: join(dir, 'feedwright.db'), threads: 1 });
    try {
      const inWorker = await summary(await pool.scanFolder({ dir: articles }));
      const here = await summary(await scanArticleFolder(articles, store));
      expect(inWorker).to.deep.equal(here);
      expect(inWorker.toRead).to.deep.equal(['a0001.json', 'a0002.json', 'new.json']);
      // A failure in the worker reaches the caller with its code.
      const err = await pool.scanFolder({ dir: join(articles, 'new.json') }).then(() => undefined, (e: unknown) => e as { code?: string });
      expect(err?.code).to.equal('ARTICLE_READ');
    } finally {
      await pool.close();
      removeDir(data);
    }
  });

  it('the compiler\'s full scans go to the render pool, and a compile after them publishes what changed', async () => {
    if (import.meta.url.endsWith('.ts')) throw new Error('needs the built JavaScript (worker threads): run `npm run test:one -- test/compile/folder-scan.test.ts`');
    const data = makeDataDir();
    let service: Service | undefined;
    try {
      service = createService({ site: loadSiteConfig(data), databaseFile: join(data, 'feedwright.db'), articlesDir: join(data, 'articles'), publicDir: join(ROOT, 'public'), schedule: false, log: () => {}, renderThreads: 1, renderIdleMs: 0 });
      const pool = service.compiler.renderer;
      const scanned: string[] = [];
      const real = pool.scanFolder.bind(pool);
      pool.scanFolder = (task) => {
        scanned.push(task.dir);
        return real(task);
      };
      expect((await service.compiler.compile()).ok).to.equal(true);
      expect(scanned).to.deep.equal([join(data, 'articles')]);
      writeFileSync(join(data, 'articles', 'scan-new.json'), JSON.stringify(article('scan-new', 'Found by the scan')));
      // The watcher's list this time (the named-files scan, on this thread): published all the same.
      const report = await service.compiler.compile({ files: true });
      expect(report.ok).to.equal(true);
      expect(report.articlesChanged).to.be.at.least(1);
      expect(service.compiler.current()?.documents.has('/tags/scan/rss.xml')).to.equal(true);
    } finally {
      await service?.close();
      removeDir(data);
    }
  });
});

