// Brotli in the background (issue 10), through the real service: a compile publishes identity
// and gzip, the render workers make the brotli bodies afterwards and they are swapped in; a
// restart with brotli bodies missing serves gzip and makes them again; work for a replaced
// document leaves no file behind. Waits use the compiler's brotliSettled(), never a sleep.
import { expect } from 'chai';
import Database from 'better-sqlite3';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { BROTLI_PENDING } from '../../src/publish/published-set.js';
import { HEALTH_TOKEN, get, healthOf, makeDataDir, removeDir, startService, writeArticle, type TestResponse, type TestService } from '../support/fixtures.js';

const PATHS = ['/rss.xml', '/sections/news/russia/atom.xml', '/tags/syria/feed.json', '/feeds.opml', '/'];
const SEED = 'russia-us-syria-coordination.json';

/** Checks a response to a br-preferring request: a complete gzip or br representation of `identity`. */
function expectEncoded(r: TestResponse, identity: TestResponse, what: string): 'gzip' | 'br' {
  expect(r.status, what).to.equal(200);
  const coding = r.headers['content-encoding'];
  expect(coding, what).to.be.oneOf(['gzip', 'br']);
  const decoded = coding === 'br' ? brotliDecompressSync(r.body) : gunzipSync(r.body);
  expect(decoded.equals(identity.body), `${what} decodes to the identity bytes`).to.equal(true);
  expect(r.headers.etag, what).to.equal(`${String(identity.headers.etag).slice(0, -1)}${coding === 'br' ? '-br' : '-gz'}"`);
  expect(r.headers['content-length'], what).to.equal(String(r.body.length));
  expect(r.headers['last-modified'], what).to.equal(identity.headers['last-modified']);
  expect(r.headers.vary, what).to.equal('Accept-Encoding');
  return coding as 'gzip' | 'br';
}

describe('brotli in the background', function () {
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

  it('closing while brotli bodies are being made: the workers finish what they hold and exit (the process lives), 5 times over', async () => {
    // Terminating a worker in the middle of a compression aborts the whole process on Node 20
    // (node_zlib.cc "close before init"; seen once in a full run): close() lets each worker
    // finish and exit by itself. The abort is a rare race that this test could not provoke on
    // demand (30 rounds without the fix passed), so it guards the graceful path, not the race.
    for (let round = 0; round < 5; round += 1) {
      const service = await startService(dataDir, { compile: false });
      const report = await service.service.compiler.compile();
      expect(report.ok).to.equal(true);
      expect(service.service.compiler.brotliPending(), 'brotli work still pending at close').to.be.greaterThan(0);
      expect(service.service.compiler.renderer.threads(), 'rendering in workers').to.be.greaterThan(0);
      await service.close();
      removeDir(dataDir);
      dataDir = makeDataDir();
    }
  });

  it('publishes identity and gzip at once, then serves br; every tag the document had gives 304', async () => {
    t = await startService(dataDir, { compile: false, apiToken: HEALTH_TOKEN });
    const report = await t.service.compiler.compile();
    expect(report.ok).to.equal(true);
    // Right after the publish: whatever the background has made so far, each answer is complete.
    const identities = new Map<string, TestResponse>();
    for (const path of PATHS) {
      const identity = await get(t.port, path);
      identities.set(path, identity);
      expectEncoded(await get(t.port, path, { 'Accept-Encoding': 'gzip, deflate, br' }), identity, `${path} right after the publish`);
    }
    await t.service.compiler.brotliSettled();
    expect(t.service.compiler.brotliPending()).to.equal(0);
    const health = (await healthOf(t.port)) as { published: { brotliPending: number } };
    expect(health.published.brotliPending).to.equal(0);
    for (const path of PATHS) {
      const identity = identities.get(path) as TestResponse;
      // The set was not republished: the same identity representation, validators and all.
      const again = await get(t.port, path);
      expect([again.headers.etag, again.headers['last-modified'], again.body.equals(identity.body)]).to.deep.equal([identity.headers.etag, identity.headers['last-modified'], true]);
      expect(expectEncoded(await get(t.port, path, { 'Accept-Encoding': 'gzip, deflate, br' }), identity, `${path} once settled`)).to.equal('br');
      const gz = await get(t.port, path, { 'Accept-Encoding': 'gzip' });
      expect(expectEncoded(gz, identity, `${path} gzip`)).to.equal('gzip');
      const h = String(identity.headers.etag).slice(1, -1);
      for (const inm of [`"${h}"`, `"${h}-gz"`, `"${h}-br"`, `W/"${h}-gz"`]) {
        const r = await get(t.port, path, { 'Accept-Encoding': 'br', 'If-None-Match': inm });
        expect(r.status, `${path} If-None-Match ${inm}`).to.equal(304);
        expect(r.headers['last-modified']).to.equal(identity.headers['last-modified']);
      }
    }
  });

  it('a restart with brotli bodies missing serves gzip and makes them again; a restart after that serves br at once', async () => {
    t = await startService(dataDir);
    const identity = await get(t.port, '/rss.xml');
    const br = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' });
    expect(br.headers['content-encoding']).to.equal('br');
    await t.close();
    // What a process stopped before the background work leaves: rows with no brotli size, no files.
    const dir = join(dataDir, '.feedwright', 'documents');
    const db = new Database(join(dataDir, 'feedwright.db'));
    db.prepare(`UPDATE documents SET size_br = ${BROTLI_PENDING}`).run();
    db.close();
    for (const name of readdirSync(dir)) if (name.endsWith('-br')) rmSync(join(dir, name));

    t = await startService(dataDir, { compile: false });
    expect(t.service.compiler.lastReport()).to.equal(undefined);
    // Served at once, from what is there: gzip (or br once made), never a br header over a missing file.
    expectEncoded(await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' }), identity, 'after the restart');
    await t.service.compiler.brotliSettled();
    const made = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' });
    expect(expectEncoded(made, identity, 'once made again')).to.equal('br');
    expect(made.body.equals(br.body), 'the same bytes as before').to.equal(true);
    expect(t.service.compiler.lastReport(), 'no compile ran').to.equal(undefined);
    await t.close();

    // The sizes were recorded in the manifest: the next start serves br before anything runs.
    const rows = new Database(join(dataDir, 'feedwright.db'), { readonly: true });
    const unmade = rows.prepare(`SELECT COUNT(*) AS n FROM documents WHERE size_br = ${BROTLI_PENDING}`).get() as { n: number };
    rows.close();
    expect(unmade.n).to.equal(0);
    t = await startService(dataDir, { compile: false });
    expect(t.service.compiler.brotliPending()).to.equal(0);
    for (const docs of t.service.compiler.current()?.documents.values() ?? []) for (const d of docs) expect(d.br.headers200['Content-Encoding']).to.equal('br');
    const at = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' });
    expect(at.body.equals(br.body)).to.equal(true);
  });

  it('a brotli body whose file is missing or the wrong size is never served: gzip is served at once and the brotli body is made again', async () => {
    t = await startService(dataDir);
    const identity = await get(t.port, '/rss.xml');
    const etag = String(identity.headers.etag).slice(1, -1);
    await t.close();
    const file = join(dataDir, '.feedwright', 'documents', `${etag}-br`);
    const bytes = readFileSync(file);
    for (const [what, damage] of [['missing', () => rmSync(file)], ['cut short', () => writeFileSync(file, bytes.subarray(0, bytes.length - 1))]] as const) {
      damage();
      t = await startService(dataDir, { compile: false });
      // Served at once, without a compile: gzip to br requests, never br from the bad file.
      expect(expectEncoded(await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' }), identity, `br ${what}`), `br ${what}`).to.equal('gzip');
      await t.service.compiler.brotliSettled();
      expect(t.service.compiler.lastReport(), 'no compile ran').to.equal(undefined);
      expect(expectEncoded(await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' }), identity, `br ${what}, made again`)).to.equal('br');
      expect(readFileSync(file).equals(bytes), `br ${what}: the same bytes again`).to.equal(true);
      await t.close();
      t = undefined;
    }
  });

  it('work for documents replaced before their brotli body was made leaves no file behind', async () => {
    t = await startService(dataDir);
    const dir = join(dataDir, '.feedwright', 'documents');
    // Three publishes in a row, each replacing the site-wide feeds, without waiting in between.
    for (let i = 0; i < 3; i += 1) {
      writeArticle(dataDir, SEED, { ...(JSON.parse(readFileSync(join(dataDir, 'articles', SEED), 'utf8')) as object), title: `Edit number ${i}` });
      expect((await t.service.compiler.compile()).feedsChanged).to.include('');
    }
    await t.service.compiler.brotliSettled();
    expect(t.service.compiler.brotliPending()).to.equal(0);
    const live = new Set<string>();
    for (const docs of t.service.compiler.current()?.documents.values() ?? []) for (const d of docs) for (const name of d.etags) live.add(name);
    expect(new Set(readdirSync(dir))).to.deep.equal(live);
    expect((await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' })).headers['content-encoding']).to.equal('br');
    expect(brotliDecompressSync((await get(t.port, '/rss.xml', { 'Accept-Encoding': 'br' })).body).toString('utf8')).to.include('Edit number 2');
  });
});
