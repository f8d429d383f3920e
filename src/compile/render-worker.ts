// A render worker: renders, compresses and writes feed documents off the serving thread, reading
// the store through its own read-only connection and keeping its own prepared-item cache; on a
// large sync it also reads and validates article files; in the background it makes the brotli
// bodies of published documents. Tasks and results are messages (see render-pool.ts); the
// documents' bytes go to the body folder.
import { parentPort, workerData } from 'node:worker_threads';
import { FeedwrightError } from '../core/errors.js';
import { openPgStore } from '../store/pg-store.js';
import { openSqliteStore } from '../store/sqlite-store.js';
import { readArticleFiles } from './source-files.js';
import { scanArticleFolder } from './folder-scan.js';
import type { ArchiveRendered } from './archives.js';
import { createRenderTasks, type RenderedDocument, type BrotliEncoded, type DirectoryRendered, type FeedRendered, type RenderSettings } from './render-task.js';
import type { FaultKind, ToWorker, FromWorker, WorkerSetup } from './render-pool.js';

const port = parentPort;
if (port === null) throw new Error('render-worker.js runs as a worker thread');
const { settings, databaseFile, databaseUrl } = workerData as WorkerSetup;

/** Faults armed by the tests (see RenderPool.injectFault), by scope key. */
const faults = new Map<string, FaultKind>();
/** What the `oom` fault holds on to until the heap limit (resourceLimits) stops this worker. */
const hoard: number[][] = [];
const observe = (key: string) => {
  const fault = faults.get(key);
  if (fault === undefined) return;
  faults.delete(key);
  // In the middle of a render: some of the feed's bodies are written, the rest never will be.
  if (fault === 'exit') process.exit(70);
  if (fault === 'oom') for (;;) hoard.push(new Array<number>(1 << 16).fill(hoard.length));
  throw new Error(`a fault injected by a test in the render of ${key === '' ? '(site)' : key}`);
};

// Readers first: render-worker-entry.ts, which loads this module, lowered this thread's CPU
// priority before anything here was loaded.
const idPrefix = (settings as RenderSettings).site.idPrefix;
// Its own read-only connection: the SQLite file, or two PostgreSQL sessions (one per task in
// flight). Opened before 'ready', so a store this worker cannot open is a start failure.
const store = databaseUrl === undefined ? openSqliteStore(databaseFile, { idPrefix, readOnly: true }) : await openPgStore(databaseUrl, { idPrefix, readOnly: true, poolSize: 2 });
const tasks = createRenderTasks(settings as RenderSettings, store, observe);
const send = (m: FromWorker) => port.postMessage(m);

/**
 * The bodies' memory, moved to the compiling thread rather than copied: a body that shares its
 * ArrayBuffer (a small Buffer from the pool) is copied into its own first, since moving a shared
 * buffer would take it from every other view.
 */
function transferable(result: FeedRendered | DirectoryRendered | BrotliEncoded | ArchiveRendered<RenderedDocument>): ArrayBuffer[] {
  const list = new Set<ArrayBuffer>();
  const own = (b: Uint8Array) => {
    const mine = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer ? b : new Uint8Array(b);
    list.add(mine.buffer as ArrayBuffer);
    return mine;
  };
  if ('kind' in result) {
    if (result.kind === 'rendered') for (const doc of result.documents) doc.bodies = doc.bodies?.map((perOrigin) => perOrigin.map(own));
    return [...list];
  }
  if ('hash' in result) {
    if (result.body !== undefined) result.body = own(result.body);
    return [...list];
  }
  for (const doc of result.documents) doc.bodies = doc.bodies?.map((perOrigin) => perOrigin.map(own));
  return [...list];
}

/** Tasks in hand, and whether the pool asked this worker to stop once they are done. */
let inHand = 0;
let stopping = false;
/** Exits between tasks (never in the middle of a compression): see RenderPool.close. */
const stopIfIdle = () => {
  if (stopping && inHand === 0) {
    port.close();
    process.exit(0);
  }
};

port.on('message', (m: ToWorker) => {
  if (m.type === 'stop') {
    stopping = true;
    stopIfIdle();
    return;
  }
  if (m.type === 'fault') {
    if (m.kind === null) faults.delete(m.key);
    else faults.set(m.key, m.kind);
    return;
  }
  if (m.type === 'scan') {
    inHand += 1;
    scanArticleFolder(m.task.dir, store)
      .then(
        (result) => send({ type: 'done', id: m.id, result }),
        (err: unknown) => send({ type: 'failed', id: m.id, message: err instanceof Error ? err.message : String(err), code: err instanceof FeedwrightError ? err.code : 'ARTICLE_READ' }),
      )
      .finally(() => {
        inHand -= 1;
        stopIfIdle();
      });
    return;
  }
  if (m.type === 'read') {
    try {
      send({ type: 'done', id: m.id, result: readArticleFiles(m.task.dir, m.task.names, m.task.timeZone, m.task.prepare) });
    } catch (err) {
      send({ type: 'failed', id: m.id, message: err instanceof Error ? err.message : String(err), code: err instanceof FeedwrightError ? err.code : 'ARTICLE_READ' });
    }
    return;
  }
  const work: Promise<FeedRendered | DirectoryRendered | BrotliEncoded | ArchiveRendered<RenderedDocument>> =
    m.type === 'feed' ? tasks.renderFeed(m.task) : m.type === 'directory' ? tasks.renderDirectory(m.task) : m.type === 'archive' ? tasks.renderArchive(m.task) : tasks.encodeBrotli(m.task);
  inHand += 1;
  work
    .then(
      (result) => port.postMessage({ type: 'done', id: m.id, result } satisfies FromWorker, transferable(result)),
      (err: unknown) => send({ type: 'failed', id: m.id, message: err instanceof Error ? err.message : String(err), code: err instanceof FeedwrightError ? err.code : 'RENDER_FAILED' }),
    )
    .finally(() => {
      inHand -= 1;
      stopIfIdle();
    });
});
send({ type: 'ready' });
// The start-up warm-up (RenderTasks.warmUp), unless a task came first: that task warms this
// thread itself. Never fatal: a store that cannot be read now fails the first task instead.
setImmediate(() => {
  if (inHand > 0 || stopping) return;
  inHand += 1;
  const t0 = performance.now();
  tasks
    .warmUp(Date.now())
    .catch(() => 0)
    .then((documents) => send({ type: 'warmed', documents, ms: Math.round(performance.now() - t0) }))
    .finally(() => {
      inHand -= 1;
      stopIfIdle();
    });
});
