// Issue 13, part 3: WordPress content made plain HTML on import — shortcodes, the "appeared first
// on" footer, the lead image shown once — unit by unit, then through a WordPress /feed/.
import { expect } from 'chai';
import { parseFeed } from '../../src/import/feed-importer.js';
import { dropFeedFooter, paragraphs, replaceShortcodes, showLeadOnce } from '../../src/import/wordpress-content.js';

const FOOTER = '<p>The post <a rel="nofollow" href="https://example.com/a/">Budget talks resume</a> appeared first on <a rel="nofollow" href="https://example.com">Example Daily</a>.</p>';

describe('import: WordPress content', () => {
  it('[caption] → <figure> with <figcaption>, also with a linked image and the old caption="" form', () => {
    const out = replaceShortcodes('[caption id="attachment_5" align="alignnone" width="300"]<a href="/big.jpg"><img src="/a.jpg" alt="" /></a> Crowds at the station[/caption]');
    expect(out.html).to.equal('<figure><a href="/big.jpg"><img src="/a.jpg" alt="" /></a><figcaption>Crowds at the station</figcaption></figure>');
    expect(replaceShortcodes('[caption caption="Old &amp; style"]<img src="/b.jpg">[/caption]').html).to.equal('<figure><img src="/b.jpg"><figcaption>Old &amp; style</figcaption></figure>');
    expect(out.notes).to.deep.equal([]);
  });

  it('[audio] and [video] → HTML5 elements with their files as enclosures', () => {
    const audio = replaceShortcodes('[audio mp3="https://example.com/a.mp3" ogg="https://example.com/a.ogg"][/audio]');
    expect(audio.html).to.equal('<audio controls><source src="https://example.com/a.mp3" type="audio/mpeg"><source src="https://example.com/a.ogg" type="audio/ogg"><a href="https://example.com/a.mp3">https://example.com/a.mp3</a></audio>');
    expect(audio.enclosures).to.deep.equal([{ url: 'https://example.com/a.mp3', type: 'audio/mpeg' }, { url: 'https://example.com/a.ogg', type: 'audio/ogg' }]);
    const video = replaceShortcodes('[video width="640" height="360" mp4="/v.mp4" poster="/p.jpg"][/video]', { base: 'https://example.com/post/' });
    expect(video.html).to.equal('<video controls width="640" height="360" poster="https://example.com/p.jpg"><source src="https://example.com/v.mp4" type="video/mp4"><a href="https://example.com/v.mp4">https://example.com/v.mp4</a></video>');
    expect(video.enclosures).to.deep.equal([{ url: 'https://example.com/v.mp4', type: 'video/mp4' }]);
  });

  it('[embed] → a YouTube or Vimeo player, else a link; [gallery] → the known attachments; [[x]] → [x]; others reported', () => {
    expect(replaceShortcodes('[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]').html).to.equal('<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" width="560" height="315" allowfullscreen></iframe>');
    expect(replaceShortcodes('[embed]https://vimeo.com/76979871[/embed]').html).to.contain('https://player.vimeo.com/video/76979871');
    expect(replaceShortcodes('[embed]https://example.org/x[/embed]').html).to.equal('<p><a href="https://example.org/x">https://example.org/x</a></p>');
    const gallery = replaceShortcodes('[gallery ids="5,6"]', { attachments: new Map([['5', 'https://example.com/5.jpg']]) });
    expect(gallery.html).to.equal('<div class="gallery"><figure><img src="https://example.com/5.jpg" alt=""></figure></div>');
    expect(gallery.notes).to.deep.equal(['[gallery] image not in the export']);
    expect(replaceShortcodes('Write [[caption]] to caption.').html).to.equal('Write [caption] to caption.');
    const unknown = replaceShortcodes('<p>Tips: [contact-form-7 id="42"] and [1] and [ see ]</p>');
    expect(unknown.html).to.equal('<p>Tips: [contact-form-7 id="42"] and [1] and [ see ]</p>');
    expect(unknown.notes).to.deep.equal(['unknown shortcode [contact-form-7]']);
  });

  it('drops the "appeared first on" footer, and only that paragraph', () => {
    expect(dropFeedFooter(`<p>Body.</p>\n${FOOTER}\n`)).to.deep.equal({ html: '<p>Body.</p>', dropped: true });
    expect(dropFeedFooter('<p>The post office appeared on the map.</p>').dropped).to.equal(false);
    expect(dropFeedFooter(`${FOOTER}<p>Not last.</p>`).dropped).to.equal(false);
  });

  it('makes classic-editor text paragraphs, leaving block HTML as it is', () => {
    expect(paragraphs('One.\nline two\n\nTwo.')).to.equal('<p>One.<br>\nline two</p>\n<p>Two.</p>');
    expect(paragraphs('<p>Already.</p>\n\n<p>Fine.</p>')).to.equal('<p>Already.</p>\n\n<p>Fine.</p>');
  });

  it('shows the lead image once: a resized copy in the body takes the lead URL', () => {
    const body = '<p>x</p><img src="/wp-content/uploads/2024/03/metro-1024x683.jpg" width="1024"><img src="/other-300x200.jpg">';
    expect(showLeadOnce(body, 'https://example.com/wp-content/uploads/2024/03/metro.jpg', 'https://example.com/post/')).to.equal('<p>x</p><img src="https://example.com/wp-content/uploads/2024/03/metro.jpg" width="1024"><img src="/other-300x200.jpg">');
    expect(showLeadOnce(body, 'https://example.com/elsewhere.jpg', 'https://example.com/')).to.equal(body);
  });

  it('shows the lead image once when it is WordPress 5.3+\'s -scaled original, and the other way round', () => {
    // A large upload keeps its original as big-scaled.jpg; the body shows a size of it.
    const body = '<img class="size-large wp-image-300" src="https://example.com/wp-content/uploads/2024/02/big-1024x683.jpg">';
    expect(showLeadOnce(body, 'https://example.com/wp-content/uploads/2024/02/big-scaled.jpg', undefined)).to.equal('<img class="size-large wp-image-300" src="https://example.com/wp-content/uploads/2024/02/big-scaled.jpg">');
    const scaledInBody = '<img src="https://example.com/wp-content/uploads/lead-scaled.jpg">';
    expect(showLeadOnce(scaledInBody, 'https://example.com/wp-content/uploads/lead.jpg', undefined)).to.equal('<img src="https://example.com/wp-content/uploads/lead.jpg">');
    expect(showLeadOnce(scaledInBody, 'https://example.com/wp-content/uploads/leader.jpg', undefined)).to.equal(scaledInBody);
  });

  it('cleans a WordPress /feed/ item: shortcodes, footer, lead image once; --keep-footer keeps it', async () => {
    const feed = (body: string) => `<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Example Daily</title><link>https://example.com</link><generator>https://wordpress.org/?v=6.4.3</generator>
      <item><title>A</title><link>https://example.com/a/</link><guid isPermaLink="false">https://example.com/?p=1</guid><pubDate>Tue, 05 Mar 2024 09:30:00 +0000</pubDate>
      <content:encoded><![CDATA[${body}]]></content:encoded><media:content url="https://example.com/wp-content/uploads/a.jpg" medium="image"/></item></channel></rss>`;
    const body = '<p>[caption width="300"]<img src="https://example.com/wp-content/uploads/a-300x200.jpg"> Caption[/caption]</p><p>Text [audio src="https://example.com/a.mp3"]</p>' + FOOTER;
    const parsed = await parseFeed(feed(body), { timeZone: 'UTC' });
    const raw = parsed.items[0]?.raw;
    expect(parsed.platform).to.equal('wordpress');
    expect(raw?.body).to.equal('<p><figure><img src="https://example.com/wp-content/uploads/a.jpg"><figcaption>Caption</figcaption></figure></p><p>Text <audio controls><source src="https://example.com/a.mp3" type="audio/mpeg"><a href="https://example.com/a.mp3">https://example.com/a.mp3</a></audio></p>');
    expect(raw?.enclosures).to.deep.equal([{ url: 'https://example.com/a.mp3', type: 'audio/mpeg' }]);
    const kept = await parseFeed(feed(body), { timeZone: 'UTC', keepFooter: true });
    expect(kept.items[0]?.raw.body).to.contain('appeared first on');
  });
});
