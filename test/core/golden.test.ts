// Golden files: the sample site's feeds, rendered by the pure serializers, compared byte for
// byte with test/golden/. `UPDATE_GOLDEN=1` rewrites them (review the diff). The golden files
// are then checked on their own: a strict XML parser accepts them and the content is right.
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { articleScopes } from '../../src/core/scopes.js';
import { monthOf } from '../../src/core/archive-months.js';
import { renderAtom } from '../../src/core/render-atom.js';
import { renderJson } from '../../src/core/render-json.js';
import { renderRss } from '../../src/core/render-rss.js';
import type { FeedContent, RenderContext } from '../../src/core/feed-model.js';
import type { Scope } from '../../src/core/scopes.js';
import type { Article } from '../../src/core/article.js';
import { GOLDEN, buildFeed, contextFor, htmlUrls, parseXml, rawSampleSite, sampleArticles, sampleSite, textOf, xmlErrors } from './helpers.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';
const SEED_ID = '80a8fa572f98a536';
const SEED_TAG = `tag:presstv.com,2007:${SEED_ID}`;
const ORIGIN = 'https://www.presstv.com';
const SEED_LINK = `${ORIGIN}/Detail/2016/07/06/473613/Russia-US-Syria-coordination-Kremlin`;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/;

const site = sampleSite();
const articles = sampleArticles(site);
const ctx: RenderContext = contextFor(site);

const SITE_SCOPE: Scope = { key: '', kind: 'site', label: '' };
const RUSSIA_SCOPE: Scope = { key: 'sections/news/russia', kind: 'section', label: 'News / Russia' };

function inScope(scope: Scope): Article[] {
  return articles.filter((a) => articleScopes(a).some((s) => s.key === scope.key));
}

/** A subscription document as the render task makes it: prev-archive to its newest item's month (RFC 5005 §4). */
function subscription(scope: Scope): FeedContent {
  const feed = buildFeed(scope, inScope(scope), site);
  const newest = feed.items[0];
  return newest === undefined ? feed : { ...feed, archive: { prev: monthOf(newest.article.published, site.timeZone) } };
}

// The sample site with WebSub hubs (issue 14): a configured hub and the built-in one, on the mirror.
const websubSite = validateSiteConfig({ ...rawSampleSite(), hubs: ['https://pubsubhubbub.appspot.com/'], hub: 'builtin' }, isCronExpression);

const russiaArchive = buildFeed(RUSSIA_SCOPE, inScope(RUSSIA_SCOPE), site);
const feeds: { name: string; scope: Scope; feed: FeedContent; ctx?: RenderContext }[] = [
  { name: 'site', scope: SITE_SCOPE, feed: subscription(SITE_SCOPE) },
  { name: 'news-russia', scope: RUSSIA_SCOPE, feed: subscription(RUSSIA_SCOPE) },
  // The July 2016 archive, with links as if June and August had items too (every RFC 5005 link shows).
  { name: 'news-russia-archive-2016-07', scope: RUSSIA_SCOPE, feed: { ...russiaArchive, archive: { month: '2016-07', prev: '2016-06', next: '2016-08' } } },
  // The WebSub hubs on the mirror (a subscription document, as the render task makes it).
  { name: 'news-russia-websub-mirror', scope: RUSSIA_SCOPE, feed: { ...buildFeed(RUSSIA_SCOPE, inScope(RUSSIA_SCOPE), websubSite), archive: { prev: '2016-07' } }, ctx: contextFor(websubSite, websubSite.origins[1]!) },
];

const formats = [
  { ext: 'rss.xml', render: renderRss },
  { ext: 'atom.xml', render: renderAtom },
  { ext: 'feed.json', render: renderJson },
] as const;

function golden(name: string, ext: string): string {
  return readFileSync(join(GOLDEN, `${name}.${ext}`), 'utf8');
}

describe('golden files', () => {
  before(() => {
    if (!UPDATE) return;
    mkdirSync(GOLDEN, { recursive: true });
    for (const { name, feed, ctx: own } of feeds) {
      for (const { ext, render } of formats) writeFileSync(join(GOLDEN, `${name}.${ext}`), render(feed, own ?? ctx));
    }
  });

  it('the sample data builds the feeds the golden files describe', () => {
    expect(articles).to.have.length(10);
    expect(feeds[0]!.feed.items).to.have.length(10);
    expect(feeds[1]!.feed.items.map((i) => i.article.id)).to.deep.equal([SEED_ID]);
  });

  for (const { name, feed, ctx: own } of feeds) {
    for (const { ext, render } of formats) {
      it(`${name}.${ext} matches the renderer byte for byte`, () => {
        const file = join(GOLDEN, `${name}.${ext}`);
        expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1`).to.equal(true);
        const actual = render(feed, own ?? ctx);
        expect(Buffer.from(actual, 'utf8').equals(readFileSync(file)), `${name}.${ext} differs from the renderer; rerun with UPDATE_GOLDEN=1 and review the diff`).to.equal(true);
      });
      it(`${name}.${ext} is deterministic (two renders, same bytes)`, () => {
        expect(render(feed, own ?? ctx)).to.equal(render(feed, own === undefined ? contextFor(site) : contextFor(own.site, own.origin)));
      });
    }
  }

  for (const { name } of feeds) {
    for (const ext of ['rss.xml', 'atom.xml']) {
      it(`${name}.${ext} is accepted by a strict XML 1.0 parser`, () => {
        expect(xmlErrors(golden(name, ext))).to.deep.equal([]);
      });
    }
  }

  describe('site.rss.xml', () => {
    let channel: any;
    let items: any[];
    let seed: any;
    before(async () => {
      const doc = await parseXml(golden('site', 'rss.xml'));
      expect(doc.rss.$.version).to.equal('2.0');
      channel = doc.rss.channel[0];
      items = channel.item;
      seed = items.find((i) => textOf(i.guid[0]) === SEED_TAG);
    });

    it('has the site title, an absolute home link, the self link and the newest item date', () => {
      expect(textOf(channel.title[0])).to.equal('Press TV');
      expect(textOf(channel.link[0])).to.equal(`${ORIGIN}/`);
      expect(channel['atom:link'][0].$).to.include({ href: `${ORIGIN}/rss.xml`, rel: 'self', type: 'application/rss+xml' });
      // The newest item: dd0e600c3f738f97 published 2016-07-09T16:00:00Z = 20:30 in Tehran; the
      // newest edit (4af9543a228997b7 updated 2016-07-08T16:10+04:30) is older than that.
      expect(textOf(channel.lastBuildDate[0])).to.equal('Sat, 09 Jul 2016 20:30:00 +0430');
      expect(textOf(channel.ttl[0])).to.equal('1');
    });

    it('lists all 10 items newest first, each with an absolute link and a tag: guid isPermaLink=false', () => {
      expect(items).to.have.length(10);
      expect(items.map((i) => textOf(i.guid[0]))).to.deep.equal([
        'dd0e600c3f738f97', '0353353a55a0cbc8', '4af9543a228997b7', '4da44c17d7fde630', SEED_ID,
        'c417c4fd36a0441d', 'dbdaf9ed3f8aae08', '637bf2e97e4abe53', 'f07a12d0879ea7b7', 'df931d50d531c8d5',
      ].map((id) => `tag:presstv.com,2007:${id}`));
      for (const item of items) {
        expect(item.guid[0].$.isPermaLink).to.equal('false');
        expect(textOf(item.link[0])).to.match(/^https:\/\/www\.presstv\.com\/\S+$/);
        expect(textOf(item.pubDate[0])).to.match(RFC822);
        for (const url of htmlUrls(textOf(item['content:encoded'][0]))) expect(url, textOf(item.guid[0])).to.match(/^https?:\/\//);
      }
    });

    it('renders the seed: title, link, RFC 822 date in +0430, category, byline', () => {
      expect(seed, 'seed item').to.not.equal(undefined);
      expect(textOf(seed.title[0])).to.equal('Russia, US to intensify Syria coordination: Kremlin');
      expect(textOf(seed.link[0])).to.equal(SEED_LINK);
      expect(textOf(seed.pubDate[0])).to.equal('Wed, 06 Jul 2016 14:05:00 +0430');
      const categories = seed.category.map(textOf);
      expect(categories[0]).to.equal('News / Russia');
      expect(categories).to.include.members(['Syria', 'Russia', 'United States']);
      // No byline of its own: the site's author, without e-mail, goes in dc:creator.
      expect(seed['dc:creator'].map(textOf)).to.deep.equal(['Press TV']);
      expect(seed.author).to.equal(undefined);
    });

    it('renders the seed images as Media RSS with the AFP credit and the caption, and the lead as enclosure', () => {
      const media = seed['media:content'];
      expect(media).to.have.length(3);
      for (const m of media) {
        expect(m.$.url).to.match(/^https:\/\/www\.presstv\.com\/Photo\/2016\/07\/06\/.+\.jpg$/);
        expect(m.$).to.include({ medium: 'image', type: 'image/jpeg', width: '1024', height: '683' });
        expect(m['media:credit'].map(textOf)).to.deep.equal(['AFP']);
        expect(textOf(m['media:description'][0])).to.have.length.greaterThan(20);
      }
      expect(textOf(media[0]['media:description'][0])).to.match(/^US President Barack Obama \(R\) and Russian President Vladimir Putin/);
      expect(seed.enclosure).to.have.length(1);
      expect(seed.enclosure[0].$).to.include({ url: `${ORIGIN}/Photo/2016/07/06/obama-putin-g20.jpg`, type: 'image/jpeg' });
    });

    it('carries the full content with the lead figure, the sub-heading and absolute links, and a summary', () => {
      const html = textOf(seed['content:encoded'][0]);
      expect(html).to.match(/^<figure><img src="https:\/\/www\.presstv\.com\/Photo\/2016\/07\/06\/obama-putin-g20\.jpg"/);
      expect(html).to.include('<figcaption>US President Barack Obama (R)');
      expect(html).to.include('(AFP)</figcaption>');
      expect(html).to.include("<h2>'Harbinger for longer-lasting' ceasefire deals</h2>");
      expect(html).to.include(`<a href="${ORIGIN}/Detail/2016/07/01/473000/Syria-peace-talks">`);
      expect(html).to.include(`<img src="${ORIGIN}/Photo/2016/07/06/kerry-tbilisi.jpg"`);
      const summary = textOf(seed.description[0]);
      expect(summary).to.match(/^The Kremlin has announced that Russia and the US/);
      expect(summary).not.to.match(/<[a-z]/i);
    });
  });

  describe('news-russia.rss.xml', () => {
    it('is the section feed: its title, self link and only the seed item', async () => {
      const doc = await parseXml(golden('news-russia', 'rss.xml'));
      const channel = doc.rss.channel[0];
      expect(textOf(channel.title[0])).to.equal('Press TV: News / Russia');
      expect(channel['atom:link'][0].$.href).to.equal(`${ORIGIN}/sections/news/russia/rss.xml`);
      expect(channel.item.map((i: any) => textOf(i.guid[0]))).to.deep.equal([SEED_TAG]);
      expect(textOf(channel.lastBuildDate[0])).to.equal('Wed, 06 Jul 2016 14:05:00 +0430');
      expect(textOf(channel.item[0]['content:encoded'][0])).to.include('<h2>');
    });
  });

  for (const name of ['site', 'news-russia']) {
    describe(`${name}.atom.xml`, () => {
      let feed: any;
      let seed: any;
      before(async () => {
        const doc = await parseXml(golden(name, 'atom.xml'));
        feed = doc.feed;
        seed = feed.entry.find((e: any) => textOf(e.id[0]) === SEED_TAG);
      });

      it('has the feed title, a tag: id, self link on the primary origin, an author and an RFC 3339 updated', () => {
        expect(feed.$.xmlns).to.equal('http://www.w3.org/2005/Atom');
        expect(textOf(feed.title[0])).to.equal(name === 'site' ? 'Press TV' : 'Press TV: News / Russia');
        expect(textOf(feed.id[0])).to.match(/^tag:presstv\.com,2007:feed/);
        const self = feed.link.find((l: any) => l.$.rel === 'self');
        expect(self.$.href).to.equal(name === 'site' ? `${ORIGIN}/atom.xml` : `${ORIGIN}/sections/news/russia/atom.xml`);
        expect(textOf(feed.author[0].name[0])).to.equal('Press TV');
        expect(textOf(feed.updated[0])).to.match(RFC3339);
        expect(textOf(feed.updated[0])).to.equal(name === 'site' ? '2016-07-09T20:30:00+04:30' : '2016-07-06T14:05:00+04:30');
      });

      it('gives every entry a tag: id, an absolute alternate link, RFC 3339 dates', () => {
        expect(feed.entry).to.have.length(name === 'site' ? 10 : 1);
        for (const e of feed.entry) {
          expect(textOf(e.id[0])).to.match(/^tag:presstv\.com,2007:[0-9a-f]{16}$/);
          const alt = e.link.find((l: any) => l.$.rel === 'alternate');
          expect(alt.$.href).to.match(/^https:\/\/www\.presstv\.com\/\S+$/);
          expect(textOf(e.published[0])).to.match(RFC3339);
          expect(textOf(e.updated[0])).to.match(RFC3339);
        }
      });

      it('renders the seed entry: title, dates in +04:30, categories, enclosure, content with the sub-heading', () => {
        expect(seed).to.not.equal(undefined);
        expect(textOf(seed.title[0])).to.equal('Russia, US to intensify Syria coordination: Kremlin');
        expect(seed.link.find((l: any) => l.$.rel === 'alternate').$.href).to.equal(SEED_LINK);
        expect(textOf(seed.published[0])).to.equal('2016-07-06T14:05:00+04:30');
        expect(textOf(seed.updated[0])).to.equal('2016-07-06T14:05:00+04:30');
        const categories = seed.category.map((c: any) => c.$);
        expect(categories).to.deep.include({ term: 'news/russia', scheme: `${ORIGIN}/sections/`, label: 'News / Russia' });
        expect(categories).to.deep.include({ term: 'news', scheme: `${ORIGIN}/sections/`, label: 'News' });
        expect(categories.map((c: any) => c.label)).to.include.members(['Syria', 'Russia', 'United States']);
        const enclosure = seed.link.find((l: any) => l.$.rel === 'enclosure');
        expect(enclosure.$).to.include({ href: `${ORIGIN}/Photo/2016/07/06/obama-putin-g20.jpg`, type: 'image/jpeg' });
        expect(seed.content[0].$.type).to.equal('html');
        const html = textOf(seed.content[0]);
        expect(html).to.include("<h2>'Harbinger for longer-lasting' ceasefire deals</h2>");
        expect(html).to.include('<figure><img src="https://www.presstv.com/Photo/2016/07/06/obama-putin-g20.jpg"');
        expect(html).to.include('(AFP)</figcaption>');
        for (const url of htmlUrls(html)) expect(url).to.match(/^https:\/\//);
        expect(seed.summary[0].$.type).to.equal('text');
        expect(textOf(seed.summary[0])).to.match(/^The Kremlin has announced/);
      });
    });
  }

  for (const name of ['site', 'news-russia']) {
    describe(`${name}.feed.json`, () => {
      let doc: any;
      before(() => {
        doc = JSON.parse(golden(name, 'feed.json'));
      });

      it('has the JSON Feed 1.1 required and recommended top-level fields', () => {
        expect(doc.version).to.equal('https://jsonfeed.org/version/1.1');
        expect(doc.title).to.equal(name === 'site' ? 'Press TV' : 'Press TV: News / Russia');
        expect(doc.feed_url).to.equal(name === 'site' ? `${ORIGIN}/feed.json` : `${ORIGIN}/sections/news/russia/feed.json`);
        expect(doc.home_page_url).to.equal(`${ORIGIN}/`);
        expect(doc.items).to.be.an('array').with.length(name === 'site' ? 10 : 1);
        expect(doc.authors).to.deep.equal([{ name: 'Press TV', url: 'https://www.presstv.com/' }]);
        expect(doc).not.to.have.property('author'); // 1.0 field, deprecated in 1.1
      });

      it('gives every item a string id, content, an absolute url and RFC 3339 dates', () => {
        for (const item of doc.items) {
          expect(item.id).to.be.a('string').and.match(/^tag:presstv\.com,2007:[0-9a-f]{16}$/);
          expect(typeof item.content_html === 'string' || typeof item.content_text === 'string').to.equal(true);
          expect(item.url).to.match(/^https:\/\/www\.presstv\.com\/\S+$/);
          expect(item.date_published).to.match(RFC3339);
          if (item.date_modified !== undefined) expect(item.date_modified).to.match(RFC3339);
          if (item.image !== undefined) expect(item.image).to.match(/^https?:\/\//);
          for (const a of item.attachments ?? []) {
            expect(a.url).to.match(/^https?:\/\//);
            expect(a.mime_type).to.be.a('string');
          }
          if (item.tags !== undefined) for (const t of item.tags) expect(t).to.be.a('string');
        }
      });

      it('renders the seed item', () => {
        const seed = doc.items.find((i: any) => i.id === SEED_TAG);
        expect(seed).to.not.equal(undefined);
        expect(seed.title).to.equal('Russia, US to intensify Syria coordination: Kremlin');
        expect(seed.url).to.equal(SEED_LINK);
        expect(seed.date_published).to.equal('2016-07-06T14:05:00+04:30');
        expect(seed.image).to.equal(`${ORIGIN}/Photo/2016/07/06/obama-putin-g20.jpg`);
        expect(seed.tags[0]).to.equal('News / Russia');
        expect(seed.attachments).to.have.length(3);
        for (const a of seed.attachments) expect(a.title).to.match(/ \(AFP\)$/);
        expect(seed.content_html).to.include("<h2>'Harbinger for longer-lasting' ceasefire deals</h2>");
        expect(seed.content_html).to.include(`<a href="${ORIGIN}/Detail/2016/07/01/473000/Syria-peace-talks">`);
        expect(seed.summary).to.match(/^The Kremlin has announced/);
      });
    });
  }

  // Issue 14: WebSub discovery in the documents of a mirror (W3C WebSub §4, JSON Feed 1.1 hubs).
  describe('news-russia-websub-mirror.*', () => {
    const MIRROR = 'https://www.presstv.ir';
    const HUBS = [`${MIRROR}/websub`, 'https://pubsubhubbub.appspot.com/'];
    it('RSS and Atom carry rel="hub" per hub and one rel="self" on the mirror; JSON Feed its hubs', async () => {
      const rss = (await parseXml(golden('news-russia-websub-mirror', 'rss.xml'))).rss.channel[0]['atom:link'].map((l: any) => l.$);
      expect(rss.filter((l: any) => l.rel === 'hub').map((l: any) => l.href)).to.deep.equal(HUBS);
      expect(rss.filter((l: any) => l.rel === 'self').map((l: any) => l.href)).to.deep.equal([`${MIRROR}/sections/news/russia/rss.xml`]);
      const atom = (await parseXml(golden('news-russia-websub-mirror', 'atom.xml'))).feed.link.map((l: any) => l.$);
      expect(atom.filter((l: any) => l.rel === 'hub').map((l: any) => l.href)).to.deep.equal(HUBS);
      expect(atom.filter((l: any) => l.rel === 'self').map((l: any) => l.href)).to.deep.equal([`${MIRROR}/sections/news/russia/atom.xml`]);
      const json = JSON.parse(golden('news-russia-websub-mirror', 'feed.json'));
      expect(json.hubs).to.deep.equal(HUBS.map((url) => ({ type: 'WebSub', url })));
      expect(json.feed_url).to.equal(`${MIRROR}/sections/news/russia/feed.json`);
    });
  });

  // Design §4: each item ends with a notice that links the article on every other domain.
  it('the seed content ends with the mirror notice linking the article on the other domain', () => {
    const seedFeed = feeds[1]!.feed;
    const path = '/Detail/2016/07/06/473613/Russia-US-Syria-coordination-Kremlin';
    const onPrimary = JSON.parse(renderJson(seedFeed, ctx)).items[0].content_html as string;
    const onMirror = JSON.parse(renderJson(seedFeed, contextFor(site, site.origins[1]!))).items[0].content_html as string;
    const notice = onPrimary.lastIndexOf('Press TV');
    expect(notice, 'mirror notice text').to.be.greaterThan(onPrimary.lastIndexOf('various sources.'));
    expect(onPrimary.slice(onPrimary.lastIndexOf('various sources.'))).to.include(`href="https://www.presstv.ir${path}"`);
    expect(onMirror.slice(onMirror.lastIndexOf('various sources.'))).to.include(`href="https://www.presstv.com${path}"`);
  });
});
