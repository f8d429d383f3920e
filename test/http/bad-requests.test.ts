// Bad requests (issue 6): traversal, encoded dots, huge and malformed headers, odd methods and
// absurd validators. Each gets a sensible answer; none reaches files outside public/; the server
// keeps serving.
import { expect } from 'chai';
import { connect } from 'node:net';
import { get, makeDataDir, removeDir, startService, type TestService } from '../support/fixtures.js';

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // write, not end: a half-closed socket may lose a response that takes a tick (a static-file look-up).
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

describe('bad requests', () => {
  let dataDir: string;
  let t: TestService;
  before(async () => {
    dataDir = makeDataDir();
    t = await startService(dataDir);
  });
  after(async () => {
    await t.close();
    removeDir(dataDir);
  });
  afterEach(async () => {
    // Whatever came before, the feeds are still served.
    expect((await get(t.port, '/rss.xml')).status).to.equal(200);
  });

  for (const path of ['/../package.json', '/../../../../etc/passwd', '/%2e%2e/package.json', '/%2e%2e%2f%2e%2e%2fpackage.json', '/..%2fpackage.json', '/style.css/../../package.json', '/%2E%2E/%2E%2E/etc/passwd', '/.%2e/src/cli.ts', '/.env', '/.git/config', '/%00', '/%c0%ae%c0%ae/package.json']) {
    it(`does not serve files outside public/ for ${path}`, async () => {
      const r = await raw(t.port, `GET ${path} HTTP/1.1\r\nHost: www.presstv.com\r\nConnection: close\r\n\r\n`);
      const status = Number(r.split(' ')[1]);
      expect([400, 404]).to.include(status);
      expect(r).to.not.match(/"name": "feedwright"|root:x:0|better-sqlite3|\[core\]/);
    });
  }

  it('serves public/ files themselves, with nosniff and a CSP', async () => {
    const r = await get(t.port, '/style.css');
    expect(r.status).to.equal(200);
    expect(r.headers['x-content-type-options']).to.equal('nosniff');
    expect(String(r.headers['content-security-policy'])).to.include("default-src 'none'");
    expect(r.headers['x-powered-by']).to.equal(undefined);
  });

  it('does not resolve encoded dot segments to a feed', async () => {
    for (const path of ['/sections/%2e%2e/rss.xml', '/sections/news/%2E%2E/rss.xml', '/%2e/rss.xml']) {
      const r = await raw(t.port, `GET ${path} HTTP/1.1\r\nHost: www.presstv.com\r\nConnection: close\r\n\r\n`);
      expect(Number(r.split(' ')[1]), path).to.equal(404);
    }
  });

  it('answers a huge header with 431 and a malformed request with 400', async () => {
    const huge = await raw(t.port, `GET /rss.xml HTTP/1.1\r\nHost: www.presstv.com\r\nX-Big: ${'a'.repeat(40_000)}\r\nConnection: close\r\n\r\n`);
    expect(huge.split(' ')[1]).to.equal('431');
    const malformed = await raw(t.port, 'GET /rss.xml HTTP/1.1\r\nHost www.presstv.com\r\n\r\n');
    expect(malformed.split(' ')[1]).to.equal('400');
    const garbage = await raw(t.port, '\u0000\u0001\u0002 not http at all\r\n\r\n');
    expect(garbage.split(' ')[1]).to.equal('400');
  });

  it('answers other methods on feeds with 405 and Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await get(t.port, '/rss.xml', {}, method);
      expect(r.status, method).to.equal(405);
      expect(r.headers.allow).to.equal('GET, HEAD');
    }
  });

  it('ignores absurd validators and answers the full document', async () => {
    const reference = await get(t.port, '/rss.xml');
    for (const headers of [
      { 'If-None-Match': `"${'x'.repeat(9000)}"` },
      { 'If-None-Match': ',,,, W/ "" ,' },
      { 'If-Modified-Since': '99999999999' },
      { 'If-Modified-Since': 'Sat, 01 Jan 10000 00:00:00 GMT' },
      { 'If-Modified-Since': 'Wed, 31 Feb 2016 00:00:00 GMT' },
    ]) {
      const r = await get(t.port, '/rss.xml', headers);
      expect(r.status, JSON.stringify(headers).slice(0, 60)).to.equal(200);
      expect(r.body.equals(reference.body)).to.equal(true);
    }
  });
});
