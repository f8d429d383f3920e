// The cluster benchmark (issue 11; `npm run bench:cluster -- --url postgres://… [--articles N]`):
// against a local PostgreSQL and next to SQLite, the full re-render (the `compile` command after
// a settings change, on a populated store), write-to-visible through one instance's API, and on
// PostgreSQL with two instances, a write through one instance to the new ETag on the other.
// Prints a table; not part of `npm test`.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { generateArchive, writeSiteConfig } from './generate.js';
import { DIST, freePort, get, median, round, runMain, setLogDir, sleep, spawnNode, stopChild, type Spawned } from './plumbing.js';

const TOKEN = 'bench-cluster-token-0123456789';
const CLI = join(DIST, 'src', 'cli.js');
const AUTH = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };
const FEED = '/sections/benchmark/rss.xml';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** Runs the CLI to completion; resolves with its wall time in ms. Throws when it exits non-zero. */
async function timedCli(name: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = Date.now();
  const { exited } = spawnNode(name, CLI, args, env);
  const code = await exited;
  if (code !== 0) throw new Error(`${name} exited with ${code}`);
  return Date.now() - started;
}

/** Starts `serve` on `dir` and waits for /healthz 200. */
async function serve(name: string, dir: string, env: NodeJS.ProcessEnv): Promise<{ spawned: Spawned; port: number }> {
  const port = await freePort();
  const spawned = spawnNode(name, CLI, ['serve', '--data', dir], { ...env, PORT: String(port), HOST: '127.0.0.1', FEEDWRIGHT_API_TOKEN: TOKEN });
  for (const end = Date.now() + 600_000; Date.now() < end; await sleep(100)) {
    const h = await get(port, '/healthz').catch(() => undefined);
    if (h?.status === 200) return { spawned, port };
  }
  throw new Error(`${name} did not serve within 10 minutes`);
}

/** PUTs an article through `writePort`, then polls `readPort` (every 5 ms) until FEED's ETag changes; the ms between. */
async function writeToVisible(writePort: number, readPort: number, n: number): Promise<number> {
  const before = (await get(readPort, FEED)).headers.etag;
  const body = JSON.stringify({ path: `/bench/${n}`, title: `Benchmark write ${n}`, body: `<p>Write ${n}.</p>`, published: '2016-07-20T09:00:00', section: ['Benchmark'] });
  const started = Date.now();
  const put = await get(writePort, `/api/articles/bench-${n}`, AUTH, 30_000, 'PUT', body);
  if (put.status !== 201 && put.status !== 200) throw new Error(`PUT answered ${put.status}`);
  for (const end = started + 60_000; Date.now() < end; await sleep(5)) {
    const r = await get(readPort, FEED);
    if (r.status === 200 && r.headers.etag !== before && r.body.toString('utf8').includes(`Benchmark write ${n}`)) return Date.now() - started;
  }
  throw new Error(`write ${n} not visible within 60 s`);
}

async function series(count: number, fn: (n: number) => Promise<number>): Promise<{ medianMs: number; maxMs: number }> {
  const xs: number[] = [];
  for (let n = 0; n < count; n += 1) xs.push(await fn(n));
  return { medianMs: round(median(xs), 0), maxMs: Math.max(...xs) };
}

runMain(async () => {
  const url = argValue('--url') ?? process.env.FEEDWRIGHT_TEST_PG_URL;
  if (url === undefined) {
    console.error('usage: npm run bench:cluster -- --url postgres://user@127.0.0.1:5432/db [--articles 2000] [--writes 5]');
    return 2;
  }
  const articles = Number(argValue('--articles') ?? 2000);
  const writes = Number(argValue('--writes') ?? 5);
  const work = mkdtempSync(join(tmpdir(), 'feedwright-bench-cluster-'));
  setLogDir(work);
  const schema = `fw_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pgUrl = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const rows: [string, string, string][] = [];
  try {
    console.log(`generating ${articles} articles in ${work}`);
    const source = join(work, 'source');
    await generateArchive({ dir: source, articles });
    const copy = (name: string) => {
      const dir = join(work, name);
      cpSync(source, dir, { recursive: true });
      return dir;
    };
    const sqliteDir = copy('sqlite');
    const pgDirs = [copy('pg-a'), copy('pg-b')];
    const env = { ...process.env };
    delete env.DATABASE_URL;

    // Full re-render: a first compile populates the store, a settings change renders every feed.
    const rerender = async (name: string, dir: string, extra: NodeJS.ProcessEnv) => {
      await timedCli(`${name}-cold`, ['compile', '--data', dir], { ...env, ...extra });
      await writeSiteConfig(dir, 1, 1);
      return timedCli(`${name}-rerender`, ['compile', '--data', dir], { ...env, ...extra });
    };
    const sqliteRerender = await rerender('sqlite', sqliteDir, {});
    const pgRerender = await rerender('pg', pgDirs[0] as string, { DATABASE_URL: pgUrl });
    await writeSiteConfig(pgDirs[1] as string, 1, 1);
    rows.push(['full re-render (`compile` after a settings change, process start included)', `${sqliteRerender} ms`, `${pgRerender} ms`]);

    // Write to visible on one instance.
    const s = await serve('sqlite-serve', sqliteDir, env);
    const sqliteVisible = await series(writes, (n) => writeToVisible(s.port, s.port, n));
    await stopChild(s.spawned.child, s.spawned.exited);
    const a = await serve('pg-a', pgDirs[0] as string, { ...env, DATABASE_URL: pgUrl });
    const pgVisible = await series(writes, (n) => writeToVisible(a.port, a.port, 100 + n));
    rows.push(['write → visible, one instance (median / max)', `${sqliteVisible.medianMs} / ${sqliteVisible.maxMs} ms`, `${pgVisible.medianMs} / ${pgVisible.maxMs} ms`]);

    // Two instances: A compiles (it was first), B replicates.
    const b = await serve('pg-b', pgDirs[1] as string, { ...env, DATABASE_URL: pgUrl });
    const viaReplica = await series(writes, (n) => writeToVisible(b.port, a.port, 200 + n));
    const toReplica = await series(writes, (n) => writeToVisible(a.port, b.port, 300 + n));
    const replicaToReplica = await series(writes, (n) => writeToVisible(b.port, b.port, 400 + n));
    rows.push(['write through the replica → new ETag on the compiler (median / max)', '—', `${viaReplica.medianMs} / ${viaReplica.maxMs} ms`]);
    rows.push(['write through the compiler → new ETag on the replica (median / max)', '—', `${toReplica.medianMs} / ${toReplica.maxMs} ms`]);
    rows.push(['write through the replica → new ETag on the same replica (median / max)', '—', `${replicaToReplica.medianMs} / ${replicaToReplica.maxMs} ms`]);
    await stopChild(b.spawned.child, b.spawned.exited);
    await stopChild(a.spawned.child, a.spawned.exited);

    console.log(`\n${articles} articles, 1 origin, ${writes} writes per figure (logs in ${work})\n`);
    console.log('| figure | SQLite | PostgreSQL |');
    console.log('|---|---|---|');
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    return 0;
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
    await admin.end();
    if (process.env.KEEP_BENCH !== '1') rmSync(work, { recursive: true, force: true });
  }
});
