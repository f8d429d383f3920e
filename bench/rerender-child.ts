// The full re-render after a settings change, in-process, for profiling and quick before/after
// figures: what `serve` does on start-up with a changed site.json (restore the old set, sync the
// article files, render every feed in the worker pool, publish identity + gzip), without the
// HTTP server. Wall time runs from this process's start to the publish; CPU time is the whole
// process's (every thread). Prints one JSON line on stdout. Run with `node --cpu-prof
// --cpu-prof-dir=DIR` for profiles (worker threads write their own).
// Usage: node dist/bench/rerender-child.js DATA_DIR ORIGINS(1|3) REVISION
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRuntimeConfig, loadSiteConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { writeSiteConfig } from './generate.js';

const [dir, originsArg = '1', revisionArg = '1'] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: node dist/bench/rerender-child.js DATA_DIR ORIGINS(1|3) REVISION');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
await writeSiteConfig(dir, originsArg === '3' ? 3 : 1, Number(revisionArg));
const site = loadSiteConfig(dir);
const { port: _port, host: _host, dataDir: _dataDir, ...storage } = loadRuntimeConfig({ data: dir }, process.env, root);
const service = createService({ site, ...storage, databaseFile: join(dir, 'feedwright.db'), articlesDir: join(dir, 'articles'), publicDir: join(root, 'public'), schedule: false, log: (line) => console.error(line) });
const t0 = performance.now();
await service.compiler.restore();
const restoredMs = performance.now() - t0;
const report = await service.compiler.compile();
// performance.now() counts from the process's start (timeOrigin): the wall time includes loading.
const wallMs = performance.now();
const cpu = process.cpuUsage();
const set = service.compiler.current();
console.error(`published ${report.documents} documents; closing (brotli work is dropped)`);
await service.close();
process.stdout.write(`${JSON.stringify({
  wallMs: Math.round(wallMs),
  compileMs: report.durationMs,
  restoreMs: Math.round(restoredMs),
  cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  origins: site.origins.length,
  feedsRendered: report.feedsRendered,
  // Items the renders sanitised (no stored form for these settings), and forms stored back.
  itemsPrepared: report.itemsPrepared,
  preparedStored: report.preparedStored,
  documents: report.documents,
  ok: report.ok,
  published: report.published,
  generation: set?.generation,
})}\n`);
