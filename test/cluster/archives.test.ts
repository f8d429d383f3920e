// RFC 5005 archives on a cluster (issue 14): every instance, the replica included, renders and
// serves a month's archive itself with the same bytes and validators, and an edit to an old
// article written through one instance reaches that month's archive on every instance while the
// other months keep their ETags.
import { expect } from 'chai';
import { get } from '../support/fixtures.js';
import { allReady, AUTH, clusterSuite, fromAll, health, untilAllAgree } from '../support/cluster.js';

const ARCHIVE = '/sections/news/iran/archive';
const article = (title: string, published: string, body = `<p>${title}.</p>`) => JSON.stringify({ path: `/Detail/${title.replace(/\W+/g, '-')}`, title, body, published, section: ['News', 'Iran'] });

describe('RFC 5005 archives on a cluster of feedwright serve processes', function () {
  this.timeout(240_000);
  const { schemas, instances, startAll } = clusterSuite();

  it('a replica serves the same archive bytes and ETag as the compiler, and sees an edit to an old article in that month only', async () => {
    const { url } = await schemas.create();
    await startAll(['A', 'B'], url);
    await allReady(instances);
    const roles = (await Promise.all(instances.map(async (i) => (await health(i)).body.cluster?.role))).sort();
    expect(roles).to.deep.equal(['compiler', 'replica']);
    const [a] = instances;
    for (const [id, published] of [['old-march', '2016-03-10T10:00:00'], ['old-april', '2016-04-10T10:00:00']] as const) {
      const put = await get(a!.port, `/api/articles/${id}`, AUTH, 'PUT', article(`Archived ${id}`, published));
      expect(put.status, put.text).to.equal(201);
    }
    // Every instance has the new set, then renders the archives itself.
    await untilAllAgree(instances, '/sections/news/iran/rss.xml', (t) => t.includes('old-april'));
    const march = await untilAllAgree(instances, `${ARCHIVE}/2016/03/rss.xml`, (t) => t.includes('Archived old-march'));
    const april = await untilAllAgree(instances, `${ARCHIVE}/2016/04/atom.xml`, (t) => t.includes('Archived old-april'));
    for (const rs of [march, april]) {
      const [first] = rs;
      for (const r of rs) {
        expect(r.headers['last-modified']).to.equal(first?.headers['last-modified']);
        expect(r.body.equals(first?.body as Buffer)).to.equal(true);
      }
    }
    // The edit, through A's API (whichever role A has).
    const edit = await get(a!.port, '/api/articles/old-april', AUTH, 'PUT', article('Archived old-april', '2016-04-10T10:00:00', '<p>Corrected.</p>'));
    expect(edit.status, edit.text).to.equal(200);
    const edited = await untilAllAgree(instances, `${ARCHIVE}/2016/04/atom.xml`, (t) => t.includes('Corrected.'));
    expect(edited[0]?.headers.etag).not.to.equal(april[0]?.headers.etag);
    const marchAfter = await fromAll(instances, `${ARCHIVE}/2016/03/rss.xml`);
    for (const r of marchAfter) expect(r.headers.etag).to.equal(march[0]?.headers.etag);
  });
});
