// Step 1, sync sources: article files into the store, then the scopes that any writer (the API,
// an import, another instance) or an ended embargo changed since the last publish.
import type { SiteConfig } from '../../core/site.js';
import { prepareSettingsOf } from '../prepared.js';
import type { RenderPool } from '../render-pool.js';
import { openFileSource, type FileSource } from '../source-files.js';
import type { CompileContext, CompileReport, CompilerState } from './context.js';

/**
 * The article folder as the compiler syncs it: a large sync (the first, a bulk drop of files)
 * reads, validates and sanitises each file in the render pool's workers, and each article is
 * stored with its sanitised, prepared form (prepared.ts), made where it is read; a full scan of
 * the folder (at start, every 10 minutes, after a watcher fault) runs in a worker too. One
 * function so that what measures the first import (bench/import-child.ts) does exactly this.
 * `progress` hears (files read, files to read); `watch: false` opens no folder watcher.
 */
export function openArticleFolder(dir: string, site: SiteConfig, renderer: Pick<RenderPool, 'readArticles' | 'scanFolder'>, options: { progress?: (done: number, total: number) => void; watch?: boolean } = {}): FileSource {
  return openFileSource(dir, {
    prepare: prepareSettingsOf(site),
    read: (d, names, timeZone, prepare) => renderer.readArticles({ dir: d, names, timeZone, ...(prepare === undefined ? {} : { prepare }) }),
    scan: (d) => renderer.scanFolder({ dir: d }),
    ...(options.watch === undefined ? {} : { watch: options.watch }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
}

/** The change log position and the scopes that writes touched, from the "sync sources" step. */
export interface Seen {
  /** Scope keys whose feeds may have changed (and those still pending from an earlier compile). */
  affected: Set<string>;
  /** The change log position read up to: the publish records it. */
  seenSeq: number | undefined;
}

/**
 * Step 1, sync sources: article files into the store (when `scanFiles`, or nothing is published
 * yet), then what any writer changed since the last publish, and embargoes ended by `startedAt`
 * (epoch ms). Fills `rep.articlesChanged` and `rep.problems`; the affected scopes stay in
 * `state.pending` until a publish includes them. Rejects when the folder or the store cannot be
 * read (the compile then fails).
 */
export async function syncSources(ctx: CompileContext, state: CompilerState, scanFiles: boolean, startedAt: number, rep: CompileReport): Promise<Seen> {
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
