// Test support: temporary data folders, a real listening service, and a node:http client
// (not fetch: it adds Cache-Control: no-cache to conditional requests, design §5).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSiteConfig } from '../../src/config.js';
import { createService, type Service, type ServiceOptions } from '../../src/service.js';
import type { ArticleStore } from '../../src/store/store.js';
import { ROOT } from './paths.js';

/** The repository root (see paths.ts: the same from test/ and dist/test/). */
export { ROOT };
/** The sample data folder. */
export const SAMPLE_DATA = join(ROOT, 'data');

/** The sample site.json as an object. */
export function sampleSite(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(SAMPLE_DATA, 'site.json'), 'utf8')) as Record<string, unknown>;
}

/** A temporary data folder: a copy of the sample data, or the given site and articles. */
export function makeDataDir(options: { site?: Record<string, unknown>; articles?: Record<string, unknown>; copySample?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'feedwright-test-'));
  mkdirSync(join(dir, 'articles'));
  if (options.copySample !== false && options.articles === undefined) cpSync(join(SAMPLE_DATA, 'articles'), join(dir, 'articles'), { recursive: true });
  writeFileSync(join(dir, 'site.json'), JSON.stringify(options.site ?? sampleSite(), null, 2));
  for (const [name, value] of Object.entries(options.articles ?? {})) {
    writeFileSync(join(dir, 'articles', name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  }
  return dir;
}

/** Writes (or overwrites) one article file in a data folder. */
export function writeArticle(dataDir: string, name: string, value: unknown): void {
  writeFileSync(join(dataDir, 'articles', name), typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

/** Removes a data folder. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A running service on a random loopback port. */
export interface TestService {
  service: Service;
  port: number;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Starts the real service (store, compiler, server) over a data folder, without the cron
 * schedule; with `store` (an opened PostgreSQL store), on it instead of the folder's SQLite file
 * (and with `databaseUrl`, its URL, the render workers read it too).
 * After its first compile (unless `compile: false`) it waits for the background brotli bodies
 * too, so br is served from the start (test/compile/brotli-background.test.ts tests the time
 * before).
 */
export async function startService(dataDir: string, options: { clock?: () => number; compile?: boolean; cacheBytes?: number; apiToken?: string; apiTokens?: ServiceOptions['apiTokens']; store?: ArticleStore; databaseUrl?: string; webSub?: ServiceOptions['webSub']; brotliDelayMs?: number } = {}): Promise<TestService> {
  const site = loadSiteConfig(dataDir);
  const service = createService({
    site,
    databaseFile: join(dataDir, 'feedwright.db'),
    articlesDir: join(dataDir, 'articles'),
    publicDir: join(ROOT, 'public'),
    schedule: false,
    log: () => {},
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.cacheBytes !== undefined ? { cacheBytes: options.cacheBytes } : {}),
    ...(options.apiToken !== undefined ? { apiToken: options.apiToken } : {}),
    ...(options.apiTokens !== undefined ? { apiTokens: options.apiTokens } : {}),
    ...(options.store !== undefined ? { store: options.store } : {}),
    ...(options.databaseUrl !== undefined ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.webSub !== undefined ? { webSub: options.webSub } : {}),
    ...(options.brotliDelayMs !== undefined ? { brotliDelayMs: options.brotliDelayMs } : {}),
  });
  const port = await service.listen(0, '127.0.0.1');
  if (options.compile !== false) {
    await service.compiler.compile();
    await service.compiler.brotliSettled();
  }
  return { service, port, dataDir, close: () => service.close() };
}

/**
 * Polls `probe` until it gives a value other than undefined (or false) and returns it; throws
 * naming `what` once `deadlineMs` has passed. A bounded wait on a condition, never a timing
 * assertion: the deadline is generous because the machine running the tests may be busy.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, deadlineMs = 60_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`${what}: not seen within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The API token of services whose tests read /healthz details (given only with the token). */
export const HEALTH_TOKEN = 'test-health-token-0123456789';

/** /healthz of a service started with `apiToken: HEALTH_TOKEN`, with its details, parsed. */
export async function healthOf(port: number): Promise<any> {
  return JSON.parse((await get(port, '/healthz', { Authorization: `Bearer ${HEALTH_TOKEN}` })).text);
}

/** A response as the tests see it. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/** Sends one request with node:http and collects the whole response. */
export function get(port: number, path: string, headers: OutgoingHttpHeaders = {}, method = 'GET', body?: string | Buffer): Promise<TestResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
