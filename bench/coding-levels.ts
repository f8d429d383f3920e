// Measures the content codings on one generated feed of about 300 KB (the site-wide RSS feed of
// the benchmark's archive shape, 50 items): bytes and milliseconds of gzip at levels 1, 2, 3, 4, 6 and
// 9 and of brotli at qualities 4 and 5, as the render workers call them (one thread, sync). It
// chose the publishing gzip level (README, "Compiling off the serving thread"). Bounded: one
// feed, a fixed number of runs, nothing served.
//
//   npm run build && node dist/bench/coding-levels.js [--runs 40]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants as zc, gzipSync } from 'node:zlib';
import { loadSiteConfig } from '../src/config.js';
import { parseArticle } from '../src/core/article.js';
import { createDateFormatter } from '../src/core/dates.js';
import { prepareItem, type FeedContent } from '../src/core/feed-model.js';
import { renderRss } from '../src/core/render-rss.js';
import { buildPools, makeArticle, writeSiteConfig } from './generate.js';

const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag === -1 ? 40 : Math.max(3, Number(process.argv[runsFlag + 1]) || 40);

const dir = mkdtempSync(join(tmpdir(), 'feedwright-levels-'));
try {
  await writeSiteConfig(dir, 1);
  const site = loadSiteConfig(dir);
  const pools = buildPools(1);
  const items = Array.from({ length: site.itemLimit }, (_, i) => prepareItem(parseArticle(makeArticle(1, i, pools).raw, site.timeZone), site.origins, site.embedHosts));
  const feed: FeedContent = { scope: { key: '', kind: 'site', label: '' }, items, lastModified: Date.parse('2026-01-01T00:00:00Z') };
  const text = renderRss(feed, { site, origin: site.origins[0] as (typeof site.origins)[number], dates: createDateFormatter(site.timeZone), ttlMinutes: 1 });
  const bytes = Buffer.from(text, 'utf8');
  const lgwin = Math.min(22, Math.max(16, Math.ceil(Math.log2(bytes.length + 1))));
  const brotli = (quality: number) => () =>
    brotliCompressSync(bytes, { params: { [zc.BROTLI_PARAM_QUALITY]: quality, [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT, [zc.BROTLI_PARAM_LGWIN]: lgwin, [zc.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  const codings: [string, () => Buffer][] = [
    ['gzip 1', () => gzipSync(bytes, { level: 1 })],
    ['gzip 2', () => gzipSync(bytes, { level: 2 })],
    ['gzip 3', () => gzipSync(bytes, { level: 3 })],
    ['gzip 4', () => gzipSync(bytes, { level: 4 })],
    ['gzip 6', () => gzipSync(bytes, { level: 6 })],
    ['gzip 9', () => gzipSync(bytes, { level: 9 })],
    ['brotli 4', brotli(4)],
    ['brotli 5', brotli(5)],
    ['brotli 6', brotli(6)],
  ];
  console.log(`one RSS feed of ${bytes.length} bytes (${site.itemLimit} items), ${RUNS} runs each, median ms`);
  console.log('| coding | bytes | % of identity | median ms | MB/s |');
  console.log('|---|---|---|---|---|');
  for (const [name, run] of codings) {
    for (let i = 0; i < 3; i += 1) run(); // warm up
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < RUNS; i += 1) {
      const t0 = process.hrtime.bigint();
      size = run().length;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] as number;
    console.log(`| ${name} | ${size} | ${((size / bytes.length) * 100).toFixed(1)} | ${median.toFixed(2)} | ${(bytes.length / 1e6 / (median / 1000)).toFixed(0)} |`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
