// The preview page of one feed (design §2, "a page per feed"): HTML for people, with no XSLT —
// what the feed is, how to subscribe (its URL with a copy button, links that open common feed
// readers, the OPML) and its latest items with lead photo, caption, credit, date and byline.
// Pure: the same feed and context give the same bytes.
//
// Every link to this site is a path (`/rss.xml`, `/Detail/…`), resolved against the host the
// page is viewed on, so a local or staging host never sends people to production. Only the
// text of the feed URL and the readers' subscribe links name the serving origin, since they are
// read outside the page; /preview.js puts the viewing host in them when it is another.
import { attr, escapeAttr, escapeText } from './xml-escape.js';
import { feedDescription, feedTitle, itemAuthors, type FeedContent, type PreparedItem, type RenderContext } from './feed-model.js';
import { FORMATS, feedPath, type Format } from './scopes.js';
import type { ArticleImage } from './article.js';
import { languageAttrs, pageDirAttr } from './text-direction.js';

/** How many of the feed's newest items the page shows. */
export const PREVIEW_ITEMS = 20;

/** Each format's own media type, as autodiscovery `<link rel="alternate">` announces it to readers. */
export const FEED_TYPES: Record<Format, string> = { rss: 'application/rss+xml', atom: 'application/atom+xml', json: 'application/feed+json' };
/** Each format's name as people know it. */
export const FORMAT_NAMES: Record<Format, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

/**
 * Web feed readers that subscribe from a link: the link is the prefix followed by the feed's
 * absolute URL, percent-encoded (each reader's documented "add feed" URL).
 */
export const READERS: readonly { name: string; prefix: string }[] = [
  { name: 'Feedly', prefix: 'https://feedly.com/i/subscription/feed/' },
  { name: 'Inoreader', prefix: 'https://www.inoreader.com/?add_feed=' },
  { name: 'NewsBlur', prefix: 'https://www.newsblur.com/?url=' },
  { name: 'The Old Reader', prefix: 'https://theoldreader.com/feeds/subscribe?url=' },
];

/** `2016-07-06 14:05` from an RFC 3339 date-time (the site's zone, as the feeds write it). */
function shortDate(rfc3339: string): string {
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 16)}`;
}

/**
 * The lead photo: shown when it is on this site (its path, so the page's `img-src 'self'` allows
 * it on any host); a photo on another host is linked, not loaded, keeping the CSP strict. Its
 * alt is empty (WAI Images tutorial): the caption is the adjacent figcaption and the item's title
 * is just above, so an alt repeating the caption is read twice, and the article gives no other
 * description of what the photo shows.
 */
function leadFigure(image: ArticleImage): string {
  const caption = [image.caption, image.credit].filter((t): t is string => t !== undefined && t !== '');
  const figcaption = caption.length === 0 ? '' : `<figcaption>${image.caption ? escapeText(image.caption) : ''}${image.caption && image.credit ? ' ' : ''}${image.credit ? `<span class="credit">${escapeText(image.credit)}</span>` : ''}</figcaption>`;
  if (image.url.startsWith('/') && !image.url.startsWith('//')) {
    return `<figure><img src="${escapeAttr(image.url)}" alt="" loading="lazy"${attr('width', image.width)}${attr('height', image.height)}>${figcaption}</figure>\n`;
  }
  return `<figure><a href="${escapeAttr(image.url)}">Photo</a>${figcaption}</figure>\n`;
}

/**
 * The item's lead photo: its first image when that is a photo (no media type, or an `image/`
 * one); undefined otherwise, and then the item shows no figure at all. A photo that is named but
 * cannot be loaded is taken out of the page by /preview.js, keeping its caption and credit (a
 * figure with neither goes whole), so no empty box is left either.
 */
function leadPhoto(images: readonly ArticleImage[]): ArticleImage | undefined {
  const first = images[0];
  return first !== undefined && (first.type === undefined || first.type.startsWith('image/')) ? first : undefined;
}

/**
 * One item of the list. An item in another language than the page's carries its `lang` on its
 * `<article>`, with `dir` where its script runs the other way (WCAG SC 3.1.2; a Persian item on
 * an English page is `lang="fa" dir="rtl"`), so its title, byline, caption and summary are laid
 * out and spoken in its language.
 */
function renderItem(item: PreparedItem, ctx: RenderContext): string {
  const { article } = item;
  const date = ctx.dates.rfc3339(article.published);
  const byline = itemAuthors(article, ctx.site).map((p) => escapeText(p.name)).join(', ');
  const lead = leadPhoto(article.images);
  let s = `<li><article${languageAttrs(article.language, ctx.site.language)}>\n`;
  s += `<h3><a href="${escapeAttr(article.path)}">${escapeText(article.title)}</a></h3>\n`;
  s += `<p class="meta"><time datetime="${date}">${shortDate(date)}</time> · ${byline}</p>\n`;
  if (lead) s += leadFigure(lead);
  if (item.summary !== '') s += `<p>${escapeText(item.summary)}</p>\n`;
  return `${s}</article></li>\n`;
}

/**
 * Renders the preview page of one feed for the context's origin: an HTML document (text/html,
 * UTF-8) under the pages' CSP — one stylesheet (/style.css) and one script (/preview.js), both
 * from the viewing host, nothing inline. Shows the newest {@link PREVIEW_ITEMS} items. Never throws.
 */
export function renderPreviewPage(feed: FeedContent, ctx: RenderContext): string {
  const { site, origin } = ctx;
  const { scope } = feed;
  const title = feedTitle(scope, site);
  const rss = feedPath(scope.key, 'rss');
  const absolute = origin.href + rss;
  let head = '';
  for (const format of FORMATS) {
    head += `<link rel="alternate" type="${FEED_TYPES[format]}" title="${escapeAttr(`${title} (${FORMAT_NAMES[format]})`)}" href="${escapeAttr(feedPath(scope.key, format))}">\n`;
  }
  const readers = READERS.map((r) => `<li><a href="${escapeAttr(r.prefix + encodeURIComponent(absolute))}" data-reader="${escapeAttr(r.prefix)}">${escapeText(r.name)}</a></li>`).join('\n');
  const formats = FORMATS.map((f) => `<a href="${escapeAttr(feedPath(scope.key, f))}">${FORMAT_NAMES[f]}</a>`).join(' · ');
  const items = feed.items.slice(0, PREVIEW_ITEMS).map((i) => renderItem(i, ctx)).join('');
  return `<!doctype html>
<html lang="${escapeAttr(site.language)}"${pageDirAttr(site.language)}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeText(title)}</title>
<link rel="stylesheet" href="/style.css">
<script src="/preview.js" defer></script>
${head}</head>
<body>
<main>
<p class="crumbs"><a href="/">All feeds</a></p>
<h1>${escapeText(title)}</h1>
<p>${escapeText(feedDescription(scope, site))}</p>
<section aria-labelledby="subscribe">
<h2 id="subscribe">Subscribe</h2>
<p>This is a web feed: a feed reader shows every new article as it is published. Copy this address into your feed reader:</p>
<p class="feed-url"><a id="feed-url" href="${escapeAttr(rss)}" data-feed-url>${escapeText(absolute)}</a> <button type="button" data-copy="feed-url" hidden>Copy address</button> <span role="status" data-copied></span></p>
<p>Or open it in a web reader:</p>
<ul class="readers">
${readers}
</ul>
<p>The same feed in other formats: ${formats}. Every feed of ${escapeText(site.title)} at once: <a href="/feeds.opml">OPML</a>.</p>
</section>
<section aria-labelledby="latest">
<h2 id="latest">Latest articles</h2>
${items === '' ? '<p>No articles yet.</p>\n' : `<ol class="items">\n${items}</ol>\n`}</section>
</main>
</body>
</html>
`;
}
