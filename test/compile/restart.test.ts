// Restarts and the memory budget: the last published documents are served from the store and
// the body files before any compile; cold bodies are read from disk; a damaged manifest
// falls back to a full compile.
import { expect } from 'chai';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { get, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';

describe('restart and document bodies', () => {
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

  it('serves the last published documents after a restart before any compile runs', async () => {
    t = await startService(dataDir);
    const before = await get(t.port, '/sections/news/russia/atom.xml', { 'Accept-Encoding': 'gzip' });
    await t.close();
    t = await startService(dataDir, { compile: false });
    expect(t.service.compiler.lastReport()).to.equal(undefined);
    const after = await get(t.port, '/sections/news/russia/atom.xml', { 'Accept-Encoding': 'gzip' });
    expect(after.status).to.equal(200);
    expect(after.headers.etag).to.equal(before.headers.etag);
    expect(after.headers['last-modified']).to.equal(before.headers['last-modified']);
    expect(after.body.equals(before.body)).to.equal(true);
    expect(JSON.parse((await get(t.port, '/healthz')).text).status).to.equal('ok');
  });

  it('after a settings change, serves the last set until the full compile has published the new one', async () => {
    t = await startService(dataDir);
    const before = await get(t.port, '/rss.xml');
    await t.close();
    const site = JSON.parse(readFileSync(join(dataDir, 'site.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dataDir, 'site.json'), JSON.stringify({ ...site, description: 'A new description' }));
    t = await startService(dataDir, { compile: false });
    const stale = await get(t.port, '/rss.xml');
    expect(stale.status).to.equal(200);
    expect(stale.headers.etag).to.equal(before.headers.etag);
    const report = await t.service.compiler.compile();
    expect(report.feedsRendered).to.equal(t.service.compiler.current()?.feeds.length);
    const fresh = await get(t.port, '/rss.xml');
    expect(fresh.text).to.include('A new description');
    expect(fresh.headers.etag).to.not.equal(before.headers.etag);
  });

  it('reads bodies from disk when the memory budget holds none, byte for byte', async () => {
    t = await startService(dataDir);
    const reference = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    await t.close();
    t = await startService(dataDir, { cacheBytes: 0 });
    expect(t.service.bodies.memoryBytes()).to.equal(0);
    const cold = await get(t.port, '/rss.xml', { 'Accept-Encoding': 'gzip' });
    expect(cold.status).to.equal(200);
    expect(cold.body.equals(reference.body)).to.equal(true);
    expect(gunzipSync(cold.body).toString('utf8')).to.include('<rss');
    expect(t.service.bodies.memoryBytes()).to.equal(0);
  });

  it('keeps only the bodies of published documents on disk, after a full and after a small publish', async () => {
    t = await startService(dataDir);
    const dir = join(dataDir, '.feedwright', 'documents');
    const live = () => {
      const names = new Set<string>();
      for (const docs of t?.service.compiler.current()?.documents.values() ?? []) for (const d of docs) for (const v of [d.identity, d.gzip, d.br]) names.add(v.file);
      // Every brotli body is made (the test waits for it), so `br` names its own file.
      for (const docs of t?.service.compiler.current()?.documents.values() ?? []) for (const d of docs) expect(d.br.file).to.equal(`${d.hash}-br`);
      return names;
    };
    expect(new Set(readdirSync(dir))).to.deep.equal(live());
    const before = live();
    await t.service.writer.put([{ id: 'small', path: '/small', title: 'A small publish', body: '<p>x</p>', published: '2016-07-12T10:00:00', tags: ['Small'] }]);
    await t.service.writer.flushed();
    await t.service.compiler.brotliSettled();
    const after = live();
    expect([...before].some((f) => !after.has(f)), 'some bodies were replaced').to.equal(true);
    expect(new Set(readdirSync(dir))).to.deep.equal(after);
  });

  it('publishes writes made by another process (an import) at its next compile, and after a restart', async () => {
    t = await startService(dataDir);
    const other = await startService(dataDir, { compile: false });
    try {
      await other.service.writer.put([{ id: 'from-elsewhere', path: '/elsewhere', title: 'Written by another process', body: '<p>x</p>', published: '2016-07-12T10:00:00', tags: ['Elsewhere'] }], 'import');
    } finally {
      await other.close();
    }
    expect((await get(t.port, '/rss.xml')).text).to.not.include('Written by another process');
    const report = await t.service.compiler.compile();
    expect(report.feedsChanged).to.include.members(['', 'tags/elsewhere']);
    expect((await get(t.port, '/rss.xml')).text).to.include('Written by another process');
    // A write while the server is down is published by the first compile after it starts.
    await t.close();
    const offline = await startService(dataDir, { compile: false });
    await offline.service.writer.put([{ id: 'while-down', path: '/down', title: 'Written while the server was down', body: '<p>x</p>', published: '2016-07-12T11:00:00' }], 'import');
    await offline.close();
    t = await startService(dataDir);
    expect((await get(t.port, '/rss.xml')).text).to.include('Written while the server was down');
  });

  it('withholds only the document whose listed body file is missing, renders it at the first compile, and deletes stray files', async () => {
    t = await startService(dataDir);
    const etag = (await get(t.port, '/rss.xml')).headers.etag as string;
    await t.close();
    const dir = join(dataDir, '.feedwright', 'documents');
    rmSync(join(dir, etag.slice(1, -1)));
    writeFileSync(join(dir, 'stray-file'), 'x');
    t = await startService(dataDir, { compile: false });
    expect((await get(t.port, '/rss.xml')).status).to.equal(503);
    expect((await get(t.port, '/atom.xml')).status, 'the rest of the restored set is served at once').to.equal(200);
    await t.service.compiler.compile();
    const again = await get(t.port, '/rss.xml');
    expect(again.status).to.equal(200);
    expect(again.headers.etag).to.equal(etag);
    expect(readdirSync(dir)).to.not.include('stray-file');
  });
});
