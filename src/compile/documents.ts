// A compiled document: its bytes in identity, gzip and brotli (kept in the body store), its
// validators and every response header, all computed once per compile so the request path only
// writes bytes.
import { createHash } from 'node:crypto';
import { httpDate } from '../core/dates.js';
import type { BodyStore } from './body-store.js';
import type { Compressor } from './compressor.js';
import type { DocumentRecord } from '../store/store.js';

export type { DocumentRecord };


/** The content codings a document is held in (RFC 9110 §8.4.1). */
export type Coding = 'identity' | 'gzip' | 'br';
/** The three codings, identity first. */
export const CODINGS: readonly Coding[] = ['identity', 'gzip', 'br'];
const SUFFIX: Record<Coding, string> = { identity: '', gzip: '-gz', br: '-br' };

/** One stored representation: where its bytes are and the headers of a 200 and a 304 for it. */
export interface Variant {
  /** The body's name in the body store (its entity-tag). */
  file: string;
  size: number;
  etag: string;
  headers200: Record<string, string | string[]>;
  headers304: Record<string, string | string[]>;
}


/** A document ready to serve. */
export interface CompiledDocument extends DocumentRecord {
  /** The entity-tags of all three variants, opaque part only (no quotes, no W/). */
  etags: readonly string[];
  /** Every If-None-Match value that is exactly one of those tags, quoted, strong or weak. */
  exactTags: ReadonlySet<string>;
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

/** Builds the servable document (validators and headers) from its record. */
export function documentFromRecord(record: DocumentRecord, headers: DocumentHeaders): CompiledDocument {
  const lm = httpDate(record.lastModified);
  const variant = (coding: Coding): Variant => {
    const etag = record.hash + SUFFIX[coding];
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
  return {
    ...record,
    etags: CODINGS.map((c) => record.hash + SUFFIX[c]),
    exactTags: new Set(CODINGS.flatMap((c) => [`"${record.hash}${SUFFIX[c]}"`, `W/"${record.hash}${SUFFIX[c]}"`])),
    identity: variant('identity'),
    gzip: variant('gzip'),
    br: variant('br'),
  };
}

/**
 * Compiles a document: compresses it (gzip level 4, brotli quality 4: a few ms each for a 200 KB
 * feed, in the compressor's worker threads so every core works), saves the three bodies, and
 * precomputes validators and headers. Each coding is its own representation with its own strong
 * ETag (RFC 9110 §8.8.3); a conditional request naming any of the three still matches.
 */
export async function compileDocument(text: string, contentType: string, lastModified: number, headers: DocumentHeaders, bodies: BodyStore, compressor: Compressor): Promise<CompiledDocument> {
  const identity = Buffer.from(text, 'utf8');
  const { gzip: gz, br } = await compressor.compress(identity);
  const hash = entityTag(identity);
  const doc = documentFromRecord({ contentType, lastModified, hash, sizes: { identity: identity.length, gzip: gz.length, br: br.length } }, headers);
  await Promise.all([bodies.save(doc.identity.file, identity), bodies.save(doc.gzip.file, gz), bodies.save(doc.br.file, br)]);
  return doc;
}
