// Where document bytes live: content-addressed files on disk (so a restart serves at once and
// cold documents cost no memory), with the recently used ones held in memory within a budget.
// Render tasks write the files (see render-task.ts); the serving thread reads and caches them.
import { createTimeSlicer } from './time-slice.js';
import { mkdirSync, statSync } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { wrapError } from '../core/errors.js';
import { BodyUnreadableError, type BodyDamage, type DocumentBodies } from '../publish/published-set.js';

/** The bodies of every document version, on disk with an in-memory LRU. */
export interface BodyStore extends DocumentBodies {
  /** The folder the body files are in. */
  readonly dir: string;
  /** Keeps bytes already on disk in memory while the budget allows (a render's hot documents). */
  hold(name: string, bytes: Uint8Array): void;
  /**
   * Deletes files not in `live`: only the named `candidates` when given (what a publish
   * replaced), else every file in the folder (after a full compile) but this process's
   * temporary files, which a render worker may be writing right now (a background brotli body).
   */
  prune(live: Pick<ReadonlySet<string>, 'has'>, candidates?: Iterable<string>): Promise<number>;
  /**
   * The named files that are not on disk with the given size (bytes), each with what is wrong:
   * `missing`, `unreadable` (stat failed otherwise) or `wrong-size`. Empty when all are intact.
   * Synchronous: start-up runs it once over the manifest, before serving.
   */
  inspect(files: Iterable<[name: string, size: number]>): Map<string, BodyDamage>;
  /** Bytes held in memory. */
  memoryBytes(): number;
}

/** Unlinks in flight at once when pruning (libuv's pool has 4 threads; readers' reads need room). */
const PRUNE_LANES = 2;

/** What a failed stat or read says about a body file. */
function damageOf(err: unknown): BodyDamage {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'missing' : 'unreadable';
}

/**
 * Opens (creating) a body store in `dir` holding at most `budgetBytes` in memory. Throws
 * STORE_OPEN when the folder cannot be created.
 */

export function openBodyStore(dir: string, budgetBytes: number): BodyStore {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw wrapError('STORE_OPEN', `cannot create the document folder ${dir}`, err);
  }
  // A Map keeps insertion order: re-inserting on use makes the first key the least recently used.
  const lru = new Map<string, Buffer>();
  let held = 0;
  const loading = new Map<string, Promise<Buffer>>();

  const remember = (name: string, bytes: Buffer) => {
    if (bytes.length > budgetBytes) return;
    const old = lru.get(name);
    if (old) {
      lru.delete(name);
      held -= old.length;
    }
    lru.set(name, bytes);
    held += bytes.length;
    while (held > budgetBytes) {
      const first = lru.keys().next().value as string;
      held -= (lru.get(first) as Buffer).length;
      lru.delete(first);
    }
  };

  return {
    dir,
    hold(name, bytes) {
      remember(name, Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
    cached(name) {
      const bytes = lru.get(name);
      if (bytes !== undefined && lru.size > 1) {
        lru.delete(name);
        lru.set(name, bytes);
      }
      return bytes;
    },
    load(name, size) {
      const hit = lru.get(name);
      if (hit) return Promise.resolve(hit);
      let pending = loading.get(name);
      if (pending === undefined) {
        pending = readFile(join(dir, name)).then(
          (bytes) => {
            loading.delete(name);
            // A short or long file (cut by a crash, or replaced by hand) is never served nor kept.
            if (bytes.length !== size) throw new BodyUnreadableError({ file: name, damage: 'wrong-size' });
            remember(name, bytes);
            return bytes;
          },
          (err: unknown) => {
            loading.delete(name);
            throw err instanceof BodyUnreadableError ? err : new BodyUnreadableError({ file: name, damage: damageOf(err) }, err);
          },
        );
        loading.set(name, pending);
      }
      return pending;
    },
    async check(name, size) {
      if (lru.has(name)) return;
      let actual: number;
      try {
        actual = (await stat(join(dir, name))).size;
      } catch (err) {
        throw new BodyUnreadableError({ file: name, damage: damageOf(err) }, err);
      }
      if (actual !== size) throw new BodyUnreadableError({ file: name, damage: 'wrong-size' });
    },
    async prune(live, candidates) {
      // The folder is listed and files unlinked off this thread (libuv's pool): a publish that
      // replaces a hundred bodies on a busy disk must not hold up the readers.
      const ours = `.${process.pid}-`;
      const names = candidates ?? (await readdir(dir)).filter((name) => !(name.endsWith('.tmp') && name.includes(ours)));
      // In slices: after a full re-render these are tens of thousands of names, looked at on
      // the serving thread.
      const slicer = createTimeSlicer();
      const doomed: string[] = [];
      for (const name of new Set(names)) {
        if (slicer.due()) await slicer.pause();
        if (!live.has(name)) doomed.push(name);
      }
      for (const name of doomed) {
        const bytes = lru.get(name);
        if (bytes) {
          lru.delete(name);
          held -= bytes.length;
        }
      }
      // A few at a time: libuv's pool (4 threads) also reads the bodies readers ask for, and a
      // full re-render replaces thousands of files — queued all at once, they held a reader's
      // read behind every unlink (1.7 s measured at 5,000 articles).
      let removed = 0;
      let next = 0;
      const lane = async () => {
        while (next < doomed.length) {
          const name = doomed[next] as string;
          next += 1;
          removed += await unlink(join(dir, name)).then(() => 1, () => 0);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PRUNE_LANES, doomed.length) }, lane));
      return removed;
    },
    inspect(files) {
      const bad = new Map<string, BodyDamage>();
      for (const [name, size] of files) {
        if (bad.has(name)) continue;
        try {
          if (statSync(join(dir, name)).size !== size) bad.set(name, 'wrong-size');
        } catch (err) {
          bad.set(name, damageOf(err));
        }
      }
      return bad;
    },
    memoryBytes: () => held,
  };
}
