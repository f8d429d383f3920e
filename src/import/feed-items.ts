// One RSS 2.0, RSS 1.0/RDF or Atom 1.0 item read into a Draft: what the item says, before the
// common rules (feed-importer.ts) make an article of it. Pure.
import type { ArticleEnclosure, ArticleImage } from '../core/article.js';
import { hasVisibleText } from '../core/plain-text.js';
import type { Person } from '../core/site.js';
import { absolutizeHtml, atomHtml, atomPlain, decodeHtmlEntities, htmlToText } from './html-text.js';
import { addPerson, addTag, atomPeople, itemMedia, parseRssAuthor, person } from './item-media.js';
import { all, attrOf, childText, first, NS, resolveUrl, textOf, type Ns, type XElement } from './xml-tree.js';

/** What one item says, before the common rules make an article of it. */
export interface Draft {
  guid?: string;
  link?: string;
  /** The base for the item's relative URLs. */
  base?: string;
  title?: string;
  body?: string;
  /** True when the body is full content (so a description can be the summary). */
  fullContent: boolean;
  description?: string;
  published?: string;
  /** The element the date came from, and the ones that could have carried it. */
  publishedFrom: string;
  dateFields: string;
  updated?: string[];
  authors: Person[];
  tags: string[];
  images: ArticleImage[];
  enclosures: ArticleEnclosure[];
  /** WordPress categories: the section path (WXR only). */
  section?: string[];
  language?: string;
  /** What of the item could not be carried over, one entry each (counted in the report). */
  notes: string[];
}

/** The value, or undefined when nothing in it is visible (white space, zero-width characters). */
export function nonBlank(s: string | undefined): string | undefined {
  return s === undefined || !hasVisibleText(s) ? undefined : s;
}

/** The dc: and content: fields RSS 2.0 and RDF items share. */
export function rssLike(item: XElement, base: string | undefined, linkNs: Ns, channelLanguage: string | undefined, ownGuid: string | undefined, pubDate: string | undefined): Draft {
  const linkText = childText(item, linkNs, 'link');
  const link = linkText === undefined ? undefined : resolveUrl(linkText, base) ?? linkText;
  const itemBase = link !== undefined && resolveUrl(link, undefined) !== undefined ? link : base;
  const encoded = nonBlank(childText(item, NS.content, 'encoded'));
  const description = nonBlank(childText(item, linkNs, 'description'));
  const authors: Person[] = [];
  // RSS people and categories are plain text, but publishers (WordPress among them) escape
  // them as HTML: entities are decoded.
  for (const a of all(item, '', 'author')) addPerson(authors, parseRssAuthor(decodeHtmlEntities(textOf(a))));
  for (const c of all(item, NS.dc, 'creator')) addPerson(authors, person(decodeHtmlEntities(textOf(c)), undefined, undefined));
  const tags: string[] = [];
  for (const c of all(item, '', 'category')) addTag(tags, decodeHtmlEntities(textOf(c)));
  for (const c of all(item, NS.dc, 'subject')) addTag(tags, decodeHtmlEntities(textOf(c)));
  const titleText = childText(item, linkNs, 'title');
  const draft: Draft = {
    fullContent: encoded !== undefined,
    publishedFrom: pubDate !== undefined ? 'pubDate' : 'dc:date',
    dateFields: linkNs === '' ? 'pubDate or dc:date' : 'dc:date',
    updated: [childText(item, NS.dcterms, 'modified'), childText(item, NS.dc, 'modified'), childText(item, NS.atom, 'updated')].filter((s): s is string => s !== undefined),
    authors,
    tags,
    ...mediaOf(item, itemBase, false),
  };
  // A guid with nothing visible is none: the link stands in for it, as for a missing guid.
  const guid = visibleOr(ownGuid, linkText);
  if (guid !== undefined) draft.guid = guid;
  if (link !== undefined) draft.link = link;
  if (itemBase !== undefined) draft.base = itemBase;
  if (titleText !== undefined) draft.title = htmlToText(titleText);
  const body = encoded ?? description;
  if (body !== undefined) draft.body = absolutizeHtml(/</.test(body) ? body : `<p>${body.trim()}</p>`, itemBase);
  if (encoded !== undefined && description !== undefined) draft.description = htmlToText(description);
  const date = pubDate ?? childText(item, NS.dc, 'date');
  if (date !== undefined) draft.published = date;
  const language = childText(item, NS.dc, 'language') ?? channelLanguage;
  if (language !== undefined) draft.language = language;
  return draft;
}

/** The alternate (HTML) link of an Atom feed or entry. */
export function atomAlternate(e: XElement): XElement | undefined {
  const links = all(e, NS.atom, 'link').filter((l) => ['', 'alternate'].includes((attrOf(l, 'rel') ?? '').trim()) && attrOf(l, 'href') !== undefined);
  return links.find((l) => /html/i.test(attrOf(l, 'type') ?? 'text/html')) ?? links[0];
}

/** One Atom 1.0 entry (RFC 4287 §4.1.2) as a Draft; the feed's authors stand in when it has none (§4.2.1). Never throws. */
export function atomEntry(entry: XElement, feedAuthors: Person[], feedBase: string | undefined, docBase: string | undefined): Draft {
  const alt = atomAlternate(entry);
  const href = alt === undefined ? undefined : attrOf(alt, 'href');
  const link = href === undefined ? undefined : resolveUrl(href, alt?.base ?? feedBase) ?? href.trim();
  const itemBase = link !== undefined && resolveUrl(link, undefined) !== undefined ? link : entry.base ?? feedBase;
  const contentEl = first(entry, NS.atom, 'content');
  const content = atomHtml(contentEl);
  const summaryEl = first(entry, NS.atom, 'summary');
  const source = first(entry, NS.atom, 'source');
  let authors = atomPeople(entry);
  if (authors.length === 0 && source !== undefined) authors = atomPeople(source);
  if (authors.length === 0) authors = feedAuthors;
  const tags: string[] = [];
  for (const c of all(entry, NS.atom, 'category')) addTag(tags, nonBlank(attrOf(c, 'label')) ?? attrOf(c, 'term'));
  const published = childText(entry, NS.atom, 'published');
  const updated = childText(entry, NS.atom, 'updated');
  const draft: Draft = {
    fullContent: content !== undefined,
    publishedFrom: published !== undefined ? 'published' : 'updated',
    dateFields: 'published or updated',
    updated: updated === undefined ? [] : [updated],
    authors: [...authors],
    tags,
    ...mediaOf(entry, itemBase, true),
  };
  const guid = visibleOr(childText(entry, NS.atom, 'id'), href);
  if (guid !== undefined) draft.guid = guid;
  if (link !== undefined) draft.link = link;
  if (itemBase !== undefined) draft.base = itemBase;
  const title = atomPlain(first(entry, NS.atom, 'title'));
  if (title !== undefined) draft.title = title;
  const body = content ?? atomHtml(summaryEl);
  // An xml:base in scope of the content wins (RFC 4287 §2); else the entry's link, as for RSS.
  const contentBase = contentEl?.base !== undefined && contentEl.base !== docBase ? contentEl.base : itemBase;
  if (body !== undefined) draft.body = absolutizeHtml(body, contentBase);
  if (content !== undefined) {
    const summary = atomPlain(summaryEl);
    if (summary !== undefined) draft.description = summary;
  }
  const date = published ?? updated;
  if (date !== undefined) draft.published = date;
  if (entry.lang !== undefined) draft.language = entry.lang;
  return draft;
}


function mediaOf(item: XElement, base: string | undefined, atom: boolean): Pick<Draft, 'images' | 'enclosures' | 'notes'> {
  const media = itemMedia(item, base, atom);
  return { images: media.images, enclosures: media.enclosures, notes: media.lost };
}

/** `value` when it has a visible character, else `fallback`. */
export function visibleOr(value: string | undefined, fallback: string | undefined): string | undefined {
  return value !== undefined && hasVisibleText(value) ? value : fallback;
}

/** Conventional prefixes for namespaces feeds use, to name an element in the report. */
const PREFIXES: Record<string, string> = {
  '': '', [NS.atom]: 'atom:', [NS.content]: 'content:', [NS.dc]: 'dc:', [NS.dcterms]: 'dcterms:', [NS.itunes]: 'itunes:',
  'http://search.yahoo.com/mrss/': 'media:', 'http://wellformedweb.org/CommentAPI/': 'wfw:', 'http://purl.org/rss/1.0/modules/slash/': 'slash:',
  'http://purl.org/rss/1.0/': '', 'http://www.google.com/schemas/play-podcasts/1.0': 'googleplay:', 'https://podcastindex.org/namespace/1.0': 'podcast:',
};

/** The item-level elements the mapping reads, per format (prefixed as in PREFIXES). */
const READ: Record<'rss2' | 'rdf' | 'atom', ReadonlySet<string>> = {
  rss2: new Set(['title', 'link', 'guid', 'pubDate', 'description', 'author', 'category', 'enclosure', 'content:encoded', 'dc:creator', 'dc:subject', 'dc:date', 'dc:language', 'dc:modified', 'dcterms:modified', 'atom:updated', 'atom:link', 'media:content', 'media:group', 'media:thumbnail', 'itunes:duration']),
  rdf: new Set(['title', 'link', 'description', 'content:encoded', 'dc:creator', 'dc:subject', 'dc:date', 'dc:language', 'dc:modified', 'dcterms:modified', 'media:content', 'media:group', 'media:thumbnail']),
  atom: new Set(['atom:id', 'atom:title', 'atom:link', 'atom:published', 'atom:updated', 'atom:author', 'atom:category', 'atom:summary', 'atom:content', 'atom:source', 'media:content', 'media:group', 'media:thumbnail', 'itunes:duration']),
};

/**
 * The item's child elements the mapping does not read (`comments`, `itunes:episode`,
 * `wfw:commentRss`, `atom:rights`, …), one entry each as `element <name>`, so the import report
 * counts what was not carried over instead of losing it in silence.
 */
export function unreadElements(item: XElement, format: 'rss2' | 'rdf' | 'atom'): string[] {
  const out: string[] = [];
  for (const c of item.children) {
    if (typeof c === 'string') continue;
    const prefix = PREFIXES[c.uri];
    const name = prefix === undefined ? `{${c.uri}}${c.local}` : `${prefix}${c.local}`;
    if (!READ[format].has(name)) out.push(`element ${name}`);
  }
  return out;
}
