// Feed scopes: which feeds an article belongs to (the site, every prefix of its section path,
// every tag) and the stable slugs and URL paths of those feeds (design §2).
import { createHash } from 'node:crypto';
import type { Article } from './article.js';

/** The three document formats of every feed, by file name. */
export const FORMATS = ['rss', 'atom', 'json'] as const;
/** One of the three document formats. */
export type Format = (typeof FORMATS)[number];
/** The file name each format is served under. */
export const FORMAT_FILES: Record<Format, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };

/** One feed's scope: `''` for the whole site, `sections/a/b`, or `tags/t`. */
export interface Scope {
  key: string;
  kind: 'site' | 'section' | 'tag';
  /** What a person calls it: "News / Russia", "Syria"; empty for the site. */
  label: string;
}

/**
 * A lower-case slug: ASCII where the name allows it (accents folded), other letters kept as
 * they are (they are percent-encoded in URLs); a name with no letter or digit gets a short hash.
 */
export function slugify(name: string): string {
  const folded = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .normalize('NFC');
  if (folded !== '') return folded.slice(0, 80).replace(/-+$/, '');
  return `x-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}

/** Every scope an article is listed in: the site, each section prefix, each tag. */
export function articleScopes(article: Article): Scope[] {
  const scopes: Scope[] = [{ key: '', kind: 'site', label: '' }];
  const slugs: string[] = [];
  const names: string[] = [];
  for (const name of article.section) {
    slugs.push(slugify(name));
    names.push(name);
    scopes.push({ key: `sections/${slugs.join('/')}`, kind: 'section', label: names.join(' / ') });
  }
  const seen = new Set<string>();
  for (const tag of article.tags) {
    const key = `tags/${slugify(tag)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    scopes.push({ key, kind: 'tag', label: tag });
  }
  return scopes;
}

/** The kind of a scope, read from its key. */
export function scopeKind(key: string): Scope['kind'] {
  return key === '' ? 'site' : key.startsWith('sections/') ? 'section' : 'tag';
}

/** The URL path of a feed document, percent-encoded: `/rss.xml`, `/sections/news/russia/atom.xml`. */
export function feedPath(scopeKey: string, format: Format): string {
  if (scopeKey === '') return `/${FORMAT_FILES[format]}`;
  const encoded = scopeKey.split('/').map(encodeURIComponent).join('/');
  return `/${encoded}/${FORMAT_FILES[format]}`;
}
