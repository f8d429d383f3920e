// WebSub discovery (W3C WebSub Recommendation §4): which hubs a feed document advertises on each
// origin, its topic (the self URL on that origin) and which paths are topics at all. Pure: the
// renderers, the header rules, the publisher and the built-in hub all ask here, so a document,
// its Link header and the pings it causes always name the same hubs and topic.
import { FORMATS, FORMAT_FILES } from './scopes.js';
import { parseArchivePath } from './archive-months.js';
import type { Origin, SiteConfig } from './site.js';

/** The path of the built-in hub on every origin (`"hub": "builtin"` in site.json). */
export const BUILTIN_HUB_PATH = '/websub';

/** The file names of feed documents (with their slash), the only documents that are WebSub topics. */
const TOPIC_FILES = new Set(FORMATS.map((f) => `/${FORMAT_FILES[f]}`));

/**
 * The hub URLs a feed served on `origin` advertises (W3C WebSub §4: one `rel="hub"` each), in
 * this order: the origin's own built-in hub `<origin.href>/websub` when site.json says
 * `"hub": "builtin"` (a reader who reaches a mirror can reach its hub), then every configured
 * `hubs` URL as site.json lists them. Empty when neither is configured. Never throws.
 */
export function advertisedHubs(site: Pick<SiteConfig, 'hubs' | 'hub'>, origin: Origin): string[] {
  const hubs = site.hub === 'builtin' ? [`${origin.href}${BUILTIN_HUB_PATH}`] : [];
  return site.hubs === undefined ? hubs : [...hubs, ...site.hubs];
}

/**
 * The hubs the publisher pings over HTTP (`hub.mode=publish`): the configured `hubs` only. The
 * built-in hub is told of changes in-process by its own module, never by an HTTP ping to itself.
 */
export function pingedHubs(site: Pick<SiteConfig, 'hubs'>): readonly string[] {
  return site.hubs ?? [];
}

/** True when the site advertises any hub, so feeds carry discovery links (W3C WebSub §4). */
export function hasHubs(site: Pick<SiteConfig, 'hubs' | 'hub'>): boolean {
  return site.hub === 'builtin' || (site.hubs !== undefined && site.hubs.length > 0);
}

/**
 * True when a document path is a WebSub topic: an RSS, Atom or JSON Feed document
 * (`…/rss.xml`, `…/atom.xml`, `…/feed.json`). OPML, the index page, the feeds' pages and RFC 5005
 * archive months are not.
 */
export function isTopicPath(path: string): boolean {
  const slash = path.lastIndexOf('/');
  // An RFC 5005 archive month (`…/archive/2016/07/rss.xml`) is a fixed page of history, not a
  // topic: it names no hub, in its body or its Link header, and is never pinged.
  return slash !== -1 && TOPIC_FILES.has(path.slice(slash)) && parseArchivePath(path) === undefined;
}

/**
 * The topic URL of a document on one origin (W3C WebSub §4: the topic is the `rel="self"` URL),
 * so each mirror's copy of a feed is a topic of its own. `path` is the document's path as served
 * (starting with `/`).
 */
export function topicUrl(origin: Origin, path: string): string {
  return origin.href + path;
}

/**
 * The RFC 8288 §3 Link header values of a feed document on one origin: one `rel="hub"` per
 * advertised hub, then its `rel="self"` (W3C WebSub §4.1: both MUST be present for discovery
 * through headers). Empty when the site advertises no hub or the path is not a topic.
 */
export function discoveryLinks(site: Pick<SiteConfig, 'hubs' | 'hub'>, origin: Origin, path: string): string[] {
  if (!hasHubs(site) || !isTopicPath(path)) return [];
  return [...advertisedHubs(site, origin).map((hub) => `<${hub}>; rel="hub"`), `<${topicUrl(origin, path)}>; rel="self"`];
}
