// Two instances of the whole service (store, compiler, server) on one PostgreSQL database: a
// write through one instance's API is published by the other at its next compile.
import { expect } from 'chai';
import { openPgStore } from '../src/store/pg-store.js';
import { loadSiteConfig } from '../src/config.js';
import { get, makeDataDir, removeDir, startService, type TestService } from './support/fixtures.js';
import { needPostgres, TestSchemas } from './support/pg.js';

const TOKEN = 'test-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

describe('two service instances on one PostgreSQL database', function () {
  this.timeout(120_000);
  const schemas = new TestSchemas();
  const dirs: string[] = [];
  const running: TestService[] = [];
  before(function () {
    return needPostgres(this);
  });
  after(async () => {
    await Promise.all(running.map((t) => t.close()));
    dirs.forEach(removeDir);
    await schemas.dropAll();
  });

  it('publishes on instance B, at its next compile, an article written through instance A', async () => {
    const { url } = await schemas.create();
    // Two hosts: each its own data folder (the same article files) and document bodies.
    for (let i = 0; i < 2; i += 1) {
      const dir = makeDataDir();
      dirs.push(dir);
      const store = await openPgStore(url, { idPrefix: loadSiteConfig(dir).idPrefix });
      running.push(await startService(dir, { apiToken: TOKEN, store }));
    }
    const [a, b] = running as [TestService, TestService];
    const before = (await get(b.port, '/sections/news/iran/rss.xml')).text;
    expect(before).to.not.include('Written on A');

    const body = { path: '/Detail/2016/07/11/on-a', title: 'Written on A', body: '<p>Through A.</p>', published: '2016-07-11T09:00:00', section: ['News', 'Iran'], tags: [] };
    const put = await get(a.port, '/api/articles/on-a', AUTH, 'PUT', JSON.stringify(body));
    expect(put.status, put.text).to.equal(201);
    await a.service.writer.flushed();
    expect((await get(a.port, '/sections/news/iran/rss.xml')).text).to.include('Written on A');

    // B learns of it from the shared change log, not from its own writes.
    const report = await b.service.compiler.compile();
    expect(report.ok, report.error).to.equal(true);
    expect((await get(b.port, '/sections/news/iran/rss.xml')).text).to.include('Written on A');
    const stored = await get(b.port, '/api/articles/on-a', AUTH);
    expect(JSON.parse(stored.text).source).to.equal('api');
  });

  it('renders in worker threads that read PostgreSQL, giving the documents SQLite gives', async () => {
    // Under tsx (TypeScript sources) Node 20 cannot start worker threads: fail saying so rather than skip.
    if (import.meta.url.endsWith('.ts')) throw new Error('this test needs the built JavaScript (worker threads): run `npm run test:one -- test/pg-service.test.ts`');
    const { url } = await schemas.create();
    const clock = () => Date.parse('2026-11-20T10:00:00Z');
    const pgDir = makeDataDir();
    const sqliteDir = makeDataDir();
    dirs.push(pgDir, sqliteDir);
    const store = await openPgStore(url, { idPrefix: loadSiteConfig(pgDir).idPrefix });
    const onPg = await startService(pgDir, { store, databaseUrl: url, clock });
    running.push(onPg);
    const onSqlite = await startService(sqliteDir, { clock });
    running.push(onSqlite);
    expect(onPg.service.compiler.renderer.threads(), 'render workers on PostgreSQL').to.be.greaterThan(0);
    const docs = [...(onSqlite.service.compiler.current()?.documents.keys() ?? [])];
    expect(docs.length).to.be.greaterThan(20);
    expect([...(onPg.service.compiler.current()?.documents.keys() ?? [])].sort()).to.deep.equal([...docs].sort());
    for (const path of docs) {
      const [x, y] = await Promise.all([get(onPg.port, path, { 'Accept-Encoding': 'br' }), get(onSqlite.port, path, { 'Accept-Encoding': 'br' })]);
      expect(x.status, path).to.equal(200);
      expect([x.headers.etag, x.headers['last-modified']], path).to.deep.equal([y.headers.etag, y.headers['last-modified']]);
      expect(x.body.equals(y.body), path).to.equal(true);
    }
  });
});
