// A compiled document: its bytes in identity, gzip and brotli, its validators and every
// response header, all computed once per compile so the request path only writes bytes.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zc, gzip } from 'node:zlib';
import { httpDate } from '../core/dates.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** The content codings a document is held in (RFC 9110 §8.4.1). */
export type Coding = 'identity' | 'gzip' | 'br';

/** One stored representation: its bytes and the headers of a 200 and a 304 for it. */
export interface Variant {
  body: Buffer;
  etag: string;
  headers200: Record<string, string | string[]>;
  headers304: Record<string, string | string[]>;
}

/** A document ready to serve. */
export interface CompiledDocument {
  contentType: string;
  lastModified: number;
  /** The entity-tags of all three variants, opaque part only (no quotes, no W/). */
  etags: readonly string[];
  identity: Variant;
  gzip: Variant;
  br: Variant;
}

/** Response headers every document shares, decided by the server's configuration. */
export interface DocumentHeaders {
  cacheControl: string;
  /** Extra headers, e.g. a Content-Security-Policy for HTML or Link headers. */
  extra?: Record<string, string | string[]>;
}

/** The strong entity-tag of some bytes: the same on every instance for the same bytes. */
export function entityTag(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 27);
}

function variant(body: Buffer, etag: string, coding: Coding, contentType: string, lastModified: string, headers: DocumentHeaders): Variant {
  const common: Record<string, string | string[]> = {
    ETag: `"${etag}"`,
    'Last-Modified': lastModified,
    'Cache-Control': headers.cacheControl,
    Vary: 'Accept-Encoding',
    ...headers.extra,
  };
  const headers200: Record<string, string | string[]> = {
    'Content-Type': contentType,
    'Content-Length': String(body.length),
    'X-Content-Type-Options': 'nosniff',
    ...common,
  };
  if (coding !== 'identity') headers200['Content-Encoding'] = coding;
  return { body, etag, headers200, headers304: common };
}

/**
 * Compiles a document: compresses it (gzip level 6, brotli quality 5, in the libuv thread pool so
 * both cores work) and precomputes its validators and headers. Each coding is its own
 * representation with its own strong ETag (RFC 9110 §8.8.3); a conditional request that names any
 * of the three still matches, since they carry the same content.
 */
export async function compileDocument(text: string, contentType: string, lastModified: number, headers: DocumentHeaders): Promise<CompiledDocument> {
  const identity = Buffer.from(text, 'utf8');
  const [gz, br] = await Promise.all([
    gzipAsync(identity, { level: 6 }),
    brotliAsync(identity, {
      params: {
        [zc.BROTLI_PARAM_QUALITY]: 5,
        [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT,
        [zc.BROTLI_PARAM_SIZE_HINT]: identity.length,
      },
    }),
  ]);
  const tag = entityTag(identity);
  const lm = httpDate(lastModified);
  return {
    contentType,
    lastModified,
    etags: [tag, `${tag}-gz`, `${tag}-br`],
    identity: variant(identity, tag, 'identity', contentType, lm, headers),
    gzip: variant(gz, `${tag}-gz`, 'gzip', contentType, lm, headers),
    br: variant(br, `${tag}-br`, 'br', contentType, lm, headers),
  };
}
