// Configuration: data/site.json and the environment, read and validated in one place and
// passed in; nothing else reads process.env.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FeedwrightError } from './core/errors.js';
import { validateSiteConfig, type SiteConfig } from './core/site.js';
import { isCronExpression } from './compile/schedule.js';

/** Where things live and how the server listens. */
export interface RuntimeConfig {
  dataDir: string;
  articlesDir: string;
  databaseFile: string;
  /**
   * A PostgreSQL database (`--database-url`, else DATABASE_URL) that holds the store instead of
   * `databaseFile`, so several instances can share it; undefined keeps the SQLite file.
   */
  databaseUrl: string | undefined;
  /** Compiled document bodies, content-addressed. */
  documentsDir: string;
  /** The memory budget for document bodies, in bytes. */
  cacheBytes: number;
  publicDir: string;
  port: number;
  host: string;
  /** The ingest API's bearer token (FEEDWRIGHT_API_TOKEN); undefined turns the API off. */
  apiToken: string | undefined;
  /**
   * Render worker threads (FEEDWRIGHT_RENDER_THREADS, an integer 0–64); undefined means one per
   * core. 0 renders on the serving thread (for a machine where threads cannot start).
   */
  renderThreads: number | undefined;
}

/** Reads and validates `site.json` in the data folder. */
export function loadSiteConfig(dataDir: string): SiteConfig {
  const file = join(dataDir, 'site.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FeedwrightError('CONFIG_READ', `cannot read ${file}: ${(err as Error).message}`, { file, cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new FeedwrightError('CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}`, { file });
  }
  return validateSiteConfig(raw, isCronExpression);
}

/**
 * The PostgreSQL URL from `--database-url`, else DATABASE_URL; undefined when neither is set
 * (or is empty). Throws a FeedwrightError `CONFIG_INVALID` naming where it came from (never
 * its value, which may hold a password) when it is not a `postgres://` or `postgresql://` URL.
 */
export function databaseUrlFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const [field, value] = flag !== undefined ? ['--database-url', flag] : ['DATABASE_URL', env.DATABASE_URL];
  if (value === undefined || value === '') return undefined;
  if (!/^postgres(ql)?:\/\//.test(value)) {
    throw new FeedwrightError('CONFIG_INVALID', `${field} must be a postgres:// or postgresql:// URL (the SQLite file needs none)`, { problems: [{ field, message: 'must be a postgres:// or postgresql:// URL' }] });
  }
  return value;
}

/**
 * Resolves folders, the store and the listening address from flags and the environment
 * (design: configuration is read in one place). Throws a FeedwrightError `CONFIG_INVALID`
 * naming the variable when PORT, FEEDWRIGHT_CACHE_MB or the database URL is malformed.
 */
export function loadRuntimeConfig(flags: { data?: string; databaseUrl?: string }, env: NodeJS.ProcessEnv, packageRoot: string): RuntimeConfig {
  const dataDir = resolve(flags.data ?? env.FEEDWRIGHT_DATA ?? join(packageRoot, 'data'));
  const portText = env.PORT ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new FeedwrightError('CONFIG_INVALID', `PORT "${portText}" is not a port number (0 to 65535)`, { problems: [{ field: 'PORT', message: 'must be a port number' }] });
  }
  const cacheText = env.FEEDWRIGHT_CACHE_MB ?? '96';
  const cacheMB = Number(cacheText);
  if (!Number.isFinite(cacheMB) || cacheMB < 0) {
    throw new FeedwrightError('CONFIG_INVALID', `FEEDWRIGHT_CACHE_MB "${cacheText}" is not a number of megabytes`, { problems: [{ field: 'FEEDWRIGHT_CACHE_MB', message: 'must be a number, 0 or more' }] });
  }
  const threadsText = env.FEEDWRIGHT_RENDER_THREADS;
  const renderThreads = threadsText === undefined || threadsText === '' ? undefined : /^\d{1,2}$/.test(threadsText) ? Number(threadsText) : Number.NaN;
  if (renderThreads !== undefined && !(renderThreads >= 0 && renderThreads <= 64)) {
    throw new FeedwrightError('CONFIG_INVALID', `FEEDWRIGHT_RENDER_THREADS "${threadsText}" is not a number of threads (0 to 64)`, { problems: [{ field: 'FEEDWRIGHT_RENDER_THREADS', message: 'must be an integer from 0 to 64' }] });
  }
  return {
    dataDir,
    articlesDir: join(dataDir, 'articles'),
    databaseFile: join(dataDir, 'feedwright.db'),
    databaseUrl: databaseUrlFrom(flags.databaseUrl, env),
    documentsDir: join(dataDir, '.feedwright', 'documents'),
    cacheBytes: Math.round(cacheMB * 1024 * 1024),
    publicDir: join(packageRoot, 'public'),
    port,
    host: env.HOST ?? '0.0.0.0',
    apiToken: env.FEEDWRIGHT_API_TOKEN === undefined || env.FEEDWRIGHT_API_TOKEN === '' ? undefined : env.FEEDWRIGHT_API_TOKEN,
    renderThreads,
  };
}
