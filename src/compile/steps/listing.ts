// The feed listing the directory documents (OPML, the index page) are rendered from: one entry
// per feed, with its label, item count (at most itemLimit) and Last-Modified.
import type { FeedListing } from '../../core/render-directory.js';
import { scopeKind } from '../../core/scopes.js';
import type { SiteConfig } from '../../core/site.js';
import type { ArticleStore, FeedState, ScopeSummary } from '../../store/store.js';
import { labelFromKey } from '../render-task.js';

/** Orders scope keys (any strings) by UTF-16 code unit, as a plain `sort()` does: -1, 0 or 1. */
export const byScopeKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Feeds with no article left keep the label the store holds for them (a title never depends on
 * the items): added to `scopes` as empty entries. Rejects when the store cannot be read.
 */
export async function addStoredLabels(store: ArticleStore, scopes: Map<string, ScopeSummary>, keys: Iterable<string>): Promise<void> {
  const missing = [...keys].filter((k) => k !== '' && !scopes.has(k));
  if (missing.length === 0) return;
  for (const [key, label] of await store.scopeLabels(missing)) scopes.set(key, { key, label, items: 0 });
}

/**
 * The listing entry of every key, sorted by key, from the store's scopes (a feed with no article
 * left is listed empty); a feed never published gets `now` (epoch ms) as its Last-Modified.
 */
export function listingOf(site: SiteConfig, keys: Iterable<string>, scopes: Map<string, ScopeSummary>, finalStates: Map<string, FeedState>, now: number): FeedListing[] {
  return [...keys].sort().map((key) => ({
    scope: { key, kind: scopeKind(key), label: scopes.get(key)?.label ?? labelFromKey(key) },
    items: Math.min(scopes.get(key)?.items ?? 0, site.itemLimit),
    lastModified: finalStates.get(key)?.lastModified ?? now,
  }));
}

/**
 * The feed listing after an incremental compile: only the looked-at feeds' (`keys`) entries change,
 * and the `removed` feeds' entries go (a feed with no article left, see Plan.removed); a new array
 * sorted by key, `previous` is not changed.
 */
export function updateListing(site: SiteConfig, previous: readonly FeedListing[], keys: Set<string>, counts: Map<string, ScopeSummary>, finalStates: Map<string, FeedState>, removed: readonly string[] = []): FeedListing[] {
  const byKey = new Map(previous.map((f) => [f.scope.key, f]));
  for (const key of removed) byKey.delete(key);
  for (const key of keys) {
    const summary = counts.get(key);
    const old = byKey.get(key);
    byKey.set(key, {
      scope: { key, kind: scopeKind(key), label: summary?.label ?? old?.scope.label ?? labelFromKey(key) },
      items: Math.min(summary?.items ?? 0, site.itemLimit),
      lastModified: finalStates.get(key)?.lastModified ?? old?.lastModified ?? 0,
    });
  }
  return [...byKey.values()].sort((a, b) => byScopeKey(a.scope.key, b.scope.key));
}
