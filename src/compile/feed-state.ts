// A feed's state: the digest that tells whether its content changed and the Last-Modified it
// gets. Pure (no I/O, no clock of its own): the compiler's change detection and the render task
// both use it, so a feed rendered in a worker or on one thread gets the same validators.
import { createHash } from 'node:crypto';
import type { PreparedItem } from '../core/feed-model.js';
import type { Scope } from '../core/scopes.js';
import type { SiteConfig } from '../core/site.js';
import type { FeedState, StoredArticle } from '../store/store.js';

/** Bumped whenever the serializers' output changes, so every feed's digest changes with it. */
export const RENDER_VERSION = '11';

/** The digest of everything that shapes every document besides the articles: settings, renderer, period. */
export function siteDigest(site: SiteConfig, periodSeconds: number): string {
  // Redirects answer requests; no document depends on them, so changing them re-renders nothing.
  const { redirects: _redirects, ...rendered } = site;
  return createHash('sha256').update(JSON.stringify([RENDER_VERSION, rendered, periodSeconds])).digest('base64url');
}

/** The digest of one feed's content: the site digest, the scope, and its items' content digests. */
export function contentDigest(base: string, scope: Pick<Scope, 'key' | 'label'>, items: readonly Pick<StoredArticle, 'digest'>[]): string {
  const h = createHash('sha256').update(base).update('\0').update(scope.key).update('\0').update(scope.label);
  for (const i of items) h.update('\0').update(i.digest);
  return h.digest('base64url').slice(0, 32);
}

/**
 * When a feed's content last changed (epoch ms), never later than `now`: RFC 9110 §8.8.2.1 forbids
 * a Last-Modified after the response's Date, and lastBuildDate / Atom `updated` follow it.
 * Deterministic where it can be: the newest item time when the feed is new or gained a newer
 * item; otherwise (an edit that kept `updated`, a removal) the compile's clock, in whole seconds.
 *
 * A change within the second the previous version is dated cannot move the HTTP-date forward
 * without running ahead of the clock, so it keeps that second and adds 1 ms: the HTTP date is
 * the same, the ETag tells the versions apart, and the odd millisecond marks the date as shared
 * by two versions, so If-Modified-Since of that second is not answered 304 (see notModified).
 * Every date is written to the second, so the invariant is that the result's second is never
 * after `now`'s; its millisecond may be (a change in the very millisecond at a second's start
 * that the previous version is dated gets +1 ms). Milliseconds since the epoch in and out.
 */
export function nextLastModified(items: StoredArticle[], previous: FeedState | undefined, now: number): number {
  const nowSecond = Math.floor(now / 1000) * 1000;
  let newest = 0;
  for (const i of items) newest = Math.max(newest, i.article.updated ?? i.article.published);
  newest = Math.min(newest, nowSecond);
  if (previous === undefined) return newest > 0 ? newest : nowSecond;
  const previousSecond = Math.floor(previous.lastModified / 1000) * 1000;
  const next = newest > previousSecond ? newest : nowSecond;
  if (next > previousSecond) return next;
  // Same second as the previous version (or a clock that went back): mark it, never run ahead.
  return Math.min(previousSecond, nowSecond) + Math.min(999, (previous.lastModified % 1000) + 1);
}

/**
 * The item with an `updated` in the future (an edit dated ahead) dated no later than its feed's
 * Last-Modified, so no date in a document is ahead of the clock that serves it.
 */
export function notAfter(item: PreparedItem, lastModified: number): PreparedItem {
  const { updated } = item.article;
  return updated === undefined || updated <= lastModified ? item : { ...item, article: { ...item.article, updated: Math.floor(lastModified / 1000) * 1000 } };
}
