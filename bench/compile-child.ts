// The benchmark's cold compile, run in its own process so its wall time, CPU time and peak
// resident memory are the compile's alone: builds the service on a data folder, compiles once,
// prints one JSON line on stdout and exits. Usage: node dist/bench/compile-child.js DATA_DIR
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRuntimeConfig, loadSiteConfig } from '../src/config.js';
import { createService } from '../src/service.js';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: node dist/bench/compile-child.js DATA_DIR');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const site = loadSiteConfig(dir);
// The same folders and memory budget as `feedwright serve --data DIR` resolves (database, article
// files, document bodies, cache size), so the serving process finds what this compile wrote.
const { port: _port, host: _host, dataDir: _dataDir, ...storage } = loadRuntimeConfig({ data: dir }, process.env, root);
const service = createService({ site, ...storage, databaseFile: join(dir, 'feedwright.db'), articlesDir: join(dir, 'articles'), publicDir: join(root, 'public'), schedule: false, log: (line) => console.error(line) });
const report = await service.compiler.compile();
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const peakRssMB = process.resourceUsage().maxRSS / 1024;
const set = service.compiler.current();
// As `feedwright compile` does: the brotli bodies are made before the process exits (timed apart:
// the documents were servable at the publish), so the server started next on this folder serves
// a complete set and does not spend its first minute making them in the background.
const brotliPending = service.compiler.brotliPending();
await service.compiler.brotliSettled();
const brotliMs = performance.now() - t0 - wallMs;
const brotliCpu = process.cpuUsage(cpu0);
await service.close();
const out = {
  wallMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  peakRssMB,
  brotli: { documents: brotliPending, wallMs: brotliMs, cpuMs: (brotliCpu.user + brotliCpu.system) / 1000 - (cpu.user + cpu.system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024 },
  origins: site.origins.length,
  report: {
    ok: report.ok,
    published: report.published,
    durationMs: report.durationMs,
    articlesChanged: report.articlesChanged,
    feedsRendered: report.feedsRendered,
    feedsChanged: report.feedsChanged.length,
    documents: report.documents,
    problems: report.problems.length,
    failedFeeds: report.failedFeeds.length,
    error: report.error,
  },
  feeds: set?.feeds.length ?? 0,
  paths: set?.documents.size ?? 0,
  articles: set?.articles ?? 0,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
