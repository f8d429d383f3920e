// Test support for clusters: real `feedwright serve` processes (dist/src/cli.js) on loopback
// ports, each with its own data folder, sharing one PostgreSQL store; polling helpers (bounded
// waits, never timing assertions); and a dedicated PostgreSQL server a test may stop and start.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { get, makeDataDir, removeDir, type TestResponse } from './fixtures.js';
import { builtCli, CLI, ROOT } from './paths.js';
import { needPostgres, PG_REQUIRED, TestSchemas } from './pg.js';

/** The API token every test instance is started with. */
export const TOKEN = 'cluster-test-token-0123456789';
/** Headers of an authorised JSON request to the ingest API. */
export const AUTH = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

/** One running `feedwright serve` process. */
export interface Instance {
  name: string;
  port: number;
  dir: string;
  child: ChildProcess;
  /** Its stdout and stderr lines, for the message of a failed test. */
  output: string[];
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `feedwright serve` on `dir` with DATABASE_URL `url` (one render thread, the API on). */
export async function startInstance(name: string, dir: string, url: string): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--data', dir], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: url, FEEDWRIGHT_API_TOKEN: TOKEN, FEEDWRIGHT_RENDER_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter((l) => l !== '').map((l) => `[${name}] ${l}`));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, port, dir, child, output };
}

/** Stops an instance (SIGTERM, then SIGKILL after 15 s) and waits for it to exit. */
export async function stopInstance(i: Instance): Promise<void> {
  if (i.child.exitCode !== null || i.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => i.child.once('exit', () => resolve()));
  i.child.kill('SIGTERM');
  const timer = setTimeout(() => i.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Polls `probe` every 50 ms until it returns a value other than undefined, and returns it.
 * A deadline against hangs, not a speed claim: throws naming `what` after `ms`.
 */
export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An instance's /healthz body (and status). */
export async function health(i: Instance): Promise<{ status: number; body: { status: string; ready: boolean; cluster?: { role: string; database: string } } }> {
  // The details (role, database) are only for the token holder (design §2).
  const r = await get(i.port, '/healthz', { Authorization: `Bearer ${TOKEN}` });
  return { status: r.status, body: JSON.parse(r.text) };
}

/** Waits until every instance answers /healthz 200 (it serves a published set). */
export async function allReady(instances: Instance[], ms = 120_000): Promise<void> {
  await until('every instance serving a published set', ms, async () => ((await Promise.all(instances.map(async (i) => (await health(i)).status))).every((s) => s === 200) ? true : undefined));
}

/** GET of `path` from every instance (identity unless `headers` say otherwise). */
export function fromAll(instances: Instance[], path: string, headers: Record<string, string> = {}): Promise<TestResponse[]> {
  return Promise.all(instances.map((i) => get(i.port, path, headers)));
}

/**
 * Waits until every instance answers `path` with 200, a body that `ok` accepts, and one ETag
 * (all serve the same published set), and returns the responses.
 */
export async function untilAllAgree(instances: Instance[], path: string, ok: (text: string) => boolean, ms = 30_000): Promise<TestResponse[]> {
  return until(`${path} the same on every instance`, ms, async () => {
    const rs = await fromAll(instances, path);
    const tags = new Set(rs.map((r) => r.headers.etag));
    return rs.every((r) => r.status === 200 && ok(r.text)) && tags.size === 1 ? rs : undefined;
  });
}

/** Every instance's output, for a failure's message. */
export function outputOf(instances: Instance[]): string {
  return instances.flatMap((i) => i.output.slice(-40)).join('\n');
}

/** A PostgreSQL server of a test's own (scripts/pg-test-cluster.sh), which the test may stop and start. */
export interface OwnPostgres {
  url: string;
  /** Stops the server, keeping its data (a database outage). */
  pause(): void;
  /** Starts it again. */
  resume(): void;
  /** Stops it and deletes it. */
  remove(): void;
}

/**
 * Starts a PostgreSQL server of the test's own on a free port (initdb: a few seconds), or skips
 * the test saying why when no server binaries are installed (fails under FEEDWRIGHT_REQUIRE_PG=1).
 */
export async function startOwnPostgres(ctx: Mocha.Context): Promise<OwnPostgres> {
  const env = { ...process.env, FEEDWRIGHT_PG_DIR: join(tmpdir(), `feedwright-pg-${randomBytes(4).toString('hex')}`), FEEDWRIGHT_PG_PORT: String(await freePort()) };
  const script = join(ROOT, 'scripts', 'pg-test-cluster.sh');
  const run = (command: string) => {
    const r = spawnSync('bash', [script, command], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pg-test-cluster.sh ${command} failed: ${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  };
  let url: string;
  try {
    url = run('start');
  } catch (err) {
    if (PG_REQUIRED) throw err;
    console.log(`      (skipped: cannot start a PostgreSQL server of this test's own: ${(err as Error).message.split('\n')[0] as string})`);
    ctx.skip();
  }
  return { url, pause: () => void run('pause'), resume: () => void run('resume'), remove: () => void run('stop') };
}

/**
 * The hooks of a suite of cluster tests on the shared test PostgreSQL server: before, the built
 * CLI and the server (skipped with the reason without one); after each test, its instances
 * stopped (their output printed when it failed) and its folders deleted; after all, the test
 * schemas dropped. Tests push what they start onto `instances` and `dirs` (or call `startAll`).
 */
export function clusterSuite(): { schemas: TestSchemas; dirs: string[]; instances: Instance[]; startAll: (names: readonly string[], url: string) => Promise<Instance[]> } {
  const fixture = {
    schemas: new TestSchemas(),
    dirs: [] as string[],
    instances: [] as Instance[],
    /** Starts one `serve` per name, one after another, each on its own copy of the sample data, all on the schema at `url`. */
    async startAll(names: readonly string[], url: string): Promise<Instance[]> {
      for (const name of names) {
        const dir = makeDataDir();
        fixture.dirs.push(dir);
        fixture.instances.push(await startInstance(name, dir, url));
      }
      return fixture.instances;
    },
  };
  before(function () {
    builtCli();
    return needPostgres(this);
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') console.log(outputOf(fixture.instances));
    await Promise.all(fixture.instances.splice(0).map(stopInstance));
    fixture.dirs.splice(0).forEach(removeDir);
  });
  after(() => fixture.schemas.dropAll());
  return fixture;
}
