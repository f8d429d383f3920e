// `feedwright compile`: compile once and say what was done — a summary (counts, time) by
// default, every document with --verbose, one JSON object with --json — with progress on stderr.
import { loadSiteConfig } from '../config.js';
import { formatProblem } from '../compile/source-files.js';
import type { CompileReport, PublishedSet } from '../compile/compiler.js';
import type { SiteConfig } from '../core/site.js';
import { FeedwrightError } from '../core/errors.js';
import { progressReporter } from '../progress.js';
import { pingEventsTo } from '../websub/publisher.js';
import { createService } from '../service.js';
import { clusterService, runtimeOf, storage } from './context.js';
import type { ParsedArgs } from './options.js';
import { count } from '../core/plural.js';

/** How the result is printed. */
interface Output {
  verbose: boolean;
  json: boolean;
  /** When the command started (ms since the epoch), for the total time. */
  startedAt: number;
}

/** One written document, as --verbose and --json list it. */
interface DocumentLine {
  path: string;
  bytes: number;
  gzip: number;
  br: number;
  etag: string;
}

function documentLines(set: PublishedSet): DocumentLine[] {
  const lines: DocumentLine[] = [];
  for (const [path, docs] of [...set.documents].sort(([a], [b]) => a.localeCompare(b))) {
    const d = docs[0];
    if (d) lines.push({ path, bytes: d.sizes.identity, gzip: d.sizes.gzip, br: d.sizes.br, etag: d.identity.headers200.ETag as string });
  }
  return lines;
}

/**
 * The --json object: `ok`, `published`; counts `feeds`, `articles`, `articlesChanged`,
 * `feedsRendered`, `feedsChanged`, `documents` (paths), `origins`, `skipped` (files), `failed`
 * (feeds); times `compileMs` and `totalMs` (milliseconds); `problems` and `failedFeeds` in full;
 * `error` when the compile failed; `documentList` with --verbose.
 */
function jsonSummary(report: CompileReport, set: PublishedSet | undefined, site: SiteConfig, out: Output): Record<string, unknown> {
  return {
    ok: report.ok && report.problems.length === 0,
    published: set !== undefined,
    feeds: set?.feeds.length ?? 0,
    articles: set?.articles ?? 0,
    articlesChanged: report.articlesChanged,
    feedsRendered: report.feedsRendered,
    feedsChanged: report.feedsChanged.length,
    documents: set?.documents.size ?? 0,
    origins: site.origins.length,
    skipped: report.problems.length,
    failed: report.failedFeeds.length,
    compileMs: report.durationMs,
    totalMs: Date.now() - out.startedAt,
    problems: report.problems.map((p) => ({ file: p.file, code: p.code, message: formatProblem(p), fields: p.problems })),
    failedFeeds: report.failedFeeds,
    ...(report.error === undefined ? {} : { error: report.error }),
    ...(out.verbose && set ? { documentList: documentLines(set) } : {}),
  };
}

/** Prints the result: problems on stderr, then the documents (--verbose) and the summary on stdout; or the --json object. */
function printCompiled(report: CompileReport, set: PublishedSet | undefined, site: SiteConfig, out: Output): void {
  if (out.json) {
    console.log(JSON.stringify(jsonSummary(report, set, site, out), null, 2));
    return;
  }
  for (const p of report.problems) console.error(`skipped ${formatProblem(p)}`);
  for (const f of report.failedFeeds) console.error(`feed ${f.scope || '(site)'} failed: ${f.error}`);
  if (report.error) console.error(report.error);
  if (!set) return;
  if (out.verbose) for (const d of documentLines(set)) console.log(`${d.path}  ${count(d.bytes, 'byte')}  gzip ${d.gzip}  br ${d.br}  ${d.etag}`);
  const skipped = report.problems.length > 0 ? `, ${count(report.problems.length, 'file')} skipped` : '';
  const failed = report.failedFeeds.length > 0 ? `, ${count(report.failedFeeds.length, 'feed')} failed` : '';
  const seconds = ((Date.now() - out.startedAt) / 1000).toFixed(1);
  console.log(`compiled ${count(set.feeds.length, 'feed')} from ${count(set.articles, 'article')} (${report.articlesChanged} changed${skipped}): ${count(report.feedsChanged.length, 'feed')} changed${failed}, ${count(set.documents.size, 'document')} × ${count(site.origins.length, 'origin')} in ${report.durationMs} ms (${seconds} s in all)`);
}

/**
 * `feedwright compile [--verbose] [--json]`: resolves 0 when everything published, 1 when a
 * file was skipped, a feed failed, or (with a database URL) another instance is the compiler.
 */
export async function runCompile(args: ParsedArgs): Promise<number> {
  const out: Output = { verbose: args.values.verbose === true, json: args.values.json === true, startedAt: Date.now() };
  const runtime = runtimeOf(args);
  let site: SiteConfig;
  try {
    site = loadSiteConfig(runtime.dataDir, process.env);
  } catch (err) {
    // With --json a broken site.json is an answer too: one object on stdout, exit 1.
    if (!out.json || !(err instanceof FeedwrightError)) throw err;
    console.log(JSON.stringify({ ok: false, error: { code: err.code, message: err.message, ...(err.file === undefined ? {} : { file: err.file }), problems: err.problems } }, null, 2));
    return 1;
  }
  const databaseUrl = runtime.databaseUrl;
  if (databaseUrl !== undefined) {
    // In a cluster one instance compiles: this command only when no instance holds the lock.
    const service = await clusterService({ ...runtime, databaseUrl }, site, true, () => {}, false);
    try {
      await service.node.start();
      const compiler = await Promise.race([service.node.whenCompiler(), new Promise<undefined>((r) => setTimeout(r, 5000))]);
      if (compiler === undefined) {
        console.error('feedwright: another instance is the cluster\'s compiler (it holds the compiler lock) and compiles every change itself; nothing compiled here');
        return 1;
      }
      const report = await compiler.compile();
      await compiler.brotliSettled();
      printCompiled(report, compiler.current(), site, out);
      return report.ok && report.problems.length === 0 ? 0 : 1;
    } finally {
      await service.close();
    }
  }
  // The terminal's bar waits for the command's whole run (from the process's start), not a step's.
  const progress = progressReporter(process.stderr, { start: performance.timeOrigin });
  const labels = { read: 'reading article files', render: 'rendering feeds' } as const;
  const service = createService({
    site,
    ...storage(runtime),
    articlesDir: runtime.articlesDir,
    publicDir: runtime.publicDir,
    schedule: false,
    log: () => {},
    compileProgress: (step, done, total) => progress.report(labels[step], done, total),
    // WebSub pings this compile sends (site.json `hubs`): a hub that fails, and pings still queued
    // when the command exits after its grace period, are said on stderr (stdout is the summary).
    webSub: { observe: pingEventsTo({ warn: (line) => console.error(`feedwright: ${line}`) }) },
  });
  try {
    const report = await service.compiler.compile();
    progress.end();
    // Nobody serves these documents until the next start: their brotli bodies are made now.
    const brotliTotal = service.compiler.brotliPending();
    // Documents are cheap units: a pipe hears of this only for 1,000 or more.
    const brotliProgress = (done: number) => progress.report('making brotli bodies', done, brotliTotal, 1000);
    const ticker = setInterval(() => brotliProgress(brotliTotal - service.compiler.brotliPending()), 250);
    try {
      await service.compiler.brotliSettled();
    } finally {
      clearInterval(ticker);
    }
    brotliProgress(brotliTotal);
    progress.end();
    printCompiled(report, service.compiler.current(), site, out);
    return report.ok && report.problems.length === 0 ? 0 : 1;
  } finally {
    progress.end();
    await service.close();
  }
}
