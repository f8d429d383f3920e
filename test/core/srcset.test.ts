// srcset by the HTML standard's grammar (HTML §4.8.4.3.10): commas inside URLs stay in them,
// candidates end at the comma after their descriptors, invalid candidates are dropped.
import { expect } from 'chai';
import { parseSrcset, serializeSrcset } from '../../src/core/srcset.js';

const urls = (s: string) => parseSrcset(s).map((c) => c.url);

describe('srcset', () => {
  it('keeps commas inside URLs and splits after descriptors', () => {
    expect(parseSrcset('/img/a,b.jpg 1x, /img/c.jpg 2x')).to.deep.equal([
      { url: '/img/a,b.jpg', descriptors: ['1x'] },
      { url: '/img/c.jpg', descriptors: ['2x'] },
    ]);
    expect(urls('data:image/png;base64,iVBO,RK5C 1x, data:image/gif;base64,R0lG 2x')).to.deep.equal(['data:image/png;base64,iVBO,RK5C', 'data:image/gif;base64,R0lG']);
    expect(urls('a.jpg,b.jpg 2x')).to.deep.equal(['a.jpg,b.jpg']);
  });

  it('ends a URL with trailing commas as a candidate without descriptors', () => {
    expect(parseSrcset('a.jpg,, b.jpg 2x,c.jpg')).to.deep.equal([
      { url: 'a.jpg', descriptors: [] },
      { url: 'b.jpg', descriptors: ['2x'] },
      { url: 'c.jpg', descriptors: [] },
    ]);
    expect(parseSrcset(' ,\t, a.jpg \n 100w ,')).to.deep.equal([{ url: 'a.jpg', descriptors: ['100w'] }]);
    expect(parseSrcset('')).to.deep.equal([]);
    expect(parseSrcset(' , ,')).to.deep.equal([]);
  });

  it('drops candidates whose descriptors are invalid, as browsers do', () => {
    expect(urls('a.jpg 100w 2x, b.jpg 0w, c.jpg -1x, d.jpg 50h, e.jpg 10w 5h, f.jpg 1.5x, g.jpg 2X, h.jpg 0x')).to.deep.equal(['e.jpg', 'f.jpg', 'h.jpg']);
    // A parenthesised descriptor holds its commas; it is not a known descriptor, so it drops.
    expect(urls('a.jpg (x, y), b.jpg 2x')).to.deep.equal(['b.jpg']);
  });

  it('writes candidates back so that parsing again gives them unchanged', () => {
    const value = '/img/a,b.jpg 1x, https://cdn.example/c.jpg?x=1,2 480w, d.jpg';
    const parsed = parseSrcset(value);
    expect(serializeSrcset(parsed)).to.equal(value);
    expect(parseSrcset(serializeSrcset(parsed))).to.deep.equal(parsed);
  });
});
