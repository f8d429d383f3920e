// The write path for articles that do not come from files (the ingest API, importers, the
// benchmark): validate, store in one transaction, and have the affected feeds recompiled soon,
// with writes that arrive close together coalesced into one compile.
import { articleDigest, parseArticle } from '../core/article.js';
import type { ArticleWriter } from '../publish/published-set.js';
import type { ArticleChange, ArticleStore, WriteOptions } from '../store/store.js';
import { prepareForStore, type PrepareSettings } from './prepared.js';

export type { ArticleWriter };

/**
 * What the writer has compile after its writes: the compiler, or in a cluster the node's target
 * (src/cluster/cluster-node.ts), which compiles only where the compiler runs.
 */
export type CompileTarget = { compile(options?: { files?: boolean }): Promise<unknown>; whenIdle(): Promise<void> };

/**
 * Creates the writer; `delayMs` is how long a write waits for others to join its compile:
 * default 0, the next turn of the event loop (writes made in the same turn share a compile).
 * Waiting longer is not needed for coalescing: writes that arrive while a compile runs all
 * join the compiler's one follow-up run (Compiler.compile), and every millisecond waited is a
 * millisecond more before the write is in its feeds (it was 50 ms of a ~300 ms write → visible). With
 * `prepare` (the site's origins and embed hosts), each article is stored with its sanitised,
 * prepared form (prepared.ts), so no compile sanitises it again. With `compile: false` (the bulk
 * import command), writes only store: the store's change log tells the next compile — of `serve`
 * or `feedwright compile`, in any process — what changed, so memory holds one batch, never a
 * batch and a compile.
 */
export function createArticleWriter(options: { store: ArticleStore; compiler: CompileTarget; timeZone: string; prepare?: PrepareSettings; clock?: () => number; delayMs?: number; compile?: boolean }): ArticleWriter {
  const { store, compiler } = options;
  const clock = options.clock ?? Date.now;
  const delay = options.delayMs ?? 0;
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let waiting: Promise<void> | undefined;
  let release: (() => void) | undefined;

  const schedule = (changes: ArticleChange[]) => {
    if (changes.length === 0 || options.compile === false) return;
    // The store's change log tells the compile which feeds these writes touched.
    if (timer !== undefined) return;
    waiting = new Promise<void>((r) => {
      release = r;
    });
    const run = () => {
      timer = undefined;
      const done = release;
      void compiler.compile({ files: false }).finally(() => done?.());
    };
    timer = delay <= 0 ? setImmediate(run) : setTimeout(run, delay);
  };

  return {
    async put(raws, source = 'api', writeOptions = {}) {
      const writes = raws.map((raw) => {
        const article = parseArticle(raw, options.timeZone);
        return { kind: 'put' as const, article, digest: articleDigest(article), source, ...(options.prepare === undefined ? {} : { prepared: prepareForStore(article, options.prepare) }) };
      });
      const changes = await store.writeArticles(writes, clock(), writeOptions);
      schedule(changes);
      return changes;
    },
    async remove(ids) {
      const changes = await store.writeArticles(ids.map((id) => ({ kind: 'delete' as const, id })), clock());
      schedule(changes);
      return changes;
    },
    async flushed() {
      if (waiting) await waiting;
      await compiler.whenIdle();
    },
  };
}
