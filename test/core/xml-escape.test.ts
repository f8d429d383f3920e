// The escaping core (src/core/xml-escape.ts): whatever string goes in, the element and attribute
// it is written into are accepted by a strict XML 1.0 parser and read back as cleanText(s).
import { expect } from 'chai';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { attr, cleanText, element, escapeAttr, escapeText } from '../../src/core/xml-escape.js';

const RUNS = 1500;

/** Parses `<r a="...">...</r>` strictly; returns errors, the text content and the attribute. */
function roundTrip(doc: string): { errors: string[]; text: string; attrs: Record<string, string> } {
  const errors: string[] = [];
  let text = '';
  let attrs: Record<string, string> = {};
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', (e) => errors.push(e.message));
  parser.on('text', (t) => { text += t; });
  parser.on('cdata', (t) => { text += t; });
  parser.on('opentag', (tag) => {
    if (tag.name === 'r') attrs = Object.fromEntries(Object.entries(tag.attributes).map(([k, v]) => [k, typeof v === 'string' ? v : v.value]));
  });
  parser.write(doc).close();
  return { errors, text, attrs };
}

function wrap(s: string): string {
  return `<r a="${escapeAttr(s)}" b='${escapeAttr(s)}'>${escapeText(s)}</r>`;
}

// Pieces that break naive escapers: forbidden controls, lone and paired surrogates, the CDATA
// end, markup characters, line ends (which XML normalises), the non-characters U+FFFE/U+FFFF.
const hostilePiece = fc.constantFrom(
  ']]>', ']]', ']', '>', '<', '&', '&amp;', '"', "'", '\r', '\r\n', '\n', '\t', '\u0000', '\u0001', '\u0008', '\u000B', '\u000C',
  '\u001F', '\u007F', '\u0085', '\u009F', '\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uFFFE', '\uFFFF', '\uFFFD', '😀', '\uD83D\uDE00',
  'سلام', '\u200F', '<![CDATA[', '&#0;', '&#x1;',
);
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

const arbitraries: [string, fc.Arbitrary<string>][] = [
  ['binary strings (any code point)', fc.string({ unit: 'binary', maxLength: 60 })],
  ['arbitrary UTF-16 code units (lone surrogates included)', fc.string({ unit: anyCodeUnit, maxLength: 60 })],
  ['hostile pieces mixed with code units', fc.array(fc.oneof(hostilePiece, anyCodeUnit, fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 40 }).map((parts) => parts.join(''))],
];

describe('xml-escape: any string survives a strict XML 1.0 parser', () => {
  for (const [name, arb] of arbitraries) {
    it(`escapeText/escapeAttr are well-formed and read back as cleanText(s): ${name}`, () => {
      fc.assert(
        fc.property(arb, (s) => {
          const { errors, text, attrs } = roundTrip(wrap(s));
          expect(errors, JSON.stringify(s)).to.deep.equal([]);
          const clean = cleanText(s);
          expect(text).to.equal(clean);
          expect(attrs.a).to.equal(clean);
          expect(attrs.b).to.equal(clean);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('escapeText never outputs "]]>" and never a raw < or an & that does not start a reference', () => {
    fc.assert(
      fc.property(arbitraries[2]![1], (s) => {
        const out = escapeText(s);
        expect(out).not.to.include(']]>');
        expect(out).not.to.include('<');
        expect(out).not.to.match(/&(?!(amp|lt|gt|quot|apos|#9|#10|#13);)/);
      }),
      { numRuns: RUNS },
    );
  });

  it('cleanText is idempotent and leaves nothing a strict parser rejects', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyCodeUnit, maxLength: 60 }), (s) => {
        const once = cleanText(s);
        expect(cleanText(once)).to.equal(once);
        expect(once).not.to.match(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
        // Every surrogate left is part of a pair.
        expect(once).not.to.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
      }),
      { numRuns: RUNS },
    );
  });

  it('element() and attr() write through the same escaping', () => {
    fc.assert(
      fc.property(arbitraries[2]![1], (s) => {
        const doc = `<r${attr('a', s)}>${element('x', s)}</r>`;
        const { errors } = roundTrip(doc);
        expect(errors, JSON.stringify(s)).to.deep.equal([]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('xml-escape: unit cases', () => {
  it('cleanText (with its fast pre-check) equals the one-regex definition on any string, surrogates and controls included', () => {
    const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
    const reference = (v: string) => v.replace(UNSAFE, (ch) => (ch.charCodeAt(0) >= 0xd800 && ch.charCodeAt(0) <= 0xdfff ? '\uFFFD' : ''));
    const edgy = fc.constantFrom('\u0000', '\u0008', '\t', '\n', '\r', '\u001F', ' ', '\u007E', '\u007F', '\u009F', '\u00A0', '\uD83D', '\uDE00', '\uD83D\uDE00', '\uFFFD', '\uFFFE', '\uFFFF', 'a', '<p>');
    fc.assert(
      fc.property(fc.array(fc.oneof(edgy, fc.string({ unit: 'binary' })), { maxLength: 30 }), (parts) => {
        const v = parts.join('');
        expect(cleanText(v)).to.equal(reference(v));
      }),
      { numRuns: 3_000 },
    );
  });

  it('cleanText drops U+0000-U+0008, U+000B, U+000C, U+000E-U+001F', () => {
    const forbidden: number[] = [];
    for (let c = 0; c <= 0x1f; c++) if (c !== 0x09 && c !== 0x0a && c !== 0x0d) forbidden.push(c);
    expect(forbidden).to.have.length(29);
    for (const c of forbidden) {
      expect(cleanText(`a${String.fromCharCode(c)}b`), `U+${c.toString(16)}`).to.equal('ab');
    }
  });

  it('cleanText drops U+FFFE and U+FFFF', () => {
    expect(cleanText('a\uFFFEb\uFFFFc')).to.equal('abc');
  });

  it('cleanText also drops the C1 controls U+007F-U+009F (documented choice of the module)', () => {
    expect(cleanText('a\u007Fb\u0080c\u0085d\u009Fe')).to.equal('abcde');
    expect(cleanText('a\u00A0b')).to.equal('a\u00A0b');
  });

  it('cleanText keeps TAB, LF and CR', () => {
    expect(cleanText('a\tb\nc\rd\r\n')).to.equal('a\tb\nc\rd\r\n');
  });

  it('cleanText turns lone surrogates into U+FFFD', () => {
    expect(cleanText('\uD800')).to.equal('\uFFFD');
    expect(cleanText('\uDFFF')).to.equal('\uFFFD');
    expect(cleanText('a\uD800b')).to.equal('a\uFFFDb');
    expect(cleanText('a\uDC00b')).to.equal('a\uFFFDb');
    // Two high surrogates: neither is paired.
    expect(cleanText('\uD800\uD800')).to.equal('\uFFFD\uFFFD');
    // Reversed pair (low then high): both lone.
    expect(cleanText('\uDE00\uD83D')).to.equal('\uFFFD\uFFFD');
    // A high surrogate at the very end, after a good pair.
    expect(cleanText('😀\uD83D')).to.equal('😀\uFFFD');
  });

  it('cleanText keeps paired surrogates (emoji) intact', () => {
    expect(cleanText('😀')).to.equal('\uD83D\uDE00');
    expect(cleanText('x😀y🇮🇷z')).to.equal('x😀y🇮🇷z');
    expect(cleanText('\uD800\uDC00')).to.equal('\uD800\uDC00');
  });

  it('cleanText returns plain text unchanged (Persian, NBSP, U+FFFD)', () => {
    const s = 'News\u00a0/\u00a0Russia — سلام دنیا \uFFFD';
    expect(cleanText(s)).to.equal(s);
  });

  it('escapeText escapes markup and keeps "]]>" out of the output', () => {
    expect(escapeText('a]]>b]]>c')).to.equal('a]]&gt;b]]&gt;c');
    expect(escapeText('<b>&"\'')).to.equal('&lt;b&gt;&amp;"\'');
    expect(escapeText('a\rb')).to.equal('a&#13;b');
    expect(escapeText('a\u0001]]>\uD800')).to.equal('a]]&gt;\uFFFD');
  });

  it('escapeAttr escapes quotes of both styles and white space that attribute normalisation would eat', () => {
    expect(escapeAttr(`a"b'c<d>e&f`)).to.equal('a&quot;b&apos;c&lt;d&gt;e&amp;f');
    expect(escapeAttr('a\tb\nc\rd')).to.equal('a&#9;b&#10;c&#13;d');
  });

  it('element() writes nothing for empty or absent values, attr() nothing for absent', () => {
    expect(element('t', undefined)).to.equal('');
    expect(element('t', '')).to.equal('');
    expect(element('t', 'a<b')).to.equal('<t>a&lt;b</t>');
    expect(attr('n', undefined)).to.equal('');
    expect(attr('n', 0)).to.equal(' n="0"');
    expect(attr('n', 'x"y')).to.equal(' n="x&quot;y"');
  });
});
