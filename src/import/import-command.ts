// The import command: reads a feed or a WordPress export from a file or an http(s) URL as a
// stream, maps it with the feed importer and stores the articles through the writer in batches,
// one transaction each, so a crash leaves the store as it was before or after each batch, never
// with half an item. Memory holds one batch, not the document.
import type { ArticleWriter } from '../compile/writer.js';
import { articleDigest, validateArticle } from '../core/article.js';
import { describeRefusal, type ArticleStore } from '../store/store.js';
import { FeedMapper, type FeedFormat, type FeedHead, type FeedPlatform, type ImportedItem, type SkippedItem } from './feed-importer.js';
import { openFeedStream } from './import-source.js';
import { detach } from './xml-tree.js';
import { suggestRedirects } from './redirect-suggestions.js';

export { decodeFeed, fetchFeed, FETCH_TIMEOUT_MS, MAX_FEED_BYTES } from './import-source.js';

/** How many articles go into one transaction. */
export const DEFAULT_BATCH_SIZE = 200;

/** What an import did (or, with `dryRun`, would do). */
export interface ImportReport {
  /** The source as named in messages. */
  source: string;
  format: FeedFormat;
  title?: string;
  platform?: FeedPlatform;
  /** Items in the feed. */
  total: number;
  /** New articles. */
  imported: number;
  /** Articles that existed and changed. */
  updated: number;
  /** Articles that existed with the same content. */
  unchanged: number;
  /** Items not imported, with the kind and reason; `item` is the item's 1-based number in the feed. */
  skipped: SkippedItem[];
  /** Skips counted by kind (`status draft`: 3). */
  skippedByKind: Record<string, number>;
  /** Parts of imported items that could not be carried over, counted by kind (`unknown shortcode [x]`: 2). */
  notCarried: Record<string, number>;
  /** Suggested `redirects` for site.json: the old feed paths of the platform the feed came from. */
  redirects: Record<string, string>;
  /** True when nothing was written (`dryRun`). */
  dryRun: boolean;
  /** With `dryRun`: each item that would be imported (1-based number, title, path). */
  items?: { item: number; title: string; path: string }[];
}

/** How to import. */
export interface ImportOptions {
  /** The site's time zone (dates without an offset). */
  timeZone: string;
  /** The site's origin: the base for relative links. */
  baseUrl?: string;
  /** The site's language: item languages equal to it are left out. */
  siteLanguage?: string;
  /** Called as the import goes: items read so far, and bytes read of the source's total when known. */
  progress?: (done: number, total: number) => void;
  /** Articles per transaction (default 200). */
  batchSize?: number;
  /** Limits for fetching a URL (defaults: 100 MB, 30 s). */
  maxBytes?: number;
  timeoutMs?: number;
  /** WXR: the post types to import (default `post`). */
  postTypes?: readonly string[];
  /** Keep "The post … appeared first on …" footers. */
  keepFooter?: boolean;
  /** Read and map everything, write nothing: the report says what would be imported. */
  dryRun?: boolean;
}

/** What the import needs of a service. */
export interface ImportTarget {
  writer: Pick<ArticleWriter, 'put'>;
  store: Pick<ArticleStore, 'getArticle'>;
}

/**
 * Writes mapped items in batches (one transaction each) and counts what each did: imported (the
 * id was not stored before), updated (it was, and the write changed it) or unchanged. An item
 * whose guid another live article already has (a file, the API, an earlier import under another
 * id) is skipped with that reason, naming the owner; the owner stays published and the rest of
 * the batch is stored. Throws what the writer throws (an invalid article, a store failure).
 */
export async function storeItems(items: ImportedItem[], target: ImportTarget, options: { batchSize?: number; progress?: (done: number, total: number) => void } = {}): Promise<{ imported: number; updated: number; unchanged: number; skipped: SkippedItem[] }> {
  const size = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const counts = { imported: 0, updated: 0, unchanged: 0 };
  const skipped: SkippedItem[] = [];
  for (let start = 0; start < items.length; start += size) {
    const batch = items.slice(start, start + size);
    const existed = await Promise.all(batch.map(async (item) => (await target.store.getArticle(item.raw.id)) !== undefined));
    const refused = new Set<number>();
    const changes = await target.writer.put(batch.map((item) => item.raw), 'import', {
      onRefused: (r) => {
        const item = batch[r.index];
        if (item === undefined) return;
        refused.add(r.index);
        skipped.push({ item: item.item, guid: detach(item.guid), kind: 'guid taken', reason: detach(describeRefusal(r)) });
      },
    });
    const changed = new Set(changes.map((c) => c.id));
    batch.forEach((item, i) => {
      if (refused.has(i)) return;
      if (!existed[i]) counts.imported += 1;
      else if (changed.has(item.raw.id)) counts.updated += 1;
      else counts.unchanged += 1;
    });
    options.progress?.(start + batch.length, items.length);
  }
  return { ...counts, skipped };
}

/** Adds one to a count by kind. */
function tally(counts: Record<string, number>, kind: string): void {
  counts[kind] = (counts[kind] ?? 0) + 1;
}

/**
 * Imports a feed or WordPress export (file path — plain, .gz or .zip — or http(s) URL) into the
 * store through the writer: read as a stream, stored in batches of `batchSize`. Skips are
 * reported with their 1-based item number, kind and reason; what items lose is counted in
 * `notCarried`. With `dryRun` the store is only read (to tell new from existing articles).
 * Throws a FeedwrightError naming the source (`ARTICLE_READ`, `ARTICLE_PARSE` with line and
 * column); batches stored before the error stay stored.
 */
export async function runImport(source: string, service: ImportTarget, options: ImportOptions): Promise<ImportReport> {
  const input = await openFeedStream(source, {
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const mapper = new FeedMapper({
    timeZone: options.timeZone,
    fileName: input.name,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.siteLanguage === undefined ? {} : { siteLanguage: options.siteLanguage }),
    ...(options.postTypes === undefined ? {} : { postTypes: options.postTypes }),
    ...(options.keepFooter ? { keepFooter: true } : {}),
  });
  const size = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const counts = { imported: 0, updated: 0, unchanged: 0 };
  const skipped: SkippedItem[] = [];
  const notCarried: Record<string, number> = {};
  let total = 0;
  let batch: ImportedItem[] = [];
  const listed: { item: number; title: string; path: string }[] = [];
  const report = () => options.progress?.(input.bytesTotal === undefined ? total : input.bytesRead(), input.bytesTotal ?? total);
  const flush = async () => {
    if (batch.length === 0) return;
    const done = options.dryRun ? await dryRun(batch, service, options.timeZone) : await storeItems(batch, service, { batchSize: size });
    counts.imported += done.imported;
    counts.updated += done.updated;
    counts.unchanged += done.unchanged;
    skipped.push(...done.skipped);
    batch = [];
    report();
  };
  for await (const entry of mapper.entries(input.chunks)) {
    total += 1;
    if ('skipped' in entry) skipped.push(entry.skipped);
    else {
      for (const note of entry.imported.notes) tally(notCarried, note);
      batch.push(entry.imported);
      if (options.dryRun) listed.push({ item: entry.imported.item, title: detach(entry.imported.raw.title), path: detach(entry.imported.raw.path) });
      if (batch.length >= size) await flush();
    }
    if (total % 500 === 0) report();
  }
  await flush();
  const head = mapper.head as FeedHead;
  skipped.sort((a, b) => a.item - b.item);
  const skippedByKind: Record<string, number> = {};
  for (const s of skipped) tally(skippedByKind, s.kind);
  const out: ImportReport = { source: input.name, format: head.format, total, ...counts, skipped, skippedByKind, notCarried, redirects: suggestRedirects(head), dryRun: options.dryRun === true };
  if (options.dryRun) out.items = listed;
  if (head.title !== undefined) out.title = head.title;
  if (head.platform !== undefined) out.platform = head.platform;
  return out;
}

/** What storing a batch would do, without writing: new, or existing (counted as updated when the stored article differs). */
async function dryRun(items: ImportedItem[], target: ImportTarget, timeZone: string): Promise<{ imported: number; updated: number; unchanged: number; skipped: SkippedItem[] }> {
  const counts = { imported: 0, updated: 0, unchanged: 0, skipped: [] as SkippedItem[] };
  for (const item of items) {
    const existing = await target.store.getArticle(item.raw.id);
    const checked = validateArticle(item.raw, timeZone);
    if (existing === undefined) counts.imported += 1;
    else if ('article' in checked && articleDigest(checked.article) === existing.digest) counts.unchanged += 1;
    else counts.updated += 1;
  }
  return counts;
}
