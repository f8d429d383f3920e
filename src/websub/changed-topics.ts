// The WebSub topics a publish changed (W3C WebSub §7: a publisher notifies its hubs of a topic
// whose content changed): every feed document, on every origin, whose bytes differ between the
// previous published set and the new one. Pure.
import type { Origin } from '../core/site.js';
import { isTopicPath, topicUrl } from '../core/websub-discovery.js';
import type { CompiledDocument } from '../publish/published-set.js';

/** The documents of a published set by path, each held per origin (index = origin). */
type Documents = ReadonlyMap<string, readonly CompiledDocument[]>;

/** A feed document that changed, on one origin: its topic URL and where it is in the new set. */
export interface ChangedTopic {
  /** The topic URL, `<origin.href><path>` (the document's `rel="self"`). */
  url: string;
  path: string;
  /** Index into the site's origins. */
  originIndex: number;
  /** The document in the new set (its identity body is what a hub delivers, W3C WebSub §7). */
  document: CompiledDocument;
}

/**
 * The feed documents (RSS, Atom, JSON Feed; see isTopicPath) whose identity hash (SHA-256 of
 * their bytes) differs on an origin from `previous` to `next`, or that are new. With no previous
 * set every feed document is new. Documents that disappeared are not topics that changed (a feed
 * removed because no article is left in it has no content to deliver; its URL answers 404). Ordered by path, then origin, so pings and
 * deliveries go out in a stable order. `origins` are the site's origins in index order. Never throws.
 */
export function changedDocuments(previous: Documents | undefined, next: Documents, origins: readonly Origin[]): ChangedTopic[] {
  const topics: ChangedTopic[] = [];
  for (const path of [...next.keys()].sort()) {
    if (!isTopicPath(path)) continue;
    const docs = next.get(path) as readonly CompiledDocument[];
    const before = previous?.get(path);
    // A publish carries unchanged paths over by reference: nothing to compare.
    if (before === docs) continue;
    docs.forEach((document, originIndex) => {
      const origin = origins[originIndex];
      if (origin !== undefined && before?.[originIndex]?.hash !== document.hash) topics.push({ url: topicUrl(origin, path), path, originIndex, document });
    });
  }
  return topics;
}

/** The topic URLs of changedDocuments (what a publish ping names, `hub.url`). Never throws. */
export function changedTopics(previous: Documents | undefined, next: Documents, origins: readonly Origin[]): string[] {
  return changedDocuments(previous, next, origins).map((t) => t.url);
}
