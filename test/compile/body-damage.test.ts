// Damaged document bodies, through the real service: a body file missing or the wrong size at
// start-up withholds only the documents that name it (the rest of the restored set is served at
// once) and the first compile renders their feeds again; a body deleted while serving answers
// 503 with Retry-After and a problem+json body, /healthz says degraded naming the path (with the
// token), and a compile triggered by the fault repairs it. Waits are bounded polls, never timings.
import { expect } from 'chai';
import { readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { get, makeDataDir, removeDir, startService, waitUntil, type TestResponse, type TestService } from '../support/fixtures.js';

const TOKEN = 'health-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const RUSSIA_ATOM = '/sections/news/russia/atom.xml';
const SYRIA_JSON = '/tags/syria/feed.json';

interface Health {
  status: string;
  damaged?: { path: string; file: string; reason: string }[];
  lastCompile?: { failedFeeds: string[] };
}

async function health(t: TestService, auth = true): Promise<Health> {
  return JSON.parse((await get(t.port, '/healthz', auth ? AUTH : {})).text) as Health;
}

/** The file name of a response's representation: its ETag without quotes. */
const fileOf = (r: TestResponse) => String(r.headers.etag).slice(1, -1);

/** The 503 a damaged document answers: Retry-After, not cacheable, a problem+json body on GET. */
function expectUnavailable(r: TestResponse, what: string, method = 'GET'): void {
  expect(r.status, what).to.equal(503);
  expect(r.headers['retry-after'], what).to.match(/^\d+$/);
  expect(r.headers['cache-control'], what).to.equal('no-store');
  expect(r.headers['content-type'], what).to.match(/^application\/problem\+json/);
  expect(r.headers.etag, `${what}: no validator of the bad representation`).to.equal(undefined);
  if (method === 'GET') {
    const problem = JSON.parse(r.text) as { status: number; title: string };
    expect(problem.status, what).to.equal(503);
    expect(problem.title, what).to.be.a('string');
  }
}

describe('damaged document bodies', function () {
  this.timeout(180_000);
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
  const documentsDir = () => join(dataDir, '.feedwright', 'documents');

  it('start-up with one identity body missing serves every other document at once and withholds that one until the first compile renders it again', async () => {
    t = await startService(dataDir, { apiToken: TOKEN });
    const rss = await get(t.port, '/rss.xml');
    const atom = await get(t.port, RUSSIA_ATOM);
    await t.close();
    rmSync(join(documentsDir(), fileOf(atom)));
    t = await startService(dataDir, { compile: false, apiToken: TOKEN });
    expect(t.service.compiler.lastReport(), 'no compile ran').to.equal(undefined);
    const restored = await get(t.port, '/rss.xml');
    expect(restored.status, 'the intact documents are served at once').to.equal(200);
    expect(restored.headers.etag).to.equal(rss.headers.etag);
    expect((await get(t.port, '/sections/news/russia/rss.xml')).status, 'the same feed in another format is intact').to.equal(200);
    expectUnavailable(await get(t.port, RUSSIA_ATOM), 'the damaged document');
    expectUnavailable(await get(t.port, RUSSIA_ATOM, { 'Accept-Encoding': 'gzip' }), 'the damaged document, gzip');
    expectUnavailable(await get(t.port, RUSSIA_ATOM, {}, 'HEAD'), 'the damaged document, HEAD', 'HEAD');
    expect(await health(t, false), 'without the token: the status only').to.deep.equal({ status: 'degraded' });
    const h = await health(t);
    expect(h.status).to.equal('degraded');
    expect(h.damaged?.map((d) => d.path)).to.deep.equal([RUSSIA_ATOM]);
    // Nothing changed since, so the stored feed state says "up to date": the compile renders the feed anyway.
    const report = await t.service.compiler.compile();
    expect(report.ok).to.equal(true);
    const again = await get(t.port, RUSSIA_ATOM);
    expect(again.status).to.equal(200);
    expect(again.headers.etag).to.equal(atom.headers.etag);
    expect(again.body.equals(atom.body)).to.equal(true);
    expect(statSync(join(documentsDir(), fileOf(atom))).size).to.equal(atom.body.length);
    expect((await health(t)).status).to.equal('ok');
    expect((await health(t)).damaged ?? []).to.deep.equal([]);
  });

  it('start-up with a short gzip body (identity intact) withholds that document only, and the first compile writes it again', async () => {
    t = await startService(dataDir, { apiToken: TOKEN });
    const identity = await get(t.port, SYRIA_JSON);
    const gzip = await get(t.port, SYRIA_JSON, { 'Accept-Encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).to.equal('gzip');
    await t.close();
    truncateSync(join(documentsDir(), fileOf(gzip)), 10);
    t = await startService(dataDir, { compile: false, apiToken: TOKEN });
    expect((await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip' })).status).to.equal(200);
    expectUnavailable(await get(t.port, SYRIA_JSON, { 'Accept-Encoding': 'gzip' }), 'the short gzip body');
    const h = await health(t);
    expect(h.status).to.equal('degraded');
    expect(h.damaged?.map((d) => d.path)).to.deep.equal([SYRIA_JSON]);
    await t.service.compiler.compile();
    const again = await get(t.port, SYRIA_JSON, { 'Accept-Encoding': 'gzip' });
    expect(again.status).to.equal(200);
    expect(again.headers.etag).to.equal(gzip.headers.etag);
    expect(gunzipSync(again.body).equals(identity.body)).to.equal(true);
    expect((await health(t)).status).to.equal('ok');
  });

  const codings: [string, Record<string, string>][] = [['identity', {}], ['gzip', { 'Accept-Encoding': 'gzip' }], ['br', { 'Accept-Encoding': 'br' }]];
  for (const [coding, accept] of codings) {
    for (const method of ['GET', 'HEAD']) {
      it(`a ${coding} body deleted while serving (${method}): 503 with Retry-After, then repaired by a compile the fault triggers`, async () => {
        // No memory budget: every answer reads its body from disk.
        t = await startService(dataDir, { apiToken: TOKEN, cacheBytes: 0 });
        const path = '/sections/news/russia/rss.xml';
        const identity = await get(t.port, path);
        const before = await get(t.port, path, accept);
        expect(before.headers['content-encoding'] ?? 'identity').to.equal(coding);
        rmSync(join(documentsDir(), fileOf(before)));
        expectUnavailable(await get(t.port, path, accept, method), `the deleted ${coding} body`, method);
        // No compile is asked for here: the fault itself has the feed rendered again (a br
        // request gets the complete gzip representation until the brotli body is made again).
        const repaired = await waitUntil('the document served again', async () => {
          const r = await get(t?.port as number, path, accept);
          return r.status === 200 && r.headers.etag === before.headers.etag ? r : undefined;
        });
        expect(repaired.headers.etag).to.equal(before.headers.etag);
        const decoded = coding === 'br' ? brotliDecompressSync(repaired.body) : coding === 'gzip' ? gunzipSync(repaired.body) : repaired.body;
        expect(decoded.equals(identity.body)).to.equal(true);
        const head = await get(t.port, path, accept, 'HEAD');
        expect(head.status).to.equal(200);
        expect(head.headers['content-length']).to.equal(String(repaired.body.length));
        await waitUntil('health ok', async () => (await health(t as TestService)).status === 'ok');
      });
    }
  }

  it('a body deleted while serving: /healthz says degraded naming the path while the repair has not succeeded, ok after', async () => {
    t = await startService(dataDir, { apiToken: TOKEN, cacheBytes: 0 });
    const path = '/tags/syria/rss.xml';
    const before = await get(t.port, path);
    // The repair's first render fails (a test fault), so the degraded state stays observable.
    t.service.compiler.renderer.injectFault('tags/syria', 'throw');
    rmSync(join(documentsDir(), fileOf(before)));
    expectUnavailable(await get(t.port, path), 'the deleted body');
    await waitUntil('the repair compile ran and failed', () => (t?.service.compiler.lastReport()?.failedFeeds.some((f) => f.scope === 'tags/syria') ? true : undefined));
    const h = await health(t);
    expect(h.status).to.equal('degraded');
    expect(h.damaged?.map((d) => d.path)).to.deep.equal([path]);
    expect(h.damaged?.[0]?.file).to.equal(fileOf(before));
    expect(JSON.stringify(h), 'no raw error text').to.not.match(/ENOENT|no such file/);
    expect(await health(t, false)).to.deep.equal({ status: 'degraded' });
    // Readers keep asking: the feed is rendered again and served.
    const repaired = await waitUntil('the document served again', async () => {
      const r = await get(t?.port as number, path);
      return r.status === 200 ? r : undefined;
    });
    expect(repaired.body.equals(before.body)).to.equal(true);
    expect((await health(t)).status).to.equal('ok');
  });

  it('a body cut short while serving is never sent with the wrong length', async () => {
    t = await startService(dataDir, { apiToken: TOKEN, cacheBytes: 0 });
    const path = '/feeds.opml';
    const before = await get(t.port, path);
    writeFileSync(join(documentsDir(), fileOf(before)), readFileSync(join(documentsDir(), fileOf(before))).subarray(0, 20));
    expectUnavailable(await get(t.port, path), 'the short body');
    const repaired = await waitUntil('the document served again', async () => {
      const r = await get(t?.port as number, path);
      return r.status === 200 ? r : undefined;
    });
    expect(repaired.body.equals(before.body)).to.equal(true);
  });
});
