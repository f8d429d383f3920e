// The file source and the id readers key items on (design §4, "Identity"): two article files with
// different ids but the same guid (an editor copied a file and changed only its id), and a file
// whose guid equals another article's generated tag: id. The second claimant is reported like
// any bad file, naming the other article and its file; the first stays published; every
// document carries each id once (no W3C DuplicateValue); the id is free again once its owner goes.
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseStringPromise } from 'xml2js';
import { checkArticleFiles } from '../../src/compile/source-files.js';
import { HEALTH_TOKEN, get, healthOf, makeDataDir, removeDir, startService, writeArticle, type TestService } from '../support/fixtures.js';

const PREFIX = 'tag:presstv.com,2007:';
const G = 'https://old.example.org/?p=1234';

function article(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, path: `/Detail/2016/07/01/${id}`, title: `Article ${id}`, body: `<p>${id}</p>`, published: '2016-07-01T10:00:00', tags: ['Ids'], ...extra };
}

/** Every item id of the three site-wide documents and one tag feed, per document. */
async function itemIds(t: TestService): Promise<Record<string, string[]>> {
  const text = (v: any): string => (typeof v === 'string' ? v : v._);
  const out: Record<string, string[]> = {};
  for (const base of ['', '/tags/ids']) {
    const rss = (await parseStringPromise((await get(t.port, `${base}/rss.xml`)).text)) as any;
    out[`${base}/rss.xml`] = ((rss.rss.channel[0].item ?? []) as any[]).map((i) => text(i.guid[0]));
    const atom = (await parseStringPromise((await get(t.port, `${base}/atom.xml`)).text)) as any;
    out[`${base}/atom.xml`] = ((atom.feed.entry ?? []) as any[]).map((e) => text(e.id[0]));
    out[`${base}/feed.json`] = (JSON.parse((await get(t.port, `${base}/feed.json`)).text).items as { id: string }[]).map((i) => i.id);
  }
  return out;
}

function expectUnique(ids: Record<string, string[]>): void {
  for (const [doc, list] of Object.entries(ids)) expect(new Set(list).size, `${doc}: ${list.join(', ')}`).to.equal(list.length);
}

describe('article files: one owner per item id', () => {
  let dataDir: string;
  let t: TestService | undefined;
  let now = Date.parse('2026-11-20T10:00:00Z');
  const clock = () => now;

  beforeEach(() => {
    now = Date.parse('2026-11-20T10:00:00Z');
    dataDir = makeDataDir({
      articles: {
        'a-original.json': article('orig', { guid: G, title: 'The original story' }),
        'b-copy.json': article('copy', { guid: G, title: 'The copied story' }),
        'c-plain.json': article('plain', { title: 'A story without a guid' }),
        'd-claims.json': article('claims', { guid: `${PREFIX}plain`, title: 'A guid that is another id' }),
      },
    });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('reports the second claimant of a guid, and a guid equal to a generated id, naming the other article and file', async () => {
    t = await startService(dataDir, { clock, apiToken: HEALTH_TOKEN });
    const report = t.service.compiler.lastReport();
    const problems = report?.problems ?? [];
    expect(problems.map((p) => [p.file, p.code])).to.deep.equal([
      ['b-copy.json', 'ITEM_ID_TAKEN'],
      ['d-claims.json', 'ITEM_ID_TAKEN'],
    ]);
    expect(problems[0]?.problems).to.deep.equal([{ field: 'guid', message: `"${G}" already belongs to article "orig" (file:a-original.json)` }]);
    expect(problems[1]?.problems[0]?.field).to.equal('guid');
    expect(problems[1]?.problems[0]?.message).to.include(`"${PREFIX}plain"`).and.include('"plain" (file:c-plain.json)');
    const ids = await itemIds(t);
    expectUnique(ids);
    expect(ids['/tags/ids/rss.xml']?.sort()).to.deep.equal([G, `${PREFIX}plain`].sort());
    const rss = (await get(t.port, '/rss.xml')).text;
    expect(rss).to.include('The original story').and.not.include('The copied story');
    const health = (await healthOf(t.port)) as { lastCompile: { skippedFiles: { file: string }[] } };
    expect(health.lastCompile.skippedFiles.map((f) => f.file)).to.include.members(['b-copy.json', 'd-claims.json']);
    // Reported again at the next compile; still nothing published twice.
    now += 60_000;
    const again = await t.service.compiler.compile();
    expect(again.problems.map((p) => p.file)).to.deep.equal(['b-copy.json', 'd-claims.json']);
  });

  it('refuses an article without a guid whose generated id is already another article\'s guid', async () => {
    rmSync(join(dataDir, 'articles', 'b-copy.json'));
    rmSync(join(dataDir, 'articles', 'd-claims.json'));
    writeArticle(dataDir, 'a0-claims-first.json', article('claims-first', { guid: `${PREFIX}plain` }));
    t = await startService(dataDir, { clock });
    // a0-… is read first and owns the id; c-plain.json (no guid) comes second and is refused.
    const problems = t.service.compiler.lastReport()?.problems ?? [];
    expect(problems.map((p) => [p.file, p.problems[0]?.field])).to.deep.equal([['c-plain.json', 'id']]);
    expect(problems[0]?.message).to.include('"claims-first" (file:a0-claims-first.json)');
    expectUnique(await itemIds(t));
  });

  it('frees the guid when its owner goes: the waiting file is published at the next compile', async () => {
    t = await startService(dataDir, { clock });
    rmSync(join(dataDir, 'articles', 'a-original.json'));
    now += 60_000;
    const report = await t.service.compiler.compile();
    expect(report.problems.map((p) => p.file)).to.deep.equal(['d-claims.json']);
    const rss = (await get(t.port, '/rss.xml')).text;
    expect(rss).to.include('The copied story').and.not.include('The original story');
    expectUnique(await itemIds(t));
  });

  it('lets a file rename its id and keep its guid, and keeps the last good version of a file whose edit takes a taken guid', async () => {
    t = await startService(dataDir, { clock });
    writeArticle(dataDir, 'a-original.json', article('orig-renamed', { guid: G, title: 'The original story, renamed' }));
    now += 60_000;
    let report = await t.service.compiler.compile();
    expect(report.problems.map((p) => p.file)).to.deep.equal(['b-copy.json', 'd-claims.json']);
    let ids = await itemIds(t);
    expectUnique(ids);
    expect((await get(t.port, '/rss.xml')).text).to.include('The original story, renamed');
    // An edit of c-plain.json that takes the guid a-original.json has: reported, old version kept.
    writeArticle(dataDir, 'c-plain.json', article('plain', { guid: G, title: 'An edit that takes a guid' }));
    now += 60_000;
    report = await t.service.compiler.compile();
    expect(report.problems.map((p) => p.file)).to.deep.equal(['b-copy.json', 'c-plain.json', 'd-claims.json']);
    const rss = (await get(t.port, '/rss.xml')).text;
    expect(rss).to.include('A story without a guid').and.not.include('An edit that takes a guid');
    ids = await itemIds(t);
    expectUnique(ids);
  });

  it('check names the same files without a store', async () => {
    writeArticle(dataDir, 'e-feed.json', article('feed'));
    const result = await checkArticleFiles(join(dataDir, 'articles'), 'Asia/Tehran', PREFIX);
    expect(result.problems.map((p) => [p.file, p.code, p.problems[0]?.field])).to.deep.equal([
      ['b-copy.json', 'ITEM_ID_TAKEN', 'guid'],
      ['d-claims.json', 'ITEM_ID_TAKEN', 'guid'],
      ['e-feed.json', 'ITEM_ID_TAKEN', 'id'],
    ]);
    expect(result.problems[0]?.message).to.include('"orig" (file:a-original.json)');
    expect(result.problems[2]?.message).to.include(`"${PREFIX}feed" is the id of one of the site's feeds`);
  });
});

describe('article files: a full scan of a large folder', () => {
  it('finds every file in the index, read in pages (more files than one page): a second scan reads none, an edit is read alone', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { openSqliteStore } = await import('../../src/store/sqlite-store.js');
    const { syncArticleFiles } = await import('../../src/compile/source-files.js');
    const dir = mkdtempSync(join(tmpdir(), 'feedwright-scan-'));
    const articles = join(dir, 'articles');
    mkdirSync(articles);
    const n = 1_234; // more than two pages of the file index
    for (let i = 0; i < n; i += 1) writeFileSync(join(articles, `a${i}.json`), JSON.stringify(article(`a${i}`)));
    const store = openSqliteStore(join(dir, 'feedwright.db'), { idPrefix: PREFIX });
    try {
      const first = await syncArticleFiles(articles, store, 'UTC', Date.now());
      expect(first.filesRead).to.equal(n);
      expect((await store.readFileIndex()).length).to.equal(n);
      const second = await syncArticleFiles(articles, store, 'UTC', Date.now());
      expect(second.filesRead, 'files the index already knew, read again').to.equal(0);
      expect(second.changes).to.have.length(0);
      writeFileSync(join(articles, `a${n - 1}.json`), JSON.stringify(article(`a${n - 1}`, { title: 'Edited, and longer than before' })));
      const third = await syncArticleFiles(articles, store, 'UTC', Date.now());
      expect(third.filesRead).to.equal(1);
      expect(third.changes.map((c) => c.id)).to.deep.equal([`a${n - 1}`]);
    } finally {
      await store.close();
      removeDir(dir);
    }
  });
});

describe('article files: the folder as the compiler opens it (openArticleFolder)', () => {
  it('reads a large sync in the render workers and stores every article with its sanitised, prepared form (what bench/import-child.ts measures)', async () => {
    if (import.meta.url.endsWith('.ts')) throw new Error('needs the built JavaScript (worker threads): run `npm run test:one -- test/compile/source-files.test.ts`');
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { openSqliteStore } = await import('../../src/store/sqlite-store.js');
    const { createRenderPool } = await import('../../src/compile/render-pool.js');
    const { openArticleFolder } = await import('../../src/compile/steps/sync-sources.js');
    const { loadSiteConfig } = await import('../../src/config.js');
    const data = makeDataDir({ copySample: false, articles: {} });
    const dir = mkdtempSync(join(tmpdir(), 'feedwright-folder-'));
    const articles = join(data, 'articles');
    mkdirSync(articles, { recursive: true });
    const n = 300; // more than READ_HERE: read in the workers
    for (let i = 0; i < n; i += 1) writeFileSync(join(articles, `a${i}.json`), JSON.stringify(article(`a${i}`, { body: `<p>${i}</p><script>alert(${i})</script><p onclick="x()">more</p>` })));
    const site = loadSiteConfig(data);
    const { preparedKey, prepareSettingsOf } = await import('../../src/compile/prepared.js');
    const key = preparedKey(prepareSettingsOf(site));
    const store = openSqliteStore(join(dir, 'feedwright.db'), { idPrefix: site.idPrefix });
    const pool = createRenderPool({ settings: { site, periodSeconds: 60, baseDigest: 'test', documentsDir: join(dir, 'documents') }, store, databaseFile: join(dir, 'feedwright.db'), threads: 1 });
    const reads: number[] = [];
    const source = openArticleFolder(articles, site, { readArticles: (task) => (reads.push(task.names.length), pool.readArticles(task)), scanFolder: (task) => pool.scanFolder(task) }, { watch: false });
    try {
      const sync = await source.sync(store, site.timeZone, Date.now());
      expect(sync.filesRead).to.equal(n);
      expect(reads.reduce((a, b) => a + b, 0), 'files read through the pool').to.equal(n);
      expect(pool.threads(), 'render worker threads').to.equal(1);
      for (let i = 0; i < n; i += 1) {
        const stored = await store.getArticle(`a${i}`);
        expect(stored?.prepared, `a${i}: stored without its prepared form`).to.not.equal(undefined);
        expect(stored?.prepared?.key, `a${i}: prepared with other settings than the site's`).to.equal(key);
        expect(stored?.prepared?.data, `a${i}: prepared form not sanitised`).to.not.match(/<script|onclick/);
        expect(stored?.prepared?.data).to.include(`<p>${i}</p>`);
      }
    } finally {
      source.close();
      await pool.close();
      await store.close();
      removeDir(dir);
      removeDir(data);
    }
  });
});
