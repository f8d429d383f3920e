// The feed importer: reads an existing RSS 2.0, RSS 1.0/RDF or Atom 1.0 document (xml2js) and
// maps each item to an article of design §3, keeping the id readers already know it by. Pure:
// no I/O, no clock; the same document gives the same articles.
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
//   without regard to case; blank (nothing visible) or over-long ones dropped.
// - images: enclosures (RSS, Atom rel="enclosure") of an image type; media:content (also in
//   media:group) with medium="image" or an image type (or neither and an image file name), with
//   media:description → caption, media:credit → credit, width/height/fileSize; media:thumbnail
//   only when the item has no other image. Merged by URL, in document order; the first is lead.
//   Blank captions and credits are dropped.
// - language: item dc:language, else Atom xml:lang in scope, else channel language / dc:language;
//   omitted when it equals the site's language.
// - Skipped, with the reason: no guid and no link (a guid with nothing visible is none); no title and no body; no date or an
//   unparseable one; a guid seen earlier in the same feed; or a mapped article that fails
//   validateArticle (the problems are the reason).
import { escapeHtmlAttr, escapeHtmlText } from '../core/html-escape.js';
import { createHash } from 'node:crypto';
import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';
import { parseStringPromise } from 'xml2js';
import { validateArticle, type ArticleImage } from '../core/article.js';
import { hasVisibleText, identifierLine, plainLine } from '../core/plain-text.js';
import { parseDate } from '../core/dates.js';
import { FeedwrightError, type ErrorCode } from '../core/errors.js';
import { parseSrcset, serializeSrcset } from '../core/srcset.js';
import { isLanguageTag, type Person } from '../core/site.js';

/** The error code of a document that is not a well-formed feed (see the report: IMPORT_PARSE). */
const PARSE_ERROR: ErrorCode = 'ARTICLE_PARSE';

/** The three formats the importer reads. */
export type FeedFormat = 'rss2' | 'rdf' | 'atom';

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
  tags?: string[];
  images?: RawImage[];
  language?: string;
}

/** One mapped item: the raw article, the guid it keeps, its position in the feed. */
export interface ImportedItem {
  index: number;
  guid: string;
  raw: RawArticle;
}

/** An item that could not be mapped, and why. */
export interface SkippedItem {
  index: number;
  guid?: string;
  reason: string;
}

/** A parsed feed. */
export interface ParsedFeed {
  format: FeedFormat;
  title?: string;
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
}

// Namespaces, matched by URI (never by prefix).
const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rss1: ['http://purl.org/rss/1.0/', 'http://my.netscape.com/rdf/simple/0.9/'],
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  media: ['http://search.yahoo.com/mrss/', 'http://search.yahoo.com/mrss'],
  xml: 'http://www.w3.org/XML/1998/namespace',
  xhtml: 'http://www.w3.org/1999/xhtml',
} as const;

type Ns = string | readonly string[];

// ---------------------------------------------------------------------------------------------
// The document tree: xml2js's ordered output, reduced to what the mapping reads.

interface XAttr {
  uri: string;
  local: string;
  value: string;
}

interface XElement {
  uri: string;
  local: string;
  attrs: XAttr[];
  children: (XElement | string)[];
  /** The base URI in scope (xml:base resolved against its parent's). */
  base: string | undefined;
  /** The xml:lang in scope. */
  lang: string | undefined;
}

interface X2jsNode {
  '#name'?: string;
  _?: string;
  $?: Record<string, { value: string; local: string; uri: string }>;
  $ns?: { uri: string; local: string };
  $$?: X2jsNode[];
}

function resolveUrl(ref: string, base: string | undefined): string | undefined {
  const value = ref.trim();
  if (value === '') return undefined;
  try {
    const url = base === undefined ? new URL(value) : new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function convert(node: X2jsNode, parentBase: string | undefined, parentLang: string | undefined): XElement {
  const attrs: XAttr[] = Object.values(node.$ ?? {}).map((a) => ({ uri: a.uri, local: a.local, value: a.value }));
  let base = parentBase;
  let lang = parentLang;
  for (const a of attrs) {
    if (a.uri !== NS.xml) continue;
    if (a.local === 'base') base = resolveUrl(a.value, parentBase) ?? parentBase;
    else if (a.local === 'lang') lang = a.value.trim() === '' ? undefined : a.value.trim();
  }
  const children: (XElement | string)[] = [];
  for (const child of node.$$ ?? []) {
    if (child['#name'] === '__text__') children.push(child._ ?? '');
    else children.push(convert(child, base, lang));
  }
  return { uri: node.$ns?.uri ?? '', local: node.$ns?.local ?? node['#name'] ?? '', attrs, children, base, lang };
}

function inNs(uri: string, ns: Ns): boolean {
  return typeof ns === 'string' ? uri === ns : ns.includes(uri);
}

function isElement(c: XElement | string): c is XElement {
  return typeof c !== 'string';
}

/** The child elements of one name. */
function all(e: XElement, ns: Ns, local: string): XElement[] {
  return e.children.filter((c): c is XElement => isElement(c) && c.local === local && inNs(c.uri, ns));
}

function first(e: XElement, ns: Ns, local: string): XElement | undefined {
  return all(e, ns, local)[0];
}

/** All the text inside an element. */
function textOf(e: XElement): string {
  let s = '';
  for (const c of e.children) s += typeof c === 'string' ? c : textOf(c);
  return s;
}

/** The trimmed text of the first child of a name, or undefined when absent or blank. */
function childText(e: XElement, ns: Ns, local: string): string | undefined {
  for (const c of all(e, ns, local)) {
    const t = textOf(c).trim();
    if (t !== '') return t;
  }
  return undefined;
}

function attrOf(e: XElement, local: string, uri = ''): string | undefined {
  return e.attrs.find((a) => a.local === local && a.uri === uri)?.value;
}

// ---------------------------------------------------------------------------------------------
// Text and HTML.

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** Serialises Atom xhtml content (RFC 4287 §3.1.1.3) as HTML: namespace declarations dropped. */
function serializeXhtml(children: readonly (XElement | string)[]): string {
  let s = '';
  for (const c of children) {
    if (typeof c === 'string') {
      s += escapeHtmlText(c);
      continue;
    }
    const attrs = c.attrs.filter((a) => a.uri === '').map((a) => ` ${a.local}="${escapeHtmlAttr(a.value)}"`).join('');
    s += VOID.has(c.local) && c.children.length === 0 ? `<${c.local}${attrs}>` : `<${c.local}${attrs}>${serializeXhtml(c.children)}</${c.local}>`;
  }
  return s;
}

/**
 * Decodes HTML character references as the HTML standard does (§13.2.5.72–80): every named
 * reference, numeric ones with the windows-1252 fix-ups for 128–159 (entities' decodeHTML).
 */
export function decodeHtmlEntities(text: string): string {
  return decodeHTML(text);
}

// Elements whose start and end separate words; script and style are left out with their content.
const BLOCKS = new Set(['p', 'br', 'div', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr', 'td', 'th', 'table', 'blockquote', 'figure', 'figcaption', 'section', 'article', 'header', 'footer', 'pre', 'hr']);
const NOT_TEXT = new Set(['script', 'style', 'template']);

/** One line of plain text (plainLine), or '' when nothing in it is visible (hasVisibleText). */
function textLine(value: string): string {
  const line = plainLine(value);
  return hasVisibleText(line) ? line : '';
}

/**
 * The plain text of an HTML fragment as an HTML parser (htmlparser2) reads it: comments, scripts
 * and styles left out, references decoded, blocks separated, white space collapsed (plainLine).
 */
export function htmlToText(html: string): string {
  let text = '';
  let hidden = 0;
  const parser = new Parser({
    onopentag(name) {
      if (NOT_TEXT.has(name)) hidden += 1;
      else if (BLOCKS.has(name)) text += ' ';
    },
    onclosetag(name) {
      if (NOT_TEXT.has(name)) hidden = Math.max(0, hidden - 1);
      else if (BLOCKS.has(name)) text += ' ';
    },
    ontext(data) {
      if (hidden === 0) text += data;
    },
  });
  parser.end(html);
  return textLine(text);
}

/** Plain text as HTML paragraphs (a blank line separates them). */
function textToHtml(text: string): string {
  return text
    .trim()
    .split(/\n[ \t]*\n\s*/)
    .map((p) => `<p>${escapeHtmlText(p.trim())}</p>`)
    .join('\n');
}

const URL_ATTRIBUTES = new Set(['href', 'src', 'poster', 'cite', 'srcset']);
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/**
 * Makes every relative URL in the fragment's URL attributes (href, src, poster, cite, each srcset
 * candidate by the HTML grammar) absolute against `base` (an http(s) URL). The attributes are
 * found by an HTML parser (htmlparser2) and only the ones that change are rewritten, double-quoted
 * and escaped; every other byte stays as it was. Returns the fragment unchanged without a base.
 */
export function absolutizeHtml(html: string, base: string | undefined): string {
  if (base === undefined) return html;
  const fix = (ref: string): string => {
    const value = ref.trim();
    if (value === '' || value.startsWith('#') || SCHEME.test(value)) return ref;
    return resolveUrl(value, base) ?? ref;
  };
  const edits: { start: number; end: number; text: string }[] = [];
  const parser: Parser = new Parser({
    onattribute(name, value, quote) {
      if (!URL_ATTRIBUTES.has(name) || quote === undefined) return;
      let next: string;
      if (name === 'srcset') {
        const candidates = parseSrcset(value);
        const fixed = candidates.map((c) => ({ url: fix(c.url), descriptors: c.descriptors }));
        if (fixed.every((c, i) => c.url === candidates[i]?.url)) return;
        next = serializeSrcset(fixed);
      } else {
        next = fix(value);
        if (next === value) return;
      }
      // startIndex..endIndex is the whole attribute, from its name to the end of its value.
      edits.push({ start: parser.startIndex, end: parser.endIndex, text: `${name}="${escapeHtmlAttr(next)}"` });
    },
  });
  parser.end(html);
  let out = '';
  let pos = 0;
  for (const e of edits) {
    out += html.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return edits.length === 0 ? html : out + html.slice(pos);
}

/** An Atom text construct (RFC 4287 §3.1) as HTML or as text; undefined for out-of-line content. */
function atomText(e: XElement): { html: string } | { text: string } | undefined {
  const type = (attrOf(e, 'type') ?? 'text').trim().toLowerCase();
  if (attrOf(e, 'src') !== undefined) return undefined;
  if (type === 'xhtml') {
    const div = first(e, NS.xhtml, 'div');
    return { html: serializeXhtml(div ? div.children : e.children).trim() };
  }
  if (type === 'html' || type === 'text/html') return { html: textOf(e) };
  if (type === 'text' || type.startsWith('text/')) return { text: textOf(e) };
  if (type.endsWith('+xml') || type.endsWith('/xml')) return { html: serializeXhtml(e.children).trim() };
  return undefined; // base64 media: nothing an article can carry
}

function atomHtml(e: XElement | undefined): string | undefined {
  if (e === undefined) return undefined;
  const t = atomText(e);
  if (t === undefined) return undefined;
  const html = 'html' in t ? t.html : t.text.trim() === '' ? '' : textToHtml(t.text);
  return html.trim() === '' ? undefined : html;
}

function atomPlain(e: XElement | undefined): string | undefined {
  if (e === undefined) return undefined;
  const t = atomText(e);
  if (t === undefined) return undefined;
  const s = 'html' in t ? htmlToText(t.html) : textLine(t.text);
  return s === '' ? undefined : s;
}

// ---------------------------------------------------------------------------------------------
// Dates.

const ZONES: Record<string, string> = {
  GMT: '+00:00', UT: '+00:00', UTC: '+00:00', Z: '+00:00',
  EST: '-05:00', EDT: '-04:00', CST: '-06:00', CDT: '-05:00', MST: '-07:00', MDT: '-06:00', PST: '-08:00', PDT: '-07:00',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = /^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*$/i;
const RFC822 = /^(?:([A-Za-z]+)\s*,?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3,9})\.?[\s-]+(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*(?:([A-Za-z]{1,3})|([+-])(\d{2}):?(\d{2})))?(?:\s*\([^)]*\))?$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * Parses an RFC 822 date-time (RFC 2822 §3.3 and its obsolete forms as feeds write them) into an
 * RFC 3339 string with the same offset. Day names are optional and not checked against the date;
 * a two-digit year is 20yy below 50, else 19yy (RFC 2822 §4.3); without a zone the result has no
 * offset (a local time). Undefined when the text is not such a date or names one that does not exist.
 */
export function parseRfc822(value: string): string | undefined {
  const m = RFC822.exec(value.trim());
  if (!m) return undefined;
  const [, dayName, d, mon, y, h, mi, s = '00', zoneName, sign, zh, zm] = m;
  if (dayName !== undefined && !DAY_NAMES.test(dayName)) return undefined;
  const month = MONTHS.indexOf((mon ?? '').slice(0, 3).toLowerCase());
  if (month === -1) return undefined;
  let year = Number(y);
  if ((y ?? '').length === 2) year += year < 50 ? 2000 : 1900;
  const day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  if (hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  if (new Date(Date.UTC(year, month, day)).getUTCDate() !== day) return undefined;
  let offset = '';
  if (zoneName !== undefined) {
    const z = ZONES[zoneName.toUpperCase()];
    if (z === undefined) return undefined;
    offset = z;
  } else if (sign !== undefined) {
    if (Number(zh) > 23 || Number(zm) > 59) return undefined;
    offset = `${sign}${zh}:${zm}`;
  }
  return `${pad(year, 4)}-${pad(month + 1)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(Math.min(second, 59))}${offset}`;
}

/** A feed date as an RFC 3339 string: RFC 822 or W3C-DTF / RFC 3339, whichever parses. */
function feedDate(value: string, timeZone: string): string | undefined {
  const v = value.trim();
  const rfc822 = parseRfc822(v);
  if (rfc822 !== undefined && typeof parseDate(rfc822, timeZone) === 'number') return rfc822;
  return typeof parseDate(v, timeZone) === 'number' ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// People, tags, images.

const EMAIL = /^[^\s@<>()"]+@[^\s@<>()"]+$/;

function person(name: string | undefined, email: string | undefined, url: string | undefined): Person | undefined {
  const mail = email === undefined ? undefined : email.trim().replace(/^mailto:/i, '');
  const n = textLine(name ?? '') || (mail ?? '');
  if (n === '' || n.length > 500) return undefined;
  const p: Person = { name: n };
  if (mail !== undefined && EMAIL.test(mail) && plainLine(mail) === mail) p.email = mail;
  const u = url?.trim();
  if (u !== undefined && /^https?:\/\/[^\s]+$/i.test(u) && plainLine(u) === u) p.url = u;
  return p;
}

/** An RSS <author>: "email (Name)", "Name <email>", a bare address, or a name. */
export function parseRssAuthor(value: string): Person | undefined {
  const s = plainLine(value);
  let m = /^([^\s()<>]+@[^\s()<>]+)\s*\((.+)\)$/.exec(s);
  if (m) return person(m[2], m[1], undefined);
  m = /^(.+?)\s*<([^\s<>]+@[^\s<>]+)>$/.exec(s);
  if (m) return person(m[1], m[2], undefined);
  if (/^[^\s@]+@[^\s@]+$/.test(s)) return person(s, s, undefined);
  return person(s, undefined, undefined);
}

function addPerson(list: Person[], p: Person | undefined): void {
  if (p === undefined) return;
  const key = `${p.name.toLowerCase()}\u0000${(p.email ?? '').toLowerCase()}`;
  if (!list.some((q) => `${q.name.toLowerCase()}\u0000${(q.email ?? '').toLowerCase()}` === key)) list.push(p);
}

function atomPeople(e: XElement): Person[] {
  const out: Person[] = [];
  for (const a of all(e, NS.atom, 'author')) addPerson(out, person(childText(a, NS.atom, 'name'), childText(a, NS.atom, 'email'), childText(a, NS.atom, 'uri')));
  return out;
}

function addTag(list: string[], value: string | undefined): void {
  if (value === undefined) return;
  const t = textLine(value);
  if (t === '' || t.length > 200) return;
  if (!list.some((x) => x.toLowerCase() === t.toLowerCase())) list.push(t);
}

const MIME = /^[a-z]+\/[a-z0-9.+-]+$/;
const IMAGE_FILE = /\.(?:jpe?g|png|gif|webp|avif|svg)(?:[?#]|$)/i;

function mediaType(value: string | undefined): string | undefined {
  const t = value?.split(';')[0]?.trim().toLowerCase();
  return t !== undefined && MIME.test(t) ? t : undefined;
}

function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,15}\s*$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

class Images {
  readonly list: RawImage[] = [];

  constructor(private readonly base: string | undefined) {}

  add(url: string | undefined, fields: Omit<RawImage, 'url'>): void {
    const href = url === undefined ? undefined : resolveUrl(url, this.base);
    if (href === undefined) return;
    let image = this.list.find((i) => i.url === href);
    if (image === undefined) {
      image = { url: href };
      this.list.push(image);
    }
    for (const [k, v] of Object.entries(fields) as [keyof RawImage, string | number | undefined][]) {
      if (v !== undefined && v !== '' && image[k] === undefined) (image as unknown as Record<string, unknown>)[k] = v;
    }
  }
}

function isImage(type: string | undefined, medium: string | undefined, url: string | undefined): boolean {
  if (medium !== undefined && medium.trim() !== '') return medium.trim().toLowerCase() === 'image';
  if (type !== undefined) return type.startsWith('image/');
  return url !== undefined && IMAGE_FILE.test(url);
}

function mediaText(e: XElement | undefined): string | undefined {
  if (e === undefined) return undefined;
  const raw = textOf(e);
  const s = (attrOf(e, 'type') ?? '').trim().toLowerCase() === 'html' ? htmlToText(raw) : textLine(raw);
  return s === '' ? undefined : s;
}

/** The images of an item, in document order (see the rules at the top). */
function itemImages(item: XElement, base: string | undefined, atom: boolean): RawImage[] {
  const images = new Images(base);
  const media = (c: XElement, group: XElement | undefined) => {
    const url = attrOf(c, 'url');
    const type = mediaType(attrOf(c, 'type'));
    if (!isImage(type, attrOf(c, 'medium'), url)) return;
    const caption = mediaText(first(c, NS.media, 'description')) ?? (group && mediaText(first(group, NS.media, 'description')));
    const credit = mediaText(first(c, NS.media, 'credit')) ?? (group && mediaText(first(group, NS.media, 'credit')));
    images.add(url, { caption, credit, type, width: count(attrOf(c, 'width')), height: count(attrOf(c, 'height')), length: count(attrOf(c, 'fileSize')) });
  };
  for (const c of item.children) {
    if (!isElement(c)) continue;
    if (c.uri === '' && c.local === 'enclosure' && !atom) {
      const type = mediaType(attrOf(c, 'type'));
      if (isImage(type, undefined, attrOf(c, 'url'))) images.add(attrOf(c, 'url'), { type, length: count(attrOf(c, 'length')) });
    } else if (c.uri === NS.atom && c.local === 'link' && (attrOf(c, 'rel') ?? '').trim() === 'enclosure') {
      const type = mediaType(attrOf(c, 'type'));
      const href = attrOf(c, 'href');
      if (isImage(type, undefined, href)) images.add(href === undefined ? undefined : resolveUrl(href, c.base ?? base), { type, length: count(attrOf(c, 'length')) });
    } else if (inNs(c.uri, NS.media) && c.local === 'content') media(c, undefined);
    else if (inNs(c.uri, NS.media) && c.local === 'group') for (const m of all(c, NS.media, 'content')) media(m, c);
  }
  if (images.list.length === 0) {
    const thumbs = [...all(item, NS.media, 'thumbnail'), ...all(item, NS.media, 'group').flatMap((g) => all(g, NS.media, 'thumbnail'))];
    const t = thumbs[0];
    if (t) images.add(attrOf(t, 'url'), { width: count(attrOf(t, 'width')), height: count(attrOf(t, 'height')) });
  }
  return images.list;
}

// ---------------------------------------------------------------------------------------------
// Items.

/** What one item says, before the common rules make an article of it. */
interface Draft {
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
  images: RawImage[];
  language?: string;
}

/** The value, or undefined when nothing in it is visible (white space, zero-width characters). */
function nonBlank(s: string | undefined): string | undefined {
  return s === undefined || !hasVisibleText(s) ? undefined : s;
}

/** The dc: and content: fields RSS 2.0 and RDF items share. */
function rssLike(item: XElement, base: string | undefined, linkNs: Ns, channelLanguage: string | undefined, ownGuid: string | undefined, pubDate: string | undefined): Draft {
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
    images: itemImages(item, itemBase, false),
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
function atomAlternate(e: XElement): XElement | undefined {
  const links = all(e, NS.atom, 'link').filter((l) => ['', 'alternate'].includes((attrOf(l, 'rel') ?? '').trim()) && attrOf(l, 'href') !== undefined);
  return links.find((l) => /html/i.test(attrOf(l, 'type') ?? 'text/html')) ?? links[0];
}

function atomEntry(entry: XElement, feedAuthors: Person[], feedBase: string | undefined, docBase: string | undefined): Draft {
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
    images: itemImages(entry, itemBase, true),
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

/** `value` when it has a visible character, else `fallback`. */
function visibleOr(value: string | undefined, fallback: string | undefined): string | undefined {
  return value !== undefined && hasVisibleText(value) ? value : fallback;
}

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
  if (draft.tags.length > 0) raw.tags = draft.tags;
  if (draft.images.length > 0) raw.images = draft.images;
  const language = draft.language?.trim();
  if (language !== undefined && isLanguageTag(language) && language.toLowerCase() !== options.siteLanguage?.toLowerCase()) raw.language = language;
  return { raw };
}

/** Parses XML with xml2js into the ordered tree; throws PARSE_ERROR with the parser's message. */
async function parseTree(xml: string, baseUrl: string | undefined): Promise<XElement> {
  let doc: Record<string, X2jsNode> | null;
  try {
    doc = (await parseStringPromise(xml.replace(/^\uFEFF/, ''), {
      explicitChildren: true, preserveChildrenOrder: true, charsAsChildren: true, includeWhiteChars: true, xmlns: true, strict: true,
    })) as Record<string, X2jsNode> | null;
  } catch (err) {
    throw new FeedwrightError(PARSE_ERROR, `the feed is not well-formed XML: ${(err as Error).message.replace(/\s+/g, ' ').trim()}`, { cause: err });
  }
  const root = doc === null ? undefined : Object.values(doc)[0];
  if (root === undefined) throw new FeedwrightError(PARSE_ERROR, 'the feed is empty');
  return convert(root, baseUrl === undefined ? undefined : resolveUrl(baseUrl, undefined), undefined);
}

/** Reads an RSS 2.0, RSS 1.0/RDF or Atom 1.0 document and maps its items to raw articles. */
export async function parseFeed(xml: string, options: ParseFeedOptions): Promise<ParsedFeed> {
  const root = await parseTree(xml, options.baseUrl);
  let format: FeedFormat;
  let title: string | undefined;
  let drafts: Draft[];
  if (root.uri === '' && root.local === 'rss') {
    format = 'rss2';
    const channel = first(root, '', 'channel');
    if (channel === undefined) throw new FeedwrightError(PARSE_ERROR, 'the RSS document has no <channel>');
    title = childText(channel, '', 'title');
    const channelLink = childText(channel, '', 'link');
    const base = root.base ?? (channelLink === undefined ? undefined : resolveUrl(channelLink, undefined));
    const language = childText(channel, '', 'language') ?? childText(channel, NS.dc, 'language');
    drafts = all(channel, '', 'item').map((item) => rssLike(item, item.base ?? base, '', language, childText(item, '', 'guid'), childText(item, '', 'pubDate')));
  } else if (root.uri === NS.rdf && root.local === 'RDF') {
    format = 'rdf';
    const channel = first(root, NS.rss1, 'channel');
    title = channel === undefined ? undefined : childText(channel, NS.rss1, 'title');
    const channelLink = channel === undefined ? undefined : childText(channel, NS.rss1, 'link');
    const base = root.base ?? (channelLink === undefined ? undefined : resolveUrl(channelLink, undefined));
    const language = channel === undefined ? undefined : childText(channel, NS.dc, 'language');
    drafts = all(root, NS.rss1, 'item').map((item) => rssLike(item, item.base ?? base, NS.rss1, language, nonBlank(attrOf(item, 'about', NS.rdf))?.trim(), undefined));
  } else if (root.uri === NS.atom && root.local === 'feed') {
    format = 'atom';
    title = atomPlain(first(root, NS.atom, 'title'));
    const feedAuthors = atomPeople(root);
    const alt = atomAlternate(root);
    const feedBase = root.base ?? (alt === undefined ? undefined : resolveUrl(attrOf(alt, 'href') as string, undefined));
    const docBase = options.baseUrl === undefined ? undefined : resolveUrl(options.baseUrl, undefined);
    drafts = all(root, NS.atom, 'entry').map((entry) => atomEntry(entry, feedAuthors, feedBase, docBase));
  } else {
    throw new FeedwrightError(PARSE_ERROR, `the document is not an RSS 2.0, RSS 1.0/RDF or Atom 1.0 feed (its root element is <${root.local}>${root.uri === '' ? '' : ` in ${root.uri}`})`);
  }

  const items: ImportedItem[] = [];
  const skipped: SkippedItem[] = [];
  const seen = new Map<string, number>();
  drafts.forEach((draft, index) => {
    const result = finish(draft, options);
    const guid = itemGuid(draft);
    const skip = (reason: string) => skipped.push(guid === undefined ? { index, reason } : { index, guid, reason });
    if ('reason' in result) return skip(result.reason);
    const earlier = seen.get(result.raw.guid);
    // Items are numbered from 1 where people read them (the CLI prints index + 1).
    if (earlier !== undefined) return skip(`the same guid as item ${earlier + 1}`);
    const checked = validateArticle(result.raw, options.timeZone);
    if ('problems' in checked) return skip(`invalid article: ${checked.problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
    seen.set(result.raw.guid, index);
    items.push({ index, guid: result.raw.guid, raw: result.raw });
  });
  const feed: ParsedFeed = { format, items, skipped };
  const feedTitle = title === undefined || format === 'atom' ? title : htmlToText(title);
  if (feedTitle !== undefined && feedTitle !== '') feed.title = feedTitle;
  return feed;
}
