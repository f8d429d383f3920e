// Soak test (issues 6 and 10): the real server with 3 origins under an OPEN-LOOP load — requests
// on a fixed schedule (default 2,000 a second) over 256 keep-alive connections, latency counted
// from each request's scheduled send time (see open-loop.ts) — across many feeds and every
// origin, gzip, half of them conditional (If-None-Match), for a bounded time, while an API client
// writes an article every 250 ms (and removes every fifth) through the ingest API, so compiles
// keep running. Prints the figures and targets; `--out FILE` writes them as JSON (keys
// `serve.underWrites.*`, as the benchmark's). Exits 1 on any reader or writer error.
// Usage: npm run soak -- [--seconds 60] [--articles 5000] [--rate 2000] [--out FILE]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateArchive, siteConfig } from './generate.js';
import { requestMix } from './open-loop-run.js';
import { get, log, runMain, memoryOf, setLogDir, setLogPrefix, stopChild, type Json } from './plumbing.js';
import { readersUnderWrites } from './readers.js';
import { evaluate, targetTable, readersTable, type Target } from './report.js';
import { startServe } from './serve-steps.js';

const TOKEN = 'soak-token-0123456789';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i === -1 ? fallback : Number(process.argv[i + 1]);
  if (!(v > 0)) throw new Error(`--${name} must be a positive number`);
  return v;
}

async function main(): Promise<number> {
  setLogPrefix('soak');
  const seconds = arg('seconds', 60);
  const articles = arg('articles', 5000);
  const rate = arg('rate', 2000);
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex === -1 ? undefined : resolve(process.argv[outIndex + 1] ?? '');
  const dir = mkdtempSync(join(tmpdir(), 'feedwright-soak-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  setLogDir(logDir);
  log(`generating ${articles} articles (3 origins) in ${dir}`);
  await generateArchive({ dir, articles, origins: 3 });
  const cfg = siteConfig(3);
  const hosts = [cfg.origin as string, ...(cfg.alternateOrigins as string[])].map((o) => new URL(o).host);
  let failed = false;
  const results: Json = { kind: 'soak', params: { seconds, articles, rate, connections: 256, origins: 3, writeEveryMs: 250, startedAt: new Date().toISOString() } };
  log('starting feedwright serve (the first compile renders everything)');
  const serving = await startServe(dir, 'serve', { FEEDWRIGHT_API_TOKEN: TOKEN });
  try {
    const pid = serving.child.pid as number;
    const mix = await requestMix(serving.port, hosts, 300);
    const rssStart = memoryOf(pid).rssMB;
    log(`soaking: ${seconds} s at ${rate} req/s over 256 connections, ${mix.length} distinct requests over ${mix.length / 2} documents and ${hosts.length} origins; an API write every 250 ms`);
    const underWrites = await readersUnderWrites(serving.port, mix, { rate, connections: 256, seconds, documents: 300, hosts, token: TOKEN, workDir: logDir });
    await new Promise((r) => setTimeout(r, 1500));
    const mem = memoryOf(pid);
    // The details (the publish generation) need the API token.
    const health = JSON.parse((await get(serving.port, '/healthz', { authorization: `Bearer ${TOKEN}` })).body.toString('utf8')) as { status: string; published: { generation: number } };
    results.serve = { readers: { documents: mix.length / 2, rate, connections: 256 }, underWrites };
    results.memory = { startMB: rssStart, endMB: mem.rssMB, peakMB: mem.hwmMB };
    results.health = { status: health.status, generation: health.published.generation };
    const w = underWrites.writes as { errors: number };
    failed = (underWrites.errors as number) > 0 || (underWrites.timeouts as number) > 0 || w.errors > 0;
  } finally {
    await stopChild(serving.child, serving.exited);
  }
  results.finishedAt = new Date().toISOString();
  results.targets = evaluate(results);
  const n = (v: unknown) => String(v);
  const u = results.serve as { underWrites: Json & { writes: Json } };
  const lines = [
    `### feedwright soak — ${articles} articles, 3 origins, ${seconds} s, ${n(results.finishedAt)}`,
    '',
    ...targetTable(results.targets as Target[]),
    '',
    ...readersTable(results, 'serve', [['underWrites', `${rate} req/s, API write every 250 ms`]]),
    '',
    '| figure | value |',
    '|---|---|',
    `| answers | ${n(u.underWrites.completed)} of ${n(u.underWrites.scheduled)} scheduled: ${JSON.stringify(u.underWrites.statuses)} |`,
    `| API writes during the run | ${n(u.underWrites.writes.writes)} writes, ${n(u.underWrites.writes.deletes)} removals, ${n(u.underWrites.writes.errors)} errors (${JSON.stringify(u.underWrites.writes.statuses)}); answered in p50 ${n(u.underWrites.writes.writeP50Ms)} / max ${n(u.underWrites.writes.writeMaxMs)} ms; publishes: generation ${n((results.health as Json).generation)} |`,
    `| resident memory start / end / peak | ${n((results.memory as Json).startMB)} / ${n((results.memory as Json).endMB)} / ${n((results.memory as Json).peakMB)} MB (the process also ran the first compile) |`,
    `| health at the end | ${n((results.health as Json).status)} |`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (out !== undefined) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote ${out}`);
  }
  rmSync(dir, { recursive: true, force: true });
  return failed ? 1 : 0;
}
runMain(main);
