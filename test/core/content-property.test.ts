// Property test of the field report's kind (URL rewriting re-creating what the sanitiser
// removed): for arbitrary attribute values full of `src=`, `href=`, quotes and `>`, on allowed and
// disallowed attributes of allowed and disallowed tags, the final HTML of every origin, read back
// by htmlparser2, has exactly the attributes the allow-list permits, with their values intact,
// never an event handler, every URL absolute; and the sanitiser would change nothing in it.
// 1,500 runs.
import { expect } from 'chai';
import fc from 'fast-check';
import { DomUtils, parseDocument } from 'htmlparser2';
import type { Article } from '../../src/core/article.js';
import { renderTemplate, summaryOf } from '../../src/core/content.js';
import { prepareItem } from '../../src/core/feed-model.js';
import { ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitizeBody } from '../../src/core/sanitize.js';
import { parseOrigin, type Origin } from '../../src/core/site.js';
import { parseSrcset } from '../../src/core/srcset.js';
import { cleanText } from '../../src/core/xml-escape.js';

const ORIGINS = [parseOrigin('https://www.presstv.com'), parseOrigin('http://abc.onion')] as Origin[];

const VOID = new Set(['img', 'source']);
const TAGS = ['a', 'img', 'span', 'blockquote', 'q', 'source', 'em', 'form', 'button', 'svg', 'x-widget', 'marquee', 'object'];
const TEXT_ATTRS = ['title', 'alt', 'lang', 'onmouseover', 'onclick', 'onerror', 'style', 'class', 'id', 'data-src', 'formaction', 'name'];
const URL_ATTRS = ['href', 'src', 'cite', 'srcset'];

/** Text made of the pieces that fooled the regular expressions, and a little of anything. */
const tricky = fc
  .array(
    fc.oneof(
      fc.constantFrom('src=', 'href=', ' src=/img/logo.png ', ' onmouseover=alert(1)//', '"', "'", '>', '<', '/>', ' ', '=', '&', '&amp;', 'srcset=', ',', ' 2x', 'x"y', '`'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''));

/** A URL value: always a site path (so the allow-list keeps it), anything after `/p`. */
const urlValue = tricky.map((s) => `/p${s.replace(/[\t\n\f\r ]/g, '')}`);
const srcsetValue = fc
  .array(fc.tuple(urlValue, fc.constantFrom('', '1x', '2x', '1.5x', '480w')), { minLength: 1, maxLength: 3 })
  .map((cands) => cands.map(([u, d]) => (d === '' ? u : `${u} ${d}`)).join(', '));

const attribute = fc.oneof(
  fc.record({ name: fc.constantFrom(...TEXT_ATTRS), value: tricky, quote: fc.constantFrom('"', "'") }),
  fc.record({ name: fc.constantFrom('href', 'src', 'cite'), value: urlValue, quote: fc.constantFrom('"', "'") }),
  fc.record({ name: fc.constant('srcset'), value: srcsetValue, quote: fc.constantFrom('"', "'") }),
);
const element = fc.record({
  tag: fc.constantFrom(...TAGS),
  attrs: fc.uniqueArray(attribute, { selector: (a) => a.name, maxLength: 5 }),
  text: tricky,
});

type Element = { tag: string; attrs: { name: string; value: string; quote: string }[]; text: string };

/** The element as HTML source: each value quoted and escaped as an author would. */
function source(e: Element): string {
  const attrs = e.attrs
    .map((a) => {
      const v = a.value.replace(/&/g, '&amp;');
      return a.quote === '"' ? ` ${a.name}="${v.replace(/"/g, '&quot;')}"` : ` ${a.name}='${v.replace(/'/g, '&#39;')}'`;
    })
    .join('');
  const text = e.text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return VOID.has(e.tag) ? `<${e.tag}${attrs}>${text}` : `<${e.tag}${attrs}>${text}</${e.tag}>`;
}

function allowed(tag: string, name: string): boolean {
  return (ALLOWED_ATTRIBUTES[tag] ?? []).includes(name) || (ALLOWED_ATTRIBUTES['*'] ?? []).includes(name);
}

/** What the allow-list keeps of one input element, or undefined when the tag goes. */
function expected(e: Element): { name: string; attribs: Record<string, string> } | undefined {
  if (!ALLOWED_TAGS.includes(e.tag)) return undefined;
  const attribs: Record<string, string> = {};
  for (const a of e.attrs) {
    // Empty values of non-boolean attributes are dropped; alt="" is meaningful and kept.
    if (allowed(e.tag, a.name) && (a.value !== '' || a.name === 'alt')) attribs[a.name] = a.value;
  }
  return { name: e.tag, attribs };
}

function article(body: string): Article {
  return { id: 'p', path: '/Detail/2024/01/01/1/story', title: 't', body, published: 0, authors: [], section: [], tags: [], images: [] };
}

describe('property: rewriting URLs never re-creates what the sanitiser removed', function () {
  this.timeout(120_000);
  it('holds for 1,500 arbitrary bodies, on an https and an http origin', () => {
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 5 }), (els) => {
        const body = els.map(source).join('');
        const item = prepareItem(article(body), ORIGINS);
        const wanted = els.map(expected).filter((e) => e !== undefined);
        for (const origin of ORIGINS) {
          const html = renderTemplate(item.content, origin);
          // The sanitiser is the last word: it would change nothing in what is published.
          expect(sanitizeBody(html), 'sanitiser fixed point').to.equal(html);
          const got = DomUtils.findAll(() => true, parseDocument(html).children);
          expect(got.map((g) => g.name), `${body}\n→ ${html}`).to.deep.equal(wanted.map((w) => w.name));
          got.forEach((g, i) => {
            const want = wanted[i]!;
            expect(Object.keys(g.attribs).sort(), `${body}\n→ ${html}`).to.deep.equal(Object.keys(want.attribs).sort());
            for (const [name, value] of Object.entries(g.attribs)) {
              expect(name).not.to.match(/^on/i);
              if (!URL_ATTRS.includes(name)) expect(value, name).to.equal(want.attribs[name]);
              else {
                const urls = name === 'srcset' ? parseSrcset(value).map((c) => c.url) : [value];
                expect(urls.length).to.be.greaterThan(0);
                // Every input URL was a site path: each comes out on the serving origin.
                for (const url of urls) expect(url.startsWith(`${origin.href}/`), `${name}=${value}`).to.equal(true);
                if (name === 'srcset') expect(urls.length).to.equal(parseSrcset(want.attribs[name]!).length);
              }
            }
          });
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('property: the summary read from the opening of the text equals the one read from all of it', () => {
  /** The summary computed over the whole text, as the rule states it. */
  function wholeSummary(text: string, max: number): string {
    const plain = cleanText(text).replace(/\s+/g, ' ').trim();
    if (plain.length <= max) return plain;
    const cut = plain.slice(0, /[\uD800-\uDBFF]/.test(plain.charAt(max - 1)) ? max - 1 : max);
    const space = cut.lastIndexOf(' ');
    return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
  }
  const piece = fc.oneof(fc.constantFrom(' ', '   \n\t ', '😀', '\uD800', '\uDC00', '\u0001', 'word', ', ', '—'), fc.string({ maxLength: 6 }));
  it('holds for 2,000 texts of any length around the cut', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 400 }), fc.integer({ min: 2, max: 60 }), (pieces, max) => {
        const text = pieces.join('');
        expect(summaryOf(text, max)).to.equal(wholeSummary(text, max));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('srcset: a rewritten URL never ends in a comma the srcset grammar would strip', () => {
  it('keeps the empty fragment of /p,# (found by the property above) so the candidate survives a second parse', () => {
    const item = prepareItem(article('<img srcset="/p,#, /p?, /q"><img src="https://www.presstv.com/r,#">'), ORIGINS);
    for (const origin of ORIGINS) {
      const html = renderTemplate(item.content, origin);
      expect(html).to.include(`srcset="${origin.href}/p,#, ${origin.href}/p?, ${origin.href}/q"`);
      expect(html).to.include(`src="${origin.href}/r,#"`);
      expect(sanitizeBody(html)).to.equal(html);
    }
  });
});
