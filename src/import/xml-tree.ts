// The importer's view of XML: a small element tree (namespaces resolved, xml:base and xml:lang in
// scope) built by a streaming parser (saxes), one item at a time. A feed's items (RSS/WXR
// `channel/item`, RDF `item`, Atom `entry`) are handed out as they close and never kept, so a
// 200 MB export is read in the memory of one item plus the channel's own elements.
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { FeedwrightError } from '../core/errors.js';
import { XmlFaultScanner } from './xml-faults.js';

// Namespaces, matched by URI (never by prefix).
export const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  rss1: ['http://purl.org/rss/1.0/', 'http://my.netscape.com/rdf/simple/0.9/'],
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
  dcterms: 'http://purl.org/dc/terms/',
  media: ['http://search.yahoo.com/mrss/', 'http://search.yahoo.com/mrss'],
  itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd',
  excerpt: ['http://wordpress.org/export/1.0/excerpt/', 'http://wordpress.org/export/1.1/excerpt/', 'http://wordpress.org/export/1.2/excerpt/'],
  /** WordPress eXtended RSS (WXR), every version WordPress has written. */
  wp: ['http://wordpress.org/export/1.0/', 'http://wordpress.org/export/1.1/', 'http://wordpress.org/export/1.2/'],
  xml: 'http://www.w3.org/XML/1998/namespace',
  xhtml: 'http://www.w3.org/1999/xhtml',
} as const;

export type Ns = string | readonly string[];

/** One attribute: namespace URI ('' for none), local name, value. */
export interface XAttr {
  uri: string;
  local: string;
  value: string;
}

/** One element: its name, attributes, children (elements and text) and the scope it is in. */
export interface XElement {
  uri: string;
  local: string;
  attrs: XAttr[];
  children: (XElement | string)[];
  /** The base URI in scope (xml:base resolved against its parent's). */
  base: string | undefined;
  /** The xml:lang in scope. */
  lang: string | undefined;
  /** The 1-based line the element starts on (for messages). */
  line: number;
}

/**
 * A copy of a string that shares no memory with the text it was cut from. Strings from the
 * parser are slices of a whole chunk (V8 keeps the 256 KB chunk alive while a slice lives), so
 * whatever outlives its item (a guid remembered for duplicates, a skip's reason) is detached.
 */
export function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** An http(s) URL resolved against a base, or undefined (empty, unparseable, another scheme). */
export function resolveUrl(ref: string, base: string | undefined): string | undefined {
  const value = ref.trim();
  if (value === '') return undefined;
  try {
    const url = base === undefined ? new URL(value) : new URL(value, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** True when the namespace URI is the one given (or one of the list). */
export function inNs(uri: string, ns: Ns): boolean {
  return typeof ns === 'string' ? uri === ns : ns.includes(uri);
}

/** True for an element child (not text). */
export function isElement(c: XElement | string): c is XElement {
  return typeof c !== 'string';
}

/** The child elements of one name. */
export function all(e: XElement, ns: Ns, local: string): XElement[] {
  return e.children.filter((c): c is XElement => isElement(c) && c.local === local && inNs(c.uri, ns));
}

/** The first child element of one name, or undefined. */
export function first(e: XElement, ns: Ns, local: string): XElement | undefined {
  return all(e, ns, local)[0];
}

/** All the text inside an element. */
export function textOf(e: XElement): string {
  let s = '';
  for (const c of e.children) s += typeof c === 'string' ? c : textOf(c);
  return s;
}

/** The trimmed text of the first child of a name, or undefined when absent or blank. */
export function childText(e: XElement, ns: Ns, local: string): string | undefined {
  for (const c of all(e, ns, local)) {
    const t = textOf(c).trim();
    if (t !== '') return t;
  }
  return undefined;
}

/** An attribute's value by local name and namespace URI ('' for none), or undefined. */
export function attrOf(e: XElement, local: string, uri = ''): string | undefined {
  return e.attrs.find((a) => a.local === local && a.uri === uri)?.value;
}

/** Is this element, under this parent, one item of a feed (RSS/WXR item, RDF item, Atom entry)? */
function isItem(e: XElement, parent: XElement | undefined, root: XElement | undefined): boolean {
  if (parent === undefined || root === undefined) return false;
  if (e.uri === '' && e.local === 'item') return parent.uri === '' && parent.local === 'channel' && root.local === 'rss';
  if (inNs(e.uri, NS.rss1) && e.local === 'item') return parent === root && root.uri === NS.rdf;
  if (e.uri === NS.atom && e.local === 'entry') return parent === root && root.uri === NS.atom && root.local === 'feed';
  return false;
}

/**
 * Reads one XML document in chunks (saxes: well-formedness and namespaces per XML 1.0 and
 * Namespaces in XML 1.0) and hands out each item as it closes. The root keeps every other
 * element (an RSS channel's title, link, WXR authors and categories), so the mapping can read
 * them; text directly inside the root or an RSS channel is dropped. `write` and `close` return
 * the items completed by that call; they throw a FeedwrightError `ARTICLE_PARSE` naming the
 * file, line and column (1-based) of the first well-formedness error.
 */
export class FeedTreeReader {
  /** The document element, once it has opened. */
  root: XElement | undefined;
  /** An RSS document's <channel>, once it has opened (still open while its items are read). */
  channel: XElement | undefined;
  private readonly parser: SaxesParser<{ xmlns: true; position: true }>;
  private readonly stack: XElement[] = [];
  private readonly itemFlags: boolean[] = [];
  private done: XElement[] = [];
  private error: FeedwrightError | undefined;
  /** Faults saxes finds late (a bare `&`, an undefined entity, a `<` in text), found at their first character. */
  private readonly scanner = new XmlFaultScanner();
  /** The open elements' qualified names and where their start tags begin (1-based). */
  private readonly openTags: { name: string; line: number; column: number }[] = [];
  /** The end of the previous chunk and the current one, and the document offset of its start. */
  private window = '';
  private windowStart = 0;
  /** Characters handed to the scanner, and to saxes, so far; whether saxes is inside write(). */
  private written = 0;
  private fed = 0;
  private writing = false;
  /** The open element saxes closed last: an end tag that matches none closes elements first. */
  private lastClosed: { name: string; line: number; column: number } | undefined;

  constructor(private readonly fileName: string, private readonly baseUrl: string | undefined) {
    this.parser = new SaxesParser({ xmlns: true, position: true });
    this.parser.on('error', (err) => this.saxesError(err.message.replace(/^\d+:\d+: /, '')));
    this.parser.on('opentag', (tag) => this.open(tag as SaxesTagNS));
    this.parser.on('closetag', () => this.close_());
    this.parser.on('text', (t) => this.text(t));
    this.parser.on('cdata', (t) => this.text(t));
  }

  /**
   * The 1-based line and column of document offset `at`, counted back from where saxes is now
   * (saxes counts lines as XML does: \n, \r\n and \r each end one). Columns are UTF-16 code units.
   */
  private placeAt(at: number): { line: number; column: number } {
    const p = this.position();
    const here = { line: this.parser.line, column: this.parser.column + 1 };
    if (at >= p) return here;
    const w = this.window;
    const a = at - this.windowStart;
    const b = p - this.windowStart;
    if (a < 0 || b > w.length) return here;
    let breaks = 0;
    for (let i = a; i < b; i += 1) {
      const c = w.charCodeAt(i);
      if (c === 10 || (c === 13 && w.charCodeAt(i + 1) !== 10)) breaks += 1;
    }
    if (breaks === 0) return { line: here.line, column: here.column - (b - a) };
    let start = a;
    while (start > 0 && w[start - 1] !== '\n' && w[start - 1] !== '\r') start -= 1;
    return { line: here.line - breaks, column: a - start + 1 };
  }

  /**
   * The document offset saxes has read to. Its `position` is right only inside write(); between
   * calls it is what was handed over, less a trailing \r or high surrogate it holds back.
   */
  private position(): number {
    if (this.writing) return this.parser.position;
    const last = this.window.charCodeAt(this.fed - 1 - this.windowStart);
    return this.fed - (last === 13 || (last >= 0xd800 && last <= 0xdbff) ? 1 : 0);
  }

  /** Hands text to saxes. */
  private feed(text: string): void {
    this.writing = true;
    try {
      this.parser.write(text);
    } finally {
      this.writing = false;
      this.fed += text.length;
    }
  }

  /** Records the first well-formedness error, at `place`. */
  private fail(place: { line: number; column: number }, reason: string): void {
    this.error ??= new FeedwrightError('ARTICLE_PARSE', `${this.fileName}: line ${place.line}, column ${place.column}: the feed is not well-formed XML: ${reason}`, { file: this.fileName });
  }

  /**
   * A saxes error, placed at the character that broke the document (saxes stands just after
   * it): an end tag that does not match at its `</`, naming the open element and where it
   * began; an element the end of the document leaves open at its start tag.
   */
  private saxesError(message: string): void {
    if (this.error !== undefined) return;
    const top = /^unexpected close tag/.test(message) ? this.lastClosed : this.openTags[this.openTags.length - 1];
    if (/^(unexpected close tag|unmatched closing tag)/.test(message)) {
      const idx = this.window.lastIndexOf('</', this.position() - 1 - this.windowStart);
      if (idx >= 0) {
        const name = /^<\/([^\s>]*)/.exec(this.window.slice(idx, idx + 300))?.[1] ?? '';
        const opened = top === undefined ? 'closes no open element' : `does not match the open <${top.name}> (line ${top.line}, column ${top.column})`;
        this.fail(this.placeAt(this.windowStart + idx), `the end tag </${name}> ${opened}`);
        return;
      }
    }
    if (/^unclosed tag/.test(message) && top !== undefined) {
      this.fail(top, `<${top.name}> is never closed (the document ends at line ${this.parser.line})`);
      return;
    }
    this.fail({ line: this.parser.line, column: Math.max(1, this.parser.column) }, message);
  }

  /** The current 1-based line (for messages about an item just read). */
  get line(): number {
    return this.parser.line;
  }

  private open(tag: SaxesTagNS): void {
    const parent = this.stack[this.stack.length - 1];
    const attrs: XAttr[] = Object.values(tag.attributes).filter((a) => a.prefix !== 'xmlns' && a.name !== 'xmlns').map((a) => ({ uri: a.uri, local: a.local, value: a.value }));
    let base = parent === undefined ? (this.baseUrl === undefined ? undefined : resolveUrl(this.baseUrl, undefined)) : parent.base;
    let lang = parent?.lang;
    for (const a of attrs) {
      if (a.uri !== NS.xml) continue;
      if (a.local === 'base') base = resolveUrl(a.value, base) ?? base;
      else if (a.local === 'lang') lang = a.value.trim() === '' ? undefined : a.value.trim();
    }
    const e: XElement = { uri: tag.uri, local: tag.local, attrs, children: [], base, lang, line: this.parser.line };
    const lt = this.window.lastIndexOf('<', this.position() - 1 - this.windowStart);
    this.openTags.push({ name: tag.name, ...(lt >= 0 ? this.placeAt(this.windowStart + lt) : { line: this.parser.line, column: 1 }) });
    if (parent === undefined) this.root ??= e;
    else if (parent === this.root && e.uri === '' && e.local === 'channel') this.channel ??= e;
    this.itemFlags.push(isItem(e, parent, this.root));
    this.stack.push(e);
  }

  private close_(): void {
    this.lastClosed = this.openTags.pop();
    const e = this.stack.pop();
    const item = this.itemFlags.pop();
    if (e === undefined) return;
    if (item) this.done.push(e);
    else this.stack[this.stack.length - 1]?.children.push(e);
  }

  private text(t: string): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent === undefined || parent === this.root || (parent.uri === '' && parent.local === 'channel' && this.stack.length === 2)) return;
    parent.children.push(t);
  }

  private take(): XElement[] {
    if (this.error !== undefined) throw this.error;
    const out = this.done;
    this.done = [];
    return out;
  }

  /** Parses the next piece of the document; returns the items it completed. */
  write(chunk: string): XElement[] {
    if (this.error !== undefined) return this.take();
    const fault = this.scanner.scan(chunk);
    const tail = this.window.length > 4096 ? this.window.slice(-4096) : this.window;
    this.window = tail + chunk;
    this.windowStart = this.written - tail.length;
    const cut = fault === undefined ? chunk.length : Math.max(0, fault.offset - this.written);
    this.written += chunk.length;
    if (cut > 0) this.feed(cut === chunk.length ? chunk : chunk.slice(0, cut));
    // saxes first: a fault it found before this one's place is the first fault.
    if (fault !== undefined && this.error === undefined) this.fail(this.placeAt(fault.offset), fault.reason);
    return this.take();
  }

  /** Ends the document (an unclosed element is an error); returns the items it completed. */
  close(): XElement[] {
    if (this.error === undefined) {
      this.writing = true;
      try {
        this.parser.close();
      } finally {
        this.writing = false;
      }
    }
    if (this.root === undefined) throw new FeedwrightError('ARTICLE_PARSE', `${this.fileName}: the feed is empty (no root element)`, { file: this.fileName });
    return this.take();
  }
}
