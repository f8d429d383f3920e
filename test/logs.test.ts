// The structured log of a real `feedwright serve` process (LOG_LEVEL=info, stdout a pipe): JSON
// lines; one record per publish; API writes attributed to the named token (never its secret);
// failed authentications logged and held back with 429 (shown by counting, not timing); a broken
// article file logged once across compiles and again when it changes; named tokens revoked one
// at a time (SIGHUP); the access log on only when asked for.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, get, makeDataDir, removeDir, waitUntil } from './support/fixtures.js';
import { builtCli } from './support/paths.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { parsePromText, sampleValue } from './support/prom-text.js';

const ONE = 'cms-one-secret-0123456789';
const TWO = 'cms-two-secret-9876543210';
const TOKENS = `# one token per CMS\ncms-one:${ONE}\ncms-two:${TWO}\n`;

type LogRecord = Record<string, unknown> & { level: number; time: number; msg: string };

/** Every line the process wrote to stdout, each parsed as JSON (throws on a line that is not). */
function records(p: ServeProcess): LogRecord[] {
  return p
    .stdout()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as LogRecord;
      } catch {
        throw new Error(`not a JSON line: ${l}`);
      }
    });
}

const article = (id: string) => JSON.stringify({ path: `/Detail/2016/07/11/${id}`, title: `Logged ${id}`, body: '<p>Written through the API.</p>', published: '2016-07-11T09:00:00', section: ['News'] });
const put = (p: ServeProcess, id: string, secret: string) => get(p.port, `/api/articles/${id}`, { Authorization: `Bearer ${secret}`, 'Content-Type': 'application/json' }, 'PUT', article(id));

describe('logs: feedwright serve with LOG_LEVEL=info on a pipe', function () {
  this.timeout(240_000);
  let dataDir: string;
  let p: ServeProcess;

  before(async () => {
    dataDir = makeDataDir();
    writeFileSync(join(dataDir, 'tokens'), TOKENS);
    // A compile every second, so "several compiles" come quickly.
    p = await startServeProcess(dataDir, { LOG_LEVEL: 'info', FEEDWRIGHT_API_TOKEN_FILE: join(dataDir, 'tokens'), FEEDWRIGHT_SCHEDULE: '* * * * * *', FEEDWRIGHT_RENDER_THREADS: '1' });
  });
  after(async () => {
    await p?.stop();
    removeDir(dataDir);
  });

  it('writes JSON lines with a level, a time and a message', () => {
    const all = records(p);
    expect(all.length).to.be.greaterThan(1);
    for (const r of all) {
      expect(r.level).to.be.a('number');
      expect(r.time).to.be.a('number');
      expect(r.msg).to.be.a('string');
    }
  });

  it('writes one record for the first publish, with feeds changed and items added', () => {
    const published = records(p).filter((r) => r.msg === 'published');
    expect(published).to.have.length(1);
    const first = published[0] as LogRecord;
    expect(first.articles).to.be.greaterThan(0);
    expect(first.itemsAdded).to.equal(first.articles);
    expect(first.itemsRemoved).to.equal(0);
    expect(first.feedsChanged).to.be.greaterThan(0);
    expect(first.feeds).to.include('');
  });

  it('logs an API write with the name of the token that made it, never the secret, and each publish', async () => {
    expect((await put(p, 'logged-1', ONE)).status).to.equal(201);
    // The publish of the created article: one more article.
    const added = await waitUntil('the publish with the new article', () => records(p).find((r) => r.msg === 'published' && r.itemsAdded === 1));
    expect(added.itemsRemoved).to.equal(0);
    expect(added.feedsChanged).to.be.greaterThan(0);
    expect((await get(p.port, '/api/articles/logged-1', { Authorization: `Bearer ${TWO}` }, 'DELETE')).status).to.equal(204);
    await waitUntil('both writes logged', () => records(p).filter((r) => r.msg === 'api write').length >= 2);
    const writes = records(p).filter((r) => r.msg === 'api write');
    expect(writes.map((w) => [w.client, w.id, w.action])).to.deep.equal([
      ['cms-one', 'logged-1', 'create'],
      ['cms-two', 'logged-1', 'delete'],
    ]);
    expect(p.output()).to.not.include(ONE).and.not.include(TWO);
    await waitUntil('the publish without it', () => records(p).find((r) => r.msg === 'published' && r.itemsRemoved === 1));
  });

  it('logs a broken article file once across compiles, again when it changes, and when it is fixed', async () => {
    const compiles = async () => {
      const m = parsePromText((await get(p.port, '/metrics', { Authorization: `Bearer ${ONE}` })).text);
      return ['published', 'unchanged', 'partial', 'failed'].reduce((n, result) => n + sampleValue(m, 'feedwright_compiles_total', { result }), 0);
    };
    const skipped = () => records(p).filter((r) => r.msg.startsWith('skipped zz-broken.json'));
    writeFileSync(join(dataDir, 'articles', 'zz-broken.json'), '{ "title": ');
    await waitUntil('the broken file logged', () => skipped().length >= 1);
    const seenAt = await compiles();
    await waitUntil('three more compiles', async () => (await compiles()) >= seenAt + 3);
    expect(skipped()).to.have.length(1);
    expect((skipped()[0] as LogRecord).level).to.equal(40);
    writeFileSync(join(dataDir, 'articles', 'zz-broken.json'), JSON.stringify({ title: 'No body, no date' }));
    await waitUntil('the changed problem logged', () => skipped().length >= 2);
    const changedAt = await compiles();
    await waitUntil('three more compiles', async () => (await compiles()) >= changedAt + 3);
    expect(skipped()).to.have.length(2);
    rmSync(join(dataDir, 'articles', 'zz-broken.json'));
    await waitUntil('the fix logged', () => records(p).some((r) => r.msg === 'zz-broken.json: no longer skipped (fixed or removed)'));
  });

  it('revokes one named token (its line removed, SIGHUP) and leaves the other working', async () => {
    writeFileSync(join(dataDir, 'tokens'), `cms-two:${TWO}\n`);
    p.child.kill('SIGHUP');
    const reloaded = await waitUntil('the reload logged', () => records(p).find((r) => r.msg === 'API tokens reloaded'));
    expect(reloaded.clients).to.deep.equal(['cms-two']);
    expect((await put(p, 'after-revoke', ONE)).status).to.equal(401);
    expect((await put(p, 'after-revoke', TWO)).status).to.equal(201);
    // A broken file on reload keeps the tokens in use.
    writeFileSync(join(dataDir, 'tokens'), 'cms-two has no colon\n');
    p.child.kill('SIGHUP');
    await waitUntil('the failed reload logged', () => records(p).find((r) => r.msg.startsWith('API token file not reloaded')));
    expect((await get(p.port, '/api/articles/after-revoke', { Authorization: `Bearer ${TWO}` })).status).to.equal(200);
  });

  it('logs a bad token (address and User-Agent, not the token) and holds the address back with a growing Retry-After', async () => {
    const bad = 'guessed-token-xyz-000';
    const answers: { status: number; retryAfter?: string }[] = [];
    for (let i = 0; i < 6; i += 1) {
      const r = await get(p.port, '/api/articles/x', { Authorization: `Bearer ${bad}`, 'User-Agent': 'guesser/1.0' });
      answers.push({ status: r.status, ...(r.headers['retry-after'] === undefined ? {} : { retryAfter: String(r.headers['retry-after']) }) });
    }
    // A few answered 401 (3 failures in all, counting the revoked token's), then held back with 429.
    const statuses = answers.map((a) => a.status);
    const unauthorized = statuses.indexOf(429);
    expect(unauthorized, statuses.join()).to.be.within(2, 3);
    expect(statuses.slice(0, unauthorized).every((s) => s === 401), statuses.join()).to.equal(true);
    expect(statuses.slice(unauthorized).every((s) => s === 429), statuses.join()).to.equal(true);
    const waits = answers.filter((a) => a.status === 429).map((a) => Number(a.retryAfter));
    for (let i = 1; i < waits.length; i += 1) expect(waits[i]).to.be.greaterThan(waits[i - 1] as number);
    // Even the right token waits while the address is held back.
    expect((await put(p, 'held', TWO)).status).to.equal(429);
    const failed = await waitUntil('the failures logged', () => {
      const r = records(p).filter((x) => x.msg === 'authentication failed' && x.ua === 'guesser/1.0');
      return r.length === unauthorized && r;
    });
    for (const r of failed) {
      expect(r).to.include({ address: '127.0.0.1', reason: 'invalid', what: 'api', level: 40 });
    }
    expect(records(p).filter((x) => x.msg.startsWith('authentication refused') && x.ua === 'guesser/1.0')).to.have.length(6 - unauthorized);
    expect(p.output()).to.not.include(bad);
  });

  it('writes no access log unless asked for', () => {
    expect(records(p).filter((r) => r.msg === 'request')).to.have.length(0);
  });
});

describe('logs: FEEDWRIGHT_ACCESS_LOG=1', function () {
  this.timeout(240_000);
  let dataDir: string;
  let p: ServeProcess;
  before(async () => {
    dataDir = makeDataDir();
    p = await startServeProcess(dataDir, { LOG_LEVEL: 'info', FEEDWRIGHT_ACCESS_LOG: '1', FEEDWRIGHT_RENDER_THREADS: '1' });
  });
  after(async () => {
    await p?.stop();
    removeDir(dataDir);
  });

  it('writes one record per request, fast path and app alike', async () => {
    const first = await get(p.port, '/rss.xml', { 'Accept-Encoding': 'gzip', 'User-Agent': 'reader/2.0' });
    await get(p.port, '/rss.xml', { 'If-None-Match': String(first.headers.etag), 'Accept-Encoding': 'gzip', 'User-Agent': 'reader/2.0' });
    await get(p.port, '/healthz?probe=1', { 'User-Agent': 'reader/2.0' });
    await get(p.port, '/nothing-here', { 'User-Agent': 'reader/2.0' });
    const lines = await waitUntil('four access records', () => {
      const r = records(p).filter((x) => x.msg === 'request' && x.ua === 'reader/2.0');
      return r.length >= 4 && r;
    });
    expect(lines.map((l) => [l.method, l.path, l.status, l.coding ?? null])).to.deep.equal([
      ['GET', '/rss.xml', 200, 'gzip'],
      ['GET', '/rss.xml', 304, 'gzip'],
      ['GET', '/healthz', 200, null],
      ['GET', '/nothing-here', 404, null],
    ]);
    expect(lines[0]?.bytes).to.equal(first.body.length);
    expect(lines[0]?.address).to.equal('127.0.0.1');
    expect(records(p).filter((x) => x.msg === 'request')).to.have.length(4);
  });

  it('records a percent-encoded spelling of a document as the document served, and the spelling asked for (review finding)', async () => {
    await get(p.port, '/r%73s.xml', { 'User-Agent': 'reader/3.0' });
    await get(p.port, '/sections/n%65ws/russia/archive/2016/07/atom.xml', { 'User-Agent': 'reader/3.0' });
    const lines = await waitUntil('two access records', () => {
      const r = records(p).filter((x) => x.msg === 'request' && x.ua === 'reader/3.0');
      return r.length >= 2 && r;
    });
    expect(lines.map((l) => [l.path, l.asked, l.status])).to.deep.equal([
      ['/rss.xml', '/r%73s.xml', 200],
      ['/sections/news/russia/archive/2016/07/atom.xml', '/sections/n%65ws/russia/archive/2016/07/atom.xml', 200],
    ]);
  });

  it('survives SIGHUP without a token file: logged as nothing to reload, still serving (review finding)', async () => {
    p.child.kill('SIGHUP');
    await waitUntil('the SIGHUP record', () => records(p).some((x) => typeof x.msg === 'string' && x.msg.startsWith('SIGHUP: nothing to reload')));
    expect(p.child.exitCode, 'still running').to.equal(null);
    expect((await get(p.port, '/rss.xml')).status).to.equal(200);
  });
});

describe('logs: one record per import', function () {
  this.timeout(120_000);
  const importFeed = (dataDir: string, extra: string[], env: NodeJS.ProcessEnv) => {
    const base: NodeJS.ProcessEnv = { ...process.env, ...env };
    if (env.LOG_LEVEL === undefined) delete base.LOG_LEVEL;
    return spawnSync(process.execPath, [builtCli(), 'import', join(ROOT, 'test', 'fixtures', 'import', 'rdf.xml'), '--data', dataDir, ...extra], { env: base, encoding: 'utf8', timeout: 110_000 });
  };

  it('writes one JSON record (source, counts) on stderr when a level is asked for, and none otherwise', () => {
    const dataDir = makeDataDir();
    try {
      const quiet = importFeed(dataDir, [], {});
      expect(quiet.status, quiet.stderr).to.equal(0);
      expect(quiet.stderr).to.not.include('"msg":"import"');
      const logged = importFeed(dataDir, ['--log-level', 'info'], {});
      expect(logged.status, logged.stderr).to.equal(0);
      const lines = logged.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const imports = lines.filter((l) => l.msg === 'import');
      expect(imports).to.have.length(1);
      expect(imports[0]).to.include({ source: join(ROOT, 'test', 'fixtures', 'import', 'rdf.xml'), dryRun: false, imported: 0 });
      expect(imports[0]?.unchanged).to.be.greaterThan(0);
      // The command's own report stays plain text on stdout.
      expect(logged.stdout).to.match(/^imported 0, updated 0, unchanged \d+/m);
    } finally {
      removeDir(dataDir);
    }
  });
});
