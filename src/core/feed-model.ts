// The feed model the serializers read: one feed (a scope and its newest items) seen from one
// origin. Ids come from the site's id prefix, never from a domain; links from the origin.
import type { Article } from './article.js';
import { prepareContent, renderTemplate, sitePath, summaryOf, type ContentTemplate } from './content.js';
import { DEFAULT_EMBED_HOSTS } from './sanitize.js';
import { escapeHtmlAttr, escapeHtmlText } from './html-escape.js';
import type { DateFormatter } from './dates.js';
import { readerId } from './reader-id.js';
import { feedPath, type Format, type Scope } from './scopes.js';
import { archivePath, type ArchiveLinks, type MonthKey } from './archive-months.js';
import type { Origin, Person, SiteConfig } from './site.js';

/**
 * The processing instruction (W3C "Associating Style Sheets with XML documents") that RSS and
 * Atom carry after the XML declaration: a browser that opens the feed URL styles it with
 * /feed.css from the host it is viewed on; feed readers ignore processing instructions.
 */
export const FEED_STYLESHEET_PI = '<?xml-stylesheet type="text/css" href="/feed.css"?>\n';

/** An article made ready to render: its content split once, its summary derived once. */
export interface PreparedItem {
  article: Article;
  content: ContentTemplate;
  summary: string;
}

/** One feed's content, the same for every origin and format. */
export interface FeedContent {
  scope: Scope;
  items: PreparedItem[];
  /** When the feed's content last changed (epoch ms): lastBuildDate, updated, Last-Modified. */
  lastModified: number;
  /** Where the document sits among the feed's RFC 5005 archives (see archive-months.ts); absent: no links. */
  archive?: ArchiveLinks;
}

/** What a serializer needs besides the feed: the site, the serving origin, date formatting. */
export interface RenderContext {
  site: SiteConfig;
  origin: Origin;
  dates: DateFormatter;
  /** The schedule's period in minutes (RSS ttl). */
  ttlMinutes: number;
}

/**
 * Prepares an article for rendering, in one parse of its body: sanitised (issue 6: nothing unsafe
 * reaches a feed, whatever the source), its URLs and image URLs on any of the site's origins
 * made per-origin (design §4, "Self and mirrors"), its summary derived unless it has one. The
 * returned article carries the sanitised body. Never throws.
 */
export function prepareItem(article: Article, origins: readonly Origin[] = [], embedHosts: readonly string[] = DEFAULT_EMBED_HOSTS): PreparedItem {
  const prepared = prepareContent(article, origins, embedHosts);
  const images = article.images.map((image) => {
    const own = sitePath(image.url, origins);
    return own === undefined ? image : { ...image, url: own };
  });
  const imagesChanged = images.some((img, i) => img !== article.images[i]);
  const enclosures = article.enclosures?.map((media) => {
    const own = sitePath(media.url, origins);
    return own === undefined ? media : { ...media, url: own };
  });
  const enclosuresChanged = enclosures !== undefined && enclosures.some((m, i) => m !== article.enclosures?.[i]);
  let local = prepared.body === article.body && !imagesChanged ? article : { ...article, body: prepared.body, images: imagesChanged ? images : article.images };
  if (enclosuresChanged) local = { ...local, enclosures };
  return { article: local, content: prepared.content, summary: article.summary ?? summaryOf(prepared.text) };
}

/** A URL on the serving origin when it points at any of the site's origins, else as it is. */
export function localUrl(url: string, ctx: RenderContext): string {
  const own = sitePath(url, ctx.site.origins);
  return own === undefined ? url : ctx.origin.href + own;
}

/** A byline with its URL on the serving origin when it is one of the site's. */
export function localPerson(person: Person, ctx: RenderContext): Person {
  return person.url === undefined ? person : { ...person, url: localUrl(person.url, ctx) };
}

/** The id readers know an item by: its guid, else a tag: URI from the id prefix (design §4). */
export function itemId(article: Article, site: SiteConfig): string {
  return readerId(article, site.idPrefix);
}

/** The feed's own id: a tag: URI from the id prefix and the scope, the same on every origin (no item may take it: isFeedId). */
export function feedId(scope: Scope, site: SiteConfig): string {
  return scope.key === '' ? `${site.idPrefix}feed` : `${site.idPrefix}feed${feedPath(scope.key, 'rss').slice(0, -'/rss.xml'.length)}`;
}

/** The feed's title: the site's, or the site's with the section or tag. */
export function feedTitle(scope: Scope, site: SiteConfig): string {
  return scope.kind === 'site' ? site.title : `${site.title}: ${scope.label}`;
}

/**
 * The title of the list of every feed of a site (the directory page `/`, its heading and the
 * OPML file): the site's title with "feeds" after it, unless it already ends with the word
 * "feed" or "feeds" (any case, trailing punctuation ignored), as `feedwright init`'s "My feeds"
 * does — then the site's title alone, never "My feeds feeds".
 */
export function feedListTitle(site: Pick<SiteConfig, 'title'>): string {
  const title = site.title.trim();
  return /\bfeeds?[\s.!:;,)\]]*$/iu.test(title) ? title : `${title} feeds`;
}

/** The feed's description. */
export function feedDescription(scope: Scope, site: SiteConfig): string {
  if (scope.kind === 'site') return site.description;
  return scope.kind === 'section' ? `${site.description}: ${scope.label}` : `${site.description} tagged ${scope.label}`;
}

/** The absolute URL of one document of a feed on one origin. */
export function documentUrl(scope: Scope, format: Format, origin: Origin): string {
  return origin.href + feedPath(scope.key, format);
}

/** The absolute URL of a feed's archive document of one month on one origin (RFC 5005 §4). */
export function archiveUrl(scope: Scope, month: MonthKey, format: Format, origin: Origin): string {
  return origin.href + archivePath(scope.key, month, format);
}

/** The URL of the document itself (`self`): the archive's for an archive document, else the feed's. */
export function selfUrl(feed: FeedContent, format: Format, origin: Origin): string {
  const month = feed.archive?.month;
  return month === undefined ? documentUrl(feed.scope, format, origin) : archiveUrl(feed.scope, month, format, origin);
}

/**
 * The RFC 5005 links of a feed document in one format (RSS and Atom): `current` (the subscription
 * document, on archives), `prev-archive` and `next-archive` where those months exist, in that order.
 */
export function archiveRelations(feed: FeedContent, format: Format, origin: Origin): { rel: string; href: string }[] {
  const a = feed.archive;
  if (a === undefined) return [];
  const out: { rel: string; href: string }[] = [];
  if (a.month !== undefined) out.push({ rel: 'current', href: documentUrl(feed.scope, format, origin) });
  if (a.prev !== undefined) out.push({ rel: 'prev-archive', href: archiveUrl(feed.scope, a.prev, format, origin) });
  if (a.next !== undefined) out.push({ rel: 'next-archive', href: archiveUrl(feed.scope, a.next, format, origin) });
  return out;
}

/** RFC 5005 §4's namespace of `fh:archive`, the marker of an archive document. */
export const FEED_HISTORY_NS = 'http://purl.org/syndication/history/1.0';

/** The site's home page on one origin. */
export function homeUrl(origin: Origin): string {
  return `${origin.href}/`;
}

/** The article's page on one origin. */
export function itemUrl(article: Article, origin: Origin): string {
  return origin.href + article.path;
}

/** The bylines of an item: its own, else the site's author. */
export function itemAuthors(article: Article, site: SiteConfig): Person[] {
  return article.authors.length > 0 ? article.authors : [site.author];
}

/**
 * The notice that ends every item on a site with mirrors (design §4): the configured text, then a
 * link to the same article on every origin but the serving one. Empty with a single origin.
 */
export function mirrorNoticeHtml(article: Article, ctx: RenderContext): string {
  const others = ctx.site.origins.filter((o) => o !== ctx.origin);
  if (others.length === 0) return '';
  // The notice is plain text (site.json), so it is HTML-escaped: it shows as written.
  const links = others.map((o) => `<a href="${escapeHtmlAttr(itemUrl(article, o))}">${escapeHtmlText(o.host)}</a>`).join(' · ');
  return `<p class="feedwright-mirrors">${escapeHtmlText(ctx.site.mirrorNotice)} ${links}</p>`;
}

/** The item's full HTML content on the context's origin: lead figure, body, mirror notice. */
export function itemContentHtml(item: PreparedItem, ctx: RenderContext): string {
  return renderTemplate(item.content, ctx.origin) + mirrorNoticeHtml(item.article, ctx);
}

/** The same feed document on every other origin, for Link headers and the JSON Feed extension. */
export function mirrorDocuments(scope: Scope, format: Format, ctx: RenderContext): { origin: Origin; url: string }[] {
  return ctx.site.origins.filter((o) => o !== ctx.origin).map((o) => ({ origin: o, url: documentUrl(scope, format, o) }));
}

/** The categories of an item: each section level's full label, then the tags. */
export function itemCategories(article: Article): string[] {
  const out: string[] = [];
  if (article.section.length > 0) out.push(article.section.join(' / '));
  for (const tag of article.tags) if (!out.includes(tag)) out.push(tag);
  return out;
}

