// RFC 5005 archives over a real listening server: a reader-side walker that follows
// prev-archive (JSON Feed: next_url) from a section's subscription document reconstructs every
// item exactly once in all three formats; month boundaries in Pacific/Apia (+13); closed months
// are immutable and answer 304 to their own validators; an edit to an old article changes only
// its month's archive; a month with no items is a 404 problem.
import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import { parseStringPromise } from 'xml2js';
import { get, makeDataDir, removeDir, sampleSite, startService, waitUntil, writeArticle, type TestResponse, type TestService } from '../support/fixtures.js';

/** Russia's articles, local times in Pacific/Apia; no item in May. */
const RUSSIA: Record<string, string> = {
  r1: '2016-03-10T10:00:00',
  r2: '2016-03-20T10:00:00',
  r3: '2016-04-05T10:00:00',
  // 23:30 on 30 June and 00:30 on 1 July, Apia time (+13): both 30 June in UTC.
  r4: '2016-06-30T23:30:00',
  r5: '2016-07-01T00:30:00',
  r6: '2016-07-15T10:00:00',
  r7: '2016-08-02T10:00:00',
  r8: '2016-08-20T10:00:00',
};
const PREFIX = 'tag:presstv.com,2007:';
const SUB = '/sections/news/russia';

function articleOf(id: string, published: string, section: string[], body = `<p>Story ${id}.</p>`): Record<string, unknown> {
  return { id, path: `/Detail/${id}`, title: `Story ${id}`, body, published, section };
}

function header(r: TestResponse, name: string): string {
  const v = r.headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/** The path of an absolute URL on the site. */
const pathOf = (href: string) => new URL(href).pathname;

interface Walked {
  /** Item ids per archive document visited, newest month first. */
  archives: { path: string; ids: string[]; next?: string; current?: string }[];
  subscriptionIds: string[];
}

/** Links by rel of an RSS channel (atom:link) or an Atom feed (link). */
function relsOf(links: { $: { rel?: string; href: string } }[] | undefined): Map<string, string> {
  return new Map((links ?? []).map((l) => [l.$.rel ?? 'alternate', l.$.href]));
}

/** Reads one document of any of the three formats: its ids, prev (older), next (newer), current, and whether it says it is an archive. */
async function readDoc(port: number, path: string, format: 'rss' | 'atom' | 'json'): Promise<{ ids: string[]; older?: string; newer?: string; current?: string; archive: boolean }> {
  const r = await get(port, path);
  expect(r.status, path).to.equal(200);
  if (format === 'json') {
    const doc = JSON.parse(r.text) as { items: { id: string }[]; next_url?: string; _rfc5005?: { archive: boolean; current: string; next_archive?: string } };
    return { ids: doc.items.map((i) => i.id), ...(doc.next_url ? { older: doc.next_url } : {}), ...(doc._rfc5005?.next_archive ? { newer: doc._rfc5005.next_archive } : {}), ...(doc._rfc5005 ? { current: doc._rfc5005.current } : {}), archive: doc._rfc5005?.archive === true };
  }
  const xml = await parseStringPromise(r.text);
  if (format === 'rss') {
    const channel = xml.rss.channel[0];
    const rels = relsOf(channel['atom:link']);
    const ids = (channel.item ?? []).map((i: { guid: { _: string }[] }) => i.guid[0]?._ as string);
    return { ids, older: rels.get('prev-archive'), newer: rels.get('next-archive'), current: rels.get('current'), archive: channel['fh:archive'] !== undefined };
  }
  const feed = xml.feed;
  const rels = relsOf(feed.link);
  const ids = (feed.entry ?? []).map((e: { id: string[] }) => e.id[0] as string);
  return { ids, older: rels.get('prev-archive'), newer: rels.get('next-archive'), current: rels.get('current'), archive: feed['fh:archive'] !== undefined };
}

/** The reader: starts at the subscription document and follows towards older archives until none is left. */
async function walk(port: number, format: 'rss' | 'atom' | 'json', file: string): Promise<Walked> {
  const sub = await readDoc(port, `${SUB}/${file}`, format);
  expect(sub.archive, 'the subscription document is not an archive').to.equal(false);
  const walked: Walked = { archives: [], subscriptionIds: sub.ids };
  let next = sub.older;
  while (next !== undefined) {
    expect(walked.archives.length, 'the walk ends').to.be.below(20);
    const path = pathOf(next);
    const doc = await readDoc(port, path, format);
    expect(doc.archive, `${path} says it is an archive`).to.equal(true);
    walked.archives.push({ path, ids: doc.ids, ...(doc.newer ? { next: pathOf(doc.newer) } : {}), ...(doc.current ? { current: pathOf(doc.current) } : {}) });
    next = doc.older;
  }
  return walked;
}

describe('RFC 5005 archives over HTTP', function () {
  this.timeout(180_000);
  let svc: TestService;
  let dir: string;

  before(async () => {
    const articles: Record<string, unknown> = {};
    for (const [id, published] of Object.entries(RUSSIA)) articles[`${id}.json`] = articleOf(id, published, ['News', 'Russia']);
    articles['i1.json'] = articleOf('i1', '2016-05-12T10:00:00', ['News', 'Iran']);
    dir = makeDataDir({ site: { ...sampleSite(), timeZone: 'Pacific/Apia', itemLimit: 3 }, articles });
    svc = await startService(dir);
  });
  after(async () => {
    await svc?.close();
    if (dir) removeDir(dir);
  });

  for (const [format, file] of [['rss', 'rss.xml'], ['atom', 'atom.xml'], ['json', 'feed.json']] as const) {
    it(`a reader following ${format === 'json' ? 'next_url' : 'prev-archive'} from ${SUB}/${file} gets every item exactly once (${format})`, async () => {
      const walked = await walk(svc.port, format, file);
      const expected = Object.keys(RUSSIA).map((id) => PREFIX + id);
      // The subscription document holds the newest itemLimit items; the archives partition all of them.
      expect(walked.subscriptionIds).to.deep.equal(['r8', 'r7', 'r6'].map((id) => PREFIX + id));
      const all = walked.archives.flatMap((a) => a.ids);
      expect([...all].sort()).to.deep.equal([...expected].sort());
      expect(new Set(all).size, 'no item twice').to.equal(all.length);
      expect(walked.archives.map((a) => a.path)).to.deep.equal(['08', '07', '06', '04', '03'].map((m) => `${SUB}/archive/2016/${m}/${file}`));
      // Apia time decides the month: 23:30 on 30 June is June, 00:30 on 1 July is July.
      expect(walked.archives[1]?.ids).to.deep.equal(['r6', 'r5'].map((id) => PREFIX + id));
      expect(walked.archives[2]?.ids).to.deep.equal([PREFIX + 'r4']);
      // next-archive points back the way the walk came; current to the subscription document.
      walked.archives.forEach((a, i) => {
        expect(a.next, `${a.path} next-archive`).to.equal(i === 0 ? undefined : walked.archives[i - 1]?.path);
        expect(a.current, `${a.path} current`).to.equal(`${SUB}/${file}`);
      });
    });
  }

  it('serves a closed month immutable, answering 304 to its own ETag and Last-Modified; the newest month with the feed caching', async () => {
    const path = `${SUB}/archive/2016/04/atom.xml`;
    const first = await get(svc.port, path);
    expect(first.status).to.equal(200);
    expect(header(first, 'content-type')).to.equal('application/xml; charset=utf-8');
    expect(header(first, 'cache-control')).to.match(/^public, max-age=\d+, immutable$/);
    const etag = header(first, 'etag');
    expect(etag).to.match(/^"[A-Za-z0-9_-]+"$/);
    const byTag = await get(svc.port, path, { 'If-None-Match': etag, 'Cache-Control': 'no-cache' });
    expect(byTag.status).to.equal(304);
    expect(byTag.body.length).to.equal(0);
    expect(header(byTag, 'etag')).to.equal(etag);
    expect(header(byTag, 'cache-control')).to.equal(header(first, 'cache-control'));
    const byDate = await get(svc.port, path, { 'If-Modified-Since': header(first, 'last-modified') });
    expect(byDate.status).to.equal(304);
    expect((await get(svc.port, path, { 'If-None-Match': '"other"' })).status).to.equal(200);
    const gz = await get(svc.port, path, { 'Accept-Encoding': 'gzip' });
    expect(header(gz, 'content-encoding')).to.equal('gzip');
    expect(gunzipSync(gz.body).equals(first.body)).to.equal(true);
    const head = await get(svc.port, path, {}, 'HEAD');
    expect(head.status).to.equal(200);
    expect(head.body.length).to.equal(0);
    expect(header(head, 'etag')).to.equal(etag);
    // The month still open to new items (the newest): the subscription document's caching.
    const newest = await get(svc.port, `${SUB}/archive/2016/08/atom.xml`);
    const sub = await get(svc.port, `${SUB}/atom.xml`);
    expect(header(newest, 'cache-control')).to.equal(header(sub, 'cache-control'));
    expect(header(newest, 'cache-control')).not.to.include('immutable');
    // On the mirror, the links are the mirror's.
    const mirror = await get(svc.port, path, { Host: 'www.presstv.ir' });
    expect(mirror.text).to.include('href="https://www.presstv.ir/sections/news/russia/archive/2016/03/atom.xml"');
    expect(mirror.text).not.to.include('https://www.presstv.com/sections');
  });

  it('answers 404 (problem+json) for a month without items and for a feed that does not exist; 405 for POST', async () => {
    const may = await get(svc.port, `${SUB}/archive/2016/05/rss.xml`);
    expect(may.status).to.equal(404);
    expect(header(may, 'content-type')).to.equal('application/problem+json');
    expect(JSON.parse(may.text)).to.include({ status: 404, title: 'Not Found' });
    // The site has an item in May (Iran), so its May archive exists.
    expect((await get(svc.port, '/archive/2016/05/rss.xml')).status).to.equal(200);
    expect((await get(svc.port, '/tags/nothing-here/archive/2016/04/rss.xml')).status).to.equal(404);
    expect((await get(svc.port, `${SUB}/archive/2016/13/rss.xml`)).status).to.equal(404);
    expect((await get(svc.port, `${SUB}/archive/2016/04/rss.xml`, {}, 'POST')).status).to.equal(405);
  });

  it('shares one render among concurrent first requests: the same bytes and ETag for all', async () => {
    const path = '/archive/2016/03/feed.json';
    const answers = await Promise.all(Array.from({ length: 6 }, () => get(svc.port, path)));
    for (const a of answers) {
      expect(a.status).to.equal(200);
      expect(header(a, 'etag')).to.equal(header(answers[0] as TestResponse, 'etag'));
      expect(a.body.equals((answers[0] as TestResponse).body)).to.equal(true);
    }
    expect(JSON.parse((answers[0] as TestResponse).text).items.map((i: { id: string }) => i.id)).to.deep.equal(['r2', 'r1'].map((id) => PREFIX + id));
  });

  it('an edit to an old article changes only its month archive: its ETag changes, the other months keep theirs', async () => {
    const months = ['03', '04', '06', '07', '08'];
    const etags = async (base: string) => new Map(await Promise.all(months.map(async (m) => [m, header(await get(svc.port, `${base}/archive/2016/${m}/rss.xml`), 'etag')] as const)));
    const before = await etags(SUB);
    const siteBefore = await etags('');
    writeArticle(dir, 'r3.json', articleOf('r3', RUSSIA.r3 as string, ['News', 'Russia'], '<p>Story r3, corrected.</p>'));
    const report = await svc.service.compiler.compile();
    expect(report.ok).to.equal(true);
    const after = await waitUntil('the April archive changes', async () => {
      const now = await etags(SUB);
      return now.get('04') !== before.get('04') ? now : undefined;
    });
    for (const m of months) if (m !== '04') expect(after.get(m), `month ${m}`).to.equal(before.get(m));
    const april = await get(svc.port, `${SUB}/archive/2016/04/rss.xml`);
    expect(april.text).to.include('corrected');
    // The old validator no longer matches.
    expect((await get(svc.port, `${SUB}/archive/2016/04/rss.xml`, { 'If-None-Match': before.get('04') as string })).status).to.equal(200);
    const siteAfter = await etags('');
    for (const m of months) expect(siteAfter.get(m) === siteBefore.get(m), `site month ${m} unchanged`).to.equal(m !== '04');
  });
});
