// The compile job, in named steps (src/compile/steps/): sync the sources into the store, find the
// feeds whose content changed, render them (and the directory documents) in the render pool, and
// publish the new set at once. This module wires the steps and runs them: one run at a time, the
// calls made meanwhile share one follow-up run, and body faults reported by the server start one.
// The steps, in order: steps/sync-sources.ts, changed-feeds.ts, render.ts (feeds, then the
// directory), publish.ts; prepared-forms.ts stores the prepared (sanitised) items the renders
// had to make, so later compiles find them; restore.ts serves the last run's set at start;
// withholding.ts keeps the documents whose body is damaged out of service; context.ts is the
// wiring and state they share.
// This thread only reads what changed, dispatches tasks and swaps in the published set:
// rendering, compression and body writes happen in worker threads (see render-pool.ts).
// A compile that fails publishes nothing; a feed that fails alone keeps its last good documents.
// Documents go live with identity and gzip; their brotli bodies follow in the background
// (brotli-backfill.ts), also after a restart for those the last run had not made.
import { wrapError } from '../core/errors.js';
import type { SiteConfig } from '../core/site.js';
import { createHeaderRules } from '../publish/header-rules.js';
import { bodyDamageFromMessage, type BodyFault, type PublishedSet, type PublishedSource } from '../publish/published-set.js';
import type { ArticleStore } from '../store/store.js';
import type { BodyStore } from './body-store.js';
import { createBrotliBackfill } from './brotli-backfill.js';
import { siteDigest } from './feed-state.js';
import { createRenderPool, type RenderPool } from './render-pool.js';
import { createProblemLog } from './problem-log.js';
import { findChangedFeeds } from './steps/changed-feeds.js';
import type { CompileContext, CompileReport, CompileStep, CompilerState, PublishListener } from './steps/context.js';
import { byScopeKey } from './steps/listing.js';
import { createPreparedForms, type PreparedForms } from './steps/prepared-forms.js';
import { installBrotli, publish } from './steps/publish.js';
import { renderDirectory, renderFeeds } from './steps/render.js';
import { restorePublished } from './steps/restore.js';
import { openArticleFolder, syncSources } from './steps/sync-sources.js';
import { withholdServed } from './steps/withholding.js';
import { countLiveNames } from './live-names.js';

export { RENDER_VERSION, nextLastModified } from './feed-state.js';
// The report, progress and listener types live with what the steps share (steps/context.ts).
export type { CompileReport, CompileStep, PublishedSet, PublishListener };

/** How the compiler is wired. */
export interface CompilerOptions {
  store: ArticleStore;
  site: SiteConfig;
  /** Where document bodies are kept. */
  bodies: BodyStore;
  /** The store's SQLite file, which render workers open read-only; without it this thread renders. */
  databaseFile?: string;
  /** The PostgreSQL store's URL, which render workers open read-only (instead of a file). */
  databaseUrl?: string;
  /** Render worker threads (default: one per core; 0 renders on this thread). */
  renderThreads?: number;
  /** Milliseconds with no task after which the render workers retire until the next one (default 30 s; 0 never): see RenderPoolOptions.idleMs. */
  renderIdleMs?: number;
  /** Render workers an idle retirement keeps (see RenderPoolOptions.keepWorkers). */
  renderKeepWorkers?: number;
  /** Milliseconds a published document waits before its brotli body is made (default 10 s): see BrotliBackfillOptions.delayMs. */
  brotliDelayMs?: number;
  /** Each render worker's heap limit in MB (default 1024): a runaway render stops its worker only. */
  renderHeapMb?: number;
  /** The folder of article files, or undefined when files are not a source. */
  articlesDir?: string;
  /** The schedule's period, for Cache-Control max-age and RSS ttl. */
  periodSeconds: number;
  clock?: () => number;
  log?: (line: string) => void;
  /** Where warnings go (an article file skipped); default `log`. */
  warn?: (line: string) => void;
  /** Hears every compile's report when the run ends (metrics, the publish log line); must not throw. */
  onCompiled?: (report: CompileReport) => void;
  /**
   * Hears how far a compile is (for the command line's progress on stderr): `read` — article
   * files read, validated and stored, of those to read; `render` — feeds rendered, of those to
   * render. Counts, not bytes; called on this thread.
   */
  progress?: (step: CompileStep, done: number, total: number) => void;
}

/** The compile job with its published set. */
export interface Compiler extends PublishedSource {
  /**
   * Runs a compile that starts after this call, so it includes every change made before it, and
   * resolves with that run's report (it never rejects: a failure is in the report). A call while
   * a compile runs waits for it and then joins the one follow-up run, whose report every caller
   * folded into it shares. With `files: false` the article folder is not looked at (a compile
   * for writes made elsewhere); a follow-up looks at it if any caller folded into it asked to.
   */
  compile(options?: { files?: boolean }): Promise<CompileReport>;
  /** Stops watching the article folder and the render workers. */
  close(): Promise<void>;
  /** Serves the last published set from the store without rendering; false when there is none. */
  restore(): Promise<boolean>;
  /** The last compile's report. */
  lastReport(): CompileReport | undefined;
  /**
   * Calls `listener` after every publish, and when `restore` serves the last run's set
   * (`restored: true`: nothing changed since that run published it, e.g. for WebSub pings).
   */
  onPublish(listener: PublishListener): void;
  /** Resolves when no compile is running (background brotli work may still be). */
  whenIdle(): Promise<void>;
  /**
   * Resolves when every published document's brotli body is made (or failed, or was dropped
   * because its document was replaced) and recorded in the manifest: what tests and the
   * `compile` command wait for.
   */
  brotliSettled(): Promise<void>;
  /** The render pool (its size; fault injection for tests). */
  readonly renderer: RenderPool;
}

/** At most one compile a period for a body fault already known (the Retry-After the server sends). */
const REPAIR_RETRY_MS = 5_000;

/** Creates the compiler; the render workers start with the first compile (or `renderer.start()`). */
export function createCompiler(options: CompilerOptions): Compiler {
  const { store, site, bodies } = options;
  const baseDigest = siteDigest(site, options.periodSeconds);
  const log = options.log ?? (() => {});
  const renderer = createRenderPool({
    settings: { site, periodSeconds: options.periodSeconds, baseDigest, documentsDir: bodies.dir },
    store,
    log,
    ...(options.databaseFile === undefined ? {} : { databaseFile: options.databaseFile }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.renderThreads === undefined ? {} : { threads: options.renderThreads }),
    ...(options.renderIdleMs === undefined ? {} : { idleMs: options.renderIdleMs }),
    ...(options.renderKeepWorkers === undefined ? {} : { keepWorkers: options.renderKeepWorkers }),
    ...(options.renderHeapMb === undefined ? {} : { heapMb: options.renderHeapMb }),
  });
  // The state is created below; the backfill reads it only once a compile or restore ran.
  let state: CompilerState;
  const brotli = createBrotliBackfill({
    renderer,
    bodies,
    record: (rows) => store.recordBrotliSizes(rows),
    originHref: (i) => (site.origins[i] as SiteConfig['origins'][number]).href,
    install: (w, size) => installBrotli(ctx, state, w, size),
    // The identity body it is made from cannot be read: the same fault as a failed read while serving.
    unreadable: (err) => reportBodyFault({ file: err.file ?? /body (\S+) is/.exec(err.message)?.[1] ?? '', damage: bodyDamageFromMessage(err.message) }),
    // Deleted after the current clean-up, so the next compile (which waits for it) starts after.
    orphan: (name) => {
      state.cleanup = state.cleanup.then(() => bodies.prune({ has: (n) => state.live.has(n) }, [name])).then(
        () => undefined,
        () => undefined,
      );
    },
    ...(options.brotliDelayMs === undefined ? {} : { delayMs: options.brotliDelayMs }),
    log,
  });
  const ctx: CompileContext = {
    store,
    site,
    bodies,
    renderer,
    brotli,
    // The article folder, read and sanitised in the workers on a large sync (steps/sync-sources.ts).
    files: options.articlesDir === undefined
      ? undefined
      : openArticleFolder(options.articlesDir, site, renderer, options.progress === undefined ? {} : { progress: (done, total) => options.progress?.('read', done, total) }),
    baseDigest,
    headersFor: createHeaderRules(site, options.periodSeconds),
    clock: options.clock ?? Date.now,
    log,
    problemLog: createProblemLog({ warn: options.warn ?? log, info: log }),
    progress: options.progress,
  };
  state = { published: undefined, restored: false, renderAll: false, visibleUntil: undefined, changeSeq: undefined, states: undefined, pending: new Set(), fileProblems: [], listeners: [], cleanup: Promise.resolve(), live: countLiveNames(), damaged: new Map(), forced: new Set(), forceDirectory: false, sweep: false };
  let report: CompileReport | undefined;
  /** The run in progress. */
  let running: Promise<CompileReport> | undefined;
  /** The one run queued behind it: every call made meanwhile joins it (and shares its report). */
  let queued: { run: Promise<CompileReport>; files: boolean } | undefined;
  /** When the last compile for a known body fault was started (epoch ms, this clock). */
  let lastRepairAt = Number.NEGATIVE_INFINITY;

  /** One compile, step by step; a failure anywhere publishes nothing. */
  async function runOnce(scanFiles: boolean): Promise<CompileReport> {
    const startedAt = ctx.clock();
    const rep: CompileReport = { ok: false, published: false, startedAt, durationMs: 0, articlesChanged: 0, feedsRendered: 0, feedsChanged: [], feedsRemoved: [], documents: 0, problems: [], failedFeeds: [], itemsPrepared: 0, preparedStored: 0 };
    /** The prepared forms the renders made, stored as they come (a cache: never fails the compile). */
    let forms: PreparedForms | undefined;
    try {
      renderer.start();
      await state.cleanup;
      await restorePublished(ctx, state);
      state.states ??= await store.readFeedStates();
      const seen = await syncSources(ctx, state, scanFiles, startedAt, rep);
      const plan = await findChangedFeeds(ctx, state, seen.affected, startedAt);
      if (plan === undefined) {
        rep.ok = true;
        return rep;
      }
      forms = createPreparedForms(ctx, rep);
      const rendered = await renderFeeds(ctx, plan, rep, forms);
      const finalStates = new Map([...state.states, ...rendered.map((r) => [r.key, r.state] as const)]);
      for (const key of plan.removed) finalStates.delete(key);
      const directory = await renderDirectory(ctx, state, plan, finalStates, startedAt);
      await publish(ctx, state, plan, rendered, directory, seen, startedAt, rep);
      rep.ok = rep.failedFeeds.length === 0;
      return rep;
    } catch (err) {
      const e = wrapError('COMPILE_FAILED', 'compile failed', err);
      rep.error = e.message;
      rep.errorCode = e.code;
      log(`compile failed, the last good documents stay live: ${e.message}`);
      return rep;
    } finally {
      // After the publish (readers get the new documents first); also after a failure, since
      // the forms are right for their articles' versions whatever became of the compile.
      await forms?.finish();
      rep.durationMs = ctx.clock() - startedAt;
      report = rep;
      try {
        options.onCompiled?.(rep);
      } catch (err) {
        log(`a compile listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Starts a run now (nothing is running). */
  function start(scan: boolean): Promise<CompileReport> {
    const run = runOnce(scan).finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  }

  function compile(opts: { files?: boolean } = {}): Promise<CompileReport> {
    const scan = opts.files !== false;
    // A run already queued has not started: it includes this caller's change, and is shared.
    if (queued !== undefined) {
      queued.files ||= scan;
      return queued.run;
    }
    if (running === undefined) return start(scan);
    // The running compile may have read the sources before this caller's change: its report is
    // not this caller's. The caller gets the next run, which starts once this one is done.
    const next: { run: Promise<CompileReport>; files: boolean } = { run: Promise.resolve() as unknown as Promise<CompileReport>, files: scan };
    next.run = running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      queued = undefined;
      return start(next.files);
    });
    queued = next;
    return next.run;
  }

  /** A body fault from the server: withhold, and have the feed rendered again soon (see PublishedSource). */
  function reportBodyFault(fault: BodyFault): void {
    const fresh = withholdServed(ctx, state, fault);
    const known = !fresh && [...state.damaged.values()].some((d) => d.file === fault.file);
    if (!fresh && !known) return;
    // A new fault starts a compile at once; requests to a document still withheld (its repair
    // failed, or is running) retry at most once per Retry-After period.
    const now = ctx.clock();
    if (!fresh && now - lastRepairAt < REPAIR_RETRY_MS) return;
    lastRepairAt = now;
    void compile({ files: false });
  }

  return {
    compile,
    close: async () => {
      ctx.files?.close();
      // No more background work is asked for; the sizes already made are recorded before the
      // store closes.
      const recorded = brotli.close();
      await renderer.close();
      await recorded;
    },
    restore: () => restorePublished(ctx, state),
    current: () => state.published,
    lastReport: () => report,
    onPublish: (l) => void state.listeners.push(l),
    whenIdle: async () => {
      while (running !== undefined || queued !== undefined) await (queued?.run ?? running)?.catch(() => undefined);
      await state.cleanup;
    },
    brotliSettled: async () => {
      await brotli.settled();
      await state.cleanup;
    },
    brotliPending: () => brotli.pending(),
    damaged: () => [...state.damaged.values()].sort((a, b) => byScopeKey(a.path, b.path) || byScopeKey(a.origin, b.origin)),
    reportBodyFault,
    renderer,
  };
}
