// WebSub discovery (issue 14, part 1), the pure parts: `hubs` and `hub` in site.json, which hubs
// each origin advertises, which documents are topics, the Link values, the documents of all three
// formats (strict XML parser, xml2js, JSON) on the primary and a mirror, and the changed topics
// of a publish (the input of the pings).
import { expect } from 'chai';
import { validateSiteConfig, type SiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';
import { advertisedHubs, discoveryLinks, hasHubs, isTopicPath, pingedHubs } from '../../src/core/websub-discovery.js';
import { changedTopics } from '../../src/websub/changed-topics.js';
import { backoffDelay, pingBody } from '../../src/websub/publisher.js';
import { FeedwrightError } from '../../src/core/errors.js';
import type { CompiledDocument } from '../../src/publish/published-set.js';
import { buildFeed, contextFor, parseXml, rawSampleSite, renderAll, sampleArticles, xmlErrors } from './helpers.js';

const HUB = 'https://hub.example/publish?a=1&b=2';

function siteWith(extra: Record<string, unknown>): SiteConfig {
  return validateSiteConfig({ ...rawSampleSite(), ...extra }, isCronExpression);
}

function problemsOf(extra: Record<string, unknown>): { field: string; message: string }[] {
  try {
    siteWith(extra);
  } catch (err) {
    expect(err).to.be.instanceOf(FeedwrightError);
    return (err as FeedwrightError).problems;
  }
  throw new Error('site.json was accepted');
}

describe('WebSub discovery (W3C WebSub §4)', () => {
  describe('site.json hubs and hub', () => {
    it('accepts absolute http(s) hub URLs and "hub": "builtin"; neither configured leaves both out', () => {
      const site = siteWith({ hubs: [HUB, 'http://127.0.0.1:8080/hub'], hub: 'builtin' });
      expect(site.hubs).to.deep.equal([HUB, 'http://127.0.0.1:8080/hub']);
      expect(site.hub).to.equal('builtin');
      const plain = siteWith({});
      expect(plain).to.not.have.property('hubs');
      expect(plain).to.not.have.property('hub');
      expect(hasHubs(plain)).to.equal(false);
      expect(siteWith({ hubs: [] })).to.not.have.property('hubs');
    });

    it('refuses bad hubs naming the key and the index', () => {
      const problems = problemsOf({ hubs: ['https://ok.example/', 'ftp://hub.example/', '/websub', 42, 'https://user:pw@hub.example/', 'https://hub.example/#x', 'https://ok.example/'] });
      expect(problems.map((p) => p.field)).to.deep.equal(['hubs[1]', 'hubs[2]', 'hubs[3]', 'hubs[4]', 'hubs[5]', 'hubs[6]']);
      expect(problems[0]?.message).to.match(/absolute http or https URL|must use http or https/);
      expect(problems[3]?.message).to.include('credentials');
      expect(problems[5]?.message).to.include('repeats');
      expect(problemsOf({ hubs: 'https://hub.example/' }).map((p) => p.field)).to.deep.equal(['hubs']);
      expect(problemsOf({ hub: 'external' }).map((p) => p.field)).to.deep.equal(['hub']);
    });
  });

  describe('which hubs each origin advertises', () => {
    const site = siteWith({ hubs: [HUB], hub: 'builtin' });
    const [primary, mirror] = site.origins as [SiteConfig['origins'][number], SiteConfig['origins'][number]];

    it('lists the origin\'s own built-in hub first, then the configured hubs; only those are pinged', () => {
      expect(advertisedHubs(site, primary)).to.deep.equal(['https://www.presstv.com/websub', HUB]);
      expect(advertisedHubs(site, mirror)).to.deep.equal(['https://www.presstv.ir/websub', HUB]);
      expect(pingedHubs(site)).to.deep.equal([HUB]);
      expect(advertisedHubs(siteWith({ hub: 'builtin' }), mirror)).to.deep.equal(['https://www.presstv.ir/websub']);
      expect(pingedHubs(siteWith({ hub: 'builtin' }))).to.deep.equal([]);
    });

    it('treats only feed documents as topics', () => {
      for (const p of ['/rss.xml', '/atom.xml', '/feed.json', '/sections/news/russia/rss.xml', '/tags/syria/feed.json']) expect(isTopicPath(p), p).to.equal(true);
      for (const p of ['/', '/feeds.opml', '/feed.html', '/sections/news/russia/feed.html', '/rss.xml.bak', '/tags/rss.xmlx', '/archive/2016/07/rss.xml', '/sections/news/russia/archive/2016/07/atom.xml', '/tags/syria/archive/2016/05/feed.json']) expect(isTopicPath(p), p).to.equal(false);
    });

    it('gives Link values with rel="hub" per hub and one rel="self" on the origin (RFC 8288)', () => {
      expect(discoveryLinks(site, mirror, '/tags/syria/atom.xml')).to.deep.equal([
        '<https://www.presstv.ir/websub>; rel="hub"',
        `<${HUB}>; rel="hub"`,
        '<https://www.presstv.ir/tags/syria/atom.xml>; rel="self"',
      ]);
      expect(discoveryLinks(site, primary, '/feeds.opml')).to.deep.equal([]);
      expect(discoveryLinks(siteWith({}), primary, '/rss.xml')).to.deep.equal([]);
    });
  });

  describe('the documents', () => {
    const site = siteWith({ hubs: [HUB], hub: 'builtin' });
    const feed = buildFeed({ key: '', kind: 'site', label: '' }, sampleArticles(site), site);
    for (const origin of site.origins) {
      const docs = renderAll(feed, contextFor(site, origin));
      const hubs = [`${origin.href}/websub`, HUB];

      it(`RSS on ${origin.host}: atom:link rel="hub" per hub and exactly one rel="self", strictly well-formed`, async () => {
        expect(xmlErrors(docs.rss)).to.deep.equal([]);
        const links = ((await parseXml(docs.rss)).rss.channel[0]['atom:link'] as { $: Record<string, string> }[]).map((l) => l.$);
        expect(links.filter((l) => l.rel === 'hub').map((l) => l.href)).to.deep.equal(hubs);
        expect(links.filter((l) => l.rel === 'self').map((l) => l.href)).to.deep.equal([`${origin.href}/rss.xml`]);
      });

      it(`Atom on ${origin.host}: link rel="hub" per hub and exactly one rel="self", strictly well-formed`, async () => {
        expect(xmlErrors(docs.atom)).to.deep.equal([]);
        const links = ((await parseXml(docs.atom)).feed.link as { $: Record<string, string> }[]).map((l) => l.$);
        expect(links.filter((l) => l.rel === 'hub').map((l) => l.href)).to.deep.equal(hubs);
        expect(links.filter((l) => l.rel === 'self').map((l) => l.href)).to.deep.equal([`${origin.href}/atom.xml`]);
      });

      it(`JSON Feed on ${origin.host}: hubs [{type: "WebSub", url}] and feed_url`, () => {
        const json = JSON.parse(docs.json) as { hubs: unknown; feed_url: string };
        expect(json.hubs).to.deep.equal(hubs.map((url) => ({ type: 'WebSub', url })));
        expect(json.feed_url).to.equal(`${origin.href}/feed.json`);
      });
    }

    it('carries no hub without hubs configured', async () => {
      const plain = siteWith({});
      const docs = renderAll(buildFeed({ key: '', kind: 'site', label: '' }, sampleArticles(plain), plain), contextFor(plain));
      expect(docs.rss).to.not.include('rel="hub"');
      expect(docs.atom).to.not.include('rel="hub"');
      expect(JSON.parse(docs.json)).to.not.have.property('hubs');
    });
  });

  describe('the topics a publish changed', () => {
    const site = siteWith({ hubs: [HUB] });
    const doc = (hash: string) => ({ hash }) as CompiledDocument;
    const before = new Map<string, readonly CompiledDocument[]>([
      ['/rss.xml', [doc('a'), doc('b')]],
      ['/atom.xml', [doc('c'), doc('d')]],
      ['/feeds.opml', [doc('e'), doc('f')]],
    ]);

    it('lists each feed document whose bytes changed, per origin; not OPML, not carried-over documents', () => {
      const after = new Map(before);
      after.set('/rss.xml', [doc('a'), doc('b2')]);
      after.set('/feeds.opml', [doc('e2'), doc('f2')]);
      after.set('/tags/new/feed.json', [doc('g'), doc('h')]);
      expect(changedTopics(before, after, site.origins)).to.deep.equal([
        'https://www.presstv.ir/rss.xml',
        'https://www.presstv.com/tags/new/feed.json',
        'https://www.presstv.ir/tags/new/feed.json',
      ]);
      // The same bytes rendered again (a new array, equal hashes): nothing changed.
      const again = new Map(before);
      again.set('/atom.xml', [doc('c'), doc('d')]);
      expect(changedTopics(before, again, site.origins)).to.deep.equal([]);
    });

    it('lists every feed document when there is no previous set', () => {
      expect(changedTopics(undefined, before, site.origins)).to.deep.equal([
        'https://www.presstv.com/atom.xml', 'https://www.presstv.ir/atom.xml', 'https://www.presstv.com/rss.xml', 'https://www.presstv.ir/rss.xml',
      ]);
    });
  });

  describe('pings', () => {
    it('are form-encoded hub.mode=publish with the topic as hub.url', () => {
      expect(pingBody('https://www.presstv.com/tags/a b/rss.xml?x=1&y=2')).to.equal('hub.mode=publish&hub.url=https%3A%2F%2Fwww.presstv.com%2Ftags%2Fa+b%2Frss.xml%3Fx%3D1%26y%3D2');
      expect([...new URLSearchParams(pingBody('https://x.example/rss.xml'))]).to.deep.equal([['hub.mode', 'publish'], ['hub.url', 'https://x.example/rss.xml']]);
    });

    it('back off exponentially with equal jitter, capped', () => {
      expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, () => 0))).to.deep.equal([500, 1000, 2000, 4000]);
      expect([1, 2, 3].map((n) => backoffDelay(n, 1000, 60_000, () => 0.999999))).to.deep.equal([1000, 2000, 4000]);
      expect(backoffDelay(20, 1000, 60_000, () => 0)).to.equal(30_000);
      expect(backoffDelay(20, 1000, 60_000, () => 0.999999)).to.equal(60_000);
    });
  });
});
