// A request the fast path finds no published set for is answered 503 (starting), even when the
// first set is swapped in while the app is still looking for a static file of that name: found
// as a "C: 404" by the cluster failover test, where a replica installed its first set meanwhile.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { loadSiteConfig } from '../../src/config.js';
import { createApp } from '../../src/http/app.js';
import { createRequestListener } from '../../src/http/server.js';
import type { PublishedSet } from '../../src/publish/published-set.js';
import { ROOT, get, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';

describe('a request that arrives before the first published set', () => {
  let dir: string;
  let t: TestService | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await t?.close();
    removeDir(dir);
  });

  it('gets 503 with Retry-After, not 404, when the set is swapped in while the app looks for a static file', async () => {
    dir = makeDataDir({ copySample: true });
    t = await startService(dir);
    const compiler = t.service.compiler;
    const published = compiler.current() as PublishedSet;
    expect(published.documents.has('/rss.xml')).to.equal(true);
    // The served set as a replica holds it: none yet, then the first one, swapped in by reference.
    let served: PublishedSet | undefined;
    const source = { current: () => served, lastReport: () => compiler.lastReport(), brotliPending: () => 0, damaged: () => [], reportBodyFault: () => {} };
    const app = createApp({ compiler: source, publicDir: join(ROOT, 'public'), startedAt: Date.now(), api: { token: undefined, store: t.service.store, writer: t.service.writer } });
    const listener = createRequestListener({ site: loadSiteConfig(dir), current: () => served, app, bodies: t.service.bodies, periodSeconds: 60, logError: () => {} });
    server = createServer((req, res) => {
      listener(req, res);
      // The fast path has handed the request to the app, which stats public/rss.xml off this
      // thread: the first set arrives now.
      served = published;
    });
    const port = await new Promise<number>((r) => server?.listen(0, '127.0.0.1', () => r((server?.address() as { port: number }).port)));
    const first = await get(port, '/rss.xml');
    expect(first.status, first.text).to.equal(503);
    expect(first.headers['retry-after']).to.equal('5');
    // Later requests find the set.
    const later = await get(port, '/rss.xml');
    expect(later.status).to.equal(200);
    const missing = await get(port, '/no-such-feed.xml');
    expect(missing.status).to.equal(404);
  });
});
