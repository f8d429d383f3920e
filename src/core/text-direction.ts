// The language and writing direction of a piece of text on the HTML pages (WCAG 2.2 SC 3.1.2
// Language of Parts; HTML §3.2.6.3 the lang attribute, §3.2.6.4 the dir attribute). Pure: the
// direction comes from the tag's script — written in the tag (`ku-Arab`) or the likely one by
// CLDR's likely subtags through Intl.Locale#maximize (`fa` → Arab, `dv` → Thaa, `sd-Deva` →
// Deva) — and the scripts written right to left (Unicode bidi class R or AL).
import { escapeAttr } from './xml-escape.js';
import { isLanguageTag } from './site.js';

/**
 * ISO 15924 codes of the scripts written right to left: those whose letters have the Unicode
 * Bidi_Class R or AL (UAX #9), as listed by CLDR's scriptMetadata (`rtl: YES`).
 */
const RTL_SCRIPTS = new Set([
  'Adlm', 'Arab', 'Aran', 'Armi', 'Avst', 'Chrs', 'Cprt', 'Elym', 'Hatr', 'Hebr', 'Hung', 'Khar',
  'Lydi', 'Mand', 'Mani', 'Mend', 'Merc', 'Mero', 'Narb', 'Nbat', 'Nkoo', 'Orkh', 'Ougr', 'Palm',
  'Phli', 'Phlp', 'Phnx', 'Prti', 'Rohg', 'Samr', 'Sarb', 'Sogd', 'Sogo', 'Syrc', 'Thaa', 'Yezi',
]);

/** A writing direction as the HTML `dir` attribute names it. */
export type Direction = 'ltr' | 'rtl';

/**
 * The writing direction of a BCP 47 language tag (RFC 5646; case-insensitive): `rtl` when its
 * script, explicit or likely (CLDR likely subtags), is written right to left; `ltr` when it is
 * another known script; undefined when the tag is not well-formed or no script is known for
 * it (`x-klingon`, `xx`). Never throws.
 */
export function languageDirection(tag: string): Direction | undefined {
  if (!isLanguageTag(tag)) return undefined;
  let script: string | undefined;
  try {
    script = new Intl.Locale(tag).maximize().script;
  } catch {
    return undefined;
  }
  if (script === undefined) return undefined;
  return RTL_SCRIPTS.has(script) ? 'rtl' : 'ltr';
}

/** True when two BCP 47 tags name the same language (tags compare case-insensitively, RFC 5646 §2.1.1). */
export function sameLanguage(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * The ` dir="rtl"` attribute of a page whose language is the given tag (for `<html>`), or the
 * empty string for a left-to-right or unknown language (HTML's default, `ltr`). Never throws.
 */
export function pageDirAttr(pageLanguage: string): string {
  return languageDirection(pageLanguage) === 'rtl' ? ' dir="rtl"' : '';
}

/**
 * The ` lang="…" dir="…"` attributes of an element holding text in `language` (a BCP 47 tag, or
 * undefined for the page's own language) on a page in `pageLanguage`: the empty string when the
 * text is in the page's language or its tag is not well-formed (it then inherits the page's);
 * otherwise `lang` (escaped) and, when the text's direction differs from the page's, `dir` —
 * `rtl`/`ltr` from the script, `auto` (the first strong character, HTML §3.2.6.4) when no script
 * is known for the tag. Never throws.
 */
export function languageAttrs(language: string | undefined, pageLanguage: string): string {
  if (language === undefined || !isLanguageTag(language) || sameLanguage(language, pageLanguage)) return '';
  const own = languageDirection(language);
  const page = languageDirection(pageLanguage) ?? 'ltr';
  const dir = own === undefined ? 'auto' : own === page ? undefined : own;
  return ` lang="${escapeAttr(language)}"${dir === undefined ? '' : ` dir="${dir}"`}`;
}
