// Who is polling: a User-Agent string's reader family, and the subscriber count the big
// aggregators report in it (issue 12). A table of patterns, not a classifier; pure, no I/O.

/** The reader families counted, in the order the /stats page and `feedwright stats` list them. */
export const READER_FAMILIES = [
  'Feedly',
  'Inoreader',
  'NewsBlur',
  'Feedbin',
  'The Old Reader',
  'NetNewsWire',
  'Miniflux',
  'FreshRSS',
  'Tiny Tiny RSS',
  'Feedbro',
  'newsboat',
  'curl',
  'browsers',
  'other',
] as const;

/** One of {@link READER_FAMILIES}. */
export type ReaderFamily = (typeof READER_FAMILIES)[number];

/** The aggregators that report how many of their users subscribe to a feed. */
export const AGGREGATORS = ['Feedly', 'Inoreader', 'NewsBlur', 'Feedbin', 'The Old Reader'] as const;

/** One of {@link AGGREGATORS}. */
export type Aggregator = (typeof AGGREGATORS)[number];

/** What a User-Agent string says. */
export interface UserAgentInfo {
  family: ReaderFamily;
  /** Set when the family is an aggregator that reported a subscriber count in this string. */
  aggregator?: Aggregator;
  /** The subscriber count it reported (0 to 999,999,999), with `aggregator`. */
  subscribers?: number;
}

/**
 * Patterns in order: the first that matches names the family. Aggregators first (their strings
 * often carry `Mozilla/5.0 (compatible; …)` too), then readers and tools, then browsers.
 */
const FAMILY_PATTERNS: readonly [RegExp, ReaderFamily][] = [
  [/feedly/i, 'Feedly'],
  [/inoreader/i, 'Inoreader'],
  [/newsblur/i, 'NewsBlur'],
  [/feedbin/i, 'Feedbin'],
  [/theoldreader/i, 'The Old Reader'],
  [/netnewswire/i, 'NetNewsWire'],
  [/miniflux/i, 'Miniflux'],
  [/freshrss/i, 'FreshRSS'],
  [/tiny tiny rss|tt-rss/i, 'Tiny Tiny RSS'],
  [/feedbro/i, 'Feedbro'],
  [/newsboat|newsbeuter/i, 'newsboat'],
  [/^curl\//i, 'curl'],
];

/** Crawlers dress up as browsers (`Mozilla/5.0 (compatible; Googlebot/2.1; …) Chrome/…`). */
const BOT = /bot\b|bot\/|crawler|spider|slurp|fetcher|python|java\/|go-http|okhttp|wget/i;
const BROWSER = /^Mozilla\/5\.0 .*(?:Firefox|Chrome|Safari|Edg)\//;

/**
 * The count an aggregator reports: `1234 subscribers` (Feedly, Inoreader, Feedbin, The Old
 * Reader), `1 subscriber` (NewsBlur's singular). At most nine digits.
 */
const SUBSCRIBERS = /(?:^|[\s(;:])(\d{1,9})\s+subscribers?\b/i;

/**
 * Reads a User-Agent field value (undefined or empty: `other`). Examples:
 * `Feedly/1.0 (+http://www.feedly.com/fetcher.html; 1234 subscribers; like FeedFetcher-Google)`
 * → `{family: 'Feedly', aggregator: 'Feedly', subscribers: 1234}`;
 * `NetNewsWire (RSS Reader; https://netnewswire.com/)` → `{family: 'NetNewsWire'}`.
 */
export function parseUserAgent(ua: string | undefined): UserAgentInfo {
  if (ua === undefined || ua === '') return { family: 'other' };
  let family: ReaderFamily | undefined;
  for (const [pattern, name] of FAMILY_PATTERNS) {
    if (pattern.test(ua)) {
      family = name;
      break;
    }
  }
  if (family === undefined) family = BROWSER.test(ua) && !BOT.test(ua) ? 'browsers' : 'other';
  if (!(AGGREGATORS as readonly string[]).includes(family)) return { family };
  const m = SUBSCRIBERS.exec(ua);
  if (m === null) return { family };
  return { family, aggregator: family as Aggregator, subscribers: Number(m[1]) };
}

/**
 * A cache of {@link parseUserAgent} holding the `capacity` most recently used strings (least
 * recently used evicted first): readers repeat their User-Agent on every poll, so the fast path
 * parses each string once. `capacity` ≥ 1; strings longer than 512 characters are parsed but
 * not kept (nobody polls with those twice).
 */
export function createUserAgentCache(capacity = 1024): (ua: string | undefined) => UserAgentInfo {
  if (!(capacity >= 1)) throw new RangeError(`a User-Agent cache holds at least one entry, not ${capacity}`);
  const cache = new Map<string, UserAgentInfo>();
  return (ua) => {
    const key = ua ?? '';
    const hit = cache.get(key);
    if (hit !== undefined) {
      // Map keeps insertion order: moving the key to the end makes the first key the least recent.
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const info = parseUserAgent(key);
    if (key.length <= 512) {
      if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
      cache.set(key, info);
    }
    return info;
  };
}
