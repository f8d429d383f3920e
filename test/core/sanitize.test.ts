// Article HTML is sanitised before it reaches any document: what is removed and what is kept.
import { expect } from 'chai';
import { DEFAULT_EMBED_HOSTS, sanitizeBody } from '../../src/core/sanitize.js';
import { prepareItem } from '../../src/core/feed-model.js';
import { renderTemplate } from '../../src/core/content.js';
import { parseOrigin, type Origin } from '../../src/core/site.js';
import type { Article } from '../../src/core/article.js';

describe('sanitize', () => {
  it('removes scripts, styles, event handlers, forms, javascript: and data: links, and unknown iframes', () => {
    const out = sanitizeBody(
      '<p onclick="steal()">Hi<script>alert(1)</script><style>p{}</style></p>' +
        '<a href="javascript:alert(1)">x</a><a href="data:text/html,<b>">y</a><a href="JaVaScRiPt:alert(1)">z</a>' +
        '<form action="/f"><input name="q"><button>go</button></form>' +
        '<iframe src="https://evil.example/embed"></iframe><img src="x.jpg" onerror="steal()">' +
        '<object data="x.swf"></object><embed src="x.swf"><svg><script>1</script></svg>',
    );
    for (const bad of ['script', 'alert', 'onclick', 'onerror', '<style', 'javascript:', 'JaVaScRiPt', 'data:text', '<form', '<input', '<button', 'evil.example', '<object', '<embed', '<svg', 'steal']) {
      expect(out, bad).to.not.include(bad);
    }
    expect(out).to.include('<p>Hi</p>');
  });

  it('keeps figures, captions, headings, lists, links, images, tables, blockquotes and allowed embeds', () => {
    const html =
      '<h2>Sub</h2><figure><img src="/a.jpg" alt="A" width="10" height="5" /><figcaption>Cap (AFP)</figcaption></figure>' +
      '<ul><li>one</li></ul><ol start="3"><li>three</li></ol><blockquote cite="https://x.example/">q</blockquote>' +
      '<table><thead><tr><th scope="col">h</th></tr></thead><tbody><tr><td colspan="2">d</td></tr></tbody></table>' +
      '<p><a href="/rel">rel</a> <a href="https://x.example/p?a=1&amp;b=2">abs</a> <a href="mailto:a@b.example">m</a> <em>e</em> <strong>s</strong></p>' +
      '<iframe src="https://www.youtube.com/embed/abc" width="560" height="315" allowfullscreen></iframe>' +
      '<img src="data:image/png;base64,iVBORw0KGgo=" alt="inline" />';
    const out = sanitizeBody(html);
    expect(out).to.equal(html.replace('allowfullscreen>', 'allowfullscreen="">').replace('allowfullscreen=""', 'allowfullscreen'));
  });

  it('keeps iframes only from the configured embed hosts', () => {
    const iframe = '<iframe src="https://player.example/v/1"></iframe>';
    expect(sanitizeBody(iframe)).to.equal('');
    expect(sanitizeBody(iframe, ['player.example'])).to.equal(iframe);
    expect(DEFAULT_EMBED_HOSTS).to.include('www.youtube.com');
  });

  it('is applied to every item before rendering', () => {
    const origin = parseOrigin('https://www.presstv.com') as Origin;
    const article: Article = { id: 'x', path: '/x', title: 't', body: '<p>ok<script>bad()</script></p><img src="/i.jpg" onerror="bad()">', published: 0, authors: [], section: [], tags: [], images: [] };
    const html = renderTemplate(prepareItem(article, [origin]).content, origin);
    expect(html).to.not.include('bad');
    expect(html).to.include('<img src="https://www.presstv.com/i.jpg" />');
  });
});

describe('sanitize: slots cannot be forged', () => {
  it('drops U+FFFF from text and attribute values, so no input can pose as a URL slot', () => {
    const origin = parseOrigin('https://www.presstv.com') as Origin;
    const body = '<p title="&#xFFFF;0&#xFFFF;">&#xFFFF;0&#xFFFF; <a href="/x" title="a&#xFFFF;b">x</a></p>';
    const article: Article = { id: 'x', path: '/x', title: 't', body, published: 0, authors: [], section: [], tags: [], images: [] };
    const html = renderTemplate(prepareItem(article, [origin]).content, origin);
    expect(html).to.equal('<p title="0">0 <a href="https://www.presstv.com/x" title="ab">x</a></p>');
    expect(sanitizeBody(body)).to.equal('<p title="0">0 <a href="/x" title="ab">x</a></p>');
  });
});
