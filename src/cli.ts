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
import { runImport, type ImportReport } from './import/import-command.js';
import { openPgStore } from './store/pg-store.js';
import { backupSqliteStore } from './store/sqlite-backup.js';
import { createClusterService, type ClusterService } from './cluster/cluster-service.js';
import type { SiteConfig } from './core/site.js';
import type { CompileReport, PublishedSet } from './compile/compiler.js';
import { createLogger, lineLog, type Logger } from './log.js';
import { openApiTokenFile, type FileApiTokens } from './http/api-tokens.js';
import { STATS_HELP, statsCommand } from './stats/stats-command.js';

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
  backup    copy the SQLite store to a file while the server keeps running
  stats     print the readers counted: polls, 304s, bytes, subscribers, readers (--json)

Options:
  --data DIR           the data folder (site.json, articles/, feedwright.db); default: FEEDWRIGHT_DATA or ./data
  --database-url URL   keep the store in PostgreSQL (postgres://…), not data/feedwright.db, so several
                       instances can share it; default: DATABASE_URL (unset: the SQLite file)
  --log-level LEVEL    trace, debug, info, warn, error, fatal or silent; default: LOG_LEVEL or info
                       (JSON lines on a pipe or file, readable lines on a terminal)
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
                        [--dry-run] [--post-types post,page] [--keep-footer]

Reads an RSS 2.0, RSS 1.0/RDF or Atom 1.0 feed or a WordPress export (WXR; a file — plain, .gz
or a .zip holding it — or an http(s) URL: 30 s and 100 MB at most) as a stream and stores each
item as an article whose guid stays its id in every feed, so readers see no duplicates after the
move. From a WordPress export only published posts are imported (future ones embargoed until
their date); other post types with --post-types. Prints every skipped item (file, item number,
reason), then how many items were imported, updated, unchanged and skipped by kind, what items
lost, and the redirects to add to site.json. Importing the same feed again changes nothing.
Writes are one transaction per batch of 200 items; memory holds one batch, whatever the size of
the export. Nothing is rendered here: \`serve\` publishes the articles at its next compile (it
reads what other processes wrote from the store), or run \`feedwright compile\`. Exits 1 when an
item could not be imported (drafts, pages and attachments left out on purpose do not count).
With a database URL the import only writes: the instance that compiles for the cluster publishes
the articles within about a second.

  --dry-run       read and report everything, write nothing
  --post-types    WordPress post types to import (default: post)
  --keep-footer   keep "The post … appeared first on …" footers
`,
  backup: `Usage: feedwright backup <file> [--data DIR]

Copies the SQLite store (data/feedwright.db) to <file> with SQLite's online backup API: safe
while \`feedwright serve\` runs and writes (a plain file copy of a WAL database is not). The copy
is checked, is one self-contained file, and is renamed into place only when complete; an
existing <file> is never overwritten. Prints the size and the number of articles. To restore,
stop the server and copy <file> to data/feedwright.db. A PostgreSQL store is backed up with
pg_dump instead.
`,
  stats: STATS_HELP,
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
  dryRun?: boolean;
  postTypes?: string[];
  keepFooter?: boolean;
  logLevel?: string;
  json?: boolean;
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
    else if (a === '--log-level' || a.startsWith('--log-level=')) args.logLevel = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[(i += 1)] ?? '';
    else if (a === '--dry-run') args.dryRun = true;
    else if (a === '--keep-footer') args.keepFooter = true;
    else if (a === '--json') args.json = true;
    else if (a === '--post-types' || a.startsWith('--post-types=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[(i += 1)];
      const types = (v ?? '').split(',').map((t) => t.trim()).filter(Boolean);
      if (types.length === 0 || !types.every((t) => /^[a-z0-9_-]{1,20}$/.test(t))) throw new FeedwrightError('USAGE', '--post-types needs a list of WordPress post types such as post,page');
      args.postTypes = types;
    } else if (a.startsWith('-')) throw new FeedwrightError('USAGE', `unknown option ${a}`);
    else if (args.command === '') args.command = a;
    else if ((args.command === 'import' || args.command === 'backup') && args.source === undefined) args.source = a;
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
  return { databaseFile: runtime.databaseFile, documentsDir: runtime.documentsDir, cacheBytes: runtime.cacheBytes, statsFlushMs: runtime.statsFlushSeconds * 1000, ...(runtime.renderThreads === undefined ? {} : { renderThreads: runtime.renderThreads }) };
}

/**
 * One instance of a cluster on the PostgreSQL store at `runtime.databaseUrl` (src/cluster):
 * `campaign` says whether it competes to be the cluster's compiler. Throws a FeedwrightError
 * `STORE_OPEN` when the store cannot be opened.
 */
async function clusterService(runtime: RuntimeConfig & { databaseUrl: string }, site: SiteConfig, campaign: boolean, log: (line: string) => void, schedule = true, observability: { logger?: Logger; accessLog?: Logger; apiTokens?: FileApiTokens } = {}): Promise<ClusterService> {
  const store = await openPgStore(runtime.databaseUrl, { idPrefix: site.idPrefix, log });
  return createClusterService({
    site,
    store,
    documentsDir: runtime.documentsDir,
    cacheBytes: runtime.cacheBytes,
    campaign,
    schedule,
    statsFlushMs: runtime.statsFlushSeconds * 1000,
    articlesDir: runtime.articlesDir,
    publicDir: runtime.publicDir,
    log,
    ...(runtime.renderThreads === undefined ? {} : { renderThreads: runtime.renderThreads }),
    ...(runtime.apiToken ? { apiToken: runtime.apiToken } : {}),
    ...observability,
  });
}

/**
 * What serve logs through: the service log on stdout at the configured level, the access log
 * (FEEDWRIGHT_ACCESS_LOG: into it, or appended to a file), and the named API tokens of
 * FEEDWRIGHT_API_TOKEN_FILE, read again on SIGHUP (the tokens in use stay if the file is broken).
 */
function observability(runtime: RuntimeConfig): { logger: Logger; accessLog?: Logger; apiTokens?: FileApiTokens } {
  const logger = createLogger({ level: runtime.logLevel });
  const to = runtime.accessLogTo;
  const accessLog = to === undefined ? undefined : to === 'log' ? logger : createLogger({ level: 'info', destination: to, pretty: false });
  const apiTokens = runtime.apiTokenFile === undefined ? undefined : openApiTokenFile(runtime.apiTokenFile);
  if (apiTokens !== undefined) {
    process.on('SIGHUP', () => {
      const r = apiTokens.reload();
      if (r.ok) logger.info({ clients: r.names }, 'API tokens reloaded');
      else logger.error({ problems: r.problems }, 'API token file not reloaded: the tokens in use stay');
    });
  }
  return { logger, ...(accessLog === undefined ? {} : { accessLog }), ...(apiTokens === undefined ? {} : { apiTokens }) };
}

/** Runs until SIGTERM or SIGINT, then closes `close` and resolves. */
function untilStopped(close: () => Promise<void>, logger?: Logger): { stopped: Promise<void>; stopping: () => boolean } {
  let stopping = false;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (logger === undefined) console.log(`${signal}: finishing requests in flight and stopping`);
      else logger.info(`${signal}: finishing requests in flight and stopping`);
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

/** A WordPress export's items that are not public posts: skipped by policy, not an error. */
function isDeliberateSkip(kind: string): boolean {
  return kind === 'attachment' || kind === 'password-protected' || kind.startsWith('status ') || kind.startsWith('post type ');
}

/** Prints an import's report: each skip on stderr, the summary and suggestions on stdout. */
function printImportReport(report: ImportReport): void {
  // Items left out on purpose (drafts, pages, attachments of a WordPress export) are counted by
  // kind; each one is listed only in a dry run. Items that could not be imported are always listed.
  for (const sk of report.skipped) {
    if (report.dryRun || !isDeliberateSkip(sk.kind)) console.error(`${report.source}: item ${sk.item}${sk.guid ? ` (${sk.guid})` : ''} skipped: ${sk.reason}`);
  }
  if (report.dryRun) for (const it of report.items ?? []) console.log(`${report.source}: item ${it.item} would be imported: ${it.title} → ${it.path}`);
  const would = report.dryRun ? 'dry run, nothing written: would import' : 'imported';
  console.log(`${would} ${report.imported}, ${report.dryRun ? 'would update' : 'updated'} ${report.updated}, unchanged ${report.unchanged}, skipped ${report.skipped.length} of ${report.total} items from ${report.source} (${report.format}${report.title ? `: ${report.title}` : ''})`);
  for (const [kind, n] of Object.entries(report.skippedByKind).sort()) console.log(`  skipped: ${kind}: ${n}`);
  for (const [kind, n] of Object.entries(report.notCarried).sort()) console.log(`  not carried over: ${kind}: ${n}`);
  if (report.platform !== undefined || Object.keys(report.redirects).length > 0) {
    const settings: Record<string, unknown> = {};
    if (report.platform !== undefined) settings.formerPlatform = report.platform;
    if (Object.keys(report.redirects).length > 0) settings.redirects = report.redirects;
    console.log(`${report.dryRun ? 'would redirect' : 'to keep the old feed URLs working, add to site.json'}: ${JSON.stringify(settings, null, 2)}`);
  }
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
  const runtime = loadRuntimeConfig({ ...(args.data === undefined ? {} : { data: args.data }), ...(args.databaseUrl === undefined ? {} : { databaseUrl: args.databaseUrl }), ...(args.logLevel === undefined ? {} : { logLevel: args.logLevel }) }, process.env, root);

  if (args.command === 'check') {
    let problems = 0;
    let site;
    try {
      site = loadSiteConfig(runtime.dataDir, process.env);
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

  if (args.command === 'backup') {
    if (args.source === undefined) throw new FeedwrightError('USAGE', 'backup needs the file to write, e.g. feedwright backup /var/backups/feedwright-$(date +%F).db');
    if (runtime.databaseUrl !== undefined) throw new FeedwrightError('USAGE', 'the store is in PostgreSQL (DATABASE_URL or --database-url): back it up with pg_dump');
    const report = await backupSqliteStore(runtime.databaseFile, args.source);
    console.log(`backed up ${runtime.databaseFile} to ${args.source}: ${report.articles} articles, ${report.bytes} bytes, schema version ${report.schemaVersion}`);
    return 0;
  }

  const site = loadSiteConfig(runtime.dataDir, process.env);
  if (args.command === 'stats') return statsCommand(runtime, site, { json: args.json === true });
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
    // Batches are stored as they are read and nothing is rendered here (bulkWrites): memory holds
    // one batch. The store's change log tells the next compile (serve's, or `feedwright compile`);
    // in a cluster the store's NOTIFY has the compiling instance publish it.
    const service = databaseUrl !== undefined ? await clusterService({ ...runtime, databaseUrl }, site, false, () => {}) : createService({ site, ...storage(runtime), articlesDir: runtime.articlesDir, publicDir: runtime.publicDir, schedule: false, log: () => {}, bulkWrites: true });
    try {
      const progress = progressReporter(process.stderr);
      const report = await runImport(args.source, service, {
        timeZone: site.timeZone,
        baseUrl: (site.origins[0] as { href: string }).href,
        siteLanguage: site.language,
        // Bytes of the source (items are not known ahead): MB, with a bar on a terminal.
        progress: (done, total) => {
          const mb = (n: number) => Math.ceil(n / 1048576);
          const filled = Math.round((20 * done) / Math.max(1, total));
          const bar = process.stderr.isTTY ? ` [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}]` : '';
          progress.report(`${args.dryRun ? 'reading (dry run)' : 'importing'}${bar} MB`, mb(done), mb(total));
        },
        ...(args.dryRun ? { dryRun: true } : {}),
        ...(args.keepFooter ? { keepFooter: true } : {}),
        ...(args.postTypes === undefined ? {} : { postTypes: args.postTypes }),
      });
      progress.end();
      printImportReport(report);
      // One log record per import, on stderr (stdout is the report), when a log level was asked for.
      if (args.logLevel !== undefined || (process.env.LOG_LEVEL ?? '') !== '') {
        createLogger({ level: runtime.logLevel, destination: 2 }).info({ source: report.source, format: report.format, dryRun: report.dryRun, imported: report.imported, updated: report.updated, unchanged: report.unchanged, skipped: report.skipped.length, total: report.total }, 'import');
      }
      if (!args.dryRun && report.imported + report.updated > 0) console.log('stored; a running `feedwright serve` publishes them at its next compile (or run `feedwright compile`)');
      return report.skipped.some((sk) => !isDeliberateSkip(sk.kind)) ? 1 : 0;
    } finally {
      await service.close();
    }
  }

  // serve
  const obs = observability(runtime);
  const { logger } = obs;
  const log = lineLog(logger);
  if (databaseUrl !== undefined) {
    const cluster = await clusterService({ ...runtime, databaseUrl }, site, true, log, true, obs);
    const port = await cluster.listen(runtime.port, runtime.host);
    const served = cluster.node.current();
    logger.info(`feedwright serving ${site.title} on http://${runtime.host === '0.0.0.0' ? 'localhost' : runtime.host}:${port}/ (data: ${runtime.dataDir}, PostgreSQL cluster, ${served ? `published set with ${served.documents.size} documents` : 'no published set yet'})`);
    await untilStopped(() => cluster.close(), logger).stopped;
    return 0;
  }
  const service = createService({ site, ...storage(runtime), articlesDir: runtime.articlesDir, publicDir: runtime.publicDir, log, ...obs, ...(runtime.apiToken ? { apiToken: runtime.apiToken } : {}) });
  const port = await service.listen(runtime.port, runtime.host);
  logger.info(`feedwright serving ${site.title} on http://${runtime.host === '0.0.0.0' ? 'localhost' : runtime.host}:${port}/ (data: ${runtime.dataDir}, schedule "${site.schedule}")`);
  // Signals are handled from the moment the port is open: a deploy's SIGTERM during the first
  // (possibly full) compile finishes requests in flight and exits 0 like any other.
  const { stopped, stopping } = untilStopped(() => service.close(), logger);
  const first = await service.compiler.compile().catch((err: unknown) => ({ published: false, error: (err as Error).message }));
  const serving = service.compiler.current();
  // compile() reports the last of back-to-back runs (a schedule tick during it is folded in), so
  // this line says what is served rather than what one run did.
  if (stopping()) {
    // stopping: say nothing more
  } else if (serving) logger.info(`first compile done: serving ${serving.feeds.length} feeds from ${serving.articles} articles (set ${serving.generation})`);
  else logger.warn(`first compile did not publish (${first.error ?? 'see above'}); the next scheduled compile tries again`);
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

