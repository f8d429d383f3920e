// Where an XML error is reported (import/xml-tree.ts with import/xml-faults.ts): at the first
// character of the fault, 1-based, whatever the chunking of the text; never at the end of the
// file (saxes alone reads a bare & on to the next ";"), never after the tag that broke it.
import { expect } from 'chai';
import { FeedTreeReader } from '../../src/import/xml-tree.js';

/** Reads `doc` in chunks of `size` characters; the error message, or `ok`. */
function read(doc: string, size: number): string {
  const reader = new FeedTreeReader('f.xml', undefined);
  try {
    for (let i = 0; i < doc.length; i += size) reader.write(doc.slice(i, i + size));
    reader.close();
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

const wrap = (title: string, eol = '\n') => ['<rss>', '<channel>', `<item><title>${title}</title></item>`, '<item><title>next; item</title></item>', '</channel>', '</rss>', ''].join(eol);

describe('import: XML errors are placed at the fault', () => {
  const cases: [string, string, number, RegExp][] = [
    ['bare &', wrap('A & B'), 16, /a "&" that does not start an entity reference \(write &amp; for an ampersand\)$/],
    ['AT&T', wrap('AT&T rocks'), 16, /a "&" that does not start an entity reference/],
    ['& at the end of the text', wrap('A &'), 16, /a "&" that does not start an entity reference/],
    ['undefined entity', wrap('A &nbsp; B'), 16, /the entity &nbsp; is not defined/],
    ['character reference XML forbids', wrap('A &#0; B'), 16, /the character reference &#0; is not a character XML allows/],
    ['< in text', wrap('A < B'), 16, /a "<" that does not start a tag \(write &lt; for a less-than sign\)/],
    ['mismatched end tag', wrap('A</titel><x>'), 15, /the end tag <\/titel> does not match the open <title> \(line 3, column 7\)$/],
    ['unclosed tag', wrap('A</item><x>'), 15, /the end tag <\/item> does not match the open <title> \(line 3, column 7\)$/],
    ['& in an attribute value', wrap('<a href="?a=1&b=2">x</a>'), 27, /in an attribute value, a "&" that does not start/],
    ['CRLF line ends', wrap('A & B', '\r\n'), 16, /a "&"/],
  ];
  for (const [name, doc, column, reason] of cases) {
    it(`${name}: line 3, column ${column}, in any chunking`, () => {
      for (const size of [doc.length, 1, 2, 3, 7]) {
        const message = read(doc, size);
        expect(message, `${name}, chunks of ${size}`).to.match(new RegExp(`^f\\.xml: line 3, column ${column}: the feed is not well-formed XML: `));
        expect(message, `${name}, chunks of ${size}`).to.match(reason);
      }
    });
  }

  it('an element left open at the end is named where its start tag begins', () => {
    const doc = '<rss>\n<channel>\n  <item><title>A</title>\n';
    for (const size of [doc.length, 1, 5]) expect(read(doc, size)).to.equal('f.xml: line 3, column 3: the feed is not well-formed XML: <item> is never closed (the document ends at line 4)');
  });

  it('accepts what is well-formed: references, CDATA, comments and PIs holding & and <, a DOCTYPE', () => {
    const doc = '<?xml version="1.0"?>\n<!DOCTYPE rss>\n<!-- a & b < c -->\n<rss a="&amp;\'" b=\'"&lt;\'>\n<channel>\n<item><title><![CDATA[A & B < C]]> &#233;&#x1F600; &lt;&gt;&quot;&apos;&amp;</title><?pi & < ?></item>\n</channel>\n</rss>\n';
    for (const size of [doc.length, 1, 2, 3, 7]) expect(read(doc, size), `chunks of ${size}`).to.equal('ok');
  });
});
