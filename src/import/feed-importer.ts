// The feed importer: reads an existing RSS 2.0, RSS 1.0/RDF or Atom 1.0 document, or a WordPress
// export (WXR, see wxr.ts), as a stream (xml-tree.ts) and maps each item to an article of design
// §3, keeping the id readers already know it by. Pure: no I/O, no clock; the same document gives
// the same articles. Items are numbered from 1 everywhere (reports, messages).
//
// Mapping rules (the README repeats them):
//
// - guid: RSS <guid> text (whether or not isPermaLink), else <link>; RDF rdf:about, else <link>;
//   Atom <id>, else the alternate link. Kept as the article's `guid` (surrounding white space
//   trimmed, as XML readers do), so our RSS guid, Atom id and JSON id equal what readers have.
// - id: `imp-` + the first 32 hex digits of sha256(guid). Stable across imports: a second import
//   of the same item addresses the same article and changes nothing.
// - path: the item link's path and query, utm_* campaign parameters dropped (any http(s) link; a
//   relative link is resolved against xml:base, then `baseUrl`, then the channel link); else
//   `/imported/<id>`.
// - title: plain text (tags stripped, entities decoded; an Atom type="text" title is taken as is).
//   An item with a body but no title (or one with nothing visible: white space, zero-width or
//   filler characters) gets its title from the body's opening words.
// - body: content:encoded, else Atom content (html as is; xhtml serialised; text escaped into
//   <p>s), else RSS/RDF description or Atom summary. Relative URLs in it are made absolute against
//   the item's base. An item with a title but no body gets the title as its body.
// - summary: the description / Atom summary as plain text, when a separate full content exists.
// - published: pubDate (RFC 822: optional day name, named zones GMT/UT/UTC/Z/EST/EDT/CST/CDT/
//   MST/MDT/PST/PDT or ±hhmm, 2-digit years per RFC 2822 §4.3; no zone = the site's time zone)
//   or dc:date (W3C-DTF) for RSS and RDF; Atom published, else updated. Written as RFC 3339
//   with the source's own offset.
// - updated: Atom updated, dcterms:modified or atom:updated, only when later than published.
// - authors: RSS <author> ("email (Name)", "Name <email>", a bare address or a name),
//   dc:creator; Atom author name/email/uri, else the feed's authors. Malformed e-mails and
//   non-http(s) URIs are dropped, not fatal; a blank name is replaced by the e-mail, else dropped.
// - section: none. tags: RSS <category>, dc:subject, Atom category label (else term); deduped
//   without regard to case; blank (nothing visible) or over-long ones dropped; the first
//   MAX_TAGS (50) kept, the rest counted in the report as not carried over (each tag is a feed).
//   A WXR section path deeper than MAX_SECTION_LEVELS (10) keeps its outermost levels, likewise.
// - enclosures: RSS enclosure, Atom rel="enclosure" and media:content of any other type (audio,
//   video, PDF), with length and itunes:duration / media duration (seconds).
// - images: enclosures (RSS, Atom rel="enclosure") of an image type; media:content (also in
//   media:group) with medium="image" or an image type (or neither and an image file name), with
//   media:description → caption, media:credit → credit, width/height/fileSize; media:thumbnail
//   only when the item has no other image. Merged by URL, in document order; the first is lead.
//   Blank captions and credits are dropped.
// - language: item dc:language, else Atom xml:lang in scope, else channel language / dc:language;
//   omitted when it equals the site's language.
// - WordPress exports (WXR): see wxr.ts (post types, statuses, display names, categories as
//   sections, WordPress's guids); WordPress content (WXR and a WordPress feed's content:encoded):
//   see wordpress-content.ts (shortcodes, the "appeared first on" footer, the lead image once).
// - Not carried over, counted per kind in the report: item elements the mapping does not read,
//   enclosures without a usable URL or type, unknown shortcodes, WXR comments and taxonomies.
// - Skipped, with the reason: no guid and no link (a guid with nothing visible is none); no title and no body; no date or an
//   unparseable one; a guid seen earlier in the same feed; or a mapped article that fails
//   validateArticle (the problems are the reason).
import { createHash } from 'node:crypto';
import { MAX_SECTION_LEVELS, MAX_TAGS, validateArticle, type ArticleEnclosure, type ArticleImage } from '../core/article.js';
import { FeedwrightError } from '../core/errors.js';
import { escapeHtmlText } from '../core/html-escape.js';
import { parseDate } from '../core/dates.js';
import { hasVisibleText, identifierLine, plainLine } from '../core/plain-text.js';
import { isLanguageTag, type Person } from '../core/site.js';
import { feedDate } from './feed-dates.js';
import { atomAlternate, atomEntry, nonBlank, rssLike, unreadElements, type Draft } from './feed-items.js';
import { atomPlain, htmlToText } from './html-text.js';
import { atomPeople } from './item-media.js';
import { dropFeedFooter, replaceShortcodes, showLeadOnce } from './wordpress-content.js';
import { readWxrChannel, wxrItem, type WxrChannel } from './wxr.js';
import { attrOf, childText, detach, first, FeedTreeReader, NS, resolveUrl, type XElement } from './xml-tree.js';

export { absolutizeHtml, decodeHtmlEntities, htmlToText } from './html-text.js';
export { parseRfc822 } from './feed-dates.js';
export { parseRssAuthor } from './item-media.js';

/** The formats the importer reads: RSS 2.0, RSS 1.0/RDF, Atom 1.0 and WordPress's export (WXR). */
export type FeedFormat = 'rss2' | 'rdf' | 'atom' | 'wxr';

/** The software that wrote the feed, when it says (RSS generator, Atom generator, WXR). */
export type FeedPlatform = 'wordpress' | 'ghost';

/** An image in the raw article shape of design §3 (the same fields as a validated one). */
export type RawImage = ArticleImage;

/** A raw article (design §3) made from one feed item. */
export interface RawArticle {
  id: string;
  guid: string;
  path: string;
  title: string;
  body: string;
  summary?: string;
  published: string;
  updated?: string;
  authors?: Person[];
  section?: string[];
  tags?: string[];
  images?: RawImage[];
  enclosures?: ArticleEnclosure[];
  language?: string;
}

/** One mapped item: the raw article, the guid it keeps, its 1-based number in the feed. */
export interface ImportedItem {
  item: number;
  guid: string;
  raw: RawArticle;
  /** What of the item could not be carried over (an unknown shortcode, a comment), one entry each. */
  notes: string[];
}

/** An item that is not imported: its 1-based number, the kind of skip (for the summary) and why. */
export interface SkippedItem {
  item: number;
  guid?: string;
  /** e.g. `status draft`, `post type page`, `attachment`, `invalid item`, `repeated guid`. */
  kind: string;
  reason: string;
}

/** What the document says about itself, known once its first item (or its end) is read. */
export interface FeedHead {
  format: FeedFormat;
  title?: string;
  /** The site the feed came from (channel link, Atom alternate link), when it says. */
  link?: string;
  platform?: FeedPlatform;
  /** WXR only: the categories (nicename → section path, and the nicenames of that path) and tags (slug → name). */
  categories?: Map<string, { names: string[]; nicenames: string[] }>;
  tags?: Map<string, string>;
}

/** A parsed feed. */
export interface ParsedFeed extends FeedHead {
  items: ImportedItem[];
  skipped: SkippedItem[];
}

/** How to read a feed. */
export interface ParseFeedOptions {
  /** The site's time zone: dates without an offset are read in it. */
  timeZone: string;
  /** The base for relative links (after xml:base); default the channel's own link. */
  baseUrl?: string;
  /** The site's language: an item language equal to it is left out. */
  siteLanguage?: string;
  /** WXR: the `wp:post_type`s to import (default `["post"]`). */
  postTypes?: readonly string[];
  /** Keep the "The post … appeared first on …" footer (default: dropped). */
  keepFooter?: boolean;
  /** The source's name in messages (a file or URL; default `the feed`). */
  fileName?: string;
}

/** One result of reading a feed: an item to store or one skipped. */
export type FeedEntry = { imported: ImportedItem } | { skipped: SkippedItem };

/** The article id of an imported guid: `imp-` and 32 hex digits of its SHA-256. */
export function importedArticleId(guid: string): string {
  return `imp-${createHash('sha256').update(guid, 'utf8').digest('hex').slice(0, 32)}`;
}

function pathOf(link: string | undefined): string | undefined {
  if (link === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // Campaign parameters a CMS appends to feed links are tracking, not part of the page's address.
  for (const name of [...url.searchParams.keys()]) if (/^utm_/i.test(name)) url.searchParams.delete(name);
  const path = url.pathname + url.search;
  return /^\/(?!\/)/.test(path) && !/[\s\u0000-\u001f\u007f\\]/.test(path) && path.length <= 2000 ? path : undefined;
}

function titleFromBody(body: string): string | undefined {
  const text = htmlToText(body);
  if (text === '') return undefined;
  if (text.length <= 100) return text;
  const cut = text.slice(0, 100);
  const space = cut.lastIndexOf(' ');
  return `${(space > 40 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The guid an item keeps (identifierLine: its value is its identity); undefined when blank. */
function itemGuid(draft: Draft): string | undefined {
  const guid = draft.guid === undefined ? '' : identifierLine(draft.guid);
  return hasVisibleText(guid) ? guid : undefined;
}

/** Applies the common rules to one draft: an article, or the reason it is skipped. */
function finish(draft: Draft, options: ParseFeedOptions): { raw: RawArticle } | { reason: string } {
  const reasons: string[] = [];
  const guid = itemGuid(draft);
  if (guid === undefined) reasons.push('no guid and no link');
  const title = draft.title || (draft.body === undefined ? undefined : titleFromBody(draft.body));
  if (title === undefined) reasons.push(draft.body === undefined ? 'no title and no body' : 'no title and no text in the body to make one from');
  let published: string | undefined;
  if (draft.published === undefined) reasons.push(`no date (${draft.dateFields})`);
  else {
    published = feedDate(draft.published, options.timeZone);
    if (published === undefined) reasons.push(`unparseable date in ${draft.publishedFrom}: "${plainLine(draft.published).slice(0, 80)}"`);
  }
  if (reasons.length > 0 || guid === undefined || published === undefined || title === undefined) return { reason: reasons.join('; ') };

  const id = importedArticleId(guid);
  const body = draft.body ?? `<p>${escapeHtmlText(title)}</p>`;
  const raw: RawArticle = { id, guid, path: pathOf(draft.link) ?? `/imported/${id}`, title, body, published };
  if (draft.description !== undefined && draft.description !== '' && draft.description.length <= 10_000) raw.summary = draft.description;
  const publishedMs = parseDate(published, options.timeZone) as number;
  for (const u of draft.updated ?? []) {
    const updated = feedDate(u, options.timeZone);
    if (updated === undefined) continue;
    if ((parseDate(updated, options.timeZone) as number) > publishedMs) raw.updated = updated;
    break;
  }
  if (draft.authors.length > 0) raw.authors = draft.authors;
  // Every tag and section level is a feed: an item with more than the article format allows
  // keeps the first ones (in document order) and the report counts what was left out, rather
  // than losing the whole post (see the README, "Imports").
  if (draft.tags.length > MAX_TAGS) draft.notes.push(`tags beyond the first ${MAX_TAGS}`);
  if (draft.tags.length > 0) raw.tags = draft.tags.slice(0, MAX_TAGS);
  if (draft.images.length > 0) raw.images = draft.images;
  if (draft.enclosures.length > 0) raw.enclosures = draft.enclosures;
  if (draft.section !== undefined && draft.section.length > MAX_SECTION_LEVELS) draft.notes.push(`section levels beyond the first ${MAX_SECTION_LEVELS}`);
  if (draft.section !== undefined && draft.section.length > 0) raw.section = draft.section.slice(0, MAX_SECTION_LEVELS);
  const language = draft.language?.trim();
  if (language !== undefined && isLanguageTag(language) && language.toLowerCase() !== options.siteLanguage?.toLowerCase()) raw.language = language;
  return { raw };
}


const GENERATORS: [RegExp, FeedPlatform][] = [[/wordpress/i, 'wordpress'], [/^\s*ghost\b|ghost\.org/i, 'ghost']];

function platformOf(generator: string | undefined): FeedPlatform | undefined {
  return generator === undefined ? undefined : GENERATORS.find(([re]) => re.test(generator))?.[1];
}

/**
 * Maps a feed read as a stream of text chunks (RSS 2.0, RSS 1.0/RDF, Atom 1.0 per RFC 4287, or a
 * WordPress export, WXR 1.0–1.2) to entries, one per item, in document order, holding one item
 * at a time. `head` is filled in once the first item (or the end) is read. Throws a
 * FeedwrightError `ARTICLE_PARSE` naming the source, line and column when the XML is not
 * well-formed, and naming the source when the document is not a feed; items read before such an
 * error have been yielded.
 */
export class FeedMapper {
  head: FeedHead | undefined;
  private readonly seen = new Map<string, number>();
  private count = 0;
  private wxr: WxrChannel | undefined;
  private feedAuthors: Person[] = [];
  private base: string | undefined;
  private language: string | undefined;
  private docBase: string | undefined;

  constructor(private readonly options: ParseFeedOptions) {}

  private get name(): string {
    return this.options.fileName ?? 'the feed';
  }

  /** Reads the whole source; yields each item as it closes. */
  async *entries(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<FeedEntry> {
    const reader = new FeedTreeReader(this.name, this.options.baseUrl);
    let first = true;
    for await (const chunk of chunks) {
      const text = first ? chunk.replace(/^\uFEFF/, '') : chunk;
      first = false;
      const items = reader.write(text);
      if (reader.root !== undefined && this.head === undefined) this.checkRoot(reader.root);
      for (const item of items) yield this.map(item, reader.root as XElement, reader.channel);
    }
    const items = reader.close();
    for (const item of items) yield this.map(item, reader.root as XElement, reader.channel);
    this.start(reader.root as XElement, reader.channel);
  }

  /** Refuses a document whose root is not a feed's, as soon as it opens. */
  private checkRoot(root: XElement): void {
    const known = (root.uri === '' && root.local === 'rss') || (root.uri === NS.rdf && root.local === 'RDF') || (root.uri === NS.atom && root.local === 'feed');
    if (!known) throw new FeedwrightError('ARTICLE_PARSE', `${this.name}: the document is not an RSS 2.0, RSS 1.0/RDF, Atom 1.0 feed or WordPress export (its root element is <${root.local}>${root.uri === '' ? '' : ` in ${root.uri}`})`);
  }

  /** Reads what the document says before its items (once). */
  private start(root: XElement, openChannel: XElement | undefined): FeedHead {
    if (this.head !== undefined) return this.head;
    this.checkRoot(root);
    const docBase = this.options.baseUrl === undefined ? undefined : resolveUrl(this.options.baseUrl, undefined);
    this.docBase = docBase;
    let head: FeedHead;
    if (root.local === 'rss') {
      // The channel is still open while its items are read (its elements so far are there).
      const channel = openChannel ?? first(root, '', 'channel');
      if (channel === undefined) throw new FeedwrightError('ARTICLE_PARSE', `${this.name}: the RSS document has no <channel>`);
      const isWxr = childText(channel, NS.wp, 'wxr_version') !== undefined;
      head = { format: isWxr ? 'wxr' : 'rss2' };
      const title = childText(channel, '', 'title');
      if (title !== undefined && htmlToText(title) !== '') head.title = htmlToText(title);
      const channelLink = childText(channel, '', 'link');
      this.base = root.base ?? (channelLink === undefined ? undefined : resolveUrl(channelLink, undefined));
      if (this.base !== undefined) head.link = this.base;
      this.language = childText(channel, '', 'language') ?? childText(channel, NS.dc, 'language');
      const platform = isWxr ? 'wordpress' : platformOf(childText(channel, '', 'generator'));
      if (platform !== undefined) head.platform = platform;
      if (isWxr) this.startWxr(channel, head);
    } else if (root.local === 'RDF') {
      head = { format: 'rdf' };
      const channel = first(root, NS.rss1, 'channel');
      const title = channel === undefined ? undefined : childText(channel, NS.rss1, 'title');
      if (title !== undefined && htmlToText(title) !== '') head.title = htmlToText(title);
      const channelLink = channel === undefined ? undefined : childText(channel, NS.rss1, 'link');
      this.base = root.base ?? (channelLink === undefined ? undefined : resolveUrl(channelLink, undefined));
      if (this.base !== undefined) head.link = this.base;
      this.language = channel === undefined ? undefined : childText(channel, NS.dc, 'language');
    } else {
      head = { format: 'atom' };
      const title = atomPlain(first(root, NS.atom, 'title'));
      if (title !== undefined) head.title = title;
      this.feedAuthors = atomPeople(root);
      const alt = atomAlternate(root);
      this.base = root.base ?? (alt === undefined ? undefined : resolveUrl(attrOf(alt, 'href') as string, undefined));
      if (this.base !== undefined) head.link = this.base;
      const generator = first(root, NS.atom, 'generator');
      const platform = platformOf(generator === undefined ? undefined : `${attrOf(generator, 'uri') ?? ''} ${childText(root, NS.atom, 'generator') ?? ''}`);
      if (platform !== undefined) head.platform = platform;
    }
    this.head = head;
    return head;
  }

  private startWxr(channel: XElement, head: FeedHead): void {
    this.wxr = readWxrChannel(channel);
    head.categories = new Map();
    this.termsToHead(head);
    // The same map: terms first seen on items (an export of posts only) are added to it.
    head.tags = this.wxr.tags;
  }

  /** The export's categories (with their parents' path) into the head, for the suggested redirects. */
  private termsToHead(head: FeedHead): void {
    const wxr = this.wxr as WxrChannel;
    const categories = head.categories as NonNullable<FeedHead['categories']>;
    if (categories.size === wxr.categories.size) return;
    for (const [nicename, c] of wxr.categories) {
      if (categories.has(nicename)) continue;
      const names = [c.name];
      const nicenames = [nicename];
      let parent = c.parent;
      for (let d = 0; parent !== undefined && d < 10; d += 1) {
        const p = wxr.categories.get(parent);
        if (p === undefined) break;
        names.unshift(p.name);
        nicenames.unshift(parent);
        parent = p.parent;
      }
      categories.set(nicename, { names, nicenames });
    }
  }

  private map(item: XElement, root: XElement, channel: XElement | undefined): FeedEntry {
    const head = this.start(root, channel);
    this.count += 1;
    const number = this.count;
    let draft: Draft;
    const isWxrItem = head.format === 'wxr' || (head.format === 'rss2' && childText(item, NS.wp, 'post_type') !== undefined);
    if (isWxrItem) {
      if (this.wxr === undefined) {
        head.format = 'wxr';
        head.platform = 'wordpress';
        this.startWxr(channel ?? (first(root, '', 'channel') as XElement), head);
      }
      const result = wxrItem(item, this.wxr as WxrChannel, { postTypes: this.options.postTypes ?? ['post'], ...(this.options.keepFooter ? { keepFooter: true } : {}) });
      this.termsToHead(head);
      if ('skip' in result) {
        const guid = childText(item, '', 'guid');
        return { skipped: { item: number, ...(guid === undefined ? {} : { guid: detach(guid) }), kind: detach(result.skip.kind), reason: detach(result.skip.reason) } };
      }
      draft = result.draft;
    } else if (head.format === 'rss2') {
      draft = rssLike(item, item.base ?? this.base, '', this.language, childText(item, '', 'guid'), childText(item, '', 'pubDate'));
      if (head.platform === 'wordpress') this.cleanWordPress(draft);
    } else if (head.format === 'rdf') {
      draft = rssLike(item, item.base ?? this.base, NS.rss1, this.language, nonBlank(attrOf(item, 'about', NS.rdf))?.trim(), undefined);
    } else {
      draft = atomEntry(item, this.feedAuthors, this.base, this.docBase);
      if (head.platform === 'wordpress') this.cleanWordPress(draft);
    }
    if (!isWxrItem) draft.notes.push(...unreadElements(item, head.format === 'wxr' ? 'rss2' : head.format));
    if (!this.options.keepFooter && draft.body !== undefined) draft.body = dropFeedFooter(draft.body).html;
    const lead = draft.images[0];
    if (lead !== undefined && draft.body !== undefined) draft.body = showLeadOnce(draft.body, lead.url, draft.base);
    return this.finishItem(draft, number);
  }

  /** A WordPress feed's content: shortcodes its plugins left as text are replaced (wordpress-content.ts). */
  private cleanWordPress(draft: Draft): void {
    if (draft.body === undefined) return;
    const cleaned = replaceShortcodes(draft.body, draft.base === undefined ? {} : { base: draft.base });
    draft.body = cleaned.html;
    draft.notes.push(...cleaned.notes);
    for (const m of cleaned.enclosures) if (!draft.enclosures.some((e) => e.url === m.url)) draft.enclosures.push(m);
  }

  private finishItem(draft: Draft, number: number): FeedEntry {
    const result = finish(draft, this.options);
    const guid = itemGuid(draft);
    // A skip outlives its item (the report keeps it): its strings are detached from the chunk.
    const skip = (kind: string, reason: string): FeedEntry => ({ skipped: guid === undefined ? { item: number, kind, reason: detach(reason) } : { item: number, guid: detach(guid), kind, reason: detach(reason) } });
    if ('reason' in result) return skip('invalid item', result.reason);
    // Keyed by the id (a fresh hash string), not the guid, which is a slice of the parser's chunk.
    const earlier = this.seen.get(result.raw.id);
    if (earlier !== undefined) return skip('repeated guid', `the same guid as item ${earlier}`);
    const checked = validateArticle(result.raw, this.options.timeZone);
    if ('problems' in checked) return skip('invalid item', `invalid article: ${checked.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
    this.seen.set(result.raw.id, number);
    return { imported: { item: number, guid: result.raw.guid, raw: result.raw, notes: draft.notes } };
  }
}

/** Reads a whole RSS 2.0, RSS 1.0/RDF, Atom 1.0 or WXR document held in memory (see FeedMapper). */
export async function parseFeed(xml: string, options: ParseFeedOptions): Promise<ParsedFeed> {
  const mapper = new FeedMapper(options);
  const items: ImportedItem[] = [];
  const skipped: SkippedItem[] = [];
  for await (const entry of mapper.entries([xml])) {
    if ('imported' in entry) items.push(entry.imported);
    else skipped.push(entry.skipped);
  }
  return { ...(mapper.head as FeedHead), items, skipped };
}
