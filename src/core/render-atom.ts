// Atom 1.0 serializer (RFC 4287). Pure: the same feed and context give the same bytes.
import { imageType, imageUrl } from './content.js';
import { attr, element, escapeText } from './xml-escape.js';
import {
  FEED_HISTORY_NS, FEED_STYLESHEET_PI, archiveRelations, feedDescription, selfUrl, itemContentHtml, localPerson, feedId, feedTitle, homeUrl, itemAuthors, itemId, itemUrl,
  type FeedContent, type PreparedItem, type RenderContext,
} from './feed-model.js';
import { articleScopes } from './scopes.js';
import type { Person } from './site.js';
import { advertisedHubs } from './websub-discovery.js';

function person(tag: 'author', p: Person): string {
  return `<${tag}>${element('name', p.name)}${element('email', p.email)}${element('uri', p.url)}</${tag}>`;
}

function renderEntry(item: PreparedItem, ctx: RenderContext): string {
  const { article } = item;
  const { site, origin, dates } = ctx;
  const lang = article.language && article.language !== site.language ? attr('xml:lang', article.language) : '';
  let s = `<entry${lang}>`;
  s += element('id', itemId(article, site));
  s += `<title type="text">${escapeText(article.title)}</title>`;
  s += `<link rel="alternate" type="text/html"${attr('href', itemUrl(article, origin))}/>`;
  s += element('published', dates.rfc3339(article.published));
  s += element('updated', dates.rfc3339(article.updated ?? article.published));
  // Atom requires an author per entry unless the feed has one (RFC 4287 §4.1.1); the feed does,
  // so only bylines of the article's own are repeated here.
  if (article.authors.length > 0) for (const p of itemAuthors(article, site)) s += person('author', localPerson(p, ctx));
  for (const scope of articleScopes(article)) {
    if (scope.kind === 'site') continue;
    const term = scope.key.slice(scope.kind === 'section' ? 'sections/'.length : 'tags/'.length);
    const scheme = `${origin.href}/${scope.kind === 'section' ? 'sections' : 'tags'}/`;
    s += `<category${attr('term', term)}${attr('scheme', scheme)}${attr('label', scope.label)}/>`;
  }
  const lead = article.images[0];
  if (lead) s += `<link rel="enclosure"${attr('type', imageType(lead))}${attr('href', imageUrl(lead, origin))}${attr('length', lead.length)}/>`;
  // RFC 4287 §4.2.7.2: rel="enclosure" for every media file; `length` is its size in bytes.
  for (const media of article.enclosures ?? []) s += `<link rel="enclosure"${attr('type', media.type)}${attr('href', imageUrl(media, origin))}${attr('length', media.length)}/>`;
  s += `<summary type="text">${escapeText(item.summary)}</summary>`;
  s += `<content type="html">${escapeText(itemContentHtml(item, ctx))}</content>`;
  return `${s}</entry>\n`;
}

/** Renders a feed as Atom 1.0 for the context's origin. */
export function renderAtom(feed: FeedContent, ctx: RenderContext): string {
  const { site, origin } = ctx;
  let s = `<?xml version="1.0" encoding="utf-8"?>\n${FEED_STYLESHEET_PI}`;
  s += `<feed xmlns="http://www.w3.org/2005/Atom"${attr('xml:lang', site.language)}>\n`;
  s += element('id', feedId(feed.scope, site));
  s += `<title type="text">${escapeText(feedTitle(feed.scope, site))}</title>`;
  s += `<subtitle type="text">${escapeText(feedDescription(feed.scope, site))}</subtitle>`;
  s += element('updated', ctx.dates.rfc3339(feed.lastModified));
  s += `<link rel="self" type="application/atom+xml"${attr('href', selfUrl(feed, 'atom', origin))}/>`;
  // W3C WebSub §4: one rel="hub" per hub beside the one rel="self" (the topic); an archive
  // document is not a topic (its month is fixed), so it names no hub.
  if (feed.archive?.month === undefined) for (const hub of advertisedHubs(site, origin)) s += `<link rel="hub"${attr('href', hub)}/>`;
  // RFC 5005 §4: current, prev-archive, next-archive; fh:archive marks an archive document.
  for (const l of archiveRelations(feed, 'atom', origin)) s += `<link rel="${l.rel}" type="application/atom+xml"${attr('href', l.href)}/>`;
  if (feed.archive?.month !== undefined) s += `<fh:archive xmlns:fh="${FEED_HISTORY_NS}"/>`;
  s += `<link rel="alternate" type="text/html"${attr('href', homeUrl(origin))}/>`;
  s += person('author', localPerson(site.author, ctx));
  s += '<generator>feedwright</generator>\n';
  for (const item of feed.items) s += renderEntry(item, ctx);
  return `${s}</feed>\n`;
}
