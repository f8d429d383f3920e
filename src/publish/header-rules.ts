// The header rules of every compiled document: media types (design §5), entity-tags (RFC 9110
// §8.8.3), Last-Modified (§8.8.2), Cache-Control with the RFC 5861 stale directives, Link to the
// same document on the other origins and WebSub discovery (RFC 8288; W3C WebSub §4), Onion-Location,
// and the CSP of HTML pages. Pure:
// the same record and settings give the same headers on every instance.
import { createHash } from 'node:crypto';
import { httpDate } from '../core/dates.js';
import type { Format } from '../core/scopes.js';
import type { SiteConfig } from '../core/site.js';
import { discoveryLinks } from '../core/websub-discovery.js';
import { BROTLI_PENDING, CODINGS, type Coding, type CompiledDocument, type DocumentRecord, type HeaderFields, type Variant } from './published-set.js';

/**
 * The media types the documents are served with (design §5; HTML for `/` and the preview pages).
 * RSS and Atom go out as `application/xml` (RFC 7303), not `application/rss+xml` /
 * `application/atom+xml`: browsers show those two as source text and ignore the documents'
 * `<?xml-stylesheet type="text/css"?>`, while they apply it to `application/xml`, so a person
 * who opens a feed URL sees a readable page (README, "Feeds in a browser"). Readers identify a
 * feed by its root element; autodiscovery links keep the specific types.
 */
export const CONTENT_TYPES: Record<Format | 'opml' | 'html', string> = {
  rss: 'application/xml; charset=utf-8',
  atom: 'application/xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
  opml: 'text/x-opml; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

/**
 * The Content-Security-Policy of the HTML pages: nothing but our own stylesheet, images and
 * script (the preview pages' copy button, /preview.js); no inline script or style, no eval.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Response headers every document shares, decided by the server's configuration. */
export interface DocumentHeaders {
  cacheControl: string;
  /** Extra headers, e.g. a Content-Security-Policy for HTML or Link headers. */
  extra?: Record<string, string | string[]>;
}

const SUFFIX: Record<Coding, string> = { identity: '', gzip: '-gz', br: '-br' };

/**
 * The strong entity-tag of some identity bytes: SHA-256, so every instance gives the same tag for
 * the same bytes (design §5).
 */
export function entityTag(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 27);
}

/**
 * The opaque tag of one coding of a document, which is also its body's file name. Each coding is
 * its own representation with its own strong ETag (RFC 9110 §8.8.3): `h`, `h-gz`, `h-br`.
 */
export function variantTag(hash: string, coding: Coding): string {
  return hash + SUFFIX[coding];
}

/**
 * Cache-Control of every document: fresh for the schedule's period (a document cannot change
 * faster); RFC 5861 lets a cache serve a stale copy for one more period while it revalidates, and
 * for a day while the origin fails (a restart, an outage) instead of showing readers an error.
 */
export function cacheControlFor(periodSeconds: number): string {
  return `public, max-age=${periodSeconds}, stale-while-revalidate=${periodSeconds}, stale-if-error=86400`;
}

/** The feed formats' own media types, by file name, for Link: what autodiscovery announces too. */
const FEED_TYPES_BY_FILE: Record<string, string> = { 'rss.xml': 'application/rss+xml', 'atom.xml': 'application/atom+xml' };

/**
 * The `type` of a Link to a document (RFC 8288 §3.4.1, a hint): RSS and Atom by their formats'
 * media types (they are served as application/xml only so that browsers style them, see
 * CONTENT_TYPES), every other document by the type it is served with.
 */
function linkType(path: string, contentType: string): string {
  return FEED_TYPES_BY_FILE[path.slice(path.lastIndexOf('/') + 1)] ?? (contentType.split(';')[0] as string);
}

/** The headers of one document on one origin, by path, media type and origin index. */
export type HeaderRules = (path: string, contentType: string, originIndex: number) => DocumentHeaders;

/**
 * The header rules of a site: Link to the same document on every other origin (RFC 8288,
 * rel="alternate" with its type), Onion-Location on the primary when an onion mirror exists, and a
 * strict CSP on HTML. A feed document of a site with WebSub hubs also gets `rel="hub"` for each
 * hub and its `rel="self"` on the serving origin first (W3C WebSub §4.1: discovery through the
 * Link header, which a 304 carries too, RFC 9110 §15.4.5). Computed once per document and
 * publish, never per request.
 */
export function createHeaderRules(site: SiteConfig, periodSeconds: number): HeaderRules {
  const cacheControl = cacheControlFor(periodSeconds);
  const onion = site.origins.find((o) => o.onion);
  return (path, contentType, originIndex) => {
    const extra: Record<string, string | string[]> = {};
    const type = linkType(path, contentType);
    const origin = site.origins[originIndex] ?? (site.origins[0] as SiteConfig['origins'][number]);
    const links = [
      ...discoveryLinks(site, origin, path),
      ...site.origins.filter((_, i) => i !== originIndex).map((o) => `<${o.href}${path}>; rel="alternate"; type="${type}"`),
    ];
    if (links.length > 0) extra.Link = links.join(', ');
    if (onion !== undefined && originIndex === 0) extra['Onion-Location'] = onion.href + path;
    if (contentType === CONTENT_TYPES.html) extra['Content-Security-Policy'] = PAGE_CSP;
    return { cacheControl, extra };
  };
}

/**
 * The servable document from its record: validators and the full header objects of a 200 and a
 * 304 for each coding, computed once per publish so the request path only writes bytes. A 304
 * carries the validators and caching headers a 200 would (RFC 9110 §15.4.5). While the brotli
 * body is pending (`sizes.br` is BROTLI_PENDING) its `br` is the gzip variant: a request that
 * prefers br gets a complete gzip response (its own ETag, Content-Encoding: gzip, Vary) and
 * never a br header over a body that is not there; `h-br` still matches If-None-Match, since
 * every tag the document has, made or not, names the same identity bytes.
 *
 * A 304 answers for the representation the client holds, so `exactTags` and `notModifiedByTag`
 * map each tag to the 304 headers of *its* representation (ETag = that tag): RFC 9111 §4.3.4
 * has a cache update the stored response whose validator the 304 carries, and a client holding
 * `h-gz` whose Accept-Encoding now selects br must not be told `h-br` (it has no such response).
 */
export function documentFromRecord(record: DocumentRecord, headers: DocumentHeaders): CompiledDocument {
  const lm = httpDate(record.lastModified);
  const variant = (coding: Coding): Variant => {
    const etag = variantTag(record.hash, coding);
    const common: Record<string, string | string[]> = {
      ETag: `"${etag}"`,
      'Last-Modified': lm,
      'Cache-Control': headers.cacheControl,
      Vary: 'Accept-Encoding',
      ...headers.extra,
    };
    const headers200: Record<string, string | string[]> = {
      'Content-Type': record.contentType,
      'Content-Length': String(record.sizes[coding]),
      'X-Content-Type-Options': 'nosniff',
      ...common,
    };
    if (coding !== 'identity') headers200['Content-Encoding'] = coding;
    return { file: etag, size: record.sizes[coding], etag, headers200, headers304: common };
  };
  const identity = variant('identity');
  const gzip = variant('gzip');
  // The br representation's tag and 304 headers exist while its body is pending too: a client
  // may hold it (from another instance, or from before a restart).
  const brTagged = variant('br');
  const byCoding: Record<Coding, Variant> = { identity, gzip, br: brTagged };
  const notModifiedByTag = new Map<string, HeaderFields>(CODINGS.map((c) => [byCoding[c].etag, byCoding[c].headers304]));
  return {
    ...record,
    etags: CODINGS.map((c) => variantTag(record.hash, c)),
    // An If-None-Match naming any of the three matches, strong or weak (weak comparison, §13.1.2).
    exactTags: new Map(CODINGS.flatMap((c) => [[`"${byCoding[c].etag}"`, byCoding[c].headers304] as const, [`W/"${byCoding[c].etag}"`, byCoding[c].headers304] as const])),
    notModifiedByTag,
    identity,
    gzip,
    br: record.sizes.br === BROTLI_PENDING ? gzip : brTagged,
  };
}
