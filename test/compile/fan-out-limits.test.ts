// One article must not fan out into thousands of feeds (the field fault: 3,000 tags and a ~2 MB
// body made 3,006 feeds): through every way in — an article file (reported and skipped, the
// rest published), the ingest API (400 naming the field) and an import (a WordPress post keeps
// its first MAX_TAGS tags, the report counts the rest). Real files, SQLite and a listening server.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_TAGS } from '../../src/core/article.js';
import { runImport } from '../../src/import/import-command.js';
import { HEALTH_TOKEN, get, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';

const tags = (n: number) => Array.from({ length: n }, (_, i) => `Stuffed ${i}`);
const article = (id: string, extra: Record<string, unknown> = {}) => ({ id, path: `/Detail/${id}`, title: `Article ${id}`, body: '<p>Body.</p>', published: '2016-07-06T10:00:00', ...extra });

/** The tag feeds `/feeds.opml` lists. */
async function listedTagFeeds(t: TestService): Promise<string[]> {
  return [...(await get(t.port, '/feeds.opml')).text.matchAll(/\/tags\/([^/"]+)\/rss\.xml/g)].map((m) => m[1] as string);
}

describe('one article cannot fan out into thousands of feeds', () => {
  let dataDir: string;
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('reports a file with 3,000 tags (file and field) and skips it; the other articles are published', async () => {
    dataDir = makeDataDir({ articles: { 'good.json': article('good', { tags: ['Fine'] }), 'stuffed.json': article('stuffed', { tags: tags(3000), body: `<p>${'x'.repeat(100_000)}</p>` }) } });
    t = await startService(dataDir, { apiToken: HEALTH_TOKEN });
    const report = t.service.compiler.lastReport();
    expect(report?.published).to.equal(true);
    const bad = report?.problems.find((p) => p.file === 'stuffed.json');
    expect(bad?.problems.map((p) => p.field)).to.deep.equal(['tags']);
    expect(bad?.problems[0]?.message).to.include(`at most ${MAX_TAGS}`);
    expect(await listedTagFeeds(t)).to.deep.equal(['fine']);
    expect((await get(t.port, '/tags/stuffed-0/rss.xml')).status).to.equal(404);
    expect((await get(t.port, '/rss.xml')).text).to.include('Article good').and.not.include('Article stuffed');
  });

  it('answers 400 naming `tags` to an API write with too many tags, and stores nothing', async () => {
    dataDir = makeDataDir({ articles: {} });
    t = await startService(dataDir, { apiToken: HEALTH_TOKEN });
    const auth = { authorization: `Bearer ${HEALTH_TOKEN}`, 'content-type': 'application/json' };
    const r = await get(t.port, '/api/articles/stuffed', auth, 'PUT', JSON.stringify(article('stuffed', { tags: tags(MAX_TAGS + 1) })));
    expect(r.status).to.equal(400);
    expect(r.text).to.include('"tags"').and.include(`at most ${MAX_TAGS}`);
    expect((await get(t.port, '/api/articles/stuffed', auth)).status).to.equal(404);
    const ok = await get(t.port, '/api/articles/fine', auth, 'PUT', JSON.stringify(article('fine', { tags: tags(MAX_TAGS) })));
    expect(ok.status).to.equal(201);
  });

  it(`imports a WordPress post with 3,000 tags with its first ${MAX_TAGS} (the report counts the rest), making at most ${MAX_TAGS} tag feeds`, async () => {
    dataDir = makeDataDir({ articles: {} });
    t = await startService(dataDir);
    const categories = tags(3000).map((n) => `<category domain="post_tag" nicename="${n.toLowerCase().replace(' ', '-')}"><![CDATA[${n}]]></category>`).join('');
    const wxr = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Old site</title><link>https://old.example.com</link><wp:wxr_version>1.2</wp:wxr_version>
<item><title>Tag-stuffed post</title><link>https://old.example.com/?p=1</link><guid isPermaLink="false">https://old.example.com/?p=1</guid>
<dc:creator>admin</dc:creator><content:encoded><![CDATA[<p>Body.</p>]]></content:encoded>
<wp:post_id>1</wp:post_id><wp:post_date>2016-07-06 10:00:00</wp:post_date><wp:post_date_gmt>2016-07-06 06:30:00</wp:post_date_gmt>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>${categories}</item>
</channel></rss>`;
    const file = join(dataDir, 'export.xml');
    writeFileSync(file, wxr);
    const report = await runImport(file, t.service, { timeZone: 'Asia/Tehran', baseUrl: 'https://www.presstv.com', siteLanguage: 'en' });
    expect(report.imported).to.equal(1);
    expect(report.notCarried).to.deep.include({ [`tags beyond the first ${MAX_TAGS}`]: 1 });
    await t.service.compiler.compile({ files: false });
    const listed = await listedTagFeeds(t);
    expect(listed).to.have.length(MAX_TAGS);
    expect(listed).to.include('stuffed-0').and.include(`stuffed-${MAX_TAGS - 1}`).and.not.include(`stuffed-${MAX_TAGS}`);
  });
});
