// The HTML content of an item: the body sanitised with every relative URL made absolute for the
// serving origin, the lead image as a <figure>, and a plain-text summary. One parse per article
// (the sanitiser's, see sanitize.ts) yields a template of HTML text and per-origin URL slots, the
// body's plain text and the images it shows; each origin's content is then a join, not a parse.
import { escapeHtmlAttr, escapeHtmlText } from './html-escape.js';
import type { Article, ArticleImage } from './article.js';
import { DEFAULT_EMBED_HOSTS, sanitizeBodyParts } from './sanitize.js';
import type { Origin } from './site.js';
import { cleanText } from './xml-escape.js';

/**
 * Content prepared once per article version: HTML text, and the site paths (or scheme-relative
 * URLs) to write for each origin. Every non-string part sits inside a double-quoted attribute
 * value and is already escaped for it.
 */
export type ContentTemplate = readonly (string | { path: string } | { schemeRelative: string })[];

const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const BASE = 'https://site.invalid';

/**
 * Path, query and fragment of an http(s) URL exactly as its href writes them. Unlike
 * pathname + search + hash, an empty query or fragment (`/p,#`) is kept: dropping it could leave a
 * srcset URL ending in a comma, which the srcset grammar strips (HTML §4.8.4.3.10).
 */
function pathOf(url: URL): string {
  return url.href.slice(url.origin.length);
}

/**
 * The site path of an absolute URL on one of the site's own origins (any of them, any case,
 * default port or not), so it can be rewritten for the serving origin; undefined otherwise.
 */
export function sitePath(url: string, origins: readonly Origin[]): string | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    const u = new URL(url);
    const host = u.host.toLowerCase();
    return origins.some((o) => o.host === host) ? pathOf(u) : undefined;
  } catch {
    return undefined;
  }
}

/** Where a URL of the body points: a site path, a scheme-relative URL, or any other URL as is. */
export type BodyUrl = string | { path: string } | { schemeRelative: string };

/**
 * Resolves one URL as written in the body (decoded; surrounding white space ignored, HTML
 * §2.5.2) against the article's path: relative URLs and absolute ones on any of the site's
 * origins become site paths, scheme-relative ones to other hosts stay scheme-relative, anything
 * else (mailto:, other hosts, unparseable) is returned as a string. Never throws.
 */
export function resolveBodyUrl(raw: string, articlePath: string, origins: readonly Origin[]): BodyUrl {
  const value = raw.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '');
  const own = sitePath(value, origins);
  if (own !== undefined) return { path: own };
  if (value === '' || SCHEME.test(value)) return value;
  if (value.startsWith('//')) {
    const ownHost = sitePath(`https:${value}`, origins);
    if (ownHost !== undefined) return { path: ownHost };
    return URL.canParse(`https:${value}`) ? { schemeRelative: value } : value;
  }
  try {
    const url = new URL(value, BASE + articlePath);
    return url.origin === BASE ? { path: pathOf(url) } : url.href;
  } catch {
    return value;
  }
}

/** A comparable form of an image URL: its site path, else its absolute URL. */
function imageKeys(url: BodyUrl): string[] {
  if (typeof url !== 'string') return 'path' in url ? [url.path] : [`https:${url.schemeRelative}`, `http:${url.schemeRelative}`].map(absolute);
  return [absolute(url)];
}

function absolute(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/** A body prepared once: its template, its plain text, and the image URLs its <img>s show. */
export interface PreparedBody {
  template: ContentTemplate;
  /** The text a reader sees, figures and captions left out; blocks end with a space. Raw: not yet cleaned or collapsed. */
  text: string;
  /** Every <img> src and srcset URL, as site paths (own) or absolute URLs (others). */
  images: ReadonlySet<string>;
}

// Text that is not the article's prose: left out of the summary.
const NOT_PROSE = new Set(['figure', 'figcaption', 'iframe']);
// Elements whose end separates words (CSS display: block and the like).
const BREAKS = new Set(['p', 'div', 'li', 'dt', 'dd', 'blockquote', 'pre', 'tr', 'td', 'th', 'caption', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'ol', 'dl', 'table']);

/**
 * Sanitises an HTML fragment and prepares it in the same parse: every URL attribute (href, src,
 * cite, poster, each srcset candidate) that is relative or on one of the site's origins becomes
 * a per-origin slot; the text and the images shown are collected on the way. Never throws.
 */
export function prepareBody(html: string, articlePath: string, origins: readonly Origin[] = [], embedHosts: readonly string[] = DEFAULT_EMBED_HOSTS): PreparedBody {
  const slots: ({ path: string } | { schemeRelative: string })[] = [];
  const images = new Set<string>();
  let text = '';
  let hidden = 0;
  const parts = sanitizeBodyParts(html, embedHosts, {
    url(tag, _attribute, value) {
      const url = resolveBodyUrl(value, articlePath, origins);
      if (tag === 'img') for (const key of imageKeys(url)) images.add(key);
      if (typeof url === 'string') return url;
      slots.push('path' in url ? { path: escapeHtmlAttr(url.path) } : { schemeRelative: escapeHtmlAttr(url.schemeRelative) });
      return slots.length - 1;
    },
    text(t) {
      if (hidden === 0) text += t;
    },
    openTag(name) {
      if (NOT_PROSE.has(name)) hidden += 1;
      else if (name === 'br' || name === 'hr') text += ' ';
    },
    closeTag(name) {
      if (NOT_PROSE.has(name)) hidden = Math.max(0, hidden - 1);
      else if (BREAKS.has(name)) text += ' ';
    },
  });
  const template = parts.map((p) => (typeof p === 'number' ? (slots[p] as { path: string } | { schemeRelative: string }) : p));
  return { template, text, images };
}

/**
 * Sanitises and prepares an HTML fragment (see {@link prepareBody}) and returns its template
 * only: relative URLs and absolute ones on any of the site's origins are written per origin.
 */
export function prepareHtml(html: string, articlePath: string, origins: readonly Origin[] = [], embedHosts: readonly string[] = DEFAULT_EMBED_HOSTS): ContentTemplate {
  return prepareBody(html, articlePath, origins, embedHosts).template;
}

// The origin's href escaped for an attribute value, once per origin object.
const escapedHrefs = new WeakMap<Origin, string>();

/**
 * Joins a template for one origin: each slot gets the origin's href (escaped, so even a strange
 * configured origin cannot leave the attribute value) or its scheme. No parse; never throws.
 */
export function renderTemplate(template: ContentTemplate, origin: Origin): string {
  let href = escapedHrefs.get(origin);
  if (href === undefined) escapedHrefs.set(origin, (href = escapeHtmlAttr(origin.href)));
  return join(template, href, origin.protocol);
}

function join(template: ContentTemplate, href: string, protocol: string): string {
  let s = '';
  for (const part of template) {
    if (typeof part === 'string') s += part;
    else if ('path' in part) s += href + part.path;
    else s += protocol + part.schemeRelative;
  }
  return s;
}

/** The absolute URL of an image or enclosure (design §3: `url` may be a site path) for one origin. */
export function imageUrl(image: { url: string }, origin: Origin): string {
  return image.url.startsWith('/') ? origin.href + image.url : image.url;
}

const TYPES_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', svg: 'image/svg+xml',
};

/** The media type of an image: its own, else from its file extension, else image/jpeg. */
export function imageType(image: ArticleImage): string {
  if (image.type) return image.type;
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(image.url)?.[1]?.toLowerCase();
  return (ext && TYPES_BY_EXTENSION[ext]) || 'image/jpeg';
}

/**
 * The Media RSS `medium` of a media type (Media RSS 1.5.1, media:content): image, audio, video,
 * document (PDF, text) or undefined for anything else.
 */
export function mediumOf(type: string): 'image' | 'audio' | 'video' | 'document' | undefined {
  const major = type.split('/')[0];
  if (major === 'image' || major === 'audio' || major === 'video') return major;
  return type === 'application/pdf' || major === 'text' ? 'document' : undefined;
}

/** The <figure> for an image, as HTML with the URL left as a per-origin segment. */
function figure(image: ArticleImage): ContentTemplate {
  const caption = image.caption ?? '';
  const credit = image.credit ? (caption ? ` (${image.credit})` : image.credit) : '';
  const size = (image.width ? ` width="${image.width}"` : '') + (image.height ? ` height="${image.height}"` : '');
  const src = image.url.startsWith('/') ? [{ path: escapeHtmlAttr(image.url) }] : [escapeHtmlAttr(image.url)];
  const figcaption = caption || credit ? `<figcaption>${escapeHtmlText(caption + credit)}</figcaption>` : '';
  return ['<figure><img src="', ...src, `" alt="${escapeHtmlAttr(caption)}"${size}>${figcaption}</figure>`];
}

/** What an article's content becomes once prepared (see {@link prepareContent}). */
export interface PreparedContent {
  /** The item's HTML: the lead figure (unless the body shows the lead image), then the body. */
  content: ContentTemplate;
  /** The sanitised body with own URLs as site paths: what the body is once made safe. */
  body: string;
  /** The body's plain text, not yet cleaned or collapsed (see {@link summaryOf}). */
  text: string;
}

/**
 * Prepares an article's content in one parse of its body: sanitised (with iframes only from
 * `embedHosts`), URLs per origin, the lead image as a figure when no <img> of the body shows
 * it already, and the text for the summary. Never throws.
 */
export function prepareContent(article: Article, origins: readonly Origin[] = [], embedHosts: readonly string[] = DEFAULT_EMBED_HOSTS): PreparedContent {
  const body = prepareBody(article.body, article.path, origins, embedHosts);
  // Slots joined with no origin: site paths and scheme-relative URLs, as a site would write them.
  const clean = join(body.template, '', '');
  const lead = article.images[0];
  if (lead === undefined) return { content: body.template, body: clean, text: body.text };
  const own = lead.url.startsWith('/') ? lead.url : sitePath(lead.url, origins);
  if (body.images.has(own ?? lead.url)) return { content: body.template, body: clean, text: body.text };
  return { content: [...figure(own === undefined ? lead : { ...lead, url: own }), ...body.template], body: clean, text: body.text };
}

// Decoded references may name characters XML forbids: clean after decoding.
function plainText(text: string): string {
  return cleanText(text).replace(/\s+/g, ' ').trim();
}

/**
 * A plain-text summary of at most `maxLength` UTF-16 units from a body's text (as collected by
 * {@link prepareBody}): characters XML forbids dropped, white space collapsed, cut at a word
 * with an ellipsis, never inside a surrogate pair.
 */
export function summaryOf(text: string, maxLength = 300): string {
  // Cleaning and collapsing are local, so when a prefix already gives more than maxLength + 1
  // characters, its first maxLength + 1 are those of the whole text: only they decide the result.
  const prefix = text.length > maxLength * 4 ? plainText(text.slice(0, maxLength * 4)) : '';
  const plain = prefix.length > maxLength + 1 ? prefix : plainText(text);
  if (plain.length <= maxLength) return plain;
  const end = /[\uD800-\uDBFF]/.test(plain.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  const cut = plain.slice(0, end);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxLength / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}

/**
 * The plain-text summary: the article's own, or the first words of the body's text (the body
 * parsed and sanitised as for the content, figures and captions left out). Never throws.
 */
export function summarize(article: Article, maxLength = 300): string {
  if (article.summary !== undefined) return article.summary;
  return summaryOf(prepareBody(article.body, article.path).text, maxLength);
}
