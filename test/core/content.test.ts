// Content preparation: URL segments, the mirror-independent template, and summaries of long
// bodies (only the opening is read; the result must equal reading it all).
import { expect } from 'chai';
import { DomUtils, parseDocument } from 'htmlparser2';
import { prepareHtml, renderTemplate, summarize } from '../../src/core/content.js';
import { itemContentHtml, prepareItem } from '../../src/core/feed-model.js';
import { parseOrigin, type Origin } from '../../src/core/site.js';
import type { Article } from '../../src/core/article.js';
import { buildFeed, contextFor, mustValidate, parseXml, renderAll, sampleSite, textOf } from './helpers.js';

const A = parseOrigin('https://www.presstv.com') as Origin;
const B = parseOrigin('http://abc.onion') as Origin;

function article(body: string): Article {
  return { id: 'x', path: '/a/b', title: 't', body, published: 0, authors: [], section: [], tags: [], images: [] };
}

describe('content', () => {
  it('summarises a long body from its opening exactly as from the whole body', () => {
    const wordList = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
    const cases = (words: string) => [
      `<p>${words}</p>`,
      `<figure><img src="/x.jpg"><figcaption>${'caption '.repeat(600)}</figcaption></figure><p>${words}</p>`,
      `<p>${'a '.repeat(1790)}<a href="/very/long/link/${'x'.repeat(50)}">linked</a> ${words}</p>`,
    ];
    const long = cases(wordList(2000));
    const short = cases(wordList(120));
    long.forEach((body, i) => {
      const s = summarize(article(body));
      expect(s).to.not.match(/[<>]/);
      expect(s).to.not.include('caption');
      expect(s.endsWith('…')).to.equal(true);
      expect(s.length).to.be.within(150, 301);
      // The same body with far fewer words (read whole) gives the same summary.
      expect(summarize(article(short[i] as string))).to.equal(s);
    });
  });

  it('turns relative and own-origin URLs into per-origin segments and leaves others alone', () => {
    const t = prepareHtml('<p><a href="../c?d=1&amp;e=2#f">x</a> <img src="//www.presstv.com/i.jpg" srcset="/s.jpg 2x, https://cdn.example/t.jpg 1x"> <a href="https://WWW.PRESSTV.COM:443/own">o</a> <a href="mailto:a@b.c">m</a></p>', '/a/b', [A, B]);
    expect(renderTemplate(t, B)).to.equal('<p><a href="http://abc.onion/c?d=1&amp;e=2#f">x</a> <img src="http://abc.onion/i.jpg" srcset="http://abc.onion/s.jpg 2x, https://cdn.example/t.jpg 1x" /> <a href="http://abc.onion/own">o</a> <a href="mailto:a@b.c">m</a></p>');
    expect(renderTemplate(t, A)).to.include('href="https://www.presstv.com/c?d=1&amp;e=2#f"');
  });
});

// ---------------------------------------------------------------------------------------------
// The field report: URL rewriting after sanitising re-created what the sanitiser removed. The
// final HTML of every origin and format is read back with a real HTML parser (htmlparser2).

const FIELD_BODY =
  '<p>Hover the <a title="set src=/img/logo.png onmouseover=alert(1)//" href="/help/images">image help</a> link. ' +
  '<img alt="diagram: href=/a/b" src="/img/diagram.png"></p>';

/** Every element of an HTML fragment with its attributes, as an HTML parser reads them. */
function elements(html: string): { name: string; attribs: Record<string, string> }[] {
  return DomUtils.findAll(() => true, parseDocument(html).children).map((e) => ({ name: e.name, attribs: e.attribs }));
}

function expectNoHandlers(html: string, where: string): void {
  for (const e of elements(html)) {
    for (const name of Object.keys(e.attribs)) expect(name, `${where}: <${e.name} ${name}>`).not.to.match(/^on/i);
  }
}

describe('content: URLs are rewritten through the parser, never over the markup', () => {
  const site = sampleSite();
  const field = mustValidate({ id: 'field-1', path: '/Detail/2024/01/01/1/help', title: 't', published: '2024-01-01T00:00:00Z', body: FIELD_BODY }, site.timeZone);

  it('the field report: no origin and no format gets an onmouseover; title and alt stay intact', async () => {
    for (const origin of site.origins) {
      const ctx = contextFor(site, origin);
      const docs = renderAll(buildFeed({ key: '', kind: 'site', label: '' }, [field], site), ctx);
      const rss = await parseXml(docs.rss);
      const atom = await parseXml(docs.atom);
      const htmls: Record<string, string> = {
        itemContentHtml: itemContentHtml(prepareItem(field, site.origins, site.embedHosts), ctx),
        'RSS content:encoded': textOf(rss.rss.channel[0].item[0]['content:encoded'][0]),
        'Atom content': textOf(atom.feed.entry[0].content[0]),
        'JSON content_html': (JSON.parse(docs.json) as { items: { content_html: string }[] }).items[0]!.content_html,
      };
      for (const [where, html] of Object.entries(htmls)) {
        const at = `${where} on ${origin.host}`;
        expectNoHandlers(html, at);
        const a = elements(html).find((e) => e.name === 'a' && e.attribs.title !== undefined);
        const img = elements(html).find((e) => e.name === 'img' && e.attribs.alt !== undefined);
        expect(a?.attribs, at).to.deep.equal({ title: 'set src=/img/logo.png onmouseover=alert(1)//', href: `${origin.href}/help/images` });
        expect(img?.attribs, at).to.deep.equal({ alt: 'diagram: href=/a/b', src: `${origin.href}/img/diagram.png` });
      }
    }
  });

  it('a ">" or a quote inside any attribute value neither ends the tag nor moves a URL', () => {
    const t = prepareHtml(`<p><a title='say "src=/x" > here' href="rel">r</a><img alt="a > b &quot;href=/c&quot;" src='/i.jpg'></p>`, '/a/b', [A, B]);
    const out = elements(renderTemplate(t, B));
    expect(out[1]!.attribs).to.deep.equal({ title: 'say "src=/x" > here', href: 'http://abc.onion/a/rel' });
    expect(out[2]!.attribs).to.deep.equal({ alt: 'a > b "href=/c"', src: 'http://abc.onion/i.jpg' });
  });

  it('parses srcset by the HTML grammar: commas inside URLs stay in them', () => {
    const t = prepareHtml('<img srcset="/img/a,b.jpg 1x, /img/c.jpg 2x"><img srcset="https://cdn.example/x,y.jpg 480w,/img/d,e,f.jpg 800w"><img src="data:image/png;base64,AAAA,BBBB" srcset="data:image/png;base64,CC,DD 1x, /img/g.jpg 2x">', '/a/b', [A, B]);
    const imgs = elements(renderTemplate(t, B));
    expect(imgs[0]!.attribs.srcset).to.equal('http://abc.onion/img/a,b.jpg 1x, http://abc.onion/img/c.jpg 2x');
    expect(imgs[1]!.attribs.srcset).to.equal('https://cdn.example/x,y.jpg 480w, http://abc.onion/img/d,e,f.jpg 800w');
    // data: is kept in img src; in srcset the sanitiser drops the data: candidate whole (its
    // scheme list for srcset is the global one), and never leaves half of it as a relative URL.
    expect(imgs[2]!.attribs.src).to.equal('data:image/png;base64,AAAA,BBBB');
    expect(imgs[2]!.attribs.srcset).to.equal('http://abc.onion/img/g.jpg 2x');
  });

  it('escapes what it inserts: a path keeps its query, a strange origin cannot leave the attribute', () => {
    const t = prepareHtml('<a href="/s?a=1&amp;b=&quot;2&quot;&lt;x&gt;#\'">s</a>', '/a/b', [A]);
    const odd = parseOrigin('https://a"b&d.example') as Origin;
    expect(odd.href).to.equal('https://a"b&d.example');
    for (const origin of [A, odd]) {
      const html = renderTemplate(t, origin);
      const out = elements(html);
      expect(out.map((e) => e.name)).to.deep.equal(['a']);
      expect(Object.keys(out[0]!.attribs)).to.deep.equal(['href']);
      expect(out[0]!.attribs.href).to.equal(`${origin.href}/s?a=1&b=%222%22%3Cx%3E#'`);
    }
  });

  it('derives the summary from parsed text: comments, CDATA, script and quoted ">" leak nothing', () => {
    const s = summarize(article('<p>a <a title="x > y" href="/r">r</a><!-- c > d --><![CDATA[ e > f ]]> <script>if (a > b) {}</script>end</p><p>&eacute;t&eacute; &hearts; &amp;lt; &NotANamed; &#x1F600;</p>'));
    expect(s).to.equal('a r end été ♥ &lt; &NotANamed; 😀');
  });

  it('drops characters XML forbids that references decode to, in text and attributes (JSON as clean as XML)', () => {
    const t = prepareHtml('<p title="a&#1;b&#xFFFE;">x &#1;&#x7F; y&#xFFFF;</p>', '/a/b', [A]);
    expect(renderTemplate(t, A)).to.equal('<p title="ab">x  y</p>');
  });

  it('shows the lead figure unless an <img> of the body shows the lead image', () => {
    const withLead = (body: string, url = '/img/lead.jpg'): string =>
      renderTemplate(prepareItem({ ...article(body), images: [{ url, caption: 'Lead' }] }, [A, B]).content, B);
    expect(withLead('<p>see /img/lead.jpg</p>')).to.include('<figure>');
    expect(withLead('<p><a href="/img/lead.jpg">full size</a></p>')).to.include('<figure>');
    expect(withLead('<p><img alt="/img/lead.jpg" src="/img/other.jpg"></p>')).to.include('<figure>');
    expect(withLead('<p><img src="/img/lead.jpg"></p>')).not.to.include('<figure>');
    expect(withLead('<p><img src="https://WWW.PRESSTV.COM/img/lead.jpg"></p>')).not.to.include('<figure>');
    expect(withLead('<p><img src="../img/lead.jpg"></p>')).not.to.include('<figure>');
    expect(withLead('<p><img src="https://cdn.example/l.jpg?a=1&amp;b=2"></p>', 'https://cdn.example/l.jpg?a=1&b=2')).not.to.include('<figure>');
  });
});
