// Slugs and scopes (design §2): two different names never share a feed, names that are the same
// feed always do, ordinary names keep the slugs readers are subscribed to, and every slug is
// lower-case, URL-safe and at most 80 characters. Property runs: 2,000 each.
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { parseArticle } from '../../src/core/article.js';
import { articleScopes, feedNameKey, feedPath, SLUG_MAX, slugify } from '../../src/core/scopes.js';

/** The slug scheme before this one, verbatim: what existing subscriptions point at. */
function firstSchemeSlug(name: string): string {
  const folded = name.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/['’]/g, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '').normalize('NFC');
  if (folded !== '') return folded.slice(0, 80).replace(/-+$/, '');
  return `x-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}

/** Names that must each be a feed of their own (the field reports and their siblings). */
const DISTINCT: string[][] = [
  ['C++', 'C#', 'C', 'C--', 'C/C++', 'C + +'],
  ['.NET', 'NET', 'dotNET', '.net Core', 'NET Core'],
  ['AC/DC', 'ACDC', 'AC DC'],
  ['U.S.', 'US', 'U S'],
  ['Arts & Culture', 'Arts, Culture', 'Arts Culture', 'Arts / Culture'],
  ['R&D', 'R D', 'RD'],
  ['-5', '5', '+5', '−5'],
  ['Yahoo!', 'Yahoo'],
  ['100%', '100'],
  ['#MeToo', 'MeToo', '@MeToo'],
  // Vowel signs and voicing marks spell the word: they are not accents.
  ['काम', 'कम'],
  ['ガス', 'カス'],
  // A name made like a hashed slug cannot take another name's slug.
  ['x 0123456789', `x-${createHash('sha256').update('+').digest('hex').slice(0, 10)}`, '+'],
  // Longer than the limit, the same first 80 characters.
  [`${'Middle East peace process '.repeat(4)}Part one`, `${'Middle East peace process '.repeat(4)}Part two`],
  [`${'a'.repeat(80)}b`, `${'a'.repeat(80)}c`, 'a'.repeat(80)],
];

/** Names that are the same feed as the first of their list (the rule in the README, "Slugs"). */
const SAME: string[][] = [
  ['Syria', 'syria', 'SYRIA', ' Syria', 'Syria '],
  ['Middle East', 'Middle  East', 'middle-east', 'Middle – East', 'Middle—East', 'Middle_East', 'Middle\u00a0East', 'Middle\u200cEast'],
  ['café', 'cafe', 'CAFÉ', 'cafe\u0301', 'ｃａｆｅ'],
  ["Women's rights", 'Women’s rights', 'Womens rights'],
  ['C++', 'c++', 'Ｃ＋＋'],
  ['São Paulo', 'Sao Paulo', 'sao-paulo'],
  ['آمریکا', 'امریکا'],
];

describe('slugify', () => {
  it('keeps the slugs of ordinary names (readers are subscribed to them)', () => {
    const ordinary: [string, string][] = [
      ['Syria', 'syria'], ['News', 'news'], ['Russia', 'russia'], ['Middle East', 'middle-east'], ['Iran', 'iran'],
      ['United States', 'united-states'], ['Euro 2016', 'euro-2016'], ['Humanitarian aid', 'humanitarian-aid'], ['Asia-Pacific', 'asia-pacific'],
      ['South Korea', 'south-korea'], ['OPEC', 'opec'], ["Women's rights", 'womens-rights'], ['Zürich', 'zurich'], ['تهران', 'تهران'],
      ['Сергей', 'сергеи'], ['İstanbul', 'istanbul'], ['+', firstSchemeSlug('+')],
    ];
    for (const [name, slug] of ordinary) {
      expect(slugify(name), name).to.equal(slug);
      expect(slugify(name), name).to.equal(firstSchemeSlug(name));
    }
  });

  it('gives each of the names reported together, and their siblings, a feed of its own', () => {
    for (const group of DISTINCT) {
      const slugs = group.map(slugify);
      expect(new Set(slugs).size, `${group.join(' | ')} → ${slugs.join(' | ')}`).to.equal(group.length);
    }
    const all = DISTINCT.flat();
    expect(new Set(all.map(slugify)).size).to.equal(new Set(all.map(feedNameKey)).size);
  });

  it('gives C++ and C# readable, distinct, hashed slugs and leaves C alone', () => {
    expect(slugify('C')).to.equal('c');
    expect(slugify('C++')).to.match(/^c--[0-9a-f]{16}$/);
    expect(slugify('C#')).to.match(/^c--[0-9a-f]{16}$/);
    expect(slugify('.NET')).to.match(/^net--[0-9a-f]{16}$/);
    expect(slugify('NET')).to.equal('net');
    expect(slugify('AC/DC')).to.match(/^ac-dc--[0-9a-f]{16}$/);
    expect(slugify('ACDC')).to.equal('acdc');
  });

  it('tells apart names whose 32-bit hashes collide (found by brute force) and folds symbol-only names', () => {
    expect(slugify('C$!&=')).to.not.equal(slugify('C+#$@+'));
    expect(slugify('!')).to.equal(slugify('\uFF01'));
    expect(slugify('!')).to.match(/^x-[0-9a-f]{10}$/);
    expect(slugify('!')).to.not.equal(slugify('?'));
  });

  it('gives names that are the same feed the same slug', () => {
    for (const group of SAME) for (const name of group) expect(slugify(name), `${name} / ${group[0]}`).to.equal(slugify(group[0] as string));
  });

  it('cuts a long name to the limit and tells apart names that share their first 80 characters', () => {
    const a = `${'Middle East peace process '.repeat(4)}Part one`;
    const b = `${'Middle East peace process '.repeat(4)}Part two`;
    expect(firstSchemeSlug(a)).to.equal(firstSchemeSlug(b));
    for (const s of [slugify(a), slugify(b)]) {
      expect(s.length).to.be.at.most(SLUG_MAX);
      expect(s).to.match(/^middle-east-peace-process-middle-east-peace-process-[a-z-]*--[0-9a-f]{16}$/);
    }
    expect(slugify(a)).to.not.equal(slugify(b));
    // Never cut inside a surrogate pair.
    const gothic = '𐌰'.repeat(60);
    expect(slugify(gothic)).to.not.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(slugify(gothic).length).to.be.at.most(SLUG_MAX);
  });

  it('property: different keys give different slugs, equal keys equal slugs; every slug is short, lower-case and URL-safe', () => {
    const alphabet = ['c', 'C', 'a', 'é', 'e\u0301', '+', '#', '.', '/', '&', ' ', '-', '–', '_', "'", '’', '1', 'ж', 'ت', 'का', 'ि', '😀', 'x', '0', 'f', '\u200c', '!'];
    const name = fc.array(fc.constantFrom(...alphabet), { minLength: 1, maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(name, name, (a, b) => {
        // A name is the same feed as exactly the names with its key.
        const same = feedNameKey(a) === feedNameKey(b);
        expect(slugify(a) === slugify(b), `${JSON.stringify(a)} ${JSON.stringify(b)}`).to.equal(same);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.oneof(name, fc.string({ unit: 'grapheme', maxLength: 120 }), fc.string({ maxLength: 200 })), (n) => {
        const slug = slugify(n);
        expect(slug.length).to.be.at.least(1).and.at.most(SLUG_MAX);
        expect(slug).to.equal(slug.toLowerCase());
        expect(slug).to.not.match(/^-|-$|[\s/?#%.\\]/u);
        expect(decodeURIComponent(encodeURIComponent(slug))).to.equal(slug);
        expect(slugify(n)).to.equal(slug);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a name of words alone keeps its first-scheme slug', () => {
    const word = fc.stringMatching(/^[A-Za-zÀ-ÖØ-öø-ÿ0-9]{1,8}$/);
    const sep = fc.constantFrom(' ', '-', '  ', ' – ', '_', "'");
    const name = fc.tuple(word, fc.array(fc.tuple(sep, word), { maxLength: 4 })).map(([w, rest]) => w + rest.map(([s, x]) => s + x).join(''));
    fc.assert(
      fc.property(name, (n) => {
        expect(slugify(n), n).to.equal(firstSchemeSlug(n));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('articleScopes', () => {
  it('lists C++ and C# as two tags, and sections that differ in punctuation as two paths', () => {
    const a = parseArticle({ id: 'a', path: '/a', title: 'A', body: '<p>a</p>', published: '2016-07-01T10:00:00Z', section: ['News', 'U.S.'], tags: ['C++', 'C#', 'c++'] }, 'UTC');
    const keys = articleScopes(a).map((s) => s.key);
    expect(keys).to.deep.equal(['', 'sections/news', `sections/news/${slugify('U.S.')}`, `tags/${slugify('C++')}`, `tags/${slugify('C#')}`]);
    expect(keys).to.not.include('sections/news/us');
    expect(feedPath(`tags/${slugify('C++')}`, 'atom')).to.equal(`/tags/${slugify('C++')}/atom.xml`);
  });
});
