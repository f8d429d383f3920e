// The store interface: what the compile and the ingest paths need from a database. One file
// per database implements it; one contract test suite runs against each.
import type { Article } from '../core/article.js';

/** An article as stored, with the digest of its content and when that version was stored. */
export interface StoredArticle {
  article: Article;
  digest: string;
  /** When this version was first stored (epoch ms). */
  changedAt: number;
  /** Where it came from: `file:<name>` or `api`. */
  source: string;
}

/** One write in a batch: create or replace an article, or remove it (a tombstone is kept). */
export type ArticleWrite =
  | { kind: 'put'; article: Article; digest: string; source: string }
  | { kind: 'delete'; id: string };

/** What a write changed: the scopes the article was listed in before and after. */
export interface ArticleChange {
  id: string;
  scopesBefore: string[];
  scopesAfter: string[];
}

/** One scope (feed) as the store knows it. */
export interface ScopeSummary {
  key: string;
  label: string;
  items: number;
}

/** The last file seen for a source file name, so unchanged files are not read again. */
export interface FileEntry {
  name: string;
  mtimeMs: number;
  size: number;
  /** Digest of the file's bytes. */
  digest: string;
  /** The article id the file held when it last parsed; null when it never parsed. */
  articleId: string | null;
}

/** What was published for a feed: the digest of its content and its Last-Modified. */
export interface FeedState {
  digest: string;
  lastModified: number;
}

/** A published document version as the store records it (its bytes live in the body store). */
export interface DocumentRecord {
  contentType: string;
  lastModified: number;
  /** The identity bytes' hash; the variants' entity-tags and file names derive from it. */
  hash: string;
  sizes: { identity: number; gzip: number; br: number };
}

/** One row of the published manifest: a document on one origin. */
export interface DocumentRow {
  path: string;
  origin: string;
  record: DocumentRecord;
}

/** What one publish records, in one transaction. */
export interface PublishRecord {
  states: Map<string, FeedState>;
  documents: DocumentRow[];
  /** The digest of the settings and renderer that produced the manifest. */
  renderDigest: string;
  /** The instant up to which embargoes were applied. */
  visibleUntil: number;
  /** The change log position this publish includes. */
  changeSeq: number;
}

/** The store of articles, file index and feed state. */
export interface ArticleStore {
  /** Applies a batch of writes in one transaction; returns what actually changed. */
  writeArticles(writes: ArticleWrite[], now: number): Promise<ArticleChange[]>;
  /** One article by id, tombstones excluded. */
  getArticle(id: string): Promise<StoredArticle | undefined>;
  /**
   * The newest `limit` articles of a scope published at or before `visibleAt` (embargoed ones
   * are left out), newest first, ties broken by id descending. Without `visibleAt`, all.
   */
  newestInScope(scope: string, limit: number, visibleAt?: number): Promise<StoredArticle[]>;
  /** The scopes with at least one article visible at `visibleAt`; only those in `keys` when given. */
  listScopes(keys?: string[], visibleAt?: number): Promise<ScopeSummary[]>;
  /** The scopes of live articles whose `published` falls in (from, to]: embargoes that ended. */
  scopesPublishedBetween(from: number, to: number): Promise<string[]>;
  /** Articles and tombstones changed at or after `since`, oldest change first, at most `limit`. */
  listChangedSince(since: number, limit: number): Promise<{ id: string; changedAt: number; deleted: boolean; stored?: StoredArticle }[]>;
  /** The number of live articles. */
  countArticles(): Promise<number>;
  /**
   * Changes recorded after `seq` (every write records the scopes it touched, in its own
   * transaction), so a compile in any process learns of writes made by another.
   */
  readChangesSince(seq: number): Promise<{ seq: number; scopes: string[] }[]>;
  /** The newest change's sequence number (0 when none). */
  latestChangeSeq(): Promise<number>;
  /** The file index of data/articles/. */
  readFileIndex(): Promise<FileEntry[]>;
  /** The file index entries of the named files (those that have one). */
  readFileEntries(names: readonly string[]): Promise<FileEntry[]>;
  /** Replaces entries of the file index and removes the named ones, in one transaction. */
  writeFileIndex(upserts: FileEntry[], removals: string[]): Promise<void>;
  /** Every feed state ever published, by scope key. */
  readFeedStates(): Promise<Map<string, FeedState>>;
  /** Records a publish: feed states, manifest rows (replacing those of the same path and origin). */
  writePublish(publish: PublishRecord): Promise<void>;
  /** The published manifest and the digest it was rendered with. */
  readPublished(): Promise<{ documents: DocumentRow[]; renderDigest: string | undefined; visibleUntil: number | undefined; changeSeq: number | undefined }>;
  /** Closes the store. */
  close(): Promise<void>;
}
