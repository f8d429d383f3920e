// Faults caused for real: the server process killed with SIGKILL in the middle of its first
// compile, then restarted; and SIGTERM while requests are in flight. Readers must only ever see
// complete, valid documents, and the process must stop cleanly.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { request, type IncomingMessage } from 'node:http';
import { generateArchive } from '../../bench/generate.js';
import { get, removeDir } from '../support/fixtures.js';
import { builtCli, CLI } from '../support/paths.js';

/** The API token the served processes run with: /healthz gives its details only with it. */
const TOKEN = 'sigkill-token-0123456789';

function serve(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, [CLI, 'serve', '--data', dataDir], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', FEEDWRIGHT_API_TOKEN: TOKEN }, stdio: 'ignore' });
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function wellFormed(xml: string): boolean {
  let ok = true;
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', () => {
    ok = false;
  });
  try {
    parser.write(xml).close();
  } catch {
    ok = false;
  }
  return ok;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('faults (real processes)', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ChildProcess | undefined;
  before(function () {
    // npm test builds dist first; a run from sources (tsx) may not have, so build it here.
    builtCli();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'feedwright-fault-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
    removeDir(dir);
  });

  it('SIGKILL in the middle of the first compile: after a restart every feed is complete and valid, and nothing stored is missing', async function () {
    // A deadline for readiness, not a speed claim: a 3,000-article first compile on a shared
    // two-core machine under a parallel test load can take minutes.
    this.timeout(300_000);
    await generateArchive({ dir, articles: 3000 });
    const port = await freePort();
    child = serve(dir, port);
    // Kill while the first compile is writing documents (the body folder exists, nothing is published).
    await until('documents being written', 30_000, async () => (existsSync(join(dir, '.feedwright', 'documents')) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    // Still mid-compile: nothing published yet.
    expect((await get(port, '/healthz')).status).to.equal(503);
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));

    child = serve(dir, port);
    await until('ready after the restart', 240_000, async () => {
      const h = await get(port, '/healthz');
      return h.status === 200 && JSON.parse(h.text).status === 'ok' ? true : undefined;
    });
    const opml = await get(port, '/feeds.opml');
    const urls = [...opml.text.matchAll(/xmlUrl="([^"]*)"/g)].map((m) => new URL((m[1] as string).replace(/&amp;/g, '&')).pathname);
    expect(urls.length).to.be.greaterThan(100);
    let items = 0;
    for (const path of urls) {
      const r = await get(port, path);
      expect(r.status, path).to.equal(200);
      expect(wellFormed(r.text), path).to.equal(true);
      expect(r.text.trimEnd().endsWith('</rss>'), path).to.equal(true);
      items += (r.text.match(/<item>/g) ?? []).length;
    }
    expect(items).to.be.greaterThan(0);
    const site = await get(port, '/feed.json');
    const json = JSON.parse(site.text) as { items: unknown[] };
    expect(json.items).to.have.length(50);
    const health = JSON.parse((await get(port, '/healthz', { Authorization: `Bearer ${TOKEN}` })).text) as { published: { articles: number } };
    expect(health.published.articles).to.equal(3000);
  });

  it('SIGTERM: a response in flight is finished, and the process exits 0 within a few seconds', async () => {
    await generateArchive({ dir, articles: 300 });
    const port = await freePort();
    child = serve(dir, port);
    await until('ready', 60_000, async () => ((await get(port, '/healthz')).status === 200 ? true : undefined));
    // A reader that has its response headers but reads the ~300 KB body slowly: the server is
    // still writing when the signal comes.
    const slow = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/rss.xml', headers: { 'Accept-Encoding': 'identity' }, agent: false }, (res) => {
        res.pause();
        resolve(res);
      });
      req.on('error', reject);
      req.end();
    });
    let exitCode: { code: number | null } | undefined;
    child.once('exit', (code) => (exitCode = { code }));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const chunks: Buffer[] = [];
    slow.on('data', (c: Buffer) => chunks.push(c));
    slow.resume();
    await new Promise((r) => slow.once('end', r));
    const body = Buffer.concat(chunks);
    expect(slow.statusCode).to.equal(200);
    expect(body.length).to.equal(Number(slow.headers['content-length']));
    expect(body.length).to.be.greaterThan(100_000);
    expect(wellFormed(body.toString('utf8'))).to.equal(true);
    // Exits by itself once the response is done: waited for with a bounded deadline well below
    // the 65 s keep-alive timeout an idle connection would otherwise hold it for (no timing).
    expect(await until('the process exits after SIGTERM', 45_000, async () => exitCode)).to.deep.equal({ code: 0 });
    child = undefined;
  });
});
