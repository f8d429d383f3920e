// Feed scopes: which feeds an article belongs to (the site, every prefix of its section path,
// every tag) and the stable slugs and URL paths of those feeds (design §2).
import { createHash } from 'node:crypto';
import type { Article } from './article.js';

/** The three document formats of every feed, by file name. */
export const FORMATS = ['rss', 'atom', 'json'] as const;
/** One of the three document formats. */
export type Format = (typeof FORMATS)[number];
/** The file name each format is served under. */
export const FORMAT_FILES: Record<Format, string> = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };

/** One feed's scope: `''` for the whole site, `sections/a/b`, or `tags/t`. */
export interface Scope {
  key: string;
  kind: 'site' | 'section' | 'tag';
  /** What a person calls it: "News / Russia", "Syria"; empty for the site. */
  label: string;
}

/** The longest slug, in UTF-16 code units (a hashed slug included). */
export const SLUG_MAX = 80;
/**
 * The version of the slug scheme. A store records the scheme its feed keys were derived with
 * and derives them again when this changes (see the README, "Slugs").
 */
export const SLUG_SCHEME = 2;

/** Scripts whose combining marks are accents (folded: `café` is `cafe`); elsewhere they spell the word. */
const ACCENT_BASE = /[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Common}\p{Script=Inherited}]/u;
/** White space, dashes, connectors, controls and invisible format characters (ZWNJ, soft hyphen). */
const SEPARATORS = /[\s\p{Z}\p{Pd}\p{Pc}\p{Cc}\p{Cf}]+/gu;
/** A name that folded to words alone: letters, digits and their kept marks, single spaces between. */
const ORDINARY = /^[\p{L}\p{N}\p{M}]+(?: [\p{L}\p{N}\p{M}]+)*$/u;
/** The shape of the slug of a name with no letter or digit: no other name may take it. */
const SYMBOL_SLUG = /^x-[0-9a-f]{10}$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The identity of a name as a feed: two names are the same feed exactly when their keys are
 * equal. The key forgets only what does not tell names apart — letter case, compatibility forms
 * (full-width, ligatures, no-break spaces: Unicode NFKD), accents on Latin, Greek, Cyrillic,
 * Arabic and Hebrew letters, apostrophes (`'` and `’`), and how words are separated (any run of
 * white space, dashes, underscores and invisible characters between two words is one space; at
 * either end white space and invisible characters are dropped but a dash or underscore is kept:
 * `C--` is not `C`). Every other character is kept, so `C++`, `C#` and `C` differ, as do `.NET`
 * and `NET`, `AC/DC` and `AC DC`. The result is NFC.
 */
export function feedNameKey(name: string): string {
  const folded = name
    .normalize('NFKD')
    // A mark after a letter of a script where marks are accents goes; after other letters
    // (Devanagari vowel signs, kana voicing marks) it is part of the spelling and stays.
    .replace(/(\P{M})(\p{M}+)/gu, (all, base: string) => (ACCENT_BASE.test(base) ? base : all))
    .replace(/^\p{M}+/u, '')
    .toLowerCase()
    .replace(/['’]/g, '');
  return folded
    .replace(SEPARATORS, (run: string, offset: number) => {
      if (offset > 0 && offset + run.length < folded.length) return ' ';
      return run.replace(/[^\p{Pd}\p{Pc}]/gu, '').replace(/\p{Pd}/gu, '-');
    })
    .normalize('NFC');
}

/**
 * The slug of a section or tag name: lower-case, its words joined by `-`, ASCII where the name
 * allows it (other letters are kept and percent-encoded in URLs), at most {@link SLUG_MAX} code
 * units, and a function of the name alone (stable forever; see the README, "Slugs"):
 *
 * - a name that is only words (letters, digits, accents, separated as {@link feedNameKey} says)
 *   gets its words: `Middle East` → `middle-east`, `Women's rights` → `womens-rights`;
 * - a name that lost anything else on the way (a symbol or other punctuation, a dash at either
 *   end, or words beyond 80 characters) gets its words, cut to 62, then `--` and 16 hex digits
 *   (64 bits) of the SHA-256 of its key: `C++` → `c--` + hash, `.NET` → `net--` + hash. A
 *   words-only slug never holds `--`, so it can never equal a hashed one;
 * - a name with no letter or digit gets `x-` and 10 hex digits of the SHA-256 of its key (for a
 *   name already in folded form, such as `!`, that is the slug the old scheme gave it).
 *
 * Two names with the same {@link feedNameKey} get the same slug; two with different keys get
 * different slugs (hashed ones up to a 64-bit hash collision between names with the same words:
 * about one in 10^19 for a pair, none expected among billions of names).
 */
export function slugify(name: string): string {
  const key = feedNameKey(name);
  const words = key.replace(/[^\p{L}\p{N}\p{M}]+/gu, '-').replace(/^-+|-+$/g, '');
  if (words === '') return `x-${sha256Hex(key).slice(0, 10)}`;
  if (ORDINARY.test(key) && words.length <= SLUG_MAX && !SYMBOL_SLUG.test(words)) return words;
  let head = words.slice(0, SLUG_MAX - 18);
  // Never end on half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head.replace(/-+$/, '')}--${sha256Hex(key).slice(0, 16)}`;
}

/** Every scope an article is listed in: the site, each section prefix, each tag. */
export function articleScopes(article: Article): Scope[] {
  const scopes: Scope[] = [{ key: '', kind: 'site', label: '' }];
  const slugs: string[] = [];
  const names: string[] = [];
  for (const name of article.section) {
    slugs.push(slugify(name));
    names.push(name);
    scopes.push({ key: `sections/${slugs.join('/')}`, kind: 'section', label: names.join(' / ') });
  }
  const seen = new Set<string>();
  for (const tag of article.tags) {
    const key = `tags/${slugify(tag)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    scopes.push({ key, kind: 'tag', label: tag });
  }
  return scopes;
}

/** The kind of a scope, read from its key. */
export function scopeKind(key: string): Scope['kind'] {
  return key === '' ? 'site' : key.startsWith('sections/') ? 'section' : 'tag';
}

/** The file name of a feed's preview page (HTML for people), beside its three documents. */
export const PREVIEW_FILE = 'feed.html';

/** A file in a feed's folder, percent-encoded: `/{file}` for the site, `/sections/a/b/{file}`. */
function inFeedFolder(scopeKey: string, file: string): string {
  if (scopeKey === '') return `/${file}`;
  const encoded = scopeKey.split('/').map(encodeURIComponent).join('/');
  return `/${encoded}/${file}`;
}

/** The URL path of a feed document, percent-encoded: `/rss.xml`, `/sections/news/russia/atom.xml`. */
export function feedPath(scopeKey: string, format: Format): string {
  return inFeedFolder(scopeKey, FORMAT_FILES[format]);
}

/**
 * The URL path of a feed's preview page, percent-encoded, beside the feed's documents:
 * `/feed.html`, `/sections/news/russia/feed.html`, `/tags/syria/feed.html`. A slug never holds a
 * `.`, so no feed folder can be named `feed.html`.
 */
export function previewPath(scopeKey: string): string {
  return inFeedFolder(scopeKey, PREVIEW_FILE);
}
