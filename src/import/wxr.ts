// WordPress eXtended RSS (WXR 1.0–1.2, Tools → Export): one export item read into a Draft, or
// the reason it is not an article of the public feeds. Pure; the channel's authors, categories
// and the attachments seen so far are passed in (a WordPress export lists them before the posts
// that use them: authors and categories always, attachments in post-id order).
import type { ArticleImage } from '../core/article.js';
import type { Person } from '../core/site.js';
import { absolutizeHtml, decodeHtmlEntities, htmlToText } from './html-text.js';
import { addPerson, addTag, Enclosures, person } from './item-media.js';
import type { Draft } from './feed-items.js';
import { dropFeedFooter, paragraphs, replaceShortcodes, showLeadOnce } from './wordpress-content.js';
import { all, attrOf, childText, detach, NS, resolveUrl, textOf, type XElement } from './xml-tree.js';

/** What the channel of an export says, read once before its items. */
export interface WxrChannel {
  /** `wp:author_login` → the author's display name (`wp:author_display_name`). */
  authors: Map<string, string>;
  /** `wp:category_nicename` → its name and parent's nicename. */
  categories: Map<string, { name: string; parent?: string }>;
  /** `wp:tag_slug` → its name. */
  tags: Map<string, string>;
  /** Attachments seen so far: `wp:post_id` → `wp:attachment_url`. */
  attachments: Map<string, string>;
  /** The site's address (channel `link`, else `wp:base_site_url`). */
  link?: string;
}

/** Reads the channel's `wp:author`, `wp:category` and `wp:tag` elements (WXR 1.2). */
export function readWxrChannel(channel: XElement): WxrChannel {
  const out: WxrChannel = { authors: new Map(), categories: new Map(), tags: new Map(), attachments: new Map() };
  for (const a of all(channel, NS.wp, 'author')) {
    const login = childText(a, NS.wp, 'author_login');
    const name = childText(a, NS.wp, 'author_display_name');
    if (login !== undefined) out.authors.set(login, name === undefined ? login : decodeHtmlEntities(name));
  }
  for (const c of all(channel, NS.wp, 'category')) {
    const nicename = childText(c, NS.wp, 'category_nicename');
    const name = childText(c, NS.wp, 'cat_name');
    const parent = childText(c, NS.wp, 'category_parent');
    if (nicename !== undefined && name !== undefined) out.categories.set(nicename, parent === undefined ? { name: decodeHtmlEntities(name) } : { name: decodeHtmlEntities(name), parent });
  }
  for (const t of all(channel, NS.wp, 'tag')) {
    const slug = childText(t, NS.wp, 'tag_slug');
    const name = childText(t, NS.wp, 'tag_name');
    if (slug !== undefined && name !== undefined) out.tags.set(slug, decodeHtmlEntities(name));
  }
  const link = childText(channel, '', 'link') ?? childText(channel, NS.wp, 'base_site_url');
  if (link !== undefined) out.link = link.replace(/\/+$/, '');
  return out;
}

/** A WXR item's kind of skip: `post type page`, `status draft`, `attachment`, `password-protected`. */
export interface WxrSkip {
  kind: string;
  reason: string;
}

/** How to read export items. */
export interface WxrOptions {
  /** `wp:post_type`s imported (default `post`). */
  postTypes: readonly string[];
  /** Keep the "appeared first on" footer. */
  keepFooter?: boolean;
}

/** `2024-03-05 09:30:00` as RFC 3339: with `Z` for a `_gmt` field, else a local time (the site's zone). */
function wxrDate(value: string | undefined, gmt: boolean): string | undefined {
  const m = value === undefined ? null : /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(value.trim());
  if (!m || m[1] === '0000-00-00') return undefined;
  return `${m[1]}T${m[2]}${gmt ? 'Z' : ''}`;
}

/** The post's meta values by key (`wp:postmeta`). */
function postmeta(item: XElement): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of all(item, NS.wp, 'postmeta')) {
    const key = childText(m, NS.wp, 'meta_key');
    const value = all(m, NS.wp, 'meta_value')[0];
    if (key === undefined || value === undefined) continue;
    out.set(key, [...(out.get(key) ?? []), textOf(value)]);
  }
  return out;
}

/** The section path of a category: its ancestors' names, then its own (WordPress nests them). */
function sectionOf(nicename: string, name: string, channel: WxrChannel): string[] {
  const path = [name];
  let parent = channel.categories.get(nicename)?.parent;
  for (let depth = 0; parent !== undefined && depth < 10; depth += 1) {
    const p = channel.categories.get(parent);
    if (p === undefined) break;
    path.unshift(p.name);
    parent = p.parent;
  }
  return path;
}

/**
 * Reads one export item (WXR). Attachments are remembered for `[gallery]` and featured images
 * and skipped; so is every item whose `wp:post_type` is not imported, whose `wp:status` is not
 * `publish` or `future` (a future post becomes an embargoed article: stored, in no feed until its
 * date), or that has a password. The guid is the item's `<guid>` exactly as WordPress wrote it
 * (the same text its feeds carry, `https://site/?p=N`), else built from `wp:post_id` that way.
 */
export function wxrItem(item: XElement, channel: WxrChannel, options: WxrOptions): { draft: Draft } | { skip: WxrSkip } {
  const type = childText(item, NS.wp, 'post_type') ?? 'post';
  const id = childText(item, NS.wp, 'post_id');
  if (type === 'attachment') {
    const url = childText(item, NS.wp, 'attachment_url');
    if (id !== undefined && url !== undefined) channel.attachments.set(detach(id), detach(url));
    return { skip: { kind: 'attachment', reason: 'an attachment (media library item), not a post' } };
  }
  if (!options.postTypes.includes(type)) return { skip: { kind: `post type ${type}`, reason: `post type "${type}" is not imported (--post-types)` } };
  const status = childText(item, NS.wp, 'status') ?? 'publish';
  if (status !== 'publish' && status !== 'future') return { skip: { kind: `status ${status}`, reason: `status "${status}" is not public` } };
  if (childText(item, NS.wp, 'post_password') !== undefined) return { skip: { kind: 'password-protected', reason: 'the post is password-protected' } };

  const notes: string[] = [];
  const linkText = childText(item, '', 'link');
  const link = linkText === undefined ? undefined : resolveUrl(linkText, channel.link);
  const base = link ?? channel.link;
  const authors: Person[] = [];
  for (const c of all(item, NS.dc, 'creator')) {
    const login = textOf(c).trim();
    addPerson(authors, person(channel.authors.get(login) ?? decodeHtmlEntities(login), undefined, undefined));
  }
  let section: string[] | undefined;
  const tags: string[] = [];
  for (const c of all(item, '', 'category')) {
    const domain = attrOf(c, 'domain') ?? 'category';
    const nicename = attrOf(c, 'nicename') ?? '';
    const name = decodeHtmlEntities(textOf(c).trim());
    // An export of posts only (Tools → Export → Posts) lists no terms in the channel: the items'
    // own `nicename`s are the old URLs' slugs (for the suggested redirects).
    if (nicename !== '' && name !== '') {
      if (domain === 'category' && !channel.categories.has(nicename)) channel.categories.set(nicename, { name: detach(name) });
      else if (domain === 'post_tag' && !channel.tags.has(nicename)) channel.tags.set(nicename, detach(name));
    }
    if (domain === 'category') {
      // WordPress files every post without a category under "Uncategorized": not a section.
      if (nicename === 'uncategorized') continue;
      if (section === undefined) section = sectionOf(nicename, name, channel);
      else addTag(tags, name); // a post has one section path; its other categories become tags
    } else if (domain === 'post_tag') addTag(tags, name);
    else if (domain !== 'post_format') notes.push(`taxonomy ${domain}`);
  }

  const meta = postmeta(item);
  const enclosures = new Enclosures(base);
  // WordPress keeps a post's podcast files in `enclosure` meta: "URL\nlength\ntype".
  for (const value of meta.get('enclosure') ?? []) {
    const [url, length, type] = value.split(/\r?\n/).map((s) => s.trim());
    enclosures.add(url, type === undefined || type === '' ? undefined : type.split(';')[0], length !== undefined && /^\d+$/.test(length) && Number(length) > 0 ? Number(length) : undefined);
  }
  const images: ArticleImage[] = [];
  const thumbnail = meta.get('_thumbnail_id')?.[0]?.trim();
  if (thumbnail !== undefined) {
    const url = channel.attachments.get(thumbnail);
    if (url !== undefined) images.push({ url });
    else notes.push('featured image not found earlier in the export');
  }

  let body = all(item, NS.content, 'encoded').map(textOf).join('').trim();
  if (body !== '') {
    body = paragraphs(body);
    const cleaned = replaceShortcodes(body, { ...(base === undefined ? {} : { base }), attachments: channel.attachments });
    notes.push(...cleaned.notes);
    for (const m of cleaned.enclosures) enclosures.add(m.url, m.type, undefined);
    body = cleaned.html;
    if (!options.keepFooter) body = dropFeedFooter(body).html;
    body = absolutizeHtml(body, base);
    const lead = images[0];
    if (lead !== undefined) body = showLeadOnce(body, lead.url, base);
  }
  notes.push(...enclosures.lost);
  const comments = all(item, NS.wp, 'comment').length;
  for (let i = 0; i < comments; i += 1) notes.push('comment (comments are not published in feeds)');

  const draft: Draft = {
    fullContent: true,
    publishedFrom: 'wp:post_date_gmt',
    dateFields: 'wp:post_date_gmt or wp:post_date',
    updated: [wxrDate(childText(item, NS.wp, 'post_modified_gmt'), true)].filter((s): s is string => s !== undefined),
    authors,
    tags,
    images,
    enclosures: enclosures.list,
    notes,
  };
  if (section !== undefined) draft.section = section;
  const guid = childText(item, '', 'guid') ?? (id === undefined || channel.link === undefined ? undefined : `${channel.link}/?p=${id}`);
  if (guid !== undefined) draft.guid = guid;
  if (link !== undefined) draft.link = link;
  if (base !== undefined) draft.base = base;
  const title = childText(item, '', 'title');
  if (title !== undefined) draft.title = htmlToText(title);
  if (body !== '') draft.body = body;
  const excerpt = all(item, NS.excerpt, 'encoded').map(textOf).join('').trim();
  if (excerpt !== '') draft.description = htmlToText(excerpt);
  const published = wxrDate(childText(item, NS.wp, 'post_date_gmt'), true) ?? wxrDate(childText(item, NS.wp, 'post_date'), false);
  if (published !== undefined) draft.published = published;
  return { draft };
}
