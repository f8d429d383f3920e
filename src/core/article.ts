// The article model (design §3): validation and normalisation of one raw JSON object into an
// Article that every later stage can trust. Pure: no I/O, no clock.
import { createHash } from 'node:crypto';
import { FeedwrightError, type FieldProblem } from './errors.js';
import { parseDate } from './dates.js';
import { cleanText } from './xml-escape.js';
import { hasVisibleText, identifierLine, plainLine } from './plain-text.js';
import { isLanguageTag, type Person } from './site.js';

/** An image of an article; the first is the lead image. `url` may be relative to the site. */
export interface ArticleImage {
  url: string;
  caption?: string;
  credit?: string;
  type?: string;
  width?: number;
  height?: number;
  length?: number;
}

/**
 * A media file of an article (design §3): audio, video or any other type, e.g. a podcast episode.
 * `url` may be relative to the site; `length` in bytes; `duration` in whole seconds.
 */
export interface ArticleEnclosure {
  url: string;
  type: string;
  length?: number;
  duration?: number;
}

/** A validated article. Text is free of characters XML forbids; dates are epoch milliseconds. */
export interface Article {
  id: string;
  path: string;
  title: string;
  body: string;
  summary?: string;
  published: number;
  updated?: number;
  authors: Person[];
  section: string[];
  tags: string[];
  images: ArticleImage[];
  /** Present only when the article has one or more (so articles without keep their digest). */
  enclosures?: ArticleEnclosure[];
  language?: string;
  guid?: string;
}

/** The article id rule of design §3. */
export const ARTICLE_ID = /^[A-Za-z0-9._~-]{1,200}$/;

const FIELDS = new Set(['id', 'path', 'title', 'body', 'summary', 'published', 'updated', 'authors', 'section', 'tags', 'images', 'enclosures', 'language', 'guid']);
const MAX_TEXT = 2_000;
/**
 * The longest article body, in UTF-16 code units (JavaScript string length): a body is copied
 * into every feed the article is in (the site, each section level, each tag), in three formats
 * and on every origin, so its size is multiplied by up to 3 × (1 + MAX_SECTION_LEVELS +
 * MAX_TAGS) documents per origin (see the README, "Articles and the API").
 */
export const MAX_BODY_CHARS = 2_000_000;
/**
 * The most tags an article may have: each tag is a feed of its own (`/tags/{slug}/…`), so one
 * article with thousands of tags would make thousands of feeds and documents.
 */
export const MAX_TAGS = 50;
/**
 * The most levels a section path may have: every prefix of the path is a feed
 * (`/sections/a/…`, `/sections/a/b/…`), so the levels fan out into feeds as tags do.
 */
export const MAX_SECTION_LEVELS = 10;
const MIME = /^[a-z]+\/[a-z0-9.+-]+$/i;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const BLANK = 'must contain a visible character (it is empty, or only white space or invisible characters)';

/**
 * One line of text: a required one that is blank (nothing visible, see hasVisibleText) is a
 * problem naming the field; an optional blank one is dropped. `identifier` (a guid) keeps the
 * value as written but for white space (identifierLine).
 */
function lineField(v: unknown, field: string, problems: FieldProblem[], required: boolean, max = MAX_TEXT, identifier = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) problems.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof v !== 'string') {
    problems.push({ field, message: 'must be a string' });
    return undefined;
  }
  const line = identifier ? identifierLine(v) : plainLine(v);
  if (!hasVisibleText(line)) {
    if (required) problems.push({ field, message: BLANK });
    return undefined;
  }
  if (line.length > max) {
    problems.push({ field, message: `is longer than ${max} characters` });
    return undefined;
  }
  return line;
}

function validPath(v: unknown, problems: FieldProblem[]): string | undefined {
  if (typeof v !== 'string' || v === '') {
    problems.push({ field: 'path', message: 'is required and must be a string starting with /' });
    return undefined;
  }
  if (!v.startsWith('/') || v.startsWith('//') || /[\s\u0000-\u001f\u007f\\]/.test(v) || v.length > MAX_TEXT) {
    problems.push({ field: 'path', message: 'must be a site path starting with a single / with no spaces, backslashes or controls' });
    return undefined;
  }
  const url = new URL(v, 'https://site.invalid');
  if (url.origin !== 'https://site.invalid') {
    problems.push({ field: 'path', message: 'must stay on the site' });
    return undefined;
  }
  // Keep the path as written but percent-encode what a URL cannot carry raw (RFC 3986 §2.1).
  return url.pathname + url.search + url.hash;
}

function validImageUrl(v: unknown, field: string, problems: FieldProblem[]): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push({ field, message: 'is required and must be a URL or a site path' });
    return undefined;
  }
  const s = v.trim();
  try {
    if (/^https?:\/\//i.test(s)) return new URL(s).href;
    if (s.startsWith('/') && !s.startsWith('//')) {
      const u = new URL(s, 'https://site.invalid');
      return u.pathname + u.search + u.hash;
    }
  } catch {
    // fall through to the problem below
  }
  problems.push({ field, message: 'must be an absolute http(s) URL or a path starting with /' });
  return undefined;
}

function count(v: unknown, field: string, problems: FieldProblem[]): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    problems.push({ field, message: 'must be a whole number, 0 or more' });
    return undefined;
  }
  return v;
}

/**
 * An absolute URL as the WHATWG URL parser writes it (RFC 3986 form: `"`, `<`, `>` and spaces
 * percent-encoded), so a byline's URL is a valid URI in every document; undefined when it does
 * not parse.
 */
function absoluteUrl(value: string): string | undefined {
  try {
    return new URL(value).href;
  } catch {
    return undefined;
  }
}

function validPerson(v: unknown, field: string, problems: FieldProblem[]): Person | undefined {
  if (!isRecord(v)) {
    problems.push({ field, message: 'must be an object {name, email?, url?}' });
    return undefined;
  }
  const name = lineField(v.name, `${field}.name`, problems, true, 500);
  const person: Person | undefined = name === undefined ? undefined : { name };
  if (v.email !== undefined) {
    if (typeof v.email !== 'string' || cleanText(v.email) !== v.email || !/^[^\s@<>()"]+@[^\s@<>()"]+$/.test(v.email)) problems.push({ field: `${field}.email`, message: 'must be an e-mail address' });
    else if (person) person.email = v.email;
  }
  if (v.url !== undefined) {
    const url = typeof v.url === 'string' && cleanText(v.url) === v.url && /^https?:\/\/[^\s]+$/i.test(v.url) ? absoluteUrl(v.url) : undefined;
    if (url === undefined) problems.push({ field: `${field}.url`, message: 'must be an absolute http(s) URL' });
    else if (person) person.url = url;
  }
  return person;
}

/**
 * A list of lines (section, tags): a blank entry is a problem naming it, e.g. `tags[1]`; more
 * than `max` entries (counted as written, repeats included, as JSON Schema's maxItems counts)
 * is a problem naming the list, and its entries are not looked at.
 */
function stringList(v: unknown, field: string, problems: FieldProblem[], max: number, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problems.push({ field, message: 'must be an array of strings' });
    return [];
  }
  if (v.length > max) {
    problems.push({ field, message: `has ${v.length} entries; at most ${max} are allowed (${what})` });
    return [];
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    const line = lineField(item, `${field}[${i}]`, problems, true, 200);
    if (line !== undefined && !out.includes(line)) out.push(line);
  });
  return out;
}

/** `enclosures` of design §3: each needs a URL and a media type; length and duration are whole numbers. */
function validEnclosures(v: unknown, problems: FieldProblem[]): ArticleEnclosure[] {
  const out: ArticleEnclosure[] = [];
  if (v === undefined || v === null) return out;
  if (!Array.isArray(v)) {
    problems.push({ field: 'enclosures', message: 'must be an array of {url, type, length?, duration?}' });
    return out;
  }
  v.forEach((e, i) => {
    const f = `enclosures[${i}]`;
    if (!isRecord(e)) {
      problems.push({ field: f, message: 'must be an object {url, type, length?, duration?}' });
      return;
    }
    for (const key of Object.keys(e)) if (!['url', 'type', 'length', 'duration'].includes(key)) problems.push({ field: `${f}.${key}`, message: 'is not a field of an enclosure' });
    const url = validImageUrl(e.url, `${f}.url`, problems);
    let type: string | undefined;
    if (typeof e.type !== 'string' || !MIME.test(e.type)) problems.push({ field: `${f}.type`, message: 'is required and must be a media type such as audio/mpeg' });
    else type = e.type.toLowerCase();
    const length = count(e.length, `${f}.length`, problems);
    const duration = count(e.duration, `${f}.duration`, problems);
    if (url === undefined || type === undefined) return;
    if (out.some((o) => o.url === url)) {
      problems.push({ field: `${f}.url`, message: 'repeats an earlier enclosure' });
      return;
    }
    const enclosure: ArticleEnclosure = { url, type };
    if (length !== undefined) enclosure.length = length;
    if (duration !== undefined) enclosure.duration = duration;
    out.push(enclosure);
  });
  return out;
}

/** Validates one raw article. Returns the Article, or every problem found (field and why). */
export function validateArticle(raw: unknown, timeZone: string): { article: Article } | { problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  if (!isRecord(raw)) return { problems: [{ field: '(root)', message: 'must be a JSON object' }] };
  for (const key of Object.keys(raw)) {
    if (!FIELDS.has(key)) problems.push({ field: key, message: 'is not a field of the article format' });
  }
  let id: string | undefined;
  if (typeof raw.id !== 'string' || !ARTICLE_ID.test(raw.id)) problems.push({ field: 'id', message: 'is required and must match [A-Za-z0-9._~-]{1,200}' });
  else id = raw.id;
  const path = validPath(raw.path, problems);
  const title = lineField(raw.title, 'title', problems, true);
  let body: string | undefined;
  if (typeof raw.body !== 'string' || raw.body.trim() === '') problems.push({ field: 'body', message: 'is required and must be a non-empty HTML string' });
  else if (raw.body.length > MAX_BODY_CHARS) problems.push({ field: 'body', message: `is ${raw.body.length} characters long; at most ${MAX_BODY_CHARS} are allowed (the body is copied into every feed of the article)` });
  else body = cleanText(raw.body);
  const summary = lineField(raw.summary, 'summary', problems, false, 10_000);

  let published: number | undefined;
  if (typeof raw.published !== 'string') problems.push({ field: 'published', message: 'is required and must be an RFC 3339 date-time string' });
  else {
    const p = parseDate(raw.published, timeZone);
    if (typeof p === 'string') problems.push({ field: 'published', message: p });
    else published = p;
  }
  let updated: number | undefined;
  if (raw.updated !== undefined && raw.updated !== null) {
    if (typeof raw.updated !== 'string') problems.push({ field: 'updated', message: 'must be an RFC 3339 date-time string' });
    else {
      const u = parseDate(raw.updated, timeZone);
      if (typeof u === 'string') problems.push({ field: 'updated', message: u });
      else if (published !== undefined && u < published) problems.push({ field: 'updated', message: 'must not be before published' });
      else updated = u;
    }
  }

  const authors: Person[] = [];
  if (raw.authors !== undefined && raw.authors !== null) {
    if (!Array.isArray(raw.authors)) problems.push({ field: 'authors', message: 'must be an array of {name, email?, url?}' });
    else raw.authors.forEach((a, i) => {
      const p = validPerson(a, `authors[${i}]`, problems);
      if (p) authors.push(p);
    });
  }
  // A blank section level would change the feed path of every level below it, and a blank tag
  // would get a feed of its own (/tags/x-…/) that no reader could tell apart: both are refused.
  // Every level and every tag is a feed: their number is bounded (MAX_SECTION_LEVELS, MAX_TAGS).
  const section = stringList(raw.section, 'section', problems, MAX_SECTION_LEVELS, 'each level is a feed');
  const tags = stringList(raw.tags, 'tags', problems, MAX_TAGS, 'each tag is a feed');

  const images: ArticleImage[] = [];
  if (raw.images !== undefined && raw.images !== null) {
    if (!Array.isArray(raw.images)) problems.push({ field: 'images', message: 'must be an array of {url, caption?, credit?, type?, width?, height?, length?}' });
    else raw.images.forEach((img, i) => {
      const f = `images[${i}]`;
      if (!isRecord(img)) {
        problems.push({ field: f, message: 'must be an object with a url' });
        return;
      }
      const url = validImageUrl(img.url, `${f}.url`, problems);
      const caption = lineField(img.caption, `${f}.caption`, problems, false);
      const credit = lineField(img.credit, `${f}.credit`, problems, false, 500);
      let type: string | undefined;
      if (img.type !== undefined) {
        if (typeof img.type !== 'string' || !MIME.test(img.type)) problems.push({ field: `${f}.type`, message: 'must be a media type such as image/jpeg' });
        else type = img.type.toLowerCase();
      }
      const width = count(img.width, `${f}.width`, problems);
      const height = count(img.height, `${f}.height`, problems);
      const length = count(img.length, `${f}.length`, problems);
      if (url === undefined) return;
      const image: ArticleImage = { url };
      if (caption !== undefined) image.caption = caption;
      if (credit !== undefined) image.credit = credit;
      if (type !== undefined) image.type = type;
      if (width !== undefined) image.width = width;
      if (height !== undefined) image.height = height;
      if (length !== undefined) image.length = length;
      images.push(image);
    });
  }
  const enclosures = validEnclosures(raw.enclosures, problems);
  let language: string | undefined;
  if (raw.language !== undefined && raw.language !== null) {
    if (typeof raw.language !== 'string' || !isLanguageTag(raw.language)) problems.push({ field: 'language', message: 'must be a BCP 47 language tag such as en or fa-IR' });
    else language = raw.language;
  }
  const guid = lineField(raw.guid, 'guid', problems, false, MAX_TEXT, true);

  if (problems.length > 0 || id === undefined || path === undefined || title === undefined || body === undefined || published === undefined) {
    return { problems };
  }
  const article: Article = { id, path, title, body, published, authors, section, tags, images };
  if (summary !== undefined) article.summary = summary;
  if (enclosures.length > 0) article.enclosures = enclosures;
  if (updated !== undefined) article.updated = updated;
  if (language !== undefined) article.language = language;
  if (guid !== undefined) article.guid = guid;
  return { article };
}

/** Like validateArticle, but throws ARTICLE_INVALID naming every bad field (and the file). */
export function parseArticle(raw: unknown, timeZone: string, file?: string): Article {
  const result = validateArticle(raw, timeZone);
  if ('article' in result) return result.article;
  const list = result.problems.map((p) => `${p.field} ${p.message}`).join('; ');
  const where = file === undefined ? 'article' : file;
  throw new FeedwrightError('ARTICLE_INVALID', `${where}: ${list}`, file === undefined ? { problems: result.problems } : { file, problems: result.problems });
}

/** A stable digest of an article's content: equal articles give equal digests. */
export function articleDigest(article: Article): string {
  return createHash('sha256').update(JSON.stringify(article)).digest('base64url').slice(0, 22);
}

/** The article in the JSON shape of design §3 (dates as RFC 3339 in UTC), as the API returns it. */
export function articleToJson(article: Article): Record<string, unknown> {
  const out: Record<string, unknown> = { ...article, published: new Date(article.published).toISOString() };
  if (article.updated !== undefined) out.updated = new Date(article.updated).toISOString();
  return out;
}
