// The compile job over real files, a real SQLite store and a real listening server: broken files,
// determinism, restarts, edits, removals and failures, as readers see them.
import { expect } from 'chai';
import { renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HEALTH_TOKEN, get, healthOf, makeDataDir, removeDir, startService, writeArticle, type TestService } from '../support/fixtures.js';

const SEED = 'russia-us-syria-coordination.json';

function seed(dataDir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dataDir, 'articles', SEED), 'utf8')) as Record<string, unknown>;
}

async function validators(t: TestService, path: string): Promise<{ etag: string; lastModified: string; body: string }> {
  const r = await get(t.port, path);
  expect(r.status, path).to.equal(200);
  return { etag: String(r.headers.etag), lastModified: String(r.headers['last-modified']), body: r.text };
}

describe('compile', () => {
  let dataDir: string;
  let t: TestService | undefined;
  let now = Date.parse('2026-11-20T10:00:00Z');
  const clock = () => now;

  beforeEach(() => {
    dataDir = makeDataDir();
    now = Date.parse('2026-11-20T10:00:00Z');
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('publishes the good articles next to a broken file and names the file and field', async () => {
    writeArticle(dataDir, 'broken-json.json', '{"id": "x1", "title": ');
    writeArticle(dataDir, 'bad-fields.json', { id: 'bad id!', path: 'no-slash', title: 'Fine title', body: '<p>x</p>', published: 'yesterday' });
    t = await startService(dataDir, { clock, apiToken: HEALTH_TOKEN });
    const report = t.service.compiler.lastReport();
    expect(report?.published).to.equal(true);
    const files = report?.problems.map((p) => p.file).sort();
    expect(files).to.deep.equal(['bad-fields.json', 'broken-json.json']);
    const bad = report?.problems.find((p) => p.file === 'bad-fields.json');
    expect(bad?.problems.map((p) => p.field)).to.include.members(['id', 'path', 'published']);
    expect(report?.problems.find((p) => p.file === 'broken-json.json')?.code).to.equal('ARTICLE_PARSE');
    const rss = await get(t.port, '/rss.xml');
    expect(rss.text).to.include('Russia, US to intensify Syria coordination: Kremlin');
    expect((rss.text.match(/<item>/g) ?? []).length).to.equal(10);
    const health = (await healthOf(t.port)) as { lastCompile: { skippedFiles: { file: string }[] } };
    expect(health.lastCompile.skippedFiles.map((f) => f.file)).to.include('bad-fields.json');
  });

  it('keeps reporting a broken file on later compiles until it is fixed, and sees in-place edits', async () => {
    writeArticle(dataDir, 'broken-json.json', '{"id": "x1", "title": ');
    t = await startService(dataDir, { clock });
    now += 60_000;
    const again = await t.service.compiler.compile();
    expect(again.problems.map((p) => p.file)).to.deep.equal(['broken-json.json']);
    const fixed = { ...seed(dataDir), id: 'x1', path: '/x1', title: 'Fixed in place' };
    writeFileSync(join(dataDir, 'articles', 'broken-json.json'), JSON.stringify(fixed));
    now += 60_000;
    const after = await t.service.compiler.compile();
    expect(after.problems).to.deep.equal([]);
    expect((await get(t.port, '/rss.xml')).text).to.include('Fixed in place');
  });

  it('keeps the last good version of an article whose file breaks', async () => {
    t = await startService(dataDir, { clock });
    const before = await validators(t, '/sections/news/russia/rss.xml');
    writeArticle(dataDir, SEED, '{ not json');
    now += 60_000;
    const report = await t.service.compiler.compile();
    expect(report.problems.map((p) => p.file)).to.deep.equal([SEED]);
    const after = await validators(t, '/sections/news/russia/rss.xml');
    expect(after).to.deep.equal(before);
  });

  it('gives identical bytes and validators for two compiles of unchanged data, and across a restart', async () => {
    t = await startService(dataDir, { clock });
    const paths = ['/rss.xml', '/atom.xml', '/feed.json', '/sections/news/rss.xml', '/tags/syria/feed.json', '/feeds.opml', '/'];
    const first = await Promise.all(paths.map((p) => validators(t as TestService, p)));
    now += 3_600_000;
    const second = await t.service.compiler.compile();
    expect(second.feedsChanged).to.deep.equal([]);
    expect(await Promise.all(paths.map((p) => validators(t as TestService, p)))).to.deep.equal(first);
    await t.close();
    now += 86_400_000;
    t = await startService(dataDir, { clock });
    expect(t.service.compiler.lastReport()?.feedsChanged).to.deep.equal([]);
    expect(await Promise.all(paths.map((p) => validators(t as TestService, p)))).to.deep.equal(first);
  });

  it('dates a new feed by its newest item, never by the compile time', async () => {
    t = await startService(dataDir, { clock });
    const russia = await validators(t, '/sections/news/russia/rss.xml');
    // The seed: 2016-07-06T14:05:00 in Tehran (+04:30) is 09:35 UTC.
    expect(russia.lastModified).to.equal('Wed, 06 Jul 2016 09:35:00 GMT');
    expect(russia.body).to.include('<lastBuildDate>Wed, 06 Jul 2016 14:05:00 +0430</lastBuildDate>');
  });

  it('changes exactly the affected feeds when an article is edited, and moves Last-Modified forward', async () => {
    t = await startService(dataDir, { clock });
    const affected = ['/rss.xml', '/sections/news/rss.xml', '/sections/news/russia/atom.xml', '/tags/united-states/feed.json'];
    const untouched = ['/sections/business/rss.xml', '/tags/football/atom.xml'];
    const before = new Map(await Promise.all([...affected, ...untouched].map(async (p) => [p, await validators(t as TestService, p)] as const)));
    const edited = seed(dataDir);
    edited.title = 'Russia and US agree to intensify Syria coordination';
    writeArticle(dataDir, SEED, edited);
    now = Date.parse('2026-11-20T10:05:00Z');
    const report = await t.service.compiler.compile();
    expect(report.feedsChanged).to.include.members(['', 'sections/news', 'sections/news/russia', 'tags/united-states', 'tags/syria', 'tags/russia']);
    expect(report.feedsChanged).to.not.include('sections/business');
    // Work proportional to the change: only the seed's feeds were rendered.
    expect(report.feedsRendered).to.equal(report.feedsChanged.length);
    for (const p of affected) {
      const after = await validators(t, p);
      expect(after.etag, p).to.not.equal(before.get(p)?.etag);
      expect(Date.parse(after.lastModified), p).to.be.greaterThan(Date.parse(before.get(p)?.lastModified ?? ''));
    }
    const rss = await validators(t, '/sections/news/russia/rss.xml');
    expect(rss.body).to.include('Russia and US agree to intensify Syria coordination');
    // The edit kept `updated`, so the feed is dated by the compile that saw it.
    expect(rss.lastModified).to.equal('Fri, 20 Nov 2026 10:05:00 GMT');
    for (const p of untouched) expect(await validators(t, p), p).to.deep.equal(before.get(p));
  });

  it('picks up a new file and a removed file at the next compile, without a restart', async () => {
    t = await startService(dataDir, { clock });
    const fresh = { ...seed(dataDir), id: 'fresh-1', path: '/Detail/2016/07/10/1/fresh', title: 'A fresh article', published: '2016-07-10T08:00:00', tags: ['Fresh tag'] };
    writeArticle(dataDir, 'fresh.json', fresh);
    now += 60_000;
    await t.service.compiler.compile();
    const tag = await validators(t, '/tags/fresh-tag/rss.xml');
    expect(tag.body).to.include('A fresh article');
    expect((await get(t.port, '/rss.xml')).text).to.include('tag:presstv.com,2007:fresh-1');

    rmSync(join(dataDir, 'articles', 'fresh.json'));
    now += 60_000;
    const report = await t.service.compiler.compile();
    expect(report.feedsRemoved).to.deep.equal(['tags/fresh-tag']);
    const site = await get(t.port, '/rss.xml');
    expect(site.text).to.not.include('tag:presstv.com,2007:fresh-1');
    // A feed that lost its last article is dropped (README, "Feeds that lose their last article").
    expect((await get(t.port, '/tags/fresh-tag/rss.xml')).status).to.equal(404);
    expect((await get(t.port, '/feeds.opml')).text).to.not.include('/tags/fresh-tag/');
  });

  it('keeps the last good set live when a compile fails, and recovers by itself', async () => {
    t = await startService(dataDir, { clock });
    const before = await validators(t, '/rss.xml');
    const original = seed(dataDir);
    const articles = join(dataDir, 'articles');
    renameSync(articles, `${articles}.away`);
    writeFileSync(articles, 'not a folder');
    writeFileSync(join(`${articles}.away`, 'fresh.json'), JSON.stringify({ ...original, id: 'later', path: '/later', title: 'Written while broken' }));
    now += 60_000;
    const failed = await t.service.compiler.compile();
    expect(failed.ok).to.equal(false);
    expect(failed.error).to.match(/articles/);
    expect(await validators(t, '/rss.xml')).to.deep.equal(before);
    const health = JSON.parse((await get(t.port, '/healthz')).text) as { status: string };
    expect(health.status).to.equal('degraded');

    rmSync(articles);
    renameSync(`${articles}.away`, articles);
    now += 60_000;
    const recovered = await t.service.compiler.compile();
    expect(recovered.ok).to.equal(true);
    expect((await get(t.port, '/rss.xml')).text).to.include('Written while broken');
    expect(JSON.parse((await get(t.port, '/healthz')).text).status).to.equal('ok');
  });

  it('never runs two compiles at once; calls during a compile are folded into one more run, whose report they share', async () => {
    t = await startService(dataDir, { clock });
    writeArticle(dataDir, 'one.json', { ...seed(dataDir), id: 'one', path: '/one', title: 'First concurrent' });
    const a = t.service.compiler.compile();
    writeArticle(dataDir, 'two.json', { ...seed(dataDir), id: 'two', path: '/two', title: 'Second concurrent' });
    const b = t.service.compiler.compile();
    const c = t.service.compiler.compile({ files: false });
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    // b and c were called while a ran: they get the run after it (test/compile/compile-coalescing.test.ts).
    expect(rb).to.not.equal(ra);
    expect(rc).to.equal(rb);
    const rss = (await get(t.port, '/rss.xml')).text;
    expect(rss).to.include('First concurrent');
    expect(rss).to.include('Second concurrent');
  });

  it('publishes a set all at once: a reader never sees the new site feed next to an old section feed', async () => {
    t = await startService(dataDir, { clock });
    const edited = seed(dataDir);
    edited.title = 'Atomic title';
    writeArticle(dataDir, SEED, edited);
    const generations = new Set<number>();
    t.service.compiler.onPublish((set) => {
      generations.add(set.generation);
      const bodies = (t as TestService).service.bodies;
      const site = bodies.cached(set.documents.get('/rss.xml')?.[0]?.identity.file ?? '')?.toString('utf8') ?? '';
      const section = bodies.cached(set.documents.get('/sections/news/russia/rss.xml')?.[0]?.identity.file ?? '')?.toString('utf8') ?? '';
      expect(site).to.include('<rss');
      expect(site.includes('Atomic title')).to.equal(section.includes('Atomic title'));
    });
    now += 60_000;
    await t.service.compiler.compile();
    expect(generations.size).to.equal(1);
  });
});
