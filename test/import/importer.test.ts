// The importer against a real service (issue 5, item 3): each fixture imported into an empty
// store, then our own RSS, Atom and JSON documents read back over node:http. The guids of the
// source feed must come out byte for byte as our RSS guid, Atom id and JSON id; dates, authors,
// categories and images survive; a second import changes nothing (not even the ETags); an edited
// item is an update; batches are transactions; a URL is fetched with redirects and gzip.
import { expect } from 'chai';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseStringPromise } from 'xml2js';
import { slugify } from '../../src/core/scopes.js';
import { FeedwrightError } from '../../src/core/errors.js';
import { importedArticleId } from '../../src/import/feed-importer.js';
import { runImport, type ImportOptions, type ImportTarget } from '../../src/import/import-command.js';
import { get, makeDataDir, removeDir, ROOT, startService, type TestService } from '../support/fixtures.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'import');
const ORIGIN = 'https://www.presstv.com';
const OPTIONS: ImportOptions = { timeZone: 'Asia/Tehran', baseUrl: ORIGIN, siteLanguage: 'en' };
const FEEDS = ['/rss.xml', '/atom.xml', '/feed.json'];

/** The text of an xml2js value (a string, or an object with `_` when it has attributes). */
const text = (v: unknown): string => (typeof v === 'string' ? v : ((v as { _?: string } | undefined)?._ ?? ''));

interface SourceItem {
  guid: string;
  date: string;
}

/** The items of a fixture as an independent reader sees them (xml2js, no mapping code of ours). */
async function sourceItems(file: string): Promise<SourceItem[]> {
  const doc = (await parseStringPromise(readFileSync(join(FIXTURES, file), 'utf8'))) as Record<string, any>;
  if (doc.rss) {
    return (doc.rss.channel[0].item as any[]).map((i) => ({ guid: text(i.guid?.[0] ?? i.link?.[0]).trim(), date: text(i.pubDate?.[0]).trim() }));
  }
  if (doc.feed) {
    return (doc.feed.entry as any[]).map((e) => ({ guid: text(e.id[0]).trim(), date: text(e.published?.[0] ?? e.updated?.[0]).trim() }));
  }
  const rdf = doc['rdf:RDF'];
  return (rdf.item as any[]).map((i) => ({ guid: i.$['rdf:about'] as string, date: text(i['dc:date'][0]).trim() }));
}

/** Our three documents, parsed: item id → the fields the tests compare. */
interface OurItem {
  title: string;
  date: number;
  updated?: number;
  authors: string[];
  categories: string[];
  enclosure?: { url: string; length: string; type: string };
  credits: string[];
}

async function readOurFeeds(port: number): Promise<{ rss: Map<string, OurItem>; atom: Map<string, OurItem>; json: Map<string, OurItem>; rssGuidRaw: string[] }> {
  const rssRes = await get(port, '/rss.xml');
  const atomRes = await get(port, '/atom.xml');
  const jsonRes = await get(port, '/feed.json');
  for (const r of [rssRes, atomRes, jsonRes]) expect(r.status).to.equal(200);
  const rssDoc = (await parseStringPromise(rssRes.text)) as any;
  const rss = new Map<string, OurItem>();
  for (const i of (rssDoc.rss.channel[0].item ?? []) as any[]) {
    const enc = i.enclosure?.[0]?.$;
    rss.set(text(i.guid[0]), {
      title: text(i.title[0]),
      date: Date.parse(text(i.pubDate[0])),
      authors: [...(i['dc:creator'] ?? []), ...(i.author ?? [])].map(text),
      categories: (i.category ?? []).map(text),
      ...(enc ? { enclosure: { url: enc.url, length: enc.length, type: enc.type } } : {}),
      credits: ((i['media:content'] ?? []) as any[]).flatMap((m) => (m['media:credit'] ?? []).map(text)),
    });
  }
  const atomDoc = (await parseStringPromise(atomRes.text)) as any;
  const atom = new Map<string, OurItem>();
  for (const e of (atomDoc.feed.entry ?? []) as any[]) {
    const enc = (e.link as any[]).find((l) => l.$.rel === 'enclosure')?.$;
    atom.set(text(e.id[0]), {
      title: text(e.title[0]),
      date: Date.parse(text(e.published[0])),
      updated: Date.parse(text(e.updated[0])),
      authors: ((e.author ?? []) as any[]).map((a) => [text(a.name[0]), a.email ? `<${text(a.email[0])}>` : ''].join(' ').trim()),
      categories: ((e.category ?? []) as any[]).map((c) => c.$.label ?? c.$.term),
      ...(enc ? { enclosure: { url: enc.href, length: enc.length, type: enc.type } } : {}),
      credits: [],
    });
  }
  const jsonDoc = JSON.parse(jsonRes.text) as { items: any[] };
  const json = new Map<string, OurItem>();
  for (const i of jsonDoc.items) {
    json.set(i.id as string, {
      title: i.title,
      date: Date.parse(i.date_published),
      ...(i.date_modified ? { updated: Date.parse(i.date_modified) } : {}),
      authors: (i.authors ?? []).map((a: { name: string }) => a.name),
      categories: i.tags ?? [],
      credits: [],
    });
  }
  // The guid elements as raw bytes, to check escaping round-trips.
  const rssGuidRaw = [...rssRes.text.matchAll(/<guid isPermaLink="false">([^<]*)<\/guid>/g)].map((m) => m[1] as string);
  return { rss, atom, json, rssGuidRaw };
}

async function etags(port: number): Promise<string[]> {
  const out: string[] = [];
  for (const path of FEEDS) out.push(String((await get(port, path)).headers.etag));
  return out;
}

/** The service as runImport sees it, settled: the writer's compile has published. */
async function importAndPublish(ts: TestService, source: string, extra: Partial<ImportOptions> = {}) {
  const report = await runImport(source, ts.service, { ...OPTIONS, ...extra });
  await ts.service.writer.flushed();
  return report;
}

describe('import into a running service: WordPress-shaped RSS 2.0', () => {
  let ts: TestService;
  let dataDir: string;
  let source: SourceItem[];
  const file = join(FIXTURES, 'wordpress-rss2.xml');

  before(async () => {
    dataDir = makeDataDir({ articles: {} });
    ts = await startService(dataDir);
    source = await sourceItems('wordpress-rss2.xml');
  });
  after(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  it('imports six items, reports progress per batch and skips the broken one with its reason', async () => {
    const progress: [number, number][] = [];
    const report = await importAndPublish(ts, file, { batchSize: 4, progress: (done, total) => progress.push([done, total]) });
    expect(report).to.deep.include({ format: 'rss2', total: 7, imported: 6, updated: 0, unchanged: 0 });
    expect(report.skipped).to.have.length(1);
    expect(report.skipped[0]).to.deep.include({ item: 5, guid: 'https://example.com/?p=1000' });
    expect(report.skipped[0]?.reason).to.match(/no title and no body/).and.match(/no date/);
    // The file is read as a stream: progress is in bytes of the file, reported after each batch.
    const size = readFileSync(file).length;
    expect(progress).to.deep.equal([[size, size], [size, size]]);
    expect(await ts.service.store.countArticles()).to.equal(6);
    expect((await ts.service.store.getArticle(importedArticleId('https://example.com/?p=123')))?.source).to.equal('import');
  });

  it('publishes every source guid byte for byte as our RSS guid, Atom id and JSON id', async () => {
    const ours = await readOurFeeds(ts.port);
    const expected = source.filter((s) => s.guid !== 'https://example.com/?p=1000').map((s) => s.guid);
    expect(expected).to.have.length(6);
    for (const guid of expected) {
      expect(ours.rss.has(guid), `RSS guid ${guid}`).to.equal(true);
      expect(ours.atom.has(guid), `Atom id ${guid}`).to.equal(true);
      expect(ours.json.has(guid), `JSON id ${guid}`).to.equal(true);
    }
    expect(ours.rss.size).to.equal(6);
    expect(ours.rss.has('https://example.com/?p=1000')).to.equal(false);
    // The guid with '&' is escaped in our XML exactly once.
    expect(ours.rssGuidRaw).to.include('https://example.com/?p=124&amp;lang=en');
  });

  it('keeps the dates (same instants), authors, categories as tag feeds, and the image as our enclosure', async () => {
    const ours = await readOurFeeds(ts.port);
    for (const s of source.filter((x) => x.guid !== 'https://example.com/?p=1000')) {
      const want = Date.parse(s.date);
      expect(ours.rss.get(s.guid)?.date, s.guid).to.equal(want);
      expect(ours.atom.get(s.guid)?.date, s.guid).to.equal(want);
      expect(ours.json.get(s.guid)?.date, s.guid).to.equal(want);
    }
    const metro = ours.rss.get('https://example.com/?p=123');
    expect(metro?.title).to.equal('Tehran metro’s Line 7 extension opens to passengers');
    expect(metro?.authors).to.deep.equal(['Sara Ahmadi']);
    expect(metro?.categories).to.deep.equal(['Iran', 'Transport']);
    expect(metro?.enclosure).to.deep.equal({ url: 'https://example.com/wp-content/uploads/2024/03/metro.jpg', length: '245760', type: 'image/jpeg' });
    expect(metro?.credits).to.deep.equal(['AFP']);
    expect(ours.rss.get('https://example.com/2024/03/03/tehran-heat-water-warning/')?.authors).to.deep.equal(['desk@example.com (Metro Desk)']);
    expect(ours.json.get('https://example.com/?p=124&lang=en')?.authors).to.deep.equal(['Ali Rahimi', 'Mina Kazemi']);
    expect(ours.atom.get('https://example.com/?p=124&lang=en')?.enclosure?.url).to.equal('https://cdn.example.com/2024/03/oil-rig.png');
    for (const tag of ['Iran', 'Transport', 'Energy & Oil', 'Budget 2024']) {
      const res = await get(ts.port, `/tags/${encodeURIComponent(slugify(tag))}/rss.xml`);
      expect(res.status, tag).to.equal(200);
    }
    const iran = (await parseStringPromise((await get(ts.port, '/tags/iran/rss.xml')).text)) as any;
    expect((iran.rss.channel[0].item as any[]).map((i) => text(i.guid[0]))).to.deep.equal(['https://example.com/?p=123']);
  });

  it('a second import of the same file changes nothing, not even the ETags', async () => {
    const before = await etags(ts.port);
    const report = await importAndPublish(ts, file);
    expect(report).to.deep.include({ imported: 0, updated: 0, unchanged: 6 });
    expect(report.skipped).to.have.length(1);
    await ts.service.compiler.compile();
    expect(await etags(ts.port)).to.deep.equal(before);
  });

  it('an edited item (one title changed) is one update, under the same guid', async () => {
    const before = await etags(ts.port);
    const edited = join(dataDir, 'edited.xml');
    const xml = readFileSync(file, 'utf8');
    const changed = xml.replace('<title>Oil prices climb after OPEC+ extends output cuts</title>', '<title>Oil prices climb as OPEC+ extends output cuts</title>');
    expect(changed).to.not.equal(xml);
    writeFileSync(edited, changed);
    const report = await importAndPublish(ts, edited);
    expect(report).to.deep.include({ imported: 0, updated: 1, unchanged: 5 });
    const ours = await readOurFeeds(ts.port);
    expect(ours.rss.get('https://example.com/?p=124&lang=en')?.title).to.equal('Oil prices climb as OPEC+ extends output cuts');
    expect(ours.rss.size).to.equal(6);
    expect(await etags(ts.port)).to.not.deep.equal(before);
  });
});

describe('import into a running service: Atom 1.0', () => {
  let ts: TestService;
  let dataDir: string;
  const file = join(FIXTURES, 'atom.xml');

  before(async () => {
    dataDir = makeDataDir({ articles: {} });
    ts = await startService(dataDir);
  });
  after(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  it('imports five entries and skips the one without a date', async () => {
    const report = await importAndPublish(ts, file);
    expect(report).to.deep.include({ format: 'atom', total: 6, imported: 5, updated: 0, unchanged: 0 });
    expect(report.skipped).to.deep.equal([{ item: 6, guid: 'tag:example.org,2005:entry-6', kind: 'invalid item', reason: 'no date (published or updated)' }]);
  });

  it('publishes every Atom id byte for byte as our Atom id, RSS guid and JSON id, with its dates', async () => {
    const source = (await sourceItems('atom.xml')).filter((s) => s.guid !== 'tag:example.org,2005:entry-6');
    const ours = await readOurFeeds(ts.port);
    expect(source).to.have.length(5);
    for (const s of source) {
      for (const [name, map] of [['Atom', ours.atom], ['RSS', ours.rss], ['JSON', ours.json]] as const) {
        expect(map.get(s.guid)?.date, `${name} ${s.guid}`).to.equal(Date.parse(s.date));
      }
    }
    // updated is kept when later than published.
    expect(ours.atom.get('tag:example.org,2005:entry-1')?.updated).to.equal(Date.parse('2024-03-02T08:00:00+03:30'));
    expect(ours.json.get('tag:example.org,2005:entry-1')?.updated).to.equal(Date.parse('2024-03-02T08:00:00+03:30'));
  });

  it('keeps authors, categories (as tag feeds), content and the enclosure', async () => {
    const ours = await readOurFeeds(ts.port);
    const one = ours.atom.get('tag:example.org,2005:entry-1');
    expect(one?.title).to.equal('Qajar photography exhibition opens');
    expect(one?.authors).to.deep.equal(['Reza Karimi <reza@example.org>']);
    expect(one?.categories).to.deep.equal(['Culture', 'photography']);
    expect(one?.enclosure).to.deep.equal({ url: 'https://example.org/media/qajar.jpg', length: '48213', type: 'image/jpeg' });
    expect(ours.rss.get('tag:example.org,2005:entry-1')?.enclosure).to.deep.equal({ url: 'https://example.org/media/qajar.jpg', length: '48213', type: 'image/jpeg' });
    // The feed's author stands in for an entry that has none.
    expect(ours.json.get('urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a')?.authors).to.deep.equal(['Example Org Desk']);
    for (const tag of ['culture', 'photography', 'economy', 'notes']) expect((await get(ts.port, `/tags/${tag}/atom.xml`)).status, tag).to.equal(200);
    const atomText = (await get(ts.port, '/atom.xml')).text;
    expect(atomText).to.contain('Golestan Palace &amp;amp; museum');
  });

  it('a second import changes nothing, not even the ETags', async () => {
    const before = await etags(ts.port);
    const report = await importAndPublish(ts, file);
    expect(report).to.deep.include({ imported: 0, updated: 0, unchanged: 5 });
    await ts.service.compiler.compile();
    expect(await etags(ts.port)).to.deep.equal(before);
  });
});

describe('import into a running service: RSS 1.0 / RDF, from a URL', () => {
  let ts: TestService;
  let dataDir: string;
  let server: Server;
  let base: string;
  const requests: string[] = [];

  before(async () => {
    dataDir = makeDataDir({ articles: {} });
    ts = await startService(dataDir);
    const rdf = readFileSync(join(FIXTURES, 'rdf.xml'));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/old/index.rdf') {
        res.writeHead(301, { Location: '/index.rdf' }).end();
      } else if (req.url === '/index.rdf') {
        const gz = /gzip/.test(String(req.headers['accept-encoding'])) ? gzipSync(rdf) : rdf;
        res.writeHead(200, { 'Content-Type': 'application/rdf+xml', ...(gz === rdf ? {} : { 'Content-Encoding': 'gzip' }) }).end(gz);
      } else if (req.url === '/slow') {
        setTimeout(() => res.writeHead(200).end(rdf), 2_000).unref();
      } else res.writeHead(404).end('not here');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await ts.close();
    removeDir(dataDir);
  });

  it('fetches through a redirect and gzip, and imports the three items with their rdf:about guids', async () => {
    const report = await importAndPublish(ts, `${base}/old/index.rdf`);
    expect(requests).to.deep.equal(['/old/index.rdf', '/index.rdf']);
    expect(report).to.deep.include({ format: 'rdf', total: 3, imported: 3, updated: 0, unchanged: 0, skipped: [] });
    const ours = await readOurFeeds(ts.port);
    for (const s of await sourceItems('rdf.xml')) {
      expect(ours.rss.has(s.guid), s.guid).to.equal(true);
      expect(ours.atom.has(s.guid), s.guid).to.equal(true);
      expect(ours.json.has(s.guid), s.guid).to.equal(true);
    }
    expect(ours.rss.get('https://example.net/2024/03/aleppo-aid-convoy')?.date).to.equal(Date.parse('2024-03-01T16:20:00+02:00'));
    expect(ours.rss.get('https://example.net/2024/03/lebanon-refugees')?.categories).to.deep.equal(['Lebanon', 'Refugees']);
    const again = await importAndPublish(ts, `${base}/index.rdf`);
    expect(again).to.deep.include({ imported: 0, updated: 0, unchanged: 3 });
  });

  it('reports a failed fetch, an oversized body and a timeout as FeedwrightErrors, storing nothing', async () => {
    const count = await ts.service.store.countArticles();
    const cases: [string, Partial<ImportOptions>, RegExp][] = [
      [`${base}/missing`, {}, /answered 404/],
      [`${base}/index.rdf`, { maxBytes: 100 }, /larger than 100 bytes/],
      [`${base}/slow`, { timeoutMs: 200 }, /longer than 200 ms/],
      [join(dataDir, 'no-such-file.xml'), {}, /cannot read/],
    ];
    for (const [src, extra, message] of cases) {
      let error: unknown;
      try {
        await runImport(src, ts.service, { ...OPTIONS, ...extra });
      } catch (err) {
        error = err;
      }
      expect(error, src).to.be.instanceOf(FeedwrightError);
      expect((error as Error).message, src).to.match(message);
    }
    expect(await ts.service.store.countArticles()).to.equal(count);
  });
});

describe('import: each batch is one transaction', () => {
  let ts: TestService;
  let dataDir: string;

  before(async () => {
    dataDir = makeDataDir({ articles: {} });
    ts = await startService(dataDir);
  });
  after(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  it('a failure in the second batch leaves the first batch stored whole and nothing of the second; a rerun completes', async () => {
    const file = join(dataDir, 'feed.xml');
    copyFileSync(join(FIXTURES, 'wordpress-rss2.xml'), file);
    let calls = 0;
    const failing: ImportTarget = {
      store: ts.service.store,
      writer: {
        put: async (raws, src, opts) => {
          calls += 1;
          if (calls === 2) throw new Error('simulated crash');
          return ts.service.writer.put(raws, src, opts);
        },
      },
    };
    let error: unknown;
    try {
      await runImport(file, failing, { ...OPTIONS, batchSize: 4 });
    } catch (err) {
      error = err;
    }
    expect((error as Error | undefined)?.message).to.equal('simulated crash');
    const guids = ['https://example.com/?p=123', 'https://example.com/?p=124&lang=en', 'https://example.com/2024/03/03/tehran-heat-water-warning/', 'https://example.com/2016/07/10/euro-2016-final-preview/', 'urn:uuid:5f0c7b3e-8d4a-4c1e-9b2a-6a1f3e7d9c01', 'https://example.com/?p=125'];
    const stored = await Promise.all(guids.map(async (g) => (await ts.service.store.getArticle(importedArticleId(g)))?.article.guid));
    expect(stored).to.deep.equal([...guids.slice(0, 4), undefined, undefined]);
    const report = await importAndPublish(ts, file, { batchSize: 4 });
    expect(report).to.deep.include({ imported: 2, updated: 0, unchanged: 4 });
  });
});

describe('import: one owner per item id', () => {
  const PREFIX = 'tag:presstv.com,2007:';
  let ts: TestService;
  let dataDir: string;

  const item = (guid: string, title: string) =>
    `<item><title>${title}</title><link>https://example.com/${encodeURIComponent(title)}</link><guid isPermaLink="false">${guid.replace(/&/g, '&amp;')}</guid><pubDate>Mon, 11 Jul 2016 09:00:00 +0000</pubDate><description>${title}</description><category>Imported</category></item>`;
  const feed = (items: string[]) => `<?xml version="1.0"?><rss version="2.0"><channel><title>Old site</title><link>https://example.com/</link><description>d</description>${items.join('')}</channel></rss>`;

  beforeEach(async () => {
    dataDir = makeDataDir({
      articles: {
        'owner.json': { id: 'owner', guid: 'https://old.example.org/?p=1234', path: '/owner', title: 'The file that owns the guid', body: '<p>x</p>', published: '2016-07-01T10:00:00', tags: ['Imported'] },
        'plain.json': { id: 'plain', path: '/plain', title: 'A file without a guid', body: '<p>x</p>', published: '2016-07-01T10:00:00', tags: ['Imported'] },
      },
    });
    ts = await startService(dataDir);
  });
  afterEach(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  it("skips an item whose guid a file article has, or that equals a file article's generated id, naming the owner; the rest is imported", async () => {
    const file = join(dataDir, 'old.xml');
    writeFileSync(file, feed([item('https://old.example.org/?p=1234', 'Same guid as a file'), item('urn:fresh:1', 'A fresh item'), item(`${PREFIX}plain`, 'Same as a generated id')]));
    const report = await importAndPublish(ts, file, { batchSize: 2 });
    expect(report).to.deep.include({ total: 3, imported: 1, updated: 0, unchanged: 0 });
    expect(report.skipped).to.deep.equal([
      { item: 1, guid: 'https://old.example.org/?p=1234', kind: 'guid taken', reason: 'the guid "https://old.example.org/?p=1234" already belongs to article "owner" (file:owner.json)' },
      { item: 3, guid: `${PREFIX}plain`, kind: 'guid taken', reason: `the guid "${PREFIX}plain" already belongs to article "plain" (file:plain.json)` },
    ]);
    const tag = (await get(ts.port, '/tags/imported/rss.xml')).text;
    const guids = [...tag.matchAll(/<guid isPermaLink="false">([^<]*)<\/guid>/g)].map((m) => m[1]);
    expect(guids.sort()).to.deep.equal(['https://old.example.org/?p=1234'.replace('&', '&amp;'), `${PREFIX}plain`, 'urn:fresh:1'].sort());
    expect(tag).to.include('The file that owns the guid').and.not.include('Same guid as a file');
    // A second run skips the same items again and changes nothing else.
    const again = await importAndPublish(ts, file);
    expect(again).to.deep.include({ imported: 0, unchanged: 1 });
    expect(again.skipped.map((s) => s.item)).to.deep.equal([1, 3]);
  });
});
