// Text and HTML of imported items: character references decoded (entities), HTML read as text
// (htmlparser2), Atom text constructs (RFC 4287 §3.1), relative URLs made absolute.
import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';
import { escapeHtmlAttr, escapeHtmlText } from '../core/html-escape.js';
import { hasVisibleText, plainLine } from '../core/plain-text.js';
import { parseSrcset, serializeSrcset } from '../core/srcset.js';
import { attrOf, first, NS, resolveUrl, textOf, type XElement } from './xml-tree.js';

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** Serialises Atom xhtml content (RFC 4287 §3.1.1.3) as HTML: namespace declarations dropped. */
export function serializeXhtml(children: readonly (XElement | string)[]): string {
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
export function textLine(value: string): string {
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
export function textToHtml(text: string): string {
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
export function atomText(e: XElement): { html: string } | { text: string } | undefined {
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

/** An Atom text construct (RFC 4287 §3.1) as HTML (text escaped into <p>s); undefined when absent, blank or out-of-line. */
export function atomHtml(e: XElement | undefined): string | undefined {
  if (e === undefined) return undefined;
  const t = atomText(e);
  if (t === undefined) return undefined;
  const html = 'html' in t ? t.html : t.text.trim() === '' ? '' : textToHtml(t.text);
  return html.trim() === '' ? undefined : html;
}

/** An Atom text construct (RFC 4287 §3.1) as one line of plain text; undefined when absent, blank or out-of-line. */
export function atomPlain(e: XElement | undefined): string | undefined {
  if (e === undefined) return undefined;
  const t = atomText(e);
  if (t === undefined) return undefined;
  const s = 'html' in t ? htmlToText(t.html) : textLine(t.text);
  return s === '' ? undefined : s;
}
