// Compression runs in worker threads, the way `serve` runs it: the default pool (one worker per
// core), not a main-thread fallback. These tests need the built JavaScript (npm test, or
// npm run test:one -- test/compile/compressor.test.ts): from TypeScript sources under tsx the
// pool cannot start its workers, and the tests say so rather than pass on the fallback.
import { expect } from 'chai';
import { availableParallelism } from 'node:os';
import { threadId } from 'node:worker_threads';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createCompressor, type Compressor } from '../../src/compile/compressor.js';
import { get, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';
import { FROM_SOURCE } from '../support/paths.js';
import { carriesBytes, watchWorkers, type WorkerWatch } from '../support/workers.js';

/** `n` documents of different sizes (1 KB to ~400 KB), alike enough to compress, none equal. */
function documents(n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i += 1) {
    const items: string[] = [];
    const count = 4 + ((i * 97) % 1200);
    for (let j = 0; j < count; j += 1) items.push(`<item><title>Item ${i}.${j}</title><guid>tag:example.com,2024:${(i * 7919 + j * 104729).toString(36)}</guid></item>`);
    out.push(Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>${items.join('\n')}</channel></rss>\n`, 'utf8'));
  }
  return out;
}

function expectRoundTrip(result: { gzip: Buffer; br: Buffer }, identity: Buffer): void {
  expect(gunzipSync(result.gzip).equals(identity), 'gzip decompresses to the identity bytes').to.equal(true);
  expect(brotliDecompressSync(result.br).equals(identity), 'brotli decompresses to the identity bytes').to.equal(true);
}

describe('compression worker threads', function () {
  this.timeout(60_000);
  let watch: WorkerWatch;
  let compressor: Compressor | undefined;

  before(function () {
    if (FROM_SOURCE) {
      throw new Error('compression workers cannot start from TypeScript sources (tsx on Node 20): run the built test, npm run test:one -- test/compile/compressor.test.ts');
    }
  });
  beforeEach(() => {
    watch = watchWorkers();
  });
  afterEach(async () => {
    watch.restore();
    await compressor?.close();
    compressor = undefined;
  });

  it('the default pool (as serve wires it) compresses in worker threads, spread over the cores', async () => {
    compressor = createCompressor();
    const docs = documents(12);
    const results = await Promise.all(docs.map((d) => compressor!.compress(d)));
    results.forEach((r, i) => expectRoundTrip(r, docs[i]!));

    expect(watch.posts, 'every document was sent to a worker thread').to.have.length(docs.length);
    docs.forEach((d, i) => expect(watch.posts.some((p) => carriesBytes(p.message, d)), `document ${i} went to a worker`).to.equal(true));
    const threads = watch.threadIds();
    expect(threads).to.not.include(threadId);
    expect(threads.every((t) => t > 0), `thread ids ${threads.join(', ')}`).to.equal(true);
    expect(threads.length).to.be.at.most(availableParallelism());
    expect(threads.length, 'concurrent documents use every worker').to.equal(Math.min(availableParallelism(), docs.length));
  });

  it('keeps compressing when a worker stops: later documents go elsewhere and still round-trip', async () => {
    compressor = createCompressor(1);
    const [first, second] = documents(2) as [Buffer, Buffer];
    expectRoundTrip(await compressor.compress(first), first);
    expect(watch.posts).to.have.length(1);
    const dead = watch.posts[0]!.worker;
    await dead.terminate();

    expectRoundTrip(await compressor.compress(second), second);
    expect(watch.posts.filter((p) => p.worker === dead), 'nothing more was sent to the stopped worker').to.have.length(1);
  });

  describe('a compile of the service (the configuration serve uses)', () => {
    let dir: string;
    let svc: TestService | undefined;
    afterEach(async () => {
      await svc?.close();
      svc = undefined;
      removeDir(dir);
    });

    it('compresses every document in worker threads, and what is served decompresses to the identity body', async () => {
      dir = makeDataDir();
      svc = await startService(dir);
      const report = svc.service.compiler.lastReport();
      expect(report?.ok).to.equal(true);
      expect(report?.documents).to.be.greaterThan(0);
      expect(watch.posts.length, 'documents sent to compression workers').to.be.at.least(report!.documents);
      expect(watch.threadIds()).to.not.include(threadId);

      for (const path of ['/rss.xml', '/atom.xml', '/feed.json', '/feeds.opml', '/']) {
        const identity = await get(svc.port, path, { 'accept-encoding': 'identity' });
        const gz = await get(svc.port, path, { 'accept-encoding': 'gzip' });
        const br = await get(svc.port, path, { 'accept-encoding': 'br' });
        expect([identity.status, gz.status, br.status], path).to.deep.equal([200, 200, 200]);
        expect([identity.headers['content-encoding'], gz.headers['content-encoding'], br.headers['content-encoding']], path).to.deep.equal([undefined, 'gzip', 'br']);
        expect(watch.posts.some((p) => carriesBytes(p.message, identity.body)), `${path} was compressed in a worker`).to.equal(true);
        expect(gunzipSync(gz.body).equals(identity.body), `${path} gzip`).to.equal(true);
        expect(brotliDecompressSync(br.body).equals(identity.body), `${path} br`).to.equal(true);
      }
    });
  });
});
