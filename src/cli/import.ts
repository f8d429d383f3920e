// `feedwright import <file-or-url>`: reads a feed or a WordPress export into the store and
// prints what came over, what was skipped and the redirects to add.
import { loadSiteConfig } from '../config.js';
import { existsSync } from 'node:fs';
import { runImport, type ImportReport, type ImportTarget } from '../import/import-command.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { progressReporter } from '../progress.js';
import { createService } from '../service.js';
import { clusterService, runtimeOf, storage } from './context.js';
import { UsageError, type ParsedArgs } from './options.js';
import { createLogger } from '../log.js';
import { count } from '../core/plural.js';

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
  console.log(`${would} ${report.imported}, ${report.dryRun ? 'would update' : 'updated'} ${report.updated}, unchanged ${report.unchanged}, skipped ${report.skipped.length} of ${count(report.total, 'item')} from ${report.source} (${report.format}${report.title ? `: ${report.title}` : ''})`);
  for (const [kind, n] of Object.entries(report.skippedByKind).sort()) console.log(`  skipped: ${kind}: ${n}`);
  for (const [kind, n] of Object.entries(report.notCarried).sort()) console.log(`  not carried over: ${kind}: ${n}`);
  if (report.platform !== undefined || Object.keys(report.redirects).length > 0) {
    const settings: Record<string, unknown> = {};
    if (report.platform !== undefined) settings.formerPlatform = report.platform;
    if (Object.keys(report.redirects).length > 0) settings.redirects = report.redirects;
    console.log(`${report.dryRun ? 'would redirect' : 'to keep the old feed URLs working, add to site.json'}: ${JSON.stringify(settings, null, 2)}`);
  }
}

/** `--post-types post,page` as a list; throws a UsageError when it is not a list of WordPress post types. */
function postTypesOf(value: string | boolean | undefined): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  const types = value.split(',').map((t) => t.trim()).filter(Boolean);
  if (types.length === 0 || !types.every((t) => /^[a-z0-9_-]{1,20}$/.test(t))) throw new UsageError('--post-types needs a list of WordPress post types such as post,page', 'import');
  return types;
}

/**
 * What a dry run on the SQLite store `file` reads: the store when the file exists (opened, never
 * created), else an empty one; its writer refuses, since a dry run never writes.
 */
function dryRunTarget(file: string, idPrefix: string): ImportTarget & { close(): Promise<void> } {
  const writer = { put: () => Promise.reject(new Error('a dry run writes nothing')) };
  if (!existsSync(file)) return { store: { getArticle: () => Promise.resolve(undefined) }, writer, close: () => Promise.resolve() };
  const store = openSqliteStore(file, { idPrefix });
  return { store, writer, close: () => store.close() };
}

/**
 * `feedwright import <file-or-url>`: resolves 0, or 1 when an item could not be imported
 * (items left out on purpose do not count). `--dry-run` creates no store (see dryRunTarget). Throws the importer's FeedwrightError (the source,
 * and for XML the 1-based line and column) when the source cannot be read or parsed.
 */
export async function runImportCommand(args: ParsedArgs): Promise<number> {
  const source = args.positionals[0] as string;
  const dryRun = args.values['dry-run'] === true;
  const postTypes = postTypesOf(args.values['post-types']);
  const runtime = runtimeOf(args);
  const site = loadSiteConfig(runtime.dataDir, process.env);
  const databaseUrl = runtime.databaseUrl;
  // Batches are stored as they are read and nothing is rendered here (bulkWrites): memory holds
  // one batch. The store's change log tells the next compile (serve's, or `feedwright compile`);
  // in a cluster the store's NOTIFY has the compiling instance publish it.
  // A dry run on the SQLite store only reads: the store alone when there is one (no document
  // folder, no compiler), nothing at all when there is none (every item is new), so that it
  // creates no file. A PostgreSQL store is opened as for a write.
  const service = dryRun && databaseUrl === undefined ? dryRunTarget(runtime.databaseFile, site.idPrefix) : databaseUrl !== undefined ? await clusterService({ ...runtime, databaseUrl }, site, false, () => {}) : createService({ site, ...storage(runtime), articlesDir: runtime.articlesDir, publicDir: runtime.publicDir, schedule: false, log: () => {}, bulkWrites: true });
  // The terminal's bar waits for the command's whole run (from the process's start), not a step's.
  const progress = progressReporter(process.stderr, { start: performance.timeOrigin });
  try {
    const report = await runImport(source, service, {
      timeZone: site.timeZone,
      baseUrl: (site.origins[0] as { href: string }).href,
      siteLanguage: site.language,
      // Megabytes of the source (items are not known ahead): a bar on a terminal, from 100 MB on a pipe.
      progress: (done, total) => progress.report(`${dryRun ? 'reading (dry run)' : 'importing'} MB`, Math.ceil(done / 1048576), Math.ceil(total / 1048576)),
      ...(dryRun ? { dryRun: true } : {}),
      ...(args.values['keep-footer'] === true ? { keepFooter: true } : {}),
      ...(postTypes === undefined ? {} : { postTypes }),
    });
    progress.end();
    printImportReport(report);
    // One log record per import, on stderr (stdout is the report), when a log level was asked for.
    if (args.values['log-level'] !== undefined || (process.env.LOG_LEVEL ?? '') !== '') {
      createLogger({ level: runtime.logLevel, destination: 2 }).info({ source: report.source, format: report.format, dryRun: report.dryRun, imported: report.imported, updated: report.updated, unchanged: report.unchanged, skipped: report.skipped.length, total: report.total }, 'import');
    }
    if (!dryRun && report.imported + report.updated > 0) console.log('stored; a running `feedwright serve` publishes them at its next compile (or run `feedwright compile`)');
    return report.skipped.some((sk) => !isDeliberateSkip(sk.kind)) ? 1 : 0;
  } finally {
    progress.end();
    await service.close();
  }
}
