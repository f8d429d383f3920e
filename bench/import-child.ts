// The benchmark's cold import, in its own process so its wall time, CPU time and peak resident
// memory are the import's alone: the article files of DATA_DIR/articles go into an EMPTY store in
// SCRATCH_DIR (read, parse, validate, sanitise, store) exactly as a compile's first step does it —
// the service's file source, with files read and validated in the render pool's worker threads —
// and nothing is rendered. Prints one JSON line on stdout and exits.
// Usage: node dist/bench/import-child.js DATA_DIR SCRATCH_DIR
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSiteConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { openArticleFolder } from '../src/compile/steps/sync-sources.js';

const [dir, scratch] = process.argv.slice(2);
if (dir === undefined || scratch === undefined) {
  console.error('usage: node dist/bench/import-child.js DATA_DIR SCRATCH_DIR');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const site = loadSiteConfig(dir);
const service = createService({ site, databaseFile: join(scratch, 'feedwright.db'), documentsDir: join(scratch, 'documents'), publicDir: join(root, 'public'), schedule: false, log: (line) => console.error(line) });
const { renderer } = service.compiler;
renderer.start();
// The source a compile syncs first, opened by the compiler's own function: read, validated and
// sanitised in the render pool's workers, each article stored with its prepared form. (Until
// 2026-12-01 this opened the folder without the site's prepare settings, so the figure left out
// sanitising, ~60 % of a first import's CPU: 182 s against 69 s at 100,000 files.)
const source = openArticleFolder(join(dir, 'articles'), site, renderer, { watch: false });
const sync = await source.sync(service.store, site.timeZone, Date.now());
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const articles = await service.store.countArticles();
const threads = renderer.threads();
source.close();
await service.close();
process.stdout.write(`${JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024, files: sync.files, filesRead: sync.filesRead, changes: sync.changes.length, problems: sync.problems.length, articles, threads })}\n`);
