// The ingest API over a real listening server: token, validation (RFC 9457), idempotence,
// removal and restore, limits, and a write showing in the feeds soon after it is acknowledged
// (waited for with a generous bounded deadline, never timed: the machine running tests is noisy).
import { expect } from 'chai';
import { articleDigest, parseArticle } from '../../src/core/article.js';
import { get, makeDataDir, removeDir, startService, waitUntil, type TestService } from '../support/fixtures.js';

const TOKEN = 'test-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

function article(id: string, extra: Record<string, unknown> = {}) {
  return {
    path: `/Detail/2016/07/11/${id}`,
    title: `API article ${id}`,
    body: '<p>Written through the API.</p>',
    published: '2016-07-11T09:00:00',
    section: ['News', 'Iran'],
    tags: ['API tag'],
    ...extra,
  };
}

describe('ingest API', () => {
  let dataDir: string;
  let t: TestService;
  const put = (id: string, body: unknown, headers: Record<string, string> = AUTH) => get(t.port, `/api/articles/${id}`, headers, 'PUT', typeof body === 'string' ? body : JSON.stringify(body));

  beforeEach(async () => {
    dataDir = makeDataDir();
    t = await startService(dataDir, { apiToken: TOKEN });
  });
  afterEach(async () => {
    await t.close();
    removeDir(dataDir);
  });

  it('creates an article that shows in every affected feed without another request for a compile', async () => {
    const r = await put('api-1', article('api-1'));
    expect(r.status).to.equal(201);
    expect(r.headers.location).to.equal('/api/articles/api-1');
    expect(JSON.parse(r.text).status).to.equal('created');
    await waitUntil('the article in its section feed', async () => (await get(t.port, '/sections/news/iran/rss.xml')).text.includes('API article api-1'));
    expect((await get(t.port, '/tags/api-tag/atom.xml')).text).to.include('tag:presstv.com,2007:api-1');
    const stored = JSON.parse((await get(t.port, '/api/articles/api-1', AUTH)).text);
    expect(stored.article.title).to.equal('API article api-1');
    expect(stored.article.published).to.equal('2016-07-11T04:30:00.000Z');
    expect(stored.source).to.equal('api');
  });

  it('reads a body that starts with a UTF-8 byte order mark (EF BB BF) as the JSON after it', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(article('api-bom')), 'utf8')]);
    const r = await get(t.port, '/api/articles/api-bom', AUTH, 'PUT', body);
    expect(r.status, r.text).to.equal(201);
    const stored = JSON.parse((await get(t.port, '/api/articles/api-bom', AUTH)).text);
    expect(stored.article.title).to.equal('API article api-bom');
  });

  it('refuses a body that is not UTF-8 (400, naming the first bad byte) or is UTF-16 (400), and a UTF-16 charset (415); nothing is stored', async () => {
    const json = JSON.stringify(article('api-enc'));
    const at = json.indexOf('API article');
    // Latin-1 "café": E9 followed by a quote, not a continuation byte.
    const latin1 = Buffer.concat([Buffer.from(json.slice(0, at), 'utf8'), Buffer.from('caf', 'latin1'), Buffer.from([0xe9]), Buffer.from(json.slice(at), 'utf8')]);
    const overlong = Buffer.concat([Buffer.from(json.slice(0, at), 'utf8'), Buffer.from([0xc0, 0xaf]), Buffer.from(json.slice(at), 'utf8')]);
    const lone = Buffer.concat([Buffer.from(json.slice(0, at), 'utf8'), Buffer.from([0x80]), Buffer.from(json.slice(at), 'utf8')]);
    const cases: [Buffer, number, RegExp][] = [
      [latin1, at + 3, /byte 0xE9 is not followed by the 2 continuation bytes it needs/],
      [overlong, at, /byte 0xC0 never appears in UTF-8/],
      [lone, at, /byte 0x80 is a continuation byte/],
    ];
    for (const [body, offset, reason] of cases) {
      const r = await get(t.port, '/api/articles/api-enc', AUTH, 'PUT', body);
      expect(r.status, r.text).to.equal(400);
      expect(r.headers['content-type']).to.match(/^application\/problem\+json/);
      const p = JSON.parse(r.text) as { title: string; detail: string; errors: { field: string; message: string }[] };
      expect(p.title).to.equal('Invalid UTF-8');
      expect(p.detail).to.include(`line 1, column ${offset + 1} (byte ${offset}): not valid UTF-8`);
      expect(p.detail).to.match(reason);
      expect(p.errors[0]?.field).to.equal('(root)');
    }
    for (const [body, what] of [[Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), 'UTF-16 (little-endian, with a byte order mark)'], [Buffer.from(json, 'utf16le'), 'UTF-16 (little-endian, without a byte order mark)']] as const) {
      const r = await get(t.port, '/api/articles/api-enc', AUTH, 'PUT', body);
      expect(r.status, r.text).to.equal(400);
      expect((JSON.parse(r.text) as { detail: string }).detail).to.include(`the body is ${what}, not UTF-8: send it as UTF-8`);
    }
    const utf16 = await get(t.port, '/api/articles/api-enc', { ...AUTH, 'Content-Type': 'application/json; charset=utf-16le' }, 'PUT', Buffer.from(json, 'utf16le'));
    expect(utf16.status, utf16.text).to.equal(415);
    expect(utf16.headers['content-type']).to.match(/^application\/problem\+json/);
    expect((JSON.parse(utf16.text) as { detail: string }).detail).to.include('Send UTF-8 JSON');
    expect(await t.service.store.getArticle('api-enc')).to.equal(undefined);
    const good = await put('api-enc', article('api-enc', { title: 'café' }));
    expect(good.status, good.text).to.equal(201);
  });

  it('is idempotent: the same body twice changes nothing, not even validators', async () => {
    await put('api-2', article('api-2'));
    await t.service.writer.flushed();
    const before = await get(t.port, '/rss.xml');
    const again = await put('api-2', article('api-2'));
    expect(again.status).to.equal(200);
    expect(JSON.parse(again.text).status).to.equal('unchanged');
    await t.service.writer.flushed();
    const after = await get(t.port, '/rss.xml');
    expect(after.headers.etag).to.equal(before.headers.etag);
    expect(after.headers['last-modified']).to.equal(before.headers['last-modified']);
  });

  it('replaces, removes (changing validators) and restores', async () => {
    await put('api-3', article('api-3'));
    await t.service.writer.flushed();
    const replaced = await put('api-3', article('api-3', { title: 'Replaced title' }));
    expect(replaced.status).to.equal(200);
    expect(JSON.parse(replaced.text).status).to.equal('updated');
    await t.service.writer.flushed();
    const withIt = await get(t.port, '/sections/news/iran/rss.xml');
    expect(withIt.text).to.include('Replaced title');

    expect((await get(t.port, '/api/articles/api-3', AUTH, 'DELETE')).status).to.equal(204);
    await t.service.writer.flushed();
    const without = await get(t.port, '/sections/news/iran/rss.xml');
    expect(without.text).to.not.include('Replaced title');
    expect(without.headers.etag).to.not.equal(withIt.headers.etag);
    expect(Date.parse(String(without.headers['last-modified']))).to.be.greaterThan(Date.parse(String(withIt.headers['last-modified'])) - 1);
    expect((await get(t.port, '/api/articles/api-3', AUTH)).status).to.equal(404);
    expect((await get(t.port, '/api/articles/api-3', AUTH, 'DELETE')).status).to.equal(404);

    const restored = await put('api-3', article('api-3', { title: 'Restored title' }));
    expect(restored.status).to.equal(201);
    await t.service.writer.flushed();
    expect((await get(t.port, '/sections/news/iran/rss.xml')).text).to.include('Restored title');
  });

  it('answers 401 without a token or with a wrong one, and stores nothing', async () => {
    const none = await put('api-4', article('api-4'), { 'Content-Type': 'application/json' });
    expect(none.status).to.equal(401);
    expect(none.headers['www-authenticate']).to.equal('Bearer');
    const wrong = await put('api-4', article('api-4'), { Authorization: 'Bearer nope', 'Content-Type': 'application/json' });
    expect(wrong.status).to.equal(401);
    expect(String(wrong.headers['content-type'])).to.match(/^application\/problem\+json/);
    const prefix = await put('api-4', article('api-4'), { Authorization: `Bearer ${TOKEN.slice(0, -1)}`, 'Content-Type': 'application/json' });
    expect(prefix.status).to.equal(401);
    expect(await t.service.store.getArticle('api-4')).to.equal(undefined);
    expect((await get(t.port, '/api/articles/api-4', { Authorization: 'Bearer nope' })).status).to.equal(401);
  });

  it('lists every bad field as problem+json and stores nothing', async () => {
    const r = await put('api-5', { path: 'no-slash', body: '', published: 'soon', updated: 3, images: [{ url: 'ftp://x' }], colour: 'red' });
    expect(r.status).to.equal(400);
    expect(String(r.headers['content-type'])).to.match(/^application\/problem\+json/);
    const problem = JSON.parse(r.text) as { status: number; title: string; errors: { field: string }[] };
    expect(problem.status).to.equal(400);
    expect(problem.errors.map((e) => e.field).sort()).to.deep.equal(['body', 'colour', 'images[0].url', 'path', 'published', 'title', 'updated']);
    expect(await t.service.store.getArticle('api-5')).to.equal(undefined);
    const mismatch = await put('api-5', { ...article('api-5'), id: 'other' });
    expect(JSON.parse(mismatch.text).errors[0].field).to.equal('id');
    const malformed = await put('api-5', '{"title": ');
    expect(malformed.status).to.equal(400);
    expect((await put('bad%20id', article('x'))).status).to.equal(400);
  });

  it('accepts enclosures (audio, video) and publishes them in all three formats; refuses bad ones naming the field (issue 13)', async () => {
    const enclosures = [
      { url: '/media/episode-1.mp3', type: 'audio/mpeg', length: 48213504, duration: 3013 },
      { url: 'https://cdn.example.org/episode-1.mp4', type: 'video/mp4' },
    ];
    const r = await put('api-pod', article('api-pod', { enclosures }));
    expect(r.status).to.equal(201);
    await t.service.writer.flushed();
    const rss = (await get(t.port, '/sections/news/iran/rss.xml')).text;
    // A site path is served on the serving origin, like an image.
    expect(rss).to.contain('<enclosure url="https://www.presstv.com/media/episode-1.mp3" length="48213504" type="audio/mpeg"/>');
    expect(rss).to.contain('<media:content url="https://cdn.example.org/episode-1.mp4" medium="video" type="video/mp4"/>');
    const atom = (await get(t.port, '/sections/news/iran/atom.xml')).text;
    expect(atom).to.contain('<link rel="enclosure" type="audio/mpeg" href="https://www.presstv.com/media/episode-1.mp3" length="48213504"/>');
    const json = JSON.parse((await get(t.port, '/sections/news/iran/feed.json')).text) as { items: { attachments?: unknown[] }[] };
    expect(json.items[0]?.attachments).to.deep.equal([
      { url: 'https://www.presstv.com/media/episode-1.mp3', mime_type: 'audio/mpeg', size_in_bytes: 48213504, duration_in_seconds: 3013 },
      { url: 'https://cdn.example.org/episode-1.mp4', mime_type: 'video/mp4' },
    ]);
    const bad = await put('api-pod2', article('api-pod2', { enclosures: [{ url: 'ftp://x/a.mp3', type: 'audio/mpeg' }, { url: '/a.mp3', length: -1 }, { url: '/b.mp3', type: 'audio/mpeg', bitrate: 128 }] }));
    expect(bad.status).to.equal(400);
    expect((JSON.parse(bad.text) as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).to.deep.equal(['enclosures[0].url', 'enclosures[1].length', 'enclosures[1].type', 'enclosures[2].bitrate']);
  });

  it('answers 415 for a wrong content type and 413 for a body over the limit', async () => {
    const text = await put('api-6', JSON.stringify(article('api-6')), { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'text/plain' });
    expect(text.status).to.equal(415);
    const huge = await put('api-6', JSON.stringify(article('api-6', { body: `<p>${'x'.repeat(9 * 1024 * 1024)}</p>` })));
    expect(huge.status).to.equal(413);
    expect(await t.service.store.getArticle('api-6')).to.equal(undefined);
  });

  it('lists changes since a time, tombstones included', async () => {
    const since = new Date().toISOString();
    await put('api-7', article('api-7'));
    await put('api-8', article('api-8'));
    await get(t.port, '/api/articles/api-8', AUTH, 'DELETE');
    const r = JSON.parse((await get(t.port, `/api/articles?since=${encodeURIComponent(since)}`, AUTH)).text) as { changes: { id: string; deleted: boolean }[] };
    expect(r.changes.map((c) => [c.id, c.deleted])).to.deep.equal([['api-7', false], ['api-8', true]]);
    expect((await get(t.port, '/api/articles?since=garbage', AUTH)).status).to.equal(400);
  });

  it('pages the change list by its cursor, past a bulk sync (one changedAt) and past batches committed later with the same time and lower ids; the Link header names the next page', async () => {
    const bulkDir = makeDataDir({ articles: Object.fromEntries(['b5', 'b6', 'b7', 'b8', 'b9', 'ba', 'bb'].map((id) => [`${id}.json`, { id, ...article(id) }])) });
    const bulk = await startService(bulkDir, { apiToken: TOKEN });
    try {
      type Page = { changes: { id: string; changedAt: string; deleted: boolean }[]; cursor: string; next: string | null };
      const page = async (path: string) => {
        const r = await get(bulk.port, path, AUTH);
        expect(r.status, r.text).to.equal(200);
        return { body: JSON.parse(r.text) as Page, link: r.headers.link as string | undefined };
      };
      // An RFC 3339 time with an offset, or epoch ms, are where a client may start.
      for (const since of ['1970-01-01T00:00:00Z', '1970-01-01T03:30:00.000+03:30', '0']) expect((await page(`/api/articles?since=${encodeURIComponent(since)}&limit=3`)).body.changes).to.have.length(3);
      const first = await page('/api/articles?limit=3');
      // The premise: one sync stored all seven at one instant.
      expect(new Set(first.body.changes.map((c) => c.changedAt)).size).to.equal(1);
      expect(first.link).to.equal(`</api/articles?cursor=${first.body.cursor}&limit=3>; rel="next"`);
      const seen = first.body.changes.map((c) => c.id);
      let cursor = first.body.cursor;
      const follow = async () => {
        for (let pages = 0; ; pages++) {
          expect(pages, 'paging ends').to.be.below(10);
          const p = await page(`/api/articles?cursor=${cursor}&limit=3`);
          seen.push(...p.body.changes.map((c) => (c.deleted ? `-${c.id}` : c.id)));
          if (p.body.changes.length < 3) expect(p.link, 'a short page links nothing').to.equal(undefined);
          else expect(p.link).to.equal(`</api/articles?cursor=${p.body.cursor}&limit=3>; rel="next"`);
          // A short (even an empty) page still says where to go on from.
          expect(p.body.cursor).to.match(/^\d+$/);
          cursor = p.body.cursor;
          if (p.body.changes.length < 3) return;
        }
      };
      await follow();
      expect(seen).to.deep.equal(['b5', 'b6', 'b7', 'b8', 'b9', 'ba', 'bb']);
      // What a sync of thousands of files does while a client reads: more batches committed
      // later with the sync's one start time and ids that sort first, an API write between them.
      const startedAt = Date.parse(first.body.changes[0]!.changedAt);
      const parse = (id: string) => parseArticle({ id, ...article(id) }, 'UTC');
      const batch = (ids: string[]) => ids.map((id) => ({ kind: 'put' as const, article: parse(id), digest: articleDigest(parse(id)), source: 'file' }));
      await bulk.service.store.writeArticles(batch(['a1', 'a2']), startedAt);
      expect((await get(bulk.port, '/api/articles/api-9', AUTH, 'PUT', JSON.stringify(article('api-9')))).status).to.equal(201);
      await bulk.service.store.writeArticles(batch(['a0']), startedAt);
      await get(bulk.port, '/api/articles/b6', AUTH, 'DELETE');
      await follow();
      expect(seen.slice(7)).to.deep.equal(['a1', 'a2', 'api-9', 'a0', '-b6']);
      // A cursor past the last change (the store was restored from a backup): 410, start again.
      const gone = await get(bulk.port, `/api/articles?cursor=${Number(cursor) + 5}`, AUTH);
      expect(gone.status).to.equal(410);
      expect(gone.headers['content-type']).to.match(/^application\/problem\+json/);
      expect((JSON.parse(gone.text) as { errors: { field: string }[] }).errors[0]?.field).to.equal('cursor');
      // Bad queries name the parameter.
      for (const [query, field] of [['cursor=x', 'cursor'], ['cursor=-1', 'cursor'], ['cursor=1&since=0', 'since'], ['since=garbage', 'since'], ['since=99999999999999999999', 'since'], ['since=-5', 'since'], ['since=2026-12-01', 'since'], ['since=2026-12-01T10:00:00', 'since'], ['limit=0x10', 'limit'], ['limit=1001', 'limit'], ['limit=1&limit=2', 'limit']]) {
        const bad = await get(bulk.port, `/api/articles?${query}`, AUTH);
        expect(bad.status, query).to.equal(400);
        expect((JSON.parse(bad.text) as { errors: { field: string }[] }).errors.map((e) => e.field), query).to.include(field);
      }
    } finally {
      await bulk.close();
      removeDir(bulkDir);
    }
  });
});

describe('ingest API without a token configured', () => {
  it('is off: 404, never open', async () => {
    const dataDir = makeDataDir();
    const t = await startService(dataDir);
    try {
      const r = await get(t.port, '/api/articles/x', { 'Content-Type': 'application/json' }, 'PUT', JSON.stringify(article('x')));
      expect(r.status).to.equal(404);
      expect((await get(t.port, '/api/articles', { Authorization: 'Bearer ' })).status).to.equal(404);
      expect(await t.service.store.getArticle('x')).to.equal(undefined);
    } finally {
      await t.close();
      removeDir(dataDir);
    }
  });
});

describe('embargo', () => {
  it('keeps a future article out of every feed until its time, then publishes it with no other write', async () => {
    const dataDir = makeDataDir();
    let now = Date.parse('2026-11-20T10:00:00Z');
    const t = await startService(dataDir, { apiToken: TOKEN, clock: () => now });
    try {
      const r = await get(t.port, '/api/articles/later', AUTH, 'PUT', JSON.stringify(article('later', { published: '2026-11-20T10:00:30Z', tags: ['Embargoed tag'] })));
      expect(r.status).to.equal(201);
      await t.service.writer.flushed();
      expect((await get(t.port, '/rss.xml')).text).to.not.include('API article later');
      // Not even the tag's feed exists yet: its name would leak the story.
      expect((await get(t.port, '/tags/embargoed-tag/rss.xml')).status).to.equal(404);
      now += 20_000;
      await t.service.compiler.compile();
      expect((await get(t.port, '/rss.xml')).text).to.not.include('API article later');
      now += 20_000; // past 10:00:30: the next scheduled compile publishes it
      const report = await t.service.compiler.compile();
      expect(report.feedsChanged).to.include.members(['', 'tags/embargoed-tag', 'sections/news/iran']);
      expect((await get(t.port, '/rss.xml')).text).to.include('API article later');
      const tag = await get(t.port, '/tags/embargoed-tag/rss.xml');
      expect(tag.status).to.equal(200);
      expect(tag.headers['last-modified']).to.equal('Fri, 20 Nov 2026 10:00:30 GMT');
    } finally {
      await t.close();
      removeDir(dataDir);
    }
  });
});

describe('ingest API: one owner per item id', () => {
  const G = 'https://old.example.org/?p=1234';
  const PREFIX = 'tag:presstv.com,2007:';
  let dataDir: string;
  let t: TestService;
  const put = (id: string, body: unknown) => get(t.port, `/api/articles/${id}`, AUTH, 'PUT', JSON.stringify(body));

  beforeEach(async () => {
    dataDir = makeDataDir();
    t = await startService(dataDir, { apiToken: TOKEN });
  });
  afterEach(async () => {
    await t.close();
    removeDir(dataDir);
  });

  it('answers 409 problem+json naming the field guid and the article that owns it; the owner stays published', async () => {
    expect((await put('owner-1', article('owner-1', { guid: G, title: 'The owner' }))).status).to.equal(201);
    const r = await put('copy-1', article('copy-1', { guid: G, title: 'The copy' }));
    expect(r.status).to.equal(409);
    expect(r.headers['content-type']).to.match(/^application\/problem\+json/);
    const body = JSON.parse(r.text);
    expect(body).to.deep.include({ status: 409, title: 'Conflict', owner: { id: 'owner-1', source: 'api' } });
    expect(body.errors).to.deep.equal([{ field: 'guid', message: `"${G}" already belongs to article "owner-1" (api)` }]);
    expect(body.detail).to.include('copy-1').and.include('owner-1');
    expect((await get(t.port, '/api/articles/copy-1', AUTH)).status).to.equal(404);
    await t.service.writer.flushed();
    const rss = (await get(t.port, '/rss.xml')).text;
    expect(rss).to.include('The owner').and.not.include('The copy');
    expect(rss.split(`<guid isPermaLink="false">${G.replace('&', '&amp;')}</guid>`).length - 1).to.equal(1);
  });

  it("refuses a guid equal to a file article's generated id, and an id whose generated id is another's guid", async () => {
    // 637bf2e97e4abe53 is the id of a sample article file without a guid.
    const taken = await put('api-x', article('api-x', { guid: `${PREFIX}637bf2e97e4abe53` }));
    expect(taken.status).to.equal(409);
    const body = JSON.parse(taken.text);
    expect(body.errors[0].field).to.equal('guid');
    expect(body.owner).to.deep.equal({ id: '637bf2e97e4abe53', source: 'file:tehran-heat-water-warning-fa.json' });
    expect((await put('api-c', article('api-c', { guid: `${PREFIX}api-d` }))).status).to.equal(201);
    const generated = await put('api-d', article('api-d'));
    expect(generated.status).to.equal(409);
    expect(JSON.parse(generated.text).errors).to.deep.equal([{ field: 'id', message: `makes the item id "${PREFIX}api-d", already the guid of article "api-c" (api)` }]);
  });

  it('frees the guid when its owner is removed; restoring the removed owner is then refused', async () => {
    await put('owner-2', article('owner-2', { guid: G }));
    expect((await get(t.port, '/api/articles/owner-2', AUTH, 'DELETE')).status).to.equal(204);
    expect((await put('heir-2', article('heir-2', { guid: G }))).status).to.equal(201);
    const restore = await put('owner-2', article('owner-2', { guid: G }));
    expect(restore.status).to.equal(409);
    expect(JSON.parse(restore.text).owner.id).to.equal('heir-2');
    // An article may change its own guid; the one it leaves is free.
    expect((await put('heir-2', article('heir-2', { guid: `${G}-moved` }))).status).to.equal(200);
    expect((await put('owner-2', article('owner-2', { guid: G }))).status).to.equal(201);
  });
});
