// The archive cache (RFC 5005 §4): archive documents are not precompiled for every feed × month
// (hundreds of thousands of documents); each is rendered by the render pool on its first
// request, its bodies written content-addressed like the published set's (identity and gzip, in
// their own folder beside the published set's), and kept here with precomputed headers and validators, at most `maxMonths`
// months (least recently used go, with their files). A publish marks the months of the feeds
// that writes touched (the change log) or whose embargoes ended as stale: the next request
// renders them again, and unchanged content (the same digest) keeps its bytes and ETag.
import type { MonthKey } from '../core/archive-months.js';
import { FORMATS, type Format } from '../core/scopes.js';
import type { SiteConfig } from '../core/site.js';
import { createHeaderRules, documentFromRecord, variantTag } from '../publish/header-rules.js';
import { PUBLISH_CODINGS, type CompiledDocument, type DocumentRecord, type PublishedSet } from '../publish/published-set.js';
import type { ArchiveLookup, ArchiveSource } from '../publish/archive-source.js';
import type { ArticleStore } from '../store/store.js';
import { openBodyStore, type BodyStore } from './body-store.js';
import type { RenderPool } from './render-pool.js';
import { archiveBodiesDir, type RenderedDocument } from './render-task.js';

/**
 * Cache-Control of a closed month's archive (its links are final: the month is over and a newer
 * one has items). `immutable` (RFC 8246) spares readers' revalidations; the max-age is a week,
 * not a year, because an edit to an old article does change its month's archive: a correction
 * reaches every cache within a week (README, "Archives").
 */
export const CLOSED_ARCHIVE_CACHE_CONTROL = 'public, max-age=604800, immutable';
/** How many months (one feed's month: three formats on every origin) are kept by default. */
export const DEFAULT_ARCHIVE_MONTHS = 2_000;
/** The memory budget of archive bodies by default (they are read rarely; the files stay). */
export const DEFAULT_ARCHIVE_CACHE_BYTES = 16 * 1024 * 1024;

/** What the archive cache is built from. */
export interface ArchiveCacheOptions {
  site: SiteConfig;
  periodSeconds: number;
  /** The change log and embargo queries (the compiler's store). */
  store: Pick<ArticleStore, 'readChangesSince' | 'latestChangeSeq' | 'scopesPublishedBetween'>;
  renderer: Pick<RenderPool, 'renderArchive'>;
  /** The published set: which feeds exist, and their labels. */
  current: () => PublishedSet | undefined;
  /** The body folder; archive bodies go to the folder beside it (archiveBodiesDir). */
  documentsDir: string;
  maxMonths?: number;
  cacheBytes?: number;
  clock?: () => number;
  log?: (line: string) => void;
}

/** The archive source, plus what the wiring tells it. */
export interface ArchiveCache extends ArchiveSource {
  /** Hears of a publish: months of feeds that changed since the last one become stale. Never rejects. */
  published(): Promise<void>;
  /** Months kept (for tests and /healthz). */
  size(): number;
}

interface Entry {
  scope: string;
  /** The invalidation epoch when its render started: stale once its scope's epoch is later. */
  epoch: number;
  empty: boolean;
  digest: string;
  lastModified: number;
  closed: boolean;
  /** Records by format (FORMATS order), then origin. */
  records: DocumentRecord[][];
  paths: string[];
  /** Documents by format, then origin. */
  docs: CompiledDocument[][];
}

/**
 * Creates the archive cache. Before its first render it deletes the archive bodies a previous
 * run left (they are made again on request); a process that never serves archives (`compile`,
 * `import`) never touches the folder.
 */
export function createArchiveCache(options: ArchiveCacheOptions): ArchiveCache {
  const { site, store, renderer } = options;
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  const maxMonths = Math.max(1, options.maxMonths ?? DEFAULT_ARCHIVE_MONTHS);
  const bodies: BodyStore = openBodyStore(archiveBodiesDir(options.documentsDir), options.cacheBytes ?? DEFAULT_ARCHIVE_CACHE_BYTES);
  const headersFor = createHeaderRules(site, options.periodSeconds);
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<void>>();
  const scopeEpoch = new Map<string, number>();
  let epoch = 0;
  let labelsOf: { set: PublishedSet; labels: Map<string, string> } | undefined;
  // Where the change log stood when this cache started: every later write invalidates.
  let seq: Promise<number> = store.latestChangeSeq().catch(() => 0);
  let visibleChecked = clock();
  let invalidating: Promise<void> = Promise.resolve();
  /** Change-log readings queued or running. */
  let reading = 0;
  let startup: Promise<unknown> | undefined;
  /** The published set the change log was last read for: a new one (a publish here, or a replica's catch-up) invalidates first. */
  let seenSet: PublishedSet | undefined = options.current();

  const labels = (): Map<string, string> | undefined => {
    const set = options.current();
    if (set === undefined) return undefined;
    if (labelsOf?.set !== set) labelsOf = { set, labels: new Map(set.feeds.map((f) => [f.scope.key, f.scope.label])) };
    return labelsOf.labels;
  };
  const stale = (e: Entry) => (scopeEpoch.get(e.scope) ?? 0) > e.epoch;
  const filesOf = (records: DocumentRecord[][]) => records.flat().flatMap((r) => PUBLISH_CODINGS.map((c) => variantTag(r.hash, c)));
  /** Deletions of replaced and evicted bodies, in order; a render starts after those queued before it. */
  let pruning: Promise<unknown> = Promise.resolve();
  const forget = (files: string[]) => {
    if (files.length === 0) return;
    pruning = pruning.then(() => bodies.prune(new Set(), files)).catch((err: unknown) => log(`could not delete archive bodies: ${(err as Error).message}`));
  };
  const answer = (e: Entry, format: Format, originIndex: number): ArchiveLookup => {
    if (e.empty) return { kind: 'missing' };
    const perOrigin = e.docs[FORMATS.indexOf(format)] ?? [];
    return { kind: 'document', doc: (perOrigin[originIndex] ?? perOrigin[0]) as CompiledDocument };
  };
  const build = (records: DocumentRecord[][], paths: string[], closed: boolean): CompiledDocument[][] =>
    records.map((perOrigin, f) =>
      perOrigin.map((record, i) => {
        const rules = headersFor(paths[f] as string, record.contentType, i);
        return documentFromRecord(record, closed ? { ...rules, cacheControl: CLOSED_ARCHIVE_CACHE_CONTROL } : rules);
      }),
    );
  const keep = (k: string, e: Entry) => {
    const old = entries.get(k);
    entries.delete(k);
    entries.set(k, e);
    if (old !== undefined && !old.empty) {
      const now = new Set(filesOf(e.records));
      forget(filesOf(old.records).filter((f) => !now.has(f)));
    }
    while (entries.size > maxMonths) {
      const [first, evicted] = entries.entries().next().value as [string, Entry];
      entries.delete(first);
      forget(filesOf(evicted.records));
    }
  };

  /** Renders (or revalidates) one month; concurrent callers share it. */
  function refresh(k: string, scope: string, label: string, month: MonthKey): Promise<void> {
    const running = pending.get(k);
    if (running !== undefined) return running;
    const started = epoch;
    const old = entries.get(k);
    const known = old !== undefined && !old.empty ? { digest: old.digest, lastModified: old.lastModified } : undefined;
    const work = (startup ??= bodies.prune(new Set()).catch(() => 0))
      .then(() => pruning)
      .then(() => renderer.renderArchive({ key: scope, label, month, at: clock(), ...(known === undefined ? {} : { known }) }))
      .then((r) => {
        if (r.kind === 'empty') {
          keep(k, { scope, epoch: started, empty: true, digest: '', lastModified: 0, closed: false, records: [], paths: [], docs: [] });
        } else if (r.kind === 'unchanged' && old !== undefined && entries.get(k) === old) {
          const docs = r.closed === old.closed ? old.docs : build(old.records, old.paths, r.closed);
          keep(k, { ...old, epoch: started, closed: r.closed, docs });
        } else if (r.kind === 'rendered') {
          const documents: RenderedDocument[] = r.documents;
          for (const d of documents) d.bodies?.forEach((perOrigin, i) => PUBLISH_CODINGS.forEach((c, j) => bodies.hold(variantTag((d.records[i] as DocumentRecord).hash, c), perOrigin[j] as Uint8Array)));
          const records = documents.map((d) => d.records);
          const paths = documents.map((d) => d.path);
          keep(k, { scope, epoch: started, empty: false, digest: r.digest, lastModified: r.lastModified, closed: r.closed, records, paths, docs: build(records, paths, r.closed) });
        }
      })
      .finally(() => pending.delete(k));
    pending.set(k, work);
    return work;
  }

  function lookup(scopeKey: string, month: MonthKey, format: Format, originIndex: number): ArchiveLookup | Promise<ArchiveLookup> {
    const set = options.current();
    // A set this cache has not read the change log for (a publish here, a replica's catch-up), or
    // a reading in progress: the changes it includes are marked first.
    if (set !== seenSet) return published().then(() => lookup(scopeKey, month, format, originIndex));
    if (reading > 0) return invalidating.then(() => lookup(scopeKey, month, format, originIndex));
    const label = labels()?.get(scopeKey);
    if (label === undefined) return { kind: 'missing' };
    const k = `${scopeKey}\0${month}`;
    const e = entries.get(k);
    if (e !== undefined && !stale(e)) {
      entries.delete(k);
      entries.set(k, e);
      return answer(e, format, originIndex);
    }
    const settle = (): ArchiveLookup => {
      const now = entries.get(k);
      return now === undefined ? { kind: 'unavailable', error: 'the archive month was dropped while it was rendered' } : answer(now, format, originIndex);
    };
    const failed = (err: unknown): ArchiveLookup => ({ kind: 'unavailable', error: (err as Error).message });
    // Evicted while it was checked as unchanged: rendered once more, from scratch.
    return refresh(k, scopeKey, label, month).then(() => (entries.has(k) ? settle() : refresh(k, scopeKey, label, month).then(settle, failed)), failed);
  }

  function published(): Promise<void> {
    seenSet = options.current();
    reading += 1;
    invalidating = invalidating.then(async () => {
      try {
        const scopes = new Set<string>();
        let from = await seq;
        for (let batch = await store.readChangesSince(from); batch.length > 0; batch = await store.readChangesSince(from)) {
          for (const c of batch) {
            for (const s of c.scopes) scopes.add(s);
            from = c.seq;
          }
        }
        seq = Promise.resolve(from);
        const now = clock();
        for (const s of await store.scopesPublishedBetween(visibleChecked, now)) scopes.add(s);
        visibleChecked = now;
        epoch += 1;
        for (const s of scopes) scopeEpoch.set(s, epoch);
      } catch (err) {
        // Unknown changes: every month is rendered again (unchanged ones keep their bytes).
        epoch += 1;
        for (const e of entries.values()) scopeEpoch.set(e.scope, epoch);
        log(`archives: could not read the change log: ${(err as Error).message}`);
      } finally {
        reading -= 1;
      }
    });
    return invalidating;
  }

  function unreadable(scopeKey: string, month: MonthKey): void {
    const k = `${scopeKey}\0${month}`;
    const e = entries.get(k);
    if (e === undefined) return;
    // Its files stay: the render that replaces it writes the same names again, in place.
    entries.delete(k);
  }

  return { bodies, lookup, published, unreadable, size: () => entries.size };
}
