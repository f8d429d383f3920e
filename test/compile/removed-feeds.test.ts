// Feeds with no article left are dropped (README, "Feeds that lose their last article"): a tag or
// section feed whose last article is deleted, untagged or moved leaves `/`, the OPML and the
// served set (its documents and preview page answer 404), on incremental and full compiles alike,
// and across a restart. Real files, a real SQLite store, a real listening server.
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HEALTH_TOKEN, get, makeDataDir, removeDir, startService, writeArticle, type TestService } from '../support/fixtures.js';

/** Every document a feed serves: its three formats and its page for people. */
const FEED_FILES = ['rss.xml', 'atom.xml', 'feed.json', 'feed.html'];

function article(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, path: `/Detail/${id}`, title: `Article ${id}`, body: `<p>Body of ${id}.</p>`, published: '2016-07-06T10:00:00', section: ['News'], ...extra };
}

/** What a reader and an aggregator see of one feed folder (`/tags/x`): statuses, and whether `/` and the OPML list it. */
async function seen(t: TestService, folder: string): Promise<{ statuses: number[]; onIndex: boolean; inOpml: boolean }> {
  const statuses: number[] = [];
  for (const f of FEED_FILES) statuses.push((await get(t.port, `${folder}/${f}`)).status);
  const index = await get(t.port, '/');
  const opml = await get(t.port, '/feeds.opml');
  expect(index.status).to.equal(200);
  expect(opml.status).to.equal(200);
  return { statuses, onIndex: index.text.includes(`${folder}/`), inOpml: opml.text.includes(`${folder}/`) };
}

const LIVE = { statuses: [200, 200, 200, 200], onIndex: true, inOpml: true };
const GONE = { statuses: [404, 404, 404, 404], onIndex: false, inOpml: false };

describe('feeds with no article left are dropped', () => {
  let dataDir: string;
  let t: TestService | undefined;
  let now = Date.parse('2026-11-20T10:00:00Z');
  const clock = () => now;
  const compile = async () => {
    now += 60_000;
    const report = await (t as TestService).service.compiler.compile();
    await (t as TestService).service.compiler.brotliSettled();
    return report;
  };

  beforeEach(() => {
    now = Date.parse('2026-11-20T10:00:00Z');
    dataDir = makeDataDir({ articles: { 'keep.json': article('keep', { tags: ['Kept'] }) } });
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('drops a tag feed whose only article is deleted (incremental compile), and it stays gone after a restart', async () => {
    writeArticle(dataDir, 'only.json', article('only', { tags: ['Lonely tag'] }));
    t = await startService(dataDir, { clock });
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(LIVE);
    expect((await get(t.port, '/tags/lonely-tag/archive/2016/07/rss.xml')).status).to.equal(200);

    rmSync(join(dataDir, 'articles', 'only.json'));
    const report = await compile();
    expect(report.ok).to.equal(true);
    expect(report.feedsRemoved).to.deep.equal(['tags/lonely-tag']);
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(GONE);
    // Its archive months are gone too; the other feeds are untouched.
    expect((await get(t.port, '/tags/lonely-tag/archive/2016/07/rss.xml')).status).to.equal(404);
    expect(await seen(t, '/tags/kept')).to.deep.equal(LIVE);
    expect(await seen(t, '/sections/news')).to.deep.equal(LIVE);

    // Restored from the store at start-up (no compile), then compiled: still gone.
    await t.close();
    t = await startService(dataDir, { clock, compile: false });
    await t.service.compiler.restore();
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(GONE);
    await compile();
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(GONE);
  });

  it('drops a tag feed whose only article is untagged, and a section feed whose only article moves', async () => {
    writeArticle(dataDir, 'only.json', article('only', { tags: ['Lonely tag'], section: ['World', 'Mars'] }));
    t = await startService(dataDir, { clock });
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(LIVE);
    expect(await seen(t, '/sections/world/mars')).to.deep.equal(LIVE);

    writeArticle(dataDir, 'only.json', article('only', { tags: [], section: ['News'] }));
    const report = await compile();
    expect(report.feedsRemoved).to.deep.equal(['sections/world', 'sections/world/mars', 'tags/lonely-tag']);
    for (const folder of ['/tags/lonely-tag', '/sections/world', '/sections/world/mars']) expect(await seen(t, folder), folder).to.deep.equal(GONE);
    // The article itself is still published.
    expect((await get(t.port, '/sections/news/rss.xml')).text).to.include('Article only');
  });

  it('brings a dropped feed back, with its first title, when an article is tagged again', async () => {
    writeArticle(dataDir, 'only.json', article('only', { tags: ['Lonely Tag'] }));
    t = await startService(dataDir, { clock });
    rmSync(join(dataDir, 'articles', 'only.json'));
    await compile();
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(GONE);
    writeArticle(dataDir, 'again.json', article('again', { tags: ['lonely tag'] }));
    await compile();
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(LIVE);
    expect((await get(t.port, '/tags/lonely-tag/rss.xml')).text).to.include('<title>Press TV: Lonely Tag</title>');
  });

  it('drops a tag feed whose article is deleted through the ingest API', async () => {
    t = await startService(dataDir, { clock, apiToken: HEALTH_TOKEN });
    const auth = { authorization: `Bearer ${HEALTH_TOKEN}`, 'content-type': 'application/json' };
    expect((await get(t.port, '/api/articles/api-1', auth, 'PUT', JSON.stringify(article('api-1', { tags: ['Api tag'] })))).status).to.equal(201);
    await compile();
    await t.service.compiler.whenIdle();
    expect(await seen(t, '/tags/api-tag')).to.deep.equal(LIVE);
    expect((await get(t.port, '/api/articles/api-1', auth, 'DELETE')).status).to.equal(204);
    await compile();
    await t.service.compiler.whenIdle();
    expect(await seen(t, '/tags/api-tag')).to.deep.equal(GONE);
  });

  it('drops, at the first compile after a restart, an emptied feed an older version kept serving', async () => {
    writeArticle(dataDir, 'only.json', article('only', { tags: ['Lonely tag'] }));
    t = await startService(dataDir, { clock });
    await t.close();
    t = undefined;
    // What an older version left: the feed's state and documents stored, no article in it, and
    // no change recorded that would name it.
    const db = new Database(join(dataDir, 'feedwright.db'));
    db.prepare("DELETE FROM scope_items WHERE scope = 'tags/lonely-tag'").run();
    db.close();
    t = await startService(dataDir, { clock, compile: false });
    await t.service.compiler.restore();
    expect((await get(t.port, '/tags/lonely-tag/rss.xml')).status).to.equal(200);
    const report = await compile();
    expect(report.feedsRemoved).to.deep.equal(['tags/lonely-tag']);
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(GONE);
  });

  it('drops emptied feeds on a full compile too (a fresh process with the same store)', async () => {
    writeArticle(dataDir, 'only.json', article('only', { tags: ['Lonely tag'] }));
    t = await startService(dataDir, { clock });
    await t.close();
    t = undefined;
    rmSync(join(dataDir, 'articles', 'only.json'));
    // A full compile: the store's feed states say the feed was published; no article is left in it.
    const db = new Database(join(dataDir, 'feedwright.db'));
    db.prepare("UPDATE meta SET value = 'other-settings' WHERE key = 'render_digest'").run();
    db.close();
    t = await startService(dataDir, { clock });
    expect(t.service.compiler.lastReport()?.feedsRemoved).to.deep.equal(['tags/lonely-tag']);
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(GONE);
    await t.close();
    t = await startService(dataDir, { clock, compile: false });
    await t.service.compiler.restore();
    expect(await seen(t, '/tags/lonely-tag')).to.deep.equal(GONE);
  });
});
