// Property tests over whole articles (issue 6): for arbitrary input that passes validation, every
// document of every format on every origin is accepted by a strict XML parser or is valid JSON
// Feed 1.1, ids are identical across formats and origins, and titles round-trip minus what XML
// forbids. 1,000 runs.
import { expect } from 'chai';
import fc from 'fast-check';
import { parseStringPromise } from 'xml2js';
import { validateArticle } from '../../src/core/article.js';
import { plainLine } from '../../src/core/plain-text.js';
import { itemId } from '../../src/core/feed-model.js';
import { buildFeed, contextFor, rawSampleSite, renderAll, xmlErrors } from './helpers.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';

// With WebSub hubs (issue 14), one URL carrying `&` and a query: the hub links are attributes too.
const site = validateSiteConfig({ ...rawSampleSite(), hubs: ['https://hub.example/p?a=1&b=<2>'], hub: 'builtin' }, isCronExpression);
const SITE_SCOPE = { key: '', kind: 'site' as const, label: '' };

/** Any UTF-16 text, lone surrogates, controls and markup included. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 80 }),
  fc.constantFrom(']]>', ']]>]]>', '<b>&amp;</b>', '"\'<>&', '\u0000\u0001\u001f\u007f\u0085', '\uD800', '\uDFFF', '😀 سلام', 'x'.repeat(3000)),
);
const fragment = fc.oneof(anyText, fc.constantFrom('<p>', '</p>', '<a href="/rel?a=1&b=2">', '</a>', '<img src="//cdn.example/i.jpg">', '<script>x()</script>', '<figure><figcaption>c</figcaption></figure>', '<iframe src="https://www.youtube.com/embed/x"></iframe>'));
const date = fc.date({ min: new Date('1901-01-01T00:00:00Z'), max: new Date('9998-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
const localDate = fc.date({ min: new Date('1950-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19));

const articleArb = fc.record({
  id: fc.stringMatching(/^[A-Za-z0-9._~-]{1,40}$/),
  path: fc.webPath().map((p) => `/${p.replace(/^\/+/, '')}`),
  title: anyText,
  body: fc.array(fragment, { minLength: 1, maxLength: 12 }).map((parts) => parts.join('')),
  published: fc.oneof(date, localDate),
  section: fc.array(anyText, { maxLength: 3 }),
  tags: fc.array(anyText, { maxLength: 4 }),
  authors: fc.array(fc.record({ name: anyText }), { maxLength: 2 }),
  guid: fc.option(anyText, { nil: undefined }),
  images: fc.array(fc.record({ url: fc.constantFrom('/i/1.jpg', 'https://cdn.example/a&b.jpg', '/i/ü.png'), caption: anyText, credit: anyText }), { maxLength: 2 }),
});

function textOf(node: unknown): string {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && '_' in node) return String((node as { _: unknown })._);
  return '';
}

describe('property: any valid article gives valid documents with stable ids', function () {
  this.timeout(120_000);
  it('holds for 1,000 arbitrary articles, on both origins', async () => {
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(articleArb, async (raw) => {
        const result = validateArticle(raw, site.timeZone);
        fc.pre('article' in result);
        if (!('article' in result)) return;
        const article = result.article;
        checked += 1;
        const ids = new Set<string>();
        for (const origin of site.origins) {
          const docs = renderAll(buildFeed(SITE_SCOPE, [article], site), contextFor(site, origin));
          expect(xmlErrors(docs.rss), 'rss').to.deep.equal([]);
          expect(xmlErrors(docs.atom), 'atom').to.deep.equal([]);
          const json = JSON.parse(docs.json) as { version: string; items: { id: string; title: string; content_html: string }[] };
          expect(json.version).to.equal('https://jsonfeed.org/version/1.1');
          expect(json.items).to.have.length(1);
          const rss = await parseStringPromise(docs.rss);
          const atom = await parseStringPromise(docs.atom);
          const rssItem = rss.rss.channel[0].item[0];
          const entry = atom.feed.entry[0];
          ids.add(textOf(rssItem.guid[0])).add(textOf(entry.id[0])).add(json.items[0]!.id);
          const title = plainLine(article.title);
          expect(textOf(rssItem.title[0])).to.equal(title);
          expect(textOf(entry.title[0])).to.equal(title);
          expect(json.items[0]!.title).to.equal(title);
          expect(json.items[0]!.content_html).to.not.match(/<script|javascript:/i);
        }
        expect([...ids]).to.deep.equal([itemId(article, site)]);
      }),
      { numRuns: 1000 },
    );
    expect(checked).to.be.greaterThan(500);
  });
});
