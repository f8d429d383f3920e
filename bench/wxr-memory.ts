// Issue 13, part 5: a large WordPress export imports in bounded memory. Generates a WXR file of
// the given size (posts, drafts, attachments, pages, shortcodes, comments, as WordPress writes
// them), runs `feedwright import` on it in a child process (the real CLI: streaming reader,
// batches of 200, the writer's compiles), samples the child's resident memory from /proc, then
// imports it again (a re-run must change nothing). Prints one JSON object. Not a test: no timing
// is asserted anywhere. Exits 1 when the peak is over the bound or the re-run changed something.
// Usage: node dist/bench/wxr-memory.js [--mb 200] [--dir DIR] [--bound-mb 300]
import { createWriteStream, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, ROOT, log, memoryOf, runMain, setLogDir, spawnNode } from './plumbing.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

const WORDS = 'the minister said on tuesday that talks would resume after a week of protests in the capital where thousands gathered to demand answers about prices and water'.split(' ');

/** A paragraph of pseudo-text, the same for the same seed. */
function paragraph(seed: number, words: number): string {
  let s = '';
  for (let i = 0; i < words; i += 1) s += `${WORDS[(seed * 31 + i * 7) % WORDS.length]} `;
  return s.trim();
}

/** Writes a WXR 1.2 export of about `bytes` bytes; returns the items written by kind. */
async function generate(file: string, bytes: number): Promise<Record<string, number>> {
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  const counts: Record<string, number> = { post: 0, draft: 0, attachment: 0, page: 0 };
  await write(`<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Big Daily</title>
	<link>https://big.example.com</link>
	<description>A large archive</description>
	<language>en-US</language>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://big.example.com</wp:base_site_url>
`);
  for (let a = 0; a < 40; a += 1) await write(`\t<wp:author><wp:author_id>${a + 1}</wp:author_id><wp:author_login><![CDATA[user${a}]]></wp:author_login><wp:author_display_name><![CDATA[Reporter ${a}]]></wp:author_display_name></wp:author>\n`);
  for (let c = 0; c < 60; c += 1) await write(`\t<wp:category><wp:term_id>${c + 2}</wp:term_id><wp:category_nicename><![CDATA[section-${c}]]></wp:category_nicename><wp:category_parent><![CDATA[${c >= 10 ? `section-${c % 10}` : ''}]]></wp:category_parent><wp:cat_name><![CDATA[Section ${c}]]></wp:cat_name></wp:category>\n`);
  let written = 0;
  for (let id = 1; written < bytes; id += 1) {
    const kind = id % 10 === 0 ? 'draft' : id % 10 === 5 ? 'attachment' : id % 50 === 7 ? 'page' : 'post';
    counts[kind] = (counts[kind] ?? 0) + 1;
    const day = new Date(Date.UTC(2010, 0, 1) + id * 3_600_000);
    const date = day.toISOString().slice(0, 19).replace('T', ' ');
    const paragraphs = Array.from({ length: 12 }, (_, p) => `<p>${paragraph(id + p, 55)}</p>`).join('\n');
    const body = kind === 'attachment' ? '' : `${paragraphs}\n[caption id="attachment_${id}" width="800"]<img src="https://big.example.com/wp-content/uploads/${id}-800x600.jpg" alt="" width="800" height="600" /> Picture ${id}[/caption]\n${id % 7 === 0 ? `[audio mp3="https://big.example.com/audio/${id}.mp3"][/audio]\n` : ''}<p>${paragraph(id, 40)}</p>`;
    const item = `	<item>
		<title><![CDATA[Story ${id}: ${paragraph(id, 8)} &rarr; more]]></title>
		<link>https://big.example.com/${day.toISOString().slice(0, 10).replace(/-/g, '/')}/story-${id}/</link>
		<pubDate>${day.toUTCString().replace('GMT', '+0000')}</pubDate>
		<dc:creator><![CDATA[user${id % 40}]]></dc:creator>
		<guid isPermaLink="false">https://big.example.com/?p=${id}</guid>
		<description></description>
		<content:encoded><![CDATA[${body}]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>${id}</wp:post_id>
		<wp:post_date><![CDATA[${date}]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[${kind === 'draft' ? '0000-00-00 00:00:00' : date}]]></wp:post_date_gmt>
		<wp:status><![CDATA[${kind === 'draft' ? 'draft' : kind === 'attachment' ? 'inherit' : 'publish'}]]></wp:status>
		<wp:post_type><![CDATA[${kind === 'draft' ? 'post' : kind}]]></wp:post_type>
		<wp:post_password><![CDATA[]]></wp:post_password>
${kind === 'attachment' ? `		<wp:attachment_url><![CDATA[https://big.example.com/wp-content/uploads/${id}.jpg]]></wp:attachment_url>\n` : ''}		<category domain="category" nicename="section-${id % 60}"><![CDATA[Section ${id % 60}]]></category>
		<category domain="post_tag" nicename="tag-${id % 300}"><![CDATA[Tag ${id % 300}]]></category>
		<wp:comment><wp:comment_id>${id}</wp:comment_id><wp:comment_content><![CDATA[${paragraph(id, 20)}]]></wp:comment_content></wp:comment>
	</item>
`;
    written += Buffer.byteLength(item);
    await write(item);
  }
  await write('</channel>\n</rss>\n');
  out.end();
  await once(out, 'finish');
  return counts;
}

/** Runs `feedwright import` in a child, sampling its memory every 50 ms; returns its output and peak. */
async function importOnce(file: string, data: string): Promise<{ code: number | null; peakRssMB: number; wallS: number; stdout: string[] }> {
  const started = performance.now();
  const child = spawnNode('import', join(DIST, 'src', 'cli.js'), ['import', file, '--data', data]);
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const m = memoryOf(child.child.pid as number);
      for (const v of [m.hwmMB, m.rssMB]) if (Number.isFinite(v)) peak = Math.max(peak, v);
    } catch {
      // exited between samples
    }
  }, 50);
  const code = await child.exited;
  clearInterval(timer);
  return { code, peakRssMB: peak, wallS: Math.round((performance.now() - started) / 100) / 10, stdout: child.lines.filter((l) => !/^\s*$/.test(l)) };
}

async function main(): Promise<number> {
  const mb = Number(arg('mb', '200'));
  const bound = Number(arg('bound-mb', '300'));
  const dir = arg('dir', mkdtempSync(join(tmpdir(), 'feedwright-wxr-')));
  mkdirSync(join(dir, 'data', 'articles'), { recursive: true });
  setLogDir(dir);
  const site = JSON.parse(JSON.stringify({ title: 'Big Daily', description: 'A large archive', language: 'en', timeZone: 'UTC', origin: 'https://big.example.com', idPrefix: 'tag:big.example.com,2010:', author: { name: 'Big Daily' } }));
  writeFileSync(join(dir, 'data', 'site.json'), JSON.stringify(site, null, 2));
  const file = join(dir, 'export.xml');
  log(`generating a ${mb} MB export in ${file}`);
  const counts = await generate(file, mb * 1024 * 1024);
  const size = statSync(file).size;
  log(`importing (${(size / 1048576).toFixed(1)} MB; ${JSON.stringify(counts)})`);
  const first = await importOnce(file, join(dir, 'data'));
  log(`re-running the import`);
  const second = await importOnce(file, join(dir, 'data'));
  const unchanged = /imported 0, updated 0, unchanged (\d+)/.exec(second.stdout.join('\n'));
  const result = {
    exportMB: Math.round(size / 10485.76) / 100,
    items: counts,
    first: { exitCode: first.code, peakRssMB: first.peakRssMB, wallS: first.wallS, summary: first.stdout.filter((l) => !l.startsWith('{') && !l.startsWith(' ') && !l.startsWith('}')) },
    rerun: { exitCode: second.code, peakRssMB: second.peakRssMB, wallS: second.wallS, changedNothing: unchanged !== null, summary: second.stdout.find((l) => /unchanged/.test(l)) },
    boundMB: bound,
    dir,
    root: ROOT,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  return first.peakRssMB <= bound && second.peakRssMB <= bound && unchanged !== null ? 0 : 1;
}

runMain(main);
