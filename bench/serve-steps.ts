// The benchmark's steps against a running `feedwright serve`: start it (timing start-up to the
// first 200), capture one document's answers for the baseline server, and request every document.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Capture, CapturedVariant } from './baseline-server.js';
import { DIST, HOST, freePort, get, logFile, pool, round, sleep, spawnNode, stopChild, withTimeout } from './plumbing.js';

/** A running `feedwright serve` and how long it took to answer. */
export interface Serving {
  child: ChildProcess;
  exited: Promise<number | null>;
  lines: string[];
  /** When each stdout line arrived (epoch ms). */
  times: number[];
  port: number;
  /** Epoch ms when the process was spawned. */
  spawnedAtEpochMs: number;
  firstResponseSeconds: number;
  firstOkSeconds: number;
  healthReadySeconds: number;
}

/**
 * Starts `feedwright serve --data DIR` on a free port (extra environment in `env`, e.g. the API
 * token) and polls /rss.xml every 20 ms until it answers 200, and /healthz until ready. Throws
 * when the process exits or nothing answers 200 within 15 minutes.
 */
export async function startServe(dir: string, name: string, env: NodeJS.ProcessEnv = {}): Promise<Serving> {
  const port = await freePort();
  const t0 = performance.now();
  const spawnedAtEpochMs = Date.now();
  const { child, exited, lines, times } = spawnNode(name, join(DIST, 'src', 'cli.js'), ['serve', '--data', dir], { ...process.env, ...env, PORT: String(port), HOST });
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
        // Without the token /healthz gives the status only; 200 means the first set is served.
        if (r.status === 200 && (JSON.parse(r.body.toString('utf8')) as { status?: string }).status !== 'starting') healthReady = (performance.now() - t0) / 1000;
      } catch {
        // not listening yet
      }
      if (Number.isNaN(healthReady)) await sleep(20);
    }
  })();
  while (Number.isNaN(firstOk)) {
    if (exitedEarly) throw new Error(`feedwright serve exited during start-up; see ${logFile(name)}`);
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
  return { child, exited, lines, times, port, spawnedAtEpochMs, firstResponseSeconds: round(firstResponse, 3), firstOkSeconds: round(firstOk, 3), healthReadySeconds: round(healthReady, 3) };
}

const DROP_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** The response headers as feedwright wrote them (case kept), minus those Node adds itself. */
export function capturedHeaders(raw: string[]): Record<string, string | string[]> {
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

/** A response coding (RFC 9110 §8.4.1). */
export type Coding = 'identity' | 'gzip' | 'br';
/** The Accept-Encoding that asks for each coding. */
export const CODING_HEADER: Record<Coding, Record<string, string>> = { identity: {}, gzip: { 'accept-encoding': 'gzip' }, br: { 'accept-encoding': 'br' } };

/** Fetches one path from feedwright in the three codings, with the 304 of each; throws on any other answer. */
export async function captureDocument(port: number, path: string): Promise<Capture> {
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

/** Requests every document once (all feeds from /feeds.opml in three formats and their preview pages, plus the directory) per Host, gzip. */
export async function touchAll(port: number, hosts: (string | undefined)[]): Promise<{ requests: number; ok: number; bytes: number }> {
  const opml = await get(port, '/feeds.opml', { 'accept-encoding': 'gzip' });
  const plain = await get(port, '/feeds.opml');
  const paths = new Set<string>(['/', '/feeds.opml']);
  for (const m of plain.body.toString('utf8').matchAll(/xmlUrl="([^"]*)"/g)) {
    const url = new URL((m[1] as string).replace(/&amp;/g, '&'));
    const base = url.pathname.slice(0, -'rss.xml'.length);
    for (const f of ['rss.xml', 'atom.xml', 'feed.json', 'feed.html']) paths.add(base + f);
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
