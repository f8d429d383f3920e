// The wiring of a running feedwright: the store, the compiler, the schedule and the server.
// Used by the CLI's serve command, the tests and the benchmark, so all run the same assembly.
import type { Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { SiteConfig } from './core/site.js';
import { createCompiler, type Compiler, type CompilerOptions } from './compile/compiler.js';
import { schedulePeriodSeconds, startSchedule, type Schedule } from './compile/schedule.js';
import { createApp } from './http/app.js';
import { createFeedServer } from './http/server.js';
import { openSqliteStore } from './store/sqlite-store.js';
import { openBodyStore, type BodyStore } from './compile/body-store.js';
import type { ArticleStore } from './store/store.js';
import { createArticleWriter, type ArticleWriter } from './compile/writer.js';
import { prepareSettingsOf } from './compile/prepared.js';
import { createBuiltinHub, type BuiltinHub, type HubTuning } from './websub/hub.js';

/** The default memory budget for document bodies: the hot feeds, not the archive. */
export const DEFAULT_CACHE_BYTES = 96 * 1024 * 1024;

/** What a service is built from. */
export interface ServiceOptions {
  site: SiteConfig;
  /** The SQLite store's file (opened here unless `store` is given). */
  databaseFile: string;
  /**
   * A store opened by the caller (the PostgreSQL store, see store/pg-store.ts), used instead
   * of `databaseFile` and closed by the service's close. Render workers open `databaseUrl`
   * read-only; without it, with a `store`, this thread renders.
   */
  store?: ArticleStore;
  /** The PostgreSQL URL `store` was opened on, for the render workers' own connections. */
  databaseUrl?: string;
  /** The folder of document bodies (content-addressed files); default `.feedwright/documents` beside the database. */
  documentsDir?: string;
  /** How many bytes of document bodies to hold in memory. */
  cacheBytes?: number;
  /** Render worker threads (default: one per core; 0 renders on the serving thread). */
  renderThreads?: number;
  /** Each render worker's heap limit in MB (default 1024). */
  renderHeapMb?: number;
  /** A bulk import: the writer only stores; the next compile (serve's, `feedwright compile`) publishes. */
  bulkWrites?: boolean;
  articlesDir?: string;
  publicDir: string;
  /** The ingest API's bearer token; undefined leaves the API off. */
  apiToken?: string;
  /** Run the cron schedule (off in tests that drive compiles themselves). */
  schedule?: boolean;
  clock?: () => number;
  log?: (line: string) => void;
  /** Hears how far each compile is (see CompilerOptions.progress). */
  compileProgress?: CompilerOptions['progress'];
  /** The built-in WebSub hub's numbers (leases, retries), when site.json has `"hub": "builtin"`. */
  hubTuning?: HubTuning;
}

/** A running service. */
export interface Service {
  store: ArticleStore;
  compiler: Compiler;
  bodies: BodyStore;
  /** The write path for articles that do not come from files. */
  writer: ArticleWriter;
  server: Server;
  /** The built-in WebSub hub, when site.json has `"hub": "builtin"`. */
  hub?: BuiltinHub;
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops the schedule, finishes in-flight requests, closes the store. */
  close(): Promise<void>;
}

/** Builds the service: the server answers at once (503 until the first compile publishes). */
export function createService(options: ServiceOptions): Service {
  const log = options.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${line}`));
  const store = options.store ?? openSqliteStore(options.databaseFile, { idPrefix: options.site.idPrefix, log });
  const bodies = openBodyStore(options.documentsDir ?? join(dirname(options.databaseFile), '.feedwright', 'documents'), options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  const periodSeconds = schedulePeriodSeconds(options.site.schedule);
  const compiler = createCompiler({
    store,
    bodies,
    site: options.site,
    periodSeconds,
    log,
    // Render workers open the same file read-only: feeds are rendered off the serving thread.
    ...(options.store === undefined ? { databaseFile: options.databaseFile } : {}),
    ...(options.store !== undefined && options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.renderThreads === undefined ? {} : { renderThreads: options.renderThreads }),
    ...(options.renderHeapMb === undefined ? {} : { renderHeapMb: options.renderHeapMb }),
    ...(options.articlesDir === undefined ? {} : { articlesDir: options.articlesDir }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.compileProgress === undefined ? {} : { progress: options.compileProgress }),
  });
  const writer = createArticleWriter({ store, compiler, timeZone: options.site.timeZone, prepare: prepareSettingsOf(options.site), ...(options.clock === undefined ? {} : { clock: options.clock }), ...(options.bulkWrites ? { compile: false } : {}) });
  // Issue 14: our own hub; it hears every publish (the first, the restored set, is its baseline).
  const hub = options.site.hub === 'builtin' ? createBuiltinHub({ store, bodies, site: options.site, current: compiler.current, log, ...(options.clock ? { clock: options.clock } : {}), ...(options.hubTuning ? { tuning: options.hubTuning } : {}) }) : undefined;
  if (hub !== undefined) compiler.onPublish(hub.published);
  const app = createApp({ ...(hub ? { hub: hub.router } : {}), compiler, publicDir: options.publicDir, startedAt: Date.now(), api: { token: options.apiToken, store, writer } });
  // A body that cannot be served withholds its document and has its feed rendered again.
  const server = createFeedServer({ site: options.site, current: compiler.current, app, bodies, periodSeconds, onBodyFault: compiler.reportBodyFault });
  let schedule: Schedule | undefined;

  return {
    store,
    compiler,
    bodies,
    writer,
    server,
    ...(hub ? { hub } : {}),
    async listen(port, host) {
      // Serve what the last run published before listening: a restart does not wait for a compile.
      await compiler.restore();
      // The render workers load their code while the server starts: the first write is not slower.
      compiler.renderer.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      if (options.schedule !== false) schedule = startSchedule(options.site.schedule, compiler, options.site.timeZone);
      return (server.address() as AddressInfo).port;
    },
    async close() {
      await schedule?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      // Publish writes already acknowledged, and let a compile in progress finish, before the
      // store closes under them.
      await writer.flushed();
      await compiler.whenIdle();
      await hub?.close();
      await compiler.close();
      await store.close();
    },
  };
}
