// The brotli delay (issue 10): a published document's brotli body is made only after it has been
// served for FEEDWRIGHT_BROTLI_DELAY_SECONDS, so a feed that a burst of writes replaces sooner
// never costs one; br requests get gzip meanwhile; brotliSettled() (what `feedwright compile`
// waits for) starts the waiting work at once. Through the real service and its render workers;
// the pool's encodeBrotli is wrapped to count the bodies asked for, nothing is replaced.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createBrotliBackfill } from '../../src/compile/brotli-backfill.js';
import { brotliBody } from '../../src/compile/compression.js';
import { get, makeDataDir, removeDir, startService, waitUntil, writeArticle, type TestService } from '../support/fixtures.js';


/** Counts the brotli bodies the compiler asks its render pool for, by identity hash. */
function countBrotli(t: TestService): string[] {
  const asked: string[] = [];
  const renderer = t.service.compiler.renderer;
  const encode = renderer.encodeBrotli.bind(renderer);
  renderer.encodeBrotli = (task) => {
    asked.push(task.hash);
    return encode(task);
  };
  return asked;
}

/** The identity hash (the ETag's opaque part) of the site feed's RSS served now. */
async function rssHash(t: TestService): Promise<string> {
  return String((await get(t.port, '/rss.xml')).headers.etag).slice(1, -1);
}

describe('brotli delay', function () {
  this.timeout(120_000);
  let dataDir: string;
  let t: TestService | undefined;
  beforeEach(() => {
    dataDir = makeDataDir();
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('within the delay nothing is encoded and br requests get gzip; settled() starts the work at once', async () => {
    t = await startService(dataDir, { compile: false, brotliDelayMs: 600_000 });
    const asked = countBrotli(t);
    const report = await t.service.compiler.compile();
    expect(report.ok).to.equal(true);
    expect(t.service.compiler.brotliPending()).to.be.greaterThan(0);
    // A turn of the loop for anything that was going to be queued at once.
    await new Promise((r) => setTimeout(r, 200));
    expect(asked, 'brotli bodies asked for within the delay').to.deep.equal([]);
    const before = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' });
    expect(before.headers['content-encoding']).to.equal('gzip');
    await t.service.compiler.brotliSettled();
    expect(t.service.compiler.brotliPending()).to.equal(0);
    expect(asked.length, 'one brotli body per identity body, made once settled() was asked').to.be.greaterThan(0);
    expect((await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' })).headers['content-encoding']).to.equal('br');
  });

  it('a feed replaced within the delay never has a brotli body made; the version that stays gets one', async () => {
    t = await startService(dataDir, { compile: false, brotliDelayMs: 600_000 });
    const asked = countBrotli(t);
    expect((await t.service.compiler.compile()).ok).to.equal(true);
    const first = await rssHash(t);
    // Two more versions of the site feed, each replacing the last before its delay ended.
    const hashes = [first];
    for (const n of [1, 2]) {
      writeArticle(dataDir, `burst-${n}.json`, { id: `burst-${n}`, path: `/Detail/2016/07/12/burst-${n}`, title: `Burst ${n}`, body: '<p>Breaking.</p>', published: '2016-07-12T09:00:00Z', section: ['News'] });
      expect((await t.service.compiler.compile()).ok).to.equal(true);
      hashes.push(await rssHash(t));
    }
    expect(new Set(hashes).size, 'three versions of /rss.xml').to.equal(3);
    await t.service.compiler.brotliSettled();
    expect(asked, 'the replaced versions').to.not.include(hashes[0]);
    expect(asked, 'the replaced versions').to.not.include(hashes[1]);
    expect(asked, 'the version served').to.include(hashes[2]);
    const documents = join(dataDir, '.feedwright', 'documents');
    expect(existsSync(join(documents, `${hashes[0]}-br`))).to.equal(false);
    expect(existsSync(join(documents, `${hashes[2]}-br`))).to.equal(true);
    expect((await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' })).headers['content-encoding']).to.equal('br');
  });

  it('once the delay has passed the brotli bodies are made without anyone asking', async () => {
    t = await startService(dataDir, { compile: false, brotliDelayMs: 1000 });
    const asked = countBrotli(t);
    expect((await t.service.compiler.compile()).ok).to.equal(true);
    await waitUntil('br served for /rss.xml', async () => (await get(t!.port, '/rss.xml', { 'Accept-Encoding': 'br' })).headers['content-encoding'] === 'br');
    await waitUntil('every brotli body made', () => t!.service.compiler.brotliPending() === 0);
    expect(asked.length).to.be.greaterThan(0);
  });
});

describe('brotli delay: recording the sizes', () => {
  it('records the sizes of the bodies made while a later publish is still in its delay (they are not held back until every batch is done)', async () => {
    const asked: string[] = [];
    const recorded: string[] = [];
    let checked: string[] | undefined;
    const backfill = createBrotliBackfill({
      renderer: {
        // The real encoder over stand-in identity bytes, a turn of the event loop later (as a worker answers).
        encodeBrotli: async ({ hash }) => {
          asked.push(hash);
          await new Promise((r) => setImmediate(r));
          const body = brotliBody(Buffer.from(`identity bytes of ${hash}`.repeat(50)));
          return { hash, size: body.length, body };
        },
        dropBrotli: () => {},
      },
      bodies: { hold: () => {} },
      record: async (rows) => {
        recorded.push(...rows.map((r) => r.hash));
      },
      originHref: () => 'https://example.org',
      install: (w) => {
        // Looked at once this body's arrival has been handled, while the second batch waits.
        if (w.hash === 'h1') setImmediate(() => setImmediate(() => (checked = [...recorded])));
        return true;
      },
      orphan: () => {},
      delayMs: 1000,
      log: () => {},
    });
    backfill.add([{ path: '/rss.xml', originIndex: 0, hash: 'h1' }], Promise.resolve());
    await new Promise((r) => setTimeout(r, 500));
    backfill.add([{ path: '/atom.xml', originIndex: 0, hash: 'h2' }], Promise.resolve());
    await waitUntil('the first body made and looked at', () => checked !== undefined);
    expect(asked, 'the second batch is still in its delay').to.deep.equal(['h1']);
    expect(checked, 'sizes recorded while a batch waits').to.deep.equal(['h1']);
    await backfill.settled();
    expect(recorded).to.deep.equal(['h1', 'h2']);
    await backfill.close();
  });
});
