// Restore: serves the set the last run published (the manifest from the store, the bodies on
// disk) without rendering, at start-up or before the first compile.
import { feedPath } from '../../core/scopes.js';
import { documentFromRecord } from '../../publish/header-rules.js';
import { BROTLI_PENDING, CODINGS, PUBLISH_CODINGS, type BodyFault, type CompiledDocument } from '../../publish/published-set.js';
import type { CompileContext, CompilerState } from './context.js';
import { addStoredLabels, listingOf } from './listing.js';
import { brotliWanted } from './publish.js';
import { countLiveNames } from '../live-names.js';
import { withhold } from './withholding.js';

/**
 * Serves what the last run published, without rendering: the manifest from the store and the
 * bodies on disk. Runs once (a later call answers whether a set is served). False when the store
 * has no set, or it lacks a document on some origin or the index page: the next compile renders
 * everything. A set rendered with other settings or an older renderer is served while the next
 * compile renders everything again; a body missing or the wrong size withholds only the
 * documents naming it (a brotli body only is made again). Rejects when the store cannot be read.
 */
export async function restorePublished(ctx: CompileContext, state: CompilerState): Promise<boolean> {
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
  // A feed published with no article left (its last one went while no compile ran, or an older
  // version kept emptied feeds): the first compile looks at it, and removes it.
  for (const key of states.keys()) if (key !== '' && !scopes.has(key)) state.pending.add(key);
  await addStoredLabels(store, scopes, states.keys());
  state.published = { generation: 1, publishedAt: now, documents: byPath, feeds: listingOf(site, new Set(['', ...states.keys()]), scopes, states, now), articles: await store.countArticles() };
  state.live = countLiveNames(byPath);
  for (const l of state.listeners) l(state.published, { restored: true });
  // The brotli bodies the last run had not made (it stopped first), unless everything is
  // rendered again anyway.
  if (!state.renderAll) ctx.brotli.add(brotliWanted(byPath), state.cleanup);
  return true;
}
