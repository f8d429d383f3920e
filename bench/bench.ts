// The benchmark driver (`npm run bench`): generates a synthetic archive, then measures the cold
// import and the cold compile, start-up to the first 200, serving one feed against a raw node:http
// baseline (and the conventional Express + `compression` + `feed` stack as a peer), resident
// memory for 1 and 3 origins, an incremental compile through the article writer, the full
// re-render `serve` does after a settings change (1 and 3 origins), the readers' latency under an
// open-loop load during that re-render and under API writes, and what each response coding costs.
// Prints the tables and writes the figures as JSON. The steps live in their own modules:
// compile-figures.ts, serve-steps.ts, closed-loop.ts, open-loop*.ts, readers.ts, incremental.ts,
// report.ts; plumbing.ts holds the shared helpers.
// Usage: node dist/bench/bench.js [--articles N] [--out FILE] [--quick] [--keep] [--tool T] [--rate R]
// All traffic goes to 127.0.0.1; every run is bounded in time; every child is killed at the end.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadRuntimeConfig, loadSiteConfig } from '../src/config.js';
import { createService, type Service } from '../src/service.js';
import { generateArchive, writeSiteConfig, siteConfig, type GeneratedArchive } from './generate.js';
import { load, useLoadTool, wrkInstalled, type Run } from './closed-loop.js';
import { coldCompile, coldImport, fullRerender, measureCodings } from './compile-figures.js';
import { incremental } from './incremental.js';
import { observerCost } from './observer-cost.js';
import { requestMix } from './open-loop-run.js';
import { DIST, HOST, ROOT, agent, buildFingerprint, get, killAll, log, runMain, median, memoryDetailOf, memoryOf, round, setLogDir, spawnNode, stopChild, waitForLine, waitSettled, withTimeout, type Json } from './plumbing.js';
import { readersFigures } from './readers.js';
import { evaluate, renderTable } from './report.js';
import { CODING_HEADER, captureDocument, capturedHeaders, startServe, touchAll } from './serve-steps.js';

interface Args {
  articles: number;
  out: string;
  quick: boolean;
  keep: boolean;
  /** The closed-loop load generator: wrk when installed (auto), or autocannon. */
  tool: 'auto' | 'wrk' | 'autocannon';
  /** The open-loop readers' rate, requests a second. */
  rate: number;
}

/** The API token the benchmark's servers run with (the readers' writer uses it). */
const TOKEN = 'bench-token-0123456789';

/** The brotli phase of a compile child, for the JSON (s, MB). */
function brotliFigures(r: { brotli: { documents: number; wallMs: number; cpuMs: number; peakRssMB: number } }): Json {
  return { documents: r.brotli.documents, wallSeconds: round(r.brotli.wallMs / 1000), cpuSeconds: round(r.brotli.cpuMs / 1000), peakRssMB: round(r.brotli.peakRssMB, 1) };
}

function parseArgs(argv: string[]): Args {
  const args: Args = { articles: 100_000, out: join(ROOT, 'bench', 'results', 'latest.json'), quick: false, keep: false, tool: 'auto', rate: 2000 };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    const value = () => {
      const v = argv[i + 1];
      if (v === undefined) throw new Error(`${a} needs a value`);
      i += 1;
      return v;
    };
    if (a === '--articles') args.articles = Number(value());
    else if (a.startsWith('--articles=')) args.articles = Number(a.slice(11));
    else if (a === '--out') args.out = resolve(value());
    else if (a.startsWith('--out=')) args.out = resolve(a.slice(6));
    else if (a === '--rate') args.rate = Number(value());
    else if (a.startsWith('--rate=')) args.rate = Number(a.slice(7));
    else if (a === '--quick') args.quick = true;
    else if (a === '--keep') args.keep = true;
    else if (a === '--tool' || a.startsWith('--tool=')) {
      const v = a === '--tool' ? value() : a.slice(7);
      if (v !== 'auto' && v !== 'wrk' && v !== 'autocannon') throw new Error('--tool must be auto, wrk or autocannon');
      args.tool = v;
    }
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node dist/bench/bench.js [--articles N (100000)] [--out FILE (bench/results/latest.json)] [--quick] [--keep (keep the temp folder)] [--tool auto|wrk|autocannon (auto: wrk when installed)] [--rate R (open-loop readers, 2000 req/s)]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.articles) || args.articles < 10) throw new Error('--articles must be a whole number ≥ 10');
  if (!(args.rate > 0 && args.rate <= 20_000)) throw new Error('--rate must be between 1 and 20000');
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const seconds = args.quick ? 2 : 5;
  const pairs = args.quick ? 3 : 5;
  const cpu = cpus();
  if (args.tool === 'wrk' && !wrkInstalled()) throw new Error('--tool wrk: wrk is not installed (apt-get install wrk)');
  const loadTool = args.tool === 'autocannon' ? 'autocannon' : wrkInstalled() ? 'wrk' : 'autocannon';
  useLoadTool(loadTool);
  const readersSeconds = args.quick ? 10 : 30;
  const results: Json = {
    machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGB: round(totalmem() / 2 ** 30, 1), node: process.version, os: `${platform()} ${release()}` },
    params: { articles: args.articles, quick: args.quick, runSeconds: seconds, pairs, connections: 64, openLoop: { rate: args.rate, connections: 256, seconds: readersSeconds }, loadGenerator: loadTool === 'wrk' ? 'wrk (1 thread)' : 'autocannon 9 (programmatic API)', startedAt: new Date().toISOString() },
  };
  const build = buildFingerprint();
  const dir = mkdtempSync(join(tmpdir(), 'feedwright-bench-'));
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  setLogDir(logDir);
  log(`data folder ${dir} (child logs in ${logDir}); load generator: ${loadTool}`);
  let service: Service | undefined;
  let failure: unknown;
  try {
    // 1. the archive
    log(`1/10 generating ${args.articles} articles`);
    const g0 = performance.now();
    const archive: GeneratedArchive = await generateArchive({ dir, articles: args.articles, origins: 1, onProgress: (n) => log(`   ${n} articles written`) });
    results.archive = { articles: archive.articles, megabytes: round(archive.bytes / 1e6, 1), generateSeconds: round((performance.now() - g0) / 1000, 1), sections: archive.pools.sections.length, tags: archive.pools.tags.length, authors: archive.pools.authors.length };
    log(`   ${archive.articles} articles, ${(archive.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - g0) / 1000).toFixed(1)} s`);

    // 2. cold import (files into an empty store, nothing rendered), then the cold compile
    log('2/10 cold import into an empty store, then the cold compile (1 origin), each in a child process');
    const imp = await coldImport(dir, 'import-cold');
    results.import = { cold: { wallSeconds: round(imp.wallMs / 1000), cpuSeconds: round(imp.cpuMs / 1000), peakRssMB: round(imp.peakRssMB, 1), files: imp.files, articles: imp.articles, problems: imp.problems, threads: imp.threads } };
    log(`   import: ${imp.articles} articles from ${imp.files} files in ${(imp.wallMs / 1000).toFixed(2)} s wall, ${(imp.cpuMs / 1000).toFixed(2)} s CPU (${imp.threads} worker threads), peak ${imp.peakRssMB.toFixed(0)} MB`);
    const cold = await coldCompile(dir, 'compile-1-origin');
    const compile: Json = {
      cold: { wallSeconds: round(cold.wallMs / 1000), cpuSeconds: round(cold.cpuMs / 1000), peakRssMB: round(cold.peakRssMB, 1), feeds: cold.feeds, documents: cold.report.documents, paths: cold.paths, articles: cold.articles, compileMs: cold.report.durationMs, ok: cold.report.ok, brotli: brotliFigures(cold) },
    };
    results.compile = compile;
    log(`   ${cold.feeds} feeds, ${cold.report.documents} documents in ${(cold.wallMs / 1000).toFixed(2)} s wall, ${(cold.cpuMs / 1000).toFixed(2)} s CPU, peak ${cold.peakRssMB.toFixed(0)} MB`);
    log(`   then ${cold.brotli.documents} brotli bodies in ${(cold.brotli.wallMs / 1000).toFixed(2)} s wall, ${(cold.brotli.cpuMs / 1000).toFixed(2)} s CPU, peak ${cold.brotli.peakRssMB.toFixed(0)} MB (after the publish, before the process exits, as \`feedwright compile\` does)`);

    // 3. start-up with the compiled archive
    log('3/10 start-up: feedwright serve on the compiled archive');
    // With the token: /stats.json shows the readers counted (on, as always) during the serving runs.
    let serving = await startServe(dir, 'serve-1-origin', { FEEDWRIGHT_API_TOKEN: TOKEN });
    const afterStartup = memoryOf(serving.child.pid as number);
    results.startup = { firstOkSeconds: serving.firstOkSeconds, firstResponseSeconds: serving.firstResponseSeconds, healthReadySeconds: serving.healthReadySeconds };
    log(`   first response ${serving.firstResponseSeconds} s, first 200 on /rss.xml ${serving.firstOkSeconds} s, /healthz ready ${serving.healthReadySeconds} s; RSS ${afterStartup.rssMB} MB`);
    // What follows measures serving in its steady state: the start-up compile (a full scan of the
    // article folder, in a render worker) done and the process idle.
    const settled1 = await waitSettled(serving.child.pid as number, serving.port, TOKEN);
    log(`   idle ${settled1} s after the first 200`);

    // 4. serving one busy feed: feedwright (A) against the raw node:http baseline (B), A B A B
    log('4/10 serving /rss.xml at 64 connections');
    const feedPathName = '/rss.xml';
    const capture = await captureDocument(serving.port, feedPathName);
    const captureFile = join(dir, 'baseline-capture.json');
    writeFileSync(captureFile, JSON.stringify(capture));
    const base = spawnNode('baseline', join(DIST, 'bench', 'baseline-server.js'), [captureFile, '0', HOST]);
    const basePort = Number((await waitForLine(base.lines, /^listening (\d+)/, base.exited, 10_000, 'the baseline server'))[1]);
    // The baseline must answer the same bytes and headers.
    const sameAnswers: string[] = [];
    for (const coding of ['identity', 'gzip', 'br'] as const) {
      const a = await get(serving.port, feedPathName, CODING_HEADER[coding]);
      const b = await get(basePort, feedPathName, CODING_HEADER[coding]);
      const ha = JSON.stringify(capturedHeaders(a.rawHeaders));
      const hb = JSON.stringify(capturedHeaders(b.rawHeaders));
      if (!a.body.equals(b.body) || ha !== hb) sameAnswers.push(coding);
    }
    if (sameAnswers.length > 0) throw new Error(`the baseline does not answer like feedwright for ${sameAnswers.join(', ')}`);
    const peer = spawnNode('peer', join(DIST, 'bench', 'peer-server.js'), [dir, '0', HOST, '']);
    const peerLine = await waitForLine(peer.lines, /^listening (\d+) compression=(yes|no)/, peer.exited, 120_000, 'the peer server');
    const peerPort = Number(peerLine[1]);
    const peerCompression = peerLine[2] === 'yes';
    const peerEtag = async (path: string) => (await get(peerPort, path, { 'accept-encoding': 'gzip' })).headers.etag ?? '"none"';
    const peerEtags = { render: await peerEtag('/render/rss.xml'), cached: await peerEtag('/cached/rss.xml') };

    const gzipEtag = `"${capture.etags[1] as string}"`;
    const modes: { key: string; headers: Record<string, string>; expect: '2xx' | '3xx' }[] = [
      { key: 'gzip', headers: { 'accept-encoding': 'gzip' }, expect: '2xx' as const },
      { key: 'identity', headers: {}, expect: '2xx' as const },
      { key: 'notModified', headers: { 'accept-encoding': 'gzip', 'if-none-match': gzipEtag }, expect: '3xx' as const },
    ];
    const urlA = `http://${HOST}:${serving.port}${feedPathName}`;
    const urlB = `http://${HOST}:${basePort}${feedPathName}`;
    // The set restored at start-up may still be gaining brotli bodies in the workers: serving is
    // measured once that background work is done (the readers' figures below measure serving
    // while a compile runs).
    const waitedForIdleSeconds = await waitSettled(serving.child.pid as number, serving.port, TOKEN);
    log(`   warm-up (1 s each); feedwright :${serving.port}, baseline :${basePort}, peer :${peerPort} (compression ${peerCompression ? 'on' : 'not installed'})`);
    await load(urlA, 1, modes[0]!.headers, '2xx');
    await load(urlB, 1, modes[0]!.headers, '2xx');
    const serve: Json = {
      path: feedPathName,
      bytes: { identity: Buffer.from(capture.variants.identity.body, 'base64').length, gzip: Buffer.from(capture.variants.gzip.body, 'base64').length, br: Buffer.from(capture.variants.br.body, 'base64').length },
      runSeconds: seconds,
      pairs,
      waitedForIdleSeconds,
      peer: { compression: peerCompression, note: peerCompression ? 'compression middleware, per request' : 'the compression package is not installed: the peer answers gzip requests uncompressed' },
    };
    results.serve = serve;
    for (const mode of modes) {
      const runsA: Run[] = [];
      const runsB: Run[] = [];
      for (let i = 0; i < pairs; i += 1) {
        // A B, then B A: whichever runs first in a pair gets the same share of the pairs, so a
        // drift of the machine (a neighbour's load, the CPU's clock) does not favour one side.
        if (i % 2 === 0) {
          runsA.push(await load(urlA, seconds, mode.headers, mode.expect));
          runsB.push(await load(urlB, seconds, mode.headers, mode.expect));
        } else {
          runsB.push(await load(urlB, seconds, mode.headers, mode.expect));
          runsA.push(await load(urlA, seconds, mode.headers, mode.expect));
        }
        log(`   ${mode.key} pair ${i + 1}/${pairs}: feedwright ${runsA[i]!.rps} req/s (p99 ${runsA[i]!.p99Ms} ms), baseline ${runsB[i]!.rps} req/s (p99 ${runsB[i]!.p99Ms} ms)`);
      }
      const peerHeaders = (which: 'render' | 'cached'): Record<string, string> => (mode.key === 'notModified' ? { 'accept-encoding': 'gzip', 'if-none-match': peerEtags[which] } : mode.headers);
      const c = await load(`http://${HOST}:${peerPort}/render/rss.xml`, seconds, peerHeaders('render'), mode.expect);
      const d = await load(`http://${HOST}:${peerPort}/cached/rss.xml`, seconds, peerHeaders('cached'), mode.expect);
      log(`   ${mode.key} peer: express+feed per request ${c.rps} req/s (p99 ${c.p99Ms} ms, ${c.timeouts} timeouts), cached ${d.rps} req/s (p99 ${d.p99Ms} ms)`);
      const wrong = [...runsA, ...runsB].filter((r) => r.expected < r.total * 0.99 || r.errors > 0);
      serve[mode.key] = {
        ratio: round(median(runsA.map((r, i) => r.rps / runsB[i]!.rps)), 3),
        p99Ms: median(runsA.map((r) => r.p99Ms)),
        feedwrightRps: median(runsA.map((r) => r.rps)),
        baselineRps: median(runsB.map((r) => r.rps)),
        baselineP99Ms: median(runsB.map((r) => r.p99Ms)),
        peerRps: c.rps,
        peerP99Ms: c.p99Ms,
        peerTimeouts: c.timeouts,
        peerCachedRps: d.rps,
        peerCachedP99Ms: d.p99Ms,
        runsWithUnexpectedAnswers: wrong.length,
        runs: { feedwright: runsA, baseline: runsB, peer: c, peerCached: d },
      };
    }
    await stopChild(base.child, base.exited);
    await stopChild(peer.child, peer.exited);
    // Counting (issue 12) was on for every feedwright run above: its answers are in /stats.json.
    const counted = JSON.parse((await get(serving.port, '/stats.json', { authorization: `Bearer ${TOKEN}` })).body.toString('utf8')) as { feeds: { path: string; requests: number }[] };
    serve.countedRequests = counted.feeds.find((f) => f.path === feedPathName)?.requests ?? 0;
    log(`   readers counted: ${serve.countedRequests as number} answers to ${feedPathName} counted during the runs`);
    const cost = await observerCost();
    serve.observerNsPerAnswer = cost.composedNs;
    serve.observerCost = cost;
    log(`   counting's cost on the serving thread: ${cost.composedNs} ns an answer (metrics ${cost.metricsNs} ns, readers ${cost.readersNs} ns)`);

    // 5a. memory with one origin: after start-up, after touching every document, under load
    log('5/10 memory (1 origin): touching every document once, then load on the hot feed');
    const touched1 = await withTimeout(touchAll(serving.port, [undefined]), 15 * 60_000, 'touching every document');
    const afterTouch = memoryOf(serving.child.pid as number);
    const detail1 = await memoryDetailOf(serving.child.pid as number, serving.port, TOKEN);
    await load(urlA, seconds, modes[0]!.headers, '2xx');
    const afterLoad = memoryOf(serving.child.pid as number);
    const memory: Json = {
      oneOriginMB: Math.max(afterTouch.rssMB, afterLoad.rssMB),
      oneOrigin: { afterStartupMB: afterStartup.rssMB, afterTouchAllMB: afterTouch.rssMB, afterLoadMB: afterLoad.rssMB, peakMB: afterLoad.hwmMB, documentsTouched: touched1.requests, ok: touched1.ok, afterTouchAll: detail1 },
    };
    results.memory = memory;
    log(`   ${touched1.ok}/${touched1.requests} documents answered 200; RSS after start-up ${afterStartup.rssMB} MB, after touching all ${afterTouch.rssMB} MB, after load ${afterLoad.rssMB} MB (peak ${afterLoad.hwmMB} MB)`);
    log(`   after touching all: ${detail1.threads} threads, V8 heap ${detail1.v8HeapMB} MB, outside the heap (bodies) ${detail1.externalMB} MB`);
    await stopChild(serving.child, serving.exited);

    // 6. incremental: one new article, one edit, one removal through the article writer, first
    // with the service wired as `serve` wires it (article files are a source, so every compile
    // also scans data/articles/), then without the file source (only the writer feeds the store).
    log('6/10 incremental compile in this process, through service.writer');
    for (const withFiles of [true, false]) {
      const site = loadSiteConfig(dir);
      // The folders and memory budget `feedwright serve --data DIR` would use.
      const { port: _port, host: _host, dataDir: _dataDir, articlesDir, ...storage } = loadRuntimeConfig({ data: dir }, process.env, ROOT);
      service = createService({ site, ...storage, ...(withFiles ? { articlesDir } : {}), databaseFile: join(dir, 'feedwright.db'), publicDir: join(ROOT, 'public'), schedule: false, log: () => {} });
      const svc = service;
      const port = await svc.listen(0, HOST);
      const r0 = performance.now();
      const first = await withTimeout(svc.compiler.compile(), 30 * 60_000, 'the first compile of the in-process service');
      const restartSeconds = round((performance.now() - r0) / 1000);
      // A write reaches a running server, whose render workers started at listen: the round
      // starts once they are ready, so it measures the write, not the threads' start-up
      // (reported as workersReadySeconds; a restart's figures are the ones above and step 3).
      const ready0 = performance.now();
      const renderer = svc.compiler.renderer;
      while (renderer.readyWorkers() < renderer.threads() && performance.now() - ready0 < 60_000) await new Promise((r) => setTimeout(r, 10));
      const workersReadySeconds = round((performance.now() - r0) / 1000);
      log(`   ${withFiles ? 'with' : 'without'} the article-file source: first compile of a fresh service on the compiled store ${restartSeconds} s (${first.feedsRendered} feeds rendered, ${first.documents} documents); ${renderer.readyWorkers()} render workers ready ${workersReadySeconds} s after it started`);
      const figures = { workersReadySeconds, ...(await incremental(svc, port, site.idPrefix, withFiles ? 1 : 2)) };
      if (withFiles) {
        compile.restartCompileSeconds = restartSeconds;
        compile.incremental = figures;
      } else (compile.incremental as Json).withoutFileSource = { restartCompileSeconds: restartSeconds, ...figures };
      await svc.close();
      service = undefined;
    }

    // 7. the full re-render `serve` does after a settings change: a restart with a changed
    // site.json serves the old set at once and renders every feed in its worker pool.
    log('7/10 full re-render as serve does it (settings change, 1 origin), then the cost of each coding over every document');
    const env = { FEEDWRIGHT_API_TOKEN: TOKEN };
    const full = await fullRerender(dir, 'serve-full-1', 1, 1, env);
    compile.full = { wallSeconds: full.wallSeconds, compileSeconds: full.compileSeconds, peakMB: full.peakMB, feeds: full.feeds, documents: full.documents };
    log(`   ${full.feeds} feeds, ${full.documents} documents re-rendered: ${full.wallSeconds} s from spawn to publish (compile ${full.compileSeconds} s), peak RSS ${full.peakMB} MB`);
    const idle1 = await waitSettled(full.serving.child.pid as number, full.serving.port, TOKEN);
    const runtime = loadRuntimeConfig({ data: dir }, process.env, ROOT);
    const codings = await measureCodings(runtime.documentsDir, 'coding-costs');
    results.codings = codings;
    log(`   codings (after ${idle1} s to idle): ${codings.documents} documents; mean bytes identity ${codings.meanBytes.identity}, gzip ${codings.meanBytes.gzip}, br ${codings.meanBytes.br}; CPU s gzip ${codings.cpuSeconds.gzip}, br ${codings.cpuSeconds.br}; same as served: gzip ${codings.sameAsServed.gzip}, br ${codings.sameAsServed.br}`);
    const hosts1 = [new URL(siteConfig(1).origin as string).host];
    const mixBefore = await requestMix(full.serving.port, hosts1, 300);
    await stopChild(full.serving.child, full.serving.exited);

    // 8. readers (open loop, fixed rate) during a full re-render, with no compile, under API writes
    log(`8/10 readers: open loop at ${args.rate} req/s over 256 connections during a full re-render, with no compile, and under API writes every 250 ms`);
    const readers = await readersFigures(dir, 2, full.wallSeconds, mixBefore, { rate: args.rate, connections: 256, seconds: readersSeconds, documents: 300, hosts: hosts1, token: TOKEN, workDir: logDir }, env);
    Object.assign(serve, readers.serve);
    compile.fullUnderLoad = { wallSeconds: readers.rerender.wallSeconds, compileSeconds: readers.rerender.compileSeconds, peakMB: readers.rerender.peakMB };
    await stopChild(readers.rerender.serving.child, readers.rerender.serving.exited);

    // 9. three origins: compile (every feed again: the settings changed), serve, touch every
    // document on every origin; then a settings change with 3 origins (the full re-render)
    log('9/10 three origins: cold compile, serve, touch every document on every origin, then a full re-render as serve does it');
    await writeSiteConfig(dir, 3);
    const cold3 = await coldCompile(dir, 'compile-3-origins');
    compile.coldThreeOrigins = { wallSeconds: round(cold3.wallMs / 1000), cpuSeconds: round(cold3.cpuMs / 1000), peakRssMB: round(cold3.peakRssMB, 1), feeds: cold3.feeds, documents: cold3.report.documents, brotli: brotliFigures(cold3) };
    log(`   3-origin cold compile: ${cold3.report.documents} documents in ${(cold3.wallMs / 1000).toFixed(2)} s wall, ${(cold3.cpuMs / 1000).toFixed(2)} s CPU, peak ${cold3.peakRssMB.toFixed(0)} MB; then ${cold3.brotli.documents} brotli bodies in ${(cold3.brotli.wallMs / 1000).toFixed(2)} s wall, ${(cold3.brotli.cpuMs / 1000).toFixed(2)} s CPU, peak ${cold3.brotli.peakRssMB.toFixed(0)} MB`);
    serving = await startServe(dir, 'serve-3-origins', { FEEDWRIGHT_API_TOKEN: TOKEN });
    const startup3 = memoryOf(serving.child.pid as number);
    const settled3 = await waitSettled(serving.child.pid as number, serving.port, TOKEN);
    log(`   idle ${settled3} s after the first 200`);
    (results.startup as Json).threeOrigins = { firstOkSeconds: serving.firstOkSeconds, healthReadySeconds: serving.healthReadySeconds };
    const cfg = siteConfig(3);
    const hosts = [cfg.origin as string, ...(cfg.alternateOrigins as string[])].map((o) => new URL(o).host);
    const touched3 = await withTimeout(touchAll(serving.port, hosts), 15 * 60_000, 'touching every document on every origin');
    const afterTouch3 = memoryOf(serving.child.pid as number);
    const detail3 = await memoryDetailOf(serving.child.pid as number, serving.port, TOKEN);
    await load(urlA.replace(/:\d+\//, `:${serving.port}/`), seconds, modes[0]!.headers, '2xx');
    const afterLoad3 = memoryOf(serving.child.pid as number);
    memory.threeOriginsMB = Math.max(afterTouch3.rssMB, afterLoad3.rssMB);
    memory.threeOrigins = { afterStartupMB: startup3.rssMB, afterTouchAllMB: afterTouch3.rssMB, afterLoadMB: afterLoad3.rssMB, peakMB: afterLoad3.hwmMB, documentsTouched: touched3.requests, ok: touched3.ok, afterTouchAll: detail3 };
    log(`   ${touched3.ok}/${touched3.requests} documents answered 200; RSS after start-up ${startup3.rssMB} MB, after touching all ${afterTouch3.rssMB} MB, after load ${afterLoad3.rssMB} MB (peak ${afterLoad3.hwmMB} MB)`);
    log(`   after touching all: ${detail3.threads} threads, V8 heap ${detail3.v8HeapMB} MB, outside the heap (bodies) ${detail3.externalMB} MB`);
    await stopChild(serving.child, serving.exited);
    const full3 = await fullRerender(dir, 'serve-full-3', 3, 3, env);
    compile.full3 = { wallSeconds: full3.wallSeconds, compileSeconds: full3.compileSeconds, peakMB: full3.peakMB, feeds: full3.feeds, documents: full3.documents };
    log(`   3 origins: ${full3.documents} documents re-rendered: ${full3.wallSeconds} s from spawn to publish (compile ${full3.compileSeconds} s), peak RSS ${full3.peakMB} MB`);
    await stopChild(full3.serving.child, full3.serving.exited);
    // The worst compile's peak, whole process with its worker threads.
    const peaks = { cold: round(cold.peakRssMB, 1), coldThreeOrigins: round(cold3.peakRssMB, 1), coldBrotli: round(cold.brotli.peakRssMB, 1), coldThreeOriginsBrotli: round(cold3.brotli.peakRssMB, 1), full: full.peakMB, full3: full3.peakMB };
    compile.peakMB = Math.max(...Object.values(peaks));
    compile.peaks = peaks;
  } catch (err) {
    failure = err;
    results.error = (err as Error).stack ?? String(err);
    log(`FAILED: ${(err as Error).message}`);
  } finally {
    killAll();
    if (service) await service.close().catch(() => undefined);
    agent.destroy();
  }

  // 7. the table and the JSON
  log('10/10 results');
  results.finishedAt = new Date().toISOString();
  if (buildFingerprint() !== build) {
    (results.params as Json).buildChangedDuringRun = true;
    log('WARNING: dist/src was rebuilt during the run: the figures mix two builds');
  }
  results.targets = evaluate(results);
  const table = renderTable(results);
  process.stdout.write(`${table}\n`);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  // The tables beside the JSON (bench/results/latest.md for the default --out).
  if (args.out.endsWith('.json')) writeFileSync(`${args.out.slice(0, -5)}.md`, `${table}\n`);
  log(`wrote ${args.out}`);
  if (args.keep || failure !== undefined) log(`kept the data folder ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
  return failure === undefined ? 0 : 1;
}

runMain(main);
