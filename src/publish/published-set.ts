// The contract between compile and serve: the published set (every document on every origin in
// three codings, with its validators and precomputed headers), where the bodies are read from,
// and what the server may know of compiles and writes. The compiler builds these; src/http only
// reads them and imports nothing from src/compile.
import { FeedwrightError, type ErrorCode, type FieldProblem } from '../core/errors.js';
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

/** Header fields of a response, as node:http's writeHead takes them. */
export type HeaderFields = Record<string, string | string[]>;

/** A document ready to serve on one origin. */
export interface CompiledDocument extends DocumentRecord {
  /**
   * The entity-tags of all three representations, opaque part only (no quotes, no W/), which
   * are also their body files' names: `h-br` is listed while its body is still being made, so
   * it matches and its file is kept.
   */
  etags: readonly string[];
  /**
   * Every If-None-Match value that is exactly one of those tags, quoted, strong or weak, mapped
   * to the headers of a 304 for the representation that tag names — the one the client holds
   * (RFC 9111 §4.3.4: a cache picks the stored response to update by the 304's validator).
   */
  exactTags: ReadonlyMap<string, HeaderFields>;
  /** The 304 headers of each representation by its opaque tag (`h`, `h-gz`, `h-br`; `h-br` also while pending). */
  notModifiedByTag: ReadonlyMap<string, HeaderFields>;
  identity: Variant;
  gzip: Variant;
  /** The brotli representation; the gzip one (the same object) while `sizes.br` is BROTLI_PENDING. */
  br: Variant;
  /**
   * Set when a body file of this document is missing, unreadable or the wrong size: the
   * document is answered 503 (every coding, conditional or not) until its feed is rendered again.
   */
  withheld?: BodyFault;
}

/** What is wrong with a body file. */
export type BodyDamage = 'missing' | 'unreadable' | 'wrong-size' | 'corrupt';

/** What each damage is called in messages (`the document body X is …`). */
const DAMAGE_TEXT: Record<BodyDamage, string> = {
  missing: 'missing',
  unreadable: 'unreadable',
  'wrong-size': 'not the size the manifest lists',
  corrupt: 'corrupt (its bytes do not hash to its name)',
};

/** The damage a BodyUnreadableError message names (its code and message are what cross a worker boundary). */
export function bodyDamageFromMessage(message: string): BodyDamage {
  for (const [damage, text] of Object.entries(DAMAGE_TEXT)) if (message.includes(` is ${text}`)) return damage as BodyDamage;
  return 'unreadable';
}

/** A body file that could not be served: its name in the body folder and what is wrong with it. */
export interface BodyFault {
  file: string;
  damage: BodyDamage;
}

/** A document withheld because of a body fault, as /healthz lists it (with the token). */
export interface DamagedDocument extends BodyFault {
  /** The document's URL path, e.g. `/sections/news/russia/atom.xml`. */
  path: string;
  /** The origin it is served on (its href). */
  origin: string;
  /** When the fault was found, epoch ms. */
  since: number;
}

/**
 * The error a body read throws when the file is missing, unreadable or not the size the
 * manifest lists (code BODY_UNREADABLE); `fault` says which file and what is wrong.
 */
export class BodyUnreadableError extends FeedwrightError {
  readonly fault: BodyFault;

  constructor(fault: BodyFault, cause?: unknown) {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    super('BODY_UNREADABLE', `the document body ${fault.file} is ${DAMAGE_TEXT[fault.damage]}${detail}`, cause === undefined ? { file: fault.file } : { file: fault.file, cause });
    this.fault = fault;
  }
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
  /**
   * The bytes, from memory or disk; concurrent loads of one name share one read. Rejects with a
   * BodyUnreadableError when the file is missing, unreadable or not `size` bytes long (a body
   * is never sent with a Content-Length it does not have).
   */
  load(name: string, size: number): Promise<Buffer>;
  /**
   * Resolves when the body can be served (in memory, or on disk with `size` bytes: a stat, no
   * read), for HEAD, which must answer as GET would (RFC 9110 §9.3.2); else rejects as `load`.
   */
  check(name: string, size: number): Promise<void>;
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
  /** Documents withheld (answered 503) because a body file is damaged, until their feed is rendered again. */
  damaged(): readonly DamagedDocument[];
  /**
   * Hears of a body file that could not be served (from the request path: it must not throw or
   * block): every document naming the file is withheld and its feed is rendered again by a
   * compile started at once; a fault already known starts a retry at most every few seconds.
   */
  reportBodyFault(fault: BodyFault): void;
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
