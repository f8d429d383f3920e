// Language of parts on the HTML pages (WCAG 2.2 SC 3.1.2; field review): an item in another
// language than the page's carries `lang` on its <article>, and `dir` where its script runs the
// other way; the page's <html> carries the site's language and, for a right-to-left one,
// dir="rtl". The feeds' own bytes are covered by the golden tests.
import { expect } from 'chai';
import { parseDocument, DomUtils } from 'htmlparser2';
import type { Element } from 'domhandler';
import { renderPreviewPage } from '../../src/core/render-preview.js';
import { renderIndexPage, type FeedListing } from '../../src/core/render-directory.js';
import { languageAttrs, languageDirection } from '../../src/core/text-direction.js';
import type { Article } from '../../src/core/article.js';
import type { Scope } from '../../src/core/scopes.js';
import type { SiteConfig } from '../../src/core/site.js';
import { buildFeed, contextFor, sampleArticles, sampleSite } from './helpers.js';

const SITE: Scope = { key: '', kind: 'site', label: '' };

function elements(html: string, name: string): Element[] {
  return DomUtils.findAll((e) => e.name === name, parseDocument(html).children);
}

/** Each item's <article> attributes, by the item's title. */
function itemAttrs(html: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const a of elements(html, 'article')) out.set(DomUtils.textContent(DomUtils.findOne((e) => e.name === 'h3', [a])!), a.attribs);
  return out;
}

function page(articles: Article[], site: SiteConfig): string {
  return renderPreviewPage(buildFeed(SITE, articles, site), contextFor(site));
}

describe('preview pages: the language and direction of each item (WCAG 3.1.2, field review)', () => {
  const site = sampleSite();
  const articles = sampleArticles(site);
  const persian = articles.find((a) => a.language === 'fa')!;

  it('the sample: the Persian item is lang="fa" dir="rtl"; items in the page\'s language carry neither; <html lang="en"> without dir', () => {
    expect(site.language).to.equal('en');
    expect(persian, 'a Persian article in data/articles').to.not.equal(undefined);
    const html = page(articles, site);
    const root = elements(html, 'html')[0]!;
    expect(root.attribs).to.deep.equal({ lang: 'en' });
    const attrs = itemAttrs(html);
    expect(attrs.get(persian.title)).to.deep.equal({ lang: 'fa', dir: 'rtl' });
    for (const a of articles.filter((x) => x !== persian)) expect(attrs.get(a.title), a.title).to.deep.equal({});
  });

  it('a right-to-left site: <html lang="fa" dir="rtl">, its own items bare (case-insensitive), an English item lang="en" dir="ltr"', () => {
    const fa: SiteConfig = { ...site, language: 'fa' };
    const upper: Article = { ...articles[0]!, id: 'upper', path: '/upper', title: 'upper-case tag', language: 'FA-IR' };
    const english: Article = { ...articles[0]!, id: 'english', path: '/english', title: 'an English item', language: 'en' };
    const html = page([...articles, upper, english], fa);
    expect(elements(html, 'html')[0]!.attribs).to.deep.equal({ lang: 'fa', dir: 'rtl' });
    const attrs = itemAttrs(html);
    expect(attrs.get(persian.title)).to.deep.equal({});
    expect(attrs.get(upper.title)).to.deep.equal({ lang: 'FA-IR' }); // another tag, same direction
    expect(attrs.get(english.title)).to.deep.equal({ lang: 'en', dir: 'ltr' });
    // An item without a language is in the site's (as in the feeds: no xml:lang, no JSON language).
    for (const a of articles.filter((x) => x.language === undefined)) expect(attrs.get(a.title), a.title).to.deep.equal({});
  });

  it('another language in the same direction gets lang alone; a language of no known script gets dir="auto"; a malformed tag nothing', () => {
    const base = articles.find((a) => a.language === undefined)!;
    const variants: [string, Record<string, string>][] = [
      ['en-GB', { lang: 'en-GB' }],
      ['ru', { lang: 'ru' }],
      ['he', { lang: 'he', dir: 'rtl' }],
      ['tlh', { lang: 'tlh', dir: 'auto' }],
      ['"><script>alert(1)</script>', {}],
      ['en', {}],
      ['EN', {}],
    ];
    const items = variants.map(([language], i): Article => ({ ...base, id: `v${i}`, path: `/v${i}`, title: `variant ${i}`, published: base.published + i, language }));
    const html = page(items, site);
    expect(html).to.not.include('<script>alert');
    const attrs = itemAttrs(html);
    variants.forEach(([language, expected], i) => expect(attrs.get(`variant ${i}`), language).to.deep.equal(expected));
  });

  it('the direction comes from the tag\'s script, written or likely (CLDR likely subtags)', () => {
    const rtl = ['fa', 'ar', 'he', 'iw', 'ur', 'ps', 'sd', 'ug', 'yi', 'dv', 'ckb', 'ku-Arab', 'ku-IQ', 'pa-Arab', 'pa-PK', 'az-IR', 'syr', 'nqo', 'ff-Adlm', 'rhg', 'fa-IR', 'AR-eg'];
    const ltr = ['en', 'ru', 'ku', 'sd-Deva', 'fa-Latn', 'az', 'pa', 'zh-Hant', 'ja', 'hi', 'tr'];
    for (const t of rtl) expect(languageDirection(t), t).to.equal('rtl');
    for (const t of ltr) expect(languageDirection(t), t).to.equal('ltr');
    for (const t of ['tlh', 'qaa', 'x-klingon', '', 'fa_IR', 'e"n']) expect(languageDirection(t), t).to.equal(undefined);
    expect(languageAttrs(undefined, 'fa')).to.equal('');
  });
});

describe('the directory page: the site\'s language and direction, feed names in any script', () => {
  const site = sampleSite();
  const feeds: FeedListing[] = [
    { scope: SITE, items: 7, lastModified: 1 },
    { scope: { key: 'tags/tehran', kind: 'tag', label: 'تهران' }, items: 1, lastModified: 1 },
  ];

  it('<html lang> is the site\'s language, with dir="rtl" for a right-to-left one', () => {
    expect(elements(renderIndexPage(feeds, site), 'html')[0]!.attribs).to.deep.equal({ lang: 'en' });
    expect(elements(renderIndexPage(feeds, { ...site, language: 'ar' }), 'html')[0]!.attribs).to.deep.equal({ lang: 'ar', dir: 'rtl' });
  });

  it('a section or tag name (written in any script) is isolated with dir="auto"', () => {
    const links = elements(renderIndexPage(feeds, site), 'a').filter((a) => a.attribs.href?.endsWith('feed.html'));
    const tag = links.find((a) => DomUtils.textContent(a) === 'تهران')!;
    expect(tag.attribs.dir).to.equal('auto');
    expect(links.find((a) => DomUtils.textContent(a) === site.title)!.attribs.dir).to.equal(undefined);
  });
});
