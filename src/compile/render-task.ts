// The render task: one feed (or the two directory documents) rendered in the three formats and
// its preview page for every origin, gzipped, and written to the body folder; what goes back is small records. And
// the background task: the brotli body of one published document, made from its identity file.
// The one implementation of both, run in a render worker or, when workers cannot run, on the
// compiling thread, so the bytes are the same either way.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { createDateFormatter } from '../core/dates.js';
import type { FeedContent, PreparedItem, RenderContext } from '../core/feed-model.js';
import { renderAtom } from '../core/render-atom.js';
import { renderIndexPage, renderOpml, type FeedListing } from '../core/render-directory.js';
import { renderJson } from '../core/render-json.js';
import { renderPreviewPage } from '../core/render-preview.js';
import { renderRss } from '../core/render-rss.js';
import { FORMATS, feedPath, previewPath, scopeKind, type Format, type Scope } from '../core/scopes.js';
import type { SiteConfig } from '../core/site.js';
import { FeedwrightError } from '../core/errors.js';
import { BROTLI_PENDING, BodyUnreadableError, PUBLISH_CODINGS } from '../publish/published-set.js';
import { CONTENT_TYPES, entityTag, variantTag } from '../publish/header-rules.js';
import type { ArticleStore, DocumentRecord, FeedState, PreparedRow, StoredArticle } from '../store/store.js';
import { brotliBody, gzipBody } from './compression.js';
import { contentDigest, nextLastModified, notAfter } from './feed-state.js';
import { decodeOrPrepare, prepareSettingsOf } from './prepared.js';
import { archivePath, monthOf } from '../core/archive-months.js';
import { renderArchiveMonth, type ArchiveReader, type ArchiveRendered, type ArchiveTask } from './archives.js';

/**
 * The folder of archive documents' bodies (see archive-cache.ts): beside the body folder, never
 * inside it, whose every file a published set names (a full compile prunes the rest).
 */
export function archiveBodiesDir(documentsDir: string): string {
  return `${resolve(documentsDir)}-archive`;
}

/** What every render task of a site needs; plain data, so it crosses to a worker. */
export interface RenderSettings {
  site: SiteConfig;
  /** The schedule's period (RSS ttl). */
  periodSeconds: number;
  /** The digest of the settings and renderer (see siteDigest). */
  baseDigest: string;
  /** The body folder: content-addressed files named by their entity-tag. */
  documentsDir: string;
}

/** What a render task reads: the store's feed query. */
export type FeedReader = Pick<ArticleStore, 'newestInScope'> & ArchiveReader;

/** Render one feed: its scope, what was published for it, and the compile's clock. */
export interface FeedTask {
  key: string;
  label: string;
  /** The published state; undefined when the feed was never published. */
  previous?: FeedState;
  /** The compile's start: the embargo cutoff and the clock for Last-Modified. */
  startedAt: number;
  /**
   * Send the written bodies back for the serving thread's memory cache (a small compile: the
   * documents readers ask for next). A large one leaves them on disk: carried to the serving
   * thread by the thousand they were only garbage for it to collect while readers wait.
   */
  returnBodies?: boolean;
}

/** Render the directory documents (OPML and the index page) from the feed listing. */
export interface DirectoryTask {
  feeds: FeedListing[];
}

/**
 * One rendered document path: its record on each origin (index = origin; `sizes.br` is
 * BROTLI_PENDING), and the bytes already written to the body folder (identity and gzip per
 * origin), for the serving thread's memory cache. A worker transfers them (no copy); the
 * compiler drops them once cached.
 */
export interface RenderedDocument {
  path: string;
  records: DocumentRecord[];
  bodies?: Uint8Array[][];
}

/** What a feed task gives back. */
export interface FeedRendered {
  key: string;
  state: FeedState;
  /** False when the content was what was published (rendered again because documents were missing). */
  changed: boolean;
  documents: RenderedDocument[];
  /**
   * The items this render had to prepare (sanitise: no stored form, or one made with other
   * settings), each with the digest of the version it was made from, for the compiler to store
   * (ArticleStore.storePrepared). Absent when there were none; items found prepared in the store
   * or in the thread's cache are never in it.
   */
  prepared?: PreparedRow[];
}

/** What a directory task gives back. */
export interface DirectoryRendered {
  documents: RenderedDocument[];
}

/** Background coding: the brotli body of the published document whose identity body is `hash`. */
export interface BrotliTask {
  hash: string;
}

/** What a brotli task gives back: the body (already written as `hash-br`) and its size. */
export interface BrotliEncoded {
  hash: string;
  size: number;
  body?: Uint8Array;
}

/** The render tasks of one thread, with its own cache of prepared items. */
export interface RenderTasks {
  renderFeed(task: FeedTask): Promise<FeedRendered>;
  renderDirectory(task: DirectoryTask): Promise<DirectoryRendered>;
  encodeBrotli(task: BrotliTask): Promise<BrotliEncoded>;
  /** One feed's RFC 5005 archive month (see archives.ts); bodies go to archiveBodiesDir and come back. */
  renderArchive(task: ArchiveTask): Promise<ArchiveRendered<RenderedDocument>>;
  /**
   * Renders the site feed as it stands in every format and for every origin, and encodes each
   * document (gzip, entity-tag), writing nothing and returning nothing but the documents made:
   * what a worker does once when it starts, so the first compile after a start (a write, usually:
   * every write renders the site feed) runs compiled code with the feed's items prepared and their
   * rows in the connection's page cache, instead of paying for that itself. Throws what the
   * store's read throws.
   */
  warmUp(now: number): Promise<number>;
}

/** Observes a render between documents (the worker's fault hook for tests). */
export type RenderObserver = (key: string, path: string) => void;

/** How many prepared articles a thread keeps between feeds and compiles. */
const PREPARED_LIMIT = 5_000;

const RENDERERS: Record<Format, (feed: FeedContent, ctx: RenderContext) => string> = { rss: renderRss, atom: renderAtom, json: renderJson };

/** Creates the render tasks of one thread over a store reader. */
export function createRenderTasks(settings: RenderSettings, reader: FeedReader, observe?: RenderObserver): RenderTasks {
  const { site, baseDigest, documentsDir } = settings;
  const dates = createDateFormatter(site.timeZone);
  const ttlMinutes = Math.max(1, Math.round(settings.periodSeconds / 60));
  const contexts: RenderContext[] = site.origins.map((origin) => ({ site, origin, dates, ttlMinutes }));
  const prepare = createPreparedCache(site);
  const save = createBodyWriter(documentsDir);
  const saveArchive = createBodyWriter(archiveBodiesDir(documentsDir));

  /** Gzips one text per origin, writes the identity and gzip bodies, and gives the records. */
  async function publishable(key: string, path: string, contentType: string, lastModified: number, texts: string[], returnBodies: boolean): Promise<RenderedDocument> {
    const encoded = texts.map((t) => encodeDocument(t, contentType, lastModified));
    await Promise.all(encoded.flatMap((e) => PUBLISH_CODINGS.map((c, i) => save(variantTag(e.record.hash, c), e.bodies[i] as Uint8Array))));
    observe?.(key, path);
    const records = encoded.map((e) => e.record);
    return returnBodies ? { path, records, bodies: encoded.map((e) => e.bodies) } : { path, records };
  }

  return {
    async renderFeed(task) {
      const scope: Scope = { key: task.key, kind: scopeKind(task.key), label: task.label };
      const items = await reader.newestInScope(task.key, site.itemLimit, task.startedAt);
      const digest = contentDigest(baseDigest, scope, items);
      const { previous } = task;
      const changed = previous === undefined || previous.digest !== digest;
      const lastModified = changed ? nextLastModified(items, previous, task.startedAt) : previous.lastModified;
      // RFC 5005 §4: the subscription document points to the newest month that has items.
      const newest = items[0];
      const archive = newest === undefined ? undefined : { prev: monthOf(newest.article.published, site.timeZone) };
      const made: PreparedRow[] = [];
      const feed: FeedContent = { scope, items: items.map((i) => notAfter(prepare(i, made), lastModified)), lastModified, ...(archive === undefined ? {} : { archive }) };
      const documents: RenderedDocument[] = [];
      const returnBodies = task.returnBodies ?? true;
      for (const format of FORMATS) {
        const path = feedPath(task.key, format);
        documents.push(await publishable(task.key, path, CONTENT_TYPES[format], lastModified, contexts.map((ctx) => RENDERERS[format](feed, ctx)), returnBodies));
      }
      // The feed's preview page for people: a document like the three, with its own validators.
      documents.push(await publishable(task.key, previewPath(task.key), CONTENT_TYPES.html, lastModified, contexts.map((ctx) => renderPreviewPage(feed, ctx)), returnBodies));
      return { key: task.key, state: { digest, lastModified }, changed, documents, ...(made.length === 0 ? {} : { prepared: made }) };
    },
    async renderDirectory(task) {
      const modified = task.feeds.reduce((m, f) => Math.max(m, f.lastModified), 0);
      const opml = await publishable('/', '/feeds.opml', CONTENT_TYPES.opml, modified, contexts.map((c) => renderOpml(task.feeds, site, c.origin, dates)), true);
      const index = await publishable('/', '/', CONTENT_TYPES.html, modified, contexts.map(() => renderIndexPage(task.feeds, site)), true);
      return { documents: [opml, index] };
    },
    async renderArchive(task) {
      return renderArchiveMonth(task, site.timeZone, baseDigest, reader, (stored) => prepare(stored), async (path, format, lastModified, feed) => {
        const encoded = contexts.map((ctx) => encodeDocument(RENDERERS[format](feed, ctx), CONTENT_TYPES[format], lastModified));
        await Promise.all(encoded.flatMap((e) => PUBLISH_CODINGS.map((c, i) => saveArchive(variantTag(e.record.hash, c), e.bodies[i] as Uint8Array))));
        return { path, records: encoded.map((e) => e.record), bodies: encoded.map((e) => e.bodies) };
      }, archivePath);
    },
    async warmUp(now) {
      const scope: Scope = { key: '', kind: scopeKind(''), label: labelFromKey('') };
      const items = await reader.newestInScope('', site.itemLimit, now);
      const feed: FeedContent = { scope, items: items.map((i) => prepare(i)), lastModified: now };
      let made = 0;
      for (const format of FORMATS) for (const ctx of contexts) made += encodeDocument(RENDERERS[format](feed, ctx), CONTENT_TYPES[format], now).bodies.length > 0 ? 1 : 0;
      for (const ctx of contexts) made += encodeDocument(renderPreviewPage(feed, ctx), CONTENT_TYPES.html, now).bodies.length > 0 ? 1 : 0;
      return made;
    },
    async encodeBrotli(task) {
      // Made from the identity file, never from memory the compiler might have replaced, and only
      // when that file still hashes to the tag: a br body is never written for the wrong bytes.
      let identity: Buffer;
      try {
        // Synchronous in a worker, for the reason given at createBodyWriter.
        identity = isMainThread ? await readFile(join(documentsDir, task.hash)) : readFileSync(join(documentsDir, task.hash));
      } catch (err) {
        // BODY_UNREADABLE: the compiler withholds the document and renders its feed again.
        throw new BodyUnreadableError({ file: task.hash, damage: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable' }, err);
      }
      if (entityTag(identity) !== task.hash) throw new BodyUnreadableError({ file: task.hash, damage: 'corrupt' });
      const body = brotliBody(identity);
      await save(variantTag(task.hash, 'br'), body);
      return { hash: task.hash, size: body.length, body };
    },
  };
}

/** One document's record (brotli pending) and the bodies it is published with (identity, gzip). */
function encodeDocument(text: string, contentType: string, lastModified: number): { record: DocumentRecord; bodies: Uint8Array[] } {
  const identity = Buffer.from(text, 'utf8');
  const gzip = gzipBody(identity);
  return {
    record: { contentType, lastModified, hash: entityTag(identity), sizes: { identity: identity.length, gzip: gzip.length, br: BROTLI_PENDING } },
    bodies: [identity, gzip],
  };
}

/**
 * Prepared items by article id (most recently used last), valid while the article's digest
 * matches; a miss uses the preparation stored with the article when it was made with these
 * settings, and sanitises otherwise (see prepared.ts) — then, given `made`, it appends the item's
 * stored form there for the compiler to store, so that is done once, not at every compile.
 */
function createPreparedCache(site: SiteConfig): (stored: StoredArticle, made?: PreparedRow[]) => PreparedItem {
  const prepared = new Map<string, { digest: string; item: PreparedItem }>();
  const settings = prepareSettingsOf(site);
  return (stored, made) => {
    const id = stored.article.id;
    const hit = prepared.get(id);
    let entry = hit;
    if (entry === undefined || entry.digest !== stored.digest) {
      const { item, blob } = decodeOrPrepare(stored, settings);
      entry = { digest: stored.digest, item };
      if (blob !== undefined) made?.push({ id, digest: stored.digest, prepared: blob });
    }
    prepared.delete(id);
    prepared.set(id, entry);
    if (prepared.size > PREPARED_LIMIT) prepared.delete(prepared.keys().next().value as string);
    return entry.item;
  };
}

/**
 * Writes a body under its content-derived name: aside, then renamed into place, so a killed
 * worker or process leaves no half file under a live name (the temporary name is unique per
 * thread). No fsync per file; start-up checks every listed file's size (see BodyStore.verify).
 * In a render worker the writes are synchronous: the worker has nothing else to do meanwhile,
 * and libuv's thread pool (4 threads, shared by every thread of the process) stays free for the
 * serving thread's body reads — a full re-render's thousands of queued writes used to hold a
 * reader's read behind them. On the serving thread (no workers) they stay asynchronous.
 */
function createBodyWriter(dir: string): (name: string, bytes: Uint8Array) => Promise<void> {
  let ready: Promise<unknown> | undefined;
  let made = false;
  let seq = 0;
  const sync = !isMainThread;
  return async (name, bytes) => {
    const path = join(dir, name);
    const tmp = `${path}.${process.pid}-${threadId}-${(seq += 1)}.tmp`;
    if (sync) {
      if (!made) mkdirSync(dir, { recursive: true });
      made = true;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path);
      return;
    }
    await (ready ??= mkdir(dir, { recursive: true }));
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  };
}

/** A feed listing's label when the store no longer lists the scope: read back from its key. */
export function labelFromKey(key: string): string {
  return decodeURIComponent(key.split('/').slice(1).join(' / '));
}
