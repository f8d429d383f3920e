// Last-Modified never ahead of the clock (issue 9, kind 3): however fast changes come, every date
// the service writes (the Last-Modified header, RSS lastBuildDate, Atom updated, item dates) is at
// or before the Date of the response that carries it (RFC 9110 §8.8.2.1), and a reader's
// If-Modified-Since never hides a change made within the same second.
import { expect } from 'chai';
import fc from 'fast-check';
import { nextLastModified } from '../../src/compile/compiler.js';
import type { StoredArticle } from '../../src/store/store.js';
import { get, makeDataDir, removeDir, startService, writeArticle, type TestService } from '../support/fixtures.js';

const TOKEN = 'test-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const FEEDS = ['/rss.xml', '/atom.xml', '/feed.json', '/sections/live/rss.xml', '/sections/live/atom.xml', '/feeds.opml'];

function stored(published: number, updated?: number): StoredArticle {
  return { article: { id: 'a', path: '/a', title: 't', body: 'b', published, updated, authors: [], section: [], tags: [], images: [] }, digest: `${published}-${updated}` } as unknown as StoredArticle;
}

/** Every date a document carries: the header, lastBuildDate, Atom updated/published, JSON dates. */
function documentDates(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/<(?:lastBuildDate|pubDate)>([^<]+)</g)) out.push(Date.parse(m[1]!));
  for (const m of text.matchAll(/<(?:updated|published)>([^<]+)</g)) out.push(Date.parse(m[1]!));
  for (const m of text.matchAll(/"date_(?:published|modified)":"([^"]+)"/g)) out.push(Date.parse(m[1]!));
  for (const m of text.matchAll(/<dateModified>([^<]+)</g)) out.push(Date.parse(m[1]!));
  return out;
}

/** Asserts that nothing in a response is dated after the response's own Date. */
function expectNotAhead(path: string, r: { headers: Record<string, unknown>; text: string }): void {
  const date = Date.parse(String(r.headers.date));
  const lm = Date.parse(String(r.headers['last-modified']));
  expect(lm, `${path} Last-Modified ${r.headers['last-modified']} > Date ${r.headers.date}`).to.be.at.most(date);
  for (const d of documentDates(r.text)) expect(d, `${path}: a date in the document is after the Date header ${r.headers.date}`).to.be.at.most(date);
}

describe('Last-Modified is never ahead of the clock (issue 9, kind 3)', () => {
  it('nextLastModified: for any run of changes at any pace, never after the clock, always moving forward', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ step: fc.integer({ min: 0, max: 3000 }), newer: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        (changes) => {
          let now = Date.UTC(2026, 10, 20, 10, 0, 0, 123);
          let published = Date.UTC(2026, 10, 20, 9, 0, 0);
          let previous: { digest: string; lastModified: number } | undefined;
          for (const c of changes) {
            now += c.step;
            if (c.newer) published = Math.floor(now / 1000) * 1000; // a new item dated now
            const lm = nextLastModified([stored(published)], previous, now);
            expect(lm).to.be.at.most(now);
            if (previous !== undefined) expect(lm).to.be.greaterThan(previous.lastModified);
            previous = { digest: String(now), lastModified: lm };
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('nextLastModified: an item dated in the future does not carry the feed ahead of the clock', () => {
    const now = Date.UTC(2026, 10, 20, 10, 0, 0, 500);
    expect(nextLastModified([stored(Date.UTC(2026, 10, 20, 9), Date.UTC(2027, 0, 1))], undefined, now)).to.equal(Date.UTC(2026, 10, 20, 10));
  });

  describe('with an injected clock: eight edits 150 ms apart', () => {
    let dataDir: string;
    let t: TestService | undefined;
    let now = Date.parse('2026-11-20T10:00:00.000Z');
    afterEach(async () => {
      await t?.close();
      t = undefined;
      removeDir(dataDir);
    });

    it('keeps every date at or before the clock, and answers the previous version’s If-Modified-Since with 200', async () => {
      dataDir = makeDataDir({ copySample: false, articles: {} });
      const live = (n: number, updated?: string) => ({
        id: 'live', path: '/live', title: `Live: update ${n}`, body: `<p>Update ${n}.</p>`, published: '2026-11-20T09:00:00Z', section: ['Live'], ...(updated ? { updated } : {}),
      });
      writeArticle(dataDir, 'live.json', live(0));
      now = Date.parse('2026-11-20T10:00:00.000Z');
      t = await startService(dataDir, { clock: () => now });
      let previous = await get(t.port, '/sections/live/rss.xml');
      for (let n = 1; n <= 8; n += 1) {
        now += 150;
        // Half the edits keep `updated` (the clock dates them); half date themselves a little ahead.
        writeArticle(dataDir, 'live.json', live(n, n % 2 === 0 ? new Date(now + 5000).toISOString() : undefined));
        await t.service.compiler.compile();
        const r = await get(t.port, '/sections/live/rss.xml');
        expect(r.text).to.include(`Update ${n}.`);
        expect(r.headers.etag).to.not.equal(previous.headers.etag);
        const lm = Date.parse(String(r.headers['last-modified']));
        expect(lm, `edit ${n}`).to.be.at.most(now);
        for (const d of documentDates(r.text)) expect(d, `edit ${n}`).to.be.at.most(now);
        // A reader holding the previous version, polling with If-Modified-Since alone, gets the change.
        const conditional = await get(t.port, '/sections/live/rss.xml', { 'If-Modified-Since': String(previous.headers['last-modified']) });
        expect(conditional.status, `edit ${n}: If-Modified-Since ${previous.headers['last-modified']}`).to.equal(200);
        // And the current version's own validators still give 304.
        expect((await get(t.port, '/sections/live/rss.xml', { 'If-None-Match': String(r.headers.etag) })).status).to.equal(304);
        previous = r;
      }
      // A second later the date moves on, and If-Modified-Since of it is a 304 again.
      now += 2000;
      writeArticle(dataDir, 'live.json', live(9));
      await t.service.compiler.compile();
      const settled = await get(t.port, '/sections/live/rss.xml');
      expect((await get(t.port, '/sections/live/rss.xml', { 'If-Modified-Since': String(settled.headers['last-modified']) })).status).to.equal(304);
    });
  });

  describe('with the real clock: a burst of eight API writes 150 ms apart (a live blog)', () => {
    let dataDir: string;
    let t: TestService | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
      removeDir(dataDir);
    });

    it('every response of every affected document has Last-Modified and document dates ≤ its Date', async () => {
      dataDir = makeDataDir();
      t = await startService(dataDir, { apiToken: TOKEN });
      const put = (n: number) =>
        get(t!.port, '/api/articles/live-blog', AUTH, 'PUT', JSON.stringify({
          path: '/live/blog', title: `Live blog, entry ${n}`, body: `<p>Entry ${n}.</p>`, published: new Date(Date.now() - 60_000).toISOString(), section: ['Live'],
          // Odd entries carry `updated` set to the writer's clock, even ones keep the first.
          ...(n % 2 === 1 ? { updated: new Date().toISOString() } : {}),
        }));
      let checks = 0;
      for (let n = 1; n <= 8; n += 1) {
        const w = await put(n);
        expect(w.status, w.text).to.be.oneOf([200, 201]);
        for (const path of FEEDS) {
          const r = await get(t.port, path);
          if (r.status !== 200) continue; // the section feed exists from the first publish on
          expectNotAhead(path, r);
          checks += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      // Once the writes are published (the coalesced compile has run), every document agrees.
      await t.service.writer.flushed();
      for (const path of FEEDS) {
        const r = await get(t.port, path);
        expect(r.status, path).to.equal(200);
        if (path !== '/feeds.opml') expect(r.text, path).to.include('Entry 8.');
        expectNotAhead(path, r);
      }
      expect(checks).to.be.greaterThan(30);
    });
  });
});
