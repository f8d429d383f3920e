// The compile job: bring the store up to date with the sources, render every feed whose content
// changed in the three formats for every origin, compress, and publish the new set at once.
// A compile that fails publishes nothing; a feed that fails alone keeps its last good documents.
import { createHash } from 'node:crypto';
import { createDateFormatter } from '../core/dates.js';
import { prepareItem, type FeedContent, type PreparedItem, type RenderContext } from '../core/feed-model.js';
import { renderAtom } from '../core/render-atom.js';
import { renderIndexPage, renderOpml, type FeedListing } from '../core/render-directory.js';
import { renderJson } from '../core/render-json.js';
import { renderRss } from '../core/render-rss.js';
import { FORMATS, feedPath, scopeKind, type Format, type Scope } from '../core/scopes.js';
import type { SiteConfig } from '../core/site.js';
import { wrapError, type ErrorCode } from '../core/errors.js';
import type { ArticleStore, DocumentRow, FeedState, ScopeSummary, StoredArticle } from '../store/store.js';
import type { BodyStore } from './body-store.js';
import { createCompressor } from './compressor.js';
import { CODINGS, compileDocument, documentFromRecord, type CompiledDocument, type DocumentHeaders } from './documents.js';
import { formatProblem, openFileSource, type SourceProblem } from './source-files.js';

/** Bumped whenever the serializers' output changes, so every feed's digest changes with it. */
export const RENDER_VERSION = '5';

/** The media types of design §5. */
export const CONTENT_TYPES: Record<Format | 'opml' | 'html', string> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/** A Content-Security-Policy for the HTML pages: nothing but our own stylesheet. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Everything published at once: the documents by path, each held per origin (index = origin). */
export interface PublishedSet {
  generation: number;
  publishedAt: number;
  documents: ReadonlyMap<string, readonly CompiledDocument[]>;
  feeds: readonly FeedListing[];
  articles: number;
}

/** What one compile did. */
export interface CompileReport {
  ok: boolean;
  published: boolean;
  startedAt: number;
  durationMs: number;
  articlesChanged: number;
  feedsRendered: number;
  feedsChanged: string[];
  documents: number;
  problems: SourceProblem[];
  failedFeeds: { scope: string; error: string }[];
  error?: string;
  /** The error's code (see ERROR_CODES): what failed, without driver text. */
  errorCode?: ErrorCode;
}

/** How the compiler is wired. */
export interface CompilerOptions {
  store: ArticleStore;
  site: SiteConfig;
  /** Where document bodies are kept. */
  bodies: BodyStore;
  /** The folder of article files, or undefined when files are not a source. */
  articlesDir?: string;
  /** The schedule's period, for Cache-Control max-age and RSS ttl. */
  periodSeconds: number;
  clock?: () => number;
  log?: (line: string) => void;
  /** Compression worker threads (default: one per core; 0 compresses on the main thread). */
  compressionThreads?: number;
}

/** The compile job with its published set. */
export interface Compiler {
  /**
   * Runs one compile; concurrent calls share the running one and then run once more. With
   * `files: false` the article folder is not looked at (a compile for writes made elsewhere).
   */
  compile(options?: { files?: boolean }): Promise<CompileReport>;
  /** Stops watching the article folder and the compression workers. */
  close(): Promise<void>;
  /** Serves the last published set from the store without rendering; false when there is none. */
  restore(): Promise<boolean>;
  /** The set being served, undefined until the first publish. */
  current(): PublishedSet | undefined;
  /** The last compile's report. */
  lastReport(): CompileReport | undefined;
  /** Calls `listener` after every publish. */
  onPublish(listener: (set: PublishedSet) => void): void;
  /** Resolves when no compile is running. */
  whenIdle(): Promise<void>;
}

function siteDigest(site: SiteConfig, periodSeconds: number): string {
  return createHash('sha256').update(JSON.stringify([RENDER_VERSION, site, periodSeconds])).digest('base64url');
}

function contentDigest(base: string, scope: Scope, items: StoredArticle[]): string {
  const h = createHash('sha256').update(base).update('\0').update(scope.key).update('\0').update(scope.label);
  for (const i of items) h.update('\0').update(i.digest);
  return h.digest('base64url').slice(0, 32);
}

/**
 * When a feed's content last changed (epoch ms), never later than `now`: RFC 9110 §8.8.2.1 forbids
 * a Last-Modified after the response's Date, and lastBuildDate / Atom `updated` follow it.
 * Deterministic where it can be: the newest item time when the feed is new or gained a newer
 * item; otherwise (an edit that kept `updated`, a removal) the compile's clock, in whole seconds.
 *
 * A change within the second the previous version is dated cannot move the HTTP-date forward
 * without running ahead of the clock, so it keeps that second and adds 1 ms: the HTTP date is
 * the same, the ETag tells the versions apart, and the odd millisecond marks the date as shared
 * by two versions, so If-Modified-Since of that second is not answered 304 (see notModified).
 */
export function nextLastModified(items: StoredArticle[], previous: FeedState | undefined, now: number): number {
  const nowSecond = Math.floor(now / 1000) * 1000;
  let newest = 0;
  for (const i of items) newest = Math.max(newest, i.article.updated ?? i.article.published);
  newest = Math.min(newest, nowSecond);
  if (previous === undefined) return newest > 0 ? newest : nowSecond;
  const previousSecond = Math.floor(previous.lastModified / 1000) * 1000;
  const next = newest > previousSecond ? newest : nowSecond;
  if (next > previousSecond) return next;
  // Same second as the previous version (or a clock that went back): mark it, never run ahead.
  return Math.min(previousSecond, nowSecond) + Math.min(999, (previous.lastModified % 1000) + 1);
}

/**
 * The item with an `updated` in the future (an edit dated ahead) dated no later than its feed's
 * Last-Modified, so no date in a document is ahead of the clock that serves it.
 */
function notAfter(item: PreparedItem, lastModified: number): PreparedItem {
  const { updated } = item.article;
  return updated === undefined || updated <= lastModified ? item : { ...item, article: { ...item.article, updated: Math.floor(lastModified / 1000) * 1000 } };
}

/** How many prepared articles the compiler keeps between feeds and compiles. */
const PREPARED_LIMIT = 5_000;

/** Creates the compiler. */
export function createCompiler(options: CompilerOptions): Compiler {
  const { store, site, bodies } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  const dates = createDateFormatter(site.timeZone);
  const ttlMinutes = Math.max(1, Math.round(options.periodSeconds / 60));
  const contexts: RenderContext[] = site.origins.map((origin) => ({ site, origin, dates, ttlMinutes }));
  const baseDigest = siteDigest(site, options.periodSeconds);
  // RFC 5861: a cache may serve a stale copy for one more period while it revalidates, and for a
  // day while the origin fails (a restart, an outage) instead of showing readers an error.
  const cacheControl = `public, max-age=${options.periodSeconds}, stale-while-revalidate=${options.periodSeconds}, stale-if-error=86400`;
  const onion = site.origins.find((o) => o.onion);
  /**
   * The headers of one document on one origin: Link to the same document on every other origin
   * (RFC 8288, rel="alternate" with its type), Onion-Location on the primary when an onion mirror
   * exists, and a strict CSP on HTML.
   */
  const headersFor = (path: string, contentType: string, originIndex: number): DocumentHeaders => {
    const extra: Record<string, string | string[]> = {};
    const type = contentType.split(';')[0] as string;
    const links = site.origins.filter((_, i) => i !== originIndex).map((o) => `<${o.href}${path}>; rel="alternate"; type="${type}"`);
    if (links.length > 0) extra.Link = links.join(', ');
    if (onion !== undefined && originIndex === 0) extra['Onion-Location'] = onion.href + path;
    if (contentType === CONTENT_TYPES.html) extra['Content-Security-Policy'] = PAGE_CSP;
    return { cacheControl, extra };
  };
  const compileFor = (path: string, contentType: string, lastModified: number, texts: string[]) =>
    Promise.all(texts.map((t, i) => compileDocument(t, contentType, lastModified, headersFor(path, contentType, i), bodies, compressor)));
  const renderers: Record<Format, (feed: FeedContent, ctx: RenderContext) => string> = { rss: renderRss, atom: renderAtom, json: renderJson };

  let published: PublishedSet | undefined;
  let restored = false;
  /** The next compile renders every feed (the served set came from other settings). */
  let renderAll = false;
  /** Articles published up to this instant are in the published set (embargo bookkeeping). */
  let visibleUntil: number | undefined;
  /** The change log position the published set includes. */
  let changeSeq: number | undefined;
  let states: Map<string, FeedState> | undefined;
  let report: CompileReport | undefined;
  let running: Promise<CompileReport> | undefined;
  let again = false;
  /** Scopes whose last render failed or was never published: rendered again next time. */
  const pending = new Set<string>();
  const listeners: ((set: PublishedSet) => void)[] = [];
  const files = options.articlesDir === undefined ? undefined : openFileSource(options.articlesDir);
  const compressor = createCompressor(options.compressionThreads);
  /** The last problems the file source reported (kept for compiles that do not look at files). */
  let fileProblems: SourceProblem[] = [];
  /** Prepared items by article id (most recently used last), valid while the digest matches. */
  const prepared = new Map<string, { digest: string; item: PreparedItem }>();

  const prepare = (stored: StoredArticle): PreparedItem => {
    const id = stored.article.id;
    const hit = prepared.get(id);
    const entry = hit && hit.digest === stored.digest ? hit : { digest: stored.digest, item: prepareItem(stored.article, site.origins, site.embedHosts) };
    prepared.delete(id);
    prepared.set(id, entry);
    if (prepared.size > PREPARED_LIMIT) prepared.delete(prepared.keys().next().value as string);
    return entry.item;
  };

  async function listing(keys: Iterable<string>, finalStates: Map<string, FeedState>, now: number): Promise<FeedListing[]> {
    const scopes = await store.listScopes(undefined, now);
    const byKey = new Map(scopes.map((s) => [s.key, s]));
    // A feed with no article left keeps the label it had (a title never depends on the items).
    const labels = await store.scopeLabels([...keys].filter((k) => k !== '' && !byKey.has(k)));
    return [...keys].sort().map((key) => ({
      scope: { key, kind: scopeKind(key), label: byKey.get(key)?.label ?? labels.get(key) ?? labelFromKey(key) },
      items: Math.min(byKey.get(key)?.items ?? 0, site.itemLimit),
      lastModified: finalStates.get(key)?.lastModified ?? now,
    }));
  }

  /**
   * Serves what the last run published, without rendering: the manifest from the store and the
   * bodies on disk. Skipped (the next compile renders everything) when the settings or renderer
   * changed, or a listed body is missing or the wrong size.
   */
  async function restore(): Promise<boolean> {
    if (restored) return published !== undefined;
    restored = true;
    states ??= await store.readFeedStates();
    const manifest = await store.readPublished();
    visibleUntil = manifest.visibleUntil;
    changeSeq = manifest.changeSeq;
    if (manifest.documents.length === 0) return false;
    // Rendered with other settings or an older renderer: serve it while everything is rendered
    // again (a restart after an upgrade must not answer 503 for the length of a full compile).
    renderAll = manifest.renderDigest !== baseDigest;
    const originIndex = new Map(site.origins.map((o, i) => [o.href, i]));
    const byPath = new Map<string, CompiledDocument[]>();
    for (const row of manifest.documents) {
      const i = originIndex.get(row.origin);
      if (i === undefined) continue;
      let docs = byPath.get(row.path);
      if (!docs) byPath.set(row.path, (docs = []));
      docs[i] = documentFromRecord(row.record, headersFor(row.path, row.record.contentType, i));
    }
    const files: [string, number][] = [];
    for (const docs of byPath.values()) {
      if (docs.length !== site.origins.length || docs.includes(undefined as unknown as CompiledDocument)) return false;
      for (const d of docs) for (const c of CODINGS) files.push([d[c].file, d[c].size]);
    }
    if (!byPath.has('/') || !bodies.verify(files)) return false;
    const keys = new Set<string>(['', ...states.keys()]);
    published = {
      generation: 1,
      publishedAt: clock(),
      documents: byPath,
      feeds: await listing(keys, states, clock()),
      articles: await store.countArticles(),
    };
    for (const l of listeners) l(published);
    return true;
  }

  async function runOnce(scanFiles: boolean): Promise<CompileReport> {
    const startedAt = clock();
    const rep: CompileReport = { ok: false, published: false, startedAt, durationMs: 0, articlesChanged: 0, feedsRendered: 0, feedsChanged: [], documents: 0, problems: [], failedFeeds: [] };
    try {
      await restore();
      states ??= await store.readFeedStates();
      let affected: Set<string>;
      if (files !== undefined && (scanFiles || published === undefined)) {
        const sync = await files.sync(store, site.timeZone, startedAt);
        fileProblems = sync.problems;
        rep.articlesChanged = sync.changes.length;
        for (const p of sync.problems) log(`skipped ${formatProblem(p)}`);
        affected = new Set(sync.changes.flatMap((c) => [...c.scopesBefore, ...c.scopesAfter]));
      } else affected = new Set();
      rep.problems = fileProblems;
      // Writes by any process (an import, another instance) since the last publish.
      let seenSeq = changeSeq;
      if (changeSeq === undefined || published === undefined) seenSeq = await store.latestChangeSeq();
      else {
        for (const c of await store.readChangesSince(changeSeq)) {
          for (const k of c.scopes) affected.add(k);
          seenSeq = c.seq;
        }
      }
      // Embargoes that ended since the last publish: their feeds change now, with no write.
      if (visibleUntil !== undefined) for (const k of await store.scopesPublishedBetween(visibleUntil, startedAt)) affected.add(k);
      // Remembered until a publish includes them, so a failed compile does not lose a change.
      for (const s of affected) pending.add(s);
      for (const s of pending) affected.add(s);

      const cold = published === undefined || renderAll;
      if (!cold && affected.size === 0) {
        rep.ok = true;
        return rep;
      }
      const scopeList = cold ? await store.listScopes(undefined, startedAt) : await store.listScopes([...affected], startedAt);
      const byKey = new Map(scopeList.map((s) => [s.key, s]));
      // Every feed ever published keeps being served (empty if its articles are gone): a reader's
      // subscription must not turn into a 404.
      const toRender = cold ? new Set<string>(['', ...byKey.keys(), ...states.keys()]) : new Set([...affected].filter((k) => byKey.has(k) || states?.has(k) || k === ''));
      // Feeds with no article left keep their stored label (a title never depends on the items).
      for (const [key, label] of await store.scopeLabels([...toRender].filter((k) => k !== '' && !byKey.has(k)))) byKey.set(key, { key, label, items: 0 });

      const documents = new Map(published?.documents ?? []);
      const newStates = new Map<string, FeedState>();
      const rows: DocumentRow[] = [];
      const jobs: Promise<void>[] = [];
      const failed = new Set<string>();
      /** Body files of the documents this publish replaces: deleted after it unless still named. */
      const replaced: string[] = [];
      const publishDoc = (path: string, docs: CompiledDocument[]) => {
        for (const old of documents.get(path) ?? []) for (const c of CODINGS) replaced.push(old[c].file);
        documents.set(path, docs);
        rep.documents += docs.length;
        docs.forEach((d, i) => rows.push({ path, origin: (contexts[i] as RenderContext).origin.href, record: { contentType: d.contentType, lastModified: d.lastModified, hash: d.hash, sizes: d.sizes } }));
      };
      for (const key of [...toRender].sort()) {
        try {
          const summary = byKey.get(key);
          const scope: Scope = { key, kind: scopeKind(key), label: summary?.label ?? labelFromKey(key) };
          const items = await store.newestInScope(key, site.itemLimit, startedAt);
          const digest = contentDigest(baseDigest, scope, items);
          const previous = states.get(key);
          const unchanged = previous !== undefined && previous.digest === digest;
          if (unchanged && documents.has(feedPath(key, 'rss'))) continue;
          const lastModified = unchanged ? previous.lastModified : nextLastModified(items, previous, startedAt);
          const feed: FeedContent = { scope, items: items.map((i) => notAfter(prepare(i), lastModified)), lastModified };
          rep.feedsRendered += 1;
          if (!unchanged) rep.feedsChanged.push(key);
          newStates.set(key, { digest, lastModified });
          for (const format of FORMATS) {
            const path = feedPath(key, format);
            const texts = contexts.map((ctx) => renderers[format](feed, ctx));
            jobs.push(compileFor(path, CONTENT_TYPES[format], lastModified, texts).then((docs) => publishDoc(path, docs)));
          }
        } catch (err) {
          failed.add(key);
          rep.failedFeeds.push({ scope: key, error: (err as Error).message });
          log(`feed ${key === '' ? '(site)' : key} failed: ${(err as Error).message}`);
        }
        // Bounded: at most a few feeds' documents are in flight (memory), enough to keep the
        // thread pool busy while this thread renders the next feed.
        if (jobs.length >= 12) await Promise.all(jobs.splice(0, jobs.length - 6));
      }
      await Promise.all(jobs);

      // The directory documents list every feed; they change whenever a feed did.
      const finalStates = new Map([...states, ...newStates]);
      const feeds = cold || published === undefined ? await listing(new Set(['', ...finalStates.keys()]), finalStates, startedAt) : updateListing(published.feeds, toRender, byKey, finalStates);
      const directoryModified = feeds.reduce((m, f) => Math.max(m, f.lastModified), 0);
      publishDoc('/feeds.opml', await compileFor('/feeds.opml', CONTENT_TYPES.opml, directoryModified, contexts.map((c) => renderOpml(feeds, site, c.origin, dates))));
      publishDoc('/', await compileFor('/', CONTENT_TYPES.html, directoryModified, contexts.map((c) => renderIndexPage(feeds, site, c.origin))));

      await store.writePublish({ states: newStates, documents: rows, renderDigest: baseDigest, visibleUntil: startedAt, changeSeq: seenSeq ?? 0 });
      visibleUntil = startedAt;
      changeSeq = seenSeq;
      states = finalStates;
      pending.clear();
      for (const k of failed) pending.add(k);
      published = {
        generation: (published?.generation ?? 0) + 1,
        publishedAt: clock(),
        documents,
        feeds,
        articles: await store.countArticles(),
      };
      rep.published = true;
      renderAll = false;
      rep.ok = failed.size === 0;
      for (const l of listeners) l(published);
      // Bodies no published document names any more are deleted (a reader still downloading one
      // keeps its open file): after a full compile by listing the folder, otherwise just the
      // ones this publish replaced, so a small publish does not list thousands of files.
      const live = new Set<string>();
      for (const docs of documents.values()) for (const d of docs) for (const c of CODINGS) live.add(d[c].file);
      bodies.prune(live, cold ? undefined : replaced);
      return rep;
    } catch (err) {
      const e = wrapError('COMPILE_FAILED', 'compile failed', err);
      rep.error = e.message;
      rep.errorCode = e.code;
      log(`compile failed, the last good documents stay live: ${e.message}`);
      return rep;
    } finally {
      rep.durationMs = clock() - startedAt;
      report = rep;
    }
  }

  let againFiles = false;
  async function compile(opts: { files?: boolean } = {}): Promise<CompileReport> {
    const scan = opts.files !== false;
    if (running) {
      again = true;
      againFiles ||= scan;
      return running;
    }
    running = (async () => {
      let rep = await runOnce(scan);
      while (again) {
        const nextScan = againFiles;
        again = false;
        againFiles = false;
        rep = await runOnce(nextScan);
      }
      return rep;
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  }

  /** The feed listing after an incremental compile: only the rendered feeds' entries change. */
  function updateListing(previous: readonly FeedListing[], rendered: Set<string>, counts: Map<string, ScopeSummary>, finalStates: Map<string, FeedState>): FeedListing[] {
    const byKey = new Map(previous.map((f) => [f.scope.key, f]));
    for (const key of rendered) {
      const summary = counts.get(key);
      const state = finalStates.get(key);
      const old = byKey.get(key);
      byKey.set(key, {
        scope: { key, kind: scopeKind(key), label: summary?.label ?? old?.scope.label ?? labelFromKey(key) },
        items: Math.min(summary?.items ?? 0, site.itemLimit),
        lastModified: state?.lastModified ?? old?.lastModified ?? 0,
      });
    }
    return [...byKey.values()].sort((a, b) => (a.scope.key < b.scope.key ? -1 : a.scope.key > b.scope.key ? 1 : 0));
  }

  return {
    compile,
    close: async () => {
      files?.close();
      await compressor.close();
    },
    restore,
    current: () => published,
    lastReport: () => report,
    onPublish: (l) => void listeners.push(l),
    whenIdle: async () => {
      while (running) await running.catch(() => undefined);
    },
  };
}

function labelFromKey(key: string): string {
  return decodeURIComponent(key.split('/').slice(1).join(' / '));
}
