// The redirects an import suggests for site.json: the old feed paths of the platform the feed
// came from (WordPress, Ghost) and, for a WordPress export, one entry per category or tag whose
// WordPress slug is not feedwright's (README, "Old URLs keep working").
import { slugify } from '../core/scopes.js';
import type { FeedHead } from './feed-importer.js';

/**
 * Entries for site.json `redirects` (old path → feed path): for a WordPress export, every category
 * (`/category/<parent>/<nicename>/feed/` → its section feed) and tag (`/tag/<slug>/feed/`) whose
 * slug differs from feedwright's; `formerPlatform` covers the rest. Empty for other feeds.
 */
export function suggestRedirects(head: FeedHead): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [nicename, { names, nicenames }] of head.categories ?? []) {
    if (nicename === 'uncategorized') continue;
    const ours = names.map((n) => encodeURIComponent(slugify(n)));
    if (nicenames.join('/') !== ours.join('/')) out[`/category/${nicenames.join('/')}/feed/`] = `/sections/${ours.join('/')}/rss.xml`;
  }
  for (const [slug, name] of head.tags ?? []) {
    const ours = encodeURIComponent(slugify(name));
    if (ours !== slug) out[`/tag/${slug}/feed/`] = `/tags/${ours}/rss.xml`;
  }
  return out;
}
