// Store faults (issue 6): the store locked by another process during a compile, and one feed
// whose compile throws. Readers keep the last good documents, /healthz says degraded with the
// reason, and the next good compile recovers by itself.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { HEALTH_TOKEN, get, healthOf, makeDataDir, removeDir, startService, writeArticle, type TestService } from '../support/fixtures.js';

const SEED = 'russia-us-syria-coordination.json';

describe('store faults', function () {
  this.timeout(60_000);
  let dataDir: string;
  let t: TestService | undefined;
  beforeEach(() => {
    dataDir = makeDataDir();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('a store locked by another process: the last good documents stay live, health is degraded, the next compile recovers', async () => {
    t = await startService(dataDir, { apiToken: HEALTH_TOKEN });
    const before = await get(t.port, '/sections/news/russia/rss.xml');
    const edited = JSON.parse(readFileSync(join(dataDir, 'articles', SEED), 'utf8')) as Record<string, unknown>;
    writeArticle(dataDir, SEED, { ...edited, title: 'Edited while the store was locked' });
    const other = new Database(join(dataDir, 'feedwright.db'));
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN EXCLUSIVE');
    try {
      const failed = await t.service.compiler.compile();
      expect(failed.ok).to.equal(false);
      expect(failed.error).to.match(/locked|busy/i);
      const during = await get(t.port, '/sections/news/russia/rss.xml');
      expect(during.status).to.equal(200);
      expect(during.headers.etag).to.equal(before.headers.etag);
      const health = (await healthOf(t.port)) as { status: string; lastCompile: { ok: boolean; error?: { code: string; reason: string } } };
      expect(health.status).to.equal('degraded');
      expect(health.lastCompile.error?.code).to.equal('STORE_QUERY');
      expect(health.lastCompile.error?.reason).to.match(/store/);
      // The reason reaches operators without driver text in the HTTP body.
      expect(JSON.stringify(health)).to.not.match(/SQLITE_BUSY|database is locked/);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const recovered = await t.service.compiler.compile();
    expect(recovered.ok).to.equal(true);
    expect((await get(t.port, '/sections/news/russia/rss.xml')).text).to.include('Edited while the store was locked');
    expect(JSON.parse((await get(t.port, '/healthz')).text).status).to.equal('ok');
  });

  it('a compile that throws for one feed: the other feeds still publish, that feed keeps its last good documents and is retried', async () => {
    t = await startService(dataDir, { apiToken: HEALTH_TOKEN });
    const store = t.service.store;
    const russiaBefore = await get(t.port, '/sections/news/russia/rss.xml');
    const realNewest = store.newestInScope.bind(store);
    const realDigests = store.newestDigestsInScope.bind(store);
    let failing = true;
    // The compiling thread's reads of that feed (its change check reads digests only; a render
    // on this thread reads the articles) fail.
    store.newestInScope = async (scope, limit, visibleAt) => {
      if (failing && scope === 'sections/news/russia') throw new Error('simulated failure for one feed');
      return realNewest(scope, limit, visibleAt);
    };
    store.newestDigestsInScope = async (scope, limit, visibleAt) => {
      if (failing && scope === 'sections/news/russia') throw new Error('simulated failure for one feed');
      return realDigests(scope, limit, visibleAt);
    };
    const edited = JSON.parse(readFileSync(join(dataDir, 'articles', SEED), 'utf8')) as Record<string, unknown>;
    writeArticle(dataDir, SEED, { ...edited, title: 'Edited with one feed failing' });
    const report = await t.service.compiler.compile();
    expect(report.published).to.equal(true);
    expect(report.ok).to.equal(false);
    expect(report.failedFeeds.map((f) => f.scope)).to.deep.equal(['sections/news/russia']);
    expect((await get(t.port, '/rss.xml')).text).to.include('Edited with one feed failing');
    expect((await get(t.port, '/sections/news/rss.xml')).text).to.include('Edited with one feed failing');
    const russiaDuring = await get(t.port, '/sections/news/russia/rss.xml');
    expect(russiaDuring.headers.etag).to.equal(russiaBefore.headers.etag);
    expect((await healthOf(t.port)).lastCompile.failedFeeds).to.deep.equal(['sections/news/russia']);
    failing = false;
    const retried = await t.service.compiler.compile({ files: false });
    expect(retried.ok).to.equal(true);
    expect(retried.feedsChanged).to.include('sections/news/russia');
    expect((await get(t.port, '/sections/news/russia/rss.xml')).text).to.include('Edited with one feed failing');
  });
});
