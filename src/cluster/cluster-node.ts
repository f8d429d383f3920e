// One instance of a cluster sharing a PostgreSQL store: a replica that serves the published set
// it reads from the store, and — while it holds the compiler lock — the cluster's one compiler.
// Roles change only here: taking the lock makes the compiler (restored from the store, then
// compiling what is pending); losing the session steps down at once, serving the last set.
import type { SiteConfig } from '../core/site.js';
import type { Compiler } from '../compile/compiler.js';
import type { BodyStore } from '../compile/body-store.js';
import { startSchedule, type Schedule } from '../compile/schedule.js';
import type { Logger } from '../log.js';
import type { BodyFault, ClusterStatus, CompileStatus, DamagedDocument, PublishedSet, PublishedSource } from '../publish/published-set.js';
import type { PgStore } from '../store/pg-store.js';
import { collectBodies } from '../store/pg/bodies.js';
import type { ArticleStore } from '../store/store.js';
import { createPublishingStore, recordBodyNames, uploadBodies } from './publishing-store.js';
import { createReplica } from './replica.js';
import { openClusterSession, type ClusterSession } from './session.js';

/** What a node is built from. */
export interface ClusterNodeOptions {
  store: PgStore;
  bodies: BodyStore;
  site: SiteConfig;
  periodSeconds: number;
  /** Makes this instance's compiler on `store` (the publishing store) when it becomes the compiler. */
  createCompiler: (store: ArticleStore) => Compiler;
  /** Whether this instance tries to become the compiler (serve: yes; import: never). */
  campaign: boolean;
  /** Whether the compiler runs the site's cron schedule (off in tests that drive compiles). */
  schedule: boolean;
  log: (line: string) => void;
  /** The service log: the schedule's warnings and node-cron's own messages (structured). */
  logger: Logger;
  /** How often a replica tries the compiler lock, and checks the publish sequence (default 1000 ms). */
  pollMs?: number;
  /** How long a stored body no manifest names is kept (default 10 minutes). */
  bodyGraceMs?: number;
}

/** How often a replica fetches a damaged body file again while the fault lasts, ms. */
const REFETCH_EVERY_MS = 5000;

/** This instance's role. */
export type ClusterRole = 'compiler' | 'replica';

/** What /healthz says about the cluster. */
export type ClusterHealth = ClusterStatus;

/** A running node. */
export interface ClusterNode extends PublishedSource {
  /**
   * Reads the published set (when the database answers) and fetches its bodies, so the server
   * can answer before listening; then keeps the session and, with `campaign`, competes for the
   * compiler lock. Never throws: an unreachable database is retried in the background.
   */
  start(): Promise<void>;
  role(): ClusterRole;
  /** The compiler while this instance is it. */
  compiler(): Compiler | undefined;
  health(): ClusterHealth;
  /** Whether the database answered last time (the API answers 503 without it). */
  databaseReachable(): boolean;
  /**
   * What the article writer drives: `compile` compiles on the compiler (on a replica the
   * store's NOTIFY reaches the compiler instead); `whenIdle` waits for the compiler's compile,
   * or on a replica that wrote, for the store's manifest to include its writes (10 s at most;
   * a write that changes no feed is never published).
   */
  readonly target: { compile(options?: { files?: boolean }): Promise<unknown>; whenIdle(): Promise<void> };
  /** Resolves when this instance is the compiler and has restored its set (for tests). */
  whenCompiler(): Promise<Compiler>;
  /** Steps down, ends the session, closes the compiler. */
  close(): Promise<void>;
}

/** Creates a node; nothing happens until start(). */
export function createClusterNode(options: ClusterNodeOptions): ClusterNode {
  const { store, bodies, site, log } = options;
  const pollMs = options.pollMs ?? 1000;
  const graceMs = options.bodyGraceMs ?? 10 * 60_000;
  const replica = createReplica({ store, bodies, site, periodSeconds: options.periodSeconds, log });
  let session: ClusterSession | undefined;
  let compiler: Compiler | undefined;
  let schedule: Schedule | undefined;
  let becoming: Promise<void> | undefined;
  let closed = false;
  let reachable = false;
  let poller: NodeJS.Timeout | undefined;
  let changeTimer: NodeJS.Timeout | undefined;
  let retrySync: NodeJS.Timeout | undefined;
  let lastCollect = 0;
  let wrote = false;
  const compilerWaiters: ((c: Compiler) => void)[] = [];

  let syncFailing = false;
  /** The publish sequence number last seen by the poll (a missed notification moves it). */
  let lastSeq: number | undefined;

  const sync = async () => {
    if (compiler !== undefined || becoming !== undefined) return;
    try {
      await replica.sync();
      reachable = true;
      syncFailing = false;
    } catch (err) {
      // Once per failing spell, not once a second through an outage.
      if (!syncFailing) log(`cluster: could not read the published set (${(err as Error).message}); serving the last one, retrying`);
      syncFailing = true;
      // Retried while the session is up; a session that comes back up syncs anyway.
      if (retrySync === undefined && !closed && session?.connected() !== false) {
        retrySync = setTimeout(() => {
          retrySync = undefined;
          void sync();
        }, pollMs);
      }
    }
  };

  /** Publish housekeeping on the compiler: stored bodies no manifest names, at most once a minute. */
  const collect = () => {
    const now = Date.now();
    if (now - lastCollect < 60_000) return;
    lastCollect = now;
    collectBodies(store.pool, graceMs).then(
      (n) => n > 0 && log(`cluster: deleted ${n} stored bodies no published set names`),
      (err: unknown) => log(`cluster: could not delete unnamed stored bodies: ${(err as Error).message}`),
    );
  };

  async function becomeCompiler(s: ClusterSession): Promise<void> {
    // Catch up first: the bodies of the newest set are then on disk, so the restore serves it.
    await replica.idle();
    await replica.sync().catch(() => false);
    const c = options.createCompiler(createPublishingStore(store, bodies.dir, s));
    try {
      await c.restore();
      // Bodies of a manifest published before this store held bodies (or by a compiler that died
      // between its body writes and the publish's retry) go up now, from this folder.
      const manifest = await store.readPublished();
      const lost = await uploadBodies(store, bodies.dir, manifest.documents.flatMap((d) => recordBodyNames(d.record)), false);
      if (lost.length > 0) log(`cluster: ${lost.length} published bodies are neither stored nor here; other instances get them at the next publish of their feeds`);
    } catch (err) {
      await c.close().catch(() => {});
      throw err;
    }
    if (!s.holdsLock() || closed) {
      await c.close().catch(() => {});
      return;
    }
    compiler = c;
    c.onPublish(() => collect());
    c.renderer.start();
    if (options.schedule) schedule = startSchedule(site.schedule, c, site.timeZone, options.logger);
    log('cluster: this instance is the compiler (it holds the compiler lock)');
    for (const w of compilerWaiters.splice(0)) w(c);
    // What is pending: writes since the published set, article files, ended embargoes.
    void c.compile();
  }

  function stepDown(reason: string): void {
    const c = compiler;
    if (c === undefined) return;
    compiler = undefined;
    log(`cluster: no longer the compiler (${reason}); serving the last published set`);
    const s = schedule;
    schedule = undefined;
    replica.adopt(c.current());
    // In the background: a compile in flight fails at its fence, the workers stop.
    void (async () => {
      await s?.stop().catch(() => {});
      await c.whenIdle().catch(() => {});
      await c.close().catch((err: unknown) => log(`cluster: closing the compiler: ${(err as Error).message}`));
    })();
  }

  const campaign = async () => {
    const s = session;
    if (!options.campaign || closed || s === undefined || compiler !== undefined || becoming !== undefined || !s.connected()) return;
    if (!(await s.tryLock())) return;
    becoming = becomeCompiler(s)
      .catch((err: unknown) => {
        log(`cluster: could not start compiling (${(err as Error).message}); releasing the lock`);
        // Releases the lock with the session; it reconnects and competes again.
        void s.close().then(() => {
          if (!closed) session = openSession();
        });
      })
      .finally(() => {
        becoming = undefined;
      });
  };

  const tick = async () => {
    if (closed) return;
    if (compiler === undefined && becoming === undefined && session?.connected()) {
      // A notification missed (or a brotli body recorded by a compiler that stepped down).
      const seq = (await store.readPublishPosition().catch(() => undefined))?.publishSeq;
      if (seq !== undefined && seq !== lastSeq) {
        lastSeq = seq;
        await sync();
      }
      await campaign();
    }
  };

  function openSession(): ClusterSession {
    return openClusterSession({
      url: store.url,
      schema: store.schema,
      log,
      events: {
        up() {
          reachable = true;
          if (compiler !== undefined) void compiler.compile({ files: false });
          else void sync().then(campaign);
        },
        down(reason) {
          reachable = false;
          log(`cluster: lost the PostgreSQL session (${reason}); serving the last published set, reconnecting`);
          stepDown('the session ended, and the compiler lock with it');
        },
        published() {
          if (compiler === undefined) void sync();
        },
        changed() {
          const c = compiler;
          if (c === undefined || changeTimer !== undefined) return;
          // Notifications close together (an import's batches, each its own NOTIFY) join one
          // compile; writes made while it runs join the compiler's one follow-up run.
          changeTimer = setTimeout(() => {
            changeTimer = undefined;
            void c.compile({ files: false });
          }, 50);
        },
      },
    });
  }

  const current = (): PublishedSet | undefined => compiler?.current() ?? replica.current();

  // A body file found damaged while this instance is a replica: its documents are listed in
  // /healthz and the file is fetched again from the store (at most every few seconds while the
  // fault lasts). On the compiler, the compiler withholds and re-renders (see Compiler).
  const damagedOnReplica = new Map<string, DamagedDocument[]>();
  let lastRefetch = 0;
  const refetchOnReplica = (fault: BodyFault) => {
    const set = replica.current();
    if (!damagedOnReplica.has(fault.file) && set !== undefined) {
      const docs: DamagedDocument[] = [];
      for (const [path, perOrigin] of set.documents) {
        perOrigin.forEach((d, i) => {
          if (d.etags.includes(fault.file)) docs.push({ ...fault, path, origin: (site.origins[i] as SiteConfig['origins'][number]).href, since: Date.now() });
        });
      }
      damagedOnReplica.set(fault.file, docs);
    }
    if (Date.now() - lastRefetch < REFETCH_EVERY_MS) return;
    lastRefetch = Date.now();
    void replica.refetch(fault.file).then(
      (back) => {
        if (back) damagedOnReplica.delete(fault.file);
      },
      (err: unknown) => log(`cluster: could not fetch the body ${fault.file} again: ${(err as Error).message}`),
    );
  };

  return {
    current,
    lastReport: (): CompileStatus | undefined => compiler?.lastReport(),
    brotliPending: () => compiler?.brotliPending() ?? 0,
    damaged: () => compiler?.damaged() ?? [...damagedOnReplica.values()].flat(),
    reportBodyFault: (fault) => (compiler !== undefined ? compiler.reportBodyFault(fault) : refetchOnReplica(fault)),
    role: () => (compiler === undefined ? 'replica' : 'compiler'),
    compiler: () => compiler,
    databaseReachable: () => reachable && session?.connected() === true,
    health: () => ({ role: compiler === undefined ? 'replica' : 'compiler', database: reachable && session?.connected() === true ? 'ok' : 'unreachable' }),
    async start() {
      // Serve the current set before listening: no compile, only the manifest and missing bodies.
      await sync();
      session = openSession();
      poller = setInterval(() => void tick(), pollMs);
    },
    target: {
      async compile(opts) {
        if (compiler !== undefined) return compiler.compile(opts);
        wrote = true;
        return undefined;
      },
      async whenIdle() {
        if (compiler !== undefined) return compiler.whenIdle();
        if (!wrote) return;
        wrote = false;
        // The manifest's position, not this replica's set: an import process serves nothing.
        const latest = await store.latestChangeSeq().catch(() => undefined);
        const end = Date.now() + 10_000;
        while (latest !== undefined && Date.now() < end && !closed) {
          const at = await store.readPublishPosition().catch(() => undefined);
          if (at === undefined || (at.changeSeq ?? -1) >= latest) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      },
    },
    whenCompiler: () => (compiler !== undefined ? Promise.resolve(compiler) : new Promise((resolve) => compilerWaiters.push(resolve))),
    async close() {
      closed = true;
      if (poller !== undefined) clearInterval(poller);
      if (changeTimer !== undefined) clearTimeout(changeTimer);
      if (retrySync !== undefined) clearTimeout(retrySync);
      await becoming;
      const c = compiler;
      compiler = undefined;
      await schedule?.stop();
      if (c !== undefined) {
        await c.whenIdle().catch(() => {});
        await c.close().catch(() => {});
      }
      await replica.idle();
      await session?.close();
    },
  };
}
