// The built-in hub in a cluster (issue 14): two instances on one PostgreSQL store. Either takes
// subscriptions (stored in PostgreSQL); only the compiling instance delivers, once per change.
import { expect } from 'chai';
import { join } from 'node:path';
import { createClusterService, type ClusterService } from '../../src/cluster/cluster-service.js';
import { loadSiteConfig } from '../../src/config.js';
import { openPgStore } from '../../src/store/pg-store.js';
import { get, makeDataDir, removeDir, ROOT, sampleSite, waitUntil } from '../support/fixtures.js';
import { needPostgres, TestSchemas } from '../support/pg.js';
import { startSubscriber } from './subscriber.js';

describe('the built-in WebSub hub in a cluster (issue 14)', function () {
  this.timeout(180_000);
  const schemas = new TestSchemas();
  const dirs: string[] = [];
  const running: ClusterService[] = [];
  before(function () {
    return needPostgres(this);
  });
  after(async () => {
    for (const s of running.reverse()) await s.close().catch(() => {});
    dirs.forEach(removeDir);
    await schemas.dropAll();
  });

  it('takes a subscription on a replica and delivers each change once, from the compiler', async () => {
    const { url } = await schemas.create();
    const ports: number[] = [];
    for (const name of ['a', 'b']) {
      const dir = makeDataDir({ site: { ...sampleSite(), hub: 'builtin', hubCallbackAllowPrivate: true } });
      dirs.push(dir);
      const site = loadSiteConfig(dir);
      const store = await openPgStore(url, { idPrefix: site.idPrefix });
      const service = createClusterService({ site, store, documentsDir: join(dir, `documents-${name}`), cacheBytes: 16 * 1024 * 1024, campaign: name === 'a', renderThreads: 0, articlesDir: join(dir, 'articles'), publicDir: join(ROOT, 'public'), schedule: false, pollMs: 100, log: () => {} });
      running.push(service);
      ports.push(await service.listen(0, '127.0.0.1'));
      if (name === 'a') {
        const compiler = await service.node.whenCompiler();
        await compiler.compile();
      }
    }
    const [a, b] = running as [ClusterService, ClusterService];
    const [, portB] = ports as [number, number];
    await waitUntil('the replica serves the set', () => b.node.current() !== undefined && b.node.role() === 'replica');
    const sub = await startSubscriber();
    try {
      const topic = 'https://www.presstv.ir/tags/books/feed.json';
      const form = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.callback': `${sub.base}/cb`, 'hub.secret': 'k' }).toString();
      // Not a topic yet: no article is tagged Books.
      expect((await get(portB, '/websub', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'POST', form)).status).to.equal(400);
      const article = (n: number) => ({ id: `books-${n}`, path: `/Detail/books-${n}`, title: `Books ${n}`, body: `<p>Books ${n}</p>`, published: `2016-07-1${n}T10:00:00+04:30`, tags: ['Books'] });
      await a.writer.put([article(1)]);
      await a.writer.flushed();
      await waitUntil('the replica has the Books feed', () => b.node.current()?.documents.has('/tags/books/feed.json'));
      expect((await get(portB, '/websub', { 'Content-Type': 'application/x-www-form-urlencoded' }, 'POST', form)).status).to.equal(202);
      await waitUntil('the subscription is in PostgreSQL', async () => (await a.store.listSubscriptions(Date.now(), topic)).length === 1);

      for (const n of [2, 3]) {
        await b.writer.put([article(n)]);
        await b.writer.flushed();
        await waitUntil(`the delivery of Books ${n}`, () => sub.of('/cb', 'POST').some((d) => d.body.toString().includes(`Books ${n}`)));
      }
      await a.hub?.whenIdle();
      await b.hub?.whenIdle();
      const bodies = sub.of('/cb', 'POST').map((d) => d.body.toString());
      expect(bodies, 'one delivery per change').to.have.length(2);
      expect(bodies[1]).to.include('Books 3');
      expect(JSON.parse(bodies[1] as string).feed_url).to.equal(topic);
    } finally {
      await new Promise((r) => sub.server.close(r));
    }
  });
});
