// The benchmark driver (`npm run bench`): generates a synthetic archive, then measures a cold
// compile, start-up to the first 200, serving one feed against a raw node:http baseline (and the
// conventional Express + `feed` stack as a peer), resident memory for 1 and 3 origins, and an
// incremental compile through the article writer. Prints one table and writes the figures as JSON.
// Usage: node dist/bench/bench.js [--articles N] [--out FILE] [--quick] [--keep]
// All traffic goes to 127.0.0.1; every run is bounded in time; every child is killed at the end.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { cpus, tmpdir, totalmem, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result as CannonResult } from 'autocannon';
import { loadRuntimeConfig, loadSiteConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';
import { generateArchive, writeSiteConfig, siteConfig, type GeneratedArchive } from './generate.js';
import type { Capture, CapturedVariant } from './baseline-server.js';

// ---- arguments and plumbing ---------------------------------------------------------------

interface Args {
  articles: number;
  out: string;
  quick: boolean;
  keep: boolean;
  /** The load generator: wrk when installed (auto), or autocannon. */
  tool: 'auto' | 'wrk' | 'autocannon';
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(ROOT, 'dist');
const HOST = '127.0.0.1';

function parseArgs(argv: string[]): Args {
  const args: Args = { articles: 100_000, out: join(ROOT, 'bench', 'results', 'latest.json'), quick: false, keep: false, tool: 'auto' };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${a} needs a value`);
      i += 1;
      return v;
    };
    if (a === '--articles') args.articles = Number(value());
    else if (a.startsWith('--articles=')) args.articles = Number(a.slice(11));
    else if (a === '--out') args.out = resolve(value());
    else if (a.startsWith('--out=')) args.out = resolve(a.slice(6));
    else if (a === '--quick') args.quick = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--tool' || a.startsWith('--tool=')) {
      const v = a === '--tool' ? value() : a.slice(7);
      if (v !== 'auto' && v !== 'wrk' && v !== 'autocannon') throw new Error('--tool must be auto, wrk or autocannon');
      args.tool = v;
    }
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node dist/bench/bench.js [--articles N (100000)] [--out FILE (bench/results/latest.json)] [--quick] [--keep (keep the temp folder)] [--tool auto|wrk|autocannon (auto: wrk when installed)]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.articles) || args.articles < 10) throw new Error('--articles must be a whole number ≥ 10');
  return args;
}

const T0 = performance.now();
function log(line: string): void {
  process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function withTimeout<T>(p: PromiseLike<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve(p),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/** A fingerprint of the compiled program (names, sizes, mtimes under dist/src), to notice a rebuild mid-run. */
function buildFingerprint(): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        const st = statSync(p);
        h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
      }
    }
  };
  try {
    walk(join(DIST, 'src'));
  } catch {
    h.update('missing');
  }
  return h.digest('hex');
}

// ---- child processes ----------------------------------------------------------------------

const children = new Set<ChildProcess>();
let logDir = tmpdir();

/** Spawns a node script; its output goes to a log file (and stdout lines to `onLine`). */
function spawnNode(name: string, script: string, args: string[], env: NodeJS.ProcessEnv = process.env): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  const lines: string[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out.write(chunk);
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk: Buffer) => out.write(chunk));
  const exited = new Promise<number | null>((r) => {
    child.once('exit', (code) => {
      children.delete(child);
      if (partial !== '') lines.push(partial);
      out.end();
      r(code);
    });
    child.once('error', () => {
      children.delete(child);
      r(-1);
    });
  });
  return { child, lines, exited };
}

async function waitForLine(lines: string[], pattern: RegExp, exited: Promise<number | null>, ms: number, what: string): Promise<RegExpExecArray> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    for (const l of lines) {
      const m = pattern.exec(l);
      if (m) return m;
    }
    if (done) throw new Error(`${what} exited before printing ${pattern}`);
    await sleep(10);
  }
  throw new Error(`${what} did not print ${pattern} within ${ms / 1000} s`);
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
}

function killAll(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolvePort(port));
    });
  });
}

/** VmRSS and VmHWM of a process in MB (Linux /proc). */
function memoryOf(pid: number): { rssMB: number; hwmMB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMB: round(kb('VmRSS') / 1024, 1), hwmMB: round(kb('VmHWM') / 1024, 1) };
}

// ---- HTTP client --------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

function get(port: number, path: string, headers: Record<string, string> = {}, timeoutMs = 30_000, method = 'GET'): Promise<Reply> {
  return new Promise((resolveReply, reject) => {
    const req = httpRequest({ host: HOST, port, path, method, headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

// ---- steps --------------------------------------------------------------------------------

interface CompileChildResult {
  wallMs: number;
  cpuMs: number;
  peakRssMB: number;
  origins: number;
  report: { ok: boolean; published: boolean; durationMs: number; articlesChanged: number; feedsRendered: number; feedsChanged: number; documents: number; problems: number; failedFeeds: number; error?: string };
  feeds: number;
  paths: number;
  articles: number;
}

async function coldCompile(dir: string, name: string): Promise<CompileChildResult> {
  const { child, lines, exited } = spawnNode(name, join(DIST, 'bench', 'compile-child.js'), [dir]);
  const code = await withTimeout(exited, 30 * 60_000, 'the compile child').catch(async (err: unknown) => {
    await stopChild(child, exited);
    throw err;
  });
  const last = lines.filter((l) => l.startsWith('{')).pop();
  if (code !== 0 || last === undefined) throw new Error(`the compile child exited with ${code}; see ${join(logDir, `${name}.log`)}`);
  const r = JSON.parse(last) as CompileChildResult;
  if (!r.report.published) throw new Error(`the cold compile did not publish: ${r.report.error ?? 'no error given'}`);
  return r;
}

interface Serving {
  child: ChildProcess;
  exited: Promise<number | null>;
  port: number;
  firstResponseSeconds: number;
  firstOkSeconds: number;
  healthReadySeconds: number;
}

/** Starts `feedwright serve` and polls /rss.xml every 20 ms until it answers 200. */
async function startServe(dir: string, name: string): Promise<Serving> {
  const port = await freePort();
  const t0 = performance.now();
  const { child, exited } = spawnNode(name, join(DIST, 'src', 'cli.js'), ['serve', '--data', dir], { ...process.env, PORT: String(port), HOST });
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  let firstResponse = Number.NaN;
  let firstOk = Number.NaN;
  let healthReady = Number.NaN;
  const deadline = t0 + 15 * 60_000;
  const healthLoop = (async () => {
    while (Number.isNaN(healthReady) && !exitedEarly && performance.now() < deadline) {
      try {
        const r = await get(port, '/healthz', {}, 10_000);
        if (r.status === 200 && (JSON.parse(r.body.toString('utf8')) as { ready?: boolean }).ready === true) healthReady = (performance.now() - t0) / 1000;
      } catch {
        // not listening yet
      }
      if (Number.isNaN(healthReady)) await sleep(20);
    }
  })();
  while (Number.isNaN(firstOk)) {
    if (exitedEarly) throw new Error(`feedwright serve exited during start-up; see ${join(logDir, `${name}.log`)}`);
    if (performance.now() > deadline) {
      await stopChild(child, exited);
      throw new Error('feedwright serve did not answer /rss.xml with 200 within 15 minutes');
    }
    try {
      const r = await get(port, '/rss.xml', {}, 10_000);
      const now = (performance.now() - t0) / 1000;
      if (Number.isNaN(firstResponse)) firstResponse = now;
      if (r.status === 200) firstOk = now;
    } catch {
      // not listening yet
    }
    if (Number.isNaN(firstOk)) await sleep(20);
  }
  await withTimeout(healthLoop, 60_000, 'the /healthz poll');
  return { child, exited, port, firstResponseSeconds: round(firstResponse, 3), firstOkSeconds: round(firstOk, 3), healthReadySeconds: round(healthReady, 3) };
}

const DROP_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** The response headers as feedwright wrote them (case kept), minus those Node adds itself. */
function capturedHeaders(raw: string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i] as string;
    const v = raw[i + 1] as string;
    if (DROP_HEADERS.has(k.toLowerCase())) continue;
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

type Coding = 'identity' | 'gzip' | 'br';
const CODING_HEADER: Record<Coding, Record<string, string>> = { identity: {}, gzip: { 'accept-encoding': 'gzip' }, br: { 'accept-encoding': 'br' } };

/** Fetches one path from feedwright in the three codings, with the 304 of each. */
async function captureDocument(port: number, path: string): Promise<Capture> {
  const variants = {} as Capture['variants'];
  const etags: string[] = [];
  for (const coding of ['identity', 'gzip', 'br'] as const) {
    const r = await get(port, path, CODING_HEADER[coding]);
    if (r.status !== 200) throw new Error(`GET ${path} (${coding}) answered ${r.status}`);
    const ce = r.headers['content-encoding'] ?? 'identity';
    if (ce !== coding) throw new Error(`GET ${path} with ${coding} came back as ${ce}`);
    const etag = r.headers.etag;
    if (etag === undefined) throw new Error(`GET ${path} has no ETag`);
    const r304 = await get(port, path, { ...CODING_HEADER[coding], 'if-none-match': etag });
    if (r304.status !== 304) throw new Error(`GET ${path} (${coding}) with If-None-Match answered ${r304.status}, not 304`);
    etags.push(etag.replace(/^W\//, '').replace(/"/g, ''));
    const v: CapturedVariant = { headers200: capturedHeaders(r.rawHeaders), headers304: capturedHeaders(r304.rawHeaders), body: r.body.toString('base64') };
    variants[coding] = v;
  }
  return { path, etags, variants };
}

interface Run {
  rps: number;
  p99Ms: number;
  p50Ms: number;
  total: number;
  expected: number;
  errors: number;
  timeouts: number;
}

/** True when wrk is on the PATH. */
function wrkInstalled(): boolean {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8', timeout: 5000 });
  return r.error === undefined && /wrk/.test(`${r.stdout}${r.stderr}`);
}

let loadTool: 'wrk' | 'autocannon' = 'autocannon';

/** One bounded run at 64 connections with the chosen load generator. */
function load(url: string, seconds: number, headers: Record<string, string>, expect: '2xx' | '3xx'): Promise<Run> {
  return loadTool === 'wrk' ? wrk(url, seconds, headers) : cannon(url, seconds, headers, expect);
}

/** One autocannon run (programmatic API); counts answers with the expected status class. */
async function cannon(url: string, seconds: number, headers: Record<string, string>, expect: '2xx' | '3xx'): Promise<Run> {
  const r: CannonResult = await withTimeout(autocannon({ url, connections: 64, duration: seconds, headers, timeout: 10 }), (seconds + 30) * 1000, `autocannon on ${url}`);
  const total = r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'];
  return { rps: round(r.requests.average, 0), p99Ms: r.latency.p99, p50Ms: r.latency.p50, total, expected: r[expect], errors: r.errors, timeouts: r.timeouts };
}

/** wrk's latency figure in ms ("101.75ms", "950.00us", "1.20s"). */
function wrkMs(text: string | undefined): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text ?? '');
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return round(m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000, 3);
}

/** One wrk run (one thread, 64 connections); wrk counts 2xx and 3xx alike as good answers. */
async function wrk(url: string, seconds: number, headers: Record<string, string>): Promise<Run> {
  const args = ['-t', '1', '-c', '64', '-d', `${seconds}s`, '--timeout', '10s', '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await withTimeout(new Promise<number | null>((r) => child.once('exit', r)), (seconds + 30) * 1000, `wrk on ${url}`).finally(() => {
    children.delete(child);
    child.kill('SIGKILL');
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (code !== 0 || !rps || !total) throw new Error(`wrk failed (${code}): ${out.slice(0, 500)}`);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const n = Number(total[1]);
  return {
    rps: round(Number(rps[1]), 0),
    p99Ms: wrkMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1]),
    p50Ms: wrkMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1]),
    total: n,
    expected: n - bad,
    errors: sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) : 0,
    timeouts: sock ? Number(sock[4]) : 0,
  };
}

/** Requests every document once (all feeds from /feeds.opml in three formats, plus the directory) per Host. */
async function touchAll(port: number, hosts: (string | undefined)[]): Promise<{ requests: number; ok: number; bytes: number }> {
  const opml = await get(port, '/feeds.opml', { 'accept-encoding': 'gzip' });
  const plain = await get(port, '/feeds.opml');
  const paths = new Set<string>(['/', '/feeds.opml']);
  for (const m of plain.body.toString('utf8').matchAll(/xmlUrl="([^"]*)"/g)) {
    const url = new URL((m[1] as string).replace(/&amp;/g, '&'));
    const base = url.pathname.slice(0, -'rss.xml'.length);
    for (const f of ['rss.xml', 'atom.xml', 'feed.json']) paths.add(base + f);
  }
  if (opml.status !== 200) throw new Error(`/feeds.opml answered ${opml.status}`);
  const jobs: { path: string; host: string | undefined }[] = [];
  for (const host of hosts) for (const path of paths) jobs.push({ path, host });
  let ok = 0;
  let bytes = 0;
  await pool(jobs, 16, async ({ path, host }) => {
    const r = await get(port, path, { 'accept-encoding': 'gzip', ...(host === undefined ? {} : { host }) });
    if (r.status === 200) ok += 1;
    bytes += r.body.length;
  });
  return { requests: jobs.length, ok, bytes };
}

/** Converts a stored article back to the raw JSON of design §3 (dates as RFC 3339). */
function toRaw(article: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...article, published: new Date(article.published as number).toISOString() };
  if (typeof article.updated === 'number') raw.updated = new Date(article.updated).toISOString();
  return raw;
}

/**
 * One incremental round through `service.writer`: a new article (the busiest section and tags,
 * published now), an edit of the second-newest article's title, a removal of the third-newest;
 * each timed from the call until every affected feed served over HTTP shows it (polled every
 * 5 ms); then which documents changed ETag against which feeds were affected.
 */
async function incremental(svc: Service, port: number, idPrefix: string, round_: number): Promise<Json> {
  const snapshot = () => {
    const m = new Map<string, string>();
    for (const [path, docs] of svc.compiler.current()?.documents ?? []) m.set(path, docs.map((d) => d.etags.join(',')).join('|'));
    return m;
  };
  const feedOf = (scope: string) => (scope === '' ? '/rss.xml' : `/${scope.split('/').map(encodeURIComponent).join('/')}/rss.xml`);
  const waitVisible = async (scopes: string[], test: (body: string) => boolean, t0: number, what: string): Promise<number> => {
    const paths = [...new Set(scopes.map(feedOf))];
    const deadline = t0 + 60_000;
    for (;;) {
      const bodies = await Promise.all(paths.map((p) => get(port, p).then((r) => (r.status === 200 ? r.body.toString('utf8') : ''))));
      if (bodies.every(test)) return performance.now() - t0;
      if (performance.now() > deadline) throw new Error(`${what} was not visible in all ${paths.length} of its feeds within 60 s`);
      await sleep(5);
    }
  };
  const lastRep = () => {
    const r = svc.compiler.lastReport();
    return { feedsRendered: r?.feedsRendered ?? 0, feedsChanged: r?.feedsChanged.length ?? 0, documents: r?.documents ?? 0, compileMs: r?.durationMs ?? 0 };
  };
  const before = snapshot();
  const [newest, toEdit, toRemove] = await svc.store.newestInScope('', 3);
  if (newest === undefined || toEdit === undefined || toRemove === undefined) throw new Error('the site feed has fewer than 3 articles');
  const scopes = await svc.store.listScopes();
  const section = scopes.filter((s) => s.key.startsWith('sections/')).sort((a, b) => b.items - a.items)[0];
  const tags = scopes.filter((s) => s.key.startsWith('tags/')).sort((a, b) => b.items - a.items).slice(0, 2).map((s) => s.label);
  const ops: Json = {};

  // A new article modelled on the newest one, in the busiest section and tags, published now.
  const newTitle = `Benchmark: new article ${round_} written at ${new Date().toISOString()}`;
  const fresh = { ...toRaw(newest.article as unknown as Record<string, unknown>), id: `bench-new-${round_}`, path: `/Detail/bench/new-${round_}`, title: newTitle, section: section ? section.label.split(' / ') : newest.article.section, tags, published: new Date().toISOString() };
  delete (fresh as Record<string, unknown>).updated;
  delete (fresh as Record<string, unknown>).guid;
  let t = performance.now();
  const putChanges = await svc.writer.put([fresh]);
  const newScopes = putChanges.flatMap((c) => c.scopesAfter);
  const newMs = await waitVisible(newScopes, (b) => b.includes(newTitle), t, 'the new article');
  await svc.writer.flushed();
  ops.newArticle = { visibleMs: round(newMs, 1), feeds: newScopes.length, ...lastRep() };
  log(`   new article visible in all ${newScopes.length} of its feeds after ${newMs.toFixed(0)} ms (${JSON.stringify(lastRep())})`);

  const editedTitle = `Benchmark: edited title ${round_} at ${new Date().toISOString()}`;
  const editRaw = { ...toRaw(toEdit.article as unknown as Record<string, unknown>), title: editedTitle };
  t = performance.now();
  const editChanges = await svc.writer.put([editRaw]);
  const editScopes = editChanges.flatMap((c) => c.scopesAfter);
  const editMs = await waitVisible(editScopes, (b) => b.includes(editedTitle), t, 'the edit');
  await svc.writer.flushed();
  ops.edit = { visibleMs: round(editMs, 1), feeds: editScopes.length, ...lastRep() };
  log(`   edit visible in all ${editScopes.length} of its feeds after ${editMs.toFixed(0)} ms (${JSON.stringify(lastRep())})`);

  // The RSS guid of the removed item (design §4: its guid, else the tag: URI from the id prefix).
  const goneId = `>${toRemove.article.guid ?? `${idPrefix}${toRemove.article.id}`}</guid>`;
  t = performance.now();
  const removeChanges = await svc.writer.remove([toRemove.article.id]);
  const removeScopes = removeChanges.flatMap((c) => c.scopesBefore);
  const removeMs = await waitVisible(removeScopes, (b) => !b.includes(goneId), t, 'the removal');
  await svc.writer.flushed();
  ops.removal = { visibleMs: round(removeMs, 1), feeds: removeScopes.length, ...lastRep() };
  log(`   removal visible in all ${removeScopes.length} of its feeds after ${removeMs.toFixed(0)} ms (${JSON.stringify(lastRep())})`);

  const after = snapshot();
  const affected = new Set([...putChanges, ...editChanges, ...removeChanges].flatMap((c) => [...c.scopesBefore, ...c.scopesAfter]));
  const expectedPaths = new Set<string>(['/', '/feeds.opml']);
  for (const s of affected) {
    const basePath = feedOf(s).slice(0, -'rss.xml'.length);
    for (const f of ['rss.xml', 'atom.xml', 'feed.json']) expectedPaths.add(basePath + f);
  }
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p));
  const unaffectedChanged = changed.filter((p) => !expectedPaths.has(p));
  const opsList = [ops.newArticle, ops.edit, ops.removal] as { documents: number; feedsRendered: number }[];
  const totalFeeds = svc.compiler.current()?.feeds.length ?? 0;
  log(`   validators: ${changed.length} of ${after.size} documents changed for ${affected.size} affected feeds of ${totalFeeds}; unaffected documents changed: ${unaffectedChanged.length}`);
  return {
    visibleMs: round(Math.max(newMs, editMs, removeMs), 1),
    newArticleMs: round(newMs, 1),
    editMs: round(editMs, 1),
    removalMs: round(removeMs, 1),
    documentsRendered: opsList.reduce((n, o) => n + o.documents, 0),
    feedsRendered: opsList.reduce((n, o) => n + o.feedsRendered, 0),
    affectedFeeds: affected.size,
    totalFeeds,
    changedDocuments: changed.length,
    totalDocuments: after.size,
    unaffectedChanged: unaffectedChanged.length,
    unaffectedChangedPaths: unaffectedChanged.slice(0, 20),
    ops,
  };
}

// ---- the run ------------------------------------------------------------------------------

type Json = { [key: string]: unknown };

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const seconds = args.quick ? 2 : 5;
  const pairs = args.quick ? 3 : 5;
  const cpu = cpus();
  if (args.tool === 'wrk' && !wrkInstalled()) throw new Error('--tool wrk: wrk is not installed (apt-get install wrk)');
  loadTool = args.tool === 'autocannon' ? 'autocannon' : wrkInstalled() ? 'wrk' : 'autocannon';
  const results: Json = {
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGB: round(totalmem() / 2 ** 30, 1), node: process.version, os: `${platform()} ${release()}` },
    params: { articles: args.articles, quick: args.quick, runSeconds: seconds, pairs, connections: 64, loadGenerator: loadTool === 'wrk' ? 'wrk (1 thread)' : 'autocannon 9 (programmatic API)', startedAt: new Date().toISOString() },
  };
  const build = buildFingerprint();
  const dir = mkdtempSync(join(tmpdir(), 'feedwright-bench-'));
  logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  log(`data folder ${dir} (child logs in ${logDir}); load generator: ${loadTool}`);
  let service: Service | undefined;
  let failure: unknown;
  try {
    // 1. the archive
    log(`1/7 generating ${args.articles} articles`);
    const g0 = performance.now();
    const archive: GeneratedArchive = await generateArchive({ dir, articles: args.articles, origins: 1, onProgress: (n) => log(`   ${n} articles written`) });
    results.archive = { articles: archive.articles, megabytes: round(archive.bytes / 1e6, 1), generateSeconds: round((performance.now() - g0) / 1000, 1), sections: archive.pools.sections.length, tags: archive.pools.tags.length, authors: archive.pools.authors.length };
    log(`   ${archive.articles} articles, ${(archive.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - g0) / 1000).toFixed(1)} s`);

    // 2. cold compile, one origin
    log('2/7 cold compile (1 origin) in a child process');
    const cold = await coldCompile(dir, 'compile-1-origin');
    const compile: Json = {
      cold: { wallSeconds: round(cold.wallMs / 1000), cpuSeconds: round(cold.cpuMs / 1000), peakRssMB: round(cold.peakRssMB, 1), feeds: cold.feeds, documents: cold.report.documents, paths: cold.paths, articles: cold.articles, compileMs: cold.report.durationMs, ok: cold.report.ok },
    };
    results.compile = compile;
    log(`   ${cold.feeds} feeds, ${cold.report.documents} documents in ${(cold.wallMs / 1000).toFixed(2)} s wall, ${(cold.cpuMs / 1000).toFixed(2)} s CPU, peak ${cold.peakRssMB.toFixed(0)} MB`);

    // 3. start-up with the compiled archive
    log('3/7 start-up: feedwright serve on the compiled archive');
    let serving = await startServe(dir, 'serve-1-origin');
    const afterStartup = memoryOf(serving.child.pid as number);
    results.startup = { firstOkSeconds: serving.firstOkSeconds, firstResponseSeconds: serving.firstResponseSeconds, healthReadySeconds: serving.healthReadySeconds };
    log(`   first response ${serving.firstResponseSeconds} s, first 200 on /rss.xml ${serving.firstOkSeconds} s, /healthz ready ${serving.healthReadySeconds} s; RSS ${afterStartup.rssMB} MB`);

    // 4. serving one busy feed: feedwright (A) against the raw node:http baseline (B), A B A B
    log('4/7 serving /rss.xml at 64 connections');
    const feedPathName = '/rss.xml';
    const capture = await captureDocument(serving.port, feedPathName);
    const captureFile = join(dir, 'baseline-capture.json');
    writeFileSync(captureFile, JSON.stringify(capture));
    const base = spawnNode('baseline', join(DIST, 'bench', 'baseline-server.js'), [captureFile, '0', HOST]);
    const basePort = Number((await waitForLine(base.lines, /^listening (\d+)/, base.exited, 10_000, 'the baseline server'))[1]);
    // The baseline must answer the same bytes and headers.
    const sameAnswers: string[] = [];
    for (const coding of ['identity', 'gzip', 'br'] as const) {
      const a = await get(serving.port, feedPathName, CODING_HEADER[coding]);
      const b = await get(basePort, feedPathName, CODING_HEADER[coding]);
      const ha = JSON.stringify(capturedHeaders(a.rawHeaders));
      const hb = JSON.stringify(capturedHeaders(b.rawHeaders));
      if (!a.body.equals(b.body) || ha !== hb) sameAnswers.push(coding);
    }
    if (sameAnswers.length > 0) throw new Error(`the baseline does not answer like feedwright for ${sameAnswers.join(', ')}`);
    const peer = spawnNode('peer', join(DIST, 'bench', 'peer-server.js'), [dir, '0', HOST, '']);
    const peerLine = await waitForLine(peer.lines, /^listening (\d+) compression=(yes|no)/, peer.exited, 120_000, 'the peer server');
    const peerPort = Number(peerLine[1]);
    const peerCompression = peerLine[2] === 'yes';
    const peerEtag = async (path: string) => (await get(peerPort, path, { 'accept-encoding': 'gzip' })).headers.etag ?? '"none"';
    const peerEtags = { render: await peerEtag('/render/rss.xml'), cached: await peerEtag('/cached/rss.xml') };

    const gzipEtag = `"${capture.etags[1] as string}"`;
    const modes: { key: string; headers: Record<string, string>; expect: '2xx' | '3xx' }[] = [
      { key: 'gzip', headers: { 'accept-encoding': 'gzip' }, expect: '2xx' as const },
      { key: 'identity', headers: {}, expect: '2xx' as const },
      { key: 'notModified', headers: { 'accept-encoding': 'gzip', 'if-none-match': gzipEtag }, expect: '3xx' as const },
    ];
    const urlA = `http://${HOST}:${serving.port}${feedPathName}`;
    const urlB = `http://${HOST}:${basePort}${feedPathName}`;
    log(`   warm-up (1 s each); feedwright :${serving.port}, baseline :${basePort}, peer :${peerPort} (compression ${peerCompression ? 'on' : 'not installed'})`);
    await load(urlA, 1, modes[0]!.headers, '2xx');
    await load(urlB, 1, modes[0]!.headers, '2xx');
    const serve: Json = {
      path: feedPathName,
      bytes: { identity: Buffer.from(capture.variants.identity.body, 'base64').length, gzip: Buffer.from(capture.variants.gzip.body, 'base64').length, br: Buffer.from(capture.variants.br.body, 'base64').length },
      runSeconds: seconds,
      pairs,
      peer: { compression: peerCompression, note: peerCompression ? 'compression middleware, per request' : 'the compression package is not installed: the peer answers gzip requests uncompressed' },
    };
    results.serve = serve;
    for (const mode of modes) {
      const runsA: Run[] = [];
      const runsB: Run[] = [];
      for (let i = 0; i < pairs; i += 1) {
        runsA.push(await load(urlA, seconds, mode.headers, mode.expect));
        runsB.push(await load(urlB, seconds, mode.headers, mode.expect));
        log(`   ${mode.key} pair ${i + 1}/${pairs}: feedwright ${runsA[i]!.rps} req/s (p99 ${runsA[i]!.p99Ms} ms), baseline ${runsB[i]!.rps} req/s (p99 ${runsB[i]!.p99Ms} ms)`);
      }
      const peerHeaders = (which: 'render' | 'cached'): Record<string, string> => (mode.key === 'notModified' ? { 'accept-encoding': 'gzip', 'if-none-match': peerEtags[which] } : mode.headers);
      const c = await load(`http://${HOST}:${peerPort}/render/rss.xml`, seconds, peerHeaders('render'), mode.expect);
      const d = await load(`http://${HOST}:${peerPort}/cached/rss.xml`, seconds, peerHeaders('cached'), mode.expect);
      log(`   ${mode.key} peer: express+feed per request ${c.rps} req/s (p99 ${c.p99Ms} ms, ${c.timeouts} timeouts), cached ${d.rps} req/s (p99 ${d.p99Ms} ms)`);
      const wrong = [...runsA, ...runsB].filter((r) => r.expected < r.total * 0.99 || r.errors > 0);
      serve[mode.key] = {
        ratio: round(median(runsA.map((r, i) => r.rps / runsB[i]!.rps)), 3),
        p99Ms: median(runsA.map((r) => r.p99Ms)),
        feedwrightRps: median(runsA.map((r) => r.rps)),
        baselineRps: median(runsB.map((r) => r.rps)),
        baselineP99Ms: median(runsB.map((r) => r.p99Ms)),
        peerRps: c.rps,
        peerP99Ms: c.p99Ms,
        peerTimeouts: c.timeouts,
        peerCachedRps: d.rps,
        peerCachedP99Ms: d.p99Ms,
        runsWithUnexpectedAnswers: wrong.length,
        runs: { feedwright: runsA, baseline: runsB, peer: c, peerCached: d },
      };
    }
    await stopChild(base.child, base.exited);
    await stopChild(peer.child, peer.exited);

    // 5a. memory with one origin: after start-up, after touching every document, under load
    log('5/7 memory (1 origin): touching every document once, then load on the hot feed');
    const touched1 = await withTimeout(touchAll(serving.port, [undefined]), 15 * 60_000, 'touching every document');
    const afterTouch = memoryOf(serving.child.pid as number);
    await load(urlA, seconds, modes[0]!.headers, '2xx');
    const afterLoad = memoryOf(serving.child.pid as number);
    const memory: Json = {
      oneOriginMB: Math.max(afterTouch.rssMB, afterLoad.rssMB),
      oneOrigin: { afterStartupMB: afterStartup.rssMB, afterTouchAllMB: afterTouch.rssMB, afterLoadMB: afterLoad.rssMB, peakMB: afterLoad.hwmMB, documentsTouched: touched1.requests, ok: touched1.ok },
    };
    results.memory = memory;
    log(`   ${touched1.ok}/${touched1.requests} documents answered 200; RSS after start-up ${afterStartup.rssMB} MB, after touching all ${afterTouch.rssMB} MB, after load ${afterLoad.rssMB} MB (peak ${afterLoad.hwmMB} MB)`);
    await stopChild(serving.child, serving.exited);

    // 6. incremental: one new article, one edit, one removal through the article writer, first
    // with the service wired as `serve` wires it (article files are a source, so every compile
    // also scans data/articles/), then without the file source (only the writer feeds the store).
    log('6/7 incremental compile in this process, through service.writer');
    for (const withFiles of [true, false]) {
      const site = loadSiteConfig(dir);
      // The folders and memory budget `feedwright serve --data DIR` would use.
      const { port: _port, host: _host, dataDir: _dataDir, articlesDir, ...storage } = loadRuntimeConfig({ data: dir }, process.env, ROOT);
      service = createService({ site, ...storage, ...(withFiles ? { articlesDir } : {}), databaseFile: join(dir, 'feedwright.db'), publicDir: join(ROOT, 'public'), schedule: false, log: () => {} });
      const svc = service;
      const port = await svc.listen(0, HOST);
      const r0 = performance.now();
      const first = await withTimeout(svc.compiler.compile(), 30 * 60_000, 'the first compile of the in-process service');
      const restartSeconds = round((performance.now() - r0) / 1000);
      log(`   ${withFiles ? 'with' : 'without'} the article-file source: first compile of a fresh service on the compiled store ${restartSeconds} s (${first.feedsRendered} feeds rendered, ${first.documents} documents)`);
      const figures = await incremental(svc, port, site.idPrefix, withFiles ? 1 : 2);
      if (withFiles) {
        compile.restartCompileSeconds = restartSeconds;
        compile.incremental = figures;
      } else (compile.incremental as Json).withoutFileSource = { restartCompileSeconds: restartSeconds, ...figures };
      await svc.close();
      service = undefined;
    }

    // 5b. three origins: cold compile again, serve, touch every document on every origin
    log('5/7 memory (3 origins): rewriting site.json, cold compile, serve, touch every document on every origin');
    await writeSiteConfig(dir, 3);
    const cold3 = await coldCompile(dir, 'compile-3-origins');
    compile.coldThreeOrigins = { wallSeconds: round(cold3.wallMs / 1000), cpuSeconds: round(cold3.cpuMs / 1000), peakRssMB: round(cold3.peakRssMB, 1), feeds: cold3.feeds, documents: cold3.report.documents };
    log(`   3-origin cold compile: ${cold3.report.documents} documents in ${(cold3.wallMs / 1000).toFixed(2)} s wall, ${(cold3.cpuMs / 1000).toFixed(2)} s CPU, peak ${cold3.peakRssMB.toFixed(0)} MB`);
    serving = await startServe(dir, 'serve-3-origins');
    const startup3 = memoryOf(serving.child.pid as number);
    (results.startup as Json).threeOrigins = { firstOkSeconds: serving.firstOkSeconds, healthReadySeconds: serving.healthReadySeconds };
    const cfg = siteConfig(3);
    const hosts = [cfg.origin as string, ...(cfg.alternateOrigins as string[])].map((o) => new URL(o).host);
    const touched3 = await withTimeout(touchAll(serving.port, hosts), 15 * 60_000, 'touching every document on every origin');
    const afterTouch3 = memoryOf(serving.child.pid as number);
    await load(urlA.replace(/:\d+\//, `:${serving.port}/`), seconds, modes[0]!.headers, '2xx');
    const afterLoad3 = memoryOf(serving.child.pid as number);
    memory.threeOriginsMB = Math.max(afterTouch3.rssMB, afterLoad3.rssMB);
    memory.threeOrigins = { afterStartupMB: startup3.rssMB, afterTouchAllMB: afterTouch3.rssMB, afterLoadMB: afterLoad3.rssMB, peakMB: afterLoad3.hwmMB, documentsTouched: touched3.requests, ok: touched3.ok };
    log(`   ${touched3.ok}/${touched3.requests} documents answered 200; RSS after start-up ${startup3.rssMB} MB, after touching all ${afterTouch3.rssMB} MB, after load ${afterLoad3.rssMB} MB (peak ${afterLoad3.hwmMB} MB)`);
    await stopChild(serving.child, serving.exited);
  } catch (err) {
    failure = err;
    results.error = (err as Error).stack ?? String(err);
    log(`FAILED: ${(err as Error).message}`);
  } finally {
    killAll();
    if (service) await service.close().catch(() => undefined);
    agent.destroy();
  }

  // 7. the table and the JSON
  log('7/7 results');
  results.finishedAt = new Date().toISOString();
  if (buildFingerprint() !== build) {
    (results.params as Json).buildChangedDuringRun = true;
    log('WARNING: dist/src was rebuilt during the run: the figures mix two builds');
  }
  results.targets = evaluate(results);
  process.stdout.write(`${renderTable(results)}\n`);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${args.out}`);
  if (args.keep || failure !== undefined) log(`kept the data folder ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return failure === undefined ? 0 : 1;
}

// ---- the report ---------------------------------------------------------------------------

function at(obj: Json, path: string): number | undefined {
  let cur: unknown = obj;
  for (const k of path.split('.')) cur = typeof cur === 'object' && cur !== null ? (cur as Json)[k] : undefined;
  return typeof cur === 'number' ? cur : undefined;
}

interface Target {
  key: string;
  label: string;
  value: number | null;
  unit: string;
  op: '>=' | '<=' | '==';
  limit: number;
  pass: boolean | null;
}

function evaluate(r: Json): Target[] {
  const spec: [string, string, string, Target['op'], number][] = [
    ['serve.gzip.ratio', 'serving gzip, feedwright / raw node:http', '×', '>=', 0.85],
    ['serve.notModified.ratio', 'serving 304, feedwright / raw node:http', '×', '>=', 0.85],
    ['serve.identity.ratio', 'serving identity, feedwright / raw node:http', '×', '>=', 0.85],
    ['compile.cold.wallSeconds', 'cold compile, 1 origin, wall', 's', '<=', 10],
    ['compile.incremental.visibleMs', 'write → visible in all its feeds (worst of new/edit/removal)', 'ms', '<=', 1000],
    ['compile.incremental.unaffectedChanged', 'unaffected documents whose ETag changed', '', '==', 0],
    ['startup.firstOkSeconds', 'start-up with a compiled archive to first 200', 's', '<=', 2],
    ['memory.oneOriginMB', 'resident memory serving, 1 origin', 'MB', '<=', 400],
    ['memory.threeOriginsMB', 'resident memory serving, 3 origins', 'MB', '<=', 700],
  ];
  return spec.map(([key, label, unit, op, limit]) => {
    const value = at(r, key);
    const pass = value === undefined ? null : op === '>=' ? value >= limit : op === '<=' ? value <= limit : value === limit;
    return { key, label, value: value ?? null, unit, op, limit, pass };
  });
}

function renderTable(r: Json): string {
  const m = r.machine as Json;
  const p = r.params as Json;
  const n = (key: string, digits = 2) => {
    const v = at(r, key);
    return v === undefined ? '—' : String(round(v, digits));
  };
  const lines: string[] = [];
  lines.push(`### feedwright benchmark — ${String(p.articles)} articles${p.quick ? ' (--quick)' : ''}, ${String(r.finishedAt ?? '')}`);
  lines.push('');
  lines.push(`Machine: ${String(m.cpu)}, ${String(m.cores)} cores, ${String(m.memoryGB)} GB, Node ${String(m.node)}, ${String(m.os)}. Load: ${String(p.loadGenerator)}, 64 connections, ${String(p.runSeconds)} s runs, ${String(p.pairs)} A/B pairs per mode, 127.0.0.1.`);
  lines.push('');
  lines.push('| target | value | goal | result |');
  lines.push('|---|---|---|---|');
  for (const t of r.targets as Target[]) {
    const goal = `${t.op === '>=' ? '≥' : t.op === '<=' ? '≤' : '='} ${t.limit}${t.unit ? ` ${t.unit}` : ''}`;
    const value = t.value === null ? '—' : `${round(t.value, t.unit === '×' ? 3 : 2)}${t.unit ? ` ${t.unit}` : ''}`;
    lines.push(`| ${t.label} (\`${t.key}\`) | ${value} | ${goal} | ${t.pass === null ? 'not measured' : t.pass ? 'pass' : 'MISS'} |`);
  }
  lines.push('');
  const serve = r.serve as Json | undefined;
  if (serve) {
    const peer = serve.peer as Json;
    lines.push(`Serving \`${String(serve.path)}\` (${n('serve.bytes.identity', 0)} B, gzip ${n('serve.bytes.gzip', 0)} B, br ${n('serve.bytes.br', 0)} B): median req/s and p99 latency.`);
    lines.push('');
    lines.push('| mode | A feedwright req/s | B raw node:http req/s | A/B (median of pairs) | A p99 ms | B p99 ms | C Express+feed per request req/s | D Express, cached string req/s |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const mode of ['gzip', 'identity', 'notModified']) {
      if (serve[mode] === undefined) continue;
      const k = `serve.${mode}`;
      lines.push(`| ${mode === 'notModified' ? '304' : mode} | ${n(`${k}.feedwrightRps`, 0)} | ${n(`${k}.baselineRps`, 0)} | ${n(`${k}.ratio`, 3)} | ${n(`${k}.p99Ms`)} | ${n(`${k}.baselineP99Ms`)} | ${n(`${k}.peerRps`, 0)} (p99 ${n(`${k}.peerP99Ms`)} ms${at(r, `${k}.peerTimeouts`) ? `, ${n(`${k}.peerTimeouts`, 0)} timeouts` : ''}) | ${n(`${k}.peerCachedRps`, 0)} |`);
    }
    lines.push('');
    lines.push(`C and D: ${String(peer.note)}.`);
    if (String(p.loadGenerator).startsWith('autocannon')) {
      lines.push('');
      lines.push('Note: autocannon parses responses in JavaScript and tops out far below the servers on large bodies, so the gzip and identity ratios above are bound by the load generator (both sides look alike). Install wrk (`apt-get install wrk`) and the benchmark uses it.');
    }
    lines.push('');
  }
  lines.push('| other figures | value |');
  lines.push('|---|---|');
  const rows: [string, string][] = [
    ['archive', `${n('archive.articles', 0)} articles, ${n('archive.megabytes', 1)} MB, ${n('archive.sections', 0)} sections, ${n('archive.tags', 0)} tags (generated in ${n('archive.generateSeconds', 1)} s)`],
    ['cold compile, 1 origin', `${n('compile.cold.feeds', 0)} feeds, ${n('compile.cold.documents', 0)} documents; ${n('compile.cold.wallSeconds')} s wall, ${n('compile.cold.cpuSeconds')} s CPU, peak RSS ${n('compile.cold.peakRssMB', 0)} MB`],
    ['cold compile, 3 origins', `${n('compile.coldThreeOrigins.documents', 0)} documents; ${n('compile.coldThreeOrigins.wallSeconds')} s wall, ${n('compile.coldThreeOrigins.cpuSeconds')} s CPU, peak RSS ${n('compile.coldThreeOrigins.peakRssMB', 0)} MB`],
    ['first compile of a restarted process (in-process)', `${n('compile.restartCompileSeconds')} s`],
    ['incremental: new / edit / removal visible (as `serve` is wired: every compile also scans the article files)', `${n('compile.incremental.newArticleMs', 0)} / ${n('compile.incremental.editMs', 0)} / ${n('compile.incremental.removalMs', 0)} ms`],
    ['incremental without the article-file source: new / edit / removal visible', `${n('compile.incremental.withoutFileSource.newArticleMs', 0)} / ${n('compile.incremental.withoutFileSource.editMs', 0)} / ${n('compile.incremental.withoutFileSource.removalMs', 0)} ms (fresh service restored in ${n('compile.incremental.withoutFileSource.restartCompileSeconds')} s)`],
    ['incremental: work', `${n('compile.incremental.feedsRendered', 0)} feeds rendered, ${n('compile.incremental.documentsRendered', 0)} documents (3 compiles); ${n('compile.incremental.changedDocuments', 0)} of ${n('compile.incremental.totalDocuments', 0)} documents changed ETag for ${n('compile.incremental.affectedFeeds', 0)} affected feeds of ${n('compile.incremental.totalFeeds', 0)}; unaffected changed: ${n('compile.incremental.unaffectedChanged', 0)}`],
    ['start-up: first response / first 200 / healthz ready', `${n('startup.firstResponseSeconds', 3)} / ${n('startup.firstOkSeconds', 3)} / ${n('startup.healthReadySeconds', 3)} s (3 origins: first 200 ${n('startup.threeOrigins.firstOkSeconds', 3)} s)`],
    ['memory, 1 origin: after start-up / all touched / under load / peak', `${n('memory.oneOrigin.afterStartupMB', 0)} / ${n('memory.oneOrigin.afterTouchAllMB', 0)} / ${n('memory.oneOrigin.afterLoadMB', 0)} / ${n('memory.oneOrigin.peakMB', 0)} MB (${n('memory.oneOrigin.documentsTouched', 0)} documents)`],
    ['memory, 3 origins: after start-up / all touched / under load / peak', `${n('memory.threeOrigins.afterStartupMB', 0)} / ${n('memory.threeOrigins.afterTouchAllMB', 0)} / ${n('memory.threeOrigins.afterLoadMB', 0)} / ${n('memory.threeOrigins.peakMB', 0)} MB (${n('memory.threeOrigins.documentsTouched', 0)} documents)`],
  ];
  for (const [k, v] of rows) lines.push(`| ${k} | ${v} |`);
  if ((p as Json).buildChangedDuringRun === true) {
    lines.push('');
    lines.push('**Warning:** dist/src was rebuilt while the benchmark ran; the figures mix two builds (a compile and a restart may not share a renderer version).');
  }
  if (r.error !== undefined) {
    lines.push('');
    lines.push(`**The run failed:** ${String(r.error).split('\n')[0]}`);
  }
  return lines.join('\n');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}
process.once('exit', killAll);

main().then(
  (code) => {
    process.exitCode = code;
    // autocannon or a keep-alive socket may hold the loop open; the work is done.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (err: unknown) => {
    killAll();
    console.error(err);
    process.exitCode = 1;
  },
);
