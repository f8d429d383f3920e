// "Did you mean …?" (src/core/closest.ts): edit distance and the closest known word.
import { expect } from 'chai';
import fc from 'fast-check';
import { closestMatch, editDistance } from '../../src/core/closest.js';

describe('closest', () => {
  it('editDistance counts insertions, deletions, substitutions and adjacent transpositions', () => {
    expect(editDistance('', '')).to.equal(0);
    expect(editDistance('title', 'title')).to.equal(0);
    expect(editDistance('titel', 'title')).to.equal(1);
    expect(editDistance('tile', 'title')).to.equal(1);
    expect(editDistance('kitten', 'sitting')).to.equal(3);
    expect(editDistance('abc', '')).to.equal(3);
  });

  it('editDistance is a symmetric measure no larger than the longer word', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d).to.equal(editDistance(b, a));
        expect(d).to.be.at.most(Math.max(a.length, b.length));
        expect(d === 0).to.equal(a === b);
      }),
    );
  });

  it('closestMatch suggests the likely meant site.json key or command, and nothing for a word far from all', () => {
    const keys = ['title', 'description', 'language', 'timeZone', 'origin', 'alternateOrigins', 'itemLimit', 'schedule', 'idPrefix'];
    expect(closestMatch('titel', keys)).to.equal('title');
    expect(closestMatch('timezone', keys)).to.equal('timeZone');
    expect(closestMatch('time_zone', keys)).to.equal('timeZone');
    expect(closestMatch('alternateOrigin', keys)).to.equal('alternateOrigins');
    expect(closestMatch('descripton', keys)).to.equal('description');
    expect(closestMatch('colour', keys)).to.equal(undefined);
    expect(closestMatch('x', keys)).to.equal(undefined);
    expect(closestMatch('compiel', ['serve', 'compile', 'check', 'import'])).to.equal('compile');
    expect(closestMatch('frobnicate', ['serve', 'compile', 'check', 'import'])).to.equal(undefined);
  });
});
