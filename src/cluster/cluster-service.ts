// The wiring of one instance of a cluster (several instances on one PostgreSQL store): the same
// server and API as a single instance (src/service.ts), with the published set coming from the
// cluster node — the replica of the store's set, and the compiler while this instance holds the
// compiler lock. What `serve` and `import` run when a database URL is configured.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SiteConfig } from '../core/site.js';
import { createCompiler, type CompilerOptions } from '../compile/compiler.js';
import { openBodyStore, type BodyStore } from '../compile/body-store.js';
import { prepareSettingsOf } from '../compile/prepared.js';
import { schedulePeriodSeconds } from '../compile/schedule.js';
import { createArticleWriter, type ArticleWriter } from '../compile/writer.js';
import { createApp } from '../http/app.js';
import { createFeedServer } from '../http/server.js';
import type { PgStore } from '../store/pg-store.js';
import { createLogger, lineLog, silentLogger, type Logger } from '../log.js';
import { createMetrics, type Metrics } from '../http/metrics.js';
import { createAccessLog } from '../http/access-log.js';
import { composeObservers } from '../http/served-response.js';
import { createPublishLog } from '../compile/publish-log.js';
import type { ApiTokens } from '../http/api-tokens.js';
import { createReaderStats } from '../stats/reader-stats.js';
import { createClusterNode, type ClusterNode } from './cluster-node.js';
import { createBuiltinHub, type BuiltinHub, type HubTuning } from '../websub/hub.js';
import { pingedHubs } from '../core/websub-discovery.js';
import { createWebSubPublisher, pingEventsTo, type WebSubPublisher } from '../websub/publisher.js';
import { createArchiveCache } from '../compile/archive-cache.js';
import { siteDigest } from '../compile/feed-state.js';
import { createRenderPool } from '../compile/render-pool.js';
import { createArchiveRoute } from '../http/archive-route.js';

/** What an instance of a cluster is built from. */
export interface ClusterServiceOptions {
  site: SiteConfig;
  /** The PostgreSQL store, opened by the caller (closed by close()). */
  store: PgStore;
  /** This instance's folder of document bodies (content-addressed files; its own, never shared). */
  documentsDir: string;
  /** How many bytes of document bodies to hold in memory. */
  cacheBytes: number;
  /** Whether this instance competes to compile (serve: yes; import: no). */
  campaign: boolean;
  /** The compiler's render worker threads, idle time before they retire (ms), heap limit and article folder (see CompilerOptions). */
  renderThreads?: number;
  renderIdleMs?: number;
  renderHeapMb?: number;
  /** Milliseconds a published document waits before its brotli body is made (see CompilerOptions.brotliDelayMs). */
  brotliDelayMs?: number;
  articlesDir?: string;
  publicDir: string;
  /** The ingest API's bearer token; undefined leaves the API off. */
  apiToken?: string;
  /** The API's named tokens (reloadable); given, they replace `apiToken`. */
  apiTokens?: ApiTokens;
  /** The structured log (see ServiceOptions.logger). */
  logger?: Logger;
  /** The access log's logger; undefined: no access log. */
  accessLog?: Logger;
  /** Run the cron schedule while compiling (default true). */
  schedule?: boolean;
  /** How often a replica tries the compiler lock and checks for a missed publish (ms, default 1000). */
  pollMs?: number;
  log?: (line: string) => void;
  /** The built-in WebSub hub's numbers (leases, retries), when site.json has `"hub": "builtin"`. */
  hubTuning?: HubTuning;
  /** How often this instance adds the readers it counted to the shared tables, ms (default 60,000). */
  statsFlushMs?: number;
}

/** A running instance of a cluster. */
export interface ClusterService {
  store: PgStore;
  node: ClusterNode;
  bodies: BodyStore;
  /** Pings site.json's `hubs` after each publish while this instance compiles; undefined without hubs. */
  publisher: WebSubPublisher | undefined;
  writer: ArticleWriter;
  server: Server;
  /** The built-in WebSub hub (every instance takes subscriptions; only the compiler delivers). */
  hub?: BuiltinHub;
  /** The metrics /metrics exposes. */
  metrics: Metrics;
  /** Serves the store's published set (when the database answers), listens, then competes to compile; resolves with the port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops listening, publishes acknowledged writes (when compiling), ends the session, closes the store. */
  close(): Promise<void>;
}

/** Builds one instance of a cluster; nothing connects until listen(). */
export function createClusterService(options: ClusterServiceOptions): ClusterService {
  const logger = options.logger ?? (options.log === undefined ? createLogger() : silentLogger());
  const log = options.log ?? lineLog(logger);
  const metrics = createMetrics({ current: () => node.current() });
  const publishLog = createPublishLog(logger);
  const { site, store } = options;
  const bodies = openBodyStore(options.documentsDir, options.cacheBytes);
  const periodSeconds = schedulePeriodSeconds(site.schedule);
  const compilerOptions = (compileStore: CompilerOptions['store']): CompilerOptions => ({
    store: compileStore,
    bodies,
    site,
    periodSeconds,
    log,
    ...(options.logger !== undefined || options.log === undefined ? { warn: lineLog(logger, 'warn') } : {}),
    onCompiled: (report) => {
      metrics.compiled(report);
      publishLog.compiled(report);
    },
    // Render workers read the store through their own read-only pools.
    databaseUrl: store.url,
    ...(options.renderThreads === undefined ? {} : { renderThreads: options.renderThreads }),
    ...(options.renderIdleMs === undefined ? {} : { renderIdleMs: options.renderIdleMs }),
    ...(options.renderHeapMb === undefined ? {} : { renderHeapMb: options.renderHeapMb }),
    ...(options.brotliDelayMs === undefined ? {} : { brotliDelayMs: options.brotliDelayMs }),
    ...(options.articlesDir === undefined ? {} : { articlesDir: options.articlesDir }),
  });
  const hubs = pingedHubs(site);
  const publisher = hubs.length === 0 ? undefined : createWebSubPublisher({ observe: pingEventsTo({ warn: (line) => logger.warn(line) }, metrics), logError: (line) => logger.error(line), hubs });
  const node = createClusterNode({
    store,
    bodies,
    site,
    periodSeconds,
    campaign: options.campaign,
    schedule: options.schedule !== false,
    log,
    logger,
    // Only the compiling instance pings (W3C WebSub §7): each compiler it creates on a takeover
    // gets its own listener, whose baseline is the set it restores (no pings for that).
    createCompiler: (compileStore) => {
      const compiler = createCompiler(compilerOptions(compileStore));
      if (publisher !== undefined) compiler.onPublish(publisher.listener(site.origins));
      // Issue 14: only the compiling instance delivers to the built-in hub's subscribers too.
      if (hub !== undefined) compiler.onPublish(hub.published);
      compiler.onPublish(publishLog.published);
      return compiler;
    },
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  const hub = site.hub === 'builtin' ? createBuiltinHub({ store, bodies, site, current: node.current, log, ...(options.hubTuning ? { tuning: options.hubTuning } : {}) }) : undefined;
  const writer = createArticleWriter({ store, compiler: node.target, timeZone: site.timeZone, prepare: prepareSettingsOf(site) });
  const accessLog = options.accessLog === undefined ? undefined : createAccessLog({ logger: options.accessLog, origins: site.origins.map((o) => o.href), behindProxy: site.behindProxy });
  // Readers counted (issue 12): the fast path's observer, flushed to the store.
  const stats = createReaderStats({ site: site, store, log, isDocument: (path) => node.current()?.documents.has(path) === true, ...(options.statsFlushMs === undefined ? {} : { flushMs: options.statsFlushMs }) });
  // The app's answers (health, /stats, the API, pages) go to metrics and the access log only: the
  // readers counted are the feed documents' readers.
  const observeErrors = (err: unknown) => logger.error(`observing a response: ${(err as Error).message}`);
  const observeApp = composeObservers([metrics.observe, accessLog], observeErrors);
  const observe = composeObservers([metrics.observe, stats.observe, accessLog], observeErrors);
  const app = createApp({ ...(hub ? { hub: hub.router } : {}), compiler: node, publicDir: options.publicDir, startedAt: Date.now(), cluster: () => node.health(), ...(publisher === undefined ? {} : { webSub: publisher.status }), logger, metrics, ...(observeApp === undefined ? {} : { observe: observeApp }), api: { token: options.apiTokens ?? options.apiToken, store, writer, available: () => node.databaseReachable(), behindProxy: site.behindProxy }, stats: stats.page(options.apiTokens ?? options.apiToken) });
  // RFC 5005 archives: every instance (replica or compiler) renders them itself, read-only, in
  // one worker of its own, invalidated by the change log when its published set changes.
  const archiveRenderer = createRenderPool({ settings: { site, periodSeconds, baseDigest: siteDigest(site, periodSeconds), documentsDir: options.documentsDir }, store, databaseUrl: store.url, threads: 1, log, ...(options.renderIdleMs === undefined ? {} : { idleMs: options.renderIdleMs }) });
  const archives = createArchiveCache({ site, periodSeconds, store, renderer: archiveRenderer, current: node.current, documentsDir: options.documentsDir, log });
  const server = createFeedServer({ site, current: node.current, app, bodies, periodSeconds, onBodyFault: node.reportBodyFault, ...(observe === undefined ? {} : { observe }), archives: createArchiveRoute(site, archives, observe, (line) => logger.error(line)), logError: (line) => logger.error(line) });

  return {
    store,
    node,
    bodies,
    publisher,
    writer,
    server,
    ...(hub ? { hub } : {}),
    metrics,
    async listen(port, host) {
      await node.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      stats.flusher.start();
      return (server.address() as AddressInfo).port;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      await stats.flusher.stop();
      await writer.flushed().catch(() => {});
      await hub?.close();
      await publisher?.close();
      await node.close();
      await archiveRenderer.close();
      await store.close();
    },
  };
}
