// What every command needs from the command line and the environment: the package root, the
// runtime configuration, and the two ways of opening the service (one machine, or an instance of
// a PostgreSQL cluster). The only place besides config.ts that reads process.env.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRuntimeConfig, type RuntimeConfig } from '../config.js';
import { openPgStore } from '../store/pg-store.js';
import { createClusterService, type ClusterService } from '../cluster/cluster-service.js';
import type { SiteConfig } from '../core/site.js';
import type { ParsedArgs } from './options.js';
import { createLogger, type Logger } from '../log.js';
import { openApiTokenFile, type FileApiTokens } from '../http/api-tokens.js';
import { FeedwrightError } from '../core/errors.js';
import { describeFsError } from '../folders.js';

/** The package root: the nearest folder above this file holding package.json (dist/src/cli/ → the root). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The version in the package's package.json, e.g. `0.1.0`. Throws when the file cannot be read. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * The runtime configuration from `--data`, `--database-url` and the environment (see
 * loadRuntimeConfig; throws its FeedwrightError `CONFIG_INVALID`).
 */
export function runtimeOf(args: ParsedArgs): RuntimeConfig {
  const data = args.values.data;
  const databaseUrl = args.values['database-url'];
  const logLevel = args.values['log-level'];
  return loadRuntimeConfig({ ...(typeof data === 'string' ? { data } : {}), ...(typeof databaseUrl === 'string' ? { databaseUrl } : {}), ...(typeof logLevel === 'string' ? { logLevel } : {}) }, process.env, packageRoot());
}

/**
 * Where a single instance keeps its data (the SQLite file and document folder) and how many
 * render threads it runs. With a database URL the commands run as an instance of a cluster instead
 * (see clusterService).
 */
export function storage(runtime: RuntimeConfig): { databaseFile: string; documentsDir: string; cacheBytes: number; statsFlushMs: number; renderThreads?: number; renderIdleMs?: number; brotliDelayMs?: number } {
  return { databaseFile: runtime.databaseFile, documentsDir: runtime.documentsDir, cacheBytes: runtime.cacheBytes, statsFlushMs: runtime.statsFlushSeconds * 1000, ...(runtime.renderThreads === undefined ? {} : { renderThreads: runtime.renderThreads }), ...(runtime.renderIdleSeconds === undefined ? {} : { renderIdleMs: runtime.renderIdleSeconds * 1000 }), ...(runtime.brotliDelaySeconds === undefined ? {} : { brotliDelayMs: runtime.brotliDelaySeconds * 1000 }) };
}

/**
 * One instance of a cluster on the PostgreSQL store at `runtime.databaseUrl` (src/cluster):
 * `campaign` says whether it competes to be the cluster's compiler. Throws a FeedwrightError
 * `STORE_OPEN` when the store cannot be opened.
 */
export async function clusterService(runtime: RuntimeConfig & { databaseUrl: string }, site: SiteConfig, campaign: boolean, log: (line: string) => void, schedule = true, observability: Observability | Record<string, never> = {}): Promise<ClusterService> {
  const store = await openPgStore(runtime.databaseUrl, { idPrefix: site.idPrefix, log });
  return createClusterService({
    site,
    store,
    documentsDir: runtime.documentsDir,
    cacheBytes: runtime.cacheBytes,
    campaign,
    schedule,
    statsFlushMs: runtime.statsFlushSeconds * 1000,
    articlesDir: runtime.articlesDir,
    publicDir: runtime.publicDir,
    log,
    ...(runtime.renderThreads === undefined ? {} : { renderThreads: runtime.renderThreads }),
    ...(runtime.renderIdleSeconds === undefined ? {} : { renderIdleMs: runtime.renderIdleSeconds * 1000 }),
    ...(runtime.brotliDelaySeconds === undefined ? {} : { brotliDelayMs: runtime.brotliDelaySeconds * 1000 }),
    ...(runtime.apiToken ? { apiToken: runtime.apiToken } : {}),
    ...observability,
  });
}

/** What `serve` logs through and authenticates with (see observability). */
export interface Observability {
  logger: Logger;
  accessLog?: Logger;
  apiTokens?: FileApiTokens;
}

/**
 * The access log file of FEEDWRIGHT_ACCESS_LOG, opened for appending (made if missing). Throws a
 * FeedwrightError `CONFIG_INVALID` naming the variable, the file and the reason when it cannot be
 * opened (a read-only file system, no permission, a folder), instead of the stream's stack trace.
 */
function openAccessLog(file: string): Logger {
  try {
    return createLogger({ level: 'info', destination: { file }, pretty: false });
  } catch (err) {
    const message = `names ${file}, which cannot be opened for appending: ${describeFsError(err)}`;
    throw new FeedwrightError('CONFIG_INVALID', `FEEDWRIGHT_ACCESS_LOG ${message}`, { file, cause: err, problems: [{ field: 'FEEDWRIGHT_ACCESS_LOG', message }] });
  }
}

/**
 * What serve logs through: the service log on stdout at the configured level, the access log
 * (FEEDWRIGHT_ACCESS_LOG: into it, or appended to a file), and the named API tokens of
 * FEEDWRIGHT_API_TOKEN_FILE, read again on SIGHUP (the tokens in use stay if the file is broken).
 * Throws (naming the file, never a secret) when the token file cannot be read or parsed, and a
 * FeedwrightError naming FEEDWRIGHT_ACCESS_LOG when its file cannot be opened.
 */
export function observability(runtime: RuntimeConfig): Observability {
  const logger = createLogger({ level: runtime.logLevel });
  const to = runtime.accessLogTo;
  const accessLog = to === undefined ? undefined : to === 'log' ? logger : openAccessLog(to.file);
  const apiTokens = runtime.apiTokenFile === undefined ? undefined : openApiTokenFile(runtime.apiTokenFile);
  // SIGHUP reloads the token file; without one there is nothing to reload, and the signal must
  // still not kill the server (Node's default for SIGHUP is to exit).
  process.on('SIGHUP', () => {
    if (apiTokens === undefined) {
      logger.info('SIGHUP: nothing to reload (no FEEDWRIGHT_API_TOKEN_FILE); still serving');
      return;
    }
    const r = apiTokens.reload();
    if (r.ok) logger.info({ clients: r.names }, 'API tokens reloaded');
    else logger.error({ problems: r.problems }, 'API token file not reloaded: the tokens in use stay');
  });
  return { logger, ...(accessLog === undefined ? {} : { accessLog }), ...(apiTokens === undefined ? {} : { apiTokens }) };
}
