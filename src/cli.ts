#!/usr/bin/env node
// The feedwright command: serve, compile, check. The only place that reads argv and the
// environment and turns them into a running service.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { FeedwrightError } from './core/errors.js';
import { loadRuntimeConfig, loadSiteConfig, type RuntimeConfig } from './config.js';
import { checkArticleFiles, formatProblem } from './compile/source-files.js';
import { progressReporter } from './progress.js';
import { createService } from './service.js';
import { runImport } from './import/import-command.js';
import { openPgStore } from './store/pg-store.js';
import { createClusterService, type ClusterService } from './cluster/cluster-service.js';
import type { SiteConfig } from './core/site.js';
import type { CompileReport, PublishedSet } from './compile/compiler.js';

/** The package root: two levels up from dist/src/cli.js, one from src/cli.ts under tsx. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const HELP: Record<string, string> = {
  main: `feedwright: compiles articles into RSS 2.0, Atom 1.0 and JSON Feed 1.1 and serves them.

Usage: feedwright <command> [--data DIR]

Commands:
  serve     serve the feeds over HTTP and compile them on the schedule in site.json
  compile   compile once, print what was written, exit
  check     validate site.json and every article file, print every problem, exit 1 if any
  import    import an RSS 2.0, RSS 1.0/RDF or Atom feed (file or URL), keeping its item ids

Options:
  --data DIR           the data folder (site.json, articles/, feedwright.db); default: FEEDWRIGHT_DATA or ./data
  --database-url URL   keep the store in PostgreSQL (postgres://…), not data/feedwright.db, so several
                       instances can share it; default: DATABASE_URL (unset: the SQLite file)
  --help               show help for a command
`,
  serve: `Usage: feedwright serve [--data DIR] [--database-url URL]

Serves every feed on PORT (default 3000) and HOST (default all interfaces) and compiles on the
schedule of site.json. The server answers at once: /healthz says 503 until the first compile
has published. SIGTERM or SIGINT stops the schedule, finishes requests in flight and exits 0.
With a database URL the instance joins the instances sharing that store: it serves the published
set from the database at once, one instance compiles for all (see docs/scaling.md).
`,
  compile: `Usage: feedwright compile [--data DIR] [--database-url URL]

Reads data/articles/ into the store, renders every changed feed, prints what it wrote and
exits: 0 when everything published, 1 when a file was skipped or a feed failed. With a database
URL it compiles only when no running instance is the cluster's compiler (else exits 1 saying so).
`,
  import: `Usage: feedwright import <file-or-url> [--data DIR] [--database-url URL]

Reads an RSS 2.0, RSS 1.0/RDF or Atom 1.0 feed (a file, or an http(s) URL: 30 s and 100 MB at
most) and stores each item as an article whose guid stays its id in every feed, so readers see
no duplicates after the move. Prints how many items were imported, updated, unchanged and
skipped (and why), and publishes them. Importing the same feed again changes nothing. Writes are
one transaction per batch of 200 items. Exits 1 when an item was skipped. A running server
publishes imported articles at its next compile after a restart (it learns of other processes'
writes when it starts). With a database URL the import only writes: the instance that compiles
for the cluster publishes the articles within about a second.
`,
  check: `Usage: feedwright check [--data DIR]

Validates site.json and every file in articles/ without writing anything; prints every
problem with its file and field; exits 1 if there is any.
`,
};

interface Args {
  command: string;
  source?: string;
  data?: string;
  databaseUrl?: string;
  help: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: '', help: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--data') {
      const v = argv[i + 1];
      if (v === undefined) throw new FeedwrightError('USAGE', '--data needs a folder');
      args.data = v;
      i += 1;
    } else if (a.startsWith('--data=')) args.data = a.slice('--data='.length);
    else if (a === '--database-url') {
      const v = argv[i + 1];
      if (v === undefined) throw new FeedwrightError('USAGE', '--database-url needs a postgres:// URL');
      args.databaseUrl = v;
      i += 1;
    } else if (a.startsWith('--database-url=')) args.databaseUrl = a.slice('--database-url='.length);
    else if (a.startsWith('-')) throw new FeedwrightError('USAGE', `unknown option ${a}`);
    else if (args.command === '') args.command = a;
    else if (args.command === 'import' && args.source === undefined) args.source = a;
    else throw new FeedwrightError('USAGE', `unexpected argument ${a}`);
  }
  return args;
}

/**
 * Where a single instance keeps its data (the SQLite file and document folder) and how many
 * render threads it runs. With a database URL the commands run as an instance of a cluster instead
 * (see clusterService).
 */
function storage(runtime: RuntimeConfig) {
  return { databaseFile: runtime.databaseFile, documentsDir: runtime.documentsDir, cacheBytes: runtime.cacheBytes, ...(runtime.renderThreads === undefined ? {} : { renderThreads: runtime.renderThreads }) };
}

/**
 * One instance of a cluster on the PostgreSQL store at `runtime.databaseUrl` (src/cluster):
 * `campaign` says whether it competes to be the cluster's compiler. Throws a FeedwrightError
 * `STORE_OPEN` when the store cannot be opened.
 */
async function clusterService(runtime: RuntimeConfig & { databaseUrl: string }, site: SiteConfig, campaign: boolean, log: (line: string) => void, schedule = true): Promise<ClusterService> {
  const store = await openPgStore(runtime.databaseUrl, { idPrefix: site.idPrefix, log });
  return createClusterService({
    site,
    store,
    documentsDir: runtime.documentsDir,
    cacheBytes: runtime.cacheBytes,
    campaign,
    schedule,
    articlesDir: runtime.articlesDir,
    publicDir: runtime.publicDir,
    log,
    ...(runtime.renderThreads === undefined ? {} : { renderThreads: runtime.renderThreads }),
    ...(runtime.apiToken ? { apiToken: runtime.apiToken } : {}),
  });
}

/** Runs until SIGTERM or SIGINT, then closes `close` and resolves. */
function untilStopped(close: () => Promise<void>): { stopped: Promise<void>; stopping: () => boolean } {
  let stopping = false;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`${signal}: finishing requests in flight and stopping`);
      void close().then(resolveStop);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return { stopped, stopping: () => stopping };
}

/** What the compile command prints: problems on stderr, every document (path, sizes, ETag) and a summary on stdout. */
function printCompiled(report: CompileReport, set: PublishedSet | undefined, site: SiteConfig): void {
  for (const p of report.problems) console.error(`skipped ${formatProblem(p)}`);
  for (const f of report.failedFeeds) console.error(`feed ${f.scope || '(site)'} failed: ${f.error}`);
  if (report.error) console.error(report.error);
  if (!set) return;
  for (const [path, docs] of [...set.documents].sort(([a], [b]) => a.localeCompare(b))) {
    const d = docs[0];
    if (d) console.log(`${path}  ${d.sizes.identity} bytes  gzip ${d.sizes.gzip}  br ${d.sizes.br}  ${d.identity.headers200.ETag as string}`);
  }
  console.log(`compiled ${set.feeds.length} feeds from ${set.articles} articles: ${report.feedsChanged.length} changed, ${set.documents.size} documents × ${site.origins.length} origin(s) in ${report.durationMs} ms`);
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.command === '' || !(args.command in HELP) || args.command === 'main') {
    process.stdout.write(HELP.main as string);
    return args.command === '' && args.help ? 0 : args.command === '' ? 0 : 2;
  }
  if (args.help) {
    process.stdout.write(HELP[args.command] as string);
    return 0;
  }
  const root = packageRoot();
  const runtime = loadRuntimeConfig({ ...(args.data === undefined ? {} : { data: args.data }), ...(args.databaseUrl === undefined ? {} : { databaseUrl: args.databaseUrl }) }, process.env, root);

  if (args.command === 'check') {
    let problems = 0;
    let site;
    try {
      site = loadSiteConfig(runtime.dataDir);
    } catch (err) {
      // The message names site.json (or the key) already.
      console.error(`feedwright: ${(err as Error).message}`);
      return 1;
    }
    const result = await checkArticleFiles(runtime.articlesDir, site.timeZone, site.idPrefix);
    for (const p of result.problems) console.error(formatProblem(p));
    problems += result.problems.length;
    console.log(`checked site.json and ${result.files} article file(s) in ${runtime.articlesDir}: ${problems === 0 ? 'no problems' : `${problems} problem(s)`}`);
    return problems === 0 ? 0 : 1;
  }

  const site = loadSiteConfig(runtime.dataDir);
  const databaseUrl = runtime.databaseUrl;
  if (args.command === 'compile' && databaseUrl !== undefined) {
    // In a cluster one instance compiles: this command only when no instance holds the lock.
    const service = await clusterService({ ...runtime, databaseUrl }, site, true, () => {}, false);
    await service.node.start();
    const compiler = await Promise.race([service.node.whenCompiler(), new Promise<undefined>((r) => setTimeout(r, 5000))]);
    if (compiler === undefined) {
      console.error('feedwright: another instance is the cluster\'s compiler (it holds the compiler lock) and compiles every change itself; nothing compiled here');
      await service.close();
      return 1;
    }
    const report = await compiler.compile();
    await compiler.brotliSettled();
    printCompiled(report, compiler.current(), site);
    await service.close();
    return report.ok && report.problems.length === 0 ? 0 : 1;
  }
  if (args.command === 'compile') {
    const progress = progressReporter(process.stderr);
    const labels = { read: 'reading article files', render: 'rendering feeds' } as const;
    const service = createService({
      site,
      ...storage(runtime),
      articlesDir: runtime.articlesDir,
      publicDir: runtime.publicDir,
      schedule: false,
      log: () => {},
      compileProgress: (step, done, total) => progress.report(labels[step], done, total),
    });
    const report = await service.compiler.compile();
    progress.end();
    // Nobody serves these documents until the next start: their brotli bodies are made now.
    const brotliTotal = service.compiler.brotliPending();
    // Documents are cheap units: a pipe hears of this only for 1,000 or more.
    const brotliProgress = (done: number) => progress.report('making brotli bodies', done, brotliTotal, 1000);
    const ticker = setInterval(() => brotliProgress(brotliTotal - service.compiler.brotliPending()), 250);
    await service.compiler.brotliSettled();
    clearInterval(ticker);
    brotliProgress(brotliTotal);
    progress.end();
    printCompiled(report, service.compiler.current(), site);
    await service.close();
    return report.ok && report.problems.length === 0 ? 0 : 1;
  }

  if (args.command === 'import') {
    if (args.source === undefined) throw new FeedwrightError('USAGE', 'import needs a feed file or an http(s) URL');
    // In a cluster the import only writes: the store's NOTIFY has the compiling instance publish it.
    const service = databaseUrl !== undefined ? await clusterService({ ...runtime, databaseUrl }, site, false, () => {}) : createService({ site, ...storage(runtime), articlesDir: runtime.articlesDir, publicDir: runtime.publicDir, schedule: false, log: () => {} });
    try {
      const progress = progressReporter(process.stderr);
      const report = await runImport(args.source, service, {
        timeZone: site.timeZone,
        baseUrl: (site.origins[0] as { href: string }).href,
        siteLanguage: site.language,
        progress: (done, total) => progress.report('storing items', done, total),
      });
      progress.end();
      for (const sk of report.skipped) console.error(`skipped item ${sk.index + 1}${sk.guid ? ` (${sk.guid})` : ''}: ${sk.reason}`);
      console.log(`imported ${report.imported}, updated ${report.updated}, unchanged ${report.unchanged}, skipped ${report.skipped.length} of ${report.total} items from ${args.source} (${report.format}${report.title ? `: ${report.title}` : ''})`);
      await service.writer.flushed();
      return report.skipped.length === 0 ? 0 : 1;
    } finally {
      await service.close();
    }
  }

  // serve
  const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);
  if (databaseUrl !== undefined) {
    const cluster = await clusterService({ ...runtime, databaseUrl }, site, true, log);
    const port = await cluster.listen(runtime.port, runtime.host);
    const served = cluster.node.current();
    console.log(`feedwright serving ${site.title} on http://${runtime.host === '0.0.0.0' ? 'localhost' : runtime.host}:${port}/ (data: ${runtime.dataDir}, PostgreSQL cluster, ${served ? `published set with ${served.documents.size} documents` : 'no published set yet'})`);
    await untilStopped(() => cluster.close()).stopped;
    return 0;
  }
  const service = createService({ site, ...storage(runtime), articlesDir: runtime.articlesDir, publicDir: runtime.publicDir, log, ...(runtime.apiToken ? { apiToken: runtime.apiToken } : {}) });
  const port = await service.listen(runtime.port, runtime.host);
  console.log(`feedwright serving ${site.title} on http://${runtime.host === '0.0.0.0' ? 'localhost' : runtime.host}:${port}/ (data: ${runtime.dataDir}, schedule "${site.schedule}")`);
  // Signals are handled from the moment the port is open: a deploy's SIGTERM during the first
  // (possibly full) compile finishes requests in flight and exits 0 like any other.
  const { stopped, stopping } = untilStopped(() => service.close());
  const first = await service.compiler.compile().catch((err: unknown) => ({ published: false, error: (err as Error).message }));
  const serving = service.compiler.current();
  // compile() reports the last of back-to-back runs (a schedule tick during it is folded in), so
  // this line says what is served rather than what one run did.
  if (stopping()) {
    // stopping: say nothing more
  } else if (serving) console.log(`first compile done: serving ${serving.feeds.length} feeds from ${serving.articles} articles (set ${serving.generation})`);
  else console.log(`first compile did not publish (${first.error ?? 'see above'}); the next scheduled compile tries again`);
  await stopped;
  return 0;
}

// A reader that closes the pipe early (`feedwright compile | head`) is not an error: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof FeedwrightError) console.error(`feedwright: ${err.message}`);
    else console.error(err);
    process.exitCode = err instanceof FeedwrightError && err.code === 'USAGE' ? 2 : 1;
  },
);

