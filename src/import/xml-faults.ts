// What saxes finds late in a feed, found where it is: saxes reads an entity reference up to the
// next `;`, so a bare `&` (AT&T) is reported at the next `;` in the document or at its end, and
// an undefined entity (&nbsp;) or a `<` in text after the characters that follow it. This
// scanner walks the same text ahead of saxes with just enough XML 1.0 (§2.4 character data,
// §4.1 references, §2.5-2.8 comments, CDATA, PIs, the DOCTYPE) to put such a fault at its first
// character. It accepts everything well-formed (its sets of name characters are supersets);
// after a DOCTYPE with an internal subset (which may declare entities) it stops looking.

/** A fault: its 0-based offset in the whole text (UTF-16 code units) and what is wrong. */
export interface XmlFault {
  offset: number;
  reason: string;
}

const enum State {
  Text,
  Tag,
  Comment,
  Cdata,
  Pi,
  Doctype,
  Off,
}

/** The five entities XML 1.0 §4.6 predefines: every other name needs a DTD declaring it. */
const PREDEFINED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
/** A reference after `&` (a superset of XML's Name), then the character after it. */
const REFERENCE = /#x([0-9A-Fa-f]*)|#([0-9]*)|([A-Za-z_:\u00C0-\uFFFF][A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]*)/y;
/** A character that may start a tag name (a superset of XML's NameStartChar). */
const TAG_START = /[A-Za-z_:\u00C0-\uFFFF]/;
/** What ends a DOCTYPE or opens its internal subset. */
const DOCTYPE_END = /[>[]/g;
/** The longest reference looked at before calling it broken. */
const MAX_REFERENCE = 64;

/** Is `n` a character XML 1.0 allows (§2.2 Char)? */
function isXmlChar(n: number): boolean {
  return n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
}

/**
 * Scans an XML document chunk by chunk for faults saxes reports late or after the fact: a `&`
 * that does not start a reference, a reference to an entity XML does not predefine, a character
 * reference to a character XML forbids, and a `<` in text that does not start markup. `scan`
 * returns the first fault (its offset counted from the start of the document) or undefined; a
 * token cut by the end of a chunk is decided with the next one.
 */
export class XmlFaultScanner {
  private state = State.Text;
  /** The quote (its char code) around the attribute value the scanner is in, else 0. */
  private quote = 0;
  private pending = '';
  private seen = 0;

  /** Scans the next chunk; returns the first fault found so far (then scanning stops). */
  scan(chunk: string): XmlFault | undefined {
    if (this.state === State.Off) return undefined;
    const s = this.pending + chunk;
    const base = this.seen - this.pending.length;
    this.seen += chunk.length;
    this.pending = '';
    let i = 0;
    const hold = (from: number): undefined => {
      this.pending = s.slice(from);
      return undefined;
    };
    while (i < s.length) {
      switch (this.state) {
        case State.Text: {
          // A loop over char codes: several times faster here than indexOf or a regex per token.
          let j = i;
          for (let c = s.charCodeAt(j); j < s.length && c !== 38 && c !== 60; c = s.charCodeAt(++j));
          if (j >= s.length) return undefined;
          if (s.charCodeAt(j) === 38) {
            const r = this.reference(s, j);
            if (r === 'more') return hold(j);
            if (typeof r === 'string') return { offset: base + j, reason: r };
            i = j + r;
            break;
          }
          if (j + 1 >= s.length) return hold(j);
          const c = s.charCodeAt(j + 1);
          if (c === 63) {
            this.state = State.Pi;
            i = j + 2;
          } else if (c === 33) {
            const head = s.slice(j, j + 9);
            if (head.length < 9 && ('<![CDATA['.startsWith(head) || '<!--'.startsWith(head))) return hold(j);
            if (head.startsWith('<!--')) {
              this.state = State.Comment;
              i = j + 4;
            } else if (head === '<![CDATA[') {
              this.state = State.Cdata;
              i = j + 9;
            } else {
              this.state = State.Doctype;
              i = j + 2;
            }
          } else if (c === 47 || TAG_START.test(s[j + 1] as string)) {
            this.state = State.Tag;
            this.quote = 0;
            i = j + 1;
          } else return { offset: base + j, reason: `a "<" that does not start a tag (write &lt; for a less-than sign)` };
          break;
        }
        case State.Tag: {
          let j = i;
          if (this.quote === 0) {
            for (let c = s.charCodeAt(j); j < s.length && c !== 62 && c !== 34 && c !== 39; c = s.charCodeAt(++j));
            if (j >= s.length) return undefined;
            const c = s.charCodeAt(j);
            if (c === 62) this.state = State.Text;
            else this.quote = c;
            i = j + 1;
          } else {
            const q = this.quote;
            for (let c = s.charCodeAt(j); j < s.length && c !== q && c !== 38; c = s.charCodeAt(++j));
            if (j >= s.length) return undefined;
            if (s.charCodeAt(j) === 38) {
              const r = this.reference(s, j);
              if (r === 'more') return hold(j);
              if (typeof r === 'string') return { offset: base + j, reason: `in an attribute value, ${r}` };
              i = j + r;
            } else {
              this.quote = 0;
              i = j + 1;
            }
          }
          break;
        }
        case State.Comment:
        case State.Cdata:
        case State.Pi: {
          const close = this.state === State.Comment ? '-->' : this.state === State.Cdata ? ']]>' : '?>';
          const j = s.indexOf(close, i);
          if (j === -1) return hold(Math.max(i, s.length - (close.length - 1)));
          this.state = State.Text;
          i = j + close.length;
          break;
        }
        case State.Doctype: {
          DOCTYPE_END.lastIndex = i;
          const m = DOCTYPE_END.exec(s);
          if (m === null) return undefined;
          this.state = m[0] === '>' ? State.Text : State.Off;
          if (this.state === State.Off) return undefined;
          i = m.index + 1;
          break;
        }
        default:
          return undefined;
      }
    }
    return undefined;
  }

  /** The length of the reference at `s[j]` (`&`), `more` when the chunk ends first, or what is wrong with it. */
  private reference(s: string, j: number): number | 'more' | string {
    // The common ones first, without a regex.
    const c = s.charCodeAt(j + 1);
    if (c === 97 && s.startsWith('amp;', j + 1)) return 5;
    if ((c === 108 || c === 103) && s.charCodeAt(j + 2) === 116 && s.charCodeAt(j + 3) === 59) return 4;
    REFERENCE.lastIndex = j + 1;
    const m = REFERENCE.exec(s);
    const end = m === null ? j + 1 : j + 1 + m[0].length;
    if (end >= s.length) return end - j > MAX_REFERENCE ? 'a "&" that does not start an entity reference (write &amp; for an ampersand)' : 'more';
    if (m === null || m[0] === '' || m[0] === '#' || m[0] === '#x' || s[end] !== ';') return 'a "&" that does not start an entity reference (write &amp; for an ampersand)';
    const [, hex, dec, name] = m;
    if (name !== undefined) {
      if (!PREDEFINED.has(name)) return `the entity &${name}; is not defined (XML has &amp; &lt; &gt; &quot; &apos; and numeric references such as &#233;; an HTML name such as &nbsp; needs a DTD)`;
    } else if (!isXmlChar(hex !== undefined ? parseInt(hex, 16) : parseInt(dec as string, 10))) return `the character reference ${s.slice(j, end + 1)} is not a character XML allows`;
    return end + 1 - j;
  }
}
