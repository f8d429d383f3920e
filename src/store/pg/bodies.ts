// The published document bodies in PostgreSQL (the `bodies` table, migration 3): written once by
// the compiling instance under their entity-tag, read by every other instance for the bodies it
// lacks, and collected when no manifest row names them any more. Content-addressed: a tag always
// names the same bytes, so a write never replaces anything and a read never sees a half body.
import type pg from 'pg';

/** One body to store: its tag (the body file's name), the identity hash it derives from, its bytes. */
export interface BodyUpload {
  tag: string;
  hash: string;
  bytes: Buffer;
}

/** Bytes per INSERT statement at most (a full re-render uploads a few gigabytes in such batches). */
const UPLOAD_BATCH_BYTES = 16 * 1024 * 1024;
/** Tags per SELECT when fetching (feed bodies are ~100 KB–1 MB each). */
const FETCH_BATCH_TAGS = 32;

/** The tags among `tags` that have no stored body. Throws node-pg's error when the query fails. */
export async function missingBodies(pool: pg.Pool, tags: readonly string[]): Promise<string[]> {
  if (tags.length === 0) return [];
  const { rows } = await pool.query<{ tag: string }>('SELECT tag FROM bodies WHERE tag = ANY($1::text[])', [[...new Set(tags)]]);
  const have = new Set(rows.map((r) => r.tag));
  return [...new Set(tags)].filter((t) => !have.has(t));
}

/**
 * Stores bodies under their tags, each once: a tag already stored is left as it is (its bytes are
 * the same by construction). Batches of about 16 MB, each its own statement (autocommit): a
 * compile that dies halfway leaves whole bodies, which a later publish uses or collection removes.
 * Throws node-pg's error when a statement fails (the bodies before it stay stored).
 */
export async function storeBodies(pool: pg.Pool, bodies: readonly BodyUpload[]): Promise<void> {
  let batch: BodyUpload[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await pool.query('INSERT INTO bodies (tag, hash, bytes) SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT (tag) DO NOTHING', [
      batch.map((b) => b.tag),
      batch.map((b) => b.hash),
      batch.map((b) => b.bytes),
    ]);
    batch = [];
    size = 0;
  };
  for (const b of bodies) {
    batch.push(b);
    size += b.bytes.length;
    if (size >= UPLOAD_BATCH_BYTES) await flush();
  }
  await flush();
}

/**
 * Reads the stored bodies of `tags`, calling `each` with every one found (in batches of 32, so
 * memory holds a few megabytes at a time). Returns the tags that have no stored body. Throws
 * node-pg's error when a query fails, or what `each` throws.
 */
export async function fetchBodies(pool: pg.Pool, tags: readonly string[], each: (tag: string, bytes: Buffer) => Promise<void>): Promise<string[]> {
  const wanted = [...new Set(tags)];
  const missing: string[] = [];
  for (let i = 0; i < wanted.length; i += FETCH_BATCH_TAGS) {
    const slice = wanted.slice(i, i + FETCH_BATCH_TAGS);
    const { rows } = await pool.query<{ tag: string; bytes: Buffer }>('SELECT tag, bytes FROM bodies WHERE tag = ANY($1::text[])', [slice]);
    const found = new Set<string>();
    for (const r of rows) {
      found.add(r.tag);
      await each(r.tag, r.bytes);
    }
    for (const t of slice) if (!found.has(t)) missing.push(t);
  }
  return missing;
}

/**
 * Deletes the bodies no manifest row names (by identity hash) that were stored more than
 * `graceMs` ago: an instance still fetching the set before has that long. Returns how many were
 * deleted. Throws node-pg's error when the statement fails.
 */
export async function collectBodies(pool: pg.Pool, graceMs: number): Promise<number> {
  const result = await pool.query("DELETE FROM bodies b WHERE b.stored_at < now() - $1 * interval '1 millisecond' AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.hash = b.hash)", [graceMs]);
  return result.rowCount ?? 0;
}
