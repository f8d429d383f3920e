// Micro-benchmark: prepareItem (sanitise, URL template, summary) over 2,000 synthetic ~4 KB
// bodies from the benchmark generator, plus one render per origin. Prints wall and CPU ms per
// article for each round (CPU time is the steadier figure on a shared machine), then the best.
// Run: npx tsx bench/prepare-item.ts [articles] [rounds]
import { buildPools, makeArticle, siteConfig } from './generate.js';
import { validateArticle, type Article } from '../src/core/article.js';
import { prepareItem } from '../src/core/feed-model.js';
import { renderTemplate } from '../src/core/content.js';
import { validateSiteConfig } from '../src/core/site.js';

const count = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);
const site = validateSiteConfig(siteConfig(3), () => true);
const pools = buildPools(1);
const articles: Article[] = [];
for (let i = 0; i < count; i += 1) {
  const result = validateArticle(makeArticle(1, i, pools).raw, site.timeZone);
  if ('article' in result) articles.push(result.article);
}
const bytes = articles.reduce((n, a) => n + a.body.length, 0);
console.log(`${articles.length} articles, mean body ${Math.round(bytes / articles.length)} chars, ${site.origins.length} origins`);
let sink = 0;
let best = { wall: Infinity, cpu: Infinity, render: Infinity };
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
for (let r = 0; r < rounds; r += 1) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const items = articles.map((a) => prepareItem(a, site.origins));
  const cpu = cpuMs(process.cpuUsage(c0)) / articles.length;
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  for (const item of items) for (const origin of site.origins) sink += renderTemplate(item.content, origin).length;
  const render = cpuMs(process.cpuUsage(c1)) / articles.length;
  const wall = (t1 - t0) / articles.length;
  best = { wall: Math.min(best.wall, wall), cpu: Math.min(best.cpu, cpu), render: Math.min(best.render, render) };
  console.log(`round ${r + 1}: prepareItem ${wall.toFixed(4)} ms/article wall, ${cpu.toFixed(4)} ms CPU; renderTemplate ×${site.origins.length} ${render.toFixed(4)} ms CPU`);
}
console.log(`best: prepareItem ${best.wall.toFixed(4)} ms wall, ${best.cpu.toFixed(4)} ms CPU per article; renderTemplate ×${site.origins.length} ${best.render.toFixed(4)} ms CPU`);
if (sink === 0) console.log('nothing rendered');
