// Body faults: a document whose body file is damaged or missing is withheld (answered 503, listed
// by /healthz) until its feed or the directory is rendered again.
import { FORMATS, feedPath } from '../../core/scopes.js';
import type { SiteConfig } from '../../core/site.js';
import type { BodyFault, CompiledDocument } from '../../publish/published-set.js';
import type { CompileContext, CompilerState } from './context.js';

/** The key of a damaged document in `CompilerState.damaged`: its path on one origin (index into site.origins). */
export const damageKey = (path: string, originIndex: number) => `${originIndex}\0${path}`;

/** The scope whose feed a document path is, or undefined for the directory documents (`/`, `/feeds.opml`). */
function scopeOfPath(keys: Iterable<string>, path: string): string | undefined {
  for (const key of keys) for (const format of FORMATS) if (feedPath(key, format) === path) return key;
  return undefined;
}

/**
 * Withholds one document for a body fault: it is answered 503 until its feed (or the directory)
 * is rendered again, which the next compile does whatever the stored digests say, and /healthz
 * lists it (`since`: epoch ms, ctx.clock). `scopeKeys` are the scopes whose feed `path` may be.
 * Returns the document to serve in its place (`doc` is not changed); never throws.
 */
export function withhold(ctx: CompileContext, state: CompilerState, path: string, originIndex: number, doc: CompiledDocument, fault: BodyFault, scopeKeys: Iterable<string>): CompiledDocument {
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
 * Never throws.
 */
export function withholdServed(ctx: CompileContext, state: CompilerState, fault: BodyFault): boolean {
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
