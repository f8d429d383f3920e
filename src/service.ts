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
import { pingedHubs } from './core/websub-discovery.js';
import { createWebSubPublisher, pingEventsTo, type PublisherOptions, type WebSubPublisher } from './websub/publisher.js';
import { createLogger, lineLog, silentLogger, type Logger } from './log.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { createAccessLog } from './http/access-log.js';
import { composeObservers } from './http/served-response.js';
import { createPublishLog } from './compile/publish-log.js';
import type { ApiTokens } from './http/api-tokens.js';
import { createReaderStats } from './stats/reader-stats.js';
import { createArchiveCache, type ArchiveCache } from './compile/archive-cache.js';
import { createArchiveRoute } from './http/archive-route.js';

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
  /** Milliseconds without a task after which the render workers retire (default 30 s; 0 keeps them): see RenderPoolOptions.idleMs. */
  renderIdleMs?: number;
  /** Render workers an idle retirement keeps (default 1; 0 retires all): see RenderPoolOptions.keepWorkers. */
  renderKeepWorkers?: number;
  /** Each render worker's heap limit in MB (default 1024). */
  renderHeapMb?: number;
  /** Milliseconds a published document waits before its brotli body is made (default 10 s; 0 at once). */
  brotliDelayMs?: number;
  /** A bulk import: the writer only stores; the next compile (serve's, `feedwright compile`) publishes. */
  bulkWrites?: boolean;
  articlesDir?: string;
  publicDir: string;
  /** The ingest API's bearer token; undefined leaves the API off. */
  apiToken?: string;
  /** The API's named tokens (api-tokens.ts; reloadable); given, they replace `apiToken`. */
  apiTokens?: ApiTokens;
  /**
   * The structured log (src/log.ts): publishes, API writes, failed authentications, request
   * failures; `log` lines go to it too unless `log` is given. Default: info and up on stdout.
   */
  logger?: Logger;
  /** The access log's logger (FEEDWRIGHT_ACCESS_LOG): one record a request; undefined: no access log. */
  accessLog?: Logger;
  /** Run the cron schedule (off in tests that drive compiles themselves). */
  schedule?: boolean;
  clock?: () => number;
  log?: (line: string) => void;
  /** Hears how far each compile is (see CompilerOptions.progress). */
  compileProgress?: CompilerOptions['progress'];
  /** The built-in WebSub hub's numbers (leases, retries), when site.json has `"hub": "builtin"`. */
  hubTuning?: HubTuning;
  /** The WebSub publisher's tuning (tests); it runs when site.json lists `hubs`. */
  webSub?: Partial<Omit<PublisherOptions, 'hubs'>> & { closeGraceMs?: number };
  /** How often the readers counted are flushed to the store, ms (default 60,000; see src/stats/flush.ts). */
  statsFlushMs?: number;
  /** How many archive months (RFC 5005) to keep rendered (default DEFAULT_ARCHIVE_MONTHS). */
  archiveMonths?: number;
}

/** A running service. */
export interface Service {
  store: ArticleStore;
  compiler: Compiler;
  bodies: BodyStore;
  /** The write path for articles that do not come from files. */
  writer: ArticleWriter;
  /** RFC 5005 archive documents, rendered on first request (see compile/archive-cache.ts). */
  archives: ArchiveCache;
  server: Server;
  /** The built-in WebSub hub, when site.json has `"hub": "builtin"`. */
  hub?: BuiltinHub;
  /** Pings site.json's `hubs` after each publish that changed feeds (W3C WebSub §7); undefined without hubs. */
  publisher: WebSubPublisher | undefined;
  /** The metrics /metrics exposes (hubPing for WebSub pings, storeError, …). */
  metrics: Metrics;
  /** Starts listening; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops the schedule, finishes in-flight requests, closes the store. */
  close(): Promise<void>;
}

/** Builds the service: the server answers at once (503 until the first compile publishes). */
export function createService(options: ServiceOptions): Service {
  // A caller that gives its own `log` (tests, the compile command) hears nothing else unless it gives a logger too.
  const logger = options.logger ?? (options.log === undefined ? createLogger() : silentLogger());
  const log = options.log ?? lineLog(logger);
  const metrics = createMetrics({ current: () => compiler.current() });
  const publishLog = createPublishLog(logger);
  const store = options.store ?? openSqliteStore(options.databaseFile, { idPrefix: options.site.idPrefix, log });
  const bodies = openBodyStore(options.documentsDir ?? join(dirname(options.databaseFile), '.feedwright', 'documents'), options.cacheBytes ?? DEFAULT_CACHE_BYTES);
  const periodSeconds = schedulePeriodSeconds(options.site.schedule);
  const compiler = createCompiler({
    store,
    bodies,
    site: options.site,
    periodSeconds,
    log,
    ...(options.logger !== undefined || options.log === undefined ? { warn: lineLog(logger, 'warn') } : {}),
    onCompiled: (report) => {
      metrics.compiled(report);
      publishLog.compiled(report);
    },
    // Render workers open the same file read-only: feeds are rendered off the serving thread.
    ...(options.store === undefined ? { databaseFile: options.databaseFile } : {}),
    ...(options.store !== undefined && options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.renderThreads === undefined ? {} : { renderThreads: options.renderThreads }),
    ...(options.renderIdleMs === undefined ? {} : { renderIdleMs: options.renderIdleMs }),
    ...(options.renderKeepWorkers === undefined ? {} : { renderKeepWorkers: options.renderKeepWorkers }),
    ...(options.renderHeapMb === undefined ? {} : { renderHeapMb: options.renderHeapMb }),
    ...(options.brotliDelayMs === undefined ? {} : { brotliDelayMs: options.brotliDelayMs }),
    ...(options.articlesDir === undefined ? {} : { articlesDir: options.articlesDir }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.compileProgress === undefined ? {} : { progress: options.compileProgress }),
  });
  const writer = createArticleWriter({ store, compiler, timeZone: options.site.timeZone, prepare: prepareSettingsOf(options.site), ...(options.clock === undefined ? {} : { clock: options.clock }), ...(options.bulkWrites ? { compile: false } : {}) });
  // Issue 14: our own hub; it hears every publish (the first, the restored set, is its baseline).
  const hub = options.site.hub === 'builtin' ? createBuiltinHub({ store, bodies, site: options.site, current: compiler.current, log, ...(options.clock ? { clock: options.clock } : {}), ...(options.hubTuning ? { tuning: options.hubTuning } : {}) }) : undefined;
  if (hub !== undefined) compiler.onPublish(hub.published);
  // WebSub (issue 14): the hubs hear of every topic a publish changed, off the publish path.
  const { closeGraceMs, ...webSubOptions } = options.webSub ?? {};
  const hubs = pingedHubs(options.site);
  const publisher = hubs.length === 0 ? undefined : createWebSubPublisher({ observe: pingEventsTo({ warn: (line) => logger.warn(line) }, metrics), logError: (line) => logger.error(line), ...webSubOptions, hubs });
  if (publisher !== undefined) compiler.onPublish(publisher.listener(options.site.origins));
  compiler.onPublish(publishLog.published);
  // Every answer is counted for /metrics and, when asked for, written to the access log (the
  // readers counted for /stats).
  const accessLog = options.accessLog === undefined ? undefined : createAccessLog({ logger: options.accessLog, origins: options.site.origins.map((o) => o.href), behindProxy: options.site.behindProxy });
  // Readers counted (issue 12): the fast path's observer, flushed to the store.
  const stats = createReaderStats({ site: options.site, store, log, isDocument: (path) => compiler.current()?.documents.has(path) === true, ...(options.statsFlushMs === undefined ? {} : { flushMs: options.statsFlushMs }), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  // The app's answers (health, /stats, the API, pages) go to metrics and the access log only: the
  // readers counted are the feed documents' readers.
  const observeErrors = (err: unknown) => logger.error(`observing a response: ${(err as Error).message}`);
  const observeApp = composeObservers([metrics.observe, accessLog], observeErrors);
  const observe = composeObservers([metrics.observe, stats.observe, accessLog], observeErrors);
  const app = createApp({ ...(hub ? { hub: hub.router } : {}), compiler, publicDir: options.publicDir, startedAt: Date.now(), ...(publisher === undefined ? {} : { webSub: publisher.status }), logger, metrics, ...(observeApp === undefined ? {} : { observe: observeApp }), api: { token: options.apiTokens ?? options.apiToken, store, writer, behindProxy: options.site.behindProxy }, stats: stats.page(options.apiTokens ?? options.apiToken) });
  // A body that cannot be served withholds its document and has its feed rendered again.
  const archives = createArchiveCache({ site: options.site, periodSeconds, store, renderer: compiler.renderer, current: compiler.current, documentsDir: bodies.dir, log, ...(options.archiveMonths === undefined ? {} : { maxMonths: options.archiveMonths }), ...(options.clock === undefined ? {} : { clock: options.clock }) });
  compiler.onPublish(() => void archives.published());
  const server = createFeedServer({ site: options.site, current: compiler.current, app, bodies, periodSeconds, onBodyFault: compiler.reportBodyFault, ...(observe === undefined ? {} : { observe }), archives: createArchiveRoute(options.site, archives, observe, (line) => logger.error(line)), logError: (line) => logger.error(line) });
  let schedule: Schedule | undefined;

  return {
    store,
    compiler,
    bodies,
    writer,
    archives,
    server,
    ...(hub ? { hub } : {}),
    publisher,
    metrics,
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
      if (options.schedule !== false) schedule = startSchedule(options.site.schedule, compiler, options.site.timeZone, logger);
      stats.flusher.start();
      return (server.address() as AddressInfo).port;
    },
    async close() {
      await schedule?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      // Every answer has been counted: the last counts go to the store before it closes.
      await stats.flusher.stop();
      // Publish writes already acknowledged, and let a compile in progress finish, before the
      // store closes under them.
      await writer.flushed();
      await compiler.whenIdle();
      await hub?.close();
      // Pings of the last publish get a short while to go out (the compile command's too).
      await publisher?.close(closeGraceMs);
      await compiler.close();
      await store.close();
    },
  };
}
