// Token scopes through a real `feedwright serve` (token file, node:http requests): a read-only
// token (`name:token:read`) reads /metrics, /stats.json, /healthz details and the API's GETs, and
// gets 403 problem+json on every write — nothing stored, logged with the client's name (never the
// secret), not counted by the auth throttle; a write token (`:write` or no third field) still
// writes. Also the token file's parse errors for a bad third field, and a short
// FEEDWRIGHT_API_TOKEN refused at start-up.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTokenFile } from '../../src/http/api-tokens.js';
import { get, makeDataDir, removeDir } from '../support/fixtures.js';
import { runCli } from '../support/cli-run.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

const READ = 'prometheus-read-secret-0123456789';
const WRITE = 'cms-write-secret-0123456789';
const PLAIN = 'wire-plain-secret-0123456789';
const TOKENS = `prometheus:${READ}:read\ncms:${WRITE}:write\nwire:${PLAIN}\n`;

const article = (id: string) => JSON.stringify({ path: `/Detail/2016/07/11/${id}`, title: `Scoped ${id}`, body: '<p>Written through the API.</p>', published: '2016-07-11T09:00:00', section: ['News'] });
const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

describe('token scopes: name:token:read is read-only', function () {
  this.timeout(240_000);
  let dataDir: string;
  let p: ServeProcess;

  before(async () => {
    dataDir = makeDataDir();
    writeFileSync(join(dataDir, 'tokens'), TOKENS);
    p = await startServeProcess(dataDir, { LOG_LEVEL: 'info', FEEDWRIGHT_API_TOKEN_FILE: join(dataDir, 'tokens'), FEEDWRIGHT_RENDER_THREADS: '1' });
  });
  after(async () => {
    await p?.stop();
    removeDir(dataDir);
  });

  it('reads /metrics, /stats.json, /healthz details and GET /api/articles', async () => {
    const metrics = await get(p.port, '/metrics', bearer(READ));
    expect(metrics.status, metrics.text).to.equal(200);
    expect(metrics.text).to.include('# TYPE');
    const stats = await get(p.port, '/stats.json', bearer(READ));
    expect(stats.status, stats.text).to.equal(200);
    expect(() => JSON.parse(stats.text)).to.not.throw();
    const health = JSON.parse((await get(p.port, '/healthz', bearer(READ))).text) as Record<string, unknown>;
    expect(health).to.have.property('lastCompile');
    const list = await get(p.port, '/api/articles?limit=1', bearer(READ));
    expect(list.status, list.text).to.equal(200);
  });

  it('gets 403 problem+json on PUT, DELETE and POST, stores nothing, and is logged by name without the secret', async () => {
    const put = await get(p.port, '/api/articles/scoped-x', { ...bearer(READ), 'Content-Type': 'application/json' }, 'PUT', article('scoped-x'));
    expect(put.status, put.text).to.equal(403);
    expect(put.headers['content-type']).to.match(/^application\/problem\+json/);
    const body = JSON.parse(put.text) as { status: number; title: string; detail: string };
    expect(body.status).to.equal(403);
    expect(body.title).to.equal('Forbidden');
    expect(body.detail).to.include('read-only').and.include('prometheus').and.not.include(READ);
    expect(put.headers['www-authenticate'], 'not a challenge: the token is good').to.equal(undefined);
    expect((await get(p.port, '/api/articles/scoped-x', bearer(WRITE))).status, 'nothing stored').to.equal(404);
    const publicFeed = await get(p.port, '/Detail/2016/07/11/scoped-x');
    expect(publicFeed.status).to.not.equal(200);
    for (const method of ['DELETE', 'POST', 'PATCH']) {
      const r = await get(p.port, '/api/articles/scoped-x', { ...bearer(READ), 'Content-Type': 'application/json' }, method, method === 'DELETE' ? undefined : article('scoped-x'));
      expect(r.status, `${method}: ${r.text}`).to.equal(403);
    }
    // The log lines reach this process through a pipe, after the answers: wait for them.
    const refusedLines = () => p.stdout().split('\n').filter((l) => l.includes('read-only')).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (let waited = 0; refusedLines().length < 4 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const refused = refusedLines();
    expect(refused.length).to.be.at.least(4);
    expect(refused[0]).to.include({ client: 'prometheus', what: 'api', method: 'PUT' });
    expect(p.stdout()).to.not.include(READ);
  });

  it('repeated 403s do not trigger the auth throttle', async () => {
    for (let i = 0; i < 8; i += 1) {
      const r = await get(p.port, `/api/articles/throttle-${i}`, { ...bearer(READ), 'Content-Type': 'application/json' }, 'PUT', article(`throttle-${i}`));
      expect(r.status, `attempt ${i + 1}: ${r.text}`).to.equal(403);
    }
    // A wrong token afterwards is the address's first failure, not a 429.
    const wrong = await get(p.port, '/api/articles/x', bearer('a-wrong-token-00000000000'));
    expect(wrong.status).to.equal(401);
    // The log line reaches this process through a pipe, after the answer: wait for it.
    const failedLines = () => p.stdout().split('\n').filter((l) => l.includes('"authentication failed"')).map((l) => JSON.parse(l) as { failures: number });
    for (let waited = 0; failedLines().length === 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(failedLines().at(-1)?.failures).to.equal(1);
  });

  it('a :write token and a token without a third field still write', async () => {
    for (const [secret, id] of [[WRITE, 'scoped-w'], [PLAIN, 'scoped-p']] as const) {
      const r = await get(p.port, `/api/articles/${id}`, { ...bearer(secret), 'Content-Type': 'application/json' }, 'PUT', article(id));
      expect(r.status, r.text).to.equal(201);
      const d = await get(p.port, `/api/articles/${id}`, bearer(secret), 'DELETE');
      expect(d.status, d.text).to.equal(204);
    }
  });
});

describe('token scopes: the token file and FEEDWRIGHT_API_TOKEN', function () {
  this.timeout(120_000);

  it('parses read, write and no third field (write)', () => {
    expect(parseTokenFile(TOKENS)).to.deep.equal({
      tokens: [
        { name: 'prometheus', secret: READ, scope: 'read' },
        { name: 'cms', secret: WRITE, scope: 'write' },
        { name: 'wire', secret: PLAIN, scope: 'write' },
      ],
    });
  });

  it('names the line of a bad third field or too many fields, never the secret', () => {
    const r = parseTokenFile(`ok:${WRITE}\nprometheus:${READ}:reed\nother:${PLAIN}:\nmany:${PLAIN}x:read:write\nupper:${READ}x:READ\n`);
    expect('problems' in r).to.equal(true);
    const problems = (r as { problems: string[] }).problems;
    expect(problems.map((p) => /^line (\d+)/.exec(p)?.[1])).to.deep.equal(['2', '3', '4', '5']);
    expect(problems[0]).to.include('(prometheus)').and.include('read or write');
    expect(problems[2]).to.include('(many)');
    for (const p of problems) expect(p).to.not.include('secret-0123');
  });

  it('refuses a FEEDWRIGHT_API_TOKEN shorter than 16 characters, or with a space, naming the variable and not the token', () => {
    const dir = makeDataDir({ copySample: false });
    try {
      for (const token of ['short', 'fifteen-chars-x', 'has a space in it 0123456789']) {
        const r = runCli(['check', '--data', dir], { env: { FEEDWRIGHT_API_TOKEN: token } });
        expect(r.status, `${token}: ${r.all}`).to.equal(1);
        expect(r.stderr).to.include('FEEDWRIGHT_API_TOKEN must be 16 to 512 visible ASCII characters');
        expect(r.all).to.not.include(token);
      }
      const ok = runCli(['check', '--data', dir], { env: { FEEDWRIGHT_API_TOKEN: 'sixteen-chars-ok' } });
      expect(ok.status, ok.all).to.equal(0);
    } finally {
      removeDir(dir);
    }
  });
});
