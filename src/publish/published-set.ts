// The contract between compile and serve: the published set (every document on every origin in
// three codings, with its validators and precomputed headers), where the bodies are read from,
// and what the server may know of compiles and writes. The compiler builds these; src/http only
// reads them and imports nothing from src/compile.
import type { ErrorCode, FieldProblem } from '../core/errors.js';
import type { FeedListing } from '../core/render-directory.js';
import type { ArticleChange, DocumentRecord, WriteOptions } from '../store/store.js';

export type { DocumentRecord, FeedListing };

/** The content codings a document is held in (RFC 9110 §8.4.1). */
export type Coding = 'identity' | 'gzip' | 'br';
/** The three codings, identity first. */
export const CODINGS: readonly Coding[] = ['identity', 'gzip', 'br'];
/** The codings a document is published with; br follows in the background (issue 10). */
export const PUBLISH_CODINGS: readonly Coding[] = ['identity', 'gzip'];
/**
 * `sizes.br` of a record whose brotli body is not made yet (a real brotli body is never empty:
 * RFC 7932 needs at least one byte). Until it is made, a request that prefers br gets gzip.
 */
export const BROTLI_PENDING = 0;

/** One stored representation: where its bytes are and the headers of a 200 and a 304 for it. */
export interface Variant {
  /** The body's name in the body folder (its entity-tag). */
  file: string;
  size: number;
  etag: string;
  headers200: Record<string, string | string[]>;
  headers304: Record<string, string | string[]>;
}

/** A document ready to serve on one origin. */
export interface CompiledDocument extends DocumentRecord {
  /**
   * The entity-tags of all three representations, opaque part only (no quotes, no W/), which
   * are also their body files' names: `h-br` is listed while its body is still being made, so
   * it matches and its file is kept.
   */
  etags: readonly string[];
  /** Every If-None-Match value that is exactly one of those tags, quoted, strong or weak. */
  exactTags: ReadonlySet<string>;
  identity: Variant;
  gzip: Variant;
  /** The brotli representation; the gzip one (the same object) while `sizes.br` is BROTLI_PENDING. */
  br: Variant;
}

/** Everything published at once: the documents by path, each held per origin (index = origin). */
export interface PublishedSet {
  generation: number;
  publishedAt: number;
  documents: ReadonlyMap<string, readonly CompiledDocument[]>;
  feeds: readonly FeedListing[];
  articles: number;
}

/** Where the server reads document bodies: memory first, else the body folder. */
export interface DocumentBodies {
  /** The bytes if they are in memory (the fast path's case), else undefined. */
  cached(name: string): Buffer | undefined;
  /** The bytes, from memory or disk. */
  load(name: string): Promise<Buffer>;
}

/** A feed that failed in a compile: its last good documents stay live. */
export interface FeedFailure {
  scope: string;
  /** What failed, for the server log (may carry driver text; never sent over HTTP). */
  error: string;
  /** What failed, by code (see ERROR_CODES): what /healthz shows. */
  code: ErrorCode;
}

/** What one compile did, as /healthz and the command line report it. */
export interface CompileStatus {
  ok: boolean;
  published: boolean;
  startedAt: number;
  durationMs: number;
  articlesChanged: number;
  feedsRendered: number;
  feedsChanged: string[];
  documents: number;
  problems: { file: string; code: string; message: string; problems: FieldProblem[] }[];
  failedFeeds: FeedFailure[];
  error?: string;
  /** The error's code (see ERROR_CODES): what failed, without driver text. */
  errorCode?: ErrorCode;
}

/** What the server reads of the compile job. */
export interface PublishedSource {
  /** The set being served, undefined until the first publish. */
  current(): PublishedSet | undefined;
  /** The last compile's report. */
  lastReport(): CompileStatus | undefined;
  /** Documents (one per origin) served as gzip to br requests while their brotli body is made. */
  brotliPending(): number;
}

/** The write path the ingest API uses: stores articles and has their feeds published soon. */
export interface ArticleWriter {
  /**
   * Validates and stores raw articles; resolves once they are durably stored. All or nothing:
   * a bad article throws `ARTICLE_INVALID`, and an article whose reader id (guid, else id prefix
   * + id) another live article owns throws `ITEM_ID_TAKEN`, storing nothing — unless
   * `options.onRefused` is given, which then hears of each refused article while the rest are
   * stored (see WriteOptions).
   */
  put(raws: unknown[], source?: string, options?: WriteOptions): Promise<ArticleChange[]>;
  /** Removes articles by id (tombstones kept). */
  remove(ids: string[]): Promise<ArticleChange[]>;
  /** Resolves when the compile that includes every write so far has published. */
  flushed(): Promise<void>;
}

/**
 * What an instance of a cluster (several instances on one PostgreSQL store) says of itself in
 * /healthz: whether it is the cluster's compiler or a replica of its published set, and whether
 * its PostgreSQL session is up (without it: the last set is served, the API answers 503).
 */
export interface ClusterStatus {
  role: 'compiler' | 'replica';
  database: 'ok' | 'unreachable';
}
