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
import { createReaderStats } from '../stats/reader-stats.js';
import { createClusterNode, type ClusterNode } from './cluster-node.js';

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
  /** How often this instance adds the readers it counted to the shared tables, ms (default 60,000). */
  statsFlushMs?: number;
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
  // Readers counted (issue 12): each instance adds its own counts to the shared tables.
  const stats = createReaderStats({ site, store, log, ...(options.statsFlushMs === undefined ? {} : { flushMs: options.statsFlushMs }) });
  const app = createApp({ compiler: node, publicDir: options.publicDir, startedAt: Date.now(), cluster: () => node.health(), api: { token: options.apiToken, store, writer, available: () => node.databaseReachable() }, stats: stats.page(options.apiToken) });
  const server = createFeedServer({ site, current: node.current, app, bodies, periodSeconds, onBodyFault: node.reportBodyFault, observe: stats.observe });

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
      await node.close();
      await store.close();
    },
  };
}
