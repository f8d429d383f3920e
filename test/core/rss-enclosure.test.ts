// RSS 2.0 allows one `enclosure` per item: the item's first audio or video enclosure (a podcast's
// episode) even when another file is listed before it; else its first enclosure; else the lead
// image. Every enclosure is also a media:content. (Issue 13, found by a review: a transcript
// listed first made the episode unplayable in podcast apps.)
import { expect } from 'chai';
import { parseStringPromise } from 'xml2js';
import { renderRss } from '../../src/core/render-rss.js';
import { buildFeed, contextFor, mustValidate, sampleSite } from './helpers.js';

const site = sampleSite();
const BASE = { id: 'ep8', path: '/podcast/ep8', title: 'Episode 8', body: '<p>Notes.</p>', published: '2026-11-20T10:00:00Z', images: [{ url: '/cover.jpg', type: 'image/jpeg', length: 5 }] };

async function rssEnclosures(extra: Record<string, unknown>): Promise<{ one: Record<string, string>[]; media: string[] }> {
  const article = mustValidate({ ...BASE, ...extra }, site.timeZone);
  const xml = renderRss(buildFeed({ key: '', kind: 'site', label: '' }, [article], site), contextFor(site));
  const doc = (await parseStringPromise(xml)) as { rss: { channel: { item: { enclosure?: { $: Record<string, string> }[]; 'media:content'?: { $: { url: string } }[] }[] }[] } };
  const item = doc.rss.channel[0]!.item[0]!;
  return { one: (item.enclosure ?? []).map((e) => e.$), media: (item['media:content'] ?? []).map((m) => m.$.url) };
}

describe('RSS: the one enclosure of an item', () => {
  it('is the first audio or video enclosure, even behind a PDF; every file is a media:content', async () => {
    const r = await rssEnclosures({ enclosures: [{ url: 'https://cdn.example.com/a.pdf', type: 'application/pdf', length: 10 }, { url: 'https://cdn.example.com/a.mp3', type: 'audio/mpeg', length: 48_000_000 }] });
    expect(r.one).to.deep.equal([{ url: 'https://cdn.example.com/a.mp3', length: '48000000', type: 'audio/mpeg' }]);
    expect(r.media).to.include.members(['https://cdn.example.com/a.pdf', 'https://cdn.example.com/a.mp3']);
  });

  it('is the first enclosure when none is audio or video, and the lead image when there is none', async () => {
    const pdf = await rssEnclosures({ enclosures: [{ url: 'https://cdn.example.com/a.pdf', type: 'application/pdf', length: 10 }] });
    expect(pdf.one).to.deep.equal([{ url: 'https://cdn.example.com/a.pdf', length: '10', type: 'application/pdf' }]);
    const none = await rssEnclosures({});
    expect(none.one).to.have.length(1);
    expect(none.one[0]?.url).to.match(/\/cover\.jpg$/);
    expect(none.one[0]?.type).to.equal('image/jpeg');
  });
});
