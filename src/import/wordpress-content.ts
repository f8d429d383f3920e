// WordPress content as an export or a feed carries it, made into plain HTML on import:
// shortcodes (WordPress Shortcode API: `[name attr="v"]`, `[name]…[/name]`, `[[name]]` for a
// literal) turned into elements, the "The post … appeared first on …" footer dropped, the
// paragraphs of classic-editor text (blank lines) made <p>s, and the lead image shown once.
// Pure: no I/O.
import { Parser } from 'htmlparser2';
import { decodeHTML } from 'entities';
import { escapeHtmlAttr, escapeHtmlText } from '../core/html-escape.js';
import type { ArticleEnclosure } from '../core/article.js';
import { typeFromFile } from './item-media.js';
import { htmlToText } from './html-text.js';
import { resolveUrl } from './xml-tree.js';

/** What cleaning a body did: the HTML, the media its shortcodes named, and what it could not carry. */
export interface CleanedBody {
  html: string;
  /** Audio and video of `[audio]` / `[video]`, in order (the importer adds them as enclosures). */
  enclosures: ArticleEnclosure[];
  /** One entry per thing left out or left as text, e.g. `unknown shortcode [contact-form]`. */
  notes: string[];
}

/** How to clean a body. */
export interface CleanOptions {
  /** The base for relative URLs in shortcode attributes. */
  base?: string;
  /** Keep the "appeared first on" footer (default: drop it). */
  keepFooter?: boolean;
  /** WXR attachments seen so far, by post id, for `[gallery ids="…"]`. */
  attachments?: ReadonlyMap<string, string>;
}

// A shortcode tag: name, attributes, self-closing slash. Names follow WordPress's
// get_shortcode_regex(): letters, digits, `_` and `-`, starting with a letter here (so "[1]" and
// "[sic]"-like text with a space are not tags unless they look like one).
const TAG = /\[(\[?)(\/?)([A-Za-z][A-Za-z0-9_-]*)((?:\s+[^\]]*?)?)\s*(\/?)\](\]?)/g;
const ATTR = /([A-Za-z_][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|"([^"]*)"|(\S+)/g;

/** Shortcode attributes (WordPress shortcode_parse_atts): name="v", name='v', name=v; bare values by position. */
export function parseShortcodeAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let position = 0;
  for (const m of text.matchAll(ATTR)) {
    const value = m[2] ?? m[3] ?? m[4];
    if (m[1] !== undefined && value !== undefined) out[m[1].toLowerCase()] = decodeHTML(value);
    else out[String(position++)] = decodeHTML(m[5] ?? m[6] ?? '');
  }
  return out;
}

const KNOWN = new Set(['caption', 'wp_caption', 'audio', 'video', 'embed', 'gallery', 'playlist']);

function url(value: string | undefined, base: string | undefined): string | undefined {
  return value === undefined ? undefined : resolveUrl(decodeHTML(value), base);
}

function count(value: string | undefined): string {
  return value !== undefined && /^\d{1,5}$/.test(value) ? value : '';
}

/** `[caption]<img …> Text[/caption]` (WordPress img_caption_shortcode) → <figure> + <figcaption>. */
function caption(attrs: Record<string, string>, inner: string): string {
  // The image (possibly inside a link) is the first element; the caption is what follows it.
  const m = /^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*<\/a>)?)([\s\S]*)$/i.exec(inner);
  const media = m ? m[1] : '';
  const text = (m ? m[2] : inner)?.trim() ?? '';
  const captionHtml = attrs.caption !== undefined ? escapeHtmlText(attrs.caption) : text;
  return `<figure>${media ?? ''}${captionHtml === '' ? '' : `<figcaption>${captionHtml}</figcaption>`}</figure>`;
}

const AUDIO_KEYS = ['src', 'mp3', 'm4a', 'ogg', 'wav', 'wma', 'flac'];
const VIDEO_KEYS = ['src', 'mp4', 'm4v', 'webm', 'ogv', 'wmv', 'flv'];

function media(kind: 'audio' | 'video', attrs: Record<string, string>, inner: string, options: CleanOptions, out: CleanedBody): string {
  const sources: ArticleEnclosure[] = [];
  for (const key of kind === 'audio' ? AUDIO_KEYS : VIDEO_KEYS) {
    const href = url(attrs[key], options.base);
    if (href === undefined) continue;
    const type = typeFromFile(href) ?? `${kind}/${key === 'src' ? 'mpeg' : key}`;
    if (!sources.some((s) => s.url === href)) sources.push({ url: href, type });
  }
  // [audio]https://…/file.mp3[/audio] is also allowed.
  const innerUrl = url(htmlToText(inner), options.base);
  if (sources.length === 0 && innerUrl !== undefined) sources.push({ url: innerUrl, type: typeFromFile(innerUrl) ?? `${kind}/mpeg` });
  if (sources.length === 0) {
    out.notes.push(`[${kind}] without a source`);
    return '';
  }
  out.enclosures.push(...sources);
  const size = kind === 'video' ? `${count(attrs.width) ? ` width="${count(attrs.width)}"` : ''}${count(attrs.height) ? ` height="${count(attrs.height)}"` : ''}` : '';
  const poster = kind === 'video' ? url(attrs.poster, options.base) : undefined;
  const posterAttr = poster === undefined ? '' : ` poster="${escapeHtmlAttr(poster)}"`;
  const inside = sources.map((s) => `<source src="${escapeHtmlAttr(s.url)}" type="${escapeHtmlAttr(s.type)}">`).join('');
  const fallback = `<a href="${escapeHtmlAttr(sources[0]?.url ?? '')}">${escapeHtmlText(sources[0]?.url ?? '')}</a>`;
  return `<${kind} controls${size}${posterAttr}>${inside}${fallback}</${kind}>`;
}

/** `[embed]URL[/embed]`: YouTube and Vimeo as their players (kept by the sanitiser's embedHosts), anything else as a link. */
function embed(inner: string, options: CleanOptions, out: CleanedBody): string {
  const href = url(htmlToText(inner), options.base);
  if (href === undefined) {
    out.notes.push('[embed] without a URL');
    return '';
  }
  const u = new URL(href);
  const youtube = /(^|\.)youtube\.com$/.test(u.hostname) ? u.searchParams.get('v') : u.hostname === 'youtu.be' ? u.pathname.slice(1) : null;
  if (youtube !== null && /^[\w-]{6,20}$/.test(youtube)) return `<iframe src="https://www.youtube-nocookie.com/embed/${youtube}" width="560" height="315" allowfullscreen></iframe>`;
  const vimeo = /(^|\.)vimeo\.com$/.test(u.hostname) ? /^\/(\d+)/.exec(u.pathname)?.[1] : undefined;
  if (vimeo !== undefined) return `<iframe src="https://player.vimeo.com/video/${vimeo}" width="640" height="360" allowfullscreen></iframe>`;
  return `<p><a href="${escapeHtmlAttr(href)}">${escapeHtmlText(href)}</a></p>`;
}

/** `[gallery ids="1,2"]`: the attachments known so far as <figure>s; unknown ids are noted. */
function gallery(attrs: Record<string, string>, options: CleanOptions, out: CleanedBody): string {
  const ids = (attrs.ids ?? attrs.include ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const images: string[] = [];
  for (const id of ids) {
    const src = options.attachments?.get(id);
    if (src === undefined) out.notes.push('[gallery] image not in the export');
    else images.push(`<figure><img src="${escapeHtmlAttr(src)}" alt=""></figure>`);
  }
  if (ids.length === 0) out.notes.push('[gallery] without ids (the post\'s attached images are not carried over)');
  return images.length === 0 ? '' : `<div class="gallery">${images.join('')}</div>`;
}

/**
 * Replaces WordPress shortcodes in a body: `[caption]` → <figure>/<figcaption>; `[audio]` and
 * `[video]` → HTML5 <audio>/<video> (their files also returned as enclosures); `[embed]` → a
 * player iframe (YouTube, Vimeo) or a link; `[gallery]` → the attachments' images; `[[x]]` →
 * the literal `[x]`. Other shortcodes stay as text and are noted as `unknown shortcode [name]`.
 */
export function replaceShortcodes(html: string, options: CleanOptions = {}): CleanedBody {
  const out: CleanedBody = { html: '', enclosures: [], notes: [] };
  out.html = replaceIn(html, options, out);
  return out;
}

function replaceIn(html: string, options: CleanOptions, out: CleanedBody): string {
  let result = '';
  let pos = 0;
  TAG.lastIndex = 0;
  const tags = [...html.matchAll(TAG)];
  for (let i = 0; i < tags.length; i += 1) {
    const m = tags[i] as RegExpMatchArray;
    const start = m.index as number;
    if (start < pos) continue;
    const [whole, open2 = '', closing, rawName = '', attrText = '', selfClose, close2 = ''] = m;
    const name = rawName.toLowerCase();
    if (closing === '/') continue; // a stray closing tag: left as text
    if (open2 === '[' && close2 === ']') {
      // [[name]] is how WordPress writes a literal shortcode.
      result += html.slice(pos, start) + whole.slice(1, -1);
      pos = start + whole.length;
      continue;
    }
    if (!KNOWN.has(name)) {
      out.notes.push(`unknown shortcode [${name}]`);
      continue;
    }
    const attrs = parseShortcodeAttributes(attrText);
    let end = start + whole.length;
    let inner = '';
    if (selfClose !== '/') {
      const closeTag = new RegExp(`\\[/${rawName.replace(/[-]/g, '\\-')}\\]`, 'i');
      const rest = html.slice(end);
      const c = closeTag.exec(rest);
      if (c) {
        inner = rest.slice(0, c.index);
        end += c.index + c[0].length;
      }
    }
    let replacement: string;
    if (name === 'caption' || name === 'wp_caption') replacement = caption(attrs, replaceIn(inner, options, out));
    else if (name === 'audio' || name === 'video') replacement = media(name, attrs, inner, options, out);
    else if (name === 'embed') replacement = embed(inner, options, out);
    else if (name === 'gallery') replacement = gallery(attrs, options, out);
    else {
      out.notes.push(`[${name}] (its media are not in the item)`);
      replacement = '';
    }
    result += html.slice(pos, start) + replacement;
    pos = end;
  }
  return result + html.slice(pos);
}

const FOOTER = /^\s*The post\b[\s\S]*\bappeared first on\b[\s\S]*$/i;

/**
 * Drops the footer WordPress SEO plugins (Yoast's RSS footer) append to feed items — a last
 * paragraph "The post <a>Title</a> appeared first on <a>Site</a>." — found by the paragraph's text
 * as an HTML parser reads it. Returns the body unchanged when its last paragraph is not one.
 */
export function dropFeedFooter(html: string): { html: string; dropped: boolean } {
  const trimmed = html.trimEnd();
  const start = trimmed.toLowerCase().lastIndexOf('<p');
  if (start === -1 || !/<\/p>$/i.test(trimmed)) return { html, dropped: false };
  const paragraph = trimmed.slice(start);
  if (!FOOTER.test(htmlToText(paragraph))) return { html, dropped: false };
  return { html: trimmed.slice(0, start).trimEnd(), dropped: true };
}

/**
 * WordPress's wpautop for classic-editor text, simplified: a body with no block element whose
 * text has blank lines becomes one <p> per blank-line-separated part (single line breaks → <br>).
 */
export function paragraphs(html: string): string {
  if (/<(?:p|div|figure|h[1-6]|ul|ol|table|blockquote|pre|!-- wp:)[\s>]/i.test(html) || !/\n\s*\n/.test(html)) return html;
  return html
    .trim()
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => (/^<(?:audio|video|iframe|figure|div)/i.test(p) ? p : `<p>${p.replace(/\n/g, '<br>\n')}</p>`))
    .join('\n');
}

/**
 * WordPress's copies of one upload: `photo-1024x683.jpg` is `photo.jpg` at another size, and
 * since WordPress 5.3 a large upload's original is kept as `photo-scaled.jpg` (or
 * `photo-rotated.jpg`), whose sizes are `photo-1024x683.jpg`; all of them are `photo.jpg` here.
 */
function withoutSizeSuffix(href: string): string {
  return href.replace(/(?:-\d{2,5}x\d{2,5}|-scaled|-rotated)+(\.[a-z0-9]+)(?=[?#]|$)/i, '$1');
}

/**
 * When an <img> of the body shows the lead image — the same URL, or one of WordPress's resized
 * copies of it (`-1024x683` before the extension) — its `src` becomes the lead image's URL, so
 * the rendered item shows the picture once (the lead figure is only added when no <img> of the
 * body shows it). Other bytes are kept as they were. `base` resolves relative `src`s.
 */
export function showLeadOnce(html: string, leadUrl: string, base: string | undefined): string {
  const lead = withoutSizeSuffix(leadUrl);
  let edit: { start: number; end: number } | undefined;
  let tag = '';
  const parser: Parser = new Parser({
    onopentagname(name) {
      tag = name;
    },
    onattribute(name, value) {
      if (edit !== undefined || tag !== 'img' || name !== 'src') return;
      const href = resolveUrl(value, base);
      if (href !== undefined && href !== leadUrl && withoutSizeSuffix(href) === lead) edit = { start: parser.startIndex, end: parser.endIndex };
    },
  });
  parser.end(html);
  if (edit === undefined) return html;
  return `${html.slice(0, edit.start)}src="${escapeHtmlAttr(leadUrl)}"${html.slice(edit.end)}`;
}
