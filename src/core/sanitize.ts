// Article HTML made safe for every reader (design §4, issue 6): sanitize-html with an allow-list.
// Scripts, styles, event handlers, forms, javascript: URLs and iframes from hosts not on the
// site's embed list are removed; the structure a news article needs is kept.
//
// The sanitiser is the last step that writes markup. Whatever else needs the body (URLs made
// absolute per origin, the plain text of the summary, the images it shows) rides on the same
// parse through hooks; nothing edits the sanitised HTML afterwards except filling slots, which
// only ever sit inside a quoted attribute value (see sanitizeBodyParts).
import sanitizeHtml from 'sanitize-html';
import { decodeHTML } from 'entities';
import { parseSrcset, serializeSrcset } from './srcset.js';
import { cleanText } from './xml-escape.js';

/** The embed hosts allowed when site.json names none. */
export const DEFAULT_EMBED_HOSTS: readonly string[] = [
  'www.youtube.com',
  'www.youtube-nocookie.com',
  'player.vimeo.com',
  'www.dailymotion.com',
  'platform.twitter.com',
  'www.instagram.com',
  'open.spotify.com',
  'w.soundcloud.com',
];

/** The tags kept in article bodies; everything else is unwrapped (its text kept) or dropped. */
export const ALLOWED_TAGS: readonly string[] = [
  'p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'figure', 'figcaption', 'img', 'picture', 'source',
  'a', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'colgroup', 'col',
  'em', 'strong', 'b', 'i', 'u', 's', 'sub', 'sup', 'small', 'mark', 'code', 'pre', 'abbr', 'cite', 'q', 'time', 'span', 'div',
  'iframe', 'video', 'audio', 'track', 'details', 'summary',
];

/** The attributes kept per tag (`*`: on every kept tag); every other attribute is dropped. */
export const ALLOWED_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  '*': ['lang', 'dir', 'title'],
  a: ['href', 'name', 'rel', 'hreflang'],
  img: ['src', 'srcset', 'sizes', 'alt', 'width', 'height', 'loading'],
  source: ['src', 'srcset', 'sizes', 'type', 'media'],
  iframe: ['src', 'width', 'height', 'allowfullscreen', 'allow', 'loading'],
  video: ['src', 'poster', 'controls', 'width', 'height', 'preload', 'muted', 'loop', 'playsinline'],
  audio: ['src', 'controls', 'preload', 'loop', 'muted'],
  track: ['src', 'kind', 'srclang', 'label', 'default'],
  td: ['colspan', 'rowspan', 'headers'],
  th: ['colspan', 'rowspan', 'headers', 'scope'],
  col: ['span'],
  colgroup: ['span'],
  blockquote: ['cite'],
  q: ['cite'],
  time: ['datetime'],
  ol: ['start', 'reversed', 'type'],
};

/** The attributes that hold URLs (the ones the scheme check reads); `srcset` holds several. */
export const URL_ATTRIBUTES: readonly string[] = ['href', 'src', 'cite', 'poster', 'srcset'];

const cache = new Map<string, sanitizeHtml.IOptions>();

function optionsFor(embedHosts: readonly string[]): sanitizeHtml.IOptions {
  const key = embedHosts.join(' ');
  let options = cache.get(key);
  if (options === undefined) {
    options = {
      allowedTags: [...ALLOWED_TAGS],
      // Script, style and the like are dropped with their content, not unwrapped.
      nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'title'],
      allowedAttributes: Object.fromEntries(Object.entries(ALLOWED_ATTRIBUTES).map(([tag, list]) => [tag, [...list]])),
      allowedSchemes: ['http', 'https', 'mailto', 'tel'],
      // data: only for images (inline pictures), never for links or frames.
      allowedSchemesByTag: { img: ['http', 'https', 'data'], source: ['http', 'https', 'data'] },
      allowedSchemesAppliedToAttributes: [...URL_ATTRIBUTES],
      allowProtocolRelative: true,
      allowedIframeHostnames: [...embedHosts],
      allowIframeRelativeUrls: false,
      // An iframe whose source was refused is dropped whole rather than left empty.
      exclusiveFilter: (frame) => frame.tag === 'iframe' && !frame.attribs.src,
    };
    cache.set(key, options);
  }
  return options;
}

/**
 * Sanitises article HTML against the allow-list, with iframes only from `embedHosts`. Returns
 * HTML whose attribute values are double-quoted and escaped (`&`, `<`, `>`, `"`). Never throws.
 */
export function sanitizeBody(html: string, embedHosts: readonly string[] = DEFAULT_EMBED_HOSTS): string {
  // Without hooks there are no slots: the parts are the sanitised HTML.
  return sanitizeBodyParts(html, embedHosts, {}).join('');
}

/**
 * What a caller of {@link sanitizeBodyParts} sees of the one parse. All optional; names are
 * lower-case, values and text decoded (character references resolved).
 */
export interface BodyHooks {
  /**
   * One URL (an allowed URL attribute's value, or one srcset candidate's URL), on a tag the
   * allow-list keeps, before the scheme check. Return a string to have it written (the scheme
   * check applies to what is returned), or a slot number to leave a slot the caller fills per
   * output: the caller then vouches for that value (it must be an http(s) URL it escapes
   * itself). A slot number must be a whole number, else sanitizeBodyParts throws. Iframe `src`
   * never comes here: the embed-host check must read the real value.
   */
  url?(tag: string, attribute: string, value: string): string | number;
  /** A run of text the output keeps (inside script, style and the like nothing is kept). */
  text?(text: string): void;
  /** A start tag as the parser reads it, kept or not (balanced with closeTag). */
  openTag?(name: string): void;
  /** An end tag, explicit or implied (void elements close at once). */
  closeTag?(name: string): void;
}

/** The sanitised HTML cut at its slots: strings of HTML and slot numbers, in document order. */
export type SanitizedParts = (string | number)[];

// A slot is written into the sanitised HTML as U+FFFF, its number, U+FFFF. U+FFFF is a
// noncharacter that XML 1.0 forbids (§2.2), so it is dropped from every input (attribute values
// and text) before anything is written: in the output it can only be a slot mark we made. The
// hooks decide where slots go, and only URL values get them, so a slot always sits inside a
// double-quoted attribute value that the sanitiser wrote.
const MARK = '\uFFFF';

function stripSlotMarks(value: string): string {
  return value.includes(MARK) ? value.split(MARK).join('') : value;
}

// Decoded references can name characters XML forbids (&#1;, &#xFFFE;): they are dropped here, as
// design §4 asks of every format, so JSON content is as clean as RSS and Atom.
function cleanValue(value: string): string {
  return cleanText(stripSlotMarks(value));
}

// The URL attributes each kept tag may carry, but iframe src: the embed-host check reads it.
const URL_ATTRIBUTES_OF = new Map<string, ReadonlySet<string>>(
  ALLOWED_TAGS.map((tag) => {
    const allowed = [...(ALLOWED_ATTRIBUTES[tag] ?? []), ...(ALLOWED_ATTRIBUTES['*'] ?? [])];
    return [tag, new Set(URL_ATTRIBUTES.filter((a) => allowed.includes(a) && !(tag === 'iframe' && a === 'src')))];
  }),
);

/** Runs the URL hook over one attribute value (a srcset candidate by candidate). */
function rewriteUrl(tag: string, attribute: string, value: string, url: NonNullable<BodyHooks['url']>): string {
  const mark = (v: string): string => {
    const r = url(tag, attribute, v);
    if (typeof r === 'string') return stripSlotMarks(r);
    if (!Number.isSafeInteger(r) || r < 0) throw new Error(`sanitizeBodyParts: slot ${r} is not a whole number`);
    return `${MARK}${r}${MARK}`;
  };
  if (attribute !== 'srcset') return mark(value);
  return serializeSrcset(parseSrcset(value).map((c) => ({ url: mark(c.url), descriptors: c.descriptors })));
}

/**
 * Sanitises article HTML exactly as {@link sanitizeBody} does, in the same single parse letting
 * `hooks` rewrite URLs into slots and observe text and tags. Returns the output cut at its
 * slots; joining it with each slot's (escaped) value gives well-formed sanitised HTML. Throws an
 * Error when a hook returns a slot that is not a whole number (or, a bug here, when the output's
 * slot marks are malformed); hooks' own errors propagate.
 */
export function sanitizeBodyParts(html: string, embedHosts: readonly string[], hooks: BodyHooks): SanitizedParts {
  const base = optionsFor(embedHosts);
  const { url, text, openTag, closeTag } = hooks;
  const options: sanitizeHtml.IOptions = {
    ...base,
    transformTags: {
      '*': (tagName, attribs) => {
        const urls = url === undefined ? undefined : URL_ATTRIBUTES_OF.get(tagName);
        for (const name of Object.keys(attribs)) {
          const value = cleanValue(attribs[name] as string);
          attribs[name] = urls !== undefined && urls.has(name) ? rewriteUrl(tagName, name, value, url!) : value;
        }
        return { tagName, attribs };
      },
    },
    // sanitize-html hands over text already escaped (&, <, >); the hook gets it decoded.
    textFilter: (escaped) => {
      const clean = cleanValue(escaped);
      if (text !== undefined) text(decodeHTML(clean));
      return clean;
    },
  };
  if (openTag !== undefined) options.onOpenTag = (name) => openTag(name);
  if (closeTag !== undefined) options.onCloseTag = (name) => closeTag(name);
  const out = sanitizeHtml(html, options);
  if (!out.includes(MARK)) return [out];
  const pieces = out.split(MARK);
  const parts: SanitizedParts = [];
  for (let i = 0; i < pieces.length; i += 1) {
    const piece = pieces[i] as string;
    if (i % 2 === 0) {
      if (piece !== '') parts.push(piece);
    } else if (i + 1 < pieces.length && String(Number(piece)) === piece) {
      parts.push(Number(piece));
    } else {
      throw new Error('sanitizeBodyParts: a slot mark in the output is malformed');
    }
  }
  return parts;
}
