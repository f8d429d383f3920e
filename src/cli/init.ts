// `feedwright init [DIR]`: a new data folder — a starter site.json and one example article in
// the article format (docs/article.schema.json) — that `check`, `compile` and `serve` accept as is.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { FeedwrightError } from '../core/errors.js';
import { describeFsError, expectFolder, whyNotWritable } from '../folders.js';
import { runtimeOf } from './context.js';
import type { ParsedArgs } from './options.js';

/** The example article's file name inside articles/. */
export const EXAMPLE_ARTICLE = 'welcome.json';

/** A starter site.json for `now` (its year dates the id prefix): every required key, with defaults a person edits. */
export function starterSite(now: Date): Record<string, unknown> {
  return {
    title: 'My feeds',
    description: 'News and notes, published as RSS, Atom and JSON Feed',
    language: 'en',
    timeZone: 'UTC',
    origin: 'http://localhost:3000',
    alternateOrigins: [],
    itemLimit: 50,
    schedule: '* * * * *',
    author: { name: 'My feeds' },
    idPrefix: `tag:example.com,${now.getUTCFullYear()}:`,
  };
}

/** An example article published at `now` (whole seconds, UTC), with a random 16-hex-digit id. */
export function exampleArticle(now: Date): Record<string, unknown> {
  const published = `${now.toISOString().slice(0, 19)}Z`;
  const date = published.slice(0, 10).replaceAll('-', '/');
  return {
    id: randomBytes(8).toString('hex'),
    path: `/${date}/welcome`,
    title: 'Welcome to feedwright',
    section: ['News'],
    tags: ['feedwright'],
    published,
    summary: 'The first article: edit it, or add another file beside it in articles/.',
    body: '<p>This article is a JSON file in <code>articles/</code>. Each file there is one article: change a file and the next compile publishes it in every feed it belongs to.</p>\n<p>The format is described in docs/article.schema.json.</p>',
  };
}

/**
 * Writes DIR/site.json and DIR/articles/welcome.json, where DIR is the positional argument, else
 * the data folder (`--data`, FEEDWRIGHT_DATA, ./data). Refuses (a FeedwrightError `CONFIG_INVALID`
 * naming the file, writing nothing) when either file exists, or when DIR or DIR/articles is a
 * file or lies under one (see expectFolder). Prints what it wrote and the next steps; resolves 0.
 */
export async function runInit(args: ParsedArgs): Promise<number> {
  const dir = args.positionals[0] !== undefined ? resolve(args.positionals[0]) : runtimeOf(args).dataDir;
  const siteFile = join(dir, 'site.json');
  const articleFile = join(dir, 'articles', EXAMPLE_ARTICLE);
  if (args.positionals[0] !== undefined) expectFolder(dir, 'the folder init writes into');
  expectFolder(join(dir, 'articles'), 'the article folder, articles/ in the folder init writes into');
  for (const file of [siteFile, articleFile]) {
    if (existsSync(file)) throw new FeedwrightError('CONFIG_INVALID', `${file} exists already; init never overwrites (choose an empty folder, or edit the file)`, { file });
  }
  const now = new Date();
  // A folder that cannot be written (read-only file system, no permission) is one line naming
  // where the folder came from, not mkdir's or open's stack trace.
  const where = args.positionals[0] !== undefined ? 'the folder init writes into' : `the data folder${args.values.data !== undefined ? ', --data' : process.env.FEEDWRIGHT_DATA !== undefined ? ', FEEDWRIGHT_DATA' : ''}`;
  const step = (path: string, write: () => void): void => {
    try {
      write();
    } catch (err) {
      // mkdir -p reports ENOENT on a read-only file system: the folder's own state says why.
      const reason = whyNotWritable(dirname(path)) ?? describeFsError(err);
      throw new FeedwrightError('CONFIG_INVALID', `cannot write ${path} (${where}): ${reason}`, { file: path, cause: err });
    }
  };
  step(join(dir, 'articles'), () => mkdirSync(join(dir, 'articles'), { recursive: true }));
  // `wx`: a file created between the check and here is not overwritten either.
  step(siteFile, () => writeFileSync(siteFile, `${JSON.stringify(starterSite(now), null, 2)}\n`, { flag: 'wx' }));
  step(articleFile, () => writeFileSync(articleFile, `${JSON.stringify(exampleArticle(now), null, 2)}\n`, { flag: 'wx' }));
  const near = relative(process.cwd(), dir);
  const shown = near === '' ? '.' : near.startsWith('..') ? dir : near;
  const data = shown.includes(' ') ? `"${shown}"` : shown;
  console.log(`wrote ${siteFile}
wrote ${articleFile}

Next steps:
  1. edit ${join(shown, 'site.json')}: title, origin (the address readers use) and idPrefix (a tag: URI
     on a domain you own; choose it once, it is part of every item's id in every feed)
  2. feedwright check --data ${data}     validates site.json and the articles
  3. feedwright compile --data ${data}   compiles the feeds once and says what it wrote
  4. feedwright serve --data ${data}     serves them on PORT (default 3000) and compiles on the schedule`);
  return 0;
}
