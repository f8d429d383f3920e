// The feed importer without a service (issue 5, item 3): the RFC 822 parser, the mapping of RSS
// 2.0, RSS 1.0/RDF and Atom 1.0 items to articles, the skip reasons, and the decoding of bytes.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateArticle } from '../../src/core/article.js';
import { FeedwrightError } from '../../src/core/errors.js';
import { absolutizeHtml, decodeHtmlEntities, htmlToText, importedArticleId, parseFeed, parseRfc822, parseRssAuthor, type ParsedFeed, type RawArticle } from '../../src/import/feed-importer.js';
import { decodeFeed } from '../../src/import/import-command.js';
import { openFeedStream } from '../../src/import/import-source.js';
import { ROOT } from '../support/fixtures.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'import');
const TZ = 'Asia/Tehran';
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const parse = (xml: string, extra: { baseUrl?: string; siteLanguage?: string } = {}): Promise<ParsedFeed> => parseFeed(xml, { timeZone: TZ, ...extra });
const byGuid = (feed: ParsedFeed, guid: string): RawArticle => {
  const item = feed.items.find((i) => i.guid === guid);
  if (!item) throw new Error(`no item with guid ${guid}; have ${feed.items.map((i) => i.guid).join(', ')}`);
  return item.raw;
};

/** A minimal RSS 2.0 document around the given items. */
const rss = (items: string, channel = ''): string =>
  `<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title><link>https://old.example/</link><description>D</description>${channel}${items}</channel></rss>`;
const item = (inner: string): string => `<item>${inner}</item>`;
const GOOD = '<title>A title</title><pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate>';

describe('import: RFC 822 dates', () => {
  it('reads the RSS 2.0 form into RFC 3339 with the same offset', () => {
    expect(parseRfc822('Tue, 05 Mar 2024 09:30:00 +0000')).to.equal('2024-03-05T09:30:00+00:00');
    expect(parseRfc822('Mon, 04 Mar 2024 18:05:44 +0330')).to.equal('2024-03-04T18:05:44+03:30');
    expect(parseRfc822('Sun, 10 Jul 2016 14:05:00 -0130')).to.equal('2016-07-10T14:05:00-01:30');
  });

  it('reads every named zone', () => {
    const zones: Record<string, string> = {
      GMT: '+00:00', UT: '+00:00', UTC: '+00:00', Z: '+00:00', EST: '-05:00', EDT: '-04:00', CST: '-06:00',
      CDT: '-05:00', MST: '-07:00', MDT: '-06:00', PST: '-08:00', PDT: '-07:00',
    };
    for (const [name, offset] of Object.entries(zones)) {
      expect(parseRfc822(`Wed, 06 Mar 2024 10:00:00 ${name}`), name).to.equal(`2024-03-06T10:00:00${offset}`);
    }
    expect(parseRfc822('Wed, 06 Mar 2024 10:00:00 gmt')).to.equal('2024-03-06T10:00:00+00:00');
  });

  it('gives the same instant as the date it read', () => {
    for (const s of ['Tue, 05 Mar 2024 09:30:00 +0000', '3 Mar 2024 08:15 EST', 'Sat, 02 Nov 2024 23:59:59 PDT', 'Mon, 04 Mar 2024 18:05:44 +0330']) {
      expect(Date.parse(parseRfc822(s) as string), s).to.equal(Date.parse(s));
    }
  });

  it('takes the day name as optional, seconds as optional, full names, and a trailing comment', () => {
    expect(parseRfc822('3 Mar 2024 08:15 EST')).to.equal('2024-03-03T08:15:00-05:00');
    expect(parseRfc822('Tuesday, 5 March 2024 9:30:00 +0330')).to.equal('2024-03-05T09:30:00+03:30');
    expect(parseRfc822('Tue, 05 Mar 2024 09:30:00 +0000 (UTC)')).to.equal('2024-03-05T09:30:00+00:00');
    expect(parseRfc822('  Tue,05 Mar 2024 09:30:00 GMT  ')).to.equal('2024-03-05T09:30:00+00:00');
  });

  it('reads two-digit years as RFC 2822 §4.3 says', () => {
    expect(parseRfc822('Tue, 05 Mar 24 09:30:00 GMT')).to.equal('2024-03-05T09:30:00+00:00');
    expect(parseRfc822('Fri, 31 Dec 99 23:59:59 GMT')).to.equal('1999-12-31T23:59:59+00:00');
  });

  it('gives a local time (no offset) when the zone is missing', () => {
    expect(parseRfc822('Tue, 05 Mar 2024 09:30:00')).to.equal('2024-03-05T09:30:00');
  });

  it('refuses days that do not exist, fields out of range, unknown zones and other forms', () => {
    for (const s of [
      'Mon, 32 Jan 2024 10:00:00 GMT', 'Wed, 29 Feb 2023 10:00:00 GMT', 'Tue, 05 Mar 2024 24:00:00 GMT', 'Tue, 05 Mar 2024 10:60:00 GMT',
      'Tue, 05 Mar 2024 10:00:00 CET', 'Tue, 05 Mar 2024 10:00:00 +2400', 'Tue, 05 Foo 2024 10:00:00 GMT', 'Xyz, 05 Mar 2024 10:00:00 GMT',
      '2024-03-05T09:30:00Z', 'yesterday', '',
    ]) {
      expect(parseRfc822(s), s).to.equal(undefined);
    }
    expect(parseRfc822('Thu, 29 Feb 2024 10:00:00 GMT')).to.equal('2024-02-29T10:00:00+00:00');
  });
});

describe('import: mapping RSS 2.0 (WordPress-shaped fixture)', () => {
  let feed: ParsedFeed;
  before(async () => {
    feed = await parse(fixture('wordpress-rss2.xml'), { baseUrl: 'https://www.presstv.com', siteLanguage: 'en' });
  });

  it('reads the format and title, maps six items and skips the broken one saying what is missing', () => {
    expect(feed.format).to.equal('rss2');
    expect(feed.title).to.equal('Example Daily – News from the region');
    expect(feed.items).to.have.length(6);
    expect(feed.skipped).to.have.length(1);
    const [skip] = feed.skipped;
    expect(skip?.item).to.equal(5);
    expect(skip?.guid).to.equal('https://example.com/?p=1000');
    expect(skip?.reason).to.match(/no title and no body/).and.to.match(/no date/);
  });

  it('keeps the guid (isPermaLink false or true, entities decoded, outer white space trimmed), else the link', () => {
    expect(feed.items.map((i) => i.raw.guid)).to.deep.equal([
      'https://example.com/?p=123',
      'https://example.com/?p=124&lang=en',
      'https://example.com/2024/03/03/tehran-heat-water-warning/',
      'https://example.com/2016/07/10/euro-2016-final-preview/',
      'urn:uuid:5f0c7b3e-8d4a-4c1e-9b2a-6a1f3e7d9c01',
      'https://example.com/?p=125',
    ]);
    expect(feed.items.map((i) => i.guid)).to.deep.equal(feed.items.map((i) => i.raw.guid));
  });

  it('derives a stable id from the guid that passes the article id rule', () => {
    for (const i of feed.items) {
      expect(i.raw.id).to.match(/^imp-[0-9a-f]{32}$/);
      expect(i.raw.id).to.equal(importedArticleId(i.guid));
    }
    expect(importedArticleId('https://example.com/?p=123')).to.equal(importedArticleId('https://example.com/?p=123'));
    expect(importedArticleId('https://example.com/?p=123')).to.not.equal(importedArticleId('https://example.com/?p=124'));
    expect(new Set(feed.items.map((i) => i.raw.id)).size).to.equal(feed.items.length);
  });

  it('takes the path and query of the link, without utm_* parameters', () => {
    expect(byGuid(feed, 'https://example.com/?p=123').path).to.equal('/2024/03/05/tehran-metro-line-7-extension/');
    // utm_* campaign parameters are dropped; other query parameters stay.
    expect(byGuid(feed, 'https://example.com/?p=124&lang=en').path).to.equal('/2024/03/04/oil-prices-opec-output/');
  });

  it('maps title, content, summary and dates', () => {
    const a = byGuid(feed, 'https://example.com/?p=123');
    expect(a.title).to.equal('Tehran metro’s Line 7 extension opens to passengers');
    expect(a.body).to.contain('<h2>Crowds on the first day</h2>');
    // A relative URL in the content is made absolute against the item's link; this one is
    // WordPress's resized copy (-1024x683) of the lead image, so it shows the lead image's URL
    // and the rendered item shows the picture once (issue 13).
    expect(a.body).to.contain('src="https://example.com/wp-content/uploads/2024/03/metro.jpg"');
    expect(a.body).not.to.contain('metro-1024x683.jpg');
    expect(a.summary).to.equal('The extension adds four stations to the city’s busiest line … Continue reading');
    expect(a.published).to.equal('2024-03-05T09:30:00+00:00');
    expect(a.updated).to.equal(undefined);
    // A title escaped twice (as HTML inside XML) is decoded and stripped to plain text.
    expect(byGuid(feed, 'https://example.com/?p=125').title).to.equal('Q&A: the budget explained');
    expect(byGuid(feed, 'https://example.com/?p=125').published).to.equal('2024-02-20T16:45:10-08:00');
    // No content:encoded: the description is the body, and there is no separate summary.
    const heat = byGuid(feed, 'https://example.com/2024/03/03/tehran-heat-water-warning/');
    expect(heat.body).to.equal('<p>Officials asked residents to cut water use by a fifth during the heat wave.</p>');
    expect(heat.summary).to.equal(undefined);
    expect(heat.published).to.equal('2024-03-03T08:15:00-05:00');
  });

  it('maps authors from dc:creator and from <author> "email (Name)"', () => {
    expect(byGuid(feed, 'https://example.com/?p=123').authors).to.deep.equal([{ name: 'Sara Ahmadi' }]);
    expect(byGuid(feed, 'https://example.com/?p=124&lang=en').authors).to.deep.equal([{ name: 'Ali Rahimi' }, { name: 'Mina Kazemi' }]);
    expect(byGuid(feed, 'https://example.com/2024/03/03/tehran-heat-water-warning/').authors).to.deep.equal([{ name: 'Metro Desk', email: 'desk@example.com' }]);
  });

  it('maps categories to tags, deduped without regard to case, entities decoded, no section', () => {
    expect(byGuid(feed, 'https://example.com/?p=123').tags).to.deep.equal(['Iran', 'Transport']);
    expect(byGuid(feed, 'https://example.com/?p=124&lang=en').tags).to.deep.equal(['Economy', 'Energy & Oil']);
    for (const i of feed.items) expect(i.raw).to.not.have.property('section');
  });

  it('merges an image enclosure and its media:content into one image with caption, credit and sizes', () => {
    expect(byGuid(feed, 'https://example.com/?p=123').images).to.deep.equal([
      { url: 'https://example.com/wp-content/uploads/2024/03/metro.jpg', type: 'image/jpeg', length: 245760, caption: 'A train at Line 7\'s new terminus', credit: 'AFP', width: 1200, height: 800 },
    ]);
    expect(byGuid(feed, 'https://example.com/?p=124&lang=en').images).to.deep.equal([
      { url: 'https://cdn.example.com/2024/03/oil-rig.png', caption: 'An oil platform in the Persian Gulf', credit: 'Reuters', type: 'image/png', width: 800, height: 450, length: 120334 },
    ]);
    // length="0" (WordPress's "unknown") is left out; media:group gives its caption and credit.
    expect(byGuid(feed, 'https://example.com/2016/07/10/euro-2016-final-preview/').images).to.deep.equal([{ url: 'https://example.com/wp-content/uploads/2016/07/stade.jpg', type: 'image/jpeg' }]);
    expect(byGuid(feed, 'urn:uuid:5f0c7b3e-8d4a-4c1e-9b2a-6a1f3e7d9c01').images).to.deep.equal([
      { url: 'https://example.com/wp-content/uploads/2024/02/qajar-1.jpg', caption: 'A Qajar court photograph', credit: 'Golestan Palace archive', width: 640, height: 480 },
    ]);
  });

  it('keeps the channel language unless it is the site language', async () => {
    expect(byGuid(feed, 'https://example.com/?p=123').language).to.equal('en-US');
    const same = await parse(fixture('wordpress-rss2.xml'), { siteLanguage: 'en-us' });
    for (const i of same.items) expect(i.raw).to.not.have.property('language');
  });

  it('produces articles that validate', () => {
    for (const i of feed.items) expect(validateArticle(i.raw, TZ)).to.have.property('article');
  });

  it('maps the same document to the same articles every time', async () => {
    const again = await parse(fixture('wordpress-rss2.xml'), { baseUrl: 'https://www.presstv.com', siteLanguage: 'en' });
    expect(again).to.deep.equal(feed);
  });
});

describe('import: mapping Atom 1.0', () => {
  let feed: ParsedFeed;
  before(async () => {
    feed = await parse(fixture('atom.xml'), { baseUrl: 'https://www.presstv.com', siteLanguage: 'en' });
  });

  it('maps five entries and skips the one without a date', () => {
    expect(feed.format).to.equal('atom');
    expect(feed.title).to.equal('Example Org Newsroom');
    expect(feed.items.map((i) => i.guid)).to.deep.equal([
      'tag:example.org,2005:entry-1', 'tag:example.org,2005:entry-2', 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a', 'tag:example.org,2005:entry-4', 'tag:example.org,2005:entry-5',
    ]);
    expect(feed.skipped).to.deep.equal([{ item: 6, guid: 'tag:example.org,2005:entry-6', kind: 'invalid item', reason: 'no date (published or updated)' }]);
  });

  it('serialises xhtml content, keeps html content, escapes text content into paragraphs', () => {
    const one = byGuid(feed, 'tag:example.org,2005:entry-1');
    expect(one.body).to.contain('<p>Prints from the <em>19th</em> century go on show at the Golestan Palace &amp; museum.</p>');
    expect(one.body).to.contain('<img src="https://example.org/media/qajar-print.jpg" alt="A print"><br>A court portrait.');
    expect(one.body).to.not.contain('xmlns');
    expect(one.summary).to.equal('Prints from the 19th century go on show.');
    expect(byGuid(feed, 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a').body).to.equal('<p>First paragraph with 5 &lt; 6 &amp; more.</p>\n<p>Second paragraph.</p>');
    // Only a summary: it is the body, and no summary is set.
    const four = byGuid(feed, 'tag:example.org,2005:entry-4');
    expect(four.body).to.equal('<p>A short item with only a summary.</p>');
    expect(four.summary).to.equal(undefined);
  });

  it('reads titles by their type', () => {
    expect(byGuid(feed, 'tag:example.org,2005:entry-1').title).to.equal('Qajar photography exhibition opens');
    expect(byGuid(feed, 'tag:example.org,2005:entry-2').title).to.equal('Oil prices & OPEC: what the cuts mean');
    expect(byGuid(feed, 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a').title).to.equal('Notes: a <plain> text entry');
  });

  it('keeps published, and updated only when it is later; an entry with only updated is published then', () => {
    const one = byGuid(feed, 'tag:example.org,2005:entry-1');
    expect([one.published, one.updated]).to.deep.equal(['2024-03-01T10:00:00+03:30', '2024-03-02T08:00:00+03:30']);
    const two = byGuid(feed, 'tag:example.org,2005:entry-2');
    expect([two.published, two.updated]).to.deep.equal(['2024-03-04T18:05:44Z', undefined]);
    const four = byGuid(feed, 'tag:example.org,2005:entry-4');
    expect([four.published, four.updated]).to.deep.equal(['2024-02-15T12:30:00+01:00', undefined]);
  });

  it('maps authors (name, email, uri), drops a malformed e-mail, and inherits the feed author', () => {
    expect(byGuid(feed, 'tag:example.org,2005:entry-1').authors).to.deep.equal([{ name: 'Reza Karimi', email: 'reza@example.org', url: 'https://example.org/people/reza' }]);
    expect(byGuid(feed, 'tag:example.org,2005:entry-2').authors).to.deep.equal([{ name: 'Ali Rahimi' }, { name: 'Mina Kazemi' }]);
    expect(byGuid(feed, 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a').authors).to.deep.equal([{ name: 'Example Org Desk', url: 'https://example.org/desk' }]);
  });

  it('maps categories (label, else term), xml:base links, enclosures, media:content and xml:lang', () => {
    expect(byGuid(feed, 'tag:example.org,2005:entry-1').tags).to.deep.equal(['Culture', 'photography']);
    const two = byGuid(feed, 'tag:example.org,2005:entry-2');
    expect(two.path).to.equal('/2024/03/oil-opec-cuts');
    expect(two.body).to.contain('href="https://example.org/2024/03/charts/brent"');
    expect(two.images).to.deep.equal([{ url: 'https://cdn.example.org/oil.png', caption: 'An oil platform', credit: 'AFP', width: 800, height: 450 }]);
    expect(byGuid(feed, 'tag:example.org,2005:entry-1').images).to.deep.equal([{ url: 'https://example.org/media/qajar.jpg', type: 'image/jpeg', length: 48213 }]);
    expect(byGuid(feed, 'tag:example.org,2005:entry-5').language).to.equal('fa');
    expect(byGuid(feed, 'tag:example.org,2005:entry-1')).to.not.have.property('language');
  });
});

describe('import: mapping RSS 1.0 / RDF', () => {
  it('maps rdf:about to the guid and reads dc:date, dc:creator, dc:subject and content:encoded', async () => {
    const feed = await parse(fixture('rdf.xml'), { siteLanguage: 'en' });
    expect(feed.format).to.equal('rdf');
    expect(feed.title).to.equal('Example Net');
    expect(feed.skipped).to.deep.equal([]);
    expect(feed.items.map((i) => i.guid)).to.deep.equal([
      'https://example.net/2024/03/aleppo-aid-convoy', 'https://example.net/2024/03/lebanon-refugees', 'https://example.net/2024/03/wales-homecoming',
    ]);
    const [a, b, c] = feed.items.map((i) => i.raw);
    expect(a).to.deep.include({ title: 'Aid convoy reaches Aleppo', body: '<p>Forty trucks crossed into the city on Friday.</p>', published: '2024-03-01T16:20:00+02:00', authors: [{ name: 'Omar Haddad' }], tags: ['Syria'] });
    expect(b).to.deep.include({ path: '/2024/03/lebanon-refugees?ref=rdf', summary: 'A short summary.', published: '2024-03-02T08:00Z', tags: ['Lebanon', 'Refugees'] });
    expect(b?.body).to.equal('<p>Families in the camps of Arsal are bracing for a harsh winter.</p>');
    // A bare date is midnight in the site's time zone (validateArticle reads it so).
    expect(c?.published).to.equal('2024-03-03');
    expect(c).to.not.have.property('language');
  });
});

describe('import: skip reasons and edge cases', () => {
  it('skips an item with no guid and no link, one with no date, one with a date that does not exist', async () => {
    const feed = await parse(rss([
      item('<title>No id</title><pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate>'),
      item('<guid>g-2</guid><title>No date</title>'),
      item('<guid>g-3</guid><title>Bad date</title><pubDate>Mon, 32 Jan 2024 10:00:00 GMT</pubDate>'),
      item(`<guid>g-4</guid>${GOOD}`),
    ].join('')));
    expect(feed.items.map((i) => i.guid)).to.deep.equal(['g-4']);
    expect(feed.skipped).to.deep.equal([
      { item: 1, kind: 'invalid item', reason: 'no guid and no link' },
      { item: 2, guid: 'g-2', kind: 'invalid item', reason: 'no date (pubDate or dc:date)' },
      { item: 3, guid: 'g-3', kind: 'invalid item', reason: 'unparseable date in pubDate: "Mon, 32 Jan 2024 10:00:00 GMT"' },
    ]);
  });

  it('makes a title from the body, a body from the title, and reads dc:date and ISO dates in pubDate', async () => {
    const feed = await parse(rss([
      item('<guid>b</guid><description>&lt;p&gt;Only a body, with &lt;b&gt;some&lt;/b&gt; words in it.&lt;/p&gt;</description><dc:date>2024-03-05T09:30:00+03:30</dc:date>'),
      item('<guid>t</guid><title>Only a title &amp; nothing else</title><pubDate>2024-03-05T09:30:00Z</pubDate>'),
    ].join('')));
    expect(feed.skipped).to.deep.equal([]);
    expect(feed.items[0]?.raw).to.deep.include({ title: 'Only a body, with some words in it.', published: '2024-03-05T09:30:00+03:30' });
    expect(feed.items[1]?.raw).to.deep.include({ title: 'Only a title & nothing else', body: '<p>Only a title &amp; nothing else</p>', published: '2024-03-05T09:30:00Z' });
  });

  it('skips a second item with the same guid', async () => {
    const feed = await parse(rss(item(`<guid>same</guid>${GOOD}`) + item(`<guid>same</guid>${GOOD}`)));
    expect(feed.items).to.have.length(1);
    // Items are numbered from 1 everywhere: in the report and in the message.
    expect(feed.skipped).to.deep.equal([{ item: 2, guid: 'same', kind: 'repeated guid', reason: 'the same guid as item 1' }]);
  });

  it('reads a guid with nothing visible (U+200B, U+2800) as none: the link stands in for it (issue 9, kind 7)', async () => {
    const feed = await parse(rss([
      item(`<link>https://old.example/g/3</link><guid>&#x200B;</guid>${GOOD}`),
      item(`<link>https://old.example/g/4</link><guid isPermaLink="false">&#x2800;</guid>${GOOD}`),
    ].join('')));
    expect(feed.skipped).to.deep.equal([]);
    expect(feed.items.map((i) => i.guid)).to.deep.equal(['https://old.example/g/3', 'https://old.example/g/4']);
  });

  it('skips an item whose article fails validation, with the problems as the reason', async () => {
    const feed = await parse(rss(item(`<guid>long</guid><title>${'x'.repeat(2100)}</title><pubDate>Tue, 05 Mar 2024 09:30:00 GMT</pubDate>`) + item(`<guid>ok</guid>${GOOD}`)));
    expect(feed.items.map((i) => i.guid)).to.deep.equal(['ok']);
    expect(feed.skipped[0]?.reason).to.equal('invalid article: title is longer than 2000 characters');
  });

  it('puts an article with no http(s) link under /imported/<id>', async () => {
    const feed = await parse(rss(item(`<guid>urn:x:1</guid>${GOOD}`) + item(`<guid>urn:x:2</guid><link>mailto:a@b.c</link>${GOOD}`)));
    for (const i of feed.items) expect(i.raw.path).to.equal(`/imported/${i.raw.id}`);
  });

  it('resolves relative links against baseUrl, else the channel link', async () => {
    const doc = rss(item(`<guid>r</guid><link>/2024/relative?a=1&amp;utm_medium=rss</link>${GOOD}`));
    expect((await parse(doc, { baseUrl: 'https://www.presstv.com' })).items[0]?.raw.path).to.equal('/2024/relative?a=1');
    expect((await parse(doc)).items[0]?.raw.path).to.equal('/2024/relative?a=1');
  });

  it('uses media:thumbnail only when there is no other image, and ignores non-image enclosures', async () => {
    const feed = await parse(rss([
      item(`<guid>1</guid>${GOOD}<media:thumbnail url="https://cdn.example/t.jpg" width="150" height="100"/><enclosure url="https://cdn.example/a.mp3" length="100" type="audio/mpeg"/>`),
      item(`<guid>2</guid>${GOOD}<media:content url="https://cdn.example/big.jpg" medium="image"><media:thumbnail url="https://cdn.example/small.jpg"/></media:content><media:thumbnail url="https://cdn.example/t2.jpg"/><media:content url="https://cdn.example/v.mp4" medium="video"/>`),
    ].join('')));
    expect(feed.items[0]?.raw.images).to.deep.equal([{ url: 'https://cdn.example/t.jpg', width: 150, height: 100 }]);
    expect(feed.items[1]?.raw.images).to.deep.equal([{ url: 'https://cdn.example/big.jpg' }]);
  });

  it('refuses a document that is not well-formed or not a feed, naming why', async () => {
    for (const [xml, message] of [['<rss><channel></rss>', /not well-formed XML/], ['<html><body/></html>', /not an RSS 2.0, RSS 1.0\/RDF, Atom 1.0 feed or WordPress export.*<html>/], ['', /empty/], ['<rss version="2.0"/>', /no <channel>/]] as const) {
      let error: unknown;
      try {
        await parse(xml);
      } catch (err) {
        error = err;
      }
      expect(error, xml).to.be.instanceOf(FeedwrightError);
      expect((error as Error).message).to.match(message);
    }
  });

  it('parses RSS <author> in its usual forms', () => {
    expect(parseRssAuthor('lawyer@boyer.net (Lawyer Boyer)')).to.deep.equal({ name: 'Lawyer Boyer', email: 'lawyer@boyer.net' });
    expect(parseRssAuthor('Lawyer Boyer <lawyer@boyer.net>')).to.deep.equal({ name: 'Lawyer Boyer', email: 'lawyer@boyer.net' });
    expect(parseRssAuthor(' lawyer@boyer.net ')).to.deep.equal({ name: 'lawyer@boyer.net', email: 'lawyer@boyer.net' });
    expect(parseRssAuthor('Lawyer Boyer')).to.deep.equal({ name: 'Lawyer Boyer' });
    expect(parseRssAuthor('  ')).to.equal(undefined);
  });

  it('decodes HTML character references once: named, accented, numeric, windows-1252 numeric', () => {
    expect(decodeHtmlEntities('caf&eacute; &Ccedil;a &#150; &#x2014; &#8217; &amp;eacute; &nosuch; &rsquo;&hellip;')).to.equal('café Ça – — ’ &eacute; &nosuch; ’…');
    expect(decodeHtmlEntities('&#128;&#159;')).to.equal('€Ÿ');
  });

  it('turns HTML into plain text and makes relative URLs absolute', () => {
    expect(htmlToText('<p>One&nbsp;&amp; <b>two</b></p><script>x()</script><p>three &#8230;</p>')).to.equal('One\u00a0& two three …');
    expect(absolutizeHtml('<a href="x?a=1&amp;b=2">l</a> <img src="//cdn.example/i.jpg" srcset="/a.jpg 1x, b.jpg 2x"> <a href="#top">t</a> <a href="mailto:a@b.c">m</a>', 'https://old.example/dir/page'))
      .to.equal('<a href="https://old.example/dir/x?a=1&amp;b=2">l</a> <img src="https://cdn.example/i.jpg" srcset="https://old.example/a.jpg 1x, https://old.example/dir/b.jpg 2x"> <a href="#top">t</a> <a href="mailto:a@b.c">m</a>');
  });
});

describe('import: HTML is read by a parser, never by regular expressions', () => {
  it('rewrites only real URL attributes: a value holding " src=" or ">" is left whole', () => {
    const html = '<p><a title="set src=/img/logo.png onmouseover=alert(1)//" href="/help/images">h</a> <img alt=\'x > "href=/a/b"\' src="/img/d.png"></p>';
    const out = absolutizeHtml(html, 'https://old.example/dir/page');
    expect(out).to.equal('<p><a title="set src=/img/logo.png onmouseover=alert(1)//" href="https://old.example/help/images">h</a> <img alt=\'x > "href=/a/b"\' src="https://old.example/img/d.png"></p>');
  });

  it('reads srcset by the HTML grammar: commas inside URLs stay in them', () => {
    expect(absolutizeHtml('<img srcset="/img/a,b.jpg 1x, c,d.jpg 2x, data:image/png;base64,AA,BB 3x">', 'https://old.example/dir/page'))
      .to.equal('<img srcset="https://old.example/img/a,b.jpg 1x, https://old.example/dir/c,d.jpg 2x, data:image/png;base64,AA,BB 3x">');
  });

  it('takes text from the parser: comments, CDATA and quoted ">" leak no markup', () => {
    expect(htmlToText('<p>a <a title="x > y">b</a><!-- c > d --> e<![CDATA[ f > g ]]></p><style>p > a {}</style>&hearts;')).to.equal('a b e ♥');
  });
});

describe('import: decoding bytes', () => {
  it('follows the BOM, the HTTP charset, the XML declaration, else UTF-8', () => {
    const latin = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><rss><t>caf'), Buffer.from([0xe9]), Buffer.from('</t></rss>')]);
    expect(decodeFeed(latin)).to.contain('<t>café</t>');
    expect(decodeFeed(Buffer.from('<rss>café</rss>', 'utf8'))).to.equal('<rss>café</rss>');
    expect(decodeFeed(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<rss>é</rss>')]))).to.equal('<rss>é</rss>');
    expect(decodeFeed(Buffer.concat([Buffer.from('<rss>'), Buffer.from([0xe9]), Buffer.from('</rss>')]), 'text/xml; charset=windows-1252')).to.equal('<rss>é</rss>');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss>é</rss>', 'utf16le')]);
    expect(decodeFeed(Buffer.from('<?xml version="1.0"?><rss>é</rss>', 'utf16le'))).to.equal('<?xml version="1.0"?><rss>é</rss>');
    expect(decodeFeed(Buffer.from('<?xml version="1.0"?><rss>é</rss>', 'utf16le').swap16())).to.equal('<?xml version="1.0"?><rss>é</rss>');
  });

  it('refuses bytes that are not UTF-8 (no declared encoding), naming the first bad byte, never a U+FFFD', () => {
    const bytes = Buffer.concat([Buffer.from('<rss><t>caf'), Buffer.from([0xe9]), Buffer.from('</t></rss>')]);
    expect(() => decodeFeed(bytes)).to.throw(FeedwrightError, /^the feed: byte 11: not valid UTF-8: byte 0xE9 is not followed by the 2 continuation bytes it needs/);
  });

  it('streaming a file: a sequence split between chunks is fine; the first bad byte is named by its offset in the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feedwright-decode-'));
    try {
      const chunk = 256 * 1024;
      const head = Buffer.from('<rss version="2.0"><channel><title>t</title><item><title>');
      const pad = Buffer.alloc(chunk - head.length - 1, 0x61);
      // "€" (E2 82 AC) straddles the first chunk's end; the bad byte comes 1,000 bytes later.
      const good = Buffer.concat([head, pad, Buffer.from('€'), Buffer.alloc(1000, 0x62)]);
      const file = join(dir, 'feed.xml');
      writeFileSync(file, Buffer.concat([good, Buffer.from([0xff]), Buffer.from('</title></item></channel></rss>')]));
      const opened = await openFeedStream(file);
      let error: unknown;
      let text = '';
      try {
        for await (const piece of opened.chunks) text += piece;
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(FeedwrightError);
      expect((error as Error).message).to.equal(`${file}: byte ${good.length}: not valid UTF-8: byte 0xFF never appears in UTF-8; save it in the encoding its XML declaration names (UTF-8 when it names none)`);
      expect(text.endsWith('a'), 'the first chunk, up to the split €').to.equal(true);
      expect(text).to.not.include('\uFFFD');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
