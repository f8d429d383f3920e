// Text types, per field and per format (the README's table): plain text put where readers parse
// HTML must be HTML-escaped first, and text-typed fields must stay text. Every row is read back
// the way a reader does: the XML through a strict parser (saxes), then the field per its type;
// an HTML-typed field is parsed as HTML (htmlparser2) and must show the original text, with no
// element made from it.
import { expect } from 'chai';
import { parseDocument } from 'htmlparser2';
import type { ChildNode, Element } from 'domhandler';
import { SaxesParser } from 'saxes';
import { type Article } from '../../src/core/article.js';
import { createDateFormatter } from '../../src/core/dates.js';
import { escapeHtmlAttr, escapeHtmlText } from '../../src/core/html-escape.js';
import { renderIndexPage, renderOpml, type FeedListing } from '../../src/core/render-directory.js';
import { articleScopes, type Scope } from '../../src/core/scopes.js';
import { validateSiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';
import { get, makeDataDir, removeDir, sampleSite as rawSite, startService } from '../support/fixtures.js';
import { buildFeed, contextFor, mustValidate, renderAll, xmlErrors } from './helpers.js';

/** A plain-text value with every character that means something in HTML or XML. */
const V = 'A <dialog> & "B" &lt;video controls&gt; ’';

const site = validateSiteConfig(
  { ...rawSite(), title: `Site ${V}`, description: `About ${V}`, mirrorNotice: `Mirror ${V}`, author: { name: `Desk ${V}` } },
  isCronExpression,
);

/** The field-reported article: a title with elements' names, a body with escaped tags, no summary. */
const REPORTED = {
  id: 'dialog-guide',
  path: '/Detail/2024/01/01/1/dialog-guide',
  title: 'A short guide to the <head> and <dialog> elements',
  body: '<p>Browsers now render the <code>&lt;dialog&gt;</code> element natively, and the <code>&lt;video controls&gt;</code> element no longer needs a plugin.</p>',
  published: '2024-01-01T10:00:00',
};
const REPORTED_SUMMARY = 'Browsers now render the <dialog> element natively, and the <video controls> element no longer needs a plugin.';

/** An article with V in every plain-text field, and its own summary. */
const EVERYTHING = {
  id: 'everything',
  path: '/Detail/2024/01/02/1/everything',
  title: `Title ${V}`,
  summary: `Summary ${V}`,
  body: '<p>Body.</p>',
  published: '2024-01-02T10:00:00',
  authors: [{ name: `Ann ${V}` }, { name: `Bob ${V}`, email: 'bob@example.com' }],
  section: [`News ${V}`, 'Russia'],
  tags: [`Tag ${V}`],
  images: [{ url: '/img/a.jpg', caption: `Cap ${V}`, credit: `AFP ${V}` }],
};

// ---------------------------------------------------------------------------------------------
// Oracles: a strict XML tree, and what an HTML parser makes of a string.

interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: XNode[];
  text: string;
}

/** Parses XML strictly (saxes, namespaces on) into a small tree; fails on any error. */
function parseXmlTree(xml: string): XNode {
  expect(xmlErrors(xml)).to.deep.equal([]);
  const root: XNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('opentag', (tag) => {
    const attrs: Record<string, string> = {};
    for (const [name, a] of Object.entries(tag.attributes)) attrs[name] = typeof a === 'string' ? a : a.value;
    const node: XNode = { name: tag.name, attrs, children: [], text: '' };
    stack.at(-1)!.children.push(node);
    stack.push(node);
  });
  parser.on('closetag', () => void stack.pop());
  parser.on('text', (t) => void (stack.at(-1)!.text += t));
  parser.on('cdata', (t) => void (stack.at(-1)!.text += t));
  parser.write(xml).close();
  return root.children[0]!;
}

/** The children of a node with a name, at a path of names. */
function all(node: XNode, ...path: string[]): XNode[] {
  let nodes = [node];
  for (const name of path) nodes = nodes.flatMap((n) => n.children.filter((c) => c.name === name));
  return nodes;
}

function one(node: XNode, ...path: string[]): XNode {
  const found = all(node, ...path);
  expect(found, path.join('/')).to.have.length.greaterThan(0);
  return found[0]!;
}

/** What a reader sees of an HTML string: the elements it makes and its text. */
function asHtml(html: string): { elements: string[]; text: string } {
  const elements: string[] = [];
  let text = '';
  const walk = (nodes: ChildNode[]) => {
    for (const n of nodes) {
      if (n.type === 'text') text += n.data;
      else if (n.type === 'tag' || n.type === 'script' || n.type === 'style') {
        elements.push(n.name);
        walk(n.children);
      }
    }
  };
  walk(parseDocument(html, { decodeEntities: true }).children);
  return { elements, text };
}

/** Asserts an HTML-typed value shows `plain` as it is, with no element made from it. */
function expectHtmlShowing(html: string, plain: string, where: string): void {
  const seen = asHtml(html);
  expect(seen.elements, `${where}: elements made from plain text`).to.deep.equal([]);
  expect(seen.text, `${where}: the text a reader sees`).to.equal(plain);
}

/** The elements of an HTML document by name, parsed as a browser would. */
function htmlElements(html: string, name: string): Element[] {
  const out: Element[] = [];
  const walk = (nodes: ChildNode[]) => {
    for (const n of nodes) {
      if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') continue;
      if (n.name === name) out.push(n);
      walk(n.children);
    }
  };
  walk(parseDocument(html, { decodeEntities: true }).children);
  return out;
}

function textContent(e: Element): string {
  return e.children.map((c) => (c.type === 'text' ? c.data : c.type === 'tag' ? textContent(c) : '')).join('');
}

/** The figcaption, image alt and mirror notice of an item's HTML content, as a reader sees them. */
function expectContentShowsText(html: string, where: string): void {
  const [figcaption] = htmlElements(html, 'figcaption');
  expect(figcaption, `${where}: figcaption`).to.not.equal(undefined);
  expect(figcaption!.children.every((c) => c.type === 'text'), `${where}: figcaption holds text only`).to.equal(true);
  expect(textContent(figcaption!), `${where}: figcaption`).to.equal(`Cap ${V} (AFP ${V})`);
  expect(htmlElements(html, 'img')[0]?.attribs.alt, `${where}: alt`).to.equal(`Cap ${V}`);
  const notice = htmlElements(html, 'p').find((p) => p.attribs.class === 'feedwright-mirrors');
  expect(notice, `${where}: mirror notice`).to.not.equal(undefined);
  expect(textContent(notice!).startsWith(`Mirror ${V} `), `${where}: mirror notice text`).to.equal(true);
  expect(htmlElements(html, 'dialog').concat(htmlElements(html, 'video')), `${where}: no element from text`).to.deep.equal([]);
}

// ---------------------------------------------------------------------------------------------

const SITE_SCOPE: Scope = { key: '', kind: 'site', label: '' };

function render(raw: Record<string, unknown>, scope: Scope = SITE_SCOPE) {
  const article: Article = mustValidate(raw, site.timeZone);
  const docs = renderAll(buildFeed(scope, [article], site), contextFor(site));
  const rss = parseXmlTree(docs.rss);
  const atom = parseXmlTree(docs.atom);
  const json = JSON.parse(docs.json);
  return { article, docs, rss, atom, json, item: one(rss, 'channel', 'item'), entry: one(atom, 'entry'), jsonItem: json.items[0] };
}

describe('text types: the field-reported article (plain text where readers parse HTML)', () => {
  const r = render(REPORTED);

  it('RSS item description is HTML: the derived summary shows <dialog> as text, no element', () => {
    expectHtmlShowing(one(r.item, 'description').text, REPORTED_SUMMARY, 'rss description');
  });

  it('RSS item title is plain text: it reads back as written, with the RSS Profile hex references', () => {
    expect(one(r.item, 'title').text).to.equal(REPORTED.title);
    expect(r.docs.rss).to.include('<title>A short guide to the &#x3C;head&#x3E; and &#x3C;dialog&#x3E; elements</title>');
  });

  it('Atom summary and title stay text; JSON summary and title stay plain text', () => {
    expect(one(r.entry, 'summary').attrs.type).to.equal('text');
    expect(one(r.entry, 'summary').text).to.equal(REPORTED_SUMMARY);
    expect(one(r.entry, 'title').text).to.equal(REPORTED.title);
    expect(r.jsonItem.summary).to.equal(REPORTED_SUMMARY);
    expect(r.jsonItem.title).to.equal(REPORTED.title);
  });

  it('the body keeps its escaped tags as text in every HTML content', () => {
    for (const html of [one(r.item, 'content:encoded').text, one(r.entry, 'content').text, r.jsonItem.content_html as string]) {
      expect(htmlElements(html, 'dialog').concat(htmlElements(html, 'video'))).to.deep.equal([]);
      expect(htmlElements(html, 'code').map(textContent)).to.deep.equal(['<dialog>', '<video controls>']);
    }
  });
});

describe('text types: every field of every format, per the README table', () => {
  const r = render(EVERYTHING);
  const tag = articleScopes(r.article).find((s) => s.kind === 'tag')!;
  const t = render(EVERYTHING, tag);

  describe('RSS 2.0', () => {
    it('channel title and description: plain text', () => {
      expect(one(r.rss, 'channel', 'title').text).to.equal(`Site ${V}`);
      expect(one(r.rss, 'channel', 'description').text).to.equal(`About ${V}`);
      expect(one(t.rss, 'channel', 'title').text).to.equal(`Site ${V}: Tag ${V}`);
      expect(one(t.rss, 'channel', 'description').text).to.equal(`About ${V} tagged Tag ${V}`);
    });

    it('item title: plain text', () => {
      expect(one(r.item, 'title').text).to.equal(`Title ${V}`);
    });

    it("item description: HTML showing the article's own summary as written", () => {
      expectHtmlShowing(one(r.item, 'description').text, `Summary ${V}`, 'rss description');
    });

    it('category, dc:creator and author: plain text', () => {
      expect(all(r.item, 'category').map((c) => c.text)).to.deep.equal([`News ${V} / Russia`, `Tag ${V}`]);
      expect(all(r.item, 'dc:creator').map((c) => c.text)).to.deep.equal([`Ann ${V}`]);
      expect(all(r.item, 'author').map((c) => c.text)).to.deep.equal([`bob@example.com (Bob ${V})`]);
    });

    it('media:description (type="plain") and media:credit: plain text', () => {
      const media = one(r.item, 'media:content');
      expect(one(media, 'media:description').attrs.type).to.equal('plain');
      expect(one(media, 'media:description').text).to.equal(`Cap ${V}`);
      expect(one(media, 'media:credit').text).to.equal(`AFP ${V}`);
    });

    it('plain-text elements use hexadecimal references for & < > (RSS Best Practices Profile)', () => {
      for (const name of ['title', 'description', 'category', 'dc:creator', 'author', 'media:description', 'media:credit']) {
        for (const m of r.docs.rss.matchAll(new RegExp(`<${name}\\b[^>]*>([^<]*)</${name}>`, 'g'))) {
          if (name === 'description' && m.index! > r.docs.rss.indexOf('<item>')) continue; // HTML
          expect(m[1], `${name}: ${m[1]}`).to.not.match(/&(amp|lt|gt);/);
        }
      }
    });

    it('content:encoded: HTML whose figcaption, alt and mirror notice show the text as written', () => {
      expectContentShowsText(one(r.item, 'content:encoded').text, 'rss content:encoded');
    });
  });

  describe('Atom 1.0', () => {
    it('feed title and subtitle: type="text", read back as written', () => {
      for (const [doc, title, subtitle] of [[r.atom, `Site ${V}`, `About ${V}`], [t.atom, `Site ${V}: Tag ${V}`, `About ${V} tagged Tag ${V}`]] as const) {
        expect(one(doc, 'title').attrs.type).to.equal('text');
        expect(one(doc, 'title').text).to.equal(title);
        expect(one(doc, 'subtitle').attrs.type).to.equal('text');
        expect(one(doc, 'subtitle').text).to.equal(subtitle);
      }
    });

    it('entry title and summary: type="text"; category label and author names: text', () => {
      expect(one(r.entry, 'title').attrs.type).to.equal('text');
      expect(one(r.entry, 'title').text).to.equal(`Title ${V}`);
      expect(one(r.entry, 'summary').attrs.type).to.equal('text');
      expect(one(r.entry, 'summary').text).to.equal(`Summary ${V}`);
      expect(all(r.entry, 'category').map((c) => c.attrs.label)).to.deep.equal([`News ${V}`, `News ${V} / Russia`, `Tag ${V}`]);
      expect(all(r.entry, 'author', 'name').map((n) => n.text)).to.deep.equal([`Ann ${V}`, `Bob ${V}`]);
      expect(one(r.atom, 'author', 'name').text).to.equal(`Desk ${V}`);
    });

    it('content: type="html", whose figcaption, alt and mirror notice show the text as written', () => {
      expect(one(r.entry, 'content').attrs.type).to.equal('html');
      expectContentShowsText(one(r.entry, 'content').text, 'atom content');
    });
  });

  describe('JSON Feed 1.1', () => {
    it('title, description, summary, tags, authors and attachment title: plain text as written', () => {
      expect(r.json.title).to.equal(`Site ${V}`);
      expect(r.json.description).to.equal(`About ${V}`);
      expect(r.json.authors.map((a: { name: string }) => a.name)).to.deep.equal([`Desk ${V}`]);
      expect(r.jsonItem.title).to.equal(`Title ${V}`);
      expect(r.jsonItem.summary).to.equal(`Summary ${V}`);
      expect(r.jsonItem.tags).to.deep.equal([`News ${V} / Russia`, `Tag ${V}`]);
      expect(r.jsonItem.authors.map((a: { name: string }) => a.name)).to.deep.equal([`Ann ${V}`, `Bob ${V}`]);
      expect(r.jsonItem.attachments[0].title).to.equal(`Cap ${V} (AFP ${V})`);
      expect(t.json.title).to.equal(`Site ${V}: Tag ${V}`);
    });

    it('content_html: HTML whose figcaption, alt and mirror notice show the text as written', () => {
      expectContentShowsText(r.jsonItem.content_html as string, 'json content_html');
    });
  });

  describe('directory documents', () => {
    const scopes = articleScopes(r.article);
    const feeds: FeedListing[] = scopes.map((scope) => ({ scope, items: 1, lastModified: r.article.published }));
    const dates = createDateFormatter(site.timeZone);

    it('OPML head title and outline text/title: plain text', () => {
      const opml = parseXmlTree(renderOpml(feeds, site, site.origins[0]!, dates));
      expect(one(opml, 'head', 'title').text).to.equal(`Site ${V} feeds`);
      const outlines = all(opml, 'body', 'outline', 'outline');
      expect(outlines.map((o) => o.attrs.text)).to.include(`Site ${V}: Tag ${V}`);
      for (const o of outlines) expect(o.attrs.title).to.equal(o.attrs.text);
    });

    it('index page: title, heading, description, feed names and link titles show the text as written', () => {
      const html = renderIndexPage(feeds, site);
      expect(htmlElements(html, 'dialog').concat(htmlElements(html, 'video'))).to.deep.equal([]);
      expect(textContent(htmlElements(html, 'title')[0]!)).to.equal(`Site ${V} feeds`);
      expect(textContent(htmlElements(html, 'h1')[0]!)).to.equal(`Site ${V} feeds`);
      expect(textContent(htmlElements(html, 'p')[0]!).startsWith(`About ${V}. `)).to.equal(true);
      const cells = htmlElements(html, 'td').map(textContent);
      expect(cells).to.include(`Tag ${V}`);
      expect(cells).to.include(`News ${V} / Russia`);
      const titles = htmlElements(html, 'link').map((l) => l.attribs.title);
      expect(titles).to.include(`Site ${V}: Tag ${V} (RSS)`);
    });
  });
});

describe('html-escape', () => {
  it('escapeHtmlText and escapeHtmlAttr read back as the same text, with no element', () => {
    for (const s of [V, '<', '&', '&lt;', '&amp;lt;', '<!-- x -->', '<script>x</script>', '"\'', '']) {
      expectHtmlShowing(escapeHtmlText(s), s, JSON.stringify(s));
      // Every attribute feedwright writes is double-quoted (as the sanitiser writes them).
      const [p] = htmlElements(`<p title="${escapeHtmlAttr(s)}"></p>`, 'p');
      expect(p!.attribs.title).to.equal(s);
      expect(Object.keys(p!.attribs)).to.deep.equal(['title']);
    }
  });
});

describe('text types end to end: the served RSS of the field-reported article', () => {
  it('serves a description that shows <dialog> as text', async () => {
    const dataDir = makeDataDir({ articles: { 'dialog-guide.json': REPORTED } });
    const t = await startService(dataDir);
    try {
      const rss = parseXmlTree((await get(t.port, '/rss.xml')).text);
      const item = one(rss, 'channel', 'item');
      expect(one(item, 'title').text).to.equal(REPORTED.title);
      expectHtmlShowing(one(item, 'description').text, REPORTED_SUMMARY, 'served rss description');
    } finally {
      await t.close();
      removeDir(dataDir);
    }
  });
});
