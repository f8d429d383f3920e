// The article format's limits on what one article fans out into (README, "Articles and the API"):
// every tag and every section level is a feed, and the body is copied into each of them, so
// their number and size are bounded; a file over a limit is reported naming the file and field.
import { expect } from 'chai';
import { MAX_BODY_CHARS, MAX_SECTION_LEVELS, MAX_TAGS, parseArticle, validateArticle } from '../../src/core/article.js';
import { FeedwrightError } from '../../src/core/errors.js';
import { articleScopes } from '../../src/core/scopes.js';

const ZONE = 'Asia/Tehran';
const BASE = { id: 'a-1', path: '/a', title: 'A title', body: '<p>Body.</p>', published: '2016-07-06T14:05:00+04:30' };
const names = (n: number, word: string) => Array.from({ length: n }, (_, i) => `${word} ${i}`);

function problems(raw: unknown): { field: string; message: string }[] {
  const r = validateArticle(raw, ZONE);
  return 'problems' in r ? r.problems : [];
}

describe('article limits', () => {
  it('are named constants with sensible values', () => {
    expect(MAX_TAGS).to.equal(50);
    expect(MAX_SECTION_LEVELS).to.equal(10);
    expect(MAX_BODY_CHARS).to.equal(2_000_000);
  });

  it(`accepts ${MAX_TAGS} tags and ${MAX_SECTION_LEVELS} section levels: at most 1 + ${MAX_SECTION_LEVELS} + ${MAX_TAGS} feeds`, () => {
    const r = validateArticle({ ...BASE, tags: names(MAX_TAGS, 'Tag'), section: names(MAX_SECTION_LEVELS, 'Level') }, ZONE);
    expect('article' in r).to.equal(true);
    if ('article' in r) expect(articleScopes(r.article)).to.have.length(1 + MAX_SECTION_LEVELS + MAX_TAGS);
  });

  it('refuses one tag too many, and 3,000 tags, naming the field, the count and the limit', () => {
    for (const n of [MAX_TAGS + 1, 3000]) {
      const p = problems({ ...BASE, tags: names(n, 'Tag') });
      expect(p).to.have.length(1);
      expect(p[0]?.field).to.equal('tags');
      expect(p[0]?.message).to.include(`has ${n} entries`).and.include(`at most ${MAX_TAGS}`);
    }
  });

  it('counts tags as written (repeats included), as the schema does', () => {
    expect(problems({ ...BASE, tags: Array.from({ length: MAX_TAGS + 1 }, () => 'Syria') }).map((p) => p.field)).to.deep.equal(['tags']);
  });

  it('refuses a section path deeper than allowed (each level is a feed)', () => {
    const p = problems({ ...BASE, section: names(MAX_SECTION_LEVELS + 1, 'Level') });
    expect(p.map((x) => x.field)).to.deep.equal(['section']);
    expect(p[0]?.message).to.include(`at most ${MAX_SECTION_LEVELS}`);
  });

  it('accepts a body of exactly the limit and refuses one character more, naming the length and the limit', () => {
    const at = '<p>' + 'x'.repeat(MAX_BODY_CHARS - 7) + '</p>';
    expect(at.length).to.equal(MAX_BODY_CHARS);
    expect(problems({ ...BASE, body: at })).to.deep.equal([]);
    const p = problems({ ...BASE, body: `${at} ` });
    expect(p.map((x) => x.field)).to.deep.equal(['body']);
    expect(p[0]?.message).to.include(`${MAX_BODY_CHARS + 1} characters`).and.include(`at most ${MAX_BODY_CHARS}`);
  });

  it('names the file and the field in the error a file over a limit gets (ARTICLE_INVALID)', () => {
    let caught: unknown;
    try {
      parseArticle({ ...BASE, tags: names(3000, 'Tag') }, ZONE, 'tag-stuffed.json');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(FeedwrightError);
    expect((caught as FeedwrightError).code).to.equal('ARTICLE_INVALID');
    expect((caught as FeedwrightError).message).to.match(/^tag-stuffed\.json: tags has 3000 entries; at most 50/);
  });
});
