// The compile job, in named steps: sync the sources into the store, find the feeds whose content
// changed, render them (and the directory documents) in the render pool, and publish the new set
// at once. This thread only reads what changed, dispatches tasks and swaps in the published set:
// rendering, compression and body writes happen in worker threads (see render-pool.ts).
// A compile that fails publishes nothing; a feed that fails alone keeps its last good documents.
// Documents go live with identity and gzip; their brotli bodies follow in the background
// (brotli-backfill.ts), also after a restart for those the last run had not made.
import { FeedwrightError, wrapError } from '../core/errors.js';
import type { FeedListing } from '../core/render-directory.js';
import { FORMATS, feedPath, scopeKind } from '../core/scopes.js';
import type { SiteConfig } from '../core/site.js';
import { createHeaderRules, documentFromRecord, variantTag, type HeaderRules } from '../publish/header-rules.js';
import { BROTLI_PENDING, CODINGS, PUBLISH_CODINGS, bodyDamageFromMessage, type BodyFault, type CompileStatus, type CompiledDocument, type DamagedDocument, type FeedFailure, type PublishedSet, type PublishedSource } from '../publish/published-set.js';
import type { ArticleStore, DocumentRow, FeedState, ScopeSummary } from '../store/store.js';
import type { BodyStore } from './body-store.js';
import { createBrotliBackfill, type BrotliBackfill, type BrotliWanted } from './brotli-backfill.js';
import { contentDigest, siteDigest } from './feed-state.js';
import { prepareSettingsOf } from './prepared.js';
import { createRenderPool, type RenderPool } from './render-pool.js';
import { labelFromKey, type FeedRendered, type FeedTask, type RenderedDocument } from './render-task.js';
import { createProblemLog, type ProblemLog } from './problem-log.js';
import { openFileSource, type FileSource, type SourceProblem } from './source-files.js';

export { RENDER_VERSION, nextLastModified } from './feed-state.js';
export type { PublishedSet };

/** Hears of each set swapped in: `restored` when it is the last run's set served again (restore), not a new publish. */
export type PublishListener = (set: PublishedSet, how: { restored: boolean }) => void;

/** What one compile did. */
export interface CompileReport extends CompileStatus {
  problems: SourceProblem[];
}

/** How the compiler is wired. */
export interface CompilerOptions {
  store: ArticleStore;
  site: SiteConfig;
  /** Where document bodies are kept. */
  bodies: BodyStore;
  /** The store's SQLite file, which render workers open read-only; without it this thread renders. */
  databaseFile?: string;
  /** The PostgreSQL store's URL, which render workers open read-only (instead of a file). */
  databaseUrl?: string;
  /** Render worker threads (default: one per core; 0 renders on this thread). */
  renderThreads?: number;
  /** Each render worker's heap limit in MB (default 1024): a runaway render stops its worker only. */
  renderHeapMb?: number;
  /** The folder of article files, or undefined when files are not a source. */
  articlesDir?: string;
  /** The schedule's period, for Cache-Control max-age and RSS ttl. */
  periodSeconds: number;
  clock?: () => number;
  log?: (line: string) => void;
  /** Where warnings go (an article file skipped); default `log`. */
  warn?: (line: string) => void;
  /** Hears every compile's report when the run ends (metrics, the publish log line); must not throw. */
  onCompiled?: (report: CompileReport) => void;
  /**
   * Hears how far a compile is (for the command line's progress on stderr): `read` — article
   * files read, validated and stored, of those to read; `render` — feeds rendered, of those to
   * render. Counts, not bytes; called on this thread.
   */
  progress?: (step: CompileStep, done: number, total: number) => void;
}

/** The steps a compile reports progress for. */
export type CompileStep = 'read' | 'render';

/** The compile job with its published set. */
export interface Compiler extends PublishedSource {
  /**
   * Runs a compile that starts after this call, so it includes every change made before it, and
   * resolves with that run's report (it never rejects: a failure is in the report). A call while
   * a compile runs waits for it and then joins the one follow-up run, whose report every caller
   * folded into it shares. With `files: false` the article folder is not looked at (a compile
   * for writes made elsewhere); a follow-up looks at it if any caller folded into it asked to.
   */
  compile(options?: { files?: boolean }): Promise<CompileReport>;
  /** Stops watching the article folder and the render workers. */
  close(): Promise<void>;
  /** Serves the last published set from the store without rendering; false when there is none. */
  restore(): Promise<boolean>;
  /** The last compile's report. */
  lastReport(): CompileReport | undefined;
  /**
   * Calls `listener` after every publish, and when `restore` serves the last run's set
   * (`restored: true`: nothing changed since that run published it, e.g. for WebSub pings).
   */
  onPublish(listener: PublishListener): void;
  /** Resolves when no compile is running (background brotli work may still be). */
  whenIdle(): Promise<void>;
  /**
   * Resolves when every published document's brotli body is made (or failed, or was dropped
   * because its document was replaced) and recorded in the manifest: what tests and the
   * `compile` command wait for.
   */
  brotliSettled(): Promise<void>;
  /** The render pool (its size; fault injection for tests). */
  readonly renderer: RenderPool;
}

/** The feeds one compile renders, found by the "find changed feeds" step. */
interface Plan {
  /** Everything is rendered: the first compile, or the served set came from other settings. */
  cold: boolean;
  /** The store's scopes among the candidates, with their labels and item counts. */
  scopes: Map<string, ScopeSummary>;
  /** The scopes looked at: their listing entries are refreshed. */
  candidates: Set<string>;
  tasks: FeedTask[];
  failed: FeedFailure[];
}

/** The change log position and the scopes that writes touched, from the "sync sources" step. */
interface Seen {
  affected: Set<string>;
  seenSeq: number | undefined;
}

/** The directory documents and the listing they were rendered from. */
interface Directory {
  feeds: FeedListing[];
  documents: RenderedDocument[];
}

/** The compiler's wiring: what every step reads, fixed for the compiler's life. */
interface CompileContext {
  store: ArticleStore;
  site: SiteConfig;
  bodies: BodyStore;
  renderer: RenderPool;
  files: FileSource | undefined;
  /** The digest of the settings and renderer (see siteDigest). */
  baseDigest: string;
  headersFor: HeaderRules;
  /** The brotli bodies made in the background. */
  brotli: BrotliBackfill;
  clock: () => number;
  log: (line: string) => void;
  /** Logs article file problems once, when they appear, change or clear (problem-log.ts). */
  problemLog: ProblemLog;
  progress: CompilerOptions['progress'];
}

/** What the compiler remembers between compiles. */
interface CompilerState {
  published: PublishedSet | undefined;
  restored: boolean;
  /** The next compile renders every feed (the served set came from other settings). */
  renderAll: boolean;
  /** Articles published up to this instant are in the published set (embargo bookkeeping). */
  visibleUntil: number | undefined;
  /** The change log position the published set includes. */
  changeSeq: number | undefined;
  /** Every feed state ever published, by scope key. */
  states: Map<string, FeedState> | undefined;
  /** Scopes whose last render failed or was never published: rendered again next time. */
  pending: Set<string>;
  /** The last problems the file source reported (kept for compiles that do not look at files). */
  fileProblems: SourceProblem[];
  listeners: PublishListener[];
  /** The deletion of the bodies the last publish replaced (see publish). */
  cleanup: Promise<void>;
  /** The body file names the published set names (every coding, made or pending). */
  live: ReadonlySet<string>;
  /** Documents withheld because a body file is damaged, by path and origin index (see damageKey). */
  damaged: Map<string, DamagedDocument>;
  /** Scopes rendered at the next compile whatever their stored digest says (a body of theirs is damaged). */
  forced: Set<string>;
  /** The directory documents are rendered at the next compile even if no feed changed (a body of theirs is damaged). */
  forceDirectory: boolean;
  /** The next publish deletes every file no document names (start-up found damaged bodies: a crash left the folder). */
  sweep: boolean;
}

/** The key of a damaged document: its path on one origin. */
const damageKey = (path: string, originIndex: number) => `${originIndex}\0${path}`;

/** The scope whose feed a document path is, or undefined for the directory documents (`/`, `/feeds.opml`). */
function scopeOfPath(keys: Iterable<string>, path: string): string | undefined {
  for (const key of keys) for (const format of FORMATS) if (feedPath(key, format) === path) return key;
  return undefined;
}

/**
 * Withholds one document for a body fault: it is answered 503 until its feed (or the directory)
 * is rendered again, which the next compile does whatever the stored digests say, and /healthz
 * lists it. Returns the document to serve in its place.
 */
function withhold(ctx: CompileContext, state: CompilerState, path: string, originIndex: number, doc: CompiledDocument, fault: BodyFault, scopeKeys: Iterable<string>): CompiledDocument {
  const key = scopeOfPath(scopeKeys, path);
  if (key === undefined) state.forceDirectory = true;
  else {
    state.forced.add(key);
    state.pending.add(key);
  }
  const origin = (ctx.site.origins[originIndex] as SiteConfig['origins'][number]).href;
  state.damaged.set(damageKey(path, originIndex), { ...fault, path, origin, since: ctx.clock() });
  ctx.log(`document ${path} (${origin}) withheld until rendered again: its body ${fault.file} is ${fault.damage}`);
  return { ...doc, withheld: fault };
}

/**
 * A body fault found while serving: every served document naming the file is withheld (in the
 * set, in place). True when one was newly withheld; false when none names it or all were already.
 */
function withholdServed(ctx: CompileContext, state: CompilerState, fault: BodyFault): boolean {
  const published = state.published;
  if (published === undefined || !state.live.has(fault.file)) return false;
  const documents = published.documents as Map<string, readonly CompiledDocument[]>;
  const scopeKeys = ['', ...(state.states?.keys() ?? []), ...published.feeds.map((f) => f.scope.key)];
  let changed = false;
  for (const [path, docs] of documents) {
    if (!docs.some((d) => d.withheld === undefined && d.etags.includes(fault.file))) continue;
    documents.set(path, docs.map((d, i) => (d.withheld === undefined && d.etags.includes(fault.file) ? withhold(ctx, state, path, i, d, fault, scopeKeys) : d)));
    changed = true;
  }
  return changed;
}

/** A failure as the report keeps it: the code says what failed, the message stays in the log. */
function failure(scope: string, err: unknown): FeedFailure {
  return { scope, error: err instanceof Error ? err.message : String(err), code: err instanceof FeedwrightError ? err.code : 'RENDER_FAILED' };
}

/**
 * A compile of at most this many feeds hands its bodies to the serving thread's memory cache
 * (see FeedTask.returnBodies); a larger one leaves them on disk for readers' first reads.
 */
const RETURN_BODIES_UP_TO = 64;

const byScopeKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Feeds with no article left keep the label the store holds for them (a title never depends on
 * the items): added to `scopes` as empty entries.
 */
async function addStoredLabels(store: ArticleStore, scopes: Map<string, ScopeSummary>, keys: Iterable<string>): Promise<void> {
  const missing = [...keys].filter((k) => k !== '' && !scopes.has(k));
  if (missing.length === 0) return;
  for (const [key, label] of await store.scopeLabels(missing)) scopes.set(key, { key, label, items: 0 });
}

/** The listing entry of every key, from the store's scopes (a feed with no article left is listed empty). */
function listingOf(site: SiteConfig, keys: Iterable<string>, scopes: Map<string, ScopeSummary>, finalStates: Map<string, FeedState>, now: number): FeedListing[] {
  return [...keys].sort().map((key) => ({
    scope: { key, kind: scopeKind(key), label: scopes.get(key)?.label ?? labelFromKey(key) },
    items: Math.min(scopes.get(key)?.items ?? 0, site.itemLimit),
    lastModified: finalStates.get(key)?.lastModified ?? now,
  }));
}

/** The feed listing after an incremental compile: only the looked-at feeds' entries change. */
function updateListing(site: SiteConfig, previous: readonly FeedListing[], keys: Set<string>, counts: Map<string, ScopeSummary>, finalStates: Map<string, FeedState>): FeedListing[] {
  const byKey = new Map(previous.map((f) => [f.scope.key, f]));
  for (const key of keys) {
    const summary = counts.get(key);
    const old = byKey.get(key);
    byKey.set(key, {
      scope: { key, kind: scopeKind(key), label: summary?.label ?? old?.scope.label ?? labelFromKey(key) },
      items: Math.min(summary?.items ?? 0, site.itemLimit),
      lastModified: finalStates.get(key)?.lastModified ?? old?.lastModified ?? 0,
    });
  }
  return [...byKey.values()].sort((a, b) => byScopeKey(a.scope.key, b.scope.key));
}

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

/** Every body file name a set of documents names: all three codings, made or pending. */
function liveNames(documents: ReadonlyMap<string, readonly CompiledDocument[]>): Set<string> {
  const live = new Set<string>();
  for (const docs of documents.values()) for (const d of docs) for (const name of d.etags) live.add(name);
  return live;
}

/** The documents among these whose brotli body is pending. */
function brotliWanted(documents: Iterable<[string, readonly CompiledDocument[]]>): BrotliWanted[] {
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
function installBrotli(ctx: CompileContext, state: CompilerState, w: BrotliWanted, size: number): boolean {
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

/**
 * Serves what the last run published, without rendering: the manifest from the store and the
 * bodies on disk. Skipped (the next compile renders everything) when the settings or renderer
 * changed, or a listed body is missing or the wrong size.
 */
async function restorePublished(ctx: CompileContext, state: CompilerState): Promise<boolean> {
  const { store, site, bodies, headersFor } = ctx;
  if (state.restored) return state.published !== undefined;
  state.restored = true;
  const states = (state.states ??= await store.readFeedStates());
  const manifest = await store.readPublished();
  state.visibleUntil = manifest.visibleUntil;
  state.changeSeq = manifest.changeSeq;
  if (manifest.documents.length === 0) return false;
  // Rendered with other settings or an older renderer: serve it while everything is rendered
  // again (a restart after an upgrade must not answer 503 for the length of a full compile).
  state.renderAll = manifest.renderDigest !== ctx.baseDigest;
  const originIndex = new Map(site.origins.map((o, i) => [o.href, i]));
  const byPath = new Map<string, CompiledDocument[]>();
  for (const row of manifest.documents) {
    const i = originIndex.get(row.origin);
    if (i === undefined) continue;
    let docs = byPath.get(row.path);
    if (!docs) byPath.set(row.path, (docs = []));
    docs[i] = documentFromRecord(row.record, headersFor(row.path, row.record.contentType, i));
  }
  const listed: [string, number][] = [];
  for (const docs of byPath.values()) {
    if (docs.length !== site.origins.length || docs.includes(undefined as unknown as CompiledDocument)) return false;
    // A pending brotli body is not listed: it is made again below, and served as gzip meanwhile.
    for (const d of docs) for (const c of CODINGS) if (c !== 'br' || d.sizes.br !== BROTLI_PENDING) listed.push([d[c].file, d[c].size]);
  }
  if (!byPath.has('/')) return false;
  // A body missing or the wrong size (a power loss, a hand-made change) withholds only the
  // documents naming it; the rest is served at once. A brotli body only is made again (gzip is
  // served meanwhile); an identity or gzip body has its feed rendered by the first compile,
  // whatever its stored digest says.
  const bad = bodies.inspect(listed);
  const scopeKeys = ['', ...states.keys()];
  for (const [path, docs] of byPath) {
    docs.forEach((d, i) => {
      const broken = PUBLISH_CODINGS.map((c) => d[c].file).find((f) => bad.has(f));
      if (broken !== undefined) docs[i] = withhold(ctx, state, path, i, d, { file: broken, damage: bad.get(broken) as BodyFault['damage'] }, scopeKeys);
      else if (d.sizes.br !== BROTLI_PENDING && bad.has(d.br.file)) {
        ctx.log(`the brotli body ${d.br.file} of ${path} is ${bad.get(d.br.file) as string}: made again, gzip is served meanwhile`);
        docs[i] = documentFromRecord({ contentType: d.contentType, lastModified: d.lastModified, hash: d.hash, sizes: { ...d.sizes, br: BROTLI_PENDING } }, headersFor(path, d.contentType, i));
      }
    });
  }
  // Whatever else a crash left in the folder goes at the next publish.
  if (bad.size > 0) state.sweep = true;
  const now = ctx.clock();
  const scopes = new Map((await store.listScopes(undefined, now)).map((s) => [s.key, s]));
  // A feed whose render failed when this set was published has no documents in it: the next
  // compile renders it, whether or not anything changed since.
  for (const key of ['', ...scopes.keys(), ...states.keys()]) if (!byPath.has(feedPath(key, 'rss'))) state.pending.add(key);
  await addStoredLabels(store, scopes, states.keys());
  state.published = { generation: 1, publishedAt: now, documents: byPath, feeds: listingOf(site, new Set(['', ...states.keys()]), scopes, states, now), articles: await store.countArticles() };
  state.live = liveNames(byPath);
  for (const l of state.listeners) l(state.published, { restored: true });
  // The brotli bodies the last run had not made (it stopped first), unless everything is
  // rendered again anyway.
  if (!state.renderAll) ctx.brotli.add(brotliWanted(byPath), state.cleanup);
  return true;
}

/** Step 1, sync sources: article files into the store, then what any writer changed since the last publish. */
async function syncSources(ctx: CompileContext, state: CompilerState, scanFiles: boolean, startedAt: number, rep: CompileReport): Promise<Seen> {
  const { store, files } = ctx;
  const affected = new Set<string>();
  if (files !== undefined && (scanFiles || state.published === undefined)) {
    const sync = await files.sync(store, ctx.site.timeZone, startedAt);
    state.fileProblems = sync.problems;
    rep.articlesChanged = sync.changes.length;
    ctx.problemLog.report(sync.problems);
    for (const c of sync.changes) for (const k of [...c.scopesBefore, ...c.scopesAfter]) affected.add(k);
  }
  rep.problems = state.fileProblems;
  // Writes by any process (the API, an import, another instance) since the last publish.
  let seenSeq = state.changeSeq;
  if (state.changeSeq === undefined || state.published === undefined) seenSeq = await store.latestChangeSeq();
  else {
    for (const c of await store.readChangesSince(state.changeSeq)) {
      for (const k of c.scopes) affected.add(k);
      seenSeq = c.seq;
    }
  }
  // Embargoes that ended since the last publish: their feeds change now, with no write.
  if (state.visibleUntil !== undefined) for (const k of await store.scopesPublishedBetween(state.visibleUntil, startedAt)) affected.add(k);
  // Remembered until a publish includes them, so a failed compile does not lose a change.
  for (const s of affected) state.pending.add(s);
  for (const s of state.pending) affected.add(s);
  return { affected, seenSeq };
}

/**
 * Step 2, find changed feeds: every feed on a cold compile; otherwise the affected ones whose
 * content digest differs from the published one (a read of item digests, nothing rendered), or
 * whose documents are missing. Undefined when there is nothing to do.
 */
async function findChangedFeeds(ctx: CompileContext, state: CompilerState, affected: Set<string>, startedAt: number): Promise<Plan | undefined> {
  const { store, site } = ctx;
  const { published } = state;
  const cold = published === undefined || state.renderAll;
  if (!cold && affected.size === 0 && !state.forceDirectory) return undefined;
  const known = state.states ?? new Map<string, FeedState>();
  // Counted up to itemLimit: a listing shows at most that many, and the site has every article.
  const scopes = new Map((await (cold ? store.listScopes(undefined, startedAt) : store.listScopes([...affected], startedAt, site.itemLimit))).map((s) => [s.key, s]));
  // Every feed ever published keeps being served (empty if its articles are gone): a reader's
  // subscription must not turn into a 404.
  const candidates = cold ? new Set(['', ...scopes.keys(), ...known.keys()]) : new Set([...affected].filter((k) => scopes.has(k) || known.has(k) || k === ''));
  await addStoredLabels(store, scopes, candidates);
  const plan: Plan = { cold, scopes, candidates, tasks: [], failed: [] };
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

/**
 * Step 3, render and compress: every task to the render pool (worker threads), which reads the
 * feed at the compile's cutoff, renders it for every origin, compresses and writes the bodies.
 * A feed that fails keeps its last good documents and is rendered again next time.
 */
async function renderFeeds(ctx: CompileContext, plan: Plan, rep: CompileReport): Promise<FeedRendered[]> {
  let done = 0;
  const returnBodies = plan.tasks.length <= RETURN_BODIES_UP_TO;
  const settled = await Promise.allSettled(
    plan.tasks.map(async (t) => {
      try {
        const r = await ctx.renderer.renderFeed({ ...t, returnBodies });
        cacheBodies(ctx.bodies, r.documents);
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

/** Step 4, the directory documents (OPML and the index page): they list every feed, so they change whenever one did. */
async function renderDirectory(ctx: CompileContext, state: CompilerState, plan: Plan, finalStates: Map<string, FeedState>, startedAt: number): Promise<Directory> {
  const previous = state.published;
  const feeds = plan.cold || previous === undefined
    ? listingOf(ctx.site, new Set(['', ...finalStates.keys()]), plan.scopes, finalStates, startedAt)
    : updateListing(ctx.site, previous.feeds, plan.candidates, plan.scopes, finalStates);
  const { documents } = await ctx.renderer.renderDirectory({ feeds });
  cacheBodies(ctx.bodies, documents);
  return { feeds, documents };
}

/** Step 5, publish: the manifest and feed states in one store transaction, then one swap of the served set. */
async function publish(ctx: CompileContext, state: CompilerState, plan: Plan, rendered: FeedRendered[], directory: Directory, seen: Seen, startedAt: number, rep: CompileReport): Promise<void> {
  const { store, site, bodies, headersFor } = ctx;
  const before = state.published?.documents ?? new Map<string, readonly CompiledDocument[]>();
  /** The documents this publish renders, by path: the rest of the set is carried over. */
  const fresh = new Map<string, CompiledDocument[]>();
  const rows: DocumentRow[] = [];
  /** Body files of the documents this publish replaces: deleted after it unless still named. */
  const replaced: string[] = [];
  for (const doc of [...rendered.flatMap((r) => r.documents), ...directory.documents]) {
    const old = before.get(doc.path) ?? [];
    for (const o of old) replaced.push(...o.etags);
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
  const live = liveNames(new Map([...before, ...fresh]));
  // After a full compile, files no set names (left by a crash, or from older versions) go before
  // the swap; the bodies the old set still serves go only after it (below).
  if (plan.cold || state.sweep) await bodies.prune(new Set([...live, ...replaced]));
  const newStates = new Map(rendered.map((r) => [r.key, r.state]));
  await store.writePublish({ states: newStates, documents: rows, renderDigest: ctx.baseDigest, visibleUntil: startedAt, changeSeq: seen.seenSeq ?? 0 });
  state.visibleUntil = startedAt;
  state.changeSeq = seen.seenSeq;
  state.states = new Map([...(state.states ?? []), ...newStates]);
  state.pending.clear();
  for (const f of rep.failedFeeds) state.pending.add(f.scope);
  // Documents rendered again are whole again; a feed whose render failed stays withheld and forced.
  for (const r of rendered) state.forced.delete(r.key);
  for (const [path, docs] of fresh) docs.forEach((_, i) => state.damaged.delete(damageKey(path, i)));
  state.forceDirectory = false;
  state.sweep = false;
  const articles = await store.countArticles();
  // Built at the swap, from the set served now: a brotli body installed while this publish was
  // being recorded stays installed.
  const documents = new Map(state.published?.documents ?? []);
  // Brotli work for the documents replaced by other bytes is dropped.
  ctx.brotli.forget([...fresh].flatMap(([path, docs]) => (documents.get(path) ?? []).flatMap((d, i) => (docs[i]?.hash === d.hash ? [] : [[path, i] as [string, number]]))));
  for (const [path, docs] of fresh) documents.set(path, docs);
  state.published = { generation: (state.published?.generation ?? 0) + 1, publishedAt: ctx.clock(), documents, feeds: directory.feeds, articles };
  state.live = live;
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

/** At most one compile a period for a body fault already known (the Retry-After the server sends). */
const REPAIR_RETRY_MS = 5_000;

/** Creates the compiler; the render workers start with the first compile (or `renderer.start()`). */
export function createCompiler(options: CompilerOptions): Compiler {
  const { store, site, bodies } = options;
  const baseDigest = siteDigest(site, options.periodSeconds);
  const log = options.log ?? (() => {});
  const renderer = createRenderPool({
    settings: { site, periodSeconds: options.periodSeconds, baseDigest, documentsDir: bodies.dir },
    store,
    log,
    ...(options.databaseFile === undefined ? {} : { databaseFile: options.databaseFile }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
    ...(options.renderThreads === undefined ? {} : { threads: options.renderThreads }),
    ...(options.renderHeapMb === undefined ? {} : { heapMb: options.renderHeapMb }),
  });
  // The state is created below; the backfill reads it only once a compile or restore ran.
  let state: CompilerState;
  const brotli = createBrotliBackfill({
    renderer,
    bodies,
    record: (rows) => store.recordBrotliSizes(rows),
    originHref: (i) => (site.origins[i] as SiteConfig['origins'][number]).href,
    install: (w, size) => installBrotli(ctx, state, w, size),
    // The identity body it is made from cannot be read: the same fault as a failed read while serving.
    unreadable: (err) => reportBodyFault({ file: err.file ?? /body (\S+) is/.exec(err.message)?.[1] ?? '', damage: bodyDamageFromMessage(err.message) }),
    // Deleted after the current clean-up, so the next compile (which waits for it) starts after.
    orphan: (name) => {
      state.cleanup = state.cleanup.then(() => bodies.prune({ has: (n) => state.live.has(n) }, [name])).then(
        () => undefined,
        () => undefined,
      );
    },
    log,
  });
  const ctx: CompileContext = {
    store,
    site,
    bodies,
    renderer,
    brotli,
    // A large sync (the first, a bulk drop of files) reads and validates files in the workers too.
    // Each article is stored with its sanitised, prepared form (prepared.ts), made where it is read.
    files: options.articlesDir === undefined
      ? undefined
      : openFileSource(options.articlesDir, {
          prepare: prepareSettingsOf(site),
          read: (dir, names, timeZone, prepare) => renderer.readArticles({ dir, names, timeZone, ...(prepare === undefined ? {} : { prepare }) }),
          ...(options.progress === undefined ? {} : { progress: (done: number, total: number) => options.progress?.('read', done, total) }),
        }),
    baseDigest,
    headersFor: createHeaderRules(site, options.periodSeconds),
    clock: options.clock ?? Date.now,
    log,
    problemLog: createProblemLog({ warn: options.warn ?? log, info: log }),
    progress: options.progress,
  };
  state = { published: undefined, restored: false, renderAll: false, visibleUntil: undefined, changeSeq: undefined, states: undefined, pending: new Set(), fileProblems: [], listeners: [], cleanup: Promise.resolve(), live: new Set(), damaged: new Map(), forced: new Set(), forceDirectory: false, sweep: false };
  let report: CompileReport | undefined;
  /** The run in progress. */
  let running: Promise<CompileReport> | undefined;
  /** The one run queued behind it: every call made meanwhile joins it (and shares its report). */
  let queued: { run: Promise<CompileReport>; files: boolean } | undefined;
  /** When the last compile for a known body fault was started (epoch ms, this clock). */
  let lastRepairAt = Number.NEGATIVE_INFINITY;

  /** One compile, step by step; a failure anywhere publishes nothing. */
  async function runOnce(scanFiles: boolean): Promise<CompileReport> {
    const startedAt = ctx.clock();
    const rep: CompileReport = { ok: false, published: false, startedAt, durationMs: 0, articlesChanged: 0, feedsRendered: 0, feedsChanged: [], documents: 0, problems: [], failedFeeds: [] };
    try {
      renderer.start();
      await state.cleanup;
      await restorePublished(ctx, state);
      state.states ??= await store.readFeedStates();
      const seen = await syncSources(ctx, state, scanFiles, startedAt, rep);
      const plan = await findChangedFeeds(ctx, state, seen.affected, startedAt);
      if (plan === undefined) {
        rep.ok = true;
        return rep;
      }
      const rendered = await renderFeeds(ctx, plan, rep);
      const finalStates = new Map([...state.states, ...rendered.map((r) => [r.key, r.state] as const)]);
      const directory = await renderDirectory(ctx, state, plan, finalStates, startedAt);
      await publish(ctx, state, plan, rendered, directory, seen, startedAt, rep);
      rep.ok = rep.failedFeeds.length === 0;
      return rep;
    } catch (err) {
      const e = wrapError('COMPILE_FAILED', 'compile failed', err);
      rep.error = e.message;
      rep.errorCode = e.code;
      log(`compile failed, the last good documents stay live: ${e.message}`);
      return rep;
    } finally {
      rep.durationMs = ctx.clock() - startedAt;
      report = rep;
      try {
        options.onCompiled?.(rep);
      } catch (err) {
        log(`a compile listener failed: ${(err as Error).message}`);
      }
    }
  }

  /** Starts a run now (nothing is running). */
  function start(scan: boolean): Promise<CompileReport> {
    const run = runOnce(scan).finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  }

  function compile(opts: { files?: boolean } = {}): Promise<CompileReport> {
    const scan = opts.files !== false;
    // A run already queued has not started: it includes this caller's change, and is shared.
    if (queued !== undefined) {
      queued.files ||= scan;
      return queued.run;
    }
    if (running === undefined) return start(scan);
    // The running compile may have read the sources before this caller's change: its report is
    // not this caller's. The caller gets the next run, which starts once this one is done.
    const next: { run: Promise<CompileReport>; files: boolean } = { run: Promise.resolve() as unknown as Promise<CompileReport>, files: scan };
    next.run = running.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      queued = undefined;
      return start(next.files);
    });
    queued = next;
    return next.run;
  }

  /** A body fault from the server: withhold, and have the feed rendered again soon (see PublishedSource). */
  function reportBodyFault(fault: BodyFault): void {
    const fresh = withholdServed(ctx, state, fault);
    const known = !fresh && [...state.damaged.values()].some((d) => d.file === fault.file);
    if (!fresh && !known) return;
    // A new fault starts a compile at once; requests to a document still withheld (its repair
    // failed, or is running) retry at most once per Retry-After period.
    const now = ctx.clock();
    if (!fresh && now - lastRepairAt < REPAIR_RETRY_MS) return;
    lastRepairAt = now;
    void compile({ files: false });
  }

  return {
    compile,
    close: async () => {
      ctx.files?.close();
      // No more background work is asked for; the sizes already made are recorded before the
      // store closes.
      const recorded = brotli.close();
      await renderer.close();
      await recorded;
    },
    restore: () => restorePublished(ctx, state),
    current: () => state.published,
    lastReport: () => report,
    onPublish: (l) => void state.listeners.push(l),
    whenIdle: async () => {
      while (running !== undefined || queued !== undefined) await (queued?.run ?? running)?.catch(() => undefined);
      await state.cleanup;
    },
    brotliSettled: async () => {
      await brotli.settled();
      await state.cleanup;
    },
    brotliPending: () => brotli.pending(),
    damaged: () => [...state.damaged.values()].sort((a, b) => byScopeKey(a.path, b.path) || byScopeKey(a.origin, b.origin)),
    reportBodyFault,
    renderer,
  };
}
