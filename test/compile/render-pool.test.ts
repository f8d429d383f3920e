// Rendering in worker threads (issue: rendering off the serving thread): the same input gives the
// same bytes and validators in workers and on one thread; a worker that dies in the middle of a
// render fails only that feed, the last good documents stay live and the next compile publishes;
// and readers keep getting answers while a full re-render runs. Workers need the built code
// (tsx's loader does not reach worker threads on Node 20): under tsx these tests are skipped.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSiteConfig } from '../../src/config.js';
import { createService } from '../../src/service.js';
import { generateArchive } from '../../bench/generate.js';
import { HEALTH_TOKEN, ROOT, get, healthOf, makeDataDir, removeDir, sampleSite, waitUntil, writeArticle, type TestService } from '../support/fixtures.js';

const WORKERS = !import.meta.url.endsWith('.ts');
const SEED = 'russia-us-syria-coordination.json';

/** The real service over a data folder, with a given number of render threads. */
async function start(dataDir: string, options: { renderThreads?: number; clock?: () => number; compile?: boolean; brotli?: boolean } = {}): Promise<TestService> {
  const service = createService({
    site: loadSiteConfig(dataDir),
    databaseFile: join(dataDir, 'feedwright.db'),
    articlesDir: join(dataDir, 'articles'),
    publicDir: join(ROOT, 'public'),
    schedule: false,
    log: () => {},
    // /healthz gives its details only with the API token.
    apiToken: HEALTH_TOKEN,
    ...(options.renderThreads === undefined ? {} : { renderThreads: options.renderThreads }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const port = await service.listen(0, '127.0.0.1');
  if (options.compile !== false) await service.compiler.compile();
  // The background brotli bodies too, unless the test does not look at them.
  if (options.compile !== false && options.brotli !== false) await service.compiler.brotliSettled();
  return { service, port, dataDir, close: () => service.close() };
}

/** Every published document on every origin: its record and the bytes of its three bodies. */
function snapshot(t: TestService): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const dir = join(t.dataDir, '.feedwright', 'documents');
  for (const [path, docs] of t.service.compiler.current()?.documents ?? []) {
    out.set(
      path,
      docs.map((d) => ({
        contentType: d.contentType,
        lastModified: d.lastModified,
        hash: d.hash,
        sizes: d.sizes,
        etags: [d.identity.headers200.ETag, d.gzip.headers200.ETag, d.br.headers200.ETag],
        lastModifiedHeader: d.identity.headers200['Last-Modified'],
        bodies: [d.identity, d.gzip, d.br].map((v) => readFileSync(join(dir, v.file)).toString('base64')),
      })),
    );
  }
  return out;
}

function seed(dataDir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dataDir, 'articles', SEED), 'utf8')) as Record<string, unknown>;
}

describe('render workers', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const running: TestService[] = [];
  const track = (t: TestService) => (running.push(t), t);
  before(() => {
    // Under tsx (TypeScript sources) Node 20 cannot start worker threads, so the pool would render
    // on this thread and these tests would prove nothing: say so instead of passing or skipping.
    if (!WORKERS) throw new Error('render-pool tests need the built JavaScript: run `npm test` or `npm run test:one -- test/compile/render-pool.test.ts` (under tsx, worker threads cannot start on Node 20)');
  });
  afterEach(async () => {
    for (const t of running.splice(0)) await t.close();
    for (const d of dirs.splice(0)) removeDir(d);
  });

  it('a full and an incremental compile give byte-identical documents and validators in workers and on one thread', async () => {
    // Three origins (an onion among them), so every per-origin document and header is compared.
    const site = { ...sampleSite(), alternateOrigins: ['https://www.presstv.ir', 'http://presstvexample2345abcdefghij.onion'] };
    const a = makeDataDir({ site });
    const b = makeDataDir({ site });
    dirs.push(a, b);
    let now = Date.parse('2026-11-20T10:00:00Z');
    const clock = () => now;
    const workers = track(await start(a, { clock }));
    const single = track(await start(b, { clock, renderThreads: 0 }));
    expect(workers.service.compiler.renderer.threads(), 'the workers path ran').to.be.greaterThan(0);
    expect(single.service.compiler.renderer.threads(), 'the one-thread path ran').to.equal(0);
    const full = snapshot(workers);
    expect(full.size).to.be.greaterThan(20);
    // Every document has its brotli body (made in the background), so br bytes are compared too.
    for (const docs of workers.service.compiler.current()?.documents.values() ?? []) for (const d of docs) expect(d.br.headers200['Content-Encoding']).to.equal('br');
    expect(full).to.deep.equal(snapshot(single));

    // Incremental: an edit, a new article and a removal, seen by both at the same instant.
    for (const dir of [a, b]) {
      writeArticle(dir, SEED, { ...seed(dir), title: 'Edited for the comparison' });
      writeArticle(dir, 'fresh.json', { ...seed(dir), id: 'fresh-1', path: '/fresh', title: 'A fresh article', published: '2016-07-10T08:00:00', tags: ['Fresh tag'] });
    }
    now += 90_000;
    const [ra, rb] = await Promise.all([workers.service.compiler.compile(), single.service.compiler.compile()]);
    await Promise.all([workers.service.compiler.brotliSettled(), single.service.compiler.brotliSettled()]);
    expect(ra.ok && rb.ok).to.equal(true);
    expect(ra.feedsChanged).to.deep.equal(rb.feedsChanged);
    expect(ra.feedsChanged).to.include.members(['', 'sections/news/russia', 'tags/fresh-tag']);
    const incremental = snapshot(workers);
    expect(incremental).to.deep.equal(snapshot(single));
    expect(incremental.get('/rss.xml')).to.not.deep.equal(full.get('/rss.xml'));
    // What readers see: the same ETag and Last-Modified from both servers, on every origin.
    for (const path of ['/rss.xml', '/sections/news/russia/atom.xml', '/tags/fresh-tag/feed.json', '/feeds.opml', '/']) {
      for (const host of ['www.presstv.com', 'www.presstv.ir', 'presstvexample2345abcdefghij.onion']) {
        const [x, y] = await Promise.all([get(workers.port, path, { Host: host, 'Accept-Encoding': 'br' }), get(single.port, path, { Host: host, 'Accept-Encoding': 'br' })]);
        expect(x.status, path).to.equal(200);
        expect([x.headers.etag, x.headers['last-modified']], `${host}${path}`).to.deep.equal([y.headers.etag, y.headers['last-modified']]);
        expect(x.body.equals(y.body), `${host}${path}`).to.equal(true);
      }
    }
  });

  it('a worker that exits in the middle of a render: the compile reports it, the last good documents stay live, the pool replaces the worker, the next compile publishes', async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const t = track(await start(dir, { renderThreads: 2 }));
    const pool = t.service.compiler.renderer;
    expect(pool.threads()).to.equal(2);
    const before = await Promise.all(['/sections/news/russia/rss.xml', '/sections/news/russia/atom.xml', '/rss.xml'].map((p) => get(t.port, p)));
    writeArticle(dir, SEED, { ...seed(dir), title: 'Edited while a worker died' });
    // The worker that renders this feed stops after writing its first document, as an
    // out-of-memory kill would stop it: no answer, no clean-up.
    pool.injectFault('sections/news/russia', 'exit');
    const failed = await t.service.compiler.compile();
    expect(failed.published).to.equal(true);
    expect(failed.ok).to.equal(false);
    expect(failed.failedFeeds.map((f) => [f.scope, f.code])).to.deep.equal([['sections/news/russia', 'RENDER_WORKER_STOPPED']]);
    expect(failed.failedFeeds[0]?.error).to.match(/render worker stopped/);
    // That feed's last good documents, with their validators; the others have the edit.
    const during = await Promise.all(['/sections/news/russia/rss.xml', '/sections/news/russia/atom.xml'].map((p) => get(t.port, p)));
    during.forEach((r, i) => {
      expect(r.status).to.equal(200);
      expect(r.headers.etag).to.equal(before[i]?.headers.etag);
      expect(r.headers['last-modified']).to.equal(before[i]?.headers['last-modified']);
      expect(r.text).to.not.include('Edited while a worker died');
    });
    expect((await get(t.port, '/rss.xml')).text).to.include('Edited while a worker died');
    const health = (await healthOf(t.port)) as { status: string; lastCompile: { failedFeeds: string[]; feedFailures: { scope: string; code: string; reason: string }[] } };
    expect(health.status).to.equal('degraded');
    expect(health.lastCompile.failedFeeds).to.deep.equal(['sections/news/russia']);
    expect(health.lastCompile.feedFailures).to.deep.equal([{ scope: 'sections/news/russia', code: 'RENDER_WORKER_STOPPED', reason: health.lastCompile.feedFailures[0]?.reason }]);
    expect(health.lastCompile.feedFailures[0]?.reason).to.match(/render worker stopped/);
    // The pool started a replacement; the next compile (no new write) retries the feed.
    const retried = await t.service.compiler.compile({ files: false });
    expect(retried.ok).to.equal(true);
    expect(retried.feedsChanged).to.deep.equal(['sections/news/russia']);
    expect(pool.threads()).to.equal(2);
    const after = await get(t.port, '/sections/news/russia/rss.xml');
    expect(after.text).to.include('Edited while a worker died');
    expect(after.headers.etag).to.not.equal(before[0]?.headers.etag);
    expect(JSON.parse((await get(t.port, '/healthz')).text).status).to.equal('ok');
  });

  it('an exception in a render fails that feed only; the worker keeps working', async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const t = track(await start(dir, { renderThreads: 1 }));
    const pool = t.service.compiler.renderer;
    const before = await get(t.port, '/tags/syria/rss.xml');
    writeArticle(dir, SEED, { ...seed(dir), title: 'Edited while a render threw' });
    pool.injectFault('tags/syria', 'throw');
    const failed = await t.service.compiler.compile();
    expect(failed.failedFeeds.map((f) => [f.scope, f.code])).to.deep.equal([['tags/syria', 'RENDER_FAILED']]);
    expect((await get(t.port, '/tags/syria/rss.xml')).headers.etag).to.equal(before.headers.etag);
    expect(pool.threads()).to.equal(1);
    const retried = await t.service.compiler.compile({ files: false });
    expect(retried.ok).to.equal(true);
    expect((await get(t.port, '/tags/syria/rss.xml')).text).to.include('Edited while a render threw');
  });

  it('a worker that dies during a full re-render: the restored set stays live with its ETags, the next compile publishes everything', async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const first = await start(dir, { renderThreads: 2 });
    const before = await get(first.port, '/rss.xml');
    await first.close();
    writeFileSync(join(dir, 'site.json'), JSON.stringify({ ...sampleSite(), description: 'A new description' }));
    const t = track(await start(dir, { renderThreads: 2, compile: false }));
    t.service.compiler.renderer.start();
    // Let the workers come up so the fault reaches them before the re-render starts.
    await waitUntil('both render workers up', () => t.service.compiler.renderer.threads() >= 2);
    t.service.compiler.renderer.injectFault('', 'exit');
    const failed = await t.service.compiler.compile();
    expect(failed.failedFeeds.map((f) => f.scope)).to.deep.equal(['']);
    const stale = await get(t.port, '/rss.xml');
    expect(stale.headers.etag).to.equal(before.headers.etag);
    expect(stale.text).to.not.include('A new description');
    expect((await get(t.port, '/sections/news/rss.xml')).text).to.include('A new description');
    const retried = await t.service.compiler.compile();
    expect(retried.ok).to.equal(true);
    expect((await get(t.port, '/rss.xml')).text).to.include('A new description');
  });

  it('background brotli work never holds up a render: a feed submitted behind a backlog of it is rendered first', async () => {
    const dir = makeDataDir();
    dirs.push(dir);
    const t = track(await start(dir, { renderThreads: 2 }));
    const pool = t.service.compiler.renderer;
    const rss = t.service.compiler.current()?.documents.get('/rss.xml')?.[0];
    expect(rss).to.not.equal(undefined);
    // A backlog of background work: the site feed's brotli body, 200 times over.
    let made = 0;
    const backlog = Array.from({ length: 200 }, () => pool.encodeBrotli({ hash: rss?.hash as string }).then((r) => {
      made += 1;
      return r;
    }));
    const feeds = t.service.compiler.current()?.feeds ?? [];
    const tag = feeds.find((f) => f.scope.key === 'tags/syria');
    const rendered = await pool.renderFeed({ key: 'tags/syria', label: tag?.scope.label ?? 'Syria', startedAt: Date.now() });
    expect(rendered.documents.map((d) => d.path)).to.include('/tags/syria/rss.xml');
    // At most one background task per worker ran beside it: most of the backlog still waits.
    const doneWhenRendered = made;
    expect(doneWhenRendered, `${doneWhenRendered} of 200 brotli bodies made before the render`).to.be.lessThan(100);
    // Dropped work resolves undefined; the rest is made, each the same bytes.
    pool.dropBrotli([rss?.hash as string]);
    const results = await Promise.all(backlog);
    const sizes = new Set(results.filter((r) => r !== undefined).map((r) => r?.size));
    expect(sizes.size).to.equal(1);
    expect(results.filter((r) => r === undefined).length, 'queued work dropped').to.be.greaterThan(0);
  });

  it('while a full re-render of a few thousand articles runs in workers, a reader polling over node:http keeps getting answers', async () => {
    const dir = makeDataDir({ copySample: false, articles: {} });
    dirs.push(dir);
    await generateArchive({ dir, articles: 2000 });
    // Every article and every feed, with 20 items a feed rather than 50: the same work per item,
    // in a test that stays well within its time on a shared two-core machine.
    const generated = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'site.json'), JSON.stringify({ ...generated, itemLimit: 20 }));
    const first = await start(dir, { brotli: false });
    await first.close();
    // Other settings: the restarted service serves the last set while it renders every feed again.
    const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'site.json'), JSON.stringify({ ...site, description: 'Re-rendered while readers poll' }));
    const t = track(await start(dir, { compile: false }));
    const served = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(served.status).to.equal(200);
    const answers: number[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const r = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(served.headers.etag) });
        if (r.status === 200 || r.status === 304) answers.push(performance.now());
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const t0 = performance.now();
    const report = await t.service.compiler.compile();
    const t1 = performance.now();
    polling = false;
    await poller;
    expect(report.ok).to.equal(true);
    expect(t.service.compiler.renderer.threads()).to.be.greaterThan(0);
    expect(report.feedsRendered).to.equal(t.service.compiler.current()?.feeds.length);
    expect(report.feedsRendered).to.be.greaterThan(500);
    const during = answers.filter((at) => at >= t0 && at <= t1);
    // Answers kept coming: many of them, and some in every quarter of the compile.
    expect(during.length, `${during.length} answers during a ${Math.round(t1 - t0)} ms compile`).to.be.greaterThan(40);
    for (let q = 0; q < 4; q += 1) {
      const from = t0 + ((t1 - t0) * q) / 4;
      const to = t0 + ((t1 - t0) * (q + 1)) / 4;
      expect(during.filter((at) => at >= from && at <= to).length, `answers in quarter ${q + 1} of the compile`).to.be.greaterThan(0);
    }
    expect((await get(t.port, '/rss.xml')).text).to.include('Re-rendered while readers poll');
  });
});
