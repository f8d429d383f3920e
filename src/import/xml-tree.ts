// The importer's view of XML: a small element tree (namespaces resolved, xml:base and xml:lang in
// scope) built by a streaming parser (saxes), one item at a time. A feed's items (RSS/WXR
// `channel/item`, RDF `item`, Atom `entry`) are handed out as they close and never kept, so a
// 200 MB export is read in the memory of one item plus the channel's own elements.
import { SaxesParser, type SaxesTagNS } from 'saxes';
import { FeedwrightError } from '../core/errors.js';

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

  constructor(private readonly fileName: string, private readonly baseUrl: string | undefined) {
    this.parser = new SaxesParser({ xmlns: true, position: true });
    this.parser.on('error', (err) => {
      this.error ??= new FeedwrightError('ARTICLE_PARSE', `${fileName}: line ${this.parser.line}, column ${this.parser.column + 1}: the feed is not well-formed XML: ${err.message.replace(/^\d+:\d+: /, '')}`, { file: fileName });
    });
    this.parser.on('opentag', (tag) => this.open(tag as SaxesTagNS));
    this.parser.on('closetag', () => this.close_());
    this.parser.on('text', (t) => this.text(t));
    this.parser.on('cdata', (t) => this.text(t));
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
    if (parent === undefined) this.root ??= e;
    else if (parent === this.root && e.uri === '' && e.local === 'channel') this.channel ??= e;
    this.itemFlags.push(isItem(e, parent, this.root));
    this.stack.push(e);
  }

  private close_(): void {
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
    if (this.error === undefined) this.parser.write(chunk);
    return this.take();
  }

  /** Ends the document (an unclosed element is an error); returns the items it completed. */
  close(): XElement[] {
    if (this.error === undefined) this.parser.close();
    if (this.root === undefined) throw new FeedwrightError('ARTICLE_PARSE', `${this.fileName}: the feed is empty (no root element)`, { file: this.fileName });
    return this.take();
  }
}
