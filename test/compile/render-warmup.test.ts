// The render workers' start-up warm-up (issue 10: write → visible). A worker that starts with no
// task in hand renders and encodes the site feed once (RenderTasks.warmUp), so the first compile
// after a start runs compiled code with the feed's items prepared; it writes nothing and changes
// nothing that is served. Real worker threads: needs the built JavaScript.
import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRenderTasks } from '../../src/compile/render-task.js';
import { loadSiteConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import { get, makeDataDir, removeDir, startService, waitUntil, writeArticle, type TestService } from '../support/fixtures.js';

describe('render worker warm-up', function () {
  this.timeout(120_000);
  let dataDir: string;
  let t: TestService | undefined;
  before(() => {
    if (import.meta.url.endsWith('.ts')) throw new Error('needs the built JavaScript (worker threads): run `npm run test:one -- test/compile/render-warmup.test.ts`');
  });
  beforeEach(() => {
    dataDir = makeDataDir();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('each worker that starts idle warms up once, writing no body and changing nothing served; the next write publishes as always', async () => {
    t = await startService(dataDir);
    await t.close();
    const documents = join(dataDir, '.feedwright', 'documents');
    const filesBefore = readdirSync(documents).sort();
    t = await startService(dataDir, { compile: false });
    const before = await get(t.port, '/rss.xml');
    const renderer = t.service.compiler.renderer;
    renderer.start();
    expect(renderer.threads(), 'rendering in workers').to.be.greaterThan(0);
    await waitUntil('every worker warmed up', () => renderer.warmedUp() === renderer.threads());
    expect(readdirSync(documents).sort(), 'the warm-up wrote no body').to.deep.equal(filesBefore);
    const after = await get(t.port, '/rss.xml');
    expect([after.headers.etag, after.body.equals(before.body)]).to.deep.equal([before.headers.etag, true]);
    expect(t.service.compiler.lastReport(), 'no compile ran').to.equal(undefined);
    writeArticle(dataDir, 'after-warm-up.json', { id: 'after-warm-up', path: '/Detail/2016/07/12/after-warm-up', title: 'After the warm-up', body: '<p>New.</p>', published: '2016-07-12T09:00:00Z', section: ['News'] });
    expect((await t.service.compiler.compile()).ok).to.equal(true);
    expect((await get(t.port, '/rss.xml')).text).to.include('After the warm-up');
    expect(renderer.warmedUp(), 'once per worker start').to.equal(renderer.threads());
  });

  it('warmUp renders every format of the site feed for every origin from the store and returns how many documents it encoded', async () => {
    t = await startService(dataDir);
    const site = loadSiteConfig(dataDir);
    const reader = openSqliteStore(join(dataDir, 'feedwright.db'), { idPrefix: site.idPrefix, readOnly: true });
    try {
      const documents = join(dataDir, '.feedwright', 'documents');
      const filesBefore = readdirSync(documents).sort();
      const tasks = createRenderTasks({ site, periodSeconds: 900, baseDigest: 'warm-up-test', documentsDir: documents }, reader);
      // RSS, Atom, JSON Feed and the preview page, on each origin.
      expect(await tasks.warmUp(Date.now())).to.equal(4 * site.origins.length);
      expect(readdirSync(documents).sort()).to.deep.equal(filesBefore);
    } finally {
      await reader.close();
    }
  });
});
