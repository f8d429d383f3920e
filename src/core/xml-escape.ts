// The escaping core every serializer writes through: it makes any JavaScript string safe as
// XML 1.0 character data or attribute value, so that a strict parser accepts every document.

// XML 1.0 §2.2 Char excludes C0 controls but TAB, LF and CR, lone surrogates, U+FFFE and U+FFFF.
// C1 controls (U+007F–U+009F) are legal but "discouraged" (§2.2 note) and never meant as text,
// so they are dropped too. A lone surrogate becomes U+FFFD, a paired one is kept.
const UNSAFE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function replaceUnsafe(ch: string): string {
  const code = ch.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdfff ? '\uFFFD' : '';
}

// Every character UNSAFE can match, surrogates paired or not, in one class with no lookaround:
// V8 scans a long string for it many times faster, and almost no text holds any of them.
const MAYBE_UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** Drops the characters XML 1.0 forbids (and C1 controls) and turns lone surrogates into U+FFFD. */
export function cleanText(value: string): string {
  if (!MAYBE_UNSAFE.test(value)) return value;
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(value) ? value.replace(UNSAFE, replaceUnsafe) : value;
}

// `>` is always escaped, so no "]]>" can survive in character data (XML 1.0 §2.4). CR is written
// as a reference because parsers normalise a literal CR to LF (§2.11).
const TEXT_SPECIAL = /[&<>\r]/g;
// In attributes a literal TAB, LF or CR would be normalised to a space (§3.3.3): use references.
const ATTR_SPECIAL = /[&<>"'\t\n\r]/g;
const REFERENCES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

function toReference(ch: string): string {
  return REFERENCES[ch] as string;
}

/** Escapes a string as XML character data. */
export function escapeText(value: string): string {
  const clean = cleanText(value);
  TEXT_SPECIAL.lastIndex = 0;
  return TEXT_SPECIAL.test(clean) ? clean.replace(TEXT_SPECIAL, toReference) : clean;
}

// RSS 2.0 says only of an item's description that it may hold (entity-encoded) HTML, and readers
// differ on the other elements. The RSS Best Practices Profile (rssboard.org/rss-profile,
// "Character Data") finds that plain text shows literally in the widest number of readers when
// "&", "<" and ">" are written as hexadecimal references: the XML parser reads the same text.
const HEX_REFERENCES: Record<string, string> = { '&': '&#x26;', '<': '&#x3C;', '>': '&#x3E;', '\r': '&#13;' };

/**
 * Escapes plain text as XML character data for an RSS plain-text element (title, channel
 * description, category, author, dc:creator, media:description, media:credit): like escapeText,
 * but `&`, `<`, `>` become `&#x26;`, `&#x3C;`, `&#x3E;` (RSS Best Practices Profile, "Character
 * Data"). A strict parser reads back cleanText(value). Never throws.
 */
export function escapeTextHex(value: string): string {
  const clean = cleanText(value);
  TEXT_SPECIAL.lastIndex = 0;
  return TEXT_SPECIAL.test(clean) ? clean.replace(TEXT_SPECIAL, (ch) => HEX_REFERENCES[ch] as string) : clean;
}

/** Escapes a string as an XML attribute value (for either quote style). */
export function escapeAttr(value: string): string {
  const clean = cleanText(value);
  ATTR_SPECIAL.lastIndex = 0;
  return ATTR_SPECIAL.test(clean) ? clean.replace(ATTR_SPECIAL, toReference) : clean;
}

/** Writes `<name>text</name>`, escaped; nothing when the value is empty or absent. */
export function element(name: string, value: string | undefined): string {
  return value === undefined || value === '' ? '' : `<${name}>${escapeText(value)}</${name}>`;
}

/** Writes ` name="value"` escaped; nothing when the value is absent. */
export function attr(name: string, value: string | number | undefined): string {
  return value === undefined || value === '' ? '' : ` ${name}="${escapeAttr(String(value))}"`;
}
