// Losing the database (issue 11): three serve processes on a PostgreSQL server of the test's own,
// which the test stops while they serve. They keep serving their last set (200 and 304 with the
// same validators), answer API writes with 503, Retry-After and problem+json, say degraded in
// /healthz, and recover by themselves when the server is back: a write is then published everywhere.
import { expect } from 'chai';
import { builtCli } from '../support/paths.js';
import { get, makeDataDir, removeDir } from '../support/fixtures.js';
import { needPostgres } from '../support/pg.js';
import { allReady, AUTH, health, outputOf, startInstance, startOwnPostgres, stopInstance, until, untilAllAgree, type Instance, type OwnPostgres } from '../support/cluster.js';

const article = JSON.stringify({ path: '/Detail/after-the-outage', title: 'Written after the outage', body: '<p>Back.</p>', published: '2016-07-15T09:00:00', section: ['News', 'Iran'] });

describe('a cluster losing its PostgreSQL server (real processes)', function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  let instances: Instance[] = [];
  let pg: OwnPostgres | undefined;
  before(async function () {
    builtCli();
    await needPostgres(this);
    pg = await startOwnPostgres(this);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(outputOf(instances));
    await Promise.all(instances.map(stopInstance));
    instances = [];
    dirs.splice(0).forEach(removeDir);
  });
  after(() => pg?.remove());

  it('keeps serving 200 and 304 without the database, answers writes 503, and publishes everywhere once it is back', async () => {
    const own = pg as OwnPostgres;
    for (const name of ['A', 'B', 'C']) {
      const dir = makeDataDir();
      dirs.push(dir);
      instances.push(await startInstance(name, dir, own.url));
    }
    const all = instances;
    await allReady(all);
    const before = await untilAllAgree(all, '/rss.xml', () => true);
    const etag = before[0]?.headers.etag as string;
    const lastModified = before[0]?.headers['last-modified'] as string;

    own.pause();
    await until('every instance degraded', 60_000, async () => ((await Promise.all(all.map(health))).every((h) => h.body.status === 'degraded' && h.body.cluster?.database === 'unreachable') ? true : undefined));
    for (const i of all) {
      const r = await get(i.port, '/rss.xml');
      expect([r.status, r.headers.etag, r.headers['last-modified']], i.name).to.deep.equal([200, etag, lastModified]);
      expect(r.body.equals(before[0]?.body as Buffer), `${i.name}: the same bytes`).to.equal(true);
      const cond = await get(i.port, '/rss.xml', { 'If-None-Match': etag });
      expect([cond.status, cond.headers.etag], i.name).to.deep.equal([304, etag]);
      const put = await get(i.port, '/api/articles/after-outage', AUTH, 'PUT', article);
      expect(put.status, `${i.name}: ${put.text}`).to.equal(503);
      expect(put.headers['retry-after'], i.name).to.match(/^\d+$/);
      expect(put.headers['content-type'], i.name).to.match(/^application\/problem\+json/);
      expect(JSON.parse(put.text)).to.include({ status: 503 });
    }
    for (const i of all) expect(i.child.exitCode, `${i.name} still running`).to.equal(null);

    own.resume();
    // Back by themselves: the first write that is taken is published everywhere.
    await until('a write taken through B', 60_000, async () => {
      const put = await get((all[1] as Instance).port, '/api/articles/after-outage', AUTH, 'PUT', article);
      return put.status === 201 || put.status === 200 ? true : undefined;
    });
    await untilAllAgree(all, '/sections/news/iran/rss.xml', (t) => t.includes('Written after the outage'), 60_000);
    await until('every instance ok again, one compiling', 60_000, async () => {
      const hs = await Promise.all(all.map(health));
      return hs.every((h) => h.body.status === 'ok') && hs.filter((h) => h.body.cluster?.role === 'compiler').length === 1 ? true : undefined;
    });
  });
});
