// The archive render task (RFC 5005 §4): one feed's documents of one calendar month in the
// site's time zone, in the three formats for every origin, with `current`, `prev-archive`,
// `next-archive` and `fh:archive` (JSON Feed: next_url towards the older month). Run by a render
// worker (or the compiling thread when workers cannot run); the serving thread only asks.
import { createHash } from 'node:crypto';
import { monthBounds, monthOf, type ArchiveLinks, type MonthKey } from '../core/archive-months.js';
import type { FeedContent, PreparedItem } from '../core/feed-model.js';
import { FORMATS, scopeKind, type Format, type Scope } from '../core/scopes.js';
import type { ArticleStore, StoredArticle } from '../store/store.js';
import { nextLastModified, notAfter } from './feed-state.js';

/** What an archive render reads: a month's items and its neighbouring months. */
export type ArchiveReader = Pick<ArticleStore, 'itemsInScopeBetween' | 'publishedBeforeInScope' | 'publishedFromInScope' | 'scopeLabels'>;

/** Render one feed's archive month. */
export interface ArchiveTask {
  /**
   * The feed's scope key (`''`, `sections/news/russia`, `tags/syria`) and its label when the store
   * has none stored (the store's wins, so every instance renders the same title).
   */
  key: string;
  label: string;
  month: MonthKey;
  /** The clock (epoch ms): items published later are embargoed; a month is closed only after it. */
  at: number;
  /** What the month was last rendered as: unchanged content is not rendered again. */
  known?: { digest: string; lastModified: number };
}

/**
 * What an archive render gives back: `empty` (no visible item in the month: a 404), `unchanged`
 * (the same digest as `known`), or the rendered documents, one per format (FORMATS order), each
 * with a record per origin. `closed`: the month has ended and a newer month has items, so its
 * links are final (served `immutable`).
 */
export type ArchiveRendered<D> =
  | { kind: 'empty' }
  | { kind: 'unchanged'; digest: string; closed: boolean }
  | { kind: 'rendered'; digest: string; lastModified: number; closed: boolean; documents: D[] };

/** Writes one format's text per origin and gives its record(s); see render-task.ts. */
export type ArchivePublish<D> = (path: string, format: Format, lastModified: number, feed: FeedContent) => Promise<D>;

/**
 * The digest of an archive month's content: the site digest (settings, RENDER_VERSION), the
 * scope, the month and its neighbours (they are links in the document), and the items' digests.
 */
export function archiveDigest(base: string, scope: Pick<Scope, 'key' | 'label'>, links: ArchiveLinks, items: readonly Pick<StoredArticle, 'digest'>[]): string {
  const h = createHash('sha256').update(base).update('\0archive\0').update(scope.key).update('\0').update(scope.label);
  h.update(`\0${links.month ?? ''}\0${links.prev ?? ''}\0${links.next ?? ''}`);
  for (const i of items) h.update('\0').update(i.digest);
  return h.digest('base64url').slice(0, 32);
}

/**
 * An archive's Last-Modified (epoch ms, never after `at`): the newest of its items' dates and
 * the times their current versions were stored (an edit that kept `updated` still moves it), to
 * the second. Deterministic from the store, so instances agree. When the content changed since
 * `known` and that would not move the date forward, the compiler's rule for feeds applies
 * (nextLastModified: the clock). A removal alone moves it only through that rule (see README).
 */
export function archiveLastModified(items: readonly StoredArticle[], at: number, known: { digest: string; lastModified: number } | undefined, digest: string): number {
  let newest = 0;
  for (const i of items) newest = Math.max(newest, i.article.updated ?? i.article.published, i.changedAt);
  const lm = Math.min(Math.floor(newest / 1000) * 1000, Math.floor(at / 1000) * 1000);
  if (known === undefined || known.digest === digest || lm > known.lastModified) return lm;
  return nextLastModified([...items], known, at);
}

/**
 * Renders one archive month (see {@link ArchiveTask}). Reads the month's items and the nearest
 * older and newer items of the feed (two index seeks) with `reader`; `prepare` makes each item
 * ready to render; `publish` renders, compresses and writes one format. Store errors propagate.
 */
export async function renderArchiveMonth<D>(
  task: ArchiveTask,
  timeZone: string,
  baseDigest: string,
  reader: ArchiveReader,
  prepare: (stored: StoredArticle) => PreparedItem,
  publish: ArchivePublish<D>,
  pathOf: (key: string, month: MonthKey, format: Format) => string,
): Promise<ArchiveRendered<D>> {
  const { from, to } = monthBounds(task.month, timeZone);
  const items = await reader.itemsInScopeBetween(task.key, from, to, task.at);
  if (items.length === 0) return { kind: 'empty' };
  const [older, newer] = await Promise.all([reader.publishedBeforeInScope(task.key, from, task.at), reader.publishedFromInScope(task.key, to, task.at)]);
  const links: ArchiveLinks = { month: task.month };
  if (older !== undefined) links.prev = monthOf(older, timeZone);
  if (newer !== undefined) links.next = monthOf(newer, timeZone);
  const closed = task.at >= to && newer !== undefined;
  const label = task.key === '' ? '' : ((await reader.scopeLabels([task.key])).get(task.key) ?? task.label);
  const scope: Scope = { key: task.key, kind: scopeKind(task.key), label };
  const digest = archiveDigest(baseDigest, scope, links, items);
  if (task.known?.digest === digest) return { kind: 'unchanged', digest, closed };
  const lastModified = archiveLastModified(items, task.at, task.known, digest);
  const feed: FeedContent = { scope, items: items.map((i) => notAfter(prepare(i), lastModified)), lastModified, archive: links };
  const documents: D[] = [];
  for (const format of FORMATS) documents.push(await publish(pathOf(task.key, task.month, format), format, lastModified, feed));
  return { kind: 'rendered', digest, lastModified, closed, documents };
}
