// The benchmark's compile figures: the cold compile and the cold import (each in a child process
// of its own), the full re-render as `serve` does it after a settings change (a restart of
// `feedwright serve` with a changed site.json: it serves the old set at once and renders every
// feed in its worker pool), and the cost of each response coding over every document.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeSiteConfig } from './generate.js';
import { DIST, get, logFile, memoryOf, round, sleep, spawnNode, stopChild, waitForLineAt, withTimeout } from './plumbing.js';
import { startServe, type Serving } from './serve-steps.js';
import type { CodingCosts } from './coding-costs.js';

/** What compile-child.js prints. */
export interface CompileChildResult {
  wallMs: number;
  cpuMs: number;
  /** Peak resident memory until the publish, MB. */
  peakRssMB: number;
  /** The brotli bodies made after the publish, before the child exits (as `feedwright compile` does). */
  brotli: { documents: number; wallMs: number; cpuMs: number; peakRssMB: number };
  origins: number;
  report: { ok: boolean; published: boolean; durationMs: number; articlesChanged: number; feedsRendered: number; feedsChanged: number; documents: number; problems: number; failedFeeds: number; error?: string };
  feeds: number;
  paths: number;
  articles: number;
}

/** Runs `node script args` and parses its last JSON line; throws when it fails or runs 30 minutes. */
async function childJson<T>(name: string, script: string, args: string[]): Promise<T> {
  const { child, lines, exited } = spawnNode(name, join(DIST, 'bench', script), args);
  const code = await withTimeout(exited, 30 * 60_000, `the ${name} child`).catch(async (err: unknown) => {
    await stopChild(child, exited);
    throw err;
  });
  const last = lines.filter((l) => l.startsWith('{')).pop();
  if (code !== 0 || last === undefined) throw new Error(`the ${name} child exited with ${code}; see ${logFile(name)}`);
  return JSON.parse(last) as T;
}

/** The cold compile (import and render of every feed, one process): see compile-child.ts. Throws when it did not publish. */
export async function coldCompile(dir: string, name: string): Promise<CompileChildResult> {
  const r = await childJson<CompileChildResult>(name, 'compile-child.js', [dir]);
  if (!r.report.published) throw new Error(`the cold compile did not publish: ${r.report.error ?? 'no error given'}`);
  return r;
}

/** What import-child.js prints. */
export interface ImportResult {
  wallMs: number;
  cpuMs: number;
  peakRssMB: number;
  files: number;
  filesRead: number;
  changes: number;
  problems: number;
  articles: number;
  threads: number;
}

/** The first import of every article file of `dir` into an empty store (a scratch folder, deleted after). */
export async function coldImport(dir: string, name: string): Promise<ImportResult> {
  const scratch = join(dir, 'import-scratch');
  mkdirSync(scratch, { recursive: true });
  try {
    const r = await childJson<ImportResult>(name, 'import-child.js', [dir, scratch]);
    if (r.articles !== r.files - r.problems) throw new Error(`the cold import stored ${r.articles} articles from ${r.files} files (${r.problems} problems)`);
    return r;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** A full re-render as serve does it, and the server left running. */
export interface FullRerender {
  serving: Serving;
  /** From spawning `serve` to the publish of the re-rendered set, s. */
  wallSeconds: number;
  /** From serve listening (its compile starts) to the publish, s. */
  compileSeconds: number;
  /** Epoch ms of the publish (/healthz `published.at`). */
  publishedAtEpochMs: number;
  feeds: number;
  /** Documents × origins in the published set (from /healthz). */
  documents: number;
  /** Peak resident memory of the serve process (all its threads) up to the publish (seen ≤ 50 ms after), MB. */
  peakMB: number;
}

/**
 * Changes the settings (site.json with `origins` and the description of settings `revision`, so
 * every feed's digest changes), starts `feedwright serve` on the already-compiled store and waits
 * until it has published every feed re-rendered. `hooks.onListening` runs once the old set is
 * served (the benchmark starts its readers there; awaited before returning), `hooks.onPublished`
 * once the new set is. Checks that the re-rendered /rss.xml is served in
 * identity and gzip with the new settings; throws if not, or if nothing publishes in 30 minutes.
 */
export async function fullRerender(dir: string, name: string, origins: 1 | 3, revision: number, env: NodeJS.ProcessEnv, hooks: { onListening?: (s: Serving) => Promise<void>; onPublished?: () => void } = {}): Promise<FullRerender> {
  // /healthz gives the publish's generation and time only with the API token.
  const token = env.FEEDWRIGHT_API_TOKEN;
  if (token === undefined || token === '') throw new Error(`${name}: fullRerender reads /healthz details, which need FEEDWRIGHT_API_TOKEN in env`);
  await writeSiteConfig(dir, origins, revision);
  const serving = await startServe(dir, name, env);
  const listening = hooks.onListening?.(serving);
  // Serve prints this once listening, just before its first compile starts.
  const { atEpochMs: compileStartEpochMs } = await waitForLineAt(serving, /^feedwright serving /, 60_000, 'feedwright serve');
  // The restored set is generation 1; the re-rendered one is the next publish. /healthz gives its
  // exact time. (serve's own "first compile" line reports the last of the compiles that ran
  // back to back, so it is not used for timing.)
  const deadline = performance.now() + 30 * 60_000;
  let published: { generation: number; at: string; feeds: number; documents: number } | undefined;
  for (;;) {
    const h = await get(serving.port, '/healthz', { authorization: `Bearer ${token}` }, 30_000).catch(() => undefined);
    const p = h?.status === 200 ? (JSON.parse(h.body.toString('utf8')) as { published?: typeof published }).published : undefined;
    if (p !== undefined && p.generation >= 2) {
      published = p;
      break;
    }
    if (serving.lines.some((l) => /^(first compile |serving the )/.test(l)) && (p?.generation ?? 0) < 2) throw new Error(`${name}: the first compile after the settings change published nothing new (generation ${p?.generation}); see ${logFile(name)}`);
    if (performance.now() > deadline) throw new Error(`${name}: no publish within 30 minutes`);
    await sleep(50);
  }
  const peakMB = memoryOf(serving.child.pid as number).hwmMB;
  const publishedAtEpochMs = Date.parse(published.at);
  hooks.onPublished?.();
  await listening;
  const marker = `settings revision ${revision}`;
  const identity = await get(serving.port, '/rss.xml');
  const gzip = await get(serving.port, '/rss.xml', { 'accept-encoding': 'gzip' });
  if (identity.status !== 200 || !identity.body.toString('utf8').includes(marker)) throw new Error(`after the full re-render /rss.xml (identity) answered ${identity.status} without "${marker}"`);
  if (gzip.status !== 200 || gzip.headers['content-encoding'] !== 'gzip' || !gunzipSync(gzip.body).toString('utf8').includes(marker)) throw new Error(`after the full re-render /rss.xml (gzip) is not the new document`);
  return {
    serving,
    wallSeconds: round((publishedAtEpochMs - serving.spawnedAtEpochMs) / 1000),
    compileSeconds: round((publishedAtEpochMs - compileStartEpochMs) / 1000),
    publishedAtEpochMs,
    feeds: published.feeds,
    documents: published.documents,
    peakMB,
  };
}

/** Bytes and CPU seconds per coding over every body in `documentsDir` (see coding-costs.ts). */
export function measureCodings(documentsDir: string, name: string): Promise<CodingCosts> {
  return childJson<CodingCosts>(name, 'coding-costs.js', [documentsDir]);
}
