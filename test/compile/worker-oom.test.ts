// A render worker killed by running out of memory (a real V8 heap-limit kill of the thread,
// ERR_WORKER_OUT_OF_MEMORY, not a simulated exit): only the feed it was rendering fails, its last
// good documents stay live with their validators, /healthz says degraded and why, the pool starts
// a replacement, and the next compile publishes the feed. Needs the built JavaScript (workers).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSiteConfig } from '../../src/config.js';
import { createService } from '../../src/service.js';
import { HEALTH_TOKEN, ROOT, get, healthOf, makeDataDir, removeDir, writeArticle } from '../support/fixtures.js';

const SEED = 'russia-us-syria-coordination.json';
const FEED = 'sections/news/russia';

describe('a render worker that runs out of memory', function () {
  this.timeout(180_000);
  let dir = '';
  let close: () => Promise<void> = async () => {};
  before(() => {
    if (import.meta.url.endsWith('.ts')) throw new Error('needs the built JavaScript (worker threads): run `npm run test:one -- test/compile/worker-oom.test.ts`');
  });
  after(async () => {
    await close();
    removeDir(dir);
  });

  it('fails that feed only, keeps its last good documents, reports it, and the next compile publishes it', async () => {
    dir = makeDataDir();
    const lines: string[] = [];
    const service = createService({
      site: loadSiteConfig(dir),
      databaseFile: join(dir, 'feedwright.db'),
      articlesDir: join(dir, 'articles'),
      publicDir: join(ROOT, 'public'),
      schedule: false,
      log: (line) => lines.push(line),
      // /healthz gives its details only with the API token.
      apiToken: HEALTH_TOKEN,
      // Both workers arm the fault, so the retry on the other worker runs out of memory too;
      // a small heap makes the kill quick.
      renderThreads: 2,
      renderHeapMb: 64,
    });
    close = () => service.close();
    const port = await service.listen(0, '127.0.0.1');
    expect((await service.compiler.compile()).ok).to.equal(true);
    const pool = service.compiler.renderer;
    expect(pool.threads()).to.equal(2);
    const path = `/${FEED}/rss.xml`;
    const before = await get(port, path);
    expect(before.status).to.equal(200);

    const seed = JSON.parse(readFileSync(join(dir, 'articles', SEED), 'utf8')) as Record<string, unknown>;
    writeArticle(dir, SEED, { ...seed, title: 'Edited while a worker ran out of memory' });
    pool.injectFault(FEED, 'oom');
    const failed = await service.compiler.compile();
    expect(failed.ok).to.equal(false);
    expect(failed.published, 'the other feeds were published').to.equal(true);
    expect(failed.failedFeeds.map((f) => [f.scope, f.code])).to.deep.equal([[FEED, 'RENDER_OUT_OF_MEMORY']]);
    expect(failed.failedFeeds[0]?.error).to.match(/memory/i);
    expect(lines.join('\n')).to.match(/render worker stopped \(.*memory.*\); starting a replacement/i);

    const during = await get(port, path);
    expect(during.status).to.equal(200);
    expect(during.headers.etag).to.equal(before.headers.etag);
    expect(during.headers['last-modified']).to.equal(before.headers['last-modified']);
    expect(during.text).to.not.include('Edited while a worker ran out of memory');
    expect((await get(port, '/rss.xml')).text, 'the site feed has the edit').to.include('Edited while a worker ran out of memory');
    const health = (await healthOf(port)) as { status: string; lastCompile: { feedFailures: { scope: string; code: string; reason: string }[] } };
    expect(health.status).to.equal('degraded');
    expect(health.lastCompile.feedFailures.map((f) => [f.scope, f.code])).to.deep.equal([[FEED, 'RENDER_OUT_OF_MEMORY']]);
    expect(health.lastCompile.feedFailures[0]?.reason).to.match(/memory/i);

    // Replacements are running and the next compile (no new write) renders the feed again.
    const retried = await service.compiler.compile({ files: false });
    expect(retried.ok).to.equal(true);
    expect(retried.feedsChanged).to.deep.equal([FEED]);
    expect(pool.threads()).to.equal(2);
    const after = await get(port, path);
    expect(after.text).to.include('Edited while a worker ran out of memory');
    expect(after.headers.etag).to.not.equal(before.headers.etag);
    expect(JSON.parse((await get(port, '/healthz')).text).status).to.equal('ok');
  });
});
