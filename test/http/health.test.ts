// /healthz over a real listening server (design §2): `ok` / `degraded` / `starting` for anyone,
// the details (publish, last compile, skipped files, failed feeds, damaged bodies) only with the
// API token as `Authorization: Bearer <token>`.
import { expect } from 'chai';
import { get, makeDataDir, removeDir, startService, writeArticle, type TestService } from '../support/fixtures.js';

const TOKEN = 'health-token-0123456789';

describe('/healthz and the token', function () {
  this.timeout(120_000);
  let dataDir: string;
  let t: TestService | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
    removeDir(dataDir);
  });

  it('without the token (or with a wrong one) answers the status only, even with skipped files and failed feeds', async () => {
    dataDir = makeDataDir();
    writeArticle(dataDir, 'broken-secret-name.json', '{"id": "x1", "title": ');
    t = await startService(dataDir, { apiToken: TOKEN, compile: false });
    t.service.compiler.renderer.injectFault('sections/news/russia', 'throw');
    await t.service.compiler.compile();
    for (const headers of [{}, { Authorization: 'Bearer wrong-token' }, { Authorization: TOKEN }, { Authorization: `Basic ${TOKEN}` }]) {
      const r = await get(t.port, '/healthz', headers);
      expect(r.status, JSON.stringify(headers)).to.equal(200);
      expect(r.headers['cache-control']).to.equal('no-store');
      expect(JSON.parse(r.text), JSON.stringify(headers)).to.deep.equal({ status: 'degraded' });
      expect(r.text).to.not.include('broken-secret-name');
    }
    const full = await get(t.port, '/healthz', { Authorization: `Bearer ${TOKEN}` });
    const body = JSON.parse(full.text) as { status: string; published: { generation: number }; lastCompile: { skippedFiles: { file: string }[]; failedFeeds: string[] } };
    expect(body.status).to.equal('degraded');
    expect(body.published.generation).to.equal(1);
    expect(body.lastCompile.skippedFiles.map((f) => f.file)).to.deep.equal(['broken-secret-name.json']);
    expect(body.lastCompile.failedFeeds).to.deep.equal(['sections/news/russia']);
  });

  it('is degraded when the last compile skipped an article file, even though every feed published (review finding); ok again once it is fixed', async () => {
    dataDir = makeDataDir();
    writeArticle(dataDir, 'half-written.json', '{"id": "x2", "title": ');
    t = await startService(dataDir, { apiToken: TOKEN, compile: false });
    const report = await t.service.compiler.compile();
    expect(report.ok, 'nothing failed but the file').to.equal(true);
    const r = await get(t.port, '/healthz');
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.text)).to.deep.equal({ status: 'degraded' });
    expect(r.text).to.not.include('half-written');
    const full = JSON.parse((await get(t.port, '/healthz', { Authorization: `Bearer ${TOKEN}` })).text) as { degradedBecause: { code: string }[] };
    expect(full.degradedBecause.map((d) => d.code)).to.deep.equal(['ARTICLE_SKIPPED']);
    writeArticle(dataDir, 'half-written.json', JSON.stringify({ id: 'x2', path: '/x2', title: 'Fixed', body: '<p>fixed</p>', published: '2016-07-01T10:00:00Z' }));
    await t.service.compiler.compile();
    expect(JSON.parse((await get(t.port, '/healthz')).text)).to.deep.equal({ status: 'ok' });
  });

  it('answers the status only when no token is configured, before and after the first compile', async () => {
    dataDir = makeDataDir();
    t = await startService(dataDir, { compile: false });
    const starting = await get(t.port, '/healthz', { Authorization: 'Bearer anything' });
    expect(starting.status).to.equal(503);
    expect(starting.headers['retry-after']).to.match(/^\d+$/);
    expect(JSON.parse(starting.text)).to.deep.equal({ status: 'starting' });
    await t.service.compiler.compile();
    const ok = await get(t.port, '/healthz', { Authorization: 'Bearer anything' });
    expect(ok.status).to.equal(200);
    expect(JSON.parse(ok.text)).to.deep.equal({ status: 'ok' });
  });
});
