// Plain text written into HTML: turns text into HTML text or an HTML attribute value, so that a
// reader parsing the result as HTML (RSS item description; the figcaption and mirror notice in
// RSS, Atom and JSON content) sees the same characters and no element. When the HTML goes into
// XML, XML escaping comes after, on top (escapeText).

const TEXT = /[&<>]/g;
const ATTR = /[&<>"]/g;
const REFERENCES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function toReference(ch: string): string {
  return REFERENCES[ch] as string;
}

/**
 * Escapes plain text as HTML text (HTML §13.1.3): `&`, `<` and `>` become references, so
 * `<dialog>` or `&lt;` read back as those characters, never as an element or a reference.
 * Quotes are left as they are (text, not an attribute). Never throws.
 */
export function escapeHtmlText(value: string): string {
  return value.replace(TEXT, toReference);
}

/**
 * Escapes plain text as a double-quoted HTML attribute value (HTML §13.1.2.3), the way the
 * sanitiser writes attributes, so sanitised and generated markup agree byte for byte. Never throws.
 */
export function escapeHtmlAttr(value: string): string {
  return value.replace(ATTR, toReference);
}
