// The store interface: what the compile and the ingest paths need from a database. One file
// per database implements it; one contract test suite runs against each.
import type { Article } from '../core/article.js';
import { FeedwrightError } from '../core/errors.js';
import type { ReaderStatsStore } from './reader-stats.js';

/** An article as stored, with the digest of its content and when that version was stored. */
export interface StoredArticle {
  article: Article;
  digest: string;
  /** When this version was first stored (epoch ms). */
  changedAt: number;
  /** Where it came from: `file:<name>` or `api`. */
  source: string;
  /** Its sanitised, prepared form as the writer stored it, if it did (see {@link PreparedBlob}). */
  prepared?: PreparedBlob;
}

/**
 * An article's prepared form (sanitised body, content template, summary), made by the writer
 * and kept with that version of the article. Opaque to the store: `key` names what it was made
 * with (settings and code versions, see src/compile/prepared.ts), `data` is its serialised form.
 */
export interface PreparedBlob {
  key: string;
  data: string;
}

/**
 * A prepared form made at compile time for one version of an article (see
 * ArticleStore.storePrepared): the article's id, the digest of the version it was made from,
 * and the form.
 */
export interface PreparedRow {
  id: string;
  digest: string;
  prepared: PreparedBlob;
}

/** The rows {@link ArticleStore.storePrepared} commits per transaction, at most. */
export const PREPARED_BATCH_ROWS = 500;

/** One entry of the change list (ArticleStore.listChangedSince / listChangesAfter). */
export interface ChangedArticle {
  id: string;
  /** When the change was stored, epoch ms (a sync's articles share the compile's start). */
  changedAt: number;
  /** Its place in commit order: increasing, never given twice (the change list's cursor). */
  changeSeq: number;
  deleted: boolean;
  /** The article, unless deleted. */
  stored?: StoredArticle;
}

/**
 * One write in a batch: create or replace an article, or remove it (a tombstone is kept).
 * `replaces` names an article this write's source held before (a file whose `id` changed): it
 * is removed in the same step, when it was last written by the same source, and only if this
 * write is applied. `prepared` is stored with the article; a put that changes nothing else
 * still replaces a stored preparation whose key differs (the settings it was made with changed).
 */
export type ArticleWrite =
  | { kind: 'put'; article: Article; digest: string; source: string; replaces?: string; prepared?: PreparedBlob }
  | { kind: 'delete'; id: string };

/**
 * A put the store refused because the id readers would know the article by (its `guid`, else
 * the id prefix and its `id`) belongs to another live article. The owner keeps it.
 */
export interface WriteRefusal {
  /** The write's position in the batch. */
  index: number;
  /** The refused article's id. */
  id: string;
  /** The field that makes the reader id: `guid`, or `id` for an article without one. */
  field: 'guid' | 'id';
  /** The reader id in question. */
  readerId: string;
  /**
   * The live article that owns it, and where that article came from (`file:<name>`, `api`,
   * `import`); or, when the id is one of the site's feed ids (reserved), the id and `feed`.
   */
  ownerId: string;
  ownerSource: string;
}

/** How a batch treats refused writes. */
export interface WriteOptions {
  /**
   * Given: refused puts are left out, the rest of the batch commits, and this is called once per
   * refusal after the commit. Absent: one refusal fails the whole batch with `ITEM_ID_TAKEN`.
   */
  onRefused?: (refusal: WriteRefusal) => void;
  /**
   * False when the caller can make these writes again after a power failure (articles read from
   * files: the files are the source, and the file index is only written after them): SQLite
   * then commits without waiting for the disk (see openSqliteStore). Default true: a write an
   * API client was told is stored (2xx) is on disk when this resolves.
   */
  durable?: boolean;
}

/** What every store is opened with. */
export interface StoreOptions {
  /**
   * The site's id prefix (`site.json` `idPrefix`): an article without a guid is known to readers
   * as the prefix and its id, and the store keeps those ids unique too. When it differs from the
   * one the store last saw, reader ids are derived again on open.
   */
  idPrefix: string;
  /** Where the store reports what an upgrade or a prefix change did (duplicates set aside). */
  log?: (line: string) => void;
  /** Open an existing store for reading only (a render worker's connection); nothing is upgraded. */
  readOnly?: boolean;
  /** Hears every SQL statement the SQLite store runs (better-sqlite3's `verbose`), for tests; PostgreSQL ignores it. */
  trace?: (sql: string) => void;
}

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
  /** Body sizes in bytes; `br` is 0 while the brotli body is still being made (see BROTLI_PENDING). */
  sizes: { identity: number; gzip: number; br: number };
}

/** One row of the published manifest: a document on one origin. */
export interface DocumentRow {
  path: string;
  origin: string;
  record: DocumentRecord;
}

/** A brotli body made for one manifest row (see recordBrotliSizes). */
export interface BrotliSize {
  path: string;
  origin: string;
  hash: string;
  /** The brotli body's size in bytes (> 0). */
  size: number;
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
  /**
   * Feeds removed by this publish (no article left in them): their feed states (`scopes`) and
   * every manifest row of their document paths (`paths`, on every origin) are deleted. Their
   * stored labels stay, so a feed that comes back keeps its title.
   */
  removed?: { scopes: readonly string[]; paths: readonly string[] };
}

/**
 * A verified subscription of the built-in WebSub hub (issue 14; W3C WebSub §5.1, §5.3): one per
 * (topic, callback). Times are epoch ms.
 */
export interface HubSubscription {
  /** The topic URL, absolute (origin href + document path). */
  topic: string;
  /** The subscriber's callback URL, absolute http(s). */
  callback: string;
  /** `hub.secret` (under 200 bytes), for X-Hub-Signature; undefined when none was given. */
  secret?: string;
  /** The lease granted, in seconds (as bounded by the hub). */
  leaseSeconds: number;
  /** When the lease ends (epoch ms): from then on nothing is delivered and the row may go. */
  expiresAt: number;
  /** When the (topic, callback) pair was first subscribed. */
  createdAt: number;
  /** When intent was last verified (the last subscribe or renewal). */
  verifiedAt: number;
}

/**
 * What the built-in WebSub hub keeps in the store (issue 14): verified subscriptions with their
 * leases and secrets. Every method throws a FeedwrightError `STORE_QUERY` (PostgreSQL also
 * `STORE_UNAVAILABLE`) when the database fails.
 */
export interface HubSubscriptionStore {
  /**
   * Records a verified subscription (WebSub §5.3: stored only once intent is verified): a new
   * (topic, callback) is inserted; an existing one is renewed — secret, lease, expiry and
   * verifiedAt replaced, createdAt kept.
   */
  putSubscription(sub: HubSubscription): Promise<void>;
  /** Removes the subscription of (topic, callback); true when there was one. */
  deleteSubscription(topic: string, callback: string): Promise<boolean>;
  /**
   * The subscriptions whose lease has not ended at `now` (expiresAt > now), of `topic` only when
   * given, ordered by topic then callback.
   */
  listSubscriptions(now: number, topic?: string): Promise<HubSubscription[]>;
  /** Removes every subscription whose lease ended at or before `now`; returns how many. */
  deleteExpiredSubscriptions(now: number): Promise<number>;
}

/** The store of articles, file index and feed state; the built-in hub's subscriptions; the readers counted (reader-stats.ts, issue 12). */
export interface ArticleStore extends HubSubscriptionStore, ReaderStatsStore {
  /**
   * Applies a batch of writes in one transaction; returns what actually changed. Keeps the
   * reader-id rule: a put whose reader id (guid, else id prefix + id) belongs to another live
   * article is refused (see {@link WriteOptions}; without `onRefused` the batch fails with a
   * FeedwrightError `ITEM_ID_TAKEN` naming both articles, and nothing of it is stored). A
   * tombstoned article owns no reader id; an article may change its own guid (the old one is
   * freed). Every scope a put lists gets its label here the first time, and keeps it.
   */
  writeArticles(writes: ArticleWrite[], now: number, options?: WriteOptions): Promise<ArticleChange[]>;
  /**
   * Stores prepared forms a compile made (a render found none, or one made with other settings),
   * so the next compile finds them: sets `prepared_key` and `prepared` of each row's article only
   * where that article is live and its digest still equals the row's (an article edited or
   * removed meanwhile is left alone), and its stored key differs. A cache, not a change: the
   * article's `changedAt`, the change log and everything a feed's digest reads stay as they were
   * (no feed renders again, no ETag changes; PostgreSQL sends no NOTIFY). Commits in
   * transactions of at most 500 rows. Returns how many articles were updated. A read-only store
   * (a render worker's connection) stores nothing and returns 0. Throws a FeedwrightError
   * `STORE_QUERY` (PostgreSQL also `STORE_UNAVAILABLE`) when the database fails; transactions
   * committed before stay.
   */
  storePrepared(rows: readonly PreparedRow[]): Promise<number>;
  /** One article by id, tombstones excluded. */
  getArticle(id: string): Promise<StoredArticle | undefined>;
  /**
   * The newest `limit` articles of a scope published at or before `visibleAt` (embargoed ones
   * are left out), newest first, ties broken by id descending. Without `visibleAt`, all.
   */
  newestInScope(scope: string, limit: number, visibleAt?: number): Promise<StoredArticle[]>;
  /**
   * The ids and content digests of exactly the articles {@link newestInScope} gives, in its
   * order, without reading the articles: what a feed's content digest needs.
   */
  newestDigestsInScope(scope: string, limit: number, visibleAt?: number): Promise<{ id: string; digest: string }[]>;
  /**
   * The articles of a scope whose `published` (epoch ms) is in `[from, to)` and at or before
   * `visibleAt` (embargoed ones are left out), newest first, ties broken by id descending: one
   * RFC 5005 archive month (see core/archive-months.ts). Without `visibleAt`, all.
   */
  itemsInScopeBetween(scope: string, from: number, to: number, visibleAt?: number): Promise<StoredArticle[]>;
  /**
   * The `published` (epoch ms) of the newest article of a scope published before `before` and
   * at or before `visibleAt`, or undefined when there is none: where the archive before a month
   * is (RFC 5005 prev-archive). One index seek.
   */
  publishedBeforeInScope(scope: string, before: number, visibleAt?: number): Promise<number | undefined>;
  /**
   * The `published` (epoch ms) of the oldest article of a scope published at or after `from` and
   * at or before `visibleAt`, or undefined when there is none (RFC 5005 next-archive). One index seek.
   */
  publishedFromInScope(scope: string, from: number, visibleAt?: number): Promise<number | undefined>;
  /**
   * The scopes with at least one article visible at `visibleAt`; only those in `keys` when given.
   * A scope's label is the one it got when it was first written, whatever articles it holds now.
   * With `countUpTo` (only with `keys`), `items` is min(items, countUpTo): a feed lists at most
   * `itemLimit` items, and counting the site's 100,000 on every write is wasted.
   */
  listScopes(keys?: string[], visibleAt?: number, countUpTo?: number): Promise<ScopeSummary[]>;
  /** The stored labels of the named scopes (also of scopes with no article left), by key. */
  scopeLabels(keys: readonly string[]): Promise<Map<string, string>>;
  /** The live article that owns a reader id, if any. */
  readerIdOwner(readerId: string): Promise<{ id: string; source: string } | undefined>;
  /** The scopes of live articles whose `published` falls in (from, to]: embargoes that ended. */
  scopesPublishedBetween(from: number, to: number): Promise<string[]>;
  /**
   * Articles and tombstones whose last change is at or after `since` (epoch ms), in commit order
   * (changeSeq), at most `limit`. Where a client starts; it goes on with listChangesAfter.
   * Throws STORE_* FeedwrightErrors.
   */
  listChangedSince(since: number, limit: number): Promise<ChangedArticle[]>;
  /**
   * Articles and tombstones whose last change committed after the one numbered `seq` (a
   * ChangedArticle's changeSeq), in commit order, at most `limit`: the change list's cursor. A
   * change committed later always has a higher number, whatever its changedAt (a folder sync
   * stamps every batch with the compile's start and commits them over seconds; an API write
   * may commit in between), so following it neither misses nor repeats a change.
   * Throws STORE_* FeedwrightErrors.
   */
  listChangesAfter(seq: number, limit: number): Promise<ChangedArticle[]>;
  /** The highest changeSeq given so far (0 in an empty store): where a client with nothing to read goes on from. */
  maxChangeSeq(): Promise<number>;
  /** The number of live articles. */
  countArticles(): Promise<number>;
  /**
   * Changes recorded after `seq` (every write records the scopes it touched, in its own
   * transaction), so a compile in any process learns of writes made by another.
   */
  readChangesSince(seq: number): Promise<{ seq: number; scopes: string[] }[]>;
  /** The newest change's sequence number (0 when none). */
  latestChangeSeq(): Promise<number>;
  /**
   * The file index of data/articles/, in the store's order of names (SQLite: binary; PostgreSQL:
   * the database's collation): every entry, or with `after` only those whose name sorts after it
   * in that order, and with `limit` at most that many (a page: the next page is read with the
   * last name as `after`).
   */
  readFileIndex(after?: string, limit?: number): Promise<FileEntry[]>;
  /** The file index entries of the named files (those that have one). */
  readFileEntries(names: readonly string[]): Promise<FileEntry[]>;
  /** Replaces entries of the file index and removes the named ones, in one transaction. */
  writeFileIndex(upserts: FileEntry[], removals: string[]): Promise<void>;
  /** Every feed state ever published, by scope key. */
  readFeedStates(): Promise<Map<string, FeedState>>;
  /** Records a publish: feed states, manifest rows (replacing those of the same path and origin). */
  writePublish(publish: PublishRecord): Promise<void>;
  /**
   * Records brotli bodies made after their documents were published, in one transaction: sets
   * `sizes.br` of the manifest row (path, origin) when it still has that identity hash and its
   * brotli body is pending (0). A row replaced meanwhile is left alone.
   */
  recordBrotliSizes(rows: readonly BrotliSize[]): Promise<void>;
  /**
   * The published manifest and the digest it was rendered with; `publishSeq` (PostgreSQL only)
   * counts the publishes recorded, so an instance can tell whether it holds the latest set.
   */
  readPublished(): Promise<{ documents: DocumentRow[]; renderDigest: string | undefined; visibleUntil: number | undefined; changeSeq: number | undefined; publishSeq?: number }>;
  /** Closes the store. */
  close(): Promise<void>;
}

/**
 * One line that says why a write was refused and who keeps the id, e.g. `the guid
 * "https://old.example.org/?p=1234" already belongs to article "a1" (file:a1.json)`.
 */
export function describeRefusal(r: WriteRefusal): string {
  if (r.ownerSource === 'feed') return `${r.field === 'guid' ? 'the guid' : 'its generated id'} "${r.readerId}" is the id of one of the site's feeds`;
  const owner = `article "${r.ownerId}" (${r.ownerSource})`;
  return r.field === 'guid'
    ? `the guid "${r.readerId}" already belongs to ${owner}`
    : `its generated id "${r.readerId}" is already the guid of ${owner}`;
}

/**
 * What is wrong with the refused field, for a `{field, message}` problem: for `guid`,
 * `"https://old.example.org/?p=1234" already belongs to article "a1" (file:a1.json)`.
 */
export function refusalFieldMessage(r: WriteRefusal): string {
  if (r.ownerSource === 'feed') return `${r.field === 'guid' ? '' : 'makes the item id '}"${r.readerId}", the id of one of the site's feeds`;
  const owner = `article "${r.ownerId}" (${r.ownerSource})`;
  return r.field === 'guid' ? `"${r.readerId}" already belongs to ${owner}` : `makes the item id "${r.readerId}", already the guid of ${owner}`;
}

/**
 * The error a batch fails with when a put is refused and the caller asked for all or nothing:
 * code `ITEM_ID_TAKEN`, one problem per refusal naming the field and the owner.
 */
export function readerIdTakenError(refusals: readonly WriteRefusal[]): FeedwrightError {
  const first = refusals[0];
  const message = first === undefined ? 'an item id is taken' : `article "${first.id}": ${describeRefusal(first)}${refusals.length > 1 ? ` (and ${refusals.length - 1} more)` : ''}`;
  return new FeedwrightError('ITEM_ID_TAKEN', message, { problems: refusals.map((r) => ({ field: r.field, message: `of article "${r.id}" ${refusalFieldMessage(r)}` })) });
}
