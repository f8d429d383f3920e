// The two directory documents: OPML 2.0 (http://opml.org/spec2.opml) listing every feed for bulk
// subscription, and the HTML page with autodiscovery links and a link to each feed's preview
// page. Pure. The OPML names absolute URLs on its origin (readers import it elsewhere); the HTML
// page links by path, so it stays on whatever host it is viewed on.
import { attr, escapeAttr, escapeText } from './xml-escape.js';
import { documentUrl, feedListTitle, feedTitle, homeUrl } from './feed-model.js';
import { FEED_TYPES, FORMAT_NAMES } from './render-preview.js';
import { FORMATS, feedPath, previewPath, type Scope } from './scopes.js';
import type { DateFormatter } from './dates.js';
import type { Origin, SiteConfig } from './site.js';
import { pageDirAttr } from './text-direction.js';

/** One feed as a directory lists it. */
export interface FeedListing {
  scope: Scope;
  items: number;
  lastModified: number;
}

const GROUPS: { kind: Scope['kind']; title: string }[] = [
  { kind: 'site', title: 'Everything' },
  { kind: 'section', title: 'Sections' },
  { kind: 'tag', title: 'Tags' },
];

/** Above this many feeds, only the site-wide feed is announced in the page head. */
const MAX_AUTODISCOVERY = 50;

/** Renders the OPML 2.0 subscription list for one origin. */
export function renderOpml(feeds: FeedListing[], site: SiteConfig, origin: Origin, dates: DateFormatter): string {
  const newest = feeds.reduce((m, f) => Math.max(m, f.lastModified), 0);
  let s = '<?xml version="1.0" encoding="utf-8"?>\n<opml version="2.0">\n<head>';
  s += `<title>${escapeText(feedListTitle(site))}</title>`;
  if (newest > 0) s += `<dateModified>${dates.rfc822(newest)}</dateModified>`;
  s += '<docs>http://opml.org/spec2.opml</docs></head>\n<body>\n';
  for (const group of GROUPS) {
    const members = feeds.filter((f) => f.scope.kind === group.kind);
    if (members.length === 0) continue;
    s += `<outline${attr('text', group.title)}>\n`;
    for (const f of members) {
      const title = feedTitle(f.scope, site);
      s += `<outline type="rss"${attr('text', title)}${attr('title', title)}${attr('xmlUrl', documentUrl(f.scope, 'rss', origin))}${attr('htmlUrl', homeUrl(origin))}/>\n`;
    }
    s += '</outline>\n';
  }
  return `${s}</body>\n</opml>\n`;
}

/**
 * Renders the HTML page `/` (text/html, UTF-8) that lists every feed: its name linking to its
 * preview page, its article count and its three documents, with autodiscovery links in the head
 * (every feed up to 50 feeds, the site-wide feed above). Every link is a path, resolved against
 * the host the page is viewed on, so the page is the same on every origin. Never throws.
 */
export function renderIndexPage(feeds: FeedListing[], site: SiteConfig): string {
  const h = escapeText;
  const a = escapeAttr;
  const announced = feeds.length <= MAX_AUTODISCOVERY ? feeds : feeds.filter((f) => f.scope.kind === 'site');
  let head = '';
  for (const f of announced) {
    for (const format of FORMATS) {
      head += `<link rel="alternate" type="${FEED_TYPES[format]}" title="${a(`${feedTitle(f.scope, site)} (${FORMAT_NAMES[format]})`)}" href="${a(feedPath(f.scope.key, format))}">\n`;
    }
  }
  let body = '';
  for (const group of GROUPS) {
    const members = feeds.filter((f) => f.scope.kind === group.kind);
    if (members.length === 0) continue;
    body += `<section><h2>${h(group.title)}</h2>\n<table>\n<thead><tr><th scope="col">Feed</th><th scope="col">Articles</th><th scope="col">Formats</th></tr></thead>\n<tbody>\n`;
    for (const f of members) {
      const links = FORMATS.map((format) => `<a href="${a(feedPath(f.scope.key, format))}">${FORMAT_NAMES[format]}</a>`).join(' · ');
      body += `<tr><td><a href="${a(previewPath(f.scope.key))}"${f.scope.kind === 'site' ? '' : ' dir="auto"'}>${h(f.scope.kind === 'site' ? site.title : f.scope.label)}</a></td><td>${f.items}</td><td>${links}</td></tr>\n`;
    }
    body += '</tbody>\n</table></section>\n';
  }
  return `<!doctype html>
<html lang="${a(site.language)}"${pageDirAttr(site.language)}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(feedListTitle(site))}</title>
<link rel="stylesheet" href="/style.css">
${head}<link rel="alternate" type="text/x-opml" title="${a(`${feedListTitle(site)} (OPML)`)}" href="/feeds.opml">
</head>
<body>
<main>
<h1>${h(feedListTitle(site))}</h1>
<p>${h(site.description)}. Subscribe to any feed below in your feed reader, or import <a href="/feeds.opml">every feed at once (OPML)</a>. Each feed's name opens a page about it, with its latest articles.</p>
${body}</main>
</body>
</html>
`;
}
