// Step 2, find changed feeds: the plan of what a compile renders, from the content digests the
// store holds (no article is read in full and nothing is rendered here).
import { feedPath } from '../../core/scopes.js';
import type { FeedFailure } from '../../publish/published-set.js';
import type { FeedState, ScopeSummary } from '../../store/store.js';
import { contentDigest } from '../feed-state.js';
import { labelFromKey, type FeedTask } from '../render-task.js';
import { failure, type CompileContext, type CompilerState } from './context.js';

/** The feeds one compile renders, found by the "find changed feeds" step. */
export interface Plan {
  /** Everything is rendered: the first compile, or the served set came from other settings. */
  cold: boolean;
  /** The store's scopes among the candidates, with their labels and item counts. */
  scopes: Map<string, ScopeSummary>;
  /** The scopes looked at: their listing entries are refreshed. */
  candidates: Set<string>;
  /** The render tasks, sorted by scope key. */
  tasks: FeedTask[];
  /** Feeds whose stored digests could not be read: reported failed, not rendered. */
  failed: FeedFailure[];
  /**
   * Feeds published before that have no visible article left (their last article was deleted,
   * untagged, moved or embargoed), sorted by key: not rendered, dropped from the listing, and
   * their documents and feed state removed at publish (their URLs then answer 404). Never the site.
   */
  removed: string[];
}

/**
 * Step 2, find changed feeds: every feed with a visible article on a cold compile; otherwise the
 * affected ones whose content digest differs from the published one (a read of item digests,
 * nothing rendered), or whose documents are missing, or a body of theirs is damaged
 * (`state.forced`). A feed with no visible article left goes to `plan.removed` (on a cold compile:
 * every one published before; otherwise the affected ones). `startedAt` is the compile's cutoff
 * (epoch ms). Undefined when there is nothing to do. A feed whose digests cannot be read goes to
 * `plan.failed`; rejects when the store cannot list the scopes.
 */
export async function findChangedFeeds(ctx: CompileContext, state: CompilerState, affected: Set<string>, startedAt: number): Promise<Plan | undefined> {
  const { store, site } = ctx;
  const { published } = state;
  const cold = published === undefined || state.renderAll;
  if (!cold && affected.size === 0 && !state.forceDirectory) return undefined;
  const known = state.states ?? new Map<string, FeedState>();
  // Counted up to itemLimit: a listing shows at most that many, and the site has every article.
  const scopes = new Map((await (cold ? store.listScopes(undefined, startedAt) : store.listScopes([...affected], startedAt, site.itemLimit))).map((s) => [s.key, s]));
  // A feed exists while it has a visible article (the site always): one whose last article went
  // is dropped, not served empty, so one article's thousand tags leave no thousand empty feeds
  // listed on / and in the OPML (see the README, "Feeds that lose their last article").
  const candidates = cold ? new Set(['', ...scopes.keys()]) : new Set([...affected].filter((k) => scopes.has(k) || k === ''));
  const wasPublished = (k: string) => known.has(k) || published?.documents.has(feedPath(k, 'rss')) === true;
  const removed = (cold ? [...known.keys()] : [...affected]).filter((k) => k !== '' && !scopes.has(k) && wasPublished(k));
  const plan: Plan = { cold, scopes, candidates, tasks: [], failed: [], removed: [...new Set(removed)].sort() };
  for (const key of [...candidates].sort()) {
    const label = scopes.get(key)?.label ?? labelFromKey(key);
    const previous = known.get(key);
    // A feed with a damaged body is rendered whatever its digest says: the digest describes the
    // content, not whether its files are intact.
    if (!cold && previous !== undefined && !state.forced.has(key) && published?.documents.has(feedPath(key, 'rss'))) {
      try {
        // Digests only: whether the content changed needs no article read.
        const items = await store.newestDigestsInScope(key, site.itemLimit, startedAt);
        if (contentDigest(ctx.baseDigest, { key, label }, items) === previous.digest) continue;
      } catch (err) {
        plan.failed.push(failure(key, err));
        continue;
      }
    }
    plan.tasks.push({ key, label, ...(previous === undefined ? {} : { previous }), startedAt });
  }
  return plan;
}
