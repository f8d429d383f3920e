// The import command: reads a feed from a file or an http(s) URL, maps it with the feed importer
// and stores the articles through the writer in batches, one transaction each, so a crash
// leaves the store as it was before or after each batch, never with half an item.
import { readFile } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ArticleWriter } from '../compile/writer.js';
import { FeedwrightError, type ErrorCode } from '../core/errors.js';
import { describeRefusal, type ArticleStore } from '../store/store.js';
import { parseFeed, type FeedFormat, type ImportedItem } from './feed-importer.js';

/** The error code of a source that cannot be read or fetched (see the report: IMPORT_READ). */
const READ_ERROR: ErrorCode = 'ARTICLE_READ';

/** The largest feed the importer reads, in bytes (after decompression). */
export const MAX_FEED_BYTES = 100 * 1024 * 1024;
/** How long a fetch may take, start to end. */
export const FETCH_TIMEOUT_MS = 30_000;
/** How many articles go into one transaction. */
export const DEFAULT_BATCH_SIZE = 200;
const MAX_REDIRECTS = 5;

/** What an import did. */
export interface ImportReport {
  format: FeedFormat;
  title?: string;
  /** Items in the feed. */
  total: number;
  /** New articles. */
  imported: number;
  /** Articles that existed and changed. */
  updated: number;
  /** Articles that existed with the same content. */
  unchanged: number;
  /** Items not imported, with the reason; `index` is the item's position in the feed (0-based). */
  skipped: { guid?: string; index: number; reason: string }[];
}

/** How to import. */
export interface ImportOptions {
  /** The site's time zone (dates without an offset). */
  timeZone: string;
  /** The site's origin: the base for relative links. */
  baseUrl?: string;
  /** The site's language: item languages equal to it are left out. */
  siteLanguage?: string;
  /** Called after each batch with the items done so far and the total. */
  progress?: (done: number, total: number) => void;
  /** Articles per transaction (default 200). */
  batchSize?: number;
  /** Limits for the read (defaults: 100 MB, 30 s). */
  maxBytes?: number;
  timeoutMs?: number;
}

/** What the import needs of a service. */
export interface ImportTarget {
  writer: Pick<ArticleWriter, 'put'>;
  store: Pick<ArticleStore, 'getArticle'>;
}

const CHARSET = /charset\s*=\s*"?([A-Za-z0-9._:-]+)"?/i;

/**
 * Decodes a feed's bytes: a byte order mark, else the HTTP charset (RFC 7303 §3.2 makes it
 * authoritative), else the XML declaration's encoding, else UTF-8.
 */
export function decodeFeed(bytes: Buffer, contentType?: string): string {
  const decode = (label: string, data: Buffer): string => {
    try {
      return new TextDecoder(label).decode(data);
    } catch {
      throw new FeedwrightError(READ_ERROR, `the feed's character encoding "${label}" is not supported`);
    }
  };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decode('utf-8', bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decode('utf-16le', bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decode('utf-16be', bytes.subarray(2));
  const fromHeader = contentType === undefined ? undefined : CHARSET.exec(contentType)?.[1];
  if (fromHeader !== undefined) return decode(fromHeader, bytes);
  const declaration = /^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(bytes.subarray(0, 200).toString('latin1'));
  return decode(declaration?.[1] ?? 'utf-8', bytes);
}

function readLimited(stream: Readable, maxBytes: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stream.destroy();
        reject(new FeedwrightError(READ_ERROR, `${what} is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', (err) => reject(new FeedwrightError(READ_ERROR, `cannot read ${what}: ${err.message}`, { cause: err })));
  });
}

/** Fetches a feed over http(s): redirects followed, gzip/deflate/br decoded, size and time limited. */
export async function fetchFeed(url: string, options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<{ body: Buffer; contentType?: string }> {
  const maxBytes = options.maxBytes ?? MAX_FEED_BYTES;
  const deadline = Date.now() + (options.timeoutMs ?? FETCH_TIMEOUT_MS);
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const target = new URL(current);
    const request = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (request === undefined) throw new FeedwrightError(READ_ERROR, `cannot fetch ${current}: only http and https are supported`);
    const left = deadline - Date.now();
    if (left <= 0) throw new FeedwrightError(READ_ERROR, `fetching ${url} took longer than ${options.timeoutMs ?? FETCH_TIMEOUT_MS} ms`);
    const result = await new Promise<{ redirect: string } | { body: Buffer; contentType?: string }>((resolve, reject) => {
      const req = request(target, {
        method: 'GET',
        headers: {
          'User-Agent': 'feedwright-import',
          Accept: 'application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1',
          'Accept-Encoding': 'gzip, deflate, br',
        },
      });
      const timer = setTimeout(() => {
        req.destroy(new FeedwrightError(READ_ERROR, `fetching ${url} took longer than ${options.timeoutMs ?? FETCH_TIMEOUT_MS} ms`));
      }, left);
      const fail = (err: Error) => {
        clearTimeout(timer);
        reject(err instanceof FeedwrightError ? err : new FeedwrightError(READ_ERROR, `cannot fetch ${current}: ${err.message}`, { cause: err }));
      };
      req.on('error', fail);
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location !== undefined) {
          res.resume();
          clearTimeout(timer);
          resolve({ redirect: new URL(location, current).href });
          return;
        }
        if (status < 200 || status > 299) {
          res.resume();
          fail(new FeedwrightError(READ_ERROR, `cannot fetch ${current}: the server answered ${status}`));
          return;
        }
        const declared = Number(res.headers['content-length']);
        const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
        if (encoding === '' && Number.isFinite(declared) && declared > maxBytes) {
          res.destroy();
          fail(new FeedwrightError(READ_ERROR, `${current} is larger than ${maxBytes} bytes`));
          return;
        }
        let stream: Readable = res;
        if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(createGunzip());
        else if (encoding === 'deflate') stream = res.pipe(createInflate());
        else if (encoding === 'br') stream = res.pipe(createBrotliDecompress());
        else if (encoding !== '' && encoding !== 'identity') {
          res.resume();
          fail(new FeedwrightError(READ_ERROR, `cannot fetch ${current}: unknown Content-Encoding ${encoding}`));
          return;
        }
        if (stream !== res) res.on('error', (err) => stream.destroy(err));
        readLimited(stream, maxBytes, current).then(
          (body) => {
            clearTimeout(timer);
            const contentType = res.headers['content-type'];
            resolve(contentType === undefined ? { body } : { body, contentType });
          },
          (err: Error) => {
            req.destroy();
            fail(err);
          },
        );
      });
      req.end();
    });
    if ('body' in result) return result;
    current = result.redirect;
  }
  throw new FeedwrightError(READ_ERROR, `cannot fetch ${url}: more than ${MAX_REDIRECTS} redirects`);
}

/** Reads a feed from a file path or an http(s) URL and decodes it to text. */
export async function openFeedSource(source: string, options: { maxBytes?: number; timeoutMs?: number } = {}): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    const { body, contentType } = await fetchFeed(source, options);
    return decodeFeed(body, contentType);
  }
  const maxBytes = options.maxBytes ?? MAX_FEED_BYTES;
  let bytes: Buffer;
  try {
    bytes = await readFile(source);
  } catch (err) {
    throw new FeedwrightError(READ_ERROR, `cannot read ${source}: ${(err as Error).message}`, { file: source, cause: err });
  }
  if (bytes.length > maxBytes) throw new FeedwrightError(READ_ERROR, `${source} is larger than ${maxBytes} bytes`, { file: source });
  return decodeFeed(bytes);
}

/**
 * Writes mapped items in batches (one transaction each) and counts what each did: imported (the
 * id was not stored before), updated (it was, and the write changed it) or unchanged. An item
 * whose guid another live article already has (a file, the API, an earlier import under another
 * id) is skipped with that reason, naming the owner; the owner stays published and the rest of
 * the batch is stored. Throws what the writer throws (an invalid article, a store failure).
 */
export async function storeItems(items: ImportedItem[], target: ImportTarget, options: { batchSize?: number; progress?: (done: number, total: number) => void } = {}): Promise<{ imported: number; updated: number; unchanged: number; skipped: ImportReport['skipped'] }> {
  const size = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE));
  const counts = { imported: 0, updated: 0, unchanged: 0 };
  const skipped: ImportReport['skipped'] = [];
  for (let start = 0; start < items.length; start += size) {
    const batch = items.slice(start, start + size);
    const existed = await Promise.all(batch.map(async (item) => (await target.store.getArticle(item.raw.id)) !== undefined));
    const refused = new Set<number>();
    const changes = await target.writer.put(batch.map((item) => item.raw), 'import', {
      onRefused: (r) => {
        const item = batch[r.index];
        if (item === undefined) return;
        refused.add(r.index);
        skipped.push({ guid: item.guid, index: item.index, reason: describeRefusal(r) });
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

/** Imports a feed (file path or http(s) URL) into the store through the writer. */
export async function runImport(source: string, service: ImportTarget, options: ImportOptions): Promise<ImportReport> {
  const xml = await openFeedSource(source, {
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  const feed = await parseFeed(xml, {
    timeZone: options.timeZone,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    ...(options.siteLanguage === undefined ? {} : { siteLanguage: options.siteLanguage }),
  });
  const counts = await storeItems(feed.items, service, {
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
  const skipped = [...feed.skipped, ...counts.skipped].sort((a, b) => a.index - b.index);
  const report: ImportReport = { format: feed.format, total: feed.items.length + feed.skipped.length, imported: counts.imported, updated: counts.updated, unchanged: counts.unchanged, skipped };
  if (feed.title !== undefined) report.title = feed.title;
  return report;
}
