// The incremental-compile step of the benchmark: a new article, an edit and a removal through
// the service's article writer (the write path the API uses), each timed until every affected
// feed served over HTTP shows it, then which documents changed their validators.
import type { Service } from '../src/service.js';
import { get, log, round, sleep, type Json } from './plumbing.js';

/** Converts a stored article back to the raw JSON of design §3 (dates as RFC 3339). */
function toRaw(article: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = { ...article, published: new Date(article.published as number).toISOString() };
  if (typeof article.updated === 'number') raw.updated = new Date(article.updated).toISOString();
  return raw;
}

/**
 * One incremental round through `service.writer`: a new article (the busiest section and tags,
 * published now), an edit of the second-newest article's title, a removal of the third-newest;
 * each timed from the call until every affected feed served over HTTP shows it (polled every
 * 5 ms); then which documents changed ETag against which feeds were affected.
 */
export async function incremental(svc: Service, port: number, idPrefix: string, round_: number): Promise<Json> {
  const snapshot = () => {
    const m = new Map<string, string>();
    for (const [path, docs] of svc.compiler.current()?.documents ?? []) m.set(path, docs.map((d) => d.etags.join(',')).join('|'));
    return m;
  };
  const feedOf = (scope: string) => (scope === '' ? '/rss.xml' : `/${scope.split('/').map(encodeURIComponent).join('/')}/rss.xml`);
  // Polled as a reader polls: a conditional GET with the last ETag seen, so an unchanged feed
  // costs a 304 and the body is read only when the validator moved. (Reading all the bodies
  // every 5 ms made the poller, which shares this thread with the service, most of the wait.)
  const waitVisible = async (scopes: string[], test: (body: string) => boolean, t0: number, what: string): Promise<number> => {
    const paths = [...new Set(scopes.map(feedOf))];
    const deadline = t0 + 60_000;
    const seen = new Map<string, string>();
    const shows = new Map<string, boolean>();
    for (;;) {
      await Promise.all(
        paths.map(async (p) => {
          if (shows.get(p) === true) return;
          const etag = seen.get(p);
          const r = await get(port, p, etag === undefined ? {} : { 'if-none-match': etag });
          if (r.status !== 200) return;
          seen.set(p, String(r.headers.etag));
          shows.set(p, test(r.body.toString('utf8')));
        }),
      );
      if (paths.every((p) => shows.get(p) === true)) return performance.now() - t0;
      if (performance.now() > deadline) throw new Error(`${what} was not visible in all ${paths.length} of its feeds within 60 s`);
      await sleep(5);
    }
  };
  const lastRep = () => {
    const r = svc.compiler.lastReport();
    return { feedsRendered: r?.feedsRendered ?? 0, feedsChanged: r?.feedsChanged.length ?? 0, documents: r?.documents ?? 0, compileMs: r?.durationMs ?? 0 };
  };
  const before = snapshot();
  const [newest, toEdit, toRemove] = await svc.store.newestInScope('', 3);
  if (newest === undefined || toEdit === undefined || toRemove === undefined) throw new Error('the site feed has fewer than 3 articles');
  const scopes = await svc.store.listScopes();
  const section = scopes.filter((s) => s.key.startsWith('sections/')).sort((a, b) => b.items - a.items)[0];
  const tags = scopes.filter((s) => s.key.startsWith('tags/')).sort((a, b) => b.items - a.items).slice(0, 2).map((s) => s.label);
  const ops: Json = {};

  // A new article modelled on the newest one, in the busiest section and tags, published now.
  const newTitle = `Benchmark: new article ${round_} written at ${new Date().toISOString()}`;
  const fresh = { ...toRaw(newest.article as unknown as Record<string, unknown>), id: `bench-new-${round_}`, path: `/Detail/bench/new-${round_}`, title: newTitle, section: section ? section.label.split(' / ') : newest.article.section, tags, published: new Date().toISOString() };
  delete (fresh as Record<string, unknown>).updated;
  delete (fresh as Record<string, unknown>).guid;
  let t = performance.now();
  const putChanges = await svc.writer.put([fresh]);
  const newScopes = putChanges.flatMap((c) => c.scopesAfter);
  const newMs = await waitVisible(newScopes, (b) => b.includes(newTitle), t, 'the new article');
  await svc.writer.flushed();
  ops.newArticle = { visibleMs: round(newMs, 1), feeds: newScopes.length, ...lastRep() };
  log(`   new article visible in all ${newScopes.length} of its feeds after ${newMs.toFixed(0)} ms (${JSON.stringify(lastRep())})`);

  const editedTitle = `Benchmark: edited title ${round_} at ${new Date().toISOString()}`;
  const editRaw = { ...toRaw(toEdit.article as unknown as Record<string, unknown>), title: editedTitle };
  t = performance.now();
  const editChanges = await svc.writer.put([editRaw]);
  const editScopes = editChanges.flatMap((c) => c.scopesAfter);
  const editMs = await waitVisible(editScopes, (b) => b.includes(editedTitle), t, 'the edit');
  await svc.writer.flushed();
  ops.edit = { visibleMs: round(editMs, 1), feeds: editScopes.length, ...lastRep() };
  log(`   edit visible in all ${editScopes.length} of its feeds after ${editMs.toFixed(0)} ms (${JSON.stringify(lastRep())})`);

  // The RSS guid of the removed item (design §4: its guid, else the tag: URI from the id prefix).
  const goneId = `>${toRemove.article.guid ?? `${idPrefix}${toRemove.article.id}`}</guid>`;
  t = performance.now();
  const removeChanges = await svc.writer.remove([toRemove.article.id]);
  const removeScopes = removeChanges.flatMap((c) => c.scopesBefore);
  const removeMs = await waitVisible(removeScopes, (b) => !b.includes(goneId), t, 'the removal');
  await svc.writer.flushed();
  ops.removal = { visibleMs: round(removeMs, 1), feeds: removeScopes.length, ...lastRep() };
  log(`   removal visible in all ${removeScopes.length} of its feeds after ${removeMs.toFixed(0)} ms (${JSON.stringify(lastRep())})`);

  const after = snapshot();
  const affected = new Set([...putChanges, ...editChanges, ...removeChanges].flatMap((c) => [...c.scopesBefore, ...c.scopesAfter]));
  const expectedPaths = new Set<string>(['/', '/feeds.opml']);
  for (const s of affected) {
    const basePath = feedOf(s).slice(0, -'rss.xml'.length);
    for (const f of ['rss.xml', 'atom.xml', 'feed.json', 'feed.html']) expectedPaths.add(basePath + f);
  }
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p));
  const unaffectedChanged = changed.filter((p) => !expectedPaths.has(p));
  const opsList = [ops.newArticle, ops.edit, ops.removal] as { documents: number; feedsRendered: number }[];
  const totalFeeds = svc.compiler.current()?.feeds.length ?? 0;
  log(`   validators: ${changed.length} of ${after.size} documents changed for ${affected.size} affected feeds of ${totalFeeds}; unaffected documents changed: ${unaffectedChanged.length}`);
  return {
    visibleMs: round(Math.max(newMs, editMs, removeMs), 1),
    newArticleMs: round(newMs, 1),
    editMs: round(editMs, 1),
    removalMs: round(removeMs, 1),
    documentsRendered: opsList.reduce((n, o) => n + o.documents, 0),
    feedsRendered: opsList.reduce((n, o) => n + o.feedsRendered, 0),
    affectedFeeds: affected.size,
    totalFeeds,
    changedDocuments: changed.length,
    totalDocuments: after.size,
    unaffectedChanged: unaffectedChanged.length,
    unaffectedChangedPaths: unaffectedChanged.slice(0, 20),
    ops,
  };
}
