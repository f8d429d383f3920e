// Steps 3 and 4, render: the changed feeds, then the directory documents, in the render pool (its
// workers render, compress and write the bodies); a small compile's bodies are kept in memory.
import type { FeedListing } from '../../core/render-directory.js';
import { variantTag } from '../../publish/header-rules.js';
import { PUBLISH_CODINGS } from '../../publish/published-set.js';
import type { FeedState } from '../../store/store.js';
import type { BodyStore } from '../body-store.js';
import type { FeedRendered, FeedTask, RenderedDocument } from '../render-task.js';
import type { Plan } from './changed-feeds.js';
import { failure, type CompileContext, type CompileReport, type CompilerState } from './context.js';
import { byScopeKey, listingOf, updateListing } from './listing.js';
import type { PreparedForms } from './prepared-forms.js';

/** The directory documents and the listing they were rendered from. */
export interface Directory {
  /** Every feed, sorted by scope key. */
  feeds: FeedListing[];
  /** `/feeds.opml` and `/`, a record per origin (the bodies already written). */
  documents: RenderedDocument[];
}

/**
 * A compile of at most this many feeds hands its bodies to the serving thread's memory cache
 * (see FeedTask.returnBodies); a larger one leaves them on disk for readers' first reads.
 */
const RETURN_BODIES_UP_TO = 64;

/**
 * Keeps the bodies a render sent back in memory (within the budget) as they arrive, then lets
 * them go: the newest documents are the ones readers ask for next, and a cold compile's bytes
 * never pile up on this thread.
 */
function cacheBodies(bodies: BodyStore, documents: RenderedDocument[]): void {
  for (const doc of documents) {
    doc.bodies?.forEach((perOrigin, i) => {
      const hash = doc.records[i]?.hash;
      if (hash !== undefined) PUBLISH_CODINGS.forEach((c, j) => bodies.hold(variantTag(hash, c), perOrigin[j] as Uint8Array));
    });
    delete doc.bodies;
  }
}

/**
 * Step 3, render and compress: every task to the render pool (worker threads), which reads the
 * feed at the compile's cutoff, renders it for every origin, compresses and writes the bodies.
 * A feed that fails keeps its last good documents and is rendered again next time. Returns the
 * rendered feeds sorted by scope key (without their `prepared` forms, which go to `forms` as
 * each render arrives, to be stored); fills `rep.feedsRendered`, `feedsChanged` and
 * `failedFeeds` (with `plan.failed`). Never rejects: a failed render is a failed feed.
 */
export async function renderFeeds(ctx: CompileContext, plan: Plan, rep: CompileReport, forms?: PreparedForms): Promise<FeedRendered[]> {
  let done = 0;
  const returnBodies = plan.tasks.length <= RETURN_BODIES_UP_TO;
  const settled = await Promise.allSettled(
    plan.tasks.map(async (t) => {
      try {
        const r = await ctx.renderer.renderFeed({ ...t, returnBodies });
        cacheBodies(ctx.bodies, r.documents);
        forms?.add(r.prepared);
        delete r.prepared;
        return r;
      } finally {
        ctx.progress?.('render', (done += 1), plan.tasks.length);
      }
    }),
  );
  const rendered: FeedRendered[] = [];
  const failed = [...plan.failed];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') rendered.push(s.value);
    else failed.push(failure((plan.tasks[i] as FeedTask).key, s.reason));
  });
  rendered.sort((a, b) => byScopeKey(a.key, b.key));
  for (const r of rendered) {
    rep.feedsRendered += 1;
    if (r.changed) rep.feedsChanged.push(r.key);
  }
  rep.failedFeeds = failed.sort((a, b) => byScopeKey(a.scope, b.scope));
  for (const f of rep.failedFeeds) ctx.log(`feed ${f.scope === '' ? '(site)' : f.scope} failed: ${f.error}`);
  return rendered;
}

/**
 * Step 4, the directory documents (OPML and the index page): they list every feed, so they change
 * whenever one did (or was removed: `finalStates` holds no removed feed). `finalStates` are the feed states after this compile, by scope key; `startedAt`
 * (epoch ms) is the Last-Modified of a feed never published. Rejects when the render fails (the
 * compile then publishes nothing).
 */
export async function renderDirectory(ctx: CompileContext, state: CompilerState, plan: Plan, finalStates: Map<string, FeedState>, startedAt: number): Promise<Directory> {
  const previous = state.published;
  const feeds = plan.cold || previous === undefined
    ? listingOf(ctx.site, new Set(['', ...finalStates.keys()]), plan.scopes, finalStates, startedAt)
    : updateListing(ctx.site, previous.feeds, plan.candidates, plan.scopes, finalStates, plan.removed);
  const { documents } = await ctx.renderer.renderDirectory({ feeds });
  cacheBodies(ctx.bodies, documents);
  return { feeds, documents };
}
