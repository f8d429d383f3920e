// The hostile fixture set: articles full of what breaks feeds (controls, lone surrogates, "]]>",
// markup characters, quotes and ampersands in URLs, emoji, RTL text, relative URLs, local times
// without an offset). Every document must pass a strict XML parser, read back the text the
// article carried (minus what XML forbids), and carry only absolute URLs in its content.
import { expect } from 'chai';
import { validateArticle, type Article } from '../../src/core/article.js';
import { escapeHtmlText } from '../../src/core/html-escape.js';
import { plainLine } from '../../src/core/plain-text.js';
import { createDateFormatter } from '../../src/core/dates.js';
import type { RenderContext } from '../../src/core/feed-model.js';
import { articleScopes, type Scope } from '../../src/core/scopes.js';
import type { SiteConfig } from '../../src/core/site.js';
import { cleanText } from '../../src/core/xml-escape.js';
import { buildFeed, contextFor, htmlUrls, mustValidate, parseXml, renderAll, sampleSite, textOf, xmlErrors } from './helpers.js';

const site: SiteConfig = sampleSite();
const PRIMARY = site.origins[0]!;
const MIRROR = site.origins[1]!;
const SITE_SCOPE: Scope = { key: '', kind: 'site', label: '' };

// Every character class XML 1.0 forbids or the escaping core drops, and both lone surrogates.
const BAD = 'a\u0001b\u0008c\u000Bd\u001Fe\u007Ff\u0080g\u0085h\u009Fi\uD800j\uDFFFk\uFFFEl\uFFFFm';
const CDATA_END = ']]>';

/** The hostile fixtures, raw as they would arrive in a file or through the ingest API. */
const HOSTILE: Record<string, unknown>[] = [
  {
    id: 'hostile-everything',
    path: '/Detail/2023/01/10/1/hostile-everything',
    title: `Breaking${BAD} ${CDATA_END} news ${CDATA_END} & <b>"quoted"</b> 'single' 😀 خبر فوری`,
    summary: `Sum${BAD} ${CDATA_END} & <x> "q"`,
    body:
      `<p>${BAD} ${CDATA_END} and ${CDATA_END} again &amp; &lt;tag&gt; 😀 سلام</p>\n` +
      '<p><a href="../x">up</a> <img src="/img/1.jpg" srcset="/img/1-2x.jpg 2x, img/rel.jpg 3x" alt="i">' +
      ' <a href="#frag">frag</a> <a href="//cdn.example/x">cdn</a>' +
      ' <a href="/search?q=a&amp;b=&quot;c&quot;">q</a> <a href=\'/single?x=1&y="2"\'>s</a>' +
      ' <a href=/unquoted>u</a> <a HREF="rel/page">r</a> <a href = "?page=2">p</a></p>',
    published: '2023-01-10T12:00:00',
    authors: [
      { name: `Ali${BAD} & <Reza> "R"`, url: 'https://example.com/people?a=1&b="2"' },
      { name: 'Sara <S&S>', email: 'sara@example.com' },
    ],
    section: [`News${BAD}`, 'Middle East & "Africa" <x>'],
    tags: [`Tag${BAD}`, 'a&b <c> "d" \'e\'', 'خبر', '😀 emoji', CDATA_END],
    images: [
      { url: '/img/lead&x.jpg?a=1&b=2', caption: `Cap${BAD} ${CDATA_END} <i>`, credit: `AFP${BAD} & "Reuters"` },
      { url: 'https://cdn.example/img.jpg?a=1&b="2"', caption: 'second "caption"', credit: '<Credit>' },
    ],
    guid: `urn:x-hostile:${BAD}&<>"'${CDATA_END}`,
  },
  {
    id: 'persian-rtl',
    path: '/fa/Detail/2016/07/06/2/tehran',
    title: '\u200Fهشدار درباره‌ی مصرف آب در تهران — «گزارش» ۱۴۰۱\u200E',
    body: '<p dir="rtl">متن فارسی با نیم‌فاصله و <a href="/fa/news?id=۱&amp;x=2">پیوند</a> و <img src="../img/fa.jpg"></p>',
    published: '2016-07-06T14:05:00',
    language: 'fa',
    section: ['اخبار', 'ایران'],
    tags: ['تهران', 'آب'],
    authors: [{ name: 'خبرنگار \uD83D\uDE00 ما' }],
    images: [{ url: '/img/fa-lead.jpg', caption: 'زیرنویس ]]> عکس', credit: 'ایرنا' }],
  },
  {
    id: 'emoji.and~cdata_only',
    path: '/x/emoji',
    title: `${CDATA_END}${CDATA_END}😀\uD83C\uDDEE\uD83C\uDDF7 ${CDATA_END}`,
    body: `${CDATA_END}<p>😀</p>${CDATA_END}<![CDATA[ x ]]><!-- <a href="/in-comment"> -->`,
    published: '2016-01-10T12:00:00',
    updated: '2023-07-10T12:00:00+04:30',
  },
  {
    id: 'whitespace-and-controls',
    path: '/x/ws',
    title: '\t\n  Line\u0000one \r\n\u000C line\u001Ftwo   \u0007',
    body: '<p>\r\ncarriage\rreturns\r\n</p><p><a href="#top">top</a><img src="/img/2.jpg"></p>',
    published: '2016-07-06T09:35:00Z',
    tags: ['  spaced\ttag  '],
    guid: 'http://old.example.com/?p=123&amp=1',
  },
];

const articles: Article[] = HOSTILE.map((raw) => mustValidate(raw, site.timeZone));
const rawById = new Map(HOSTILE.map((raw) => [raw.id as string, raw]));

/** True when a string holds nothing XML 1.0 forbids, no lone surrogate and no C1 control. */
function isClean(s: string): boolean {
  return cleanText(s) === s;
}

/** Every string inside a parsed JSON value. */
function allStrings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => allStrings(x, out));
  else if (typeof v === 'object' && v !== null) Object.entries(v).forEach(([k, x]) => { out.push(k); allStrings(x, out); });
  return out;
}

/** Asserts that every URL in some HTML content is absolute. */
function expectAbsolute(html: string, where: string): string[] {
  const urls = htmlUrls(html);
  for (const url of urls) {
    expect(url, `${where}: ${url}`).not.to.match(/^(\/|\.\.|#|\?|\.\/)/);
    expect(url, `${where}: ${url}`).to.match(/^https?:\/\/[^/\s]+/);
  }
  return urls;
}

interface Parsed {
  rssItem: any;
  atomEntry: any;
  jsonItem: any;
  rss: string;
  atom: string;
  json: string;
}

async function renderOne(article: Article, ctx: RenderContext, scope: Scope = SITE_SCOPE): Promise<Parsed> {
  const docs = renderAll(buildFeed(scope, [article], site), ctx);
  expect(xmlErrors(docs.rss), 'RSS').to.deep.equal([]);
  expect(xmlErrors(docs.atom), 'Atom').to.deep.equal([]);
  const rss = await parseXml(docs.rss);
  const atom = await parseXml(docs.atom);
  const json = JSON.parse(docs.json);
  return { rssItem: rss.rss.channel[0].item[0], atomEntry: atom.feed.entry[0], jsonItem: json.items[0], ...docs };
}

describe('hostile articles', () => {
  it('all validate (the fixture set is accepted, cleaned on the way in)', () => {
    expect(articles.map((a) => a.id)).to.deep.equal(HOSTILE.map((r) => r.id));
    for (const a of articles) {
      expect(isClean(a.title), a.id).to.equal(true);
      expect(isClean(a.body), a.id).to.equal(true);
    }
  });

  for (const [i, raw] of HOSTILE.entries()) {
    const id = raw.id as string;
    describe(id, () => {
      const article = articles[i]!;
      let p: Parsed;
      let m: Parsed;
      before(async () => {
        p = await renderOne(article, contextFor(site, PRIMARY));
        m = await renderOne(article, contextFor(site, MIRROR));
      });

      it('renders RSS and Atom a strict parser accepts, and parseable JSON, on both origins', () => {
        // renderOne already ran saxes on both XML documents; here: the raw text itself is clean.
        for (const doc of [p.rss, p.atom, p.json, m.rss, m.atom, m.json]) expect(isClean(doc)).to.equal(true);
        expect(p.jsonItem).to.be.an('object');
        expect(m.jsonItem).to.be.an('object');
      });

      it('reads back the title in RSS, Atom and JSON as plainLine(title)', () => {
        const expected = plainLine(raw.title as string);
        expect(expected).to.not.equal('');
        expect(textOf(p.rssItem.title[0])).to.equal(expected);
        expect(textOf(p.atomEntry.title[0])).to.equal(expected);
        expect(p.jsonItem.title).to.equal(expected);
        if ((raw.title as string).includes(CDATA_END)) expect(textOf(p.rssItem.title[0])).to.include(CDATA_END);
      });

      it('reads back the id: the guid when given, else the tag: URI, in all three', () => {
        const expected = raw.guid === undefined ? `${site.idPrefix}${id}` : plainLine(raw.guid as string);
        expect(textOf(p.rssItem.guid[0])).to.equal(expected);
        expect(p.rssItem.guid[0].$.isPermaLink).to.equal('false');
        expect(textOf(p.atomEntry.id[0])).to.equal(expected);
        expect(p.jsonItem.id).to.equal(expected);
        expect(textOf(m.atomEntry.id[0])).to.equal(expected);
      });

      it('reads back bylines, categories, summary, captions and credits', () => {
        const authors = (raw.authors as { name: string; email?: string }[] | undefined) ?? [];
        if (authors.length === 0) {
          expect(p.rssItem['dc:creator'].map(textOf)).to.deep.equal([site.author.name]);
          expect(p.jsonItem.authors.map((a: any) => a.name)).to.deep.equal([site.author.name]);
        } else {
          const names = authors.map((a) => plainLine(a.name));
          const rssBylines = [...(p.rssItem['dc:creator'] ?? []).map(textOf), ...(p.rssItem.author ?? []).map(textOf)];
          for (const a of authors) {
            const name = plainLine(a.name);
            expect(rssBylines).to.include(a.email ? `${a.email} (${name})` : name);
          }
          expect(p.atomEntry.author.map((x: any) => textOf(x.name[0]))).to.deep.equal(names);
          expect(p.jsonItem.authors.map((x: any) => x.name)).to.deep.equal(names);
        }
        const section = ((raw.section as string[] | undefined) ?? []).map(plainLine);
        const tags = ((raw.tags as string[] | undefined) ?? []).map(plainLine);
        const categories = (p.rssItem.category ?? []).map(textOf);
        if (section.length > 0) {
          expect(categories[0]).to.equal(section.join(' / '));
          expect(p.jsonItem.tags[0]).to.equal(section.join(' / '));
          const labels = p.atomEntry.category.map((c: any) => c.$.label);
          expect(labels).to.include(section.join(' / '));
          expect(labels).to.include(section[0]);
        }
        for (const t of tags) {
          expect(categories).to.include(t);
          expect(p.jsonItem.tags).to.include(t);
          expect(p.atomEntry.category.map((c: any) => c.$.label)).to.include(t);
        }
        if (raw.summary !== undefined) {
          const summary = plainLine(raw.summary as string);
          // RSS description is HTML (RSS 2.0): the plain-text summary is HTML-escaped in it.
          expect(textOf(p.rssItem.description[0])).to.equal(escapeHtmlText(summary));
          expect(textOf(p.atomEntry.summary[0])).to.equal(summary);
          expect(p.jsonItem.summary).to.equal(summary);
        }
        const images = (raw.images as { caption?: string; credit?: string }[] | undefined) ?? [];
        const media = p.rssItem['media:content'] ?? [];
        expect(media).to.have.length(images.length);
        images.forEach((img, k) => {
          if (img.caption !== undefined) expect(textOf(media[k]['media:description'][0])).to.equal(plainLine(img.caption));
          if (img.credit !== undefined) expect(textOf(media[k]['media:credit'][0])).to.equal(plainLine(img.credit));
          if (img.caption !== undefined && img.credit !== undefined) {
            expect(p.jsonItem.attachments[k].title).to.equal(`${plainLine(img.caption)} (${plainLine(img.credit)})`);
          }
        });
      });

      it('makes every URL in the content absolute, on the origin that serves it', () => {
        for (const [doc, origin] of [[p, PRIMARY], [m, MIRROR]] as const) {
          const contents = {
            rss: textOf(doc.rssItem['content:encoded'][0]),
            atom: textOf(doc.atomEntry.content[0]),
            json: doc.jsonItem.content_html as string,
          };
          expect(contents.rss).to.equal(contents.atom);
          expect(contents.rss).to.equal(contents.json);
          // The mirror notice ends the content and links the other origin, by design (§4).
          const noticeAt = contents.rss.lastIndexOf('<p class="feedwright-mirrors">');
          expect(noticeAt, 'the mirror notice ends the content').to.be.greaterThan(0);
          const notice = contents.rss.slice(noticeAt);
          const other = origin === PRIMARY ? MIRROR : PRIMARY;
          expect(notice).to.include(`href="${other.href}${article.path.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`);
          expect(notice).to.not.include(`href="${origin.href}`);
          const urls = expectAbsolute(contents.rss.slice(0, noticeAt), `${id} on ${origin.host}`);
          // A site-relative URL lands on the serving origin, never on the other one.
          for (const url of urls) expect(url.startsWith(other.href + '/'), url).to.equal(false);
          expect(textOf(doc.rssItem.link[0])).to.equal(origin.href + article.path);
          expect(doc.jsonItem.url).to.equal(origin.href + article.path);
        }
      });

      it('makes every image URL absolute (media:content, enclosure, Atom enclosure, JSON image and attachments)', () => {
        const urls: string[] = [
          ...(p.rssItem['media:content'] ?? []).map((x: any) => x.$.url),
          ...(p.rssItem.enclosure ?? []).map((x: any) => x.$.url),
          ...p.atomEntry.link.filter((l: any) => l.$.rel === 'enclosure').map((l: any) => l.$.href),
          ...(p.jsonItem.image ? [p.jsonItem.image] : []),
          ...(p.jsonItem.attachments ?? []).map((x: any) => x.url),
        ];
        const count = ((raw.images as unknown[] | undefined) ?? []).length;
        expect(urls).to.have.length(count === 0 ? 0 : count * 2 + 3);
        for (const url of urls) {
          expect(url).to.match(/^https:\/\/[^/\s"<>]+\//);
          expect(() => new URL(url)).not.to.throw();
        }
      });

      it('keeps every JSON string clean of what XML forbids', () => {
        for (const s of allStrings(JSON.parse(p.json))) expect(isClean(s), JSON.stringify(s)).to.equal(true);
      });

      it('renders every feed the article is listed in (site, section prefixes, tags) well-formed', () => {
        const scopes = articleScopes(article);
        expect(scopes.length).to.be.greaterThan(0);
        for (const scope of scopes) {
          const docs = renderAll(buildFeed(scope, [article], site), contextFor(site, MIRROR));
          expect(xmlErrors(docs.rss), scope.key).to.deep.equal([]);
          expect(xmlErrors(docs.atom), scope.key).to.deep.equal([]);
          const feed = JSON.parse(docs.json);
          expect(feed.feed_url).to.match(/^https:\/\/www\.presstv\.ir\/[\x21-\x7e]+$/);
          expect(feed.title).to.equal(scope.kind === 'site' ? site.title : `${site.title}: ${scope.label}`);
        }
      });
    });
  }

  it('places the hostile URLs where the article pointed', async () => {
    const p = await renderOne(articles[0]!, contextFor(site, PRIMARY));
    const html = textOf(p.rssItem['content:encoded'][0]);
    const base = 'https://www.presstv.com';
    const urls = htmlUrls(html);
    expect(urls).to.include.members([
      `${base}/Detail/2023/01/10/x`, // ../x from /Detail/2023/01/10/1/hostile-everything
      `${base}/img/1.jpg`,
      `${base}/img/1-2x.jpg`,
      `${base}/Detail/2023/01/10/1/img/rel.jpg`,
      `${base}/Detail/2023/01/10/1/hostile-everything#frag`,
      'https://cdn.example/x',
      `${base}/unquoted`,
      `${base}/Detail/2023/01/10/1/rel/page`,
      `${base}/Detail/2023/01/10/1/hostile-everything?page=2`,
    ]);
    // The & of a query string survives as &amp; in the HTML, and the quotes are percent-encoded.
    expect(html).to.include(`href="${base}/search?q=a&amp;b=%22c%22"`);
    expect(html).to.include(`href="${base}/single?x=1&amp;y=%222%22"`);
    // The lead image figure, with its relative URL made absolute and its ampersands escaped.
    expect(html).to.match(new RegExp(`^<figure><img src="${base}/img/lead&amp;x\\.jpg\\?a=1&amp;b=2"`));
    expect(p.rssItem.enclosure[0].$.url).to.equal(`${base}/img/lead&x.jpg?a=1&b=2`);
    // The absolute image URL keeps its host, with the quotes percent-encoded.
    expect(p.rssItem['media:content'][1].$.url).to.equal('https://cdn.example/img.jpg?a=1&b=%222%22');
    // A scheme-relative link takes the serving origin's scheme.
    const onion = { href: 'http://presstv.onion.example', host: 'presstv.onion.example', protocol: 'http:' as const, onion: false };
    const q = await renderOne(articles[0]!, contextFor(site, onion));
    expect(htmlUrls(textOf(q.rssItem['content:encoded'][0]))).to.include.members(['http://cdn.example/x', 'http://presstv.onion.example/img/1.jpg']);
  });

  it('keeps text in the content and the figure: "]]>", emoji and Persian survive, controls do not', async () => {
    const p = await renderOne(articles[0]!, contextFor(site));
    const html = p.jsonItem.content_html as string;
    // The sanitiser writes text's '>' as &gt; in HTML: the same text for every HTML reader.
    expect(html).to.include(`]]&gt; and ]]&gt; again`);
    expect(html).to.include('😀 سلام');
    expect(html).to.include(cleanText(BAD));
    expect(html).not.to.include('\u0001');
    expect(html).to.include(`<figcaption>${plainLine(`Cap${BAD} ]]&gt; &lt;i&gt;`)}`);
    const fa = await renderOne(articles[1]!, contextFor(site));
    expect(fa.atomEntry.$['xml:lang']).to.equal('fa');
    expect(fa.jsonItem.language).to.equal('fa');
    expect(textOf(fa.rssItem.title[0])).to.include('درباره‌ی'); // the ZWNJ is kept
  });
});

describe('dates in the site time zone (Asia/Tehran)', () => {
  const dates = createDateFormatter('Asia/Tehran');
  const cases: [string, string, string][] = [
    // [input, RFC 822, RFC 3339]
    ['2023-01-10T12:00:00', 'Tue, 10 Jan 2023 12:00:00 +0330', '2023-01-10T12:00:00+03:30'],
    ['2023-07-10T12:00:00', 'Mon, 10 Jul 2023 12:00:00 +0330', '2023-07-10T12:00:00+03:30'], // no DST since 2022
    ['2016-07-06T14:05:00', 'Wed, 06 Jul 2016 14:05:00 +0430', '2016-07-06T14:05:00+04:30'],
    ['2016-01-10T12:00:00', 'Sun, 10 Jan 2016 12:00:00 +0330', '2016-01-10T12:00:00+03:30'],
    ['2016-07-06T09:35:00Z', 'Wed, 06 Jul 2016 14:05:00 +0430', '2016-07-06T14:05:00+04:30'],
    ['2016-07-06T10:35:00+01:00', 'Wed, 06 Jul 2016 14:05:00 +0430', '2016-07-06T14:05:00+04:30'],
    ['2016-07-06', 'Wed, 06 Jul 2016 00:00:00 +0430', '2016-07-06T00:00:00+04:30'],
    ['2023-01-10T23:59:59', 'Tue, 10 Jan 2023 23:59:59 +0330', '2023-01-10T23:59:59+03:30'],
  ];
  for (const [input, rfc822, rfc3339] of cases) {
    it(`${input} → ${rfc822} / ${rfc3339}`, async () => {
      const article = mustValidate({ id: 'd', path: '/d', title: 'd', body: '<p>d</p>', published: input }, 'Asia/Tehran');
      expect(dates.rfc822(article.published)).to.equal(rfc822);
      expect(dates.rfc3339(article.published)).to.equal(rfc3339);
      const p = await renderOne(article, contextFor(site));
      expect(textOf(p.rssItem.pubDate[0])).to.equal(rfc822);
      expect(textOf(p.atomEntry.published[0])).to.equal(rfc3339);
      expect(p.jsonItem.date_published).to.equal(rfc3339);
    });
  }

  it('reads a local time as Tehran time: 2023-01-10T12:00:00 is 08:30 UTC, 2016-07-06T14:05:00 is 09:35 UTC', () => {
    const winter = mustValidate({ id: 'w', path: '/w', title: 'w', body: 'w', published: '2023-01-10T12:00:00' }, 'Asia/Tehran');
    const summer = mustValidate({ id: 's', path: '/s', title: 's', body: 's', published: '2016-07-06T14:05:00' }, 'Asia/Tehran');
    expect(new Date(winter.published).toISOString()).to.equal('2023-01-10T08:30:00.000Z');
    expect(new Date(summer.published).toISOString()).to.equal('2016-07-06T09:35:00.000Z');
  });

  it('dates the updated hostile entry with both offsets (+03:30 published, +04:30 input updated)', async () => {
    const p = await renderOne(articles[2]!, contextFor(site));
    expect(textOf(p.atomEntry.published[0])).to.equal('2016-01-10T12:00:00+03:30');
    // 2023-07-10T12:00:00+04:30 is 11:00 in Tehran (+03:30 since 2022).
    expect(textOf(p.atomEntry.updated[0])).to.equal('2023-07-10T11:00:00+03:30');
    expect(p.jsonItem.date_modified).to.equal('2023-07-10T11:00:00+03:30');
  });
});

describe('validateArticle names the field of every problem', () => {
  const good = { id: 'ok-1', path: '/ok', title: 'OK', body: '<p>ok</p>', published: '2016-07-06T14:05:00' };
  const fieldsOf = (raw: unknown): string[] => {
    const result = validateArticle(raw, 'Asia/Tehran');
    expect(result, JSON.stringify(raw)).to.have.property('problems');
    const problems = (result as { problems: { field: string; message: string }[] }).problems;
    for (const p of problems) expect(p.message).to.be.a('string').and.not.equal('');
    return problems.map((p) => p.field);
  };
  const without = (key: string): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...good };
    delete copy[key];
    return copy;
  };

  it('accepts the good article (so the cases below fail for their own reason)', () => {
    expect(validateArticle(good, 'Asia/Tehran')).to.have.property('article');
  });

  const cases: [string, unknown, string[]][] = [
    ['missing id', without('id'), ['id']],
    ['id with a space and a slash', { ...good, id: 'a b/c' }, ['id']],
    ['id with non-ASCII', { ...good, id: 'خبر' }, ['id']],
    ['id too long', { ...good, id: 'a'.repeat(201) }, ['id']],
    ['id not a string', { ...good, id: 42 }, ['id']],
    ['missing path', without('path'), ['path']],
    ['path not starting with /', { ...good, path: 'Detail/1' }, ['path']],
    ['scheme-relative path', { ...good, path: '//evil.example/x' }, ['path']],
    ['absolute URL as path', { ...good, path: 'https://www.presstv.com/x' }, ['path']],
    ['path with a space', { ...good, path: '/a b' }, ['path']],
    ['missing title', without('title'), ['title']],
    ['title of controls only', { ...good, title: '\u0001\u0002 \u0085' }, ['title']],
    ['missing body', without('body'), ['body']],
    ['missing published', without('published'), ['published']],
    ['bad published', { ...good, published: 'yesterday' }, ['published']],
    ['published on 30 February', { ...good, published: '2016-02-30T10:00:00' }, ['published']],
    ['published in RFC 822', { ...good, published: 'Wed, 06 Jul 2016 14:05:00 +0430' }, ['published']],
    ['updated before published', { ...good, updated: '2016-07-06T14:04:59' }, ['updated']],
    ['updated before published across zones', { ...good, published: '2016-07-06T10:00:00Z', updated: '2016-07-06T14:00:00+04:30' }, ['updated']],
    ['bad updated', { ...good, updated: '2016-13-01T00:00:00' }, ['updated']],
    ['relative image url without a slash', { ...good, images: [{ url: 'img/x.jpg' }] }, ['images[0].url']],
    ['scheme-relative image url', { ...good, images: [{ url: 'x.jpg' }, { url: '//cdn.example/x.jpg' }] }, ['images[0].url', 'images[1].url']],
    ['javascript: image url', { ...good, images: [{ url: 'javascript:alert(1)' }] }, ['images[0].url']],
    ['image without url', { ...good, images: [{ caption: 'c' }] }, ['images[0].url']],
    ['bad image type and width', { ...good, images: [{ url: '/a.jpg', type: 'jpeg', width: -1 }] }, ['images[0].type', 'images[0].width']],
    ['unknown field', { ...good, titel: 'typo' }, ['titel']],
    ['two unknown fields', { ...good, author: 'x', link: 'y' }, ['author', 'link']],
    ['author without name', { ...good, authors: [{ email: 'a@b.c' }] }, ['authors[0].name']],
    ['author with a bad url', { ...good, authors: [{ name: 'A', url: 'ftp://x' }] }, ['authors[0].url']],
    ['author with a bad email', { ...good, authors: [{ name: 'A', email: 'not an email' }] }, ['authors[0].email']],
    ['empty tag', { ...good, tags: ['ok', '  '] }, ['tags[1]']],
    ['section not a list', { ...good, section: 'News' }, ['section']],
    ['bad language', { ...good, language: 'not a tag!' }, ['language']],
    ['guid not a string', { ...good, guid: 7 }, ['guid']],
  ];
  for (const [name, raw, fields] of cases) {
    it(`${name} → ${fields.join(', ')}`, () => {
      expect(fieldsOf(raw)).to.deep.equal(fields);
    });
  }

  it('reports every problem at once, each with its own field', () => {
    const fields = fieldsOf({ id: 'bad id', path: 'nope', title: '', body: '', published: 'soon', updated: 'later', images: [{ url: 'x' }], extra: 1 });
    expect(fields).to.have.members(['extra', 'id', 'path', 'title', 'body', 'published', 'updated', 'images[0].url']);
  });

  it('rejects a non-object with a root problem', () => {
    expect(fieldsOf([])).to.deep.equal(['(root)']);
    expect(fieldsOf('x')).to.deep.equal(['(root)']);
  });
});

describe('hostile inputs that once exposed bugs (regression tests)', () => {
  // SRC BUG 1 (src/core/content.ts summarize + render-json.ts): the derived summary decodes
  // numeric character references of the body (&#1; &#xD800; &#xFFFE;) into U+0001, a lone
  // surrogate and U+FFFE, and nothing cleans them again. The XML serializers clean at escape
  // time, but JSON Feed `summary` carries "\u0001", "\ud800" and U+FFFE (design §4: forbidden
  // characters are dropped and lone surrogates become U+FFFD in every format).
  it('the JSON summary derived from a body with references to forbidden characters is clean', () => {
    const article = mustValidate({ id: 'b1', path: '/b1', title: 't', published: '2016-07-06T14:05:00', body: '<p>a &#1; b &#xD800; c &#xFFFE;</p>' }, site.timeZone);
    const json = JSON.parse(renderAll(buildFeed(SITE_SCOPE, [article], site), contextFor(site)).json);
    const summary = json.items[0].summary as string;
    expect(isClean(summary), JSON.stringify(summary)).to.equal(true);
    expect(summary.replace(/\s+/g, ' ').trim()).to.equal('a b \uFFFD c');
  });

  // SRC BUG 2 (src/core/content.ts summarize): the summary is cut at 300 UTF-16 code units, which
  // can split a surrogate pair when no space falls in the second half: JSON gets a lone
  // surrogate, RSS/Atom a U+FFFD where an emoji was.
  it('truncating the derived summary never splits an emoji', () => {
    const article = mustValidate({ id: 'b2', path: '/b2', title: 't', published: '2016-07-06T14:05:00', body: `<p>a${'😀'.repeat(200)}</p>` }, site.timeZone);
    const json = JSON.parse(renderAll(buildFeed(SITE_SCOPE, [article], site), contextFor(site)).json);
    const summary = json.items[0].summary as string;
    expect(isClean(summary), JSON.stringify(summary.slice(-4))).to.equal(true);
    expect(summary).not.to.include('\uFFFD');
  });

  // SRC BUG 3 (src/core/content.ts TAG regex `<[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?>`): a `>` inside a
  // quoted attribute value (legal HTML) ends the tag early, so the URL attributes after it are
  // not made absolute: `<a title="x > y" href="/rel">` keeps href="/rel". The derived summary
  // also leaks markup (`y" href="/rel">r`) because summarize strips tags with `<[^>]*>`.
  it('a ">" inside a quoted attribute does not stop URLs after it from being made absolute', async () => {
    const article = mustValidate({ id: 'b3', path: '/a/b3', title: 't', published: '2016-07-06T14:05:00', body: '<p><a title="x > y" href="/rel">r</a></p>' }, site.timeZone);
    const p = await renderOne(article, contextFor(site));
    expectAbsolute(textOf(p.rssItem['content:encoded'][0]), 'b3');
    expect(p.jsonItem.summary).to.equal('r');
  });

  // SRC BUG 4 (src/core/article.ts validPerson): an author's url and email are checked with
  // /^https?:\/\/[^\s]+$/ and /^[^\s@<>()"]+@[^\s@<>()"]+$/ but not cleaned, so controls and lone
  // surrogates pass validation and reach the JSON Feed `authors[].url` verbatim (the XML
  // serializers clean them at escape time, so RSS/Atom differ from JSON).
  it('an author url with a control character or a lone surrogate never reaches the JSON raw', () => {
    const result = validateArticle({ id: 'b4', path: '/b4', title: 't', body: 'b', published: '2016-07-06T14:05:00', authors: [{ name: 'A', url: 'https://example.com/\u0001\uD800' }] }, site.timeZone);
    if ('problems' in result) {
      expect(result.problems.map((p) => p.field)).to.deep.equal(['authors[0].url']);
      return;
    }
    const json = JSON.parse(renderAll(buildFeed(SITE_SCOPE, [result.article], site), contextFor(site)).json);
    for (const s of allStrings(json)) expect(isClean(s), JSON.stringify(s)).to.equal(true);
  });
});

describe('bylines: URLs are written as valid URIs', () => {
  it('percent-encodes quotes and angle brackets in an author URL instead of writing them raw', () => {
    const result = validateArticle({ id: 'q1', path: '/q1', title: 't', body: 'b', published: '2016-07-06T14:05:00', authors: [{ name: 'A', url: 'https://x.example/"onmouseover="a<b>' }] }, 'Asia/Tehran');
    if (!('article' in result)) throw new Error(JSON.stringify(result.problems));
    expect(result.article.authors[0]?.url).to.equal('https://x.example/%22onmouseover=%22a%3Cb%3E');
  });
});
