// The StoredArticle every store returns from a row: the article's JSON parsed on first use.
import type { Article } from '../core/article.js';
import type { ChangedArticle, StoredArticle } from './store.js';

/** An article row as both stores read it: the JSON document, its digest, when and where from. */
export interface ArticleRow {
  id: string;
  /** The article as JSON (what `JSON.stringify(article)` wrote). */
  doc: string;
  digest: string;
  /** Epoch ms. */
  changed_at: number;
  source: string;
  /** The prepared (sanitised) form's key and JSON, or null when it was never stored (see prepared.ts). */
  prepared_key: string | null;
  prepared: string | null;
}

/**
 * The StoredArticle of a row. The JSON is parsed on first use of `article`: a compile that
 * already holds this version (same digest) never pays. Throws (a SyntaxError) only then, when
 * the stored JSON is broken.
 */
export function toStored(row: ArticleRow): StoredArticle {
  let article: Article | undefined;
  return {
    get article() {
      article ??= JSON.parse(row.doc) as Article;
      return article;
    },
    digest: row.digest,
    changedAt: row.changed_at,
    source: row.source,
    ...(row.prepared_key === null || row.prepared === null ? {} : { prepared: { key: row.prepared_key, data: row.prepared } }),
  };
}

/**
 * The change-list entry of a row read with its `deleted` flag (SQLite 0/1, PostgreSQL boolean)
 * and `change_seq` (see ArticleStore.listChangesAfter): the article only when it is live.
 */
export function toChanged(row: ArticleRow & { deleted: number | boolean; change_seq: number }): ChangedArticle {
  const deleted = row.deleted === 1 || row.deleted === true;
  return { id: row.id, changedAt: row.changed_at, changeSeq: row.change_seq, deleted, ...(deleted ? {} : { stored: toStored(row) }) };
}
