// The conventional stack, as a peer for the benchmark's table: Express 5 rendering one feed (the
// newest 50 articles of a scope, read from the same article files) with the `feed` package.
//   GET /render/rss.xml  renders the RSS on every request (what many sites do)
//   GET /cached/rss.xml  renders once and sends the cached string (Express still hashes it for its ETag)
// Express answers 304 itself from its weak ETag (req.fresh). Responses are compressed per request
// by the `compression` middleware (gzip or deflate as asked; its default level, 6 since zlib's
// default, and its 1 KB threshold), as a conventional Express app would be set up.
// Usage: node dist/bench/peer-server.js DATA_DIR [PORT] [HOST] [SCOPE]   (SCOPE: '' = the whole site,
// `sections/a/b` or `tags/t`). Prints "listening <port> compression=<yes|no>" once ready.
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import compression from 'compression';
import { Feed } from 'feed';
import type { IndexEntry } from './generate.js';

const [dir, portText = '0', host = '127.0.0.1', scope = ''] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: node dist/bench/peer-server.js DATA_DIR [PORT] [HOST] [SCOPE]');
  process.exit(2);
}

const slug = (s: string) => s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/['’]/g, '').replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
const inScope = (e: IndexEntry): boolean => {
  if (scope === '') return true;
  if (scope.startsWith('tags/')) return e.tags.some((t) => `tags/${slug(t)}` === scope);
  const path = scope.slice('sections/'.length).split('/');
  return path.every((p, i) => e.section[i] !== undefined && slug(e.section[i] as string) === p);
};

interface RawArticle {
  id: string;
  path: string;
  title: string;
  body: string;
  summary?: string;
  authors?: { name: string; email?: string; url?: string }[];
  tags?: string[];
  images?: { url: string; type?: string }[];
}

const site = JSON.parse(readFileSync(join(dir, 'site.json'), 'utf8')) as { title: string; description: string; origin: string; idPrefix: string; language: string };
const index = JSON.parse(readFileSync(join(dir, 'bench-index.json'), 'utf8')) as IndexEntry[];
const newest = index.filter(inScope).sort((a, b) => b.published - a.published || (a.id < b.id ? 1 : -1)).slice(0, 50);
const articles = await Promise.all(
  newest.map(async (e) => ({ entry: e, raw: JSON.parse(await readFile(join(dir, 'articles', e.file), 'utf8')) as RawArticle })),
);
const abs = (url: string) => (url.startsWith('/') ? site.origin + url : url);

/** Renders the feed with `feed@6`, as a conventional Express app would on each request. */
function render(): string {
  const feed = new Feed({
    title: site.title,
    description: site.description,
    id: `${site.idPrefix}feed`,
    link: `${site.origin}/`,
    language: site.language,
    updated: new Date(articles[0]?.entry.published ?? 0),
    feedLinks: { rss: `${site.origin}/rss.xml` },
    copyright: site.title,
    generator: false,
  });
  for (const { entry, raw } of articles) {
    const lead = raw.images?.[0];
    feed.addItem({
      title: raw.title,
      id: `${site.idPrefix}${raw.id}`,
      guid: `${site.idPrefix}${raw.id}`,
      link: site.origin + raw.path,
      date: new Date(entry.published),
      description: raw.summary ?? raw.body.replace(/<[^>]*>/g, ' ').slice(0, 300),
      content: raw.body,
      author: (raw.authors ?? []).map((a) => ({ name: a.name, ...(a.email ? { email: a.email } : {}) })),
      category: (raw.tags ?? []).map((t) => ({ name: t })),
      ...(lead ? { image: { url: abs(lead.url), type: lead.type ?? 'image/jpeg' } } : {}),
    });
  }
  return feed.rss2();
}

const app = express();
app.disable('x-powered-by');
app.use(compression());
const compressionUsed = true;
const cached = render();
const send = (res: Response, body: string) => {
  res.set('Cache-Control', 'public, max-age=60').type('application/rss+xml; charset=utf-8').send(body);
};
app.get('/render/rss.xml', (_req: Request, res: Response) => send(res, render()));
app.get('/cached/rss.xml', (_req: Request, res: Response) => send(res, cached));

const server = app.listen(Number(portText), host, () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port} compression=${compressionUsed ? 'yes' : 'no'} items=${articles.length} bytes=${Buffer.byteLength(cached)}\n`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
