// Shared helpers of the core tests: the sample site and articles, feed building the way the
// compiler does it (newest first, item limit, lastModified from the items), and the strict XML
// oracle (saxes) used by the golden, hostile and id tests.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DomUtils, parseDocument } from 'htmlparser2';
import { SaxesParser } from 'saxes';
import { parseStringPromise } from 'xml2js';
import { validateArticle, type Article } from '../../src/core/article.js';
import { createDateFormatter } from '../../src/core/dates.js';
import { prepareItem, type FeedContent, type RenderContext } from '../../src/core/feed-model.js';
import { renderAtom } from '../../src/core/render-atom.js';
import { renderJson } from '../../src/core/render-json.js';
import { renderRss } from '../../src/core/render-rss.js';
import type { Scope } from '../../src/core/scopes.js';
import { parseSrcset } from '../../src/core/srcset.js';
import { validateSiteConfig, type Origin, type SiteConfig } from '../../src/core/site.js';
import { isCronExpression } from '../../src/compile/schedule.js';
import { GOLDEN_DIR, ROOT } from '../support/paths.js';

/** The repository root (see ../support/paths.ts). */
export { ROOT };
/** The sample data folder. */
export const DATA = join(ROOT, 'data');
/** The golden files folder. */
export const GOLDEN = GOLDEN_DIR;

/** The sample site.json, raw. */
export function rawSampleSite(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(DATA, 'site.json'), 'utf8')) as Record<string, unknown>;
}

/** The sample site, validated with the real cron validator. */
export function sampleSite(): SiteConfig {
  return validateSiteConfig(rawSampleSite(), isCronExpression);
}

/** Validates one raw article or fails with its problems. */
export function mustValidate(raw: unknown, timeZone: string): Article {
  const result = validateArticle(raw, timeZone);
  if ('problems' in result) throw new Error(`article rejected: ${JSON.stringify(result.problems)}`);
  return result.article;
}

/** Every sample article, validated, keyed by file name (sorted). */
export function sampleArticles(site: SiteConfig): Article[] {
  const dir = join(DATA, 'articles');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => mustValidate(JSON.parse(readFileSync(join(dir, f), 'utf8')), site.timeZone));
}

/** Newest first: published descending, then id descending. */
export function newestFirst(articles: Article[]): Article[] {
  return [...articles].sort((a, b) => b.published - a.published || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** A feed of the given articles, ordered and limited as the compiler does. */
export function buildFeed(scope: Scope, articles: Article[], site: SiteConfig): FeedContent {
  const items = newestFirst(articles).slice(0, site.itemLimit);
  const lastModified = items.reduce((m, a) => Math.max(m, a.updated ?? a.published), 0);
  return { scope, items: items.map((a) => prepareItem(a, site.origins, site.embedHosts)), lastModified };
}

/** A render context for one origin (the primary by default). */
export function contextFor(site: SiteConfig, origin: Origin = site.origins[0]!, ttlMinutes = 1): RenderContext {
  return { site, origin, dates: createDateFormatter(site.timeZone), ttlMinutes };
}

/** The three documents of one feed for one context. */
export function renderAll(feed: FeedContent, ctx: RenderContext): { rss: string; atom: string; json: string } {
  return { rss: renderRss(feed, ctx), atom: renderAtom(feed, ctx), json: renderJson(feed, ctx) };
}

/** The errors a strict XML 1.0 parser (saxes, with namespaces) reports for a document. */
export function xmlErrors(text: string): string[] {
  const errors: string[] = [];
  const parser = new SaxesParser({ xmlns: true });
  parser.on('error', (e) => errors.push(e.message));
  parser.write(text).close();
  return errors;
}

/** Parses XML with xml2js, keeping attributes under `$` and text under `_`. */
export function parseXml(text: string): Promise<any> {
  return parseStringPromise(text, { explicitArray: true, explicitCharkey: true });
}

/** The text of an xml2js node parsed with explicitCharkey. */
export function textOf(node: any): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  return typeof node._ === 'string' ? node._ : '';
}

/** Every value of the URL-carrying attributes (href, src, poster, srcset candidates) in an HTML string, as an HTML parser reads them. */
export function htmlUrls(html: string): string[] {
  const urls: string[] = [];
  for (const e of DomUtils.findAll(() => true, parseDocument(html).children)) {
    for (const [name, value] of Object.entries(e.attribs)) {
      if (name === 'srcset') urls.push(...parseSrcset(value).map((c) => c.url));
      else if (name === 'href' || name === 'src' || name === 'poster') urls.push(value);
    }
  }
  return urls;
}
