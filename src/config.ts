// Configuration: data/site.json and the environment, read and validated in one place and
// passed in; nothing else reads process.env.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { FeedwrightError, type FieldProblem } from './core/errors.js';
import { parseOrigin, validateSiteConfig, type SiteConfig } from './core/site.js';
import { isCronExpression } from './compile/schedule.js';
import { SECRET, SECRET_RULE, parseTokenFile, tokenFileText } from './http/api-tokens.js';
import { LOG_LEVELS, isLogLevel, type LogLevel } from './log.js';
import { describeJsonError, parseJsonText, stripBom } from './core/json-text.js';
import { decodeUtf8, describeEncodingError } from './core/text-encoding.js';
import { describeFsError, expectFolder } from './folders.js';

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
  /**
   * The ingest API's bearer token (FEEDWRIGHT_API_TOKEN, or the content of the file
   * FEEDWRIGHT_API_TOKEN_FILE names); undefined turns the API off.
   */
  apiToken: string | undefined;
  /**
   * FEEDWRIGHT_API_TOKEN_FILE: the token file, which may name several clients (`name:token` a
   * line, see http/api-tokens.ts) and which `serve` reads again on SIGHUP; checked here.
   */
  apiTokenFile: string | undefined;
  /** The log's level (`--log-level`, else LOG_LEVEL, else `info`). */
  logLevel: LogLevel;
  /**
   * The access log (FEEDWRIGHT_ACCESS_LOG): `log` into the service log, a file path (appended to),
   * or undefined (off, the default).
   */
  accessLogTo: 'log' | { file: string } | undefined;
  /**
   * Render worker threads (FEEDWRIGHT_RENDER_THREADS, an integer 0–64); undefined means one per
   * core. 0 renders on the serving thread (for a machine where threads cannot start).
   */
  renderThreads: number | undefined;
  /**
   * Seconds the render workers may sit with nothing to do before they retire (their memory goes
   * back; the next render starts them again): FEEDWRIGHT_RENDER_IDLE_SECONDS, an integer 0–86400,
   * 0 keeping them for the process's life; undefined means the pool's default (30 s).
   */
  renderIdleSeconds: number | undefined;
  /**
   * Seconds a published document waits before its brotli body is made, so a feed replaced sooner
   * (a burst of writes) never costs one: FEEDWRIGHT_BROTLI_DELAY_SECONDS, an integer 0–3600;
   * undefined means the compiler's default (10 s). br requests get gzip meanwhile.
   */
  brotliDelaySeconds: number | undefined;
  /** How often the readers counted are flushed to the store (FEEDWRIGHT_STATS_FLUSH_SECONDS, 1–3600, default 60), seconds. */
  statsFlushSeconds: number;
}

/**
 * The site.json keys that differ per environment (staging and production serve the same articles
 * on different domains and schedules) and the variables that override them: a variable that is
 * set (even to an empty string) replaces the key's value from site.json.
 */
export const SITE_ENVIRONMENT: readonly { variable: string; key: string; value: string }[] = [
  { variable: 'FEEDWRIGHT_ORIGIN', key: 'origin', value: 'the primary origin, scheme://host[:port]' },
  { variable: 'FEEDWRIGHT_ALTERNATE_ORIGINS', key: 'alternateOrigins', value: 'the mirror origins, separated by spaces or commas; empty for none' },
  { variable: 'FEEDWRIGHT_SCHEDULE', key: 'schedule', value: 'the compile schedule, a cron expression' },
  { variable: 'FEEDWRIGHT_BEHIND_PROXY', key: 'behindProxy', value: '`true` or `false` (also yes/no, on/off, 1/0)' },
];

/** The spellings of a yes/no variable, for messages. */
export const BOOLEAN_WORDS = 'true or false (also yes/no, on/off, 1/0, any case)';

/**
 * A yes/no variable's value: `true`, `yes`, `on`, `1` → true; `false`, `no`, `off`, `0` → false
 * (any case, white space around ignored); anything else → undefined. Every boolean variable is
 * read with this one function, so each accepts the same spellings.
 */
export function booleanWord(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (/^(1|true|yes|on)$/.test(word)) return true;
  if (/^(0|false|no|off)$/.test(word)) return false;
  return undefined;
}

/**
 * The site.json values the environment overrides (see SITE_ENVIRONMENT), each checked on its
 * own so that a problem names the variable, never a key the operator did not write. Returns the
 * values by site.json key and which variable set each. Throws a FeedwrightError
 * `CONFIG_INVALID` listing every malformed variable.
 */
export function siteOverridesFrom(env: NodeJS.ProcessEnv): { values: Record<string, unknown>; variables: Map<string, string> } {
  const values: Record<string, unknown> = {};
  const variables = new Map<string, string>();
  const problems: FieldProblem[] = [];
  for (const { variable, key } of SITE_ENVIRONMENT) {
    const text = env[variable];
    if (text === undefined) continue;
    variables.set(key, variable);
    const value = text.trim();
    if (key === 'origin') {
      const origin = parseOrigin(value);
      if (typeof origin === 'string') problems.push({ field: variable, message: origin });
      values.origin = value;
    } else if (key === 'alternateOrigins') {
      const list = value === '' ? [] : value.split(/[\s,]+/).filter((v) => v !== '');
      for (const item of list) {
        const origin = parseOrigin(item);
        if (typeof origin === 'string') problems.push({ field: variable, message: origin });
      }
      values.alternateOrigins = list;
    } else if (key === 'schedule') {
      if (!isCronExpression(value)) problems.push({ field: variable, message: `"${value}" is not a valid cron expression` });
      values.schedule = value;
    } else if (key === 'behindProxy') {
      const flag = booleanWord(value);
      if (flag === undefined) problems.push({ field: variable, message: `"${value}" must be ${BOOLEAN_WORDS}` });
      values.behindProxy = flag;
    }
  }
  if (problems.length > 0) {
    throw new FeedwrightError('CONFIG_INVALID', `environment: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, { problems });
  }
  return { values, variables };
}

/**
 * Reads `site.json` in the data folder, applies the overrides of `env` (SITE_ENVIRONMENT: pass
 * `process.env`; the default `{}` reads the file alone) and validates the result (design §3).
 * Throws a FeedwrightError: `CONFIG_READ` when the file cannot be read, `CONFIG_INVALID` when it
 * is not JSON (with the 1-based line and column) or a setting is wrong — naming the site.json key
 * (and the known key closest to a misspelt one), or the variable when the value
 * came from the environment (`FEEDWRIGHT_ORIGIN "ftp://x" must use http or https`).
 */
export function loadSiteConfig(dataDir: string, env: NodeJS.ProcessEnv = {}): SiteConfig {
  const file = join(dataDir, 'site.json');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new FeedwrightError('CONFIG_READ', `cannot read ${file}: ${(err as Error).message}`, { file, cause: err });
  }
  const decoded = decodeUtf8(bytes);
  // `…/site.json: line 2, column 13 (byte 14): not valid UTF-8: byte 0xE9 …; save it as UTF-8`
  if ('error' in decoded) throw new FeedwrightError('CONFIG_INVALID', `${file}: ${describeEncodingError(decoded.error)}`, { file });
  const parsed = parseJsonText(decoded.text);
  if ('error' in parsed) {
    // `…/site.json: line 4, column 3: not valid JSON: unexpected "}", expected a property name in double quotes`
    throw new FeedwrightError('CONFIG_INVALID', `${file}: ${describeJsonError(parsed.error)}`, { file });
  }
  const raw = parsed.value;
  const overrides = siteOverridesFrom(env);
  if (overrides.variables.size === 0 || typeof raw !== 'object' || raw === null || Array.isArray(raw)) return validateSiteConfig(raw, isCronExpression);
  try {
    return validateSiteConfig({ ...(raw as Record<string, unknown>), ...overrides.values }, isCronExpression);
  } catch (err) {
    if (!(err instanceof FeedwrightError) || err.problems.length === 0) throw err;
    // A problem about a key the environment set (a mirror repeating FEEDWRIGHT_ORIGIN's host)
    // names the variable: `alternateOrigins[1]` becomes `FEEDWRIGHT_ALTERNATE_ORIGINS[1]`.
    const problems = err.problems.map((p) => {
      const key = /^[A-Za-z]+/.exec(p.field)?.[0] ?? '';
      const variable = overrides.variables.get(key);
      return variable === undefined ? p : { field: variable + p.field.slice(key.length), message: p.message };
    });
    throw new FeedwrightError('CONFIG_INVALID', `site.json with the environment: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`, { file: 'site.json', problems });
  }
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
 * The API token: FEEDWRIGHT_API_TOKEN, else the content of the file FEEDWRIGHT_API_TOKEN_FILE
 * names (trailing white space, such as the newline `echo` writes, removed), so the token need not
 * sit in the environment of every process (systemd's LoadCredential= gives such a file).
 * Undefined when neither is set. FEEDWRIGHT_API_TOKEN is a full (write) token and must follow
 * the token file's rule for a secret (16 to 512 visible ASCII characters, api-tokens.ts). Throws
 * a FeedwrightError `CONFIG_INVALID` naming the variable when both are set, when
 * FEEDWRIGHT_API_TOKEN breaks that rule, or when the file cannot be read or does not parse
 * (never printing the token).
 */
export function apiTokenFrom(env: NodeJS.ProcessEnv): string | undefined {
  const token = env.FEEDWRIGHT_API_TOKEN === '' ? undefined : env.FEEDWRIGHT_API_TOKEN;
  const file = env.FEEDWRIGHT_API_TOKEN_FILE === '' ? undefined : env.FEEDWRIGHT_API_TOKEN_FILE;
  const invalid = (field: string, message: string) => new FeedwrightError('CONFIG_INVALID', `${field} ${message}`, { problems: [{ field, message }] });
  if (file === undefined) {
    if (token !== undefined && !SECRET.test(token)) throw invalid('FEEDWRIGHT_API_TOKEN', `must be ${SECRET_RULE}, as a token file's token`);
    return token;
  }
  if (token !== undefined) throw invalid('FEEDWRIGHT_API_TOKEN_FILE', 'is set together with FEEDWRIGHT_API_TOKEN: set one of them');
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw invalid('FEEDWRIGHT_API_TOKEN_FILE', `names ${file}, which cannot be read: ${describeFsError(err)}`);
  }
  const decoded = tokenFileText(bytes);
  if ('problems' in decoded) throw invalid('FEEDWRIGHT_API_TOKEN_FILE', `names ${file}: ${decoded.problems.join('; ')}`);
  const text = decoded.text;
  // One bare token (the form before named tokens), or `name:token` lines (http/api-tokens.ts).
  const parsed = parseTokenFile(text);
  if ('problems' in parsed) throw invalid('FEEDWRIGHT_API_TOKEN_FILE', `names ${file}, which must hold the token (one line without spaces) or name:token[:read|write] lines: ${parsed.problems.join('; ')}`);
  const only = parsed.tokens.length === 1 ? parsed.tokens[0] : undefined;
  return only !== undefined && !stripBom(text).includes(':') ? only.secret : undefined;
}

/**
 * The log level: `flag` (`--log-level`), else LOG_LEVEL, else `info`; case-insensitive. Throws a
 * FeedwrightError `CONFIG_INVALID` naming where the value came from when it is not a level
 * (trace, debug, info, warn, error, fatal, silent).
 */
export function logLevelFrom(flag: string | undefined, env: NodeJS.ProcessEnv): LogLevel {
  const [field, text] = flag !== undefined ? ['--log-level', flag] : ['LOG_LEVEL', env.LOG_LEVEL];
  if (text === undefined || text === '') return 'info';
  const value = text.trim().toLowerCase();
  if (!isLogLevel(value)) throw new FeedwrightError('CONFIG_INVALID', `${field} "${text}" is not a log level (${LOG_LEVELS.join(', ')})`, { problems: [{ field, message: `must be one of ${LOG_LEVELS.join(', ')}` }] });
  return value;
}

/**
 * FEEDWRIGHT_ACCESS_LOG: unset, empty or a false word (`0`, `false`, `no`, `off`, any case; see
 * booleanWord) → undefined (no access log); a true word (`1`, `true`, `yes`, `on`) → `log`
 * (records in the service log); anything else is a file path, resolved against the working
 * folder, that access records are appended to (a file actually named `no` is `./no`).
 */
export function accessLogFrom(env: NodeJS.ProcessEnv): RuntimeConfig['accessLogTo'] {
  const text = env.FEEDWRIGHT_ACCESS_LOG?.trim();
  if (text === undefined || text === '') return undefined;
  const flag = booleanWord(text);
  if (flag !== undefined) return flag ? 'log' : undefined;
  return { file: resolve(text) };
}

/**
 * Resolves folders, the store and the listening address from flags and the environment
 * (design: configuration is read in one place). Throws a FeedwrightError `CONFIG_INVALID`
 * naming the variable when PORT, FEEDWRIGHT_CACHE_MB, FEEDWRIGHT_RENDER_THREADS,
 * FEEDWRIGHT_RENDER_IDLE_SECONDS, FEEDWRIGHT_STATS_FLUSH_SECONDS, the API token
 * (apiTokenFrom), the log level (logLevelFrom) or the database URL is malformed, and when the
 * data folder, its articles/ or .feedwright/ folder, or the access log's folder is a file (or
 * lies under one; see expectFolder).
 */
export function loadRuntimeConfig(flags: { data?: string; databaseUrl?: string; logLevel?: string }, env: NodeJS.ProcessEnv, packageRoot: string): RuntimeConfig {
  const dataDir = resolve(flags.data ?? env.FEEDWRIGHT_DATA ?? join(packageRoot, 'data'));
  expectFolder(dataDir, `the data folder, ${flags.data !== undefined ? '--data' : env.FEEDWRIGHT_DATA !== undefined ? 'FEEDWRIGHT_DATA' : 'the default'}`);
  expectFolder(join(dataDir, 'articles'), 'the article folder, articles/ in the data folder');
  expectFolder(join(dataDir, '.feedwright', 'documents'), 'the document folder, .feedwright/documents in the data folder');
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
  const idleText = env.FEEDWRIGHT_RENDER_IDLE_SECONDS;
  const renderIdleSeconds = idleText === undefined || idleText === '' ? undefined : /^\d{1,5}$/.test(idleText) ? Number(idleText) : Number.NaN;
  if (renderIdleSeconds !== undefined && !(renderIdleSeconds >= 0 && renderIdleSeconds <= 86400)) {
    throw new FeedwrightError('CONFIG_INVALID', `FEEDWRIGHT_RENDER_IDLE_SECONDS "${idleText}" is not a number of seconds (0 to 86400; 0 keeps the render workers)`, { problems: [{ field: 'FEEDWRIGHT_RENDER_IDLE_SECONDS', message: 'must be an integer from 0 to 86400' }] });
  }
  const delayText = env.FEEDWRIGHT_BROTLI_DELAY_SECONDS;
  const brotliDelaySeconds = delayText === undefined || delayText === '' ? undefined : /^\d{1,4}$/.test(delayText) ? Number(delayText) : Number.NaN;
  if (brotliDelaySeconds !== undefined && !(brotliDelaySeconds >= 0 && brotliDelaySeconds <= 3600)) {
    throw new FeedwrightError('CONFIG_INVALID', `FEEDWRIGHT_BROTLI_DELAY_SECONDS "${delayText}" is not a number of seconds (0 to 3600)`, { problems: [{ field: 'FEEDWRIGHT_BROTLI_DELAY_SECONDS', message: 'must be an integer from 0 to 3600' }] });
  }
  const flushText = env.FEEDWRIGHT_STATS_FLUSH_SECONDS ?? '';
  const statsFlushSeconds = flushText === '' ? 60 : /^\d{1,4}$/.test(flushText) ? Number(flushText) : Number.NaN;
  if (!(statsFlushSeconds >= 1 && statsFlushSeconds <= 3600)) {
    throw new FeedwrightError('CONFIG_INVALID', `FEEDWRIGHT_STATS_FLUSH_SECONDS "${flushText}" is not a number of seconds (1 to 3600)`, { problems: [{ field: 'FEEDWRIGHT_STATS_FLUSH_SECONDS', message: 'must be an integer from 1 to 3600' }] });
  }
  const accessLogTo = accessLogFrom(env);
  if (typeof accessLogTo === 'object') expectFolder(dirname(accessLogTo.file), 'the access log\'s folder, FEEDWRIGHT_ACCESS_LOG');
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
    apiToken: apiTokenFrom(env),
    apiTokenFile: env.FEEDWRIGHT_API_TOKEN_FILE === '' ? undefined : env.FEEDWRIGHT_API_TOKEN_FILE,
    logLevel: logLevelFrom(flags.logLevel, env),
    accessLogTo,
    renderThreads,
    renderIdleSeconds,
    brotliDelaySeconds,
    statsFlushSeconds,
  };
}
