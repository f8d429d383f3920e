// Content preparation: URL segments, the mirror-independent template, and summaries of long
// bodies (only the opening is read; the result must equal reading it all).
import { expect } from 'chai';
import { prepareHtml, renderTemplate, summarize } from '../../src/core/content.js';
import { parseOrigin, type Origin } from '../../src/core/site.js';
import type { Article } from '../../src/core/article.js';

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
    expect(renderTemplate(t, B)).to.equal('<p><a href="http://abc.onion/c?d=1&amp;e=2#f">x</a> <img src="http://abc.onion/i.jpg" srcset="http://abc.onion/s.jpg 2x, https://cdn.example/t.jpg 1x"> <a href="http://abc.onion/own">o</a> <a href="mailto:a@b.c">m</a></p>');
    expect(renderTemplate(t, A)).to.include('href="https://www.presstv.com/c?d=1&amp;e=2#f"');
  });
});
