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
import { createBuiltinHub, type BuiltinHub, type HubTuning } from '../websub/hub.js';

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
  /** The built-in WebSub hub's numbers (leases, retries), when site.json has `"hub": "builtin"`. */
  hubTuning?: HubTuning;
}

/** A running instance of a cluster. */
export interface ClusterService {
  store: PgStore;
  node: ClusterNode;
  bodies: BodyStore;
  writer: ArticleWriter;
  server: Server;
  /** The built-in WebSub hub (every instance takes subscriptions; only the compiler delivers). */
  hub?: BuiltinHub;
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
    createCompiler: (compileStore) => {
      const c = createCompiler(compilerOptions(compileStore));
      // Issue 14: only the compiling instance delivers, since only its compiler publishes; its
      // restore (the set it takes over) is the baseline deliveries compare with.
      if (hub !== undefined) c.onPublish(hub.published);
      return c;
    },
    ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
  });
  const hub = site.hub === 'builtin' ? createBuiltinHub({ store, bodies, site, current: node.current, log, ...(options.hubTuning ? { tuning: options.hubTuning } : {}) }) : undefined;
  const writer = createArticleWriter({ store, compiler: node.target, timeZone: site.timeZone, prepare: prepareSettingsOf(site) });
  const app = createApp({ ...(hub ? { hub: hub.router } : {}), compiler: node, publicDir: options.publicDir, startedAt: Date.now(), cluster: () => node.health(), api: { token: options.apiToken, store, writer, available: () => node.databaseReachable() } });
  const server = createFeedServer({ site, current: node.current, app, bodies, periodSeconds, onBodyFault: node.reportBodyFault });

  return {
    store,
    node,
    bodies,
    writer,
    server,
    ...(hub ? { hub } : {}),
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
      await hub?.close();
      await node.close();
      await store.close();
    },
  };
}
