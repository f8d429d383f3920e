// Old feed URLs (site.json `redirects` and `formerPlatform`): which old path, with or without a
// query, becomes which feed path. Pure: parsed and checked once at start-up (a loop, a target off
// the site, an unknown segment name stop start-up naming the key), matched per request.
import type { FieldProblem } from './errors.js';

/** One segment of a rule's old path: literal text, or `{name}` matching any one segment. */
type Segment = { text: string } | { name: string };

/** One redirect: an old path (segments, maybe a query) and the feed path it became. */
export interface RedirectRule {
  /** The key as written in site.json, for messages. */
  from: string;
  to: string;
  segments: Segment[];
  /** The query the request must carry, exactly (WordPress's `/?feed=rss2`); none = any query. */
  query?: Map<string, string>;
}

/** The platforms whose common feed paths feedwright knows (`formerPlatform` in site.json). */
export const FORMER_PLATFORMS = ['wordpress', 'ghost'] as const;
export type FormerPlatform = (typeof FORMER_PLATFORMS)[number];

/**
 * The feed paths WordPress and Ghost serve, and the feed each became. WordPress: `/feed/` and its
 * format variants, `?feed=` query feeds, `/category/…/feed/` (one or two levels) and
 * `/tag/…/feed/`; Ghost: `/rss/` and `/tag/…/rss/`. A category or tag becomes the section or tag
 * feed of the same slug (WordPress slugs and feedwright's agree for names made of plain words;
 * `feedwright import` prints explicit entries for the others).
 */
export const PLATFORM_REDIRECTS: Record<FormerPlatform, Record<string, string>> = {
  wordpress: {
    '/feed/': '/rss.xml',
    '/feed/rss2/': '/rss.xml',
    '/feed/rss/': '/rss.xml',
    '/feed/rdf/': '/rss.xml',
    '/feed/atom/': '/atom.xml',
    '/rss/': '/rss.xml',
    '/wp-rss2.php': '/rss.xml',
    '/wp-atom.php': '/atom.xml',
    '/?feed=rss2': '/rss.xml',
    '/?feed=rss': '/rss.xml',
    '/?feed=rdf': '/rss.xml',
    '/?feed=atom': '/atom.xml',
    '/category/{slug}/feed/': '/sections/{slug}/rss.xml',
    '/category/{slug}/feed/atom/': '/sections/{slug}/atom.xml',
    '/category/{parent}/{slug}/feed/': '/sections/{parent}/{slug}/rss.xml',
    '/tag/{slug}/feed/': '/tags/{slug}/rss.xml',
    '/tag/{slug}/feed/atom/': '/tags/{slug}/atom.xml',
  },
  ghost: {
    '/rss/': '/rss.xml',
    '/tag/{slug}/rss/': '/tags/{slug}/rss.xml',
  },
};

/** A path without its trailing slashes (but `/` stays `/`): `/feed/` and `/feed` are one address. */
function trimSlash(path: string): string {
  const t = path.replace(/\/+$/, '');
  return t === '' ? '/' : t;
}

const NAME = /^\{([A-Za-z][A-Za-z0-9_]*)\}$/;

function parseRule(from: string, to: unknown, key: string, problems: FieldProblem[]): RedirectRule | undefined {
  const field = `${key}["${from}"]`;
  if (!from.startsWith('/') || from.startsWith('//') || /[\s#\\]/.test(from)) {
    problems.push({ field, message: 'must be a path starting with a single / (a query such as /?feed=rss2 is allowed)' });
    return undefined;
  }
  if (typeof to !== 'string' || !to.startsWith('/') || to.startsWith('//') || /[\s?#\\]/.test(to) || /^\/*[a-z][a-z0-9+.-]*:/i.test(to)) {
    problems.push({ field, message: 'must map to a feed path on this site such as /rss.xml or /sections/{slug}/rss.xml (no scheme, host or query: a redirect never leaves the site\'s origins)' });
    return undefined;
  }
  const q = from.indexOf('?');
  const path = q === -1 ? from : from.slice(0, q);
  const segments: Segment[] = trimSlash(path).split('/').slice(1).map((s) => {
    const m = NAME.exec(s);
    return m ? { name: m[1] as string } : { text: s };
  });
  if (trimSlash(path) === '/') segments.length = 0;
  const names = new Set(segments.flatMap((s) => ('name' in s ? [s.name] : [])));
  for (const m of to.matchAll(/\{([^}]*)\}/g)) {
    if (!names.has(m[1] as string)) {
      problems.push({ field, message: `uses {${m[1]}}, which the old path does not name` });
      return undefined;
    }
  }
  const rule: RedirectRule = { from, to, segments };
  if (q !== -1) rule.query = new Map(new URLSearchParams(from.slice(q + 1)));
  return rule;
}

/** The target of a rule for a request path's segments and query, or undefined when it does not match. */
function apply(rule: RedirectRule, segments: readonly string[], query: URLSearchParams): string | undefined {
  if (segments.length !== rule.segments.length) return undefined;
  if (rule.query !== undefined) {
    const keys = [...query.keys()].filter((k) => !/^utm_/i.test(k));
    if (keys.length !== rule.query.size) return undefined;
    for (const [k, v] of rule.query) if (query.get(k) !== v) return undefined;
  }
  const values = new Map<string, string>();
  for (let i = 0; i < segments.length; i += 1) {
    const s = rule.segments[i] as Segment;
    const value = segments[i] as string;
    if ('text' in s) {
      if (s.text !== value) return undefined;
    } else {
      if (value === '') return undefined;
      values.set(s.name, value);
    }
  }
  return rule.to.replace(/\{([^}]*)\}/g, (_, name: string) => values.get(name) ?? '');
}

/**
 * Finds the feed path an old request target (path and query, as in the request line) redirects
 * to: rules with a query before the others, in the order given; undefined when none matches.
 */
export function matchRedirect(rules: readonly RedirectRule[], target: string): string | undefined {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
  const segments = trimSlash(path) === '/' ? [] : trimSlash(path).split('/').slice(1);
  for (const withQuery of [true, false]) {
    for (const rule of rules) {
      if ((rule.query !== undefined) !== withQuery) continue;
      const to = apply(rule, segments, query);
      if (to !== undefined) return to;
    }
  }
  return undefined;
}

/**
 * Validates site.json's `redirects` (an object from old path to feed path) and adds the common
 * paths of `formerPlatform` after them (an explicit entry wins). Refuses, naming the key: a
 * non-path, a target with a scheme, host or query, a `{name}` the old path does not have, and a
 * loop — a target that is itself an old path of some rule (`/a` → `/b`, `/b` → `/a`).
 */
export function parseRedirects(raw: unknown, platform: unknown, problems: FieldProblem[]): RedirectRule[] {
  const rules: RedirectRule[] = [];
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'object' || Array.isArray(raw)) problems.push({ field: 'redirects', message: 'must be an object from an old path to a feed path, e.g. {"/feed/": "/rss.xml"}' });
    else for (const [from, to] of Object.entries(raw as Record<string, unknown>)) {
      const rule = parseRule(from, to, 'redirects', problems);
      if (rule !== undefined) rules.push(rule);
    }
  }
  if (platform !== undefined && platform !== null) {
    if (typeof platform !== 'string' || !(FORMER_PLATFORMS as readonly string[]).includes(platform)) problems.push({ field: 'formerPlatform', message: `must be one of ${FORMER_PLATFORMS.join(', ')}` });
    else for (const [from, to] of Object.entries(PLATFORM_REDIRECTS[platform as FormerPlatform])) {
      if (rules.some((r) => r.from === from)) continue;
      const rule = parseRule(from, to, 'formerPlatform', problems);
      if (rule !== undefined) rules.push(rule);
    }
  }
  for (const rule of rules) {
    // A target with its {names} filled in must not be an old path again: that would loop (or chain).
    const sample = rule.to.replace(/\{[^}]*\}/g, 'x');
    const again = matchRedirect(rules, sample);
    if (again !== undefined) problems.push({ field: `redirects["${rule.from}"]`, message: `leads to ${rule.to}, which is itself redirected (to ${again}): redirects must not loop or chain` });
  }
  return rules;
}
