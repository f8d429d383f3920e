// The HTML content of an item: the body with every relative URL made absolute for the serving
// origin, the lead image as a <figure>, and a plain-text summary. The body is split once into
// text and URL segments so that each origin's content is a join, not a re-parse.
import type { Article, ArticleImage } from './article.js';
import type { Origin } from './site.js';
import { cleanText } from './xml-escape.js';

/** Content prepared once per article version: literal text and site paths to prefix per origin. */
export type ContentTemplate = readonly (string | { path: string } | { schemeRelative: string })[];

// A start tag; quoted attribute values may hold '>' (HTML §13.2.5.36).
const TAG = /<[a-zA-Z][a-zA-Z0-9-]*(?:\s(?:[^<>"']|"[^"]*"|'[^']*')*)?\/?>/g;
const URL_ATTR = /(\s)(href|src|poster|cite|action|background|longdesc|srcset)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/gi;
const SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const BASE = 'https://site.invalid';

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', hellip: '…', mdash: '—', ndash: '–',
  lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”', laquo: '«', raquo: '»', copy: '©', reg: '®', zwnj: '\u200c', zwj: '\u200d',
};

/** Decodes numeric character references and the common named ones. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[ref] ?? whole;
  });
}

function escapeHtmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeHtmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
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
    return origins.some((o) => o.host === host) ? u.pathname + u.search + u.hash : undefined;
  } catch {
    return undefined;
  }
}

/** Splits one URL reference into literal text or a per-origin segment, resolved against the article. */
function urlSegment(raw: string, articlePath: string, origins: readonly Origin[]): string | { path: string } | { schemeRelative: string } {
  const value = decodeEntities(raw.trim());
  const own = sitePath(value, origins);
  if (own !== undefined) return { path: escapeHtmlAttr(own) };
  if (value === '' || SCHEME.test(value)) return escapeHtmlAttr(value);
  if (value.startsWith('//')) {
    const ownHost = sitePath(`https:${value}`, origins);
    return ownHost !== undefined ? { path: escapeHtmlAttr(ownHost) } : { schemeRelative: escapeHtmlAttr(value) };
  }
  try {
    const url = new URL(value, BASE + articlePath);
    if (url.origin !== BASE) return escapeHtmlAttr(url.href);
    return { path: escapeHtmlAttr(url.pathname + url.search + url.hash) };
  } catch {
    return escapeHtmlAttr(value);
  }
}

/**
 * Prepares an HTML fragment: every URL attribute inside a tag becomes a segment; relative URLs
 * and absolute ones on any of the site's origins are written for the serving origin.
 */
export function prepareHtml(html: string, articlePath: string, origins: readonly Origin[] = []): ContentTemplate {
  const out: (string | { path: string } | { schemeRelative: string })[] = [];
  let text = '';
  let last = 0;
  for (const tag of html.matchAll(TAG)) {
    const start = tag.index;
    text += html.slice(last, start);
    last = start + tag[0].length;
    const source = tag[0];
    let pos = 0;
    for (const a of source.matchAll(URL_ATTR)) {
      text += source.slice(pos, a.index) + `${a[1]}${a[2]}${a[3]}"`;
      pos = a.index + a[0].length;
      const raw = a[4] ?? a[5] ?? a[6] ?? '';
      const candidates = a[2]!.toLowerCase() === 'srcset' ? raw.split(',') : [raw];
      candidates.forEach((candidate, i) => {
        if (i > 0) text += ', ';
        const trimmed = candidate.trim();
        const space = a[2]!.toLowerCase() === 'srcset' ? trimmed.search(/\s/) : -1;
        const url = space === -1 ? trimmed : trimmed.slice(0, space);
        const seg = urlSegment(url, articlePath, origins);
        if (typeof seg === 'string') text += seg;
        else {
          out.push(text, seg);
          text = '';
        }
        if (space !== -1) text += trimmed.slice(space);
      });
      text += '"';
    }
    text += source.slice(pos);
  }
  text += html.slice(last);
  out.push(text);
  return out.filter((s) => s !== '');
}

/** Joins a template for one origin. */
export function renderTemplate(template: ContentTemplate, origin: Origin): string {
  let s = '';
  for (const part of template) {
    if (typeof part === 'string') s += part;
    else if ('path' in part) s += origin.href + part.path;
    else s += origin.protocol + part.schemeRelative;
  }
  return s;
}

/** The absolute URL of an image for one origin. */
export function imageUrl(image: ArticleImage, origin: Origin): string {
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

/** The <figure> for an image, as HTML with the URL left as a per-origin segment. */
function figure(image: ArticleImage): ContentTemplate {
  const caption = image.caption ?? '';
  const credit = image.credit ? (caption ? ` (${image.credit})` : image.credit) : '';
  const size = (image.width ? ` width="${image.width}"` : '') + (image.height ? ` height="${image.height}"` : '');
  const src = image.url.startsWith('/') ? [{ path: escapeHtmlAttr(image.url) }] : [escapeHtmlAttr(image.url)];
  const figcaption = caption || credit ? `<figcaption>${escapeHtmlText(caption + credit)}</figcaption>` : '';
  return ['<figure><img src="', ...src, `" alt="${escapeHtmlAttr(caption)}"${size}>${figcaption}</figure>`];
}

/** The content of an item: the lead image as a figure (unless the body shows it) and the body. */
export function prepareContent(article: Article, origins: readonly Origin[] = []): ContentTemplate {
  const body = prepareHtml(article.body, article.path, origins);
  const lead = article.images[0];
  if (lead === undefined || article.body.includes(lead.url)) return body;
  const own = sitePath(lead.url, origins);
  return [...figure(own === undefined ? lead : { ...lead, url: own }), ...body];
}

/** The plain text of an HTML fragment, with figures, captions, scripts and styles left out. */
function summaryText(html: string): string {
  // Decoded references may name characters XML forbids: clean again after decoding.
  return cleanText(
    decodeEntities(
      html
        .replace(/<(script|style|figure|figcaption|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
        .replace(/<\/(p|h[1-6]|li|div|blockquote|tr)\s*>|<br\s*\/?>/gi, ' ')
        .replace(/<(?:[^<>"']|"[^"]*"|'[^']*')*>/g, ''),
    ),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

/** The plain-text summary: the article's own, or the body's first words. */
export function summarize(article: Article, maxLength = 300): string {
  if (article.summary !== undefined) return article.summary;
  // The opening of the body is enough; a cut element or tag at its end is dropped, and the whole
  // body is read only when the opening gives too little text.
  const budget = maxLength * 12;
  let text: string | undefined;
  if (article.body.length > budget) {
    const head = summaryText(article.body.slice(0, budget).replace(/<(script|style|figure|figcaption|template)\b(?![\s\S]*<\/\1\s*>)[\s\S]*$/i, '').replace(/<[^>]*$/, ''));
    if (head.length > maxLength + 40) text = head;
  }
  text ??= summaryText(article.body);
  if (text.length <= maxLength) return text;
  // Never split a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(maxLength - 1)) ? maxLength - 1 : maxLength;
  const cut = text.slice(0, end);
  const space = cut.lastIndexOf(' ');
  return `${(space > maxLength / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.–—-]+$/, '')}…`;
}
