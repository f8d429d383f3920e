// Issue 13, part 1 and 3: a WordPress export (WXR 1.2, fixture written by us in the shape
// WordPress 6 writes) imported into a running service. Only the published post and the future
// post (embargoed) are stored; the draft, the private page and the attachment are skipped by
// kind; authors are display names; categories are sections (with their parents), tags tags;
// guids are WordPress's own; [caption] and [audio] become elements (and an enclosure); an unknown
// shortcode and a comment are reported as not carried over.
import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { SaxesParser } from 'saxes';
import { FeedMapper, importedArticleId, parseFeed, type FeedEntry } from '../../src/import/feed-importer.js';
import { runImport, type ImportOptions } from '../../src/import/import-command.js';
import { FeedwrightError } from '../../src/core/errors.js';
import { get, makeDataDir, removeDir, ROOT, startService, type TestService } from '../support/fixtures.js';

const FILE = join(ROOT, 'test', 'fixtures', 'import', 'wordpress-export.xml');
const OPTIONS: ImportOptions = { timeZone: 'Asia/Tehran', baseUrl: 'https://www.presstv.com', siteLanguage: 'en' };
const POST = 'https://example.com/?p=123';
const FUTURE = 'https://example.com/?p=140';

describe('import: a WordPress export (WXR)', () => {
  let ts: TestService;
  let dataDir: string;

  before(async () => {
    dataDir = makeDataDir({ articles: {} });
    ts = await startService(dataDir);
  });
  after(async () => {
    await ts.close();
    removeDir(dataDir);
  });

  it('--dry-run reads and reports everything and writes nothing', async () => {
    const report = await runImport(FILE, ts.service, { ...OPTIONS, dryRun: true });
    expect(report).to.deep.include({ format: 'wxr', total: 5, imported: 2, updated: 0, unchanged: 0, dryRun: true });
    expect(report.items?.map((i) => i.item)).to.deep.equal([2, 5]);
    expect(await ts.service.store.countArticles()).to.equal(0);
  });

  it('stores exactly the published post and the future post; skips the rest counted by kind, with 1-based item numbers', async () => {
    const report = await runImport(FILE, ts.service, OPTIONS);
    await ts.service.writer.flushed();
    expect(report).to.deep.include({ format: 'wxr', platform: 'wordpress', total: 5, imported: 2, updated: 0, unchanged: 0 });
    expect(report.skipped.map((s) => [s.item, s.kind])).to.deep.equal([[1, 'attachment'], [3, 'status draft'], [4, 'post type page']]);
    expect(report.skippedByKind).to.deep.equal({ attachment: 1, 'status draft': 1, 'post type page': 1 });
    expect(await ts.service.store.countArticles()).to.equal(2);
    expect(await ts.service.store.getArticle(importedArticleId(POST))).not.to.equal(undefined);
    expect(await ts.service.store.getArticle(importedArticleId(FUTURE))).not.to.equal(undefined);
    // What the items lost is counted, not dropped in silence.
    expect(report.notCarried).to.deep.include({ 'unknown shortcode [contact-form-7]': 1, 'comment (comments are not published in feeds)': 1 });
  });

  it('maps display names, categories to sections (with parents) and tags, WordPress guids, GMT dates', async () => {
    const post = (await ts.service.store.getArticle(importedArticleId(POST)))?.article;
    const future = (await ts.service.store.getArticle(importedArticleId(FUTURE)))?.article;
    expect(post?.guid).to.equal(POST);
    expect(post?.authors).to.deep.equal([{ name: 'Sara Ahmadi' }]);
    expect(post?.section).to.deep.equal(['World', 'Middle East']);
    expect(post?.tags).to.deep.equal(['Transport']);
    expect(post?.title).to.equal('Tehran metro’s Line 7 extension opens to passengers');
    expect(post?.path).to.equal('/2024/03/05/tehran-metro-line-7-extension/');
    expect(post?.published).to.equal(Date.parse('2024-03-05T09:30:00Z'));
    expect(future?.guid).to.equal(FUTURE);
    expect(future?.authors).to.deep.equal([{ name: 'Ali Rahimi' }]);
    // "Uncategorized" is WordPress's default, not a section.
    expect(future?.section).to.deep.equal(['World']);
    expect(future?.tags).to.deep.equal(['Podcast']);
    expect(future?.title).to.equal('Election results: live coverage → tonight');
    expect(future?.summary).to.equal('Results as they come in.');
  });

  it('turns [caption] into <figure>/<figcaption> and [audio] into <audio> plus an enclosure with its length', async () => {
    const post = (await ts.service.store.getArticle(importedArticleId(POST)))?.article;
    expect(post?.body).to.match(/<figure><img [^>]*><figcaption>A train at Line 7's new terminus &amp; its crowd<\/figcaption><\/figure>/);
    expect(post?.body).to.contain('<audio controls><source src="https://example.com/wp-content/uploads/2024/03/line7-report.mp3" type="audio/mpeg">');
    expect(post?.body).not.to.match(/\[\/?(caption|audio)/);
    // Classic-editor text: blank lines became paragraphs.
    expect(post?.body).to.match(/^<p>The extension adds four stations/);
    expect(post?.enclosures).to.deep.equal([{ url: 'https://example.com/wp-content/uploads/2024/03/line7-report.mp3', type: 'audio/mpeg', length: 48213504 }]);
    // The featured image (an attachment listed before the post) is the lead image.
    expect(post?.images).to.deep.equal([{ url: 'https://example.com/wp-content/uploads/2024/03/metro.jpg' }]);
  });

  it('publishes the post with its WordPress guid and shows the lead picture once; the future post is embargoed', async () => {
    const rss = await get(ts.port, '/rss.xml');
    expect(rss.status).to.equal(200);
    expect(rss.text).to.contain(`<guid isPermaLink="false">${POST}</guid>`);
    expect(rss.text).not.to.contain(FUTURE);
    const content = /<content:encoded>([\s\S]*?)<\/content:encoded>/.exec(rss.text)?.[1] ?? '';
    expect(content.match(/&lt;img /g) ?? []).to.have.length(1);
    expect(content).to.contain('metro.jpg');
    expect(rss.text).to.contain('<enclosure url="https://example.com/wp-content/uploads/2024/03/line7-report.mp3" length="48213504" type="audio/mpeg"/>');
    const section = await get(ts.port, '/sections/world/middle-east/rss.xml');
    expect(section.status).to.equal(200);
    expect(section.text).to.contain(POST);
    const json = JSON.parse((await get(ts.port, '/feed.json')).text) as { items: { id: string; authors: { name: string }[] }[] };
    expect(json.items.map((i) => i.id)).to.deep.equal([POST]);
    expect(json.items[0]?.authors).to.deep.equal([{ name: 'Sara Ahmadi' }]);
  });

  it('a second import changes nothing', async () => {
    const again = await runImport(FILE, ts.service, OPTIONS);
    expect(again).to.deep.include({ imported: 0, updated: 0, unchanged: 2 });
  });

  it('--post-types post,page reaches the private page, which is skipped for its status', async () => {
    const feed = await parseFeed(readFileSync(FILE, 'utf8'), { timeZone: 'UTC', postTypes: ['post', 'page'] });
    expect(feed.skipped.map((s) => [s.item, s.kind])).to.deep.equal([[1, 'attachment'], [3, 'status draft'], [4, 'status private']]);
  });

  it('suggests redirects for the old feed URLs', async () => {
    const report = await runImport(FILE, ts.service, { ...OPTIONS, dryRun: true });
    expect(report.platform).to.equal('wordpress');
    // world/middle-east agree with feedwright's slugs; a tag slug that does not is listed.
    expect(report.redirects).to.deep.equal({ '/tag/podcast-ep/feed/': '/tags/podcast/rss.xml' });
  });

  it('suggests the same redirects for an export of posts only, whose channel lists no terms (the items\' nicenames)', async () => {
    // Tools → Export → Posts leaves wp:category and wp:tag out of the channel.
    const postsOnly = join(dataDir, 'posts-only.xml');
    writeFileSync(postsOnly, readFileSync(FILE, 'utf8').replace(/\s*<wp:(category|tag)>[\s\S]*?<\/wp:\1>/g, ''));
    expect(readFileSync(postsOnly, 'utf8')).not.to.include('<wp:tag>');
    const report = await runImport(postsOnly, ts.service, { ...OPTIONS, dryRun: true });
    expect(report.redirects).to.deep.equal({ '/tag/podcast-ep/feed/': '/tags/podcast/rss.xml' });
  });

  it('reads a gzip-compressed and a ZIP-archived export the same way', async () => {
    const gz = join(dataDir, 'export.xml.gz');
    writeFileSync(gz, gzipSync(readFileSync(FILE)));
    const fromGzip = await runImport(gz, ts.service, { ...OPTIONS, dryRun: true });
    expect(fromGzip).to.deep.include({ format: 'wxr', total: 5, unchanged: 2 });
    // A ZIP made by Python's zipfile (deflated), holding the export under WordPress's file name.
    const zip = join(ROOT, 'test', 'fixtures', 'import', 'wordpress-export.zip');
    const fromZip = await runImport(zip, ts.service, { ...OPTIONS, dryRun: true });
    expect(fromZip).to.deep.include({ format: 'wxr', total: 5, unchanged: 2, source: `${zip}:exampledaily.WordPress.2024-03-06.xml` });
  });

  it('reads a document in small chunks exactly as in one piece (the stream keeps the open channel)', async () => {
    for (const name of ['wordpress-export.xml', 'wordpress-rss2.xml', 'podcast.xml', 'atom.xml', 'rdf.xml']) {
      const text = readFileSync(join(ROOT, 'test', 'fixtures', 'import', name), 'utf8');
      const chunks = Array.from({ length: Math.ceil(text.length / 7) }, (_, i) => text.slice(i * 7, i * 7 + 7));
      const mapper = new FeedMapper({ timeZone: 'UTC' });
      const entries: FeedEntry[] = [];
      for await (const entry of mapper.entries(chunks)) entries.push(entry);
      const whole = await parseFeed(text, { timeZone: 'UTC' });
      expect(entries.filter((e) => 'imported' in e).map((e) => ('imported' in e ? e.imported : undefined)), name).to.deep.equal(whole.items);
      expect(entries.filter((e) => 'skipped' in e).map((e) => ('skipped' in e ? e.skipped : undefined)), name).to.deep.equal(whole.skipped);
      expect(mapper.head?.format, name).to.equal(whole.format);
      expect(whole.items.length, name).to.be.above(0);
    }
  });

  it('names the file, line and column (1-based) of an XML error: at the fault, not after it or at the end of the file', async () => {
    const original = readFileSync(FILE, 'utf8');
    const quote = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const cases: { name: string; from: string; to: string; at: string; reason: RegExp }[] = [
      // The field report: a bare & in a title. saxes alone reads on to the next ";" or the end.
      { name: 'bare &', from: '<title><![CDATA[Staff handbook]]></title>', to: '<title>Staff & handbook</title>', at: '& handbook', reason: /a "&" that does not start an entity reference \(write &amp; for an ampersand\)/ },
      { name: 'AT&T', from: '<title><![CDATA[Staff handbook]]></title>', to: '<title>Staff AT&T handbook</title>', at: '&T handbook', reason: /a "&" that does not start an entity reference/ },
      { name: 'undefined entity', from: '<title><![CDATA[Staff handbook]]></title>', to: '<title>Staff&nbsp;handbook</title>', at: '&nbsp;', reason: /the entity &nbsp; is not defined/ },
      { name: '< in text', from: '<title><![CDATA[Staff handbook]]></title>', to: '<title>Staff < handbook</title>', at: '< handbook', reason: /a "<" that does not start a tag \(write &lt; for a less-than sign\)/ },
      { name: 'mismatched end tag', from: '<title><![CDATA[Staff handbook]]></title>', to: '<title>Staff handbook</titel>', at: '</titel>', reason: /the end tag <\/titel> does not match the open <title> \(line \d+, column \d+\)/ },
      { name: 'unclosed tag', from: '<title><![CDATA[Staff handbook]]></title>', to: '<title>Staff handbook', at: '', reason: /the end tag <\/item> does not match the open <title>/ },
    ];
    for (const c of cases) {
      const bad = join(dataDir, `broken-${cases.indexOf(c)}.xml`);
      const text = original.replace(c.from, c.to);
      expect(text, c.name).to.not.equal(original);
      writeFileSync(bad, text);
      // Where the fault is: the mark in the replaced line, or (unclosed) the </item> after it.
      const start = text.indexOf(c.to);
      const offset = c.at === '' ? text.indexOf('</item>', start) : start + c.to.indexOf(c.at);
      const before = text.slice(0, offset).split('\n');
      const line = before.length;
      const column = (before[before.length - 1] as string).length + 1;
      let error: unknown;
      try {
        await runImport(bad, ts.service, { ...OPTIONS, dryRun: true });
      } catch (err) {
        error = err;
      }
      expect(error, c.name).to.be.instanceOf(FeedwrightError);
      expect((error as Error).message, c.name).to.match(new RegExp(`^${quote(bad)}: line ${line}, column ${column}: the feed is not well-formed XML: `));
      expect((error as Error).message, c.name).to.match(c.reason);
      // An independent parser agrees the document is broken.
      const parser = new SaxesParser();
      expect(() => parser.write(text).close(), c.name).to.throw();
    }
    // An element the end of the document leaves open is named where its start tag begins.
    const cut = original.slice(0, original.indexOf('<title><![CDATA[Staff handbook]]></title>'));
    const item = cut.lastIndexOf('<item>');
    const truncated = join(dataDir, 'truncated.xml');
    writeFileSync(truncated, cut);
    const lines = cut.slice(0, item).split('\n');
    let error: unknown;
    try {
      await runImport(truncated, ts.service, { ...OPTIONS, dryRun: true });
    } catch (err) {
      error = err;
    }
    expect((error as Error).message).to.equal(`${truncated}: line ${lines.length}, column ${(lines[lines.length - 1] as string).length + 1}: the feed is not well-formed XML: <item> is never closed (the document ends at line ${cut.split('\n').length})`);
  });
});
