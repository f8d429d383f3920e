// JSON Feed 1.1 serializer (https://www.jsonfeed.org/version/1.1/). Pure: the same feed and
// context give the same bytes.
import { imageType, imageUrl } from './content.js';
import {
  archiveUrl, documentUrl, feedDescription, itemContentHtml, localPerson, mirrorDocuments, feedTitle, homeUrl, itemAuthors, itemCategories, itemId, itemUrl,
  type FeedContent, type PreparedItem, type RenderContext,
} from './feed-model.js';
import type { Person } from './site.js';
import { advertisedHubs } from './websub-discovery.js';

function author(p: Person): Record<string, string> {
  const a: Record<string, string> = { name: p.name };
  if (p.url) a.url = p.url;
  return a;
}

function renderItem(item: PreparedItem, ctx: RenderContext): Record<string, unknown> {
  const { article } = item;
  const { site, origin, dates } = ctx;
  const out: Record<string, unknown> = {
    id: itemId(article, site),
    url: itemUrl(article, origin),
    title: article.title,
    content_html: itemContentHtml(item, ctx),
    summary: item.summary,
  };
  const lead = article.images[0];
  if (lead) out.image = imageUrl(lead, origin);
  out.date_published = dates.rfc3339(article.published);
  if (article.updated !== undefined) out.date_modified = dates.rfc3339(article.updated);
  out.authors = itemAuthors(article, site).map((p) => author(localPerson(p, ctx)));
  const tags = itemCategories(article);
  if (tags.length > 0) out.tags = tags;
  if (article.language && article.language !== site.language) out.language = article.language;
  const attachments = article.images.map((image) => {
    const a: Record<string, unknown> = { url: imageUrl(image, origin), mime_type: imageType(image) };
    if (image.caption || image.credit) a.title = [image.caption, image.credit && `(${image.credit})`].filter(Boolean).join(' ');
    if (image.length !== undefined) a.size_in_bytes = image.length;
    return a;
  });
  // JSON Feed 1.1 attachments: size_in_bytes and duration_in_seconds where known.
  for (const media of article.enclosures ?? []) {
    const a: Record<string, unknown> = { url: imageUrl(media, origin), mime_type: media.type };
    if (media.length !== undefined) a.size_in_bytes = media.length;
    if (media.duration !== undefined) a.duration_in_seconds = media.duration;
    attachments.push(a);
  }
  if (attachments.length > 0) out.attachments = attachments;
  return out;
}

/** The JSON Feed 1.1 `hubs` member: `{type: "WebSub", url}` per hub advertised on the context's origin. */
function hubsOf(ctx: RenderContext): { hubs?: { type: 'WebSub'; url: string }[] } {
  const hubs = advertisedHubs(ctx.site, ctx.origin);
  return hubs.length === 0 ? {} : { hubs: hubs.map((url) => ({ type: 'WebSub', url })) };
}

/** Renders a feed as JSON Feed 1.1 for the context's origin. */
export function renderJson(feed: FeedContent, ctx: RenderContext): string {
  const { site, origin } = ctx;
  const doc = {
    version: 'https://jsonfeed.org/version/1.1',
    title: feedTitle(feed.scope, site),
    home_page_url: homeUrl(origin),
    feed_url: documentUrl(feed.scope, 'json', origin),
    description: feedDescription(feed.scope, site),
    language: site.language,
    authors: [author(localPerson(site.author, ctx))],
    // JSON Feed 1.1 `hubs` (WebSub, W3C WebSub §4): present only when the site has a hub, and not
    // on an archive month (RFC 5005), which is no topic.
    ...(feed.archive?.month === undefined ? hubsOf(ctx) : {}),
    items: feed.items.map((item) => renderItem(item, ctx)),
  };
  // JSON Feed 1.1 next_url ("the next n items"): towards older items, i.e. the newest archive
  // month from the subscription document and the next older month from an archive (RFC 5005 §4).
  // feed_url stays the subscription's: it identifies the feed, and archives are its pages.
  const archive = feed.archive;
  const out: Record<string, unknown> = doc;
  if (archive?.prev !== undefined) out.next_url = archiveUrl(feed.scope, archive.prev, 'json', origin);
  if (archive?.month !== undefined) {
    const newer = archive.next === undefined ? {} : { next_archive: archiveUrl(feed.scope, archive.next, 'json', origin) };
    out._rfc5005 = { archive: true, url: archiveUrl(feed.scope, archive.month, 'json', origin), current: documentUrl(feed.scope, 'json', origin), ...newer };
  }
  const mirrors = mirrorDocuments(feed.scope, 'json', ctx);
  // JSON Feed 1.1 extensions are top-level keys starting with an underscore.
  if (mirrors.length > 0) {
    out._feedwright = {
      mirrors: mirrors.map((m) => ({ feed_url: m.url, home_page_url: homeUrl(m.origin), onion: m.origin.onion })),
    };
  }
  // Article text was cleaned on the way in; JSON.stringify escapes controls and lone surrogates.
  return `${JSON.stringify(doc)}\n`;
}
