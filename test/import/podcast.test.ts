// Issue 13, parts 2 and 3: a podcast feed (RSS 2.0 with iTunes tags; fixture written by us in the
// shape podcast hosts publish) imported and published again. Every audio and video file comes
// out in all three formats with its type and length (and duration where known); RSS keeps one
// `enclosure` per item, as the W3C Feed Validation Service requires; titles holding named and
// numeric character references come out as the characters in every format.
import { expect } from 'chai';
import { join } from 'node:path';
import { parseStringPromise } from 'xml2js';
import { importedArticleId } from '../../src/import/feed-importer.js';
import { runImport, type ImportOptions } from '../../src/import/import-command.js';
import { get, makeDataDir, removeDir, ROOT, startService, type TestService } from '../support/fixtures.js';

const FILE = join(ROOT, 'test', 'fixtures', 'import', 'podcast.xml');
const OPTIONS: ImportOptions = { timeZone: 'UTC', baseUrl: 'https://www.presstv.com', siteLanguage: 'en' };
const EP12 = 'podcast.example.com/?p=912';
const EP11 = 'podcast.example.com/?p=905';
const EP10 = 'podcast.example.com/?p=899';
/** `Episode 12 &rarr; the &hearts; of &Eacute;vora&ensp;live &#x1F600;`, decoded. */
const TITLE = 'Episode 12 \u2192 the \u2665 of \u00C9vora\u2002live \u{1F600}';

/** Every media file of the fixture: guid → [url, type, length, duration]. */
const MEDIA: Record<string, [string, string, number, number][]> = {
  [EP12]: [['https://cdn.example.com/audio/ep12-evora.mp3', 'audio/mpeg', 48213504, 3013]],
  [EP11]: [
    ['https://cdn.example.com/audio/ep11-night-shift.m4a', 'audio/x-m4a', 61440000, 3721],
    ['https://cdn.example.com/video/ep11-night-shift.mp4', 'video/mp4', 734003200, 3721],
  ],
  [EP10]: [['https://cdn.example.com/audio/ep10-bonus.mp3', 'audio/mpeg', 7340032, 458]],
};

describe('import: a podcast feed, published again with every enclosure', () => {
  let ts: TestService;
  let dataDir: string;

  before(async () => {
    dataDir = makeDataDir({ articles: {} });
    ts = await startService(dataDir);
    const report = await runImport(FILE, ts.service, OPTIONS);
    await ts.service.writer.flushed();
    expect(report).to.deep.include({ format: 'rss2', total: 3, imported: 3, skipped: [] });
    // What the importer does not read is counted, not lost in silence.
    expect(report.notCarried).to.deep.equal({ 'element itunes:episode': 1, 'element itunes:episodeType': 1 });
  });
  after(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  it('keeps every enclosure with its type, length and itunes:duration in the article', async () => {
    for (const [guid, media] of Object.entries(MEDIA)) {
      const article = (await ts.service.store.getArticle(importedArticleId(guid)))?.article;
      expect(article?.enclosures, guid).to.deep.equal(media.map(([url, type, length, duration]) => ({ url, type, length, duration })));
    }
    // The episode artwork stays an image, not an enclosure.
    expect((await ts.service.store.getArticle(importedArticleId(EP11)))?.article.images).to.deep.equal([{ url: 'https://podcast.example.com/img/ep11.jpg', width: 1400, height: 1400 }]);
  });

  it('RSS: one enclosure per item (the first media file), every file as media:content with type and fileSize', async () => {
    const res = await get(ts.port, '/rss.xml');
    const doc = (await parseStringPromise(res.text)) as any;
    const items = doc.rss.channel[0].item as any[];
    expect(items).to.have.length(3);
    for (const item of items) {
      const guid = item.guid[0]._ as string;
      const media = MEDIA[guid] as [string, string, number, number][];
      const [first] = media;
      expect(item.enclosure, guid).to.have.length(1);
      expect(item.enclosure[0].$).to.deep.equal({ url: first?.[0], length: String(first?.[2]), type: first?.[1] });
      const contents = (item['media:content'] as any[]).map((m) => m.$).filter((m) => m.medium !== 'image');
      expect(contents, guid).to.deep.equal(media.map(([url, type, length, duration]) => ({ url, medium: type.split('/')[0], type, fileSize: String(length), duration: String(duration) })));
    }
  });

  it('Atom: a link rel="enclosure" with type and length for every file', async () => {
    const doc = (await parseStringPromise((await get(ts.port, '/atom.xml')).text)) as any;
    for (const entry of doc.feed.entry as any[]) {
      const guid = entry.id[0] as string;
      const links = (entry.link as any[]).map((l) => l.$).filter((l) => l.rel === 'enclosure' && !String(l.type).startsWith('image/'));
      expect(links, guid).to.deep.equal((MEDIA[guid] ?? []).map(([href, type, length]) => ({ rel: 'enclosure', type, href, length: String(length) })));
    }
  });

  it('JSON Feed: attachments with mime_type, size_in_bytes and duration_in_seconds', async () => {
    const doc = JSON.parse((await get(ts.port, '/feed.json')).text) as { items: { id: string; attachments: Record<string, unknown>[] }[] };
    for (const item of doc.items) {
      const files = item.attachments.filter((a) => !String(a.mime_type).startsWith('image/'));
      expect(files, item.id).to.deep.equal((MEDIA[item.id] ?? []).map(([url, mime_type, size_in_bytes, duration_in_seconds]) => ({ url, mime_type, size_in_bytes, duration_in_seconds })));
    }
  });

  it('decodes &rarr; &hearts; &Eacute; &ensp; &#x1F600; in a title to the characters, in every format', async () => {
    expect((await ts.service.store.getArticle(importedArticleId(EP12)))?.article.title).to.equal(TITLE);
    const rss = (await parseStringPromise((await get(ts.port, '/rss.xml')).text)) as any;
    expect((rss.rss.channel[0].item as any[]).map((i) => i.title[0])).to.include(TITLE);
    const atom = (await parseStringPromise((await get(ts.port, '/atom.xml')).text)) as any;
    expect((atom.feed.entry as any[]).map((e) => e.title[0]._)).to.include(TITLE);
    const json = JSON.parse((await get(ts.port, '/feed.json')).text) as { items: { title: string }[] };
    expect(json.items.map((i) => i.title)).to.include(TITLE);
  });
});
