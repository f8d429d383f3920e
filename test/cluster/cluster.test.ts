// Three real `feedwright serve` processes on one PostgreSQL store (issue 11): a write through any
// instance is served by every instance with identical bytes, ETag and Last-Modified, one
// instance's validators give 304 on the others, edits and removals agree everywhere, and an
// instance started later serves the current set from its first answer; two instances started
// at the same instant on an empty database both come up.
import { expect } from 'chai';
import { request } from 'node:http';
import { get, makeDataDir } from '../support/fixtures.js';
import { allReady, AUTH, clusterSuite, fromAll, health, startInstance, until, untilAllAgree, type Instance } from '../support/cluster.js';

/** A conditional GET with node:http (not fetch, which adds Cache-Control: no-cache). */
function conditional(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; etag: string | undefined; lastModified: string | undefined; length: number }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let length = 0;
      res.on('data', (c: Buffer) => (length += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, lastModified: res.headers['last-modified'], length }));
    });
    req.on('error', reject);
    req.end();
  });
}

const FEED = '/sections/news/iran';
const article = (title: string, published = '2016-07-14T09:00:00') => JSON.stringify({ path: `/Detail/${title.replace(/\W+/g, '-')}`, title, body: `<p>${title}.</p>`, published, section: ['News', 'Iran'], tags: ['Cluster'] });

/** Every instance gives the same status, bytes, ETag and Last-Modified for each path and coding. */
async function expectIdentical(instances: Instance[], paths: string[]): Promise<void> {
  for (const path of paths) {
    for (const coding of ['identity', 'gzip']) {
      const rs = await fromAll(instances, path, { 'Accept-Encoding': coding });
      const [first] = rs;
      for (const [n, r] of rs.entries()) {
        const where = `${path} (${coding}) on ${instances[n]?.name}`;
        expect(r.status, where).to.equal(200);
        expect(r.headers.etag, where).to.equal(first?.headers.etag);
        expect(r.headers['last-modified'], where).to.equal(first?.headers['last-modified']);
        expect(r.body.equals(first?.body as Buffer), `${where}: the bytes`).to.equal(true);
      }
    }
  }
}

describe('a cluster of feedwright serve processes on one PostgreSQL store', function () {
  this.timeout(240_000);
  const { schemas, dirs, instances } = clusterSuite();

  const urls = new Map<Instance, string>();
  const urlOf = (some: Instance[]) => urls.get(some[0] as Instance) as string;
  const start = async (names: string[]) => {
    const { url } = await schemas.create();
    for (const name of names) {
      const dir = makeDataDir();
      dirs.push(dir);
      const i = await startInstance(name, dir, url);
      urls.set(i, url);
      instances.push(i);
    }
    return instances;
  };

  it('serves a write through A identically on A, B and C; validators from A give 304 on B and C; edits and removals agree', async () => {
    const all = await start(['A', 'B', 'C']);
    const [a, b, c] = all as [Instance, Instance, Instance];
    await allReady(all);
    const roles = await Promise.all(all.map(async (i) => (await health(i)).body.cluster?.role));
    expect(roles.filter((r) => r === 'compiler'), `roles ${roles.join(', ')}`).to.have.length(1);

    // Write through A (whichever instance compiles).
    const put = await get(a.port, '/api/articles/cluster-one', AUTH, 'PUT', article('Cluster one written on A'));
    expect(put.status, put.text).to.equal(201);
    const written = await untilAllAgree(all, `${FEED}/rss.xml`, (t) => t.includes('Cluster one written on A'));
    const paths = [`${FEED}/rss.xml`, `${FEED}/atom.xml`, `${FEED}/feed.json`, '/tags/cluster/rss.xml', '/rss.xml', '/feeds.opml'];
    for (const p of paths) await untilAllAgree(all, p, () => true);
    await expectIdentical(all, paths);

    // A's validators, on B and C: 304 with the same validators and no body.
    const fromA = await get(a.port, `${FEED}/atom.xml`, { 'Accept-Encoding': 'gzip' });
    for (const other of [b, c]) {
      const byTag = await conditional(other.port, `${FEED}/atom.xml`, { 'Accept-Encoding': 'gzip', 'If-None-Match': fromA.headers.etag as string });
      expect([byTag.status, byTag.etag, byTag.lastModified, byTag.length], other.name).to.deep.equal([304, fromA.headers.etag, fromA.headers['last-modified'], 0]);
      const byDate = await conditional(other.port, `${FEED}/atom.xml`, { 'Accept-Encoding': 'gzip', 'If-Modified-Since': fromA.headers['last-modified'] as string });
      expect(byDate.status, other.name).to.equal(304);
    }

    // An edit through B: the new bytes and one Last-Modified everywhere.
    const edit = await get(b.port, '/api/articles/cluster-one', AUTH, 'PUT', article('Cluster one edited on B'));
    expect(edit.status, edit.text).to.equal(200);
    const edited = await untilAllAgree(all, `${FEED}/rss.xml`, (t) => t.includes('Cluster one edited on B') && !t.includes('written on A'));
    expect(new Set(edited.map((r) => r.headers['last-modified'])).size).to.equal(1);
    expect(edited[0]?.headers.etag).to.not.equal(written[0]?.headers.etag);
    await expectIdentical(all, paths);

    // A removal through C: gone everywhere, with one Last-Modified.
    const del = await get(c.port, '/api/articles/cluster-one', AUTH, 'DELETE');
    expect(del.status, del.text).to.equal(204);
    const removed = await untilAllAgree(all, `${FEED}/rss.xml`, (t) => !t.includes('Cluster one'));
    expect(new Set(removed.map((r) => r.headers['last-modified'])).size).to.equal(1);
    expect(removed[0]?.headers.etag).to.not.equal(edited[0]?.headers.etag);
    // Its tag feed had no other article: dropped on every instance (404), and out of the OPML.
    await until('/tags/cluster/rss.xml gone on every instance', 30_000, async () => ((await fromAll(all, '/tags/cluster/rss.xml')).every((r) => r.status === 404) ? true : undefined));
    const opml = await untilAllAgree(all, '/feeds.opml', (t) => !t.includes('tags/cluster'));
    expect(opml[0]?.text).to.not.include('/tags/cluster/');
    await expectIdentical(all, paths.filter((p) => !p.startsWith('/tags/cluster/')));

    // A fourth instance serves the current set from its first answer: it reads the manifest and
    // fetches the bodies before it listens, and compiles nothing (it is a replica).
    const dir = makeDataDir();
    dirs.push(dir);
    const d = await startInstance('D', dir, urlOf(all));
    instances.push(d);
    const first = await until('D answering', 60_000, async () => get(d.port, `${FEED}/rss.xml`).catch(() => undefined));
    expect([first.status, first.headers.etag], 'D\'s first answer').to.deep.equal([200, removed[0]?.headers.etag]);
    expect((await health(d)).body.cluster?.role).to.equal('replica');
  });

  it('two instances started at the same instant on an empty database both come up, one compiling', async () => {
    const both = await start(['P', 'Q']);
    await allReady(both);
    const roles = (await Promise.all(both.map(async (i) => (await health(i)).body.cluster?.role))).sort();
    expect(roles).to.deep.equal(['compiler', 'replica']);
    await untilAllAgree(both, '/rss.xml', () => true);
    await expectIdentical(both, ['/rss.xml', '/feed.json', '/']);
  });
});
