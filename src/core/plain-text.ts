// Plain-text lines (titles, names, tags, captions, settings): what is folded and trimmed, and what
// counts as blank. A value a person would see as empty (only spaces, zero-width or filler
// characters) is blank, whatever its length. Pure.
import { cleanText } from './xml-escape.js';

// Line breaks and ASCII white space inside a line fold to one space. Other spaces inside a line
// are typography (the no-break spaces around "/" in "News / Russia", U+3000 in CJK text): kept.
const FOLD = /[\t\n\r\f\v \u2028\u2029]+/g;

// Trimmed at either end: every white space character, and the invisible format and filler
// characters that carry nothing at the edge of a line (soft hyphen, zero-width space and joiners,
// word joiner and invisible operators, BOM, braille blank, Hangul fillers). Bidi marks are kept:
// a leading RLM sets the direction of a Persian title. Combining marks and variation selectors
// are kept: at the end of a line they belong to the character before them.
const EDGE = '[\\p{White_Space}\\u00AD\\u180E\\u200B-\\u200D\\u2060-\\u2064\\uFEFF\\u2800\\u3164\\u115F\\u1160\\uFFA0]+';
const TRIM = new RegExp(`^${EDGE}|${EDGE}$`, 'gu');

// A visible character: anything but white space, controls, format characters (U+200B–U+200F,
// U+2060, U+FEFF, bidi controls, tag characters), combining marks on their own (variation
// selectors included), default-ignorable code points (Hangul fillers U+115F, U+1160, U+3164,
// U+FFA0) and the braille blank U+2800.
const VISIBLE = /[^\p{White_Space}\p{Cc}\p{Cf}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

/**
 * One line of plain text as stored: characters XML forbids dropped (cleanText), ASCII white space
 * and line separators folded to one space, white space and invisible characters trimmed at both
 * ends. A blank value gives a string that fails hasVisibleText (often '').
 */
export function plainLine(value: string): string {
  return cleanText(value).replace(FOLD, ' ').replace(TRIM, '');
}

/**
 * One line of an identifier (a guid): characters XML forbids dropped, ASCII white space folded,
 * white space trimmed at the ends (String.prototype.trim), nothing else changed, so an id keeps
 * the exact value it had before plainLine learned about invisible characters.
 */
export function identifierLine(value: string): string {
  return cleanText(value).replace(/[\t\n\r\f\v ]+/g, ' ').trim();
}

/** True when the text has at least one character a reader would see (see VISIBLE above). */
export function hasVisibleText(value: string): boolean {
  return VISIBLE.test(value);
}
