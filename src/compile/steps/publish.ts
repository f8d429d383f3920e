// Step 5, publish: the manifest and feed states in one store transaction, one swap of the served
// set, then in the background the replaced bodies' deletion and the brotli bodies, each put into
// the served set as it is made.
import { FORMATS, feedPath, previewPath } from '../../core/scopes.js';
import type { SiteConfig } from '../../core/site.js';
import { documentFromRecord } from '../../publish/header-rules.js';
import { BROTLI_PENDING, type CompiledDocument } from '../../publish/published-set.js';
import type { DocumentRow } from '../../store/store.js';
import type { BrotliWanted } from '../brotli-backfill.js';
import type { FeedRendered } from '../render-task.js';
import type { Plan } from './changed-feeds.js';
import type { CompileContext, CompileReport, CompilerState } from './context.js';
import type { Directory } from './render.js';
import type { Seen } from './sync-sources.js';
import { damageKey } from './withholding.js';
import { createTimeSlicer } from '../time-slice.js';
import { countLiveNames, type LiveNames } from '../live-names.js';

/** The documents among these (path → one per origin) whose brotli body is pending and that are not withheld. */
export function brotliWanted(documents: Iterable<[string, readonly CompiledDocument[]]>): BrotliWanted[] {
  const wanted: BrotliWanted[] = [];
  // A withheld document gets its brotli body when its feed is rendered again.
  for (const [path, docs] of documents) docs.forEach((d, originIndex) => d.sizes.br === BROTLI_PENDING && d.withheld === undefined && wanted.push({ path, originIndex, hash: d.hash }));
  return wanted;
}

/**
 * Puts a brotli body made in the background into the served set, in place (one document on one
 * origin: a reader sees it served as br from the next request on); false when that document was
 * replaced meanwhile or already has it. Last-Modified, the identity and gzip variants stay.
 */
export function installBrotli(ctx: CompileContext, state: CompilerState, w: BrotliWanted, size: number): boolean {
  const documents = state.published?.documents as Map<string, readonly CompiledDocument[]> | undefined;
  const docs = documents?.get(w.path);
  const doc = docs?.[w.originIndex];
  if (documents === undefined || docs === undefined || doc === undefined || doc.hash !== w.hash || doc.sizes.br !== BROTLI_PENDING || doc.withheld !== undefined) return false;
  const record = { contentType: doc.contentType, lastModified: doc.lastModified, hash: doc.hash, sizes: { ...doc.sizes, br: size } };
  const next = [...docs];
  next[w.originIndex] = documentFromRecord(record, ctx.headersFor(w.path, doc.contentType, w.originIndex));
  documents.set(w.path, next);
  return true;
}

/** Every document path of a feed: its three formats and its preview page. */
export function feedDocumentPaths(scopeKey: string): string[] {
  return [...FORMATS.map((f) => feedPath(scopeKey, f)), previewPath(scopeKey)];
}

/**
 * Step 5, publish: the manifest and feed states in one store transaction, then one swap of the
 * served set (the documents rendered replace theirs, the removed feeds' documents go, the rest
 * are carried over), heard by every publish listener. Fills `rep.documents`, `rep.feedsRemoved`
 * and `rep.published`; `startedAt` (epoch ms) is the embargo cutoff recorded. Rejects when the
 * body folder or the store fails before the swap (the served set stays).
 */
export async function publish(ctx: CompileContext, state: CompilerState, plan: Plan, rendered: FeedRendered[], directory: Directory, seen: Seen, startedAt: number, rep: CompileReport): Promise<void> {
  const { store, site, bodies, headersFor } = ctx;
  const before = state.published?.documents ?? new Map<string, readonly CompiledDocument[]>();
  /** The documents this publish renders, by path: the rest of the set is carried over. */
  const fresh = new Map<string, CompiledDocument[]>();
  const rows: DocumentRow[] = [];
  /** Body files of the documents this publish replaces: deleted after it unless still named. */
  const replaced: string[] = [];
  /**
   * The served documents (path, origin index) this publish replaces with other bytes or takes
   * away: their queued brotli work is dropped at the swap. Gathered here, in the slices, from the
   * set served now: until the swap it changes only by brotli bodies installed in place, which
   * keep each document's hash.
   */
  const forgotten: [path: string, originIndex: number][] = [];
  // A full re-render builds thousands of documents here, on the serving thread: in slices, so
  // readers are answered in between (nothing is served from `fresh` before the swap below).
  const slicer = createTimeSlicer();
  for (const doc of [...rendered.flatMap((r) => r.documents), ...directory.documents]) {
    if (slicer.due()) await slicer.pause();
    const old = before.get(doc.path) ?? [];
    for (const o of old) replaced.push(...o.etags);
    old.forEach((o, i) => o.hash !== doc.records[i]?.hash && forgotten.push([doc.path, i]));
    const docs = doc.records.map((r, i) => {
      // The same bytes as served now (rendered again): the brotli body already made is kept,
      // unless the document was withheld for a damaged body (then br is made again too).
      const was = old[i];
      const record = was !== undefined && was.hash === r.hash && was.sizes.br !== BROTLI_PENDING && was.withheld === undefined ? { ...r, sizes: { ...r.sizes, br: was.sizes.br } } : r;
      rows.push({ path: doc.path, origin: (site.origins[i] as SiteConfig['origins'][number]).href, record });
      return documentFromRecord(record, headersFor(doc.path, r.contentType, i));
    });
    fresh.set(doc.path, docs);
    rep.documents += docs.length;
  }
  // The documents of feeds with no article left: out of the set, the manifest and the folder.
  const gone = plan.removed.flatMap(feedDocumentPaths);
  for (const path of gone) {
    (before.get(path) ?? []).forEach((o, i) => {
      replaced.push(...o.etags);
      forgotten.push([path, i]);
    });
  }
  // A publish that replaces much of the set (a full re-render), or sweeps the folder, counts the
  // new set's names afresh, in slices before the swap; a small one (a write's) adjusts the counts
  // at the swap.
  let recounted: LiveNames | undefined;
  if (plan.cold || state.sweep || fresh.size * 4 > before.size) {
    recounted = countLiveNames();
    const goneSet = new Set(gone);
    for (const [path, docs] of before) {
      if (slicer.due()) await slicer.pause();
      if (!fresh.has(path) && !goneSet.has(path)) recounted.apply(docs, []);
    }
    for (const docs of fresh.values()) {
      if (slicer.due()) await slicer.pause();
      recounted.apply(docs, []);
    }
  }
  // After a full compile, files no set names (left by a crash, or from older versions) go before
  // the swap; the bodies the old set still serves go only after it (below).
  if (recounted !== undefined && (plan.cold || state.sweep)) await bodies.prune(new Set([...recounted.names(), ...replaced]));
  const newStates = new Map(rendered.map((r) => [r.key, r.state]));
  await store.writePublish({ states: newStates, documents: rows, renderDigest: ctx.baseDigest, visibleUntil: startedAt, changeSeq: seen.seenSeq ?? 0, ...(plan.removed.length === 0 ? {} : { removed: { scopes: plan.removed, paths: gone } }) });
  state.visibleUntil = startedAt;
  state.changeSeq = seen.seenSeq;
  state.states = new Map([...(state.states ?? []), ...newStates]);
  for (const key of plan.removed) {
    state.states.delete(key);
    state.forced.delete(key);
  }
  rep.feedsRemoved = [...plan.removed];
  if (plan.removed.length > 0) ctx.log(`feeds removed, no article left in them: ${plan.removed.join(', ')}`);
  state.pending.clear();
  for (const f of rep.failedFeeds) state.pending.add(f.scope);
  // Documents rendered again are whole again; a feed whose render failed stays withheld and forced.
  for (const r of rendered) state.forced.delete(r.key);
  for (const [path, docs] of fresh) docs.forEach((_, i) => state.damaged.delete(damageKey(path, i)));
  for (const path of gone) site.origins.forEach((_, i) => state.damaged.delete(damageKey(path, i)));
  state.forceDirectory = false;
  state.sweep = false;
  const articles = await store.countArticles();
  // Built at the swap, from the set served now: a brotli body installed while this publish was
  // being recorded stays installed.
  const documents = new Map(state.published?.documents ?? []);
  // Brotli work for the documents replaced by other bytes, or gone, is dropped.
  ctx.brotli.forget(forgotten);
  // The names the set stops naming are counted off as the documents leave it (O(documents replaced)).
  const leaving = recounted === undefined ? [...fresh.keys(), ...gone].flatMap((path) => documents.get(path) ?? []) : [];
  for (const [path, docs] of fresh) documents.set(path, docs);
  for (const path of gone) documents.delete(path);
  state.published = { generation: (state.published?.generation ?? 0) + 1, publishedAt: ctx.clock(), documents, feeds: directory.feeds, articles };
  if (recounted !== undefined) state.live = recounted;
  else state.live.apply([...fresh.values()].flat(), leaving);
  const live = state.live;
  state.renderAll = false;
  rep.published = true;
  for (const l of state.listeners) l(state.published, { restored: false });
  // The bodies this publish replaced are deleted once no document names them (a reader still
  // downloading one keeps its open file), in the background: the next compile waits for it
  // (it may write a file of the same name again), and so does whenIdle.
  state.cleanup = bodies.prune(live, replaced).then(
    () => undefined,
    (err: unknown) => ctx.log(`could not delete replaced document bodies: ${(err as Error).message}`),
  );
  // Then the new documents' brotli bodies, in the background: after the deletion, so a body
  // made again under a replaced name is never deleted.
  ctx.brotli.add(brotliWanted(fresh), state.cleanup);
}
