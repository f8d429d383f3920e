// WebSub discovery over HTTP (issue 14, part 1; W3C WebSub §4, RFC 8288): a real listening
// service with a configured hub and the built-in one. Every feed response — 200 and 304, on the
// primary and on a mirror (by Host), RSS, Atom and JSON Feed — carries Link rel="hub" for each hub
// and exactly one rel="self" (its URL on the serving origin), and the documents say the same
// (xml2js for RSS and Atom, JSON.parse, saxes for strict well-formedness).
import { expect } from 'chai';
import { get, makeDataDir, removeDir, sampleSite, startService, type TestService } from '../support/fixtures.js';
import { startTestHub, type TestHub } from '../support/websub-hub.js';
import { parseXml, xmlErrors } from '../core/helpers.js';

/** The links of a Link header (RFC 8288 §3): target and rel of each, in order. */
function parseLinks(value: string | string[] | undefined): { href: string; rel: string }[] {
  const text = Array.isArray(value) ? value.join(', ') : value ?? '';
  const out: { href: string; rel: string }[] = [];
  for (const m of text.matchAll(/<([^>]*)>((?:\s*;\s*[^;,=]+=(?:"[^"]*"|[^;,]*))*)/g)) {
    const rel = /;\s*rel="?([^";,]+)"?/.exec(m[2] ?? '')?.[1] ?? '';
    out.push({ href: m[1] as string, rel });
  }
  return out;
}

const ORIGINS = [
  { host: 'www.presstv.com', href: 'https://www.presstv.com' },
  { host: 'www.presstv.ir', href: 'https://www.presstv.ir' },
];
const PATHS = ['/rss.xml', '/atom.xml', '/feed.json', '/sections/news/russia/rss.xml', '/sections/news/russia/atom.xml', '/sections/news/russia/feed.json'];

describe('WebSub discovery over HTTP (issue 14)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let hub: TestHub;
  let t: TestService;
  before(async () => {
    hub = await startTestHub();
    dataDir = makeDataDir({ site: { ...sampleSite(), hubs: [hub.url], hub: 'builtin' } });
    t = await startService(dataDir, { webSub: { closeGraceMs: 100 } });
  });
  after(async () => {
    await t?.close();
    await hub?.close();
    removeDir(dataDir);
  });

  for (const origin of ORIGINS) {
    for (const path of PATHS) {
      it(`${path} on ${origin.host}: Link hub + one self in 200 and 304, the same in the document`, async () => {
        const hubs = [`${origin.href}/websub`, hub.url];
        const self = origin.href + path;
        const r = await get(t.port, path, { Host: origin.host, 'Accept-Encoding': 'identity' });
        expect(r.status).to.equal(200);
        const links = parseLinks(r.headers.link);
        expect(links.filter((l) => l.rel === 'hub').map((l) => l.href)).to.deep.equal(hubs);
        expect(links.filter((l) => l.rel === 'self').map((l) => l.href)).to.deep.equal([self]);
        // The other origin's copy stays rel="alternate", not a second self.
        expect(links.filter((l) => l.rel === 'alternate').map((l) => l.href)).to.deep.equal(ORIGINS.filter((o) => o !== origin).map((o) => o.href + path));
        const again = await get(t.port, path, { Host: origin.host, 'Accept-Encoding': 'gzip', 'If-None-Match': r.headers.etag as string });
        expect(again.status).to.equal(304);
        expect(parseLinks(again.headers.link)).to.deep.equal(links);

        if (path.endsWith('.json')) {
          const json = JSON.parse(r.text) as { hubs: unknown; feed_url: string };
          expect(json.hubs).to.deep.equal(hubs.map((url) => ({ type: 'WebSub', url })));
          expect(json.feed_url).to.equal(self);
          return;
        }
        expect(xmlErrors(r.text)).to.deep.equal([]);
        const doc = await parseXml(r.text);
        const docLinks = (path.endsWith('rss.xml') ? doc.rss.channel[0]['atom:link'] : doc.feed.link).map((l: { $: Record<string, string> }) => l.$) as Record<string, string>[];
        expect(docLinks.filter((l) => l.rel === 'hub').map((l) => l.href)).to.deep.equal(hubs);
        expect(docLinks.filter((l) => l.rel === 'self').map((l) => l.href)).to.deep.equal([self]);
      });
    }
  }

  it('the directory documents and the feeds\' pages are not topics: no hub or self in their Link', async () => {
    for (const path of ['/feeds.opml', '/', '/sections/news/russia/feed.html']) {
      const r = await get(t.port, path, { Host: 'www.presstv.ir' });
      expect(r.status, path).to.equal(200);
      expect(parseLinks(r.headers.link).filter((l) => l.rel === 'hub' || l.rel === 'self'), path).to.deep.equal([]);
    }
  });

  it('an RFC 5005 archive month is not a topic: no hub or self in its Link (200 and 304), no hub in its body (review finding)', async () => {
    for (const format of ['rss.xml', 'atom.xml', 'feed.json']) {
      const path = `/sections/news/russia/archive/2016/07/${format}`;
      const r = await get(t.port, path, { Host: 'www.presstv.ir' });
      expect(r.status, path).to.equal(200);
      const links = parseLinks(r.headers.link);
      expect(links.filter((l) => l.rel === 'hub' || l.rel === 'self'), path).to.deep.equal([]);
      expect(links.filter((l) => l.rel === 'alternate').length, `${path}: the other origin's copy is still linked`).to.be.greaterThan(0);
      expect(r.text, path).to.not.include('rel="hub"').and.not.include('"hubs"');
      const again = await get(t.port, path, { Host: 'www.presstv.ir', 'If-None-Match': String(r.headers.etag) });
      expect(again.status, path).to.equal(304);
      expect(parseLinks(again.headers.link).filter((l) => l.rel === 'hub' || l.rel === 'self'), path).to.deep.equal([]);
    }
  });
});
