// The topics of the built-in hub (issue 14): the feed documents of the published set on every
// origin, each by its absolute URL (origin href + path). A mirror's copy is its own topic.
import type { Origin } from '../core/site.js';
import type { CompiledDocument, PublishedSet } from '../publish/published-set.js';

/** The documents that are topics: the three feed formats (not OPML, the index or the pages). */
const FEED_FILES = new Set(['rss.xml', 'atom.xml', 'feed.json']);

/** One topic: its URL, and where it is in the published set. */
export interface Topic {
  url: string;
  path: string;
  originIndex: number;
  document: CompiledDocument;
}

/** Whether a published path is a feed document (…/rss.xml, …/atom.xml, …/feed.json). */
export function isFeedPath(path: string): boolean {
  return FEED_FILES.has(path.slice(path.lastIndexOf('/') + 1));
}

/** The hub URL of an origin (what deliveries' `Link: rel="hub"` names): `<href>/websub`. */
export function hubUrl(origin: Origin): string {
  return `${origin.href}/websub`;
}

/**
 * Finds `topic` (an absolute URL) among the feed documents of `set` on `origins`: its scheme and
 * host must be one origin's (the default port may be written or not), its path a feed path of
 * the set, with no query or fragment. Undefined when it is not a topic of this hub (W3C WebSub
 * §5.1: the hub refuses such a request with 4xx).
 */
export function findTopic(set: PublishedSet | undefined, origins: readonly Origin[], topic: string): Topic | undefined {
  if (set === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(topic);
  } catch {
    return undefined;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '' || !isFeedPath(url.pathname)) return undefined;
  const originIndex = origins.findIndex((o) => o.href === `${url.protocol}//${url.host}`.toLowerCase());
  const document = set.documents.get(url.pathname)?.[originIndex];
  if (originIndex < 0 || document === undefined) return undefined;
  return { url: `${(origins[originIndex] as Origin).href}${url.pathname}`, path: url.pathname, originIndex, document };
}

/**
 * The topics whose identity bytes differ between `before` and `after` (by `hash`), or that
 * `after` has and `before` did not: what a publish changed, for delivery (§7). Topics removed
 * by the publish are not listed (there is nothing to deliver).
 */
export function changedTopics(before: PublishedSet | undefined, after: PublishedSet, origins: readonly Origin[]): Topic[] {
  const out: Topic[] = [];
  for (const [path, docs] of after.documents) {
    if (!isFeedPath(path)) continue;
    const old = before?.documents.get(path);
    docs.forEach((document, originIndex) => {
      const origin = origins[originIndex];
      if (origin === undefined || old?.[originIndex]?.hash === document.hash) return;
      out.push({ url: `${origin.href}${path}`, path, originIndex, document });
    });
  }
  return out;
}
