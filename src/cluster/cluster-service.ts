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
import { createClusterNode, type ClusterNode } from './cluster-node.js';
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
  /** The compiler's render worker threads, heap limit and article folder (see CompilerOptions). */
  renderThreads?: number;
  renderHeapMb?: number;
  articlesDir?: string;
  publicDir: string;
  /** The ingest API's bearer token; undefined leaves the API off. */
  apiToken?: string;
  /** Run the cron schedule while compiling (default true). */
  schedule?: boolean;
  /** How often a replica tries the compiler lock and checks for a missed publish (ms, default 1000). */
  pollMs?: number;
  log?: (line: string) => void;
}

/** A running instance of a cluster. */
export interface ClusterService {
  store: PgStore;
  node: ClusterNode;
  bodies: BodyStore;
  writer: ArticleWriter;
  server: Server;
  /** Serves the store's published set (when the database answers), listens, then competes to compile; resolves with the port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops listening, publishes acknowledged writes (when compiling), ends the session, closes the store. */
  close(): Promise<void>;
}

/** Builds one instance of a cluster; nothing connects until listen(). */
export function createClusterService(options: ClusterServiceOptions): ClusterService {
  const log = options.log ?? ((line: string) => console.log(`${new Date().toISOString()} ${line}`));
  const { site, store } = options;
  const bodies = openBodyStore(options.documentsDir, options.cacheBytes);
  const periodSeconds = schedulePeriodSeconds(site.schedule);
  const compilerOptions = (compileStore: CompilerOptions['store']): CompilerOptions => ({
    store: compileStore,
    bodies,
    site,
    periodSeconds,
    log,
    // Render workers read the store through their own read-only pools.
    databaseUrl: store.url,
    ...(options.renderThreads === undefined ? {} : { renderThreads: options.renderThreads }),
    ...(options.renderHeapMb === undefined ? {} : { renderHeapMb: options.renderHeapMb }),
    ...(options.articlesDir === undefined ? {} : { articlesDir: options.articlesDir }),
  });
  const node = createClusterNode({
    store,
    bodies,
    site,
    periodSeconds,
    campaign: options.campaign,
    schedule: options.schedule !== false,
    log,
    createCompiler: (compileStore) => createCompiler(compilerOptions(compileStore)),
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  const writer = createArticleWriter({ store, compiler: node.target, timeZone: site.timeZone, prepare: prepareSettingsOf(site) });
  const app = createApp({ compiler: node, publicDir: options.publicDir, startedAt: Date.now(), cluster: () => node.health(), api: { token: options.apiToken, store, writer, available: () => node.databaseReachable() } });
  // RFC 5005 archives: every instance (replica or compiler) renders them itself, read-only, in
  // one worker of its own, invalidated by the change log when its published set changes.
  const archiveRenderer = createRenderPool({ settings: { site, periodSeconds, baseDigest: siteDigest(site, periodSeconds), documentsDir: options.documentsDir }, store, databaseUrl: store.url, threads: 1, log });
  const archives = createArchiveCache({ site, periodSeconds, store, renderer: archiveRenderer, current: node.current, documentsDir: options.documentsDir, log });
  const server = createFeedServer({ site, current: node.current, app, bodies, periodSeconds, onBodyFault: node.reportBodyFault, archives: createArchiveRoute(site, archives) });

  return {
    store,
    node,
    bodies,
    writer,
    server,
    async listen(port, host) {
      await node.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 5000).unref();
      });
      await writer.flushed().catch(() => {});
      await node.close();
      await archiveRenderer.close();
      await store.close();
    },
  };
}
