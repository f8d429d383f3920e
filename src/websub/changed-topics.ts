// The WebSub topics a publish changed (W3C WebSub §7: a publisher notifies its hubs of a topic
// whose content changed): every feed document, on every origin, whose bytes differ between the
// previous published set and the new one. Pure.
import type { Origin } from '../core/site.js';
import { isTopicPath, topicUrl } from '../core/websub-discovery.js';
import type { CompiledDocument } from '../publish/published-set.js';

/** The documents of a published set by path, each held per origin (index = origin). */
type Documents = ReadonlyMap<string, readonly CompiledDocument[]>;

/**
 * The topic URLs (`<origin.href><path>`) whose document changed from `previous` to `next`:
 * a feed document (RSS, Atom, JSON Feed; see isTopicPath) whose identity hash (SHA-256 of its
 * bytes) differs on that origin, or that is new. With no previous set every feed document is
 * new. Documents that disappeared are not topics that changed (feeds are never removed; an
 * emptied feed is still served). Ordered by path, then origin, so pings go out in a stable order.
 * `origins` are the site's origins in index order. Never throws.
 */
export function changedTopics(previous: Documents | undefined, next: Documents, origins: readonly Origin[]): string[] {
  const topics: string[] = [];
  for (const path of [...next.keys()].sort()) {
    if (!isTopicPath(path)) continue;
    const docs = next.get(path) as readonly CompiledDocument[];
    const before = previous?.get(path);
    // A publish carries unchanged paths over by reference: nothing to compare.
    if (before === docs) continue;
    docs.forEach((doc, i) => {
      const origin = origins[i];
      if (origin !== undefined && before?.[i]?.hash !== doc.hash) topics.push(topicUrl(origin, path));
    });
  }
  return topics;
}
