// People, tags, images and enclosures of imported items (RSS 2.0 author/enclosure, Dublin Core,
// Atom person constructs and rel="enclosure" links, Media RSS 1.5, iTunes podcast durations).
import { hasVisibleText, plainLine } from '../core/plain-text.js';
import type { ArticleEnclosure, ArticleImage } from '../core/article.js';
import type { Person } from '../core/site.js';
import { htmlToText, textLine } from './html-text.js';
import { all, attrOf, childText, first, inNs, isElement, NS, resolveUrl, textOf, type XElement } from './xml-tree.js';

const EMAIL = /^[^\s@<>()"]+@[^\s@<>()"]+$/;

/** A byline from a name, e-mail and URL as feeds give them: a blank name falls back to the e-mail; a malformed e-mail or non-http(s) URL is dropped; undefined when nothing is left. */
export function person(name: string | undefined, email: string | undefined, url: string | undefined): Person | undefined {
  const mail = email === undefined ? undefined : email.trim().replace(/^mailto:/i, '');
  const n = textLine(name ?? '') || (mail ?? '');
  if (n === '' || n.length > 500) return undefined;
  const p: Person = { name: n };
  if (mail !== undefined && EMAIL.test(mail) && plainLine(mail) === mail) p.email = mail;
  const u = url?.trim();
  if (u !== undefined && /^https?:\/\/[^\s]+$/i.test(u) && plainLine(u) === u) p.url = u;
  return p;
}

/** An RSS <author>: "email (Name)", "Name <email>", a bare address, or a name. */
export function parseRssAuthor(value: string): Person | undefined {
  const s = plainLine(value);
  let m = /^([^\s()<>]+@[^\s()<>]+)\s*\((.+)\)$/.exec(s);
  if (m) return person(m[2], m[1], undefined);
  m = /^(.+?)\s*<([^\s<>]+@[^\s<>]+)>$/.exec(s);
  if (m) return person(m[1], m[2], undefined);
  if (/^[^\s@]+@[^\s@]+$/.test(s)) return person(s, s, undefined);
  return person(s, undefined, undefined);
}

/** Adds a byline unless one with the same name and e-mail (ignoring case) is in the list. */
export function addPerson(list: Person[], p: Person | undefined): void {
  if (p === undefined) return;
  const key = `${p.name.toLowerCase()}\u0000${(p.email ?? '').toLowerCase()}`;
  if (!list.some((q) => `${q.name.toLowerCase()}\u0000${(q.email ?? '').toLowerCase()}` === key)) list.push(p);
}

/** The `atom:author`s of a feed or entry (RFC 4287 §3.2 person constructs) as bylines. */
export function atomPeople(e: XElement): Person[] {
  const out: Person[] = [];
  for (const a of all(e, NS.atom, 'author')) addPerson(out, person(childText(a, NS.atom, 'name'), childText(a, NS.atom, 'email'), childText(a, NS.atom, 'uri')));
  return out;
}

/** Adds a tag (plain text, one line) unless blank, over 200 characters or already there ignoring case. */
export function addTag(list: string[], value: string | undefined): void {
  if (value === undefined) return;
  const t = textLine(value);
  if (t === '' || t.length > 200) return;
  if (!list.some((x) => x.toLowerCase() === t.toLowerCase())) list.push(t);
}

const MIME = /^[a-z]+\/[a-z0-9.+-]+$/;
const IMAGE_FILE = /\.(?:jpe?g|png|gif|webp|avif|svg)(?:[?#]|$)/i;

/** A media type (RFC 6838 `type/subtype`, lower-cased, parameters dropped), or undefined. */
export function mediaType(value: string | undefined): string | undefined {
  const t = value?.split(';')[0]?.trim().toLowerCase();
  return t !== undefined && MIME.test(t) ? t : undefined;
}

/** A positive whole number written in an attribute (a length in bytes, a width in pixels), or undefined. */
export function count(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,15}\s*$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

class Images {
  readonly list: ArticleImage[] = [];

  constructor(private readonly base: string | undefined) {}

  add(url: string | undefined, fields: Omit<ArticleImage, 'url'>): void {
    const href = url === undefined ? undefined : resolveUrl(url, this.base);
    if (href === undefined) return;
    let image = this.list.find((i) => i.url === href);
    if (image === undefined) {
      image = { url: href };
      this.list.push(image);
    }
    for (const [k, v] of Object.entries(fields) as [keyof ArticleImage, string | number | undefined][]) {
      if (v !== undefined && v !== '' && image[k] === undefined) (image as unknown as Record<string, unknown>)[k] = v;
    }
  }
}

/** Enclosures merged by URL, in document order; what has no usable URL or type is counted in `lost`. */
export class Enclosures {
  readonly list: ArticleEnclosure[] = [];
  readonly lost: string[] = [];

  constructor(private readonly base: string | undefined) {}

  add(url: string | undefined, type: string | undefined, length: number | undefined, duration?: number): void {
    const href = url === undefined ? undefined : resolveUrl(url, this.base);
    if (href === undefined) {
      this.lost.push('enclosure without an http(s) URL');
      return;
    }
    const mediaType = type ?? typeFromFile(href);
    let media = this.list.find((m) => m.url === href);
    if (media === undefined) {
      if (mediaType === undefined) {
        this.lost.push('enclosure without a media type');
        return;
      }
      media = { url: href, type: mediaType };
      this.list.push(media);
    }
    if (length !== undefined && media.length === undefined) media.length = length;
    if (duration !== undefined && media.duration === undefined) media.duration = duration;
  }
}

const TYPES_BY_EXTENSION: Record<string, string> = {
  mp3: 'audio/mpeg', m4a: 'audio/mp4', ogg: 'audio/ogg', oga: 'audio/ogg', opus: 'audio/opus', wav: 'audio/wav', flac: 'audio/flac', aac: 'audio/aac',
  mp4: 'video/mp4', m4v: 'video/mp4', webm: 'video/webm', ogv: 'video/ogg', mov: 'video/quicktime', pdf: 'application/pdf',
};

/** The media type a file name implies (audio, video, PDF), or undefined. */
export function typeFromFile(url: string): string | undefined {
  const ext = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : TYPES_BY_EXTENSION[ext];
}

/**
 * A duration in whole seconds from `itunes:duration` (Apple Podcasts: seconds, MM:SS or
 * H:MM:SS) or Media RSS `duration` (seconds, fractions allowed); undefined when not one.
 */
export function parseDuration(value: string | undefined): number | undefined {
  const v = value?.trim();
  if (v === undefined || v === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(v)) return Math.round(Number(v));
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:\.\d+)?$/.exec(v);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

function isImage(type: string | undefined, medium: string | undefined, url: string | undefined): boolean {
  if (medium !== undefined && medium.trim() !== '') return medium.trim().toLowerCase() === 'image';
  if (type !== undefined) return type.startsWith('image/');
  return url !== undefined && IMAGE_FILE.test(url);
}

function mediaText(e: XElement | undefined): string | undefined {
  if (e === undefined) return undefined;
  const raw = textOf(e);
  const s = (attrOf(e, 'type') ?? '').trim().toLowerCase() === 'html' ? htmlToText(raw) : textLine(raw);
  return s === '' ? undefined : s;
}

/** An item's images and other media, and what of them could not be carried over. */
export interface ItemMedia {
  images: ArticleImage[];
  enclosures: ArticleEnclosure[];
  /** One entry per media element dropped, saying why (counted in the import report). */
  lost: string[];
}

/**
 * The images and enclosures of an item, in document order (see the rules at the top of
 * feed-importer.ts): RSS 2.0 `enclosure`, Atom `link rel="enclosure"` (RFC 4287 §4.2.7.2), Media
 * RSS `media:content` (also in `media:group`); an image type goes to images, anything else to
 * enclosures. `itunes:duration` gives the first enclosure's duration in seconds.
 */
export function itemMedia(item: XElement, base: string | undefined, atom: boolean): ItemMedia {
  const images = new Images(base);
  const enclosures = new Enclosures(base);
  const media = (c: XElement, group: XElement | undefined) => {
    const url = attrOf(c, 'url');
    const type = mediaType(attrOf(c, 'type'));
    if (!isImage(type, attrOf(c, 'medium'), url)) {
      enclosures.add(url, type, count(attrOf(c, 'fileSize')), parseDuration(attrOf(c, 'duration')));
      return;
    }
    const caption = mediaText(first(c, NS.media, 'description')) ?? (group && mediaText(first(group, NS.media, 'description')));
    const credit = mediaText(first(c, NS.media, 'credit')) ?? (group && mediaText(first(group, NS.media, 'credit')));
    images.add(url, { caption, credit, type, width: count(attrOf(c, 'width')), height: count(attrOf(c, 'height')), length: count(attrOf(c, 'fileSize')) });
  };
  for (const c of item.children) {
    if (!isElement(c)) continue;
    if (c.uri === '' && c.local === 'enclosure' && !atom) {
      const type = mediaType(attrOf(c, 'type'));
      if (isImage(type, undefined, attrOf(c, 'url'))) images.add(attrOf(c, 'url'), { type, length: count(attrOf(c, 'length')) });
      else enclosures.add(attrOf(c, 'url'), type, count(attrOf(c, 'length')));
    } else if (c.uri === NS.atom && c.local === 'link' && (attrOf(c, 'rel') ?? '').trim() === 'enclosure') {
      const type = mediaType(attrOf(c, 'type'));
      const href = attrOf(c, 'href');
      const url = href === undefined ? undefined : resolveUrl(href, c.base ?? base);
      if (isImage(type, undefined, href)) images.add(url, { type, length: count(attrOf(c, 'length')) });
      else enclosures.add(url ?? href, type, count(attrOf(c, 'length')));
    } else if (inNs(c.uri, NS.media) && c.local === 'content') media(c, undefined);
    else if (inNs(c.uri, NS.media) && c.local === 'group') for (const m of all(c, NS.media, 'content')) media(m, c);
  }
  if (images.list.length === 0) {
    const thumbs = [...all(item, NS.media, 'thumbnail'), ...all(item, NS.media, 'group').flatMap((g) => all(g, NS.media, 'thumbnail'))];
    const t = thumbs[0];
    if (t) images.add(attrOf(t, 'url'), { width: count(attrOf(t, 'width')), height: count(attrOf(t, 'height')) });
  }
  const duration = parseDuration(childText(item, NS.itunes, 'duration'));
  const firstMedia = enclosures.list[0];
  if (duration !== undefined && firstMedia !== undefined && firstMedia.duration === undefined) firstMedia.duration = duration;
  return { images: images.list, enclosures: enclosures.list, lost: enclosures.lost };
}
