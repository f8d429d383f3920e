// The sanitiser's output stored with the article (issue 10: "sanitising belongs where an article
// is stored, not in every compile"). Whoever stores an article (the file sync, in the read
// workers; the API and importer write path) also prepares it (core/feed-model.ts prepareItem:
// sanitised body, per-origin URL template, summary) and stores that with a key naming what it
// depends on. A render uses the stored preparation only when its key is the one the current
// settings and code give; otherwise it sanitises again, so a change of `embedHosts`, of the
// site's origins, of the sanitiser or of sanitize-html never serves a stale preparation.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Article } from '../core/article.js';
import type { ContentTemplate } from '../core/content.js';
import { prepareItem, type PreparedItem } from '../core/feed-model.js';
import type { Origin, SiteConfig } from '../core/site.js';
import type { PreparedBlob, StoredArticle } from '../store/store.js';
import { RENDER_VERSION } from './feed-state.js';

/**
 * Bumped whenever what prepareItem gives for the same article and settings changes (the
 * sanitiser's allow-list or hooks, content.ts, summaries): every stored preparation is then
 * ignored until its article is stored again.
 */
export const PREPARE_VERSION = '2';

/** The sanitize-html release in use: a new one may clean differently. */
const SANITIZE_HTML_VERSION = (createRequire(import.meta.url)('sanitize-html/package.json') as { version: string }).version;

/** The settings a preparation depends on; plain data, so it crosses to a worker. */
export interface PrepareSettings {
  /** The site's origins: URLs on any of their hosts become per-origin slots. */
  origins: readonly Origin[];
  /** The hosts whose iframes the sanitiser keeps. */
  embedHosts: readonly string[];
}

/** The preparation settings of a site. */
export function prepareSettingsOf(site: Pick<SiteConfig, 'origins' | 'embedHosts'>): PrepareSettings {
  return { origins: site.origins, embedHosts: site.embedHosts };
}

const keys = new WeakMap<PrepareSettings, string>();

/**
 * The key a preparation is stored under: 22 base64url characters of SHA-256 over the versions
 * (this module's, the renderer's, sanitize-html's), the origins' hosts and the embed hosts.
 * Two settings give the same key exactly when prepareItem gives the same output for them.
 */
export function preparedKey(settings: PrepareSettings): string {
  let key = keys.get(settings);
  if (key === undefined) {
    const what = [PREPARE_VERSION, RENDER_VERSION, SANITIZE_HTML_VERSION, settings.origins.map((o) => o.host), settings.embedHosts];
    key = createHash('sha256').update(JSON.stringify(what)).digest('base64url').slice(0, 22);
    keys.set(settings, key);
  }
  return key;
}

/** What is stored: the parts of a PreparedItem that differ from the article itself. */
interface Encoded {
  /** The content template (lead figure and body, URLs as slots). */
  c: ContentTemplate;
  /** The summary (the article's own, or derived from the body). */
  s: string;
  /** The sanitised body, when it differs from the article's. */
  b?: string;
  /** The images with own URLs as site paths, when any changed. */
  i?: Article['images'];
  /** The enclosures with own URLs as site paths, when any changed. */
  e?: Article['enclosures'];
}

/**
 * Prepares an article for storing: prepareItem's output as JSON under the settings' key (see
 * {@link preparedKey}). Never throws (prepareItem does not).
 */
export function prepareForStore(article: Article, settings: PrepareSettings): PreparedBlob {
  return encodePrepared(article, prepareItem(article, settings.origins, settings.embedHosts), settings);
}

/** The stored form of `item`, which prepareItem made from `article` with `settings`. */
function encodePrepared(article: Article, item: PreparedItem, settings: PrepareSettings): PreparedBlob {
  const encoded: Encoded = { c: item.content, s: item.summary };
  if (item.article.body !== article.body) encoded.b = item.article.body;
  if (item.article.images !== article.images) encoded.i = item.article.images;
  if (item.article.enclosures !== article.enclosures) encoded.e = item.article.enclosures;
  return { key: preparedKey(settings), data: JSON.stringify(encoded) };
}

/**
 * The prepared item of a stored article: decoded from its stored preparation when that was made
 * with these settings (same key), else prepared now (sanitised again). Either way the result is
 * what `prepareItem(stored.article, origins, embedHosts)` gives. A stored preparation that does
 * not decode is ignored the same way.
 */
export function preparedItemOf(stored: Pick<StoredArticle, 'article' | 'prepared'>, settings: PrepareSettings): PreparedItem {
  return decodeOrPrepare(stored, settings).item;
}

/**
 * What {@link preparedItemOf} gives, and, when the item had to be prepared now (no stored form,
 * a stale key, or one that does not decode), its stored form under the settings' key: what the
 * compile stores back so the next compile finds it prepared (see ArticleStore.storePrepared).
 * `blob` is undefined when the stored form was used. Never throws.
 */
export function decodeOrPrepare(stored: Pick<StoredArticle, 'article' | 'prepared'>, settings: PrepareSettings): { item: PreparedItem; blob?: PreparedBlob } {
  const item = decodeStored(stored, settings);
  if (item !== undefined) return { item };
  const made = prepareItem(stored.article, settings.origins, settings.embedHosts);
  return { item: made, blob: encodePrepared(stored.article, made, settings) };
}

/** The item decoded from the stored form when it was made with these settings and decodes; else undefined. */
function decodeStored(stored: Pick<StoredArticle, 'article' | 'prepared'>, settings: PrepareSettings): PreparedItem | undefined {
  const blob = stored.prepared;
  if (blob !== undefined && blob.key === preparedKey(settings)) {
    try {
      const e = JSON.parse(blob.data) as Encoded;
      if (Array.isArray(e.c) && typeof e.s === 'string') {
        const a = stored.article;
        let article = e.b === undefined && e.i === undefined ? a : { ...a, body: e.b ?? a.body, images: e.i ?? a.images };
        if (e.e !== undefined) article = { ...article, enclosures: e.e };
        return { article, content: e.c, summary: e.s };
      }
    } catch {
      // not ours to trust: prepared again by the caller
    }
  }
  return undefined;
}
