// WebSub pings in a cluster (issue 14): two real `feedwright serve` processes on one PostgreSQL
// store with a loopback test hub configured. A write through the replica is published by the
// compiling instance, and only it pings: the hub gets each changed topic once per origin, and the
// replica's own publisher (its /healthz) has sent nothing.
import { expect } from 'chai';
import { get, makeDataDir, sampleSite } from '../support/fixtures.js';
import { allReady, AUTH, clusterSuite, startInstance, TOKEN, until, type Instance } from '../support/cluster.js';
import { startTestHub, type TestHub } from '../support/websub-hub.js';

const ORIGINS = ['https://www.presstv.com', 'https://www.presstv.ir'];
const SCOPES = ['', '/sections/news', '/sections/news/iran', '/tags/websub-cluster'];
const CHANGED = SCOPES.flatMap((s) => ['rss.xml', 'atom.xml', 'feed.json'].flatMap((f) => ORIGINS.map((o) => `${o}${s}/${f}`))).sort();

async function webSubOf(i: Instance): Promise<{ role: string; hubs: { url: string; delivered: number; queued: number; inFlight: number; retrying: number; lastSuccess: unknown }[] }> {
  const body = JSON.parse((await get(i.port, '/healthz', { Authorization: `Bearer ${TOKEN}` })).text);
  return { role: body.cluster?.role, hubs: body.webSub?.hubs ?? [] };
}

describe('WebSub pings in a cluster (issue 14)', function () {
  this.timeout(300_000);
  const { schemas, dirs, instances } = clusterSuite();
  let hub: TestHub | undefined;
  after(async () => hub?.close());

  it('only the compiling instance pings, once per changed topic and origin', async () => {
    hub = await startTestHub();
    const { url } = await schemas.create();
    for (const name of ['a', 'b']) {
      const dir = makeDataDir({ site: { ...sampleSite(), hubs: [hub.url] } });
      dirs.push(dir);
      instances.push(await startInstance(name, dir, url));
      // The first instance compiles the sample first, so the second starts as its replica.
      if (name === 'a') await allReady(instances);
    }
    await allReady(instances);
    const roles = await until('one compiler and one replica', 60_000, async () => {
      const all = await Promise.all(instances.map(webSubOf));
      return all.filter((w) => w.role === 'compiler').length === 1 && all.some((w) => w.role === 'replica') ? all : undefined;
    });
    const compiler = instances[roles.findIndex((w) => w.role === 'compiler')] as Instance;
    const replica = instances[roles.findIndex((w) => w.role === 'replica')] as Instance;
    // The first publish's pings are done before the write.
    await until('the first pings delivered', 60_000, async () => {
      const [h] = (await webSubOf(compiler)).hubs;
      return h !== undefined && h.queued + h.inFlight + h.retrying === 0 && h.lastSuccess !== null ? true : undefined;
    });
    const mark = hub.received.length;
    const body = JSON.stringify({ path: '/Detail/websub-cluster', title: 'WebSub in a cluster', body: '<p>Pinged once.</p>', published: '2016-07-14T09:00:00', section: ['News', 'Iran'], tags: ['WebSub cluster'] });
    const put = await get(replica.port, '/api/articles/websub-cluster', AUTH, 'PUT', body);
    expect(put.status).to.equal(201);
    const received = await until('the hub hears of every changed topic', 120_000, async () => (hub!.received.length - mark >= CHANGED.length ? hub!.received.slice(mark) : undefined));
    await until('the compiler\'s pings settle', 60_000, async () => {
      const [h] = (await webSubOf(compiler)).hubs;
      return h !== undefined && h.queued + h.inFlight + h.retrying === 0 ? true : undefined;
    });
    expect(received.map((p) => p.topic as string).sort()).to.deep.equal(CHANGED);
    expect(hub.received.length - mark).to.equal(CHANGED.length);
    const [replicaHub] = (await webSubOf(replica)).hubs;
    expect(replicaHub).to.include({ url: hub.url, delivered: 0, queued: 0, inFlight: 0 });
    expect(replicaHub?.lastSuccess).to.equal(null);
  });
});
