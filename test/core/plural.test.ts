// count(): the number and the noun that agrees with it, for every count phrase the CLI prints.
import { expect } from 'chai';
import { count } from '../../src/core/plural.js';

describe('core: count phrases', () => {
  it('singular for exactly 1, plural otherwise (0, 2, fractions), with an irregular plural when given', () => {
    expect(count(1, 'article')).to.equal('1 article');
    expect(count(0, 'article')).to.equal('0 articles');
    expect(count(3, 'feed')).to.equal('3 feeds');
    expect(count(1, 'body', 'bodies')).to.equal('1 body');
    expect(count(2, 'body', 'bodies')).to.equal('2 bodies');
    expect(count(1, 'article file')).to.equal('1 article file');
  });
});
