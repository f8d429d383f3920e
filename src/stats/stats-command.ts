// `feedwright stats` (issue 12): the /stats page's figures in a terminal — the per-document
// table and the site's totals over the last 7 days, the per-origin table, the readers by family
// and the subscribers by aggregator — as plain aligned columns, or the page's JSON with `--json`.
import { existsSync } from 'node:fs';
import type { RuntimeConfig } from '../config.js';
import { FeedwrightError } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';
import { openPgStore } from '../store/pg-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import type { ReaderStatsStore } from '../store/reader-stats.js';
import { readStatsReport, type StatsReport } from './report.js';
import type { Totals } from './series.js';
import { count } from '../core/plural.js';


const n = (v: number) => v.toLocaleString('en');
const share = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
const subscribers = (f: Totals) => {
  const by = Object.entries(f.subscribersByAggregator).map(([a, c]) => `${a} ${n(c)}`);
  return by.length === 0 ? n(f.subscribers) : `${n(f.subscribers)} (${by.join(', ')})`;
};

/**
 * A document's path as people read it (the /stats page's rule, public/stats.js): percent-encoded
 * UTF-8 decoded (`/tags/تهران/rss.xml`, not `/tags/%D8%AA…`), reserved characters kept encoded as
 * decodeURI does (RFC 3986 §2.2), control and bidirectional-override characters put back as %XX
 * so they cannot disguise the path; malformed encoding shown as it came. Pure; never throws.
 */
export function displayPath(path: string): string {
  let text: string;
  try {
    text = decodeURI(path);
  } catch {
    return path;
  }
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => encodeURIComponent(c));
}

/** Lines of a table: the first column left-aligned, the others right-aligned, two spaces apart. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ').trimEnd());
}

/** The report as the terminal shows it (lines, no trailing newline). Pure. */
export function formatStatsReport(report: StatsReport): string[] {
  const totals = (name: string, f: Totals) => [name, n(f.requests), n(f.ok), n(f.notModified), share(f.notModifiedShare), n(f.bytes), n(f.bytesByCoding.gzip), n(f.bytesByCoding.br), subscribers(f)];
  const heads = ['requests', '200', '304', '304 share', 'bytes', 'gzip bytes', 'br bytes', 'subscribers'];
  const lines = [`readers counted from ${report.from} to ${report.to} (UTC, ${count(report.days, 'day')})`, ''];
  lines.push(...alignColumns([
    ['document', ...heads, 'readers today'],
    ...report.feeds.map((f) => [...totals(displayPath(f.path), f), n(f.readersToday)]),
    [...totals('whole site', report.site), n(report.site.readersToday)],
  ]));
  lines.push('', ...alignColumns([['origin', ...heads], ...report.origins.map((o) => totals(o.origin, o))]));
  lines.push('', ...alignColumns([['reader family', 'requests', 'readers today'], ...report.site.byFamily.map((f) => [f.family, n(f.requests), n(f.readersToday)])]));
  return lines;
}

/**
 * Prints the report of `store` as of `now` (epoch ms) to `out`: the table, or with `json` the
 * JSON of /stats.json; `origins` (the site's, primary first) are listed even with nothing counted. Resolves with the exit code (0). Throws the store's errors.
 */
export async function printStats(store: ReaderStatsStore, options: { json: boolean; now?: number; origins?: readonly string[] }, out: NodeJS.WritableStream): Promise<number> {
  const report = await readStatsReport(store, options.now ?? Date.now(), options.origins === undefined ? {} : { origins: options.origins });
  out.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatStatsReport(report).join('\n')}\n`);
  return 0;
}

/**
 * Throws a FeedwrightError `STORE_OPEN` saying there is no store when the runtime names a SQLite
 * file that does not exist: a command that only reads (stats, import --dry-run) must not open
 * one, since opening makes the file. A PostgreSQL URL is left to its store's open.
 */
export function expectStore(runtime: Pick<RuntimeConfig, 'databaseUrl' | 'databaseFile'>): void {
  if (runtime.databaseUrl === undefined && !existsSync(runtime.databaseFile)) {
    throw new FeedwrightError('STORE_OPEN', `there is no store at ${runtime.databaseFile} (nothing has been compiled or served with this data folder)`, { file: runtime.databaseFile });
  }
}

/**
 * The command: opens the store the runtime names (SQLite file or PostgreSQL URL), prints, closes.
 * Throws a FeedwrightError `STORE_OPEN` when there is no SQLite store (creating none; see
 * expectStore) or the store cannot be opened.
 */
export async function statsCommand(runtime: RuntimeConfig, site: SiteConfig, options: { json: boolean }, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  expectStore(runtime);
  const store = runtime.databaseUrl !== undefined ? await openPgStore(runtime.databaseUrl, { idPrefix: site.idPrefix, poolSize: 2 }) : openSqliteStore(runtime.databaseFile, { idPrefix: site.idPrefix });
  try {
    return await printStats(store, { ...options, origins: site.origins.map((o) => o.href) }, out);
  } finally {
    await store.close();
  }
}
