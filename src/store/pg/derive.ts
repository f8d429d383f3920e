// What the PostgreSQL store derives again at open when the settings it was written with
// changed: reader ids (id prefix), feed keys (slug scheme), scope labels. The same rules as
// sqlite-store.ts's upgrade, which is their spec.
import type { PoolClient } from 'pg';
import type { Article } from '../../core/article.js';
import { isFeedId } from '../../core/reader-id.js';
import { articleScopes, SLUG_SCHEME } from '../../core/scopes.js';

async function readMeta(client: PoolClient, key: string): Promise<string | undefined> {
  return (await client.query<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key])).rows[0]?.value;
}

async function writeMeta(client: PoolClient, key: string, value: string): Promise<void> {
  await client.query('INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
}

async function scopesOf(client: PoolClient, id: string): Promise<string[]> {
  return (await client.query<{ scope: string }>('SELECT scope FROM scope_items WHERE article_id = $1 ORDER BY scope, published', [id])).rows.map((r) => r.scope);
}

/**
 * Derives again what depends on settings, when they differ from those recorded in `meta`
 * (nothing to do, and no write, when they match):
 *
 * - reader ids (`articles.reader_id`, unique among live articles): from each article's guid,
 *   else `idPrefix` + id, whenever the id prefix differs from the one recorded. When two live
 *   articles then share one, the one published first (ties: the one stored first) keeps it and
 *   a feed's id stays the feed's; each other one is set aside as a tombstone (out of every
 *   feed), its file index entry dropped so the file source reads it again and reports it, and
 *   a line naming both is logged;
 * - feed keys (`scope_items`), derived again when {@link SLUG_SCHEME} changed;
 * - scope labels: each scope without one gets the smallest label its items carry.
 *
 * Every feed touched is recorded in the change log, so the next compile renders it. Must run
 * in the open transaction, under the store's write lock, after the migrations. `now` is epoch ms.
 */
export async function deriveForSettings(client: PoolClient, idPrefix: string, log: (line: string) => void, now: number): Promise<void> {
  const hasIndex = (await client.query<{ ok: boolean }>("SELECT to_regclass('articles_reader_id') IS NOT NULL AS ok")).rows[0]?.ok === true;
  const prefixChanged = !hasIndex || (await readMeta(client, 'id_prefix')) !== idPrefix;
  const slugsChanged = (await readMeta(client, 'slug_scheme')) !== String(SLUG_SCHEME);
  if (!prefixChanged && !slugsChanged) return;
  const touched = new Set<string>();

  if (prefixChanged) {
    await client.query('DROP INDEX IF EXISTS articles_reader_id');
    // json, not jsonb: the document is kept as written (jsonb would refuse a \u0000 in it).
    await client.query("UPDATE articles SET reader_id = COALESCE(doc::json ->> 'guid', $1 || id)", [idPrefix]);
    const owners = new Map<string, { id: string; source: string }>();
    const rows = (await client.query<{ id: string; reader_id: string; source: string }>('SELECT id, reader_id, source FROM articles WHERE NOT deleted ORDER BY published, stored_order')).rows;
    for (const row of rows) {
      const owner = isFeedId(row.reader_id, idPrefix) ? { id: row.reader_id, source: 'feed' } : owners.get(row.reader_id);
      if (owner === undefined) {
        owners.set(row.reader_id, row);
        continue;
      }
      for (const s of await scopesOf(client, row.id)) touched.add(s);
      await client.query('UPDATE articles SET deleted = true, changed_at = $1 WHERE id = $2', [now, row.id]);
      await client.query('DELETE FROM scope_items WHERE article_id = $1', [row.id]);
      await client.query('DELETE FROM files WHERE article_id = $1', [row.id]);
      const holder = owner.source === 'feed' ? "one of the site's feeds" : `article "${owner.id}" (${owner.source})`;
      log(`store: article "${row.id}" (${row.source}) set aside: readers know it as "${row.reader_id}", which ${holder} already has; give it its own guid to publish it`);
    }
    await client.query('CREATE UNIQUE INDEX articles_reader_id ON articles (reader_id) WHERE NOT deleted');
    await writeMeta(client, 'id_prefix', idPrefix);
  }

  if (slugsChanged) {
    const live = (await client.query<{ id: string; doc: string; published: number }>('SELECT id, doc, published FROM articles WHERE NOT deleted ORDER BY published, stored_order')).rows;
    for (const row of live) {
      const before = await scopesOf(client, row.id);
      const after = articleScopes(JSON.parse(row.doc) as Article);
      const keys = after.map((sc) => sc.key);
      if (before.length === keys.length && keys.every((k) => before.includes(k))) continue;
      await client.query('DELETE FROM scope_items WHERE article_id = $1', [row.id]);
      for (const sc of after) {
        await client.query('INSERT INTO scope_items (scope, published, article_id, label) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, published, article_id) DO UPDATE SET label = excluded.label', [sc.key, row.published, row.id, sc.label]);
      }
      for (const k of [...before, ...keys]) touched.add(k);
    }
    await writeMeta(client, 'slug_scheme', String(SLUG_SCHEME));
  }

  await client.query("INSERT INTO scope_labels (scope, label) SELECT scope, MIN(label) FROM scope_items WHERE scope <> '' GROUP BY scope ON CONFLICT (scope) DO NOTHING");
  if (touched.size > 0) await client.query('INSERT INTO changes (at, scopes) VALUES ($1, $2)', [now, [...touched].sort()]);
}
