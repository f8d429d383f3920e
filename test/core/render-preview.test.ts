// The preview page renderer (pure) and the stylesheet processing instruction of RSS and Atom: what
// the page shows, that every link to the site is a path, that plain text stays text, and that the
// parsers readers use (strict saxes, xml2js/sax, libxml2 when installed, our own importer) still
// read the feeds with the processing instruction in them.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseDocument, DomUtils } from 'htmlparser2';
import type { Element } from 'domhandler';
import { renderPreviewPage, PREVIEW_ITEMS, READERS } from '../../src/core/render-preview.js';
import { renderRss } from '../../src/core/render-rss.js';
import { renderAtom } from '../../src/core/render-atom.js';
import { FEED_STYLESHEET_PI, prepareItem } from '../../src/core/feed-model.js';
import { parseFeed } from '../../src/import/feed-importer.js';
import type { Article } from '../../src/core/article.js';
import type { Scope } from '../../src/core/scopes.js';
import { buildFeed, contextFor, parseXml, sampleArticles, sampleSite, textOf, xmlErrors } from './helpers.js';

const site = sampleSite();
const articles = sampleArticles(site);
const RUSSIA: Scope = { key: 'sections/news/russia', kind: 'section', label: 'News / Russia' };
const SITE: Scope = { key: '', kind: 'site', label: '' };

function elements(html: string, name: string): Element[] {
  return DomUtils.findAll((e) => e.name === name, parseDocument(html).children);
}
const text = (e: Element) => DomUtils.textContent(e);

describe('preview pages (render-preview)', () => {
  const feed = buildFeed(SITE, articles, site);
  const mirror = site.origins[1]!;
  const html = renderPreviewPage(feed, contextFor(site));

  it('shows the feed title and description, then every item newest first with date and byline', () => {
    expect(text(elements(html, 'h1')[0]!)).to.equal(site.title);
    expect(elements(html, 'title').map(text)).to.deep.equal([site.title]);
    expect(elements(html, 'h3').map(text)).to.deep.equal(feed.items.map((i) => i.article.title));
    const times = elements(html, 'time');
    expect(times).to.have.length(feed.items.length);
    expect(times[0]!.attribs.datetime).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0[34]:30$/);
    expect(html).to.include('· Press TV</p>');
  });

  it('shows the lead photo with its caption and credit, from this site by path', () => {
    const figures = elements(html, 'figure');
    expect(figures.length).to.equal(feed.items.filter((i) => i.article.images.length > 0).length);
    const withCredit = feed.items.find((i) => i.article.images[0]?.credit !== undefined)!;
    const lead = withCredit.article.images[0]!;
    const figure = figures.find((f) => text(f).includes(lead.caption ?? '\0'))!;
    expect(DomUtils.findOne((e) => e.name === 'img', [figure])!.attribs.src).to.equal(lead.url);
    expect(lead.url.startsWith('/')).to.equal(true);
    expect(text(DomUtils.findOne((e) => e.attribs.class === 'credit', [figure])!)).to.equal(lead.credit);
    // The caption is the adjacent text: no alt repeating it (read twice by a screen reader; field review).
    for (const f of figures) {
      const img = DomUtils.findOne((e) => e.name === 'img', [f]);
      if (img === null) continue;
      expect(img.attribs.alt, text(f)).to.equal('');
      expect(text(DomUtils.findOne((e) => e.name === 'figcaption', [f])!).trim()).to.not.equal('');
    }
  });

  it('subscribing: the feed URL on the serving origin, web readers, other formats and the OPML', () => {
    const onMirror = renderPreviewPage(feed, contextFor(site, mirror));
    const url = DomUtils.findOne((e) => e.attribs.id === 'feed-url', parseDocument(onMirror).children)!;
    expect(url.attribs.href).to.equal('/rss.xml');
    expect(text(url)).to.equal(`${mirror.href}/rss.xml`);
    const readers = elements(onMirror, 'a').filter((a) => a.attribs['data-reader'] !== undefined);
    expect(readers.map((a) => a.attribs.href)).to.deep.equal(READERS.map((r) => r.prefix + encodeURIComponent(`${mirror.href}/rss.xml`)));
    const hrefs = elements(onMirror, 'a').map((a) => a.attribs.href);
    expect(hrefs).to.include.members(['/rss.xml', '/atom.xml', '/feed.json', '/feeds.opml', '/']);
    expect(elements(onMirror, 'button').map(text)).to.deep.equal(['Copy address']);
  });

  it('every link and resource on this site is a path (the page stays on the host it is viewed on)', () => {
    for (const [name, attr] of [['a', 'href'], ['link', 'href'], ['img', 'src'], ['script', 'src']] as const) {
      for (const e of elements(html, name)) {
        const value = e.attribs[attr]!;
        if (name === 'a' && READERS.some((r) => value.startsWith(r.prefix))) continue;
        expect(value, `${name} ${attr}`).to.match(/^\/(?!\/)/);
      }
    }
  });

  it('no inline script or style (the CSP allows neither)', () => {
    expect(elements(html, 'style')).to.deep.equal([]);
    for (const s of elements(html, 'script')) expect(s.attribs.src, 'script from a file').to.equal('/preview.js');
    expect(html).to.not.match(/ style=| on[a-z]+=/);
  });

  it(`shows at most ${PREVIEW_ITEMS} items`, () => {
    const many = Array.from({ length: PREVIEW_ITEMS + 5 }, (_, i) => ({ ...articles[0]!, id: `a${i}`, title: `Story ${i}`, published: articles[0]!.published - i * 60_000 }));
    expect(elements(renderPreviewPage(buildFeed(SITE, many, site), contextFor(site)), 'h3')).to.have.length(PREVIEW_ITEMS);
  });

  it('an empty feed says so', () => {
    expect(renderPreviewPage({ scope: RUSSIA, items: [], lastModified: 0 }, contextFor(site))).to.include('<p>No articles yet.</p>');
  });

  it('plain text (title, label, caption, credit, byline) shows as written, never as markup', () => {
    const V = '<b>&lt;x</b> & co';
    const article: Article = {
      ...articles[0]!,
      title: `Title ${V}`,
      authors: [{ name: `Name ${V}` }],
      images: [{ url: 'https://cdn.example/photo.jpg', caption: `Caption ${V}`, credit: `Credit ${V}` }],
    };
    const scope: Scope = { key: 'tags/x', kind: 'tag', label: `Tag ${V}` };
    const page = renderPreviewPage({ scope, items: [prepareItem(article, site.origins)], lastModified: article.published }, contextFor(site));
    expect(elements(page, 'b')).to.deep.equal([]);
    expect(text(elements(page, 'h1')[0]!)).to.equal(`${site.title}: Tag ${V}`);
    expect(text(elements(page, 'h3')[0]!)).to.equal(`Title ${V}`);
    expect(text(elements(page, 'figcaption')[0]!)).to.equal(`Caption ${V} Credit ${V}`);
    expect(page).to.include(`· Name &lt;b&gt;&amp;lt;x&lt;/b&gt; &amp; co</p>`);
    // A photo on another host is linked, not loaded (the pages' CSP allows images from this site only).
    expect(elements(page, 'img')).to.deep.equal([]);
    expect(elements(page, 'figure')[0]!.children.some((c) => (c as Element).name === 'a' && (c as Element).attribs.href === 'https://cdn.example/photo.jpg')).to.equal(true);
  });
});

describe('preview pages: an item without a photo (review finding)', () => {
  const items = (list: Article[]) => renderPreviewPage({ scope: SITE, items: list.map((a) => prepareItem(a, site.origins)), lastModified: articles[0]!.published }, contextFor(site));
  const articleOf = (page: string, title: string): Element => elements(page, 'article').find((a) => text(DomUtils.findOne((e) => e.name === 'h3', [a])!) === title)!;

  it('emits no figure, image or empty element for an item without images, or whose first image is not a photo', () => {
    const none: Article = { ...articles[0]!, id: 'no-photo', title: 'No photo', images: [] };
    const video: Article = { ...articles[1]!, id: 'not-a-photo', title: 'Not a photo', images: [{ url: '/media/clip.mp4', type: 'video/mp4', width: 640, height: 360 }] };
    const photo: Article = { ...articles[2]!, id: 'photo', title: 'A photo', images: [{ url: '/media/x.webp', type: 'image/webp', width: 640, height: 360 }] };
    const page = items([none, video, photo]);
    for (const title of ['No photo', 'Not a photo']) {
      const article = articleOf(page, title);
      expect(DomUtils.findAll((e) => ['figure', 'img', 'figcaption'].includes(e.name), [article]), title).to.deep.equal([]);
      expect(DomUtils.findAll((e) => e.children.length === 0 && !['time', 'br'].includes(e.name), [article]), `${title}: no empty element`).to.deep.equal([]);
    }
    expect(DomUtils.findOne((e) => e.name === 'img', [articleOf(page, 'A photo')])!.attribs.src).to.equal('/media/x.webp');
  });
});

describe('the stylesheet processing instruction in RSS and Atom', () => {
  const feed = buildFeed(RUSSIA, articles.filter((a) => a.section[1] === 'Russia'), site);
  const docs = { rss: renderRss(feed, contextFor(site)), atom: renderAtom(feed, contextFor(site)) };

  for (const [name, doc] of Object.entries(docs)) {
    it(`${name}: comes right after the XML declaration, and strict parsers accept the document`, async () => {
      expect(doc.startsWith(`<?xml version="1.0" encoding="utf-8"?>\n${FEED_STYLESHEET_PI}<`)).to.equal(true);
      expect(xmlErrors(doc)).to.deep.equal([]);
      const parsed = await parseXml(doc);
      expect(Object.keys(parsed)).to.deep.equal([name === 'rss' ? 'rss' : 'feed']);
      if (existsSync('/usr/bin/xmllint')) execFileSync('/usr/bin/xmllint', ['--noout', '-'], { input: doc });
    });

    it(`${name}: the importer (how feedwright reads other feeds) reads every item`, async () => {
      const parsed = await parseFeed(doc, { timeZone: site.timeZone });
      expect(parsed.items.map((i) => i.raw.title)).to.deep.equal(feed.items.map((i) => i.article.title));
    });
  }

  it('rss: the channel title as xml2js reads it is unchanged', async () => {
    const parsed = await parseXml(docs.rss);
    expect(textOf(parsed.rss.channel[0].title[0])).to.equal(`${site.title}: News / Russia`);
  });
});
