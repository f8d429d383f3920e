// The store as the cluster's compiler sees it: before a publish (or a brotli body) is recorded,
// the bodies it names are written to PostgreSQL (content-addressed, once), and the record itself
// is fenced by the compiler lock. So a manifest never names a body other instances cannot fetch,
// and an instance that lost the lock cannot publish.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { wrapError } from '../core/errors.js';
import { variantTag } from '../publish/header-rules.js';
import { BROTLI_PENDING } from '../publish/published-set.js';
import type { PgStore } from '../store/pg-store.js';
import { missingBodies, storeBodies, type BodyUpload } from '../store/pg/bodies.js';
import type { ArticleStore, DocumentRecord } from '../store/store.js';
import type { ClusterSession } from './session.js';

/** The body file names a manifest record names: identity and gzip, and brotli once it is made. */
export function recordBodyNames(r: DocumentRecord): { tag: string; hash: string }[] {
  const codings = r.sizes.br === BROTLI_PENDING ? (['identity', 'gzip'] as const) : (['identity', 'gzip', 'br'] as const);
  return codings.map((c) => ({ tag: variantTag(r.hash, c), hash: r.hash }));
}

/**
 * Writes to PostgreSQL the bodies among `names` it does not hold yet, read from the body folder
 * `dir` (where the render workers wrote them). Returns the names that are neither stored nor in
 * the folder. Throws a FeedwrightError `STORE_QUERY` when a query fails, or when `strict` and a
 * body is in neither place.
 */
export async function uploadBodies(store: PgStore, dir: string, names: readonly { tag: string; hash: string }[], strict: boolean): Promise<string[]> {
  try {
    const hashOf = new Map(names.map((n) => [n.tag, n.hash]));
    const missing = await missingBodies(store.pool, [...hashOf.keys()]);
    const uploads: BodyUpload[] = [];
    const lost: string[] = [];
    for (const tag of missing) {
      const bytes = await readFile(join(dir, tag)).catch(() => undefined);
      if (bytes === undefined) lost.push(tag);
      else uploads.push({ tag, hash: hashOf.get(tag) as string, bytes });
    }
    if (strict && lost.length > 0) throw new Error(`${lost.length} body file(s) are missing, e.g. ${lost[0] as string}`);
    await storeBodies(store.pool, uploads);
    return lost;
  } catch (err) {
    throw wrapError('STORE_QUERY', 'cannot store the published bodies in PostgreSQL', err);
  }
}

/**
 * The compiler's view of `store`: every method as the store's, but `writePublish` first writes
 * the bodies of the rows it records (from `dir`) and then records the manifest in a transaction
 * that checks the compiler lock (`session.checkLock`: throws NOT_COMPILER without it), and
 * `recordBrotliSizes` first writes the brotli bodies it records.
 */
export function createPublishingStore(store: PgStore, dir: string, session: Pick<ClusterSession, 'checkLock'>): ArticleStore {
  return {
    ...store,
    async writePublish(publish) {
      await uploadBodies(store, dir, publish.documents.flatMap((d) => recordBodyNames(d.record)), true);
      await store.writePublish(publish, { check: (client) => session.checkLock(client) });
    },
    async recordBrotliSizes(rows) {
      // A brotli body whose file is gone (its document replaced meanwhile) is not recorded.
      const lost = new Set(await uploadBodies(store, dir, rows.map((r) => ({ tag: variantTag(r.hash, 'br'), hash: r.hash })), false));
      await store.recordBrotliSizes(rows.filter((r) => !lost.has(variantTag(r.hash, 'br'))));
    },
  };
}
