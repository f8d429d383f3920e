// The id readers know an item by (design §4, "Identity"): the article's guid when it has one,
// else a tag: URI (RFC 4151) from the site's id prefix and the article id. Feed readers key items
// on it (RSS 2.0 guid, Atom id per RFC 4287 §4.2.6, JSON Feed id), so it must have one owner.
import type { Article } from './article.js';

/**
 * The reader id of an article: `guid`, else `idPrefix + id`. Compared as exact strings, as
 * readers compare them (RFC 4287 §4.2.6.1: character by character, no normalisation).
 */
export function readerId(article: Pick<Article, 'id' | 'guid'>, idPrefix: string): string {
  return article.guid ?? `${idPrefix}${article.id}`;
}

/**
 * Which field of an article makes its reader id: `guid` when it has one, else `id` (the id
 * prefix and the id). Used to name the field in a refusal.
 */
export function readerIdField(article: Pick<Article, 'guid'>): 'guid' | 'id' {
  return article.guid === undefined ? 'id' : 'guid';
}

/**
 * Whether an id is one the site's feeds use (`idPrefix` + `feed`, or + `feed/…`, see feedId in
 * feed-model.ts): no item may take it, as an Atom entry whose id is its feed's would be one
 * resource under two roles (RFC 4287 §4.2.6: an id identifies one entry or feed, universally).
 */
export function isFeedId(id: string, idPrefix: string): boolean {
  return id === `${idPrefix}feed` || id.startsWith(`${idPrefix}feed/`);
}
