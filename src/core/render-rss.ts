// RSS 2.0 serializer (with content, dc, atom and Media RSS namespaces). Pure: the same feed
// and context give the same bytes.
import { imageType, imageUrl, mediumOf } from './content.js';
import { attr, element, escapeText, escapeTextHex } from './xml-escape.js';
import { escapeHtmlText } from './html-escape.js';
import {
  FEED_HISTORY_NS, FEED_STYLESHEET_PI, archiveRelations, feedDescription, selfUrl, itemContentHtml, feedTitle, homeUrl, itemAuthors, itemCategories, itemId, itemUrl,
  type FeedContent, type PreparedItem, type RenderContext,
} from './feed-model.js';
import type { ArticleEnclosure, ArticleImage } from './article.js';
import { advertisedHubs } from './websub-discovery.js';

const GENERATOR = 'feedwright';

// Each element is plain text or HTML (the README's table). Plain text is written once-escaped, with
// hexadecimal references as the RSS Best Practices Profile recommends; item description is HTML
// (RSS 2.0: "entity-encoded HTML is allowed"), so plain text put there is HTML-escaped first.

/** `<name>` holding plain text; nothing when the value is empty or absent. */
function text(name: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : `<${name}>${escapeTextHex(value)}</${name}>`;
}

/** `<name>` holding HTML that shows the plain text `value` as it is. */
function htmlOfText(name: string, value: string): string {
  return element(name, escapeHtmlText(value));
}

function mediaContent(image: ArticleImage, ctx: RenderContext): string {
  const open = `<media:content${attr('url', imageUrl(image, ctx.origin))} medium="image"${attr('type', imageType(image))}${attr('width', image.width)}${attr('height', image.height)}${attr('fileSize', image.length)}>`;
  const description = image.caption ? `<media:description type="plain">${escapeTextHex(image.caption)}</media:description>` : '';
  const credit = image.credit ? `<media:credit role="author" scheme="urn:ebu">${escapeTextHex(image.credit)}</media:credit>` : '';
  return `${open}${description}${credit}</media:content>`;
}

/** A `media:content` for an audio, video or other enclosure: type, fileSize (bytes), duration (seconds). */
function mediaEnclosure(enclosure: ArticleEnclosure, ctx: RenderContext): string {
  return `<media:content${attr('url', imageUrl(enclosure, ctx.origin))}${attr('medium', mediumOf(enclosure.type))}${attr('type', enclosure.type)}${attr('fileSize', enclosure.length)}${attr('duration', enclosure.duration)}/>`;
}

/**
 * The item's one `enclosure` (RSS 2.0 allows one per item; the W3C Feed Validation Service warns
 * on more): the first audio or video enclosure (a podcast's episode, even when a transcript or
 * PDF is listed before it), else the first enclosure of any type, else the lead image. `length`
 * is in bytes and required, so 0 when unknown, as the RSS Advisory Board advises.
 */
function enclosure(item: PreparedItem, ctx: RenderContext): string {
  const { article } = item;
  const media = article.enclosures?.find((e) => /^(?:audio|video)\//i.test(e.type)) ?? article.enclosures?.[0];
  if (media) return `<enclosure${attr('url', imageUrl(media, ctx.origin))} length="${media.length ?? 0}"${attr('type', media.type)}/>`;
  const lead = article.images[0];
  return lead ? `<enclosure${attr('url', imageUrl(lead, ctx.origin))} length="${lead.length ?? 0}"${attr('type', imageType(lead))}/>` : '';
}

function renderItem(item: PreparedItem, ctx: RenderContext): string {
  const { article } = item;
  const { site, origin, dates } = ctx;
  let s = '<item>';
  s += text('title', article.title);
  s += element('link', itemUrl(article, origin));
  s += `<guid isPermaLink="false">${escapeText(itemId(article, site))}</guid>`;
  s += element('pubDate', dates.rfc822(article.published));
  for (const person of itemAuthors(article, site)) {
    // RSS 2.0 <author> must be an e-mail address; a byline without one goes in dc:creator.
    s += person.email ? text('author', `${person.email} (${person.name})`) : text('dc:creator', person.name);
  }
  for (const category of itemCategories(article)) s += text('category', category);
  s += htmlOfText('description', item.summary);
  s += `<content:encoded>${escapeText(itemContentHtml(item, ctx))}</content:encoded>`;
  s += enclosure(item, ctx);
  for (const image of article.images) s += mediaContent(image, ctx);
  for (const media of article.enclosures ?? []) s += mediaEnclosure(media, ctx);
  return `${s}</item>\n`;
}

/** Renders a feed as RSS 2.0 for the context's origin. */
export function renderRss(feed: FeedContent, ctx: RenderContext): string {
  const { site, origin } = ctx;
  let s = `<?xml version="1.0" encoding="utf-8"?>\n${FEED_STYLESHEET_PI}`;
  s += '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">\n<channel>\n';
  s += text('title', feedTitle(feed.scope, site));
  s += element('link', homeUrl(origin));
  // The channel description is plain text (only an item's description may hold HTML).
  s += text('description', feedDescription(feed.scope, site));
  s += `<atom:link${attr('href', selfUrl(feed, 'rss', origin))} rel="self" type="application/rss+xml"/>`;
  // W3C WebSub §4: one rel="hub" per hub beside the one rel="self" (the topic); an archive
  // document is not a topic (its month is fixed), so it names no hub.
  if (feed.archive?.month === undefined) for (const hub of advertisedHubs(site, origin)) s += `<atom:link${attr('href', hub)} rel="hub"/>`;
  // RFC 5005 §4 in RSS: atom:link with the archive relations, and fh:archive on an archive.
  for (const l of archiveRelations(feed, 'rss', origin)) s += `<atom:link${attr('href', l.href)} rel="${l.rel}" type="application/rss+xml"/>`;
  if (feed.archive?.month !== undefined) s += `<fh:archive xmlns:fh="${FEED_HISTORY_NS}"/>`;
  s += element('language', site.language);
  s += element('lastBuildDate', ctx.dates.rfc822(feed.lastModified));
  s += element('generator', GENERATOR);
  s += element('docs', 'https://www.rssboard.org/rss-specification');
  s += element('ttl', String(ctx.ttlMinutes));
  s += '\n';
  for (const item of feed.items) s += renderItem(item, ctx);
  return `${s}</channel>\n</rss>\n`;
}
