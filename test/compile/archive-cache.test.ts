// The archive cache over a real SQLite store and a real render pool (worker threads): concurrent
// first requests share one render, the cache keeps at most maxMonths months (an evicted month's
// files go), a change marks only the changed feeds' months stale and an unchanged month keeps its
// ETag, and empty months or unknown feeds are missing.
import { expect } from 'chai';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { articleDigest, parseArticle } from '../../src/core/article.js';
import { createArchiveCache, type ArchiveCache } from '../../src/compile/archive-cache.js';
import { createRenderPool, type RenderPool } from '../../src/compile/render-pool.js';
import type { ArchiveTask } from '../../src/compile/archives.js';
import { archiveBodiesDir } from '../../src/compile/render-task.js';
import type { ArchiveLookup } from '../../src/publish/archive-source.js';
import type { PublishedSet } from '../../src/publish/published-set.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { ArticleStore } from '../../src/store/store.js';
import { sampleSite } from '../core/helpers.js';
import { removeDir } from '../support/fixtures.js';

const site = sampleSite();
const WORKERS = !import.meta.url.endsWith('.ts');

function oil(id: string, published: string, body = `<p>${id}</p>`, tags = ['Oil']) {
  const a = parseArticle({ id, path: `/a/${id}`, title: `Title ${id}`, body, published, section: ['News', 'Iran'], tags }, site.timeZone);
  return { kind: 'put' as const, article: a, digest: articleDigest(a), source: 'api' };
}

async function doc(found: ArchiveLookup | Promise<ArchiveLookup>): Promise<{ etag: string; file: string }> {
  const f = await found;
  if (f.kind !== 'document') throw new Error(`expected a document, got ${JSON.stringify(f)}`);
  return { etag: f.doc.identity.etag, file: f.doc.identity.file };
}

describe('archive cache (RFC 5005 archives rendered on request)', function () {
  this.timeout(120_000);
  let dir: string;
  let store: ArticleStore;
  let pool: RenderPool;
  let cache: ArchiveCache;
  const renders: ArchiveTask[] = [];
  let set: PublishedSet;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'feedwright-archives-'));
    store = openSqliteStore(join(dir, 'feedwright.db'), { idPrefix: site.idPrefix });
    await store.writeArticles([oil('a1', '2016-03-10T10:00:00'), oil('a2', '2016-04-10T10:00:00'), oil('a3', '2016-05-10T10:00:00'), oil('a4', '2016-07-10T10:00:00')], 1000);
    const documentsDir = join(dir, 'documents');
    pool = createRenderPool({ settings: { site, periodSeconds: 60, baseDigest: 'test', documentsDir }, store, databaseFile: join(dir, 'feedwright.db'), threads: 1 });
    // The real pool, with each archive task it is given recorded.
    const renderer = { renderArchive: (task: ArchiveTask) => (renders.push(task), pool.renderArchive(task)) };
    set = { generation: 1, publishedAt: 0, documents: new Map(), feeds: [{ scope: { key: 'tags/oil', kind: 'tag', label: 'Oil' }, items: 4, lastModified: 0 }], articles: 4 };
    cache = createArchiveCache({ site, periodSeconds: 60, store, renderer, current: () => set, documentsDir, maxMonths: 2 });
    renders.length = 0;
  });
  afterEach(async () => {
    await pool.close();
    await store.close();
    removeDir(dir);
  });

  it('renders a month once for concurrent first requests, in a worker when workers run', async () => {
    const found = await Promise.all(Array.from({ length: 5 }, (_, i) => doc(cache.lookup('tags/oil', '2016-04', i % 2 === 0 ? 'rss' : 'json', 0))));
    expect(renders.map((t) => t.month)).to.deep.equal(['2016-04']);
    expect(new Set(found.filter((_, i) => i % 2 === 0).map((f) => f.etag)).size).to.equal(1);
    if (WORKERS) expect(pool.threads()).to.equal(1);
    // Now from memory: no render, and synchronously.
    const again = cache.lookup('tags/oil', '2016-04', 'rss', 0);
    expect('then' in again).to.equal(false);
    expect(renders).to.have.length(1);
  });

  it('answers missing for an empty month and an unknown feed (the latter without rendering)', async () => {
    expect(await cache.lookup('tags/oil', '2016-06', 'atom', 0)).to.deep.equal({ kind: 'missing' });
    expect(await cache.lookup('tags/gas', '2016-04', 'atom', 0)).to.deep.equal({ kind: 'missing' });
    expect(renders.map((t) => t.key)).to.deep.equal(['tags/oil']);
  });

  it('keeps at most maxMonths months, deleting an evicted month’s files', async () => {
    const march = await doc(cache.lookup('tags/oil', '2016-03', 'rss', 0));
    await doc(cache.lookup('tags/oil', '2016-04', 'rss', 0));
    const files = () => new Set(readdirSync(archiveBodiesDir(join(dir, 'documents'))));
    expect(files().has(march.file)).to.equal(true);
    await doc(cache.lookup('tags/oil', '2016-05', 'rss', 0));
    expect(cache.size()).to.equal(2);
    // 2 months × 3 formats × 2 origins × identity and gzip.
    const expected = 2 * 3 * site.origins.length * 2;
    const left = await (async () => {
      for (let i = 0; i < 200 && files().size !== expected; i += 1) await new Promise((r) => setTimeout(r, 20));
      return files();
    })();
    expect(left.size).to.equal(expected);
    expect(left.has(march.file)).to.equal(false);
    // Asked again: rendered again, the same bytes.
    expect((await doc(cache.lookup('tags/oil', '2016-03', 'rss', 0))).etag).to.equal(march.etag);
  });

  it('after a change, renders again only the changed feed’s months; an unchanged month keeps its ETag without a new body', async () => {
    const before = { march: await doc(cache.lookup('tags/oil', '2016-03', 'rss', 0)), april: await doc(cache.lookup('tags/oil', '2016-04', 'rss', 0)) };
    renders.length = 0;
    // A change that touches only another feed: nothing is rendered again.
    await store.writeArticles([oil('x1', '2016-03-11T10:00:00', '<p>x1</p>', [])], 2000);
    set = { ...set, generation: 2 };
    await doc(cache.lookup('tags/oil', '2016-03', 'rss', 0));
    expect(renders).to.deep.equal([]);
    // An edit in April: April changes, March is checked and stays.
    await store.writeArticles([oil('a2', '2016-04-10T10:00:00', '<p>a2, corrected</p>')], 3000);
    set = { ...set, generation: 3 };
    const april = await doc(cache.lookup('tags/oil', '2016-04', 'rss', 0));
    const march = await doc(cache.lookup('tags/oil', '2016-03', 'rss', 0));
    expect(april.etag).not.to.equal(before.april.etag);
    expect(march.etag).to.equal(before.march.etag);
    expect(renders.map((t) => [t.month, t.known !== undefined])).to.deep.equal([['2016-04', true], ['2016-03', true]]);
  });
});
