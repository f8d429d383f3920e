// The nginx recipe of docs/deploy.md, run: Debian's nginx on loopback, with docs/nginx/feedwright.conf
// as it is (only the listen ports, the upstreams' ports and the certificate paths replaced), in front
// of a `feedwright serve` process and a stand-in for the newsroom's own site (a node:http server):
// feedwright's paths reach feedwright, every other path on the shared domains reaches the
// newsroom (field review: `location /` hid its pages). A mirror's Host gets the mirror's links; ETag and
// Last-Modified pass through unchanged; conditional GETs get their 304 through nginx; gzip is not
// applied twice; HTTP/2 works. Skipped, saying why, when nginx or openssl is not installed, unless
// FEEDWRIGHT_REQUIRE_NGINX=1 (CI), which fails instead.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as connectHttp2, constants as h2 } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { get, HEALTH_TOKEN, healthOf, makeDataDir, removeDir, ROOT, waitUntil, type TestResponse } from '../support/fixtures.js';
import { startServeProcess, type ServeProcess } from '../support/serve-process.js';

const REQUIRED = process.env.FEEDWRIGHT_REQUIRE_NGINX === '1';
const CONF = join(ROOT, 'docs', 'nginx', 'feedwright.conf');
const PRIMARY = 'www.presstv.com';
const MIRROR = 'www.presstv.ir';

/** The nginx binary: on PATH, else Debian's /usr/sbin/nginx (not on a user's PATH); undefined when absent. */
function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    const r = spawnSync(candidate, ['-v'], { encoding: 'utf8' });
    if (r.error === undefined && r.status === 0) return candidate;
  }
  return undefined;
}

function hasOpenssl(): boolean {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
    s.on('error', reject);
  });
}

/** Resolves once something accepts TCP connections on the port (nginx has bound it). */
async function listening(port: number, nginx: ChildProcess, log: () => string): Promise<void> {
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited (${nginx.exitCode}):\n${log()}`);
    const ok = await new Promise<boolean>((resolveTry) => {
      const socket = connectTcp(port, '127.0.0.1', () => {
        socket.destroy();
        resolveTry(true);
      });
      socket.on('error', () => resolveTry(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Replaces `from` in `text`, which must occur exactly once (so the recipe and this test cannot drift apart silently). */
function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`docs/nginx/feedwright.conf: expected "${from}" exactly once, found it ${parts.length - 1} times`);
  return parts.join(to);
}

/** GET over TLS (HTTP/1.1, node:https) to nginx, with the Host and SNI of `host`. */
function viaNginx(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<TestResponse> {
  return new Promise((resolveGet, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: host, rejectUnauthorized: false, agent: false, headers: { host, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolveGet({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function selfLink(xml: string): string | undefined {
  return /<atom:link href="([^"]+)" rel="self"/.exec(xml)?.[1];
}

describe('deploy: feedwright behind nginx (docs/nginx/feedwright.conf)', function () {
  this.timeout(120_000);
  let dataDir: string | undefined;
  let prefix: string | undefined;
  let server: ServeProcess | undefined;
  let nginx: ChildProcess | undefined;
  let nginxLog = '';
  let tlsPort = 0;
  let plainPort = 0;
  /** The newsroom's site stand-in, and the request targets it was sent. */
  let newsroom: HttpServer | undefined;
  const newsroomSaw: string[] = [];

  before(async function () {
    const nginxBin = findNginx();
    const missing = nginxBin === undefined ? 'nginx is not installed (Debian: apt-get install nginx)' : !hasOpenssl() ? 'openssl is not installed (it makes the test certificate)' : undefined;
    if (missing !== undefined) {
      if (REQUIRED) throw new Error(`FEEDWRIGHT_REQUIRE_NGINX=1 but ${missing}`);
      console.log(`      (nginx test skipped: ${missing})`);
      this.skip();
    }
    dataDir = makeDataDir();
    server = await startServeProcess(dataDir, { FEEDWRIGHT_API_TOKEN: HEALTH_TOKEN });
    prefix = mkdtempSync(join(tmpdir(), 'feedwright-nginx-'));
    for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(prefix, dir));
    // A certificate for both names, valid for two days: TLS is the operator's, the test needs one.
    const cert = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${PRIMARY}`, '-addext', `subjectAltName=DNS:${PRIMARY},DNS:${MIRROR}`, '-keyout', join(prefix, 'privkey.pem'), '-out', join(prefix, 'fullchain.pem')], { encoding: 'utf8' });
    if (cert.status !== 0) throw new Error(`openssl failed: ${cert.stderr}`);

    newsroom = createHttpServer((req, res) => {
      newsroomSaw.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'X-Served-By': 'newsroom' });
      res.end(`newsroom page ${req.url ?? ''} for ${req.headers.host ?? ''}`);
    });
    await new Promise<void>((r) => newsroom?.listen(0, '127.0.0.1', () => r()));
    const newsroomPort = (newsroom.address() as { port: number }).port;
    tlsPort = await freePort();
    plainPort = await freePort();
    let site = readFileSync(CONF, 'utf8');
    site = replaceOnce(site, 'server 127.0.0.1:3000;', `server 127.0.0.1:${server.port};`);
    site = replaceOnce(site, 'server 127.0.0.1:8080;', `server 127.0.0.1:${newsroomPort};`);
    site = replaceOnce(site, 'listen 443 ssl http2;', `listen 127.0.0.1:${tlsPort} ssl http2;`);
    site = replaceOnce(site, 'listen [::]:443 ssl http2;', '');
    site = replaceOnce(site, 'listen 80;', `listen 127.0.0.1:${plainPort};`);
    site = replaceOnce(site, 'listen [::]:80;', '');
    site = replaceOnce(site, '/etc/ssl/feedwright/fullchain.pem', join(prefix, 'fullchain.pem'));
    site = replaceOnce(site, '/etc/ssl/feedwright/privkey.pem', join(prefix, 'privkey.pem'));
    writeFileSync(join(prefix, 'feedwright.conf'), site);
    // The rest of an nginx.conf; as root, workers run as root so they can use the temp folders.
    writeFileSync(join(prefix, 'nginx.conf'), `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
error_log ${join(prefix, 'error.log')} info;
events { worker_connections 128; }
http {
    access_log off;
    # What a site-wide nginx.conf often has (Debian's turns gzip on): the recipe's gzip off must win.
    gzip on;
    gzip_proxied any;
    gzip_types application/rss+xml application/atom+xml application/feed+json text/x-opml application/json;
    client_body_temp_path ${join(prefix, 'client_body')};
    proxy_temp_path ${join(prefix, 'proxy')};
    fastcgi_temp_path ${join(prefix, 'fastcgi')};
    uwsgi_temp_path ${join(prefix, 'uwsgi')};
    scgi_temp_path ${join(prefix, 'scgi')};
    include ${join(prefix, 'feedwright.conf')};
}
`);
    const args = ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log'), '-g', `daemon off; pid ${join(prefix, 'nginx.pid')};`];
    const check = spawnSync(nginxBin as string, ['-t', ...args], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx -t refused the configuration:\n${check.stderr}`);
    nginx = spawn(nginxBin as string, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    nginx.stdout?.on('data', (c: Buffer) => (nginxLog += c.toString()));
    nginx.stderr?.on('data', (c: Buffer) => (nginxLog += c.toString()));
    const errorLog = join(prefix, 'error.log');
    const log = () => `${nginxLog}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
    await listening(tlsPort, nginx, log);
    await listening(plainPort, nginx, log);
  });

  after(async () => {
    if (nginx !== undefined && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx?.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await server?.stop();
    await new Promise((r) => (newsroom === undefined ? r(undefined) : newsroom.close(r)));
    if (dataDir !== undefined) removeDir(dataDir);
    if (prefix !== undefined) removeDir(prefix);
  });

  it('gives a mirror Host its own links and the primary its own, the same bytes and validators as feedwright', async () => {
    const port = server?.port as number;
    for (const host of [MIRROR, PRIMARY]) {
      const proxied = await viaNginx(tlsPort, host, '/rss.xml');
      const direct = await get(port, '/rss.xml', { host });
      expect(proxied.status).to.equal(200);
      expect(selfLink(proxied.text)).to.equal(`https://${host}/rss.xml`);
      expect(proxied.text).to.include(`<link>https://${host}/Detail/`);
      expect(proxied.body.equals(direct.body), 'the body is passed through unchanged').to.equal(true);
      for (const name of ['etag', 'last-modified', 'cache-control', 'vary', 'content-type']) {
        expect(proxied.headers[name], name).to.equal(direct.headers[name]);
      }
      expect(proxied.headers.etag).to.match(/^"[^"]+"$/); // strong, not W/
    }
    const mirror = await viaNginx(tlsPort, MIRROR, '/feed.json');
    expect((JSON.parse(mirror.text) as { feed_url: string }).feed_url).to.equal(`https://${MIRROR}/feed.json`);
    const atom = await viaNginx(tlsPort, MIRROR, '/sections/news/russia/atom.xml');
    expect(atom.text).to.include(`<link rel="self" type="application/atom+xml" href="https://${MIRROR}/sections/news/russia/atom.xml"/>`);
  });

  it('passes conditional GETs to feedwright and its 304s back, with the validators', async () => {
    const first = await viaNginx(tlsPort, MIRROR, '/atom.xml');
    const etag = first.headers.etag as string;
    const lastModified = first.headers['last-modified'] as string;
    const byTag = await viaNginx(tlsPort, MIRROR, '/atom.xml', { 'if-none-match': etag });
    expect(byTag.status).to.equal(304);
    expect(byTag.body.length).to.equal(0);
    expect(byTag.headers.etag).to.equal(etag);
    const byDate = await viaNginx(tlsPort, MIRROR, '/atom.xml', { 'if-modified-since': lastModified });
    expect(byDate.status).to.equal(304);
    expect(byDate.headers['last-modified']).to.equal(lastModified);
    // A reader that switched encodings still gets its 304 (any of the three tags matches), with
    // the tag it holds (RFC 9111 §4.3.4: a cache updates the stored response that tag names).
    const gz = await viaNginx(tlsPort, MIRROR, '/atom.xml', { 'accept-encoding': 'gzip', 'if-none-match': etag });
    expect(gz.status).to.equal(304);
    expect(gz.headers.etag).to.equal(etag);
  });

  it('does not compress again: gzip and br come from feedwright with their own strong ETags', async () => {
    const port = server?.port as number;
    // The brotli bodies are made FEEDWRIGHT_BROTLI_DELAY_SECONDS (10) after the first publish.
    await waitUntil('every brotli body made (/healthz brotliPending 0)', async () => (await healthOf(port)).published?.brotliPending === 0);
    const identity = await viaNginx(tlsPort, MIRROR, '/rss.xml');
    for (const coding of ['gzip', 'br']) {
      const proxied = await viaNginx(tlsPort, MIRROR, '/rss.xml', { 'accept-encoding': coding });
      const direct = await get(port, '/rss.xml', { host: MIRROR, 'accept-encoding': coding });
      expect(proxied.headers['content-encoding']).to.equal(coding);
      expect(proxied.headers.etag).to.equal(direct.headers.etag);
      expect(proxied.body.equals(direct.body)).to.equal(true);
    }
    const gzip = await viaNginx(tlsPort, MIRROR, '/rss.xml', { 'accept-encoding': 'gzip' });
    expect(gunzipSync(gzip.body).equals(identity.body), 'one gzip layer').to.equal(true);
    // What the Express app answers uncompressed (a static file, a 404, /healthz) nginx would gzip with the
    // http-level settings above: not here.
    for (const path of ['/style.css', '/stats/no-such-page', '/healthz']) {
      const proxied = await viaNginx(tlsPort, MIRROR, path, { 'accept-encoding': 'gzip' });
      const direct = await get(port, path, { host: MIRROR, 'accept-encoding': 'gzip' });
      expect(proxied.status, path).to.equal(direct.status);
      expect(proxied.headers['content-encoding'], path).to.equal(direct.headers['content-encoding']);
      expect(proxied.headers.etag, path).to.equal(direct.headers.etag);
    }
  });

  it('hands every path feedwright serves to feedwright, on the primary and the mirror: feeds, feed pages, archives, OPML, assets, /stats, /metrics, /healthz, the API', async () => {
    const port = server?.port as number;
    const paths = new Set<string>(['/feeds.opml', '/healthz', '/metrics', '/stats', '/stats.json', '/stats/login', '/api/articles', '/api/articles/some-id', '/websub']);
    // Every link of the directory page (each feed's page and documents) and of a feed's page (its assets).
    const hrefs = (html: string) => [...html.matchAll(/(?:href|src)="(\/[^"/][^"]*|\/)"/g)].map((m) => m[1] as string);
    const directory = await get(port, '/', { host: PRIMARY });
    for (const p of hrefs(directory.text)) if (p !== '/') paths.add(p);
    for (const p of hrefs((await get(port, '/sections/news/russia/feed.html', { host: PRIMARY })).text)) if (p !== '/' && !p.startsWith('/Detail/') && !p.startsWith('/Photo/')) paths.add(p);
    // The feeds' stylesheet (the only path in a feed: its xml-stylesheet instruction).
    for (const p of hrefs((await get(port, '/rss.xml', { host: PRIMARY })).text)) paths.add(p);
    // The /stats page's assets (uPlot under its versioned path, stats.css, stats.js).
    for (const p of hrefs((await get(port, '/stats', { host: PRIMARY, authorization: `Bearer ${HEALTH_TOKEN}` })).text)) paths.add(p);
    // Monthly archives: the site's, a section's, a tag's (RFC 5005 prev-archive links).
    for (const feed of ['/atom.xml', '/sections/news/russia/atom.xml', '/tags/syria/atom.xml']) {
      const m = /<(?:atom:)?link rel="prev-archive" type="[^"]+" href="https:\/\/[^/]+(\/[^"]+)"/.exec((await get(port, feed, { host: PRIMARY })).text);
      expect(m, `${feed}: prev-archive`).to.not.equal(null);
      paths.add((m as RegExpExecArray)[1] as string);
    }
    for (const p of ['/style.css', '/feed.css', '/preview.js', '/stats.css', '/stats.js', '/feed.html', '/rss.xml', '/tags/syria/feed.json']) expect(paths, p).to.include(p);
    expect([...paths].some((p) => p.startsWith('/stats/uplot/')), 'uPlot').to.equal(true);
    expect([...paths].some((p) => /^\/tags\/%[0-9A-F]{2}/.test(p)), 'a tag with a non-ASCII name (percent-encoded)').to.equal(true);
    newsroomSaw.length = 0;
    for (const host of [PRIMARY, MIRROR]) {
      for (const path of paths) {
        const proxied = await viaNginx(tlsPort, host, path);
        const direct = await get(port, path, { host });
        expect(proxied.headers['x-served-by'], `${host}${path}`).to.equal(undefined);
        expect(proxied.status, `${host}${path}`).to.equal(direct.status);
        if (path !== '/healthz') expect(proxied.text, `${host}${path}`).to.equal(direct.text);
      }
    }
    expect(newsroomSaw, 'requests that reached the newsroom').to.deep.equal([]);
  });

  it('hands every other path on the shared domains to the newsroom: its home page, articles, its own /sections/ and /tags/ pages, near-misses of feedwright\'s names', async () => {
    const others = [
      '/', '/?page=2', '/Detail/2016/07/06/473624/Russia-US-Syria', '/Photo/2016/07/06/obama-putin-g20.jpg',
      '/sections/news/russia/', '/sections/news/', '/tags/syria', '/tags/syria/', '/tags/syria/index.html',
      '/archive/2016/07/', '/sections/news/archive/2016/07/', '/news/rss.xml', '/rss.xml.bak', '/feeds.opml.old',
      '/stats-2016', '/statistics', '/metrics/', '/healthz/x', '/api/other', '/apiary', '/websub/x', '/style.css.map', '/css/style.css', '/favicon.ico', '/robots.txt',
    ];
    for (const host of [PRIMARY, MIRROR]) {
      newsroomSaw.length = 0;
      for (const path of others) {
        const r = await viaNginx(tlsPort, host, path);
        expect(r.status, `${host}${path}`).to.equal(200);
        expect(r.headers['x-served-by'], `${host}${path}`).to.equal('newsroom');
        expect(r.text, `${host}${path}`).to.equal(`newsroom page ${path} for ${host}`);
      }
      expect(newsroomSaw).to.deep.equal(others);
    }
  });

  it('speaks HTTP/2 to readers, with the mirror picked from :authority', async () => {
    const session = connectHttp2(`https://127.0.0.1:${tlsPort}`, { servername: MIRROR, rejectUnauthorized: false });
    try {
      await new Promise<void>((resolveConnect, reject) => {
        session.once('connect', () => resolveConnect());
        session.once('error', reject);
      });
      expect(session.alpnProtocol).to.equal('h2');
      const { status, body } = await new Promise<{ status: number; body: string }>((resolveGet, reject) => {
        const stream = session.request({ [h2.HTTP2_HEADER_PATH]: '/rss.xml', [h2.HTTP2_HEADER_AUTHORITY]: MIRROR });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (headers) => (status = Number(headers[h2.HTTP2_HEADER_STATUS])));
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolveGet({ status, body: Buffer.concat(chunks).toString('utf8') }));
        stream.on('error', reject);
        stream.end();
      });
      expect(status).to.equal(200);
      expect(selfLink(body)).to.equal(`https://${MIRROR}/rss.xml`);
    } finally {
      session.close();
    }
  });

  it('redirects plain HTTP to HTTPS on the same domain', async () => {
    const res = await get(plainPort, '/rss.xml?x=1', { host: MIRROR });
    expect(res.status).to.equal(301);
    expect(res.headers.location).to.equal(`https://${MIRROR}/rss.xml?x=1`);
  });
});
