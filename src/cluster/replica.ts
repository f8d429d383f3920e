// The published set as an instance that does not compile gets it: the manifest from PostgreSQL,
// the bodies it lacks fetched into its own body folder, then one swap — the same documents,
// bytes, entity-tags and Last-Modified as the compiling instance serves, nothing rendered here.
import { randomBytes } from 'node:crypto';
import { readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FeedwrightError } from '../core/errors.js';
import type { FeedListing } from '../core/render-directory.js';
import { scopeKind } from '../core/scopes.js';
import type { SiteConfig } from '../core/site.js';
import { createHeaderRules, documentFromRecord, variantTag } from '../publish/header-rules.js';
import { BROTLI_PENDING, type CompiledDocument, type PublishedSet } from '../publish/published-set.js';
import type { PgStore } from '../store/pg-store.js';
import { fetchBodies } from '../store/pg/bodies.js';
import type { DocumentRecord } from '../store/store.js';
import type { BodyStore } from '../compile/body-store.js';
import { siteDigest } from '../compile/feed-state.js';
import { count } from '../core/plural.js';

/** What the replica reads from and writes to. */
export interface ReplicaOptions {
  store: PgStore;
  bodies: BodyStore;
  site: SiteConfig;
  /** The schedule's period (Cache-Control), as the compiler is given it. */
  periodSeconds: number;
  log: (line: string) => void;
}

/** The set an instance serves when it is not the compiler. */
export interface Replica {
  /** The set served, undefined before the first sync found a published set. */
  current(): PublishedSet | undefined;
  /**
   * Brings the served set up to the store's manifest: reads it (one snapshot), fetches the
   * bodies the body folder lacks, swaps the set in, then deletes the bodies only the old set
   * named. Does nothing when the manifest's publish sequence number is the one served. Calls
   * made while one runs share it and then run once more. Resolves true when the served set is
   * the manifest's. Throws a FeedwrightError (`STORE_UNAVAILABLE`, `STORE_QUERY`) when the store
   * fails, or `STORE_QUERY` when a body the manifest names is not stored (the manifest moved on
   * and its bodies were collected: the next sync reads the newer one); the served set stays.
   */
  sync(): Promise<boolean>;
  /** Serves `set` (the last one a compiler of this instance published) until the next sync. */
  adopt(set: PublishedSet | undefined): void;
  /** Resolves when no sync is running. */
  idle(): Promise<void>;
  /**
   * Fetches one body file again (a file found missing, unreadable or the wrong size while
   * serving): deletes it and reads the whole manifest again, which fetches what the folder
   * lacks. Resolves true when the file is back; throws as `sync` does.
   */
  refetch(name: string): Promise<boolean>;
}

/** Creates the replica of one store's published set. */
export function createReplica(options: ReplicaOptions): Replica {
  const { store, bodies, site, log } = options;
  const headersFor = createHeaderRules(site, options.periodSeconds);
  const digest = siteDigest(site, options.periodSeconds);
  const originIndex = new Map(site.origins.map((o, i) => [o.href, i]));
  let set: PublishedSet | undefined;
  let seq: number | undefined;
  let warnedDigest = false;
  let running: Promise<boolean> | undefined;
  let again = false;
  let pruneAll = true;

  /** Writes a fetched body under its name: a temporary file renamed into place (readers never see a partial one). */
  const put = async (tag: string, bytes: Buffer) => {
    // `.<pid>-…tmp`: the body store's prune leaves this process's temporary files alone.
    const tmp = join(bodies.dir, `${tag}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, join(bodies.dir, tag));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
    bodies.hold(tag, bytes);
  };

  async function syncOnce(): Promise<boolean> {
    const manifest = await store.readPublished();
    if (manifest.publishSeq !== undefined && manifest.publishSeq === seq && set !== undefined) return true;
    if (manifest.documents.length === 0) return false;
    if (manifest.renderDigest !== digest && !warnedDigest) {
      warnedDigest = true;
      log('cluster: the published set was compiled with other settings than this instance\'s site.json (or another feedwright version); serving it as published');
    }
    const previous = set?.documents;
    const byPath = new Map<string, CompiledDocument[]>();
    const records: [path: string, index: number, record: DocumentRecord][] = [];
    for (const row of manifest.documents) {
      const i = originIndex.get(row.origin);
      if (i !== undefined) records.push([row.path, i, row.record]);
    }
    // The bodies the folder lacks: identity and gzip always, brotli once it is made.
    const onDisk = new Set(await readdir(bodies.dir));
    const wanted = new Set<string>();
    for (const [, , r] of records) {
      for (const suffix of r.sizes.br === BROTLI_PENDING ? ['identity', 'gzip'] as const : ['identity', 'gzip', 'br'] as const) {
        const name = bodyName(r, suffix);
        if (!onDisk.has(name)) wanted.add(name);
      }
    }
    const missing = new Set(await fetchBodies(store.pool, [...wanted], put).catch((err: unknown) => {
      throw new FeedwrightError('STORE_QUERY', `cannot fetch the published bodies: ${(err as Error).message}`, { cause: err });
    }));
    for (const [path, i, r] of records) {
      let record = r;
      if (missing.has(bodyName(r, 'identity')) || missing.has(bodyName(r, 'gzip'))) {
        throw new FeedwrightError('STORE_QUERY', `the published body of ${path} (${r.hash}) is not stored: the manifest moved on, reading it again`);
      }
      // A brotli body not stored (yet): served as gzip meanwhile, as on the compiler before it is made.
      if (r.sizes.br !== BROTLI_PENDING && missing.has(bodyName(r, 'br'))) record = { ...r, sizes: { ...r.sizes, br: BROTLI_PENDING } };
      let docs = byPath.get(path);
      if (!docs) byPath.set(path, (docs = []));
      const was = previous?.get(path)?.[i];
      docs[i] = was !== undefined && sameRecord(was, record) ? was : documentFromRecord(record, headersFor(path, record.contentType, i));
    }
    for (const [path, docs] of byPath) {
      // Every origin or none: a path some origin lacks is a manifest of other settings.
      if (docs.length !== site.origins.length || docs.includes(undefined as unknown as CompiledDocument)) byPath.delete(path);
    }
    const states = await store.readFeedStates();
    const feeds: FeedListing[] = [...new Set(['', ...states.keys()])].sort().map((key) => ({ scope: { key, kind: scopeKind(key), label: key }, items: 0, lastModified: states.get(key)?.lastModified ?? 0 }));
    const oldLive = liveNames(set?.documents);
    set = { generation: (set?.generation ?? 0) + 1, publishedAt: Date.now(), documents: byPath, feeds, articles: await store.countArticles() };
    seq = manifest.publishSeq;
    const live = liveNames(byPath);
    // The bodies only the old set named go (the first sync: every file no set names).
    const removed = await bodies.prune(live, pruneAll ? undefined : oldLive);
    pruneAll = false;
    log(`cluster: serving published set ${seq ?? '?'} (${count(byPath.size, 'document')}, ${count(wanted.size - missing.size, 'body', 'bodies')} fetched${removed > 0 ? `, ${removed} deleted` : ''})`);
    return true;
  }

  return {
    current: () => set,
    adopt(s) {
      if (s !== undefined) set = s;
      // Read the manifest in full again next time: this set came from elsewhere.
      seq = undefined;
      pruneAll = true;
    },
    async sync() {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        try {
          let ok = await syncOnce();
          while (again) {
            again = false;
            ok = await syncOnce();
          }
          return ok;
        } finally {
          running = undefined;
        }
      })();
      return running;
    },
    async idle() {
      while (running) await running.catch(() => undefined);
    },
    async refetch(name) {
      await unlink(join(bodies.dir, name)).catch(() => {});
      seq = undefined;
      await this.sync();
      return stat(join(bodies.dir, name)).then(() => true, () => false);
    },
  };
}

/** The body file name of one coding of a record (its entity-tag's opaque part). */
function bodyName(r: DocumentRecord, coding: 'identity' | 'gzip' | 'br'): string {
  return variantTag(r.hash, coding);
}

/** Whether a served document is exactly this record (same bytes, sizes and Last-Modified). */
function sameRecord(d: CompiledDocument, r: DocumentRecord): boolean {
  return d.hash === r.hash && d.lastModified === r.lastModified && d.contentType === r.contentType && d.sizes.identity === r.sizes.identity && d.sizes.gzip === r.sizes.gzip && d.sizes.br === r.sizes.br;
}

/** Every body file name a set names (all three codings, made or pending). */
function liveNames(documents: ReadonlyMap<string, readonly CompiledDocument[]> | undefined): Set<string> {
  const live = new Set<string>();
  for (const docs of documents?.values() ?? []) for (const d of docs) for (const name of d.etags) live.add(name);
  return live;
}
