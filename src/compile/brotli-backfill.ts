// Brotli in the background (issue 10): a document is published with identity and gzip, and its
// brotli body is made afterwards by the render workers at the lowest priority (see
// render-pool.ts). This module keeps the documents still waiting, hands their work to the pool,
// swaps each brotli body into the served set as it arrives (a new `br` variant with its own
// strong ETag `h-br`, RFC 9110 §8.8.3; Last-Modified and the other tags unchanged), and records
// the sizes in the manifest in batches, so a restart serves br at once for what was made.
// Work for a document that was replaced is dropped; a body that arrives for one is deleted.
// A published document's brotli work starts only after `delayMs` (default 10 s): a feed replaced
// sooner — every write of a burst replaces the site feed — never has a brotli body made for it,
// which under an API write every 250 ms was more CPU than rendering and gzip together (brotli
// quality 5 is ~2× gzip level 4 per byte, bench "codings"). Meanwhile br requests get gzip.
import { createTimeSlicer } from './time-slice.js';
import { FeedwrightError } from '../core/errors.js';
import type { BrotliSize } from '../store/store.js';
import type { BodyStore } from './body-store.js';
import type { RenderPool } from './render-pool.js';
import type { BrotliEncoded } from './render-task.js';

/** One served document (a path on one origin) whose brotli body is pending. */
export interface BrotliWanted {
  path: string;
  originIndex: number;
  /** Its identity hash: the brotli body is made from the file of that name. */
  hash: string;
}

/** What the backfill works with, given by the compiler. */
export interface BrotliBackfillOptions {
  renderer: Pick<RenderPool, 'encodeBrotli' | 'dropBrotli'>;
  bodies: Pick<BodyStore, 'hold'>;
  /** The manifest: sizes of the bodies made are recorded in batches. */
  record: (rows: BrotliSize[]) => Promise<void>;
  /** The origin's href by index (the manifest's key). */
  originHref: (index: number) => string;
  /**
   * Puts a made brotli body into the served set: true when the document at that path and
   * origin still has that hash and was still waiting (then it is served as br from now on).
   */
  install: (wanted: BrotliWanted, size: number) => boolean;
  /** A body made for a document that is no longer served: the compiler deletes it if no document names it. */
  orphan: (name: string) => void;
  /**
   * The identity body a brotli body is made from is missing, unreadable or corrupt (an error
   * with code BODY_UNREADABLE from the worker): the compiler withholds its documents and renders
   * their feeds again (see PublishedSource.reportBodyFault).
   */
  unreadable?: (err: FeedwrightError) => void;
  /**
   * Milliseconds after a publish before its documents' brotli work is queued (default
   * DEFAULT_BROTLI_DELAY_MS; 0 queues at once). settled() starts the waiting work at once.
   */
  delayMs?: number;
  log: (line: string) => void;
}

/** How long a published document waits before its brotli body is made: 10 s (see the module comment). */
export const DEFAULT_BROTLI_DELAY_MS = 10_000;

/** The background brotli work of one compiler. */
export interface BrotliBackfill {
  /**
   * Queues the brotli bodies of these documents once `after` settles (the deletion of the
   * bodies the same publish replaced, so a file is never deleted after it was made again). A
   * document already waiting at the same path and origin is replaced by the new one.
   */
  add(wanted: readonly BrotliWanted[], after: Promise<unknown>): void;
  /** Forgets the documents at these (path, origin index) pairs: their queued work is dropped. */
  forget(keys: Iterable<[path: string, originIndex: number]>): void;
  /** Documents (one per origin) still waiting for their brotli body. */
  pending(): number;
  /**
   * Resolves when nothing waits: every body made (or failed or dropped) and its size recorded.
   * Work still in its delay starts at once (the caller wants it done: `feedwright compile`, whose
   * documents nobody serves until the next start).
   */
  settled(): Promise<void>;
  /** Stops queuing; resolves once the sizes already made are recorded. */
  close(): Promise<void>;
}

/** Sizes recorded in one store transaction at most (one fsync per batch, not per body). */
const RECORD_BATCH = 64;

const keyOf = (path: string, originIndex: number) => `${originIndex}\0${path}`;

/** Creates the backfill (see BrotliBackfill). */
export function createBrotliBackfill(options: BrotliBackfillOptions): BrotliBackfill {
  const { renderer, log } = options;
  /** Waiting documents by path and origin. */
  const waiting = new Map<string, BrotliWanted>();
  /** The (path, origin) keys waiting on each hash: one job per hash, whoever asked. */
  const byHash = new Map<string, Set<string>>();
  /** The job whose answer counts, by hash (a dropped hash asked for again gets a new job). */
  const running = new Map<string, number>();
  /** add() calls whose work waits for their publish's deletions before it reaches the pool. */
  let deferred = 0;
  let jobs = 0;
  let unrecorded: BrotliSize[] = [];
  let recording: Promise<void> = Promise.resolve();
  let waiters: (() => void)[] = [];
  let closed = false;
  const delayMs = Math.max(0, options.delayMs ?? DEFAULT_BROTLI_DELAY_MS);
  /** Batches in their delay, each queued at once when called (see settled()). */
  const delayed = new Set<() => void>();
  /** A settled() caller waits: batches skip their delay until it is woken. */
  let hurrying = false;

  const flush = () => {
    if (unrecorded.length === 0) return;
    const rows = unrecorded;
    unrecorded = [];
    recording = recording.then(() => options.record(rows)).catch((err: unknown) => log(`could not record ${rows.length} brotli bodies in the manifest (they are made again after a restart): ${(err as Error).message}`));
  };

  /**
   * Records what was made once no body is being made (batches still in their delay do not hold
   * the sizes back: under a write every few seconds there always is one, and a size not recorded
   * is a body made again after a restart, and gzip served meanwhile by the other instances of a
   * cluster), and wakes settled() once no work is left.
   */
  const wake = () => {
    if (running.size === 0 || closed) flush();
    if ((running.size > 0 || deferred > 0) && !closed) return;
    flush();
    hurrying = false;
    const ready = waiters;
    waiters = [];
    void recording.then(() => ready.forEach((w) => w()));
  };

  /**
   * Stops waiting for a document's body; a hash no document waits for any more is added to
   * `drop`, for one renderer.dropBrotli call per batch (each call scans the pool's queue: one per
   * document made a full re-render's forget quadratic, ~40 ms of the serving thread at 3,000
   * documents).
   */
  const unlink = (key: string, drop: string[]) => {
    const w = waiting.get(key);
    if (w === undefined) return;
    waiting.delete(key);
    const keys = byHash.get(w.hash);
    keys?.delete(key);
    if (keys !== undefined && keys.size === 0) {
      byHash.delete(w.hash);
      drop.push(w.hash);
    }
  };

  function start(hash: string): void {
    if (closed || running.has(hash) || !byHash.has(hash)) return;
    const job = (jobs += 1);
    running.set(hash, job);
    renderer.encodeBrotli({ hash }).then(
      (r) => arrived(hash, job, r),
      (err: unknown) => failed(hash, job, err),
    );
  }

  function arrived(hash: string, job: number, result: BrotliEncoded | undefined): void {
    if (running.get(hash) === job) running.delete(hash);
    if (result === undefined) {
      // Dropped before it started: asked for again since (a revert), so a new job (unless
      // closed: start() asks nothing of a closed pool).
      start(hash);
      wake();
      return;
    }
    const keys = byHash.get(hash);
    byHash.delete(hash);
    let served = false;
    for (const key of keys ?? []) {
      const w = waiting.get(key) as BrotliWanted;
      waiting.delete(key);
      if (options.install(w, result.size)) {
        served = true;
        unrecorded.push({ path: w.path, origin: options.originHref(w.originIndex), hash, size: result.size });
      }
    }
    if (served && result.body !== undefined) options.bodies.hold(`${hash}-br`, result.body);
    // Made for documents replaced meanwhile: deleted unless a served document names it.
    if (!served && !closed) options.orphan(`${hash}-br`);
    if (unrecorded.length >= RECORD_BATCH) flush();
    wake();
  }

  function failed(hash: string, job: number, err: unknown): void {
    if (running.get(hash) !== job) return;
    running.delete(hash);
    const keys = byHash.get(hash);
    byHash.delete(hash);
    // Still served as gzip to br requests; made again after a restart (the manifest says pending).
    if (keys !== undefined && keys.size > 0 && !closed) {
      log(`the brotli body of ${hash} failed (gzip is served for it): ${(err as Error).message}`);
      if (err instanceof FeedwrightError && err.code === 'BODY_UNREADABLE') options.unreadable?.(err);
    }
    for (const key of keys ?? []) waiting.delete(key);
    wake();
  }

  return {
    add(wanted, after) {
      if (closed || wanted.length === 0) return;
      const hashes = new Set<string>();
      const drop: string[] = [];
      for (const w of wanted) {
        const key = keyOf(w.path, w.originIndex);
        if (waiting.get(key)?.hash === w.hash) continue;
        unlink(key, drop);
        waiting.set(key, w);
        let keys = byHash.get(w.hash);
        if (keys === undefined) byHash.set(w.hash, (keys = new Set()));
        keys.add(key);
        hashes.add(w.hash);
      }
      // A hash dropped above and wanted again in this batch stays queued.
      const dropped = drop.filter((h) => !byHash.has(h));
      if (dropped.length > 0) renderer.dropBrotli(dropped);
      if (hashes.size === 0) return;
      deferred += 1;
      // Thousands after a full re-render: queued in slices, so the serving thread answers
      // readers in between (~150 ms in one go at 3,000 articles). A hash whose documents were
      // all replaced during the delay is no longer in byHash, and start() skips it.
      let timer: NodeJS.Timeout | undefined;
      let begun = false;
      const go = async () => {
        if (begun) return;
        begun = true;
        delayed.delete(queueNow);
        clearTimeout(timer);
        const slicer = createTimeSlicer();
        for (const h of hashes) {
          if (slicer.due()) await slicer.pause();
          start(h);
        }
        deferred -= 1;
        wake();
      };
      const queueNow = () => void go();
      const wait = () => {
        if (delayMs === 0 || hurrying || closed) return queueNow();
        delayed.add(queueNow);
        // Unref'd: a process with nothing else to do exits; the manifest keeps these pending.
        timer = setTimeout(queueNow, delayMs);
        timer.unref();
      };
      void after.then(wait, wait);
    },
    forget(keys) {
      const drop: string[] = [];
      for (const [path, originIndex] of keys) unlink(keyOf(path, originIndex), drop);
      if (drop.length > 0) renderer.dropBrotli(drop);
      wake();
    },
    pending: () => waiting.size,
    settled() {
      if ((running.size === 0 && deferred === 0) || closed) return recording;
      hurrying = true;
      for (const queueNow of [...delayed]) queueNow();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      // Their start() does nothing now; this only ends their waits.
      for (const queueNow of [...delayed]) queueNow();
      wake();
      await recording;
    },
  };
}
