// The render pool: worker threads (one per core) that render, compress and write feed documents
// (and read and validate article files on a large sync), so the thread that answers readers only
// dispatches tasks, stores what changed and swaps in the published set. Background work (the
// brotli bodies of published documents) has the lowest priority: it goes only to a worker with
// nothing else to do, one task at a time, so a render never queues behind it. A
// worker that dies (an uncaught exception, an out-of-memory kill, process.exit) costs only the
// tasks it had in flight: each is tried once more, alone on a worker, so a second death names
// the task that causes it, which then fails (that feed keeps its last good documents). The pool
// starts a replacement for every worker that dies. Workers that have had no task of any kind
// (render, directory, read, archive, background brotli) for `idleMs` retire: each is asked to stop
// as close() asks it (it exits once its tasks are done; none are) and is not replaced, so a
// serving process with nothing to compile does not hold their heaps; the next task starts a fresh
// set. When workers cannot run (TypeScript
// sources under tsx, whose loader does not reach workers on Node 20; a store with no file), the
// same task code runs on this thread, so the bytes are the same either way.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FeedwrightError, type ErrorCode } from '../core/errors.js';
import { readArticleFiles, type ArticleFileRead } from './source-files.js';
import { scanArticleFolder, type FolderScan } from './folder-scan.js';
import type { ArticleStore } from '../store/store.js';
import type { PrepareSettings } from './prepared.js';
import type { ArchiveRendered, ArchiveTask } from './archives.js';
import { createRenderTasks, type RenderedDocument, type BrotliEncoded, type BrotliTask, type DirectoryRendered, type DirectoryTask, type FeedReader, type FeedRendered, type FeedTask, type RenderSettings, type RenderTasks } from './render-task.js';
import { count } from '../core/plural.js';

/** What a worker is started with. */
export interface WorkerSetup {
  settings: RenderSettings;
  /** The SQLite file the worker opens read-only ('' with a databaseUrl). */
  databaseFile: string;
  /** The PostgreSQL store's URL (search path included): the worker opens read-only sessions on it. */
  databaseUrl?: string;
}

/** Messages to a worker: a task, or (tests only) a fault to arm. */
export type ToWorker =
  | { type: 'feed'; id: number; task: FeedTask }
  | { type: 'directory'; id: number; task: DirectoryTask }
  | { type: 'read'; id: number; task: ReadTask }
  | { type: 'scan'; id: number; task: ScanTask }
  | { type: 'brotli'; id: number; task: BrotliTask }
  | { type: 'archive'; id: number; task: ArchiveTask }
  | { type: 'fault'; key: string; kind: FaultKind | null }
  /** Finish the tasks in hand, then exit (see close). */
  | { type: 'stop' };

/** Read, validate and digest a batch of article files. */
export interface ReadTask {
  dir: string;
  names: string[];
  timeZone: string;
  /** Given: each article is also prepared for storing (sanitised; see prepared.ts). */
  prepare?: PrepareSettings;
}

/** Scan the article folder against the store's file index (see folder-scan.ts). */
export interface ScanTask {
  dir: string;
}

/** Messages from a worker. */
export type FromWorker =
  | { type: 'ready' }
  /** The start-up warm-up ended (RenderTasks.warmUp): documents rendered and encoded, and how long it took, ms. */
  | { type: 'warmed'; documents: number; ms: number }
  | { type: 'done'; id: number; result: FeedRendered | DirectoryRendered | ArticleFileRead[] | FolderScan | BrotliEncoded | ArchiveRendered<RenderedDocument> }
  | { type: 'failed'; id: number; message: string; code: ErrorCode };

/**
 * A fault a test can inject: the worker exits, allocates until its heap limit stops it (a real
 * out-of-memory kill, `ERR_WORKER_OUT_OF_MEMORY`), or the render throws. On this thread (no
 * workers) every kind throws.
 */
export type FaultKind = 'exit' | 'oom' | 'throw';

/** How the pool is set up. */
export interface RenderPoolOptions {
  settings: RenderSettings;
  /** The store this thread renders (and scans the article folder) from when no worker can run. */
  store: FeedReader & Pick<ArticleStore, 'readFileIndex'>;
  /** The SQLite file each worker opens read-only; undefined or ':memory:' renders on this thread. */
  databaseFile?: string;
  /** The PostgreSQL store's URL: each worker opens its own read-only pool of two connections on it (instead of a file). */
  databaseUrl?: string;
  /** Worker threads (default: one per core; 0 renders on this thread). */
  threads?: number;
  /** Each worker's heap limit in MB: a runaway render stops its worker, not the process. */
  heapMb?: number;
  /** A task running longer than this stops its worker (a render stuck in a loop): default 2 minutes. */
  taskTimeoutMs?: number;
  /**
   * Milliseconds with no task queued or in flight (of any kind, background brotli work included)
   * after which the workers retire: they stop gracefully, are not replaced, and the next task
   * starts a fresh set (see RenderPool.liveWorkers). Default DEFAULT_IDLE_MS; 0 (or a negative
   * or non-finite value) keeps them for the pool's life.
   */
  idleMs?: number;
  /**
   * Workers a retirement keeps (default DEFAULT_KEEP_WORKERS, at most `threads`): a write's
   * compile (a few feeds) then renders at once on the kept worker instead of waiting 0.7-0.8 s
   * for threads to start; the others start again only when tasks queue behind the kept ones.
   * 0 retires them all (least memory).
   */
  keepWorkers?: number;
  log?: (line: string) => void;
}

/** Renders feeds and directory documents in worker threads, or on this thread. */
export interface RenderPool {
  /** Starts the workers (they load while the compile reads its sources); the first task does it too. */
  start(): void;
  renderFeed(task: FeedTask): Promise<FeedRendered>;
  renderDirectory(task: DirectoryTask): Promise<DirectoryRendered>;
  /** Reads a batch of article files (see readArticleFiles). */
  readArticles(task: ReadTask): Promise<ArticleFileRead[]>;
  /**
   * Scans the article folder against the file index (see scanArticleFolder): in a worker, on
   * its own store connection, so a 100,000-file scan takes nothing from the serving thread but
   * the answer. Queued with the renders. Rejects as scanArticleFolder throws.
   */
  scanFolder(task: ScanTask): Promise<FolderScan>;
  /**
   * Renders one feed's RFC 5005 archive month (see archives.ts) like a feed: queued with the
   * renders, on the worker that last rendered the feed. Rejects as renderFeed does.
   */
  renderArchive(task: ArchiveTask): Promise<ArchiveRendered<RenderedDocument>>;
  /**
   * Background work: makes and writes the brotli body of the published identity body `hash`
   * (see RenderTasks.encodeBrotli). Runs only when no render, directory or read task waits, on a
   * worker with nothing else in flight (one at a time per worker). Resolves undefined when the
   * work was dropped (dropBrotli, close) before it started; rejects when it failed or the pool
   * is closed.
   */
  encodeBrotli(task: BrotliTask): Promise<BrotliEncoded | undefined>;
  /** Drops queued (not yet started) brotli work for these identity hashes: their promises resolve undefined. */
  dropBrotli(hashes: Iterable<string>): void;
  /**
   * How many worker threads render (0: this thread does). Workers that retired idle still count
   * (the next task starts them again): see liveWorkers for the threads running now.
   */
  threads(): number;
  /**
   * Worker threads running now: started and not yet exited, those retiring (asked to stop, not yet
   * gone) included. 0 before the first task, and after the workers retired idle.
   */
  liveWorkers(): number;
  /** Worker threads started, not stopping, and ready for tasks (their code loaded): at most liveWorkers(). */
  readyWorkers(): number;
  /**
   * Workers that ended their start-up warm-up (RenderTasks.warmUp: the site feed rendered and
   * encoded once, nothing written), counted over the pool's life; 0 on this thread. A worker
   * that got a task before it began warms up on that task instead and is not counted.
   */
  warmedUp(): number;
  /**
   * For tests: renders of `key` fail after writing their first document — `exit` stops the
   * worker, `oom` runs it out of memory, `throw` raises an exception — on every worker
   * (replacements started meanwhile included, so a retried task meets the fault too) until a
   * render task of `key` settles; then the fault is disarmed everywhere.
   */
  injectFault(key: string, kind: FaultKind): void;
  /** Stops the workers; queued and running tasks fail (queued background work resolves undefined). */
  close(): Promise<void>;
}

/** How long close() (or a retirement) waits for a worker to finish its tasks and exit before it terminates it. */
const STOP_GRACE_MS = 10_000;
/**
 * How long the workers may sit with nothing to do before they retire: 30 s. `serve` compiles
 * every minute by default, but a compile that finds nothing changed sends the pool no task (its
 * few changed files are read on the serving thread, and with no changed feed nothing is
 * rendered), so a quiet site drops its workers 30 s after the last render or brotli body, and a
 * compile that renders starts them again (its first task waits for their start-up: 0.7-0.8 s for
 * two workers on a 2-core machine, measured on the 20,000-article store).
 */
export const DEFAULT_IDLE_MS = 30_000;
/**
 * Workers an idle retirement keeps: 1. One idle worker holds ~20 MB (measured on the
 * 20,000-article store); without it every write after a quiet spell waits for a thread to start.
 */
export const DEFAULT_KEEP_WORKERS = 1;
/**
 * Each worker's young generation (V8's nursery: two semi-spaces and their copy space) in MB: 24,
 * half a worker's default of 48 on Node 20. A render makes short-lived strings of ~300 KB
 * documents, and each worker's nursery sat at its maximum all compile long: with two workers
 * the cold compile of 100,000 articles peaked at 1,091-1,099 MB with the default, 1,010 MB with
 * 24 and 967 MB with 12. 12 cost ~15 % more CPU in a full re-render, 24 perhaps ~5 % (within the
 * machine's noise). Measured 2026-12-01 with bench/compile-child.ts; README, "Compiling off the
 * serving thread".
 */
export const WORKER_YOUNG_GENERATION_MB = 24;
/** Tasks a worker holds at once: one rendering while the other's bodies are written. */
const IN_FLIGHT = 2;
/** The longest a full scan of the article folder may run in a worker before it is stopped: 30 minutes. */
const SCAN_TIMEOUT_MS = 30 * 60_000;

/** Workers that die before they are ready, in a row, before the pool renders on this thread. */
const START_FAILURES = 3;
/** Workers a task may be in flight on when they die: the second death fails it. */
const ATTEMPTS = 2;

interface Job {
  id: number;
  message: Extract<ToWorker, { type: 'feed' | 'directory' | 'read' | 'scan' | 'brotli' | 'archive' }>;
  key: string;
  /** Background work (brotli): dispatched only to an idle worker, after every other task. */
  background: boolean;
  /** How many workers it was sent to. */
  attempts: number;
  /** Stops the worker when the task runs too long. */
  timer?: NodeJS.Timeout;
  resolve: (value: never) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Asked to stop (retired idle, or closed): it gets no more tasks, and its exit is no death. */
  stopping: boolean;
  /** Resolves when the thread has exited. */
  exited: Promise<void>;
  jobs: Map<number, Job>;
  reason?: string;
  /** Why it stopped, by code: out of memory, else stopped. */
  code?: 'RENDER_WORKER_STOPPED' | 'RENDER_OUT_OF_MEMORY';
}

/** Creates the pool; workers start with the first task. */
export function createRenderPool(options: RenderPoolOptions): RenderPool {
  const log = options.log ?? (() => {});
  const file = options.databaseFile ?? '';
  const fromSource = import.meta.url.endsWith('.ts');
  const shared = options.databaseUrl !== undefined && options.databaseUrl !== '';
  const size = fromSource || (!shared && (file === '' || file === ':memory:')) ? 0 : Math.max(0, options.threads ?? availableParallelism());
  const url = new URL('./render-worker-entry.js', import.meta.url);
  const timeoutMs = options.taskTimeoutMs ?? 120_000;
  /** Workers whose start-up warm-up ended (see warmedUp). */
  let warmed = 0;
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const keep = Math.min(size, Math.max(0, Math.floor(options.keepWorkers ?? DEFAULT_KEEP_WORKERS)));
  /** Retires the workers once nothing has been queued or in flight for idleMs (see refresh). */
  let idleTimer: NodeJS.Timeout | undefined;
  /**
   * Some workers retired idle (all but `keep`): they start again when tasks queue behind the
   * kept ones, or with the next task when none was kept (start() does not).
   */
  let retired = false;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  /** Background work, oldest first: dispatched only when `queue` is empty. */
  const background: Job[] = [];
  /** The worker that last rendered a scope: its prepared-item cache holds that feed's items. */
  const affinity = new Map<string, Worker>();
  let started = false;
  let closed = false;
  let startFailures = 0;
  let nextId = 0;
  /** This thread renders: no workers wanted, or they keep failing to start. */
  let inThread = size === 0;
  let local: RenderTasks | undefined;
  let localRunning = 0;
  let localBackground = 0;
  const localFaults = new Map<string, FaultKind>();
  /** Faults armed by injectFault, by key: sent to every worker started until a task of that key settles. */
  const armed = new Map<string, FaultKind>();

  /** Workers that take tasks: not asked to stop. */
  const live = () => slots.filter((s) => !s.stopping);

  /**
   * Keeps the process alive while work is queued or in flight, and only then; and (re)arms the
   * idle timer when nothing is, or disarms it when something is.
   */
  const refresh = () => {
    let busy = queue.length > 0 || background.length > 0;
    for (const s of slots) {
      // A stopping worker holds the event loop until it has exited: close() awaits that exit,
      // and its 'ready' (a worker stopped while starting) comes back through here.
      if (s.stopping || queue.length > 0 || background.length > 0 || s.jobs.size > 0) s.worker.ref();
      else s.worker.unref();
      if (s.jobs.size > 0) busy = true;
    }
    if (busy || closed || !(idleMs > 0 && Number.isFinite(idleMs)) || live().length <= keep) {
      clearTimeout(idleTimer);
      idleTimer = undefined;
    } else if (idleTimer === undefined) {
      idleTimer = setTimeout(retire, idleMs);
      idleTimer.unref();
    }
  };

  /**
   * The idle timer fired: every worker is asked to stop (close()'s graceful 'stop': it exits
   * once the tasks in hand are done; it holds none) and gets no more tasks. Their exit is not a
   * death: nothing is replaced, retried or counted as a start failure. A task submitted from now
   * on starts a fresh set (submit), without waiting for these to be gone.
   */
  function retire(): void {
    idleTimer = undefined;
    // The ready workers are the ones kept (a worker still starting is the one to let go).
    const going = [...live()].sort((a, b) => Number(b.ready) - Number(a.ready)).slice(keep);
    if (closed || going.length === 0 || queue.length > 0 || background.length > 0 || slots.some((s) => s.jobs.size > 0)) return;
    retired = true;
    for (const s of going) stopSlot(s);
    const kept = live().length;
    log(`render workers retired after ${idleMs / 1000} s idle (${count(going.length, 'thread')} ${going.length === 1 ? 'exits' : 'exit'}, ${kept} kept; ${kept === 0 ? 'the next task starts them again' : 'the others start again when tasks queue'})`);
  }

  /** Asks a worker to stop gracefully; one that has not exited in STOP_GRACE_MS is terminated. Resolves when it has exited. */
  function stopSlot(s: Slot): Promise<void> {
    if (!s.stopping) {
      s.stopping = true;
      s.worker.postMessage({ type: 'stop' } satisfies ToWorker);
      const late = setTimeout(() => void s.worker.terminate(), STOP_GRACE_MS);
      late.unref();
      void s.exited.then(() => clearTimeout(late));
    }
    return s.exited;
  }

  function spawn(): void {
    let worker: Worker;
    try {
      worker = new Worker(url, { workerData: { settings: options.settings, databaseFile: file, ...(shared ? { databaseUrl: options.databaseUrl } : {}) } satisfies WorkerSetup, resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? 1024, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    } catch (err) {
      startFailed(`cannot start a render worker: ${(err as Error).message}`);
      return;
    }
    const slot: Slot = { worker, ready: false, stopping: false, exited: new Promise((resolve) => worker.once('exit', () => resolve())), jobs: new Map() };
    slots.push(slot);
    for (const [key, kind] of armed) worker.postMessage({ type: 'fault', key, kind } satisfies ToWorker);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ready') {
        slot.ready = true;
        startFailures = 0;
        pump();
        return;
      }
      if (m.type === 'warmed') {
        warmed += 1;
        return;
      }
      const job = slot.jobs.get(m.id);
      if (job === undefined) return;
      slot.jobs.delete(m.id);
      clearTimeout(job.timer);
      if (m.type === 'done') job.resolve(m.result as never);
      else job.reject(new FeedwrightError(m.code, m.message));
      pump();
    });
    worker.on('error', (err: Error & { code?: string }) => {
      slot.reason = err.message;
      // V8 stopped the thread at its heap limit (resourceLimits): a real out-of-memory kill.
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') slot.code = 'RENDER_OUT_OF_MEMORY';
    });
    worker.on('exit', (code) => {
      slots.splice(slots.indexOf(slot), 1);
      // Its prepared-item cache is gone: scopes it rendered go to whichever worker has room.
      for (const [key, w] of affinity) if (w === worker) affinity.delete(key);
      const why = slot.reason ?? `exit code ${code}`;
      // Which of its tasks stopped it is unknown: each is tried once more alone on a worker, and
      // fails (that feed keeps its last good documents) when that worker dies too.
      const retry: Job[] = [];
      for (const job of slot.jobs.values()) {
        clearTimeout(job.timer);
        if (job.attempts < ATTEMPTS && !closed) retry.push(job);
        else job.reject(new FeedwrightError(slot.code ?? 'RENDER_WORKER_STOPPED', `a render worker stopped (${why}) while rendering ${job.key === '' ? '(site)' : job.key}`));
      }
      slot.jobs.clear();
      queue.unshift(...retry.filter((j) => !j.background));
      background.unshift(...retry.filter((j) => j.background));
      if (closed) return;
      // Retired (or stopped) on purpose: no death, so no replacement. A task that arrived since
      // started a fresh set already (submit); pump hands it on.
      if (slot.stopping) {
        pump();
        return;
      }
      if (!slot.ready) startFailed(`a render worker stopped before it was ready (${why})`);
      else {
        log(`a render worker stopped (${why}); starting a replacement`);
        spawn();
      }
      pump();
    });
  }

  function startFailed(why: string): void {
    startFailures += 1;
    if (startFailures < START_FAILURES) {
      log(`${why}; starting another`);
      spawn();
    } else if (live().length === 0 && !inThread) {
      inThread = true;
      log(`${why}; rendering on the main thread instead`);
    }
    pump();
  }

  function runLocal(job: Job): void {
    if (job.background) localBackground += 1;
    else localRunning += 1;
    local ??= createRenderTasks(options.settings, options.store, (key) => {
      const fault = localFaults.get(key);
      if (fault === undefined) return;
      localFaults.delete(key);
      throw new Error(`a fault injected by a test in the render of ${key === '' ? '(site)' : key}`);
    });
    const m = job.message;
    const tasks = local;
    const work: Promise<unknown> =
      m.type === 'feed' ? tasks.renderFeed(m.task)
      : m.type === 'directory' ? tasks.renderDirectory(m.task)
      : m.type === 'brotli' ? Promise.resolve().then(() => tasks.encodeBrotli(m.task))
      : m.type === 'archive' ? tasks.renderArchive(m.task)
      : m.type === 'scan' ? scanArticleFolder(m.task.dir, options.store)
      : Promise.resolve().then(() => readArticleFiles(m.task.dir, m.task.names, m.task.timeZone, m.task.prepare));
    work.then(
      (v) => job.resolve(v as never),
      (err: unknown) => job.reject(err instanceof Error ? err : new Error(String(err))),
    ).finally(() => {
      if (job.background) localBackground -= 1;
      else localRunning -= 1;
      pump();
    });
  }

  /** Tasks in flight on a slot that are not background work. */
  const foreground = (s: Slot) => {
    let n = 0;
    for (const j of s.jobs.values()) if (!j.background) n += 1;
    return n;
  };
  /**
   * Room for `job` on a slot: a retried task runs alone, and nothing joins it; background work
   * only on a worker with nothing in flight. A render does not count background work against
   * IN_FLIGHT, so it never waits for a slot behind a brotli body.
   */
  const fits = (s: Slot, job: Job) => {
    if (!s.ready || s.stopping) return false;
    if (job.background || job.attempts > 0) return s.jobs.size === 0;
    return foreground(s) < IN_FLIGHT && ![...s.jobs.values()].some((j) => j.attempts > 1);
  };

  /**
   * Hands queued tasks to workers with room, preferring the one that rendered the scope last;
   * then, when no task waits, background work to idle workers.
   */
  function pump(): void {
    for (;;) {
      const fromQueue = queue.length > 0;
      const job = fromQueue ? (queue[0] as Job) : background[0];
      if (job === undefined) break;
      if (inThread) {
        if (fromQueue ? localRunning >= IN_FLIGHT : localRunning > 0 || localBackground > 0) break;
        (fromQueue ? queue : background).shift();
        runLocal(job);
        continue;
      }
      let slot = slots.find((s) => s.worker === affinity.get(job.key) && fits(s, job));
      if (slot === undefined) for (const s of slots) if (fits(s, job) && (slot === undefined || s.jobs.size < slot.jobs.size)) slot = s;
      if (slot === undefined) {
        // Tasks wait behind the workers kept at retirement: start the rest.
        if (fromQueue) wake();
        break;
      }
      (fromQueue ? queue : background).shift();
      job.attempts += 1;
      const stuck = slot;
      // A full scan of the article folder has no render's bound: 100,000 files on a slow or
      // network disk may take minutes, and stopping it would fail every compile after it.
      const limitMs = job.message.type === 'scan' ? Math.max(timeoutMs, SCAN_TIMEOUT_MS) : timeoutMs;
      job.timer = setTimeout(() => {
        stuck.reason = `a task ran longer than ${Math.round(limitMs / 1000)} s`;
        void stuck.worker.terminate();
      }, limitMs);
      job.timer.unref();
      slot.jobs.set(job.id, job);
      if (!job.background) affinity.set(job.key, slot.worker);
      slot.worker.postMessage(job.message);
    }
    refresh();
  }

  function start(): void {
    if (started || closed) return;
    started = true;
    for (let i = 0; i < size; i += 1) spawn();
    refresh();
  }

  /**
   * Work arrived after the workers retired idle: a fresh set starts now (those still stopping
   * get nothing more and exit by themselves). Fault injection reaches them too (spawn sends what
   * is armed). Not start(): every compile calls that, including the ones that render nothing.
   */
  function wake(): void {
    if (!retired || closed || inThread) return;
    retired = false;
    startFailures = 0;
    for (let i = live().length; i < size; i += 1) spawn();
  }

  function submit<T>(key: string, message: (id: number) => Job['message'], isBackground = false): Promise<T> {
    if (closed) return Promise.reject(new FeedwrightError('RENDER_FAILED', 'the render pool is closed'));
    start();
    // With workers kept, pump() starts the rest once tasks queue behind them.
    if (live().length === 0) wake();
    const id = (nextId += 1);
    return new Promise<T>((resolve, reject) => {
      const settled = () => {
        if (armed.delete(key)) for (const s of slots) s.worker.postMessage({ type: 'fault', key, kind: null } satisfies ToWorker);
      };
      const done = (v: never) => (settled(), (resolve as (v: never) => void)(v));
      const failed = (err: Error) => (settled(), reject(err));
      (isBackground ? background : queue).push({ id, key, background: isBackground, attempts: 0, message: message(id), resolve: done, reject: failed });
      pump();
    });
  }

  return {
    start,
    renderFeed: (task) => submit<FeedRendered>(task.key, (id) => ({ type: 'feed', id, task })),
    renderDirectory: (task) => submit<DirectoryRendered>('(directory)', (id) => ({ type: 'directory', id, task })),
    readArticles: (task) => submit<ArticleFileRead[]>('(read)', (id) => ({ type: 'read', id, task })),
    scanFolder: (task) => submit<FolderScan>('(scan)', (id) => ({ type: 'scan', id, task })),
    renderArchive: (task) => submit<ArchiveRendered<RenderedDocument>>(task.key, (id) => ({ type: 'archive', id, task })),
    encodeBrotli: (task) => submit<BrotliEncoded>(task.hash, (id) => ({ type: 'brotli', id, task }), true),
    dropBrotli(hashes) {
      const drop = new Set(hashes);
      if (drop.size === 0) return;
      // One pass (a full re-render drops thousands: a splice each was quadratic).
      const dropped: Job[] = [];
      let kept = 0;
      for (const job of background) {
        if (drop.has(job.key)) dropped.push(job);
        else background[(kept += 1) - 1] = job;
      }
      background.length = kept;
      for (const job of dropped) job.resolve(undefined as never);
      refresh();
    },
    threads: () => (inThread ? 0 : started && !retired ? live().length : size),
    liveWorkers: () => slots.length,
    readyWorkers: () => live().filter((s) => s.ready).length,
    warmedUp: () => warmed,
    injectFault(key, kind) {
      if (inThread) localFaults.set(key, kind);
      armed.set(key, kind);
      for (const s of slots) s.worker.postMessage({ type: 'fault', key, kind } satisfies ToWorker);
    },
    async close() {
      closed = true;
      clearTimeout(idleTimer);
      idleTimer = undefined;
      for (const job of queue.splice(0)) job.reject(new FeedwrightError('RENDER_FAILED', 'the render pool was closed'));
      for (const job of background.splice(0)) job.resolve(undefined as never);
      // Each worker finishes what it holds and exits by itself: terminating a thread in the
      // middle of a compression aborts the whole process on Node 20 (node_zlib.cc "close before
      // init" in the worker's clean-up). One that has not exited in STOP_GRACE_MS is terminated.
      // Workers already retiring are waited for the same way. Each is ref'd first: an idle
      // worker is unref'd (refresh), and with nothing else holding the event loop the process
      // would end in the middle of this await, before its caller sets the exit code.
      for (const s of slots) s.worker.ref();
      await Promise.all(slots.map((s) => stopSlot(s)));
    },
  };
}
