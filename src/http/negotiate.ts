// Request-header logic of the feed fast path: content coding (RFC 9110 §12.5.3), conditional
// requests (RFC 9110 §13), and the serving origin (design §5). Pure functions over header strings.
import { parseHttpDate } from '../core/dates.js';
import type { Coding, CompiledDocument, HeaderFields, Variant } from '../publish/published-set.js';
import { hostKeys, type Origin } from '../core/site.js';

const codingCache = new Map<string, Coding>();

/** Picks br, gzip or identity for an Accept-Encoding value; `q=0` excludes a coding. */
export function negotiateCoding(header: string | undefined): Coding {
  if (header === undefined || header === '') return 'identity';
  const cached = codingCache.get(header);
  if (cached !== undefined) return cached;
  const q: Record<string, number> = {};
  let star: number | undefined;
  for (const part of header.slice(0, 1024).split(',')) {
    const [rawName = '', ...params] = part.split(';');
    const name = rawName.trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) weight = Math.min(1, Math.max(0, Number(m[1]) || 0));
    }
    if (name === '*') star = weight;
    else q[name === 'x-gzip' ? 'gzip' : name] = weight;
  }
  const weightOf = (c: string, implicit: number) => q[c] ?? star ?? implicit;
  // identity is acceptable unless excluded by name or by "*;q=0" (RFC 9110 §12.5.3), but when it
  // is not named it comes after every coding the client did name.
  const candidates: [Coding, number][] = [['br', weightOf('br', 0)], ['gzip', weightOf('gzip', 0)], ['identity', weightOf('identity', 0.0001)]];
  let best: Coding = 'identity';
  let bestQ = 0;
  for (const [c, w] of candidates) {
    if (w > bestQ) {
      best = c;
      bestQ = w;
    }
  }
  // Nothing acceptable: send identity anyway, as §12.5.3 allows, rather than a 406.
  if (codingCache.size > 500) codingCache.clear();
  codingCache.set(header, best);
  return best;
}

/** If-None-Match (RFC 9110 §13.1.2): `*`, or any listed tag equal under weak comparison. */
export function noneMatch(header: string, etags: readonly string[]): boolean {
  return matchedTag(header, etags) !== undefined;
}

/**
 * Which of `etags` (opaque parts, no quotes) an If-None-Match value matches under weak
 * comparison (RFC 9110 §13.1.2: `W/` is ignored on both sides): `preferred` when it is listed
 * or the value is `*` (the representation a 200 would send), else the first listed tag that
 * is one of `etags`; undefined when none matches (or the value is over 8 KiB). The answer
 * decides which representation's validator a 304 carries (RFC 9111 §4.3.4).
 */
export function matchedTag(header: string, etags: readonly string[], preferred?: string): string | undefined {
  if (header.length > 8192) return undefined;
  const trimmed = header.trim();
  if (trimmed === '*') return preferred ?? etags[0];
  let first: string | undefined;
  for (const raw of trimmed.split(',')) {
    let tag = raw.trim();
    if (tag.startsWith('W/')) tag = tag.slice(2);
    if (tag.length >= 2 && tag.startsWith('"') && tag.endsWith('"')) tag = tag.slice(1, -1);
    else continue;
    if (tag === preferred) return tag;
    if (first === undefined && etags.includes(tag)) first = tag;
  }
  return first;
}

/**
 * True when a GET or HEAD may be answered 304 (RFC 9110 §13.2.2): If-None-Match decides when
 * present; otherwise If-Modified-Since, ignored when it is not a valid HTTP-date. Cache-Control:
 * no-cache on the request does not change this: it asks caches to revalidate, and this is the
 * origin revalidating.
 */
export function notModified(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined, etags: readonly string[], lastModified: number): boolean {
  if (ifNoneMatch !== undefined) return noneMatch(ifNoneMatch, etags);
  if (ifModifiedSince === undefined) return false;
  const since = parseHttpDate(ifModifiedSince);
  if (Number.isNaN(since)) return false;
  const second = Math.floor(lastModified / 1000) * 1000;
  // A date with milliseconds is one that an earlier version of the document also carried (it
  // changed twice within one second, see nextLastModified): only a later date proves the client
  // has this version. A 200 is always a correct answer; a wrong 304 would hide the change.
  return lastModified === second ? second <= since : second < since;
}

/**
 * The headers of the 304 a conditional GET or HEAD of `doc` gets (RFC 9110 §13.1.2, §13.1.3), or
 * undefined when it must be answered in full. `variant` is the representation the request's
 * Accept-Encoding selects. The 304 carries the validator of the representation the client holds,
 * which may not be that one (RFC 9111 §4.3.4). The common revalidation sends back exactly the tag
 * it got: a map look-up, no parsing. If-Modified-Since counts only without If-None-Match.
 */
export function notModifiedHeaders(doc: CompiledDocument, variant: Variant, ifNoneMatch: string | undefined, ifModifiedSince: string | undefined): HeaderFields | undefined {
  if (ifNoneMatch !== undefined) {
    const exact = doc.exactTags.get(ifNoneMatch);
    if (exact !== undefined) return exact;
    const tag = matchedTag(ifNoneMatch, doc.etags, variant.etag);
    // A tag is matched against `etags`, whose every entry has its 304 headers.
    return tag === undefined ? undefined : tag === variant.etag ? variant.headers304 : doc.notModifiedByTag.get(tag);
  }
  return notModified(undefined, ifModifiedSince, doc.etags, doc.lastModified) ? variant.headers304 : undefined;
}

/** The coding actually sent for `asked`: `br` is the gzip variant itself while its brotli body is being made. */
export function codingSent(doc: CompiledDocument, asked: Coding): Coding {
  return asked === 'br' && doc.br === doc.gzip ? 'gzip' : asked;
}

/** Looks up the serving origin of a Host value; -1 when none is configured for it. */
export function createOriginResolver(origins: readonly Origin[]): (host: string | undefined) => number {
  const table = new Map<string, number>();
  // The default port of the origin's scheme may be written out (RFC 9110 §4.2.3).
  origins.forEach((o, i) => hostKeys(o).forEach((k) => table.set(k, i)));
  // Exact first: the usual Host is already lower-case, so no string is made per request.
  return (host) => (host === undefined ? -1 : table.get(host) ?? table.get(host.toLowerCase()) ?? -1);
}
