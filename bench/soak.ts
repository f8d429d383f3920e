// Soak test (issue 6): the real server under 256 connections on loopback for a bounded time, a
// mix of conditional and unconditional requests over many feeds and every origin, while
// articles are written through the API and compiles run. Prints requests, errors, latency and
// resident memory at start and end. Usage: npm run soak -- [--seconds 60] [--articles 5000]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { generateArchive } from './generate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = 'soak-token';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
}

function call(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, text }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 60);
  const articles = arg('articles', 5000);
  const dir = mkdtempSync(join(tmpdir(), 'feedwright-soak-'));
  process.stderr.write(`generating ${articles} articles (3 origins) in ${dir}\n`);
  await generateArchive({ dir, articles, origins: 3 });
  const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as { origin: string; alternateOrigins: string[] };
  const hosts = [site.origin, ...site.alternateOrigins].map((o) => new URL(o).host);
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), 'serve', '--data', dir], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', FEEDWRIGHT_API_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const deadline = Date.now() + 300_000;
    for (;;) {
      const h = await call(port, 'GET', '/healthz').catch(() => undefined);
      if (h?.status === 200) break;
      if (Date.now() > deadline) throw new Error('the server did not become ready within 5 minutes');
      await new Promise((r) => setTimeout(r, 200));
    }
    const opml = await call(port, 'GET', '/feeds.opml');
    const feedPaths = [...opml.text.matchAll(/xmlUrl="([^"]*)"/g)].map((m) => new URL((m[1] as string).replace(/&amp;/g, '&')).pathname).slice(0, 300);
    // Validators of a sample of documents for the conditional half of the mix.
    const requests: { method: string; path: string; headers: Record<string, string> }[] = [];
    for (const [i, rssPath] of feedPaths.entries()) {
      const path = i % 3 === 0 ? rssPath : i % 3 === 1 ? rssPath.replace(/rss\.xml$/, 'atom.xml') : rssPath.replace(/rss\.xml$/, 'feed.json');
      const host = hosts[i % hosts.length] as string;
      const first = await call(port, 'GET', path, { Host: host, 'Accept-Encoding': 'gzip' });
      requests.push({ method: 'GET', path, headers: { Host: host, 'Accept-Encoding': 'gzip, br' } });
      requests.push({ method: 'GET', path, headers: { Host: host, 'Accept-Encoding': 'gzip', 'If-None-Match': String(first.headers.etag) } });
      requests.push({ method: 'GET', path, headers: { Host: host, 'If-Modified-Since': String(first.headers['last-modified']) } });
    }
    const rssStart = rssMB(child.pid as number);
    let writes = 0;
    let writeErrors = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const id = `soak-${writes}`;
        const body = JSON.stringify({ path: `/soak/${writes}`, title: `Soak article ${writes}`, body: `<p>Written during the soak, number ${writes}.</p>`, published: new Date().toISOString(), section: ['News'], tags: ['Soak'] });
        const r = await call(port, 'PUT', `/api/articles/${id}`, { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }, body).catch(() => ({ status: 0 }));
        if (r.status !== 201 && r.status !== 200) writeErrors += 1;
        writes += 1;
        if (writes % 5 === 0) await call(port, 'DELETE', `/api/articles/soak-${writes - 3}`, { Authorization: `Bearer ${TOKEN}` }).catch(() => undefined);
        await new Promise((r2) => setTimeout(r2, 250));
      }
    })();
    process.stderr.write(`soaking: ${seconds} s, 256 connections, ${requests.length} distinct requests over ${feedPaths.length} documents and ${hosts.length} origins\n`);
    const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: 256, duration: seconds, timeout: 10, requests });
    writing = false;
    await writer;
    await new Promise((r) => setTimeout(r, 1500));
    const rssEnd = rssMB(child.pid as number);
    const health = JSON.parse((await call(port, 'GET', '/healthz')).text) as { status: string; published: { generation: number } };
    const errors = result.errors + result.timeouts + result['5xx'] + result['4xx'];
    const lines = [
      `| figure | value |`,
      `|---|---|`,
      `| duration, connections | ${seconds} s, 256 |`,
      `| requests (2xx / 304) | ${result.requests.total} (${result['2xx']} / ${result['3xx']}) |`,
      `| errors (connection errors, timeouts, 4xx, 5xx) | ${errors} (${result.errors}, ${result.timeouts}, ${result['4xx']}, ${result['5xx']}) |`,
      `| latency p50 / p99 / max | ${result.latency.p50} / ${result.latency.p99} / ${result.latency.max} ms |`,
      `| API writes during the run (errors) | ${writes} (${writeErrors}); publishes: generation ${health.published.generation} |`,
      `| resident memory start / end | ${rssStart} / ${rssEnd} MB |`,
      `| health at the end | ${health.status} |`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (errors > 0 || writeErrors > 0) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
