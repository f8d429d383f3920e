// The site settings (data/site.json): their shape, defaults and validation. Pure: the file is
// read elsewhere; every problem names the key it is about.
import { FeedwrightError, type FieldProblem } from './errors.js';
import { isTimeZone } from './dates.js';
import { hasVisibleText, plainLine } from './plain-text.js';
import { DEFAULT_EMBED_HOSTS } from './sanitize.js';
import { parseRedirects, type RedirectRule } from './redirects.js';
import { closestMatch } from './closest.js';

/** A byline: the site's author or an article's. */
export interface Person {
  name: string;
  email?: string;
  url?: string;
}

/** One served origin, `scheme://host[:port]`, parsed once. */
export interface Origin {
  /** The canonical origin string, e.g. `https://www.presstv.com`. */
  href: string;
  /** `host[:port]` lower-case, default port omitted, as matched against a request's Host. */
  host: string;
  protocol: 'http:' | 'https:';
  onion: boolean;
}

/** Validated site settings. */
export interface SiteConfig {
  title: string;
  description: string;
  language: string;
  timeZone: string;
  /** The primary origin first, then the alternates, in the order configured. */
  origins: Origin[];
  behindProxy: boolean;
  itemLimit: number;
  schedule: string;
  author: Person;
  idPrefix: string;
  mirrorNotice: string;
  /** Hosts whose iframes (video and social embeds) are kept in article bodies. */
  embedHosts: string[];
  /**
   * Politeness: how many unconditional requests one client (address + User-Agent) may make for
   * one document per schedule period before it is answered 429; undefined = off (the default).
   */
  unconditionalPerPeriod?: number;
  /**
   * Old feed paths answered with 301 to the feed they became (`redirects`, plus the common paths
   * of `formerPlatform`); present only when there is at least one. Not part of any document.
   */
  redirects?: RedirectRule[];
  /** Whether the built-in hub may call back loopback, private and link-local addresses (default false; tests). */
  hubCallbackAllowPrivate: boolean;
  /**
   * WebSub hubs (W3C WebSub §4) every feed advertises and the compiler pings after a change
   * (`hubs`, absolute http(s) URLs as written, normalised by the URL parser); present only when
   * there is at least one.
   */
  hubs?: string[];
  /** `"builtin"`: each origin also advertises its own hub, `<origin>/websub` (src/websub/hub*). */
  hub?: 'builtin';
}

const LANGUAGE = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
const KNOWN_KEYS = new Set([
  'title', 'description', 'language', 'timeZone', 'origin', 'alternateOrigins', 'behindProxy',
  'itemLimit', 'schedule', 'author', 'idPrefix', 'mirrorNotice', 'embedHosts', 'unconditionalPerPeriod', 'redirects', 'formerPlatform',
  'hubs', 'hub', 'hubCallbackAllowPrivate',
]);

/** True when the value is a BCP 47 language tag in shape. */
export function isLanguageTag(value: string): boolean {
  return LANGUAGE.test(value);
}

/** Every Host value that selects an origin: its host, and host:port with the scheme's default port. */
export function hostKeys(o: Origin): string[] {
  return o.host.includes(':') && !o.host.endsWith(']') ? [o.host] : [o.host, `${o.host}:${o.protocol === 'https:' ? 443 : 80}`];
}

/**
 * The `hubs` of site.json (W3C WebSub §4: a hub URL the feeds advertise): absolute http(s) URLs
 * without credentials or fragment (they are published in every feed), no repeats; each problem
 * names `hubs[i]`. Returns the URLs as the URL parser normalises them (`https://hub.example/`).
 */
function parseHubs(value: unknown, problems: FieldProblem[]): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push({ field: 'hubs', message: 'must be an array of hub URLs such as https://pubsubhubbub.appspot.com/' });
    return [];
  }
  const hubs: string[] = [];
  value.forEach((v, i) => {
    const field = `hubs[${i}]`;
    let url: URL | undefined;
    try {
      url = typeof v === 'string' ? new URL(v) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:\/\//i.test(v as string)) problems.push({ field, message: `${JSON.stringify(v)} must be an absolute http or https URL` });
    else if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ field, message: `"${String(v)}" must use http or https` });
    else if (url.username || url.password) problems.push({ field, message: `"${String(v)}" must not carry credentials (every feed publishes it)` });
    else if (url.hash) problems.push({ field, message: `"${String(v)}" must not have a fragment` });
    else if (hubs.includes(url.href)) problems.push({ field, message: `"${String(v)}" repeats an earlier hub` });
    else hubs.push(url.href);
  });
  return hubs;
}

/** Parses `scheme://host[:port]` into an Origin, or returns why it is not one. */
export function parseOrigin(value: unknown): Origin | string {
  if (typeof value !== 'string' || value === '') return 'must be a string like https://www.example.com';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${value}" must use http or https`;
  if (url.username || url.password) return `"${value}" must not carry credentials`;
  if (url.search || url.hash || !/^https?:\/\/[^/?#\\\s]+\/?$/i.test(value)) return `"${value}" must be scheme://host[:port] with no path, query or fragment`;
  if (url.hostname.endsWith('.')) return `"${value}" must not end its host with a dot`;
  return {
    href: `${url.protocol}//${url.host}`,
    host: url.host.toLowerCase(),
    protocol: url.protocol,
    onion: url.hostname.toLowerCase().endsWith('.onion'),
  };
}

const BLANK = 'must contain a visible character (not only white space or invisible characters)';

/** A line of text a reader sees (a title, a name), folded and trimmed; undefined when blank. */
function visibleLine(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const line = plainLine(value);
  return hasVisibleText(line) ? line : undefined;
}

/** The keys of a person object in site.json (`author`). */
const PERSON_KEYS = new Set(['name', 'email', 'url']);

/**
 * Reports every key of `object` not in `known` as `is not a known setting`, naming its full path
 * (`author.emial`) and the known key closest to a misspelt one (`did you mean "author.email"?`).
 * `path` is the object's own path (`author`), empty for the top level. Every object of site.json
 * with fixed keys goes through this, so a typo in a nested one is never silently dropped.
 */
function unknownKeys(object: Record<string, unknown>, known: ReadonlySet<string>, path: string, problems: FieldProblem[]): void {
  const prefix = path === '' ? '' : `${path}.`;
  for (const key of Object.keys(object)) {
    if (known.has(key)) continue;
    // A misspelt key ("titel", "timezone", "emial") names the setting it most likely meant.
    const near = closestMatch(key, known);
    problems.push({ field: `${prefix}${key}`, message: `is not a known setting${near === undefined ? '' : ` (did you mean "${prefix}${near}"?)`}` });
  }
}

function parsePerson(value: unknown, key: string, problems: FieldProblem[]): Person | undefined {
  if (typeof value === 'string') {
    const name = visibleLine(value);
    if (name === undefined) problems.push({ field: key, message: BLANK });
    return name === undefined ? undefined : { name };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ field: key, message: 'must be a name or an object {name, email?, url?}' });
    return undefined;
  }
  const v = value as Record<string, unknown>;
  unknownKeys(v, PERSON_KEYS, key, problems);
  const name = visibleLine(v.name);
  if (name === undefined) {
    problems.push({ field: `${key}.name`, message: typeof v.name === 'string' ? BLANK : 'is required and must be a string' });
    return undefined;
  }
  const person: Person = { name };
  if (v.email !== undefined) {
    if (typeof v.email !== 'string' || !/^[^\s@<>()]+@[^\s@<>()]+$/.test(v.email)) problems.push({ field: `${key}.email`, message: 'must be an e-mail address' });
    else person.email = v.email;
  }
  if (v.url !== undefined) {
    if (typeof v.url !== 'string' || !/^https?:\/\//.test(v.url)) problems.push({ field: `${key}.url`, message: 'must be an absolute http(s) URL' });
    else person.url = v.url;
  }
  return person;
}

/**
 * Validates the parsed content of site.json. `scheduleValid` checks a cron expression (the
 * scheduler's own validator is passed in so that core stays free of it). Throws CONFIG_INVALID
 * listing every bad key.
 */
export function validateSiteConfig(raw: unknown, scheduleValid: (expr: string) => boolean): SiteConfig {
  const problems: FieldProblem[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FeedwrightError('CONFIG_INVALID', 'site.json must hold a JSON object');
  }
  const r = raw as Record<string, unknown>;
  unknownKeys(r, KNOWN_KEYS, '', problems);
  const text = (key: string, required: boolean, fallback = ''): string => {
    const v = r[key];
    if (v === undefined && !required) return fallback;
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push({ field: key, message: 'is required and must be a non-empty string' });
      return fallback;
    }
    return v.trim();
  };
  // Text a reader sees: folded and trimmed like article text, and refused when nothing is visible.
  const line = (key: string, fallback: string | undefined): string => {
    const v = r[key];
    if (v === undefined && fallback !== undefined) return fallback;
    const value = visibleLine(v);
    if (value === undefined) problems.push({ field: key, message: typeof v === 'string' ? BLANK : 'is required and must be a non-empty string' });
    return value ?? fallback ?? '';
  };
  const title = line('title', undefined);
  const description = line('description', title);
  const language = text('language', false, 'en');
  if (!isLanguageTag(language)) problems.push({ field: 'language', message: `"${language}" is not a BCP 47 language tag` });
  const timeZone = text('timeZone', false, 'UTC');
  if (!isTimeZone(timeZone)) problems.push({ field: 'timeZone', message: `"${timeZone}" is not an IANA time zone` });

  const origins: Origin[] = [];
  const primary = parseOrigin(r.origin);
  if (typeof primary === 'string') problems.push({ field: 'origin', message: primary });
  else origins.push(primary);
  if (r.alternateOrigins !== undefined && !Array.isArray(r.alternateOrigins)) {
    problems.push({ field: 'alternateOrigins', message: 'must be an array of origins' });
  }
  const alternates = Array.isArray(r.alternateOrigins) ? r.alternateOrigins : [];
  alternates.forEach((value, i) => {
    const o = parseOrigin(value);
    if (typeof o === 'string') problems.push({ field: `alternateOrigins[${i}]`, message: o });
    else if (origins.some((x) => hostKeys(x).some((k) => hostKeys(o).includes(k)))) problems.push({ field: `alternateOrigins[${i}]`, message: `"${String(value)}" repeats the host ${o.host}` });
    else origins.push(o);
  });

  let behindProxy = false;
  if (r.behindProxy !== undefined) {
    if (typeof r.behindProxy !== 'boolean') problems.push({ field: 'behindProxy', message: 'must be true or false' });
    else behindProxy = r.behindProxy;
  }
  let itemLimit = 50;
  if (r.itemLimit !== undefined) {
    if (typeof r.itemLimit !== 'number' || !Number.isInteger(r.itemLimit) || r.itemLimit < 1 || r.itemLimit > 1000) {
      problems.push({ field: 'itemLimit', message: 'must be a whole number from 1 to 1000' });
    } else itemLimit = r.itemLimit;
  }
  const schedule = text('schedule', false, '* * * * *');
  if (!scheduleValid(schedule)) problems.push({ field: 'schedule', message: `"${schedule}" is not a valid cron expression` });
  const author = r.author === undefined ? { name: title } : parsePerson(r.author, 'author', problems) ?? { name: title };
  const idPrefix = text('idPrefix', true);
  if (idPrefix && !/^tag:[a-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[\x21-\x7e]*$/i.test(idPrefix)) {
    problems.push({ field: 'idPrefix', message: 'must be a tag: URI prefix (RFC 4151) such as tag:example.com,2007:' });
  }
  const mirrorNotice = line('mirrorNotice', 'This article can also be read at:');
  let embedHosts = [...DEFAULT_EMBED_HOSTS];
  if (r.embedHosts !== undefined) {
    if (!Array.isArray(r.embedHosts) || !r.embedHosts.every((h) => typeof h === 'string' && /^[a-z0-9.-]+$/i.test(h))) {
      problems.push({ field: 'embedHosts', message: 'must be an array of host names such as www.youtube.com' });
    } else embedHosts = r.embedHosts.map((h: string) => h.toLowerCase());
  }

  let unconditionalPerPeriod: number | undefined;
  if (r.unconditionalPerPeriod !== undefined && r.unconditionalPerPeriod !== null) {
    if (typeof r.unconditionalPerPeriod !== 'number' || !Number.isInteger(r.unconditionalPerPeriod) || r.unconditionalPerPeriod < 1) {
      problems.push({ field: 'unconditionalPerPeriod', message: 'must be a whole number, 1 or more (leave it out to turn politeness off)' });
    } else unconditionalPerPeriod = r.unconditionalPerPeriod;
  }
  const redirects = parseRedirects(r.redirects, r.formerPlatform, problems);
  // Issue 14: the built-in WebSub hub, and whether its callbacks may reach private addresses.
  let hubCallbackAllowPrivate = false;
  if (r.hubCallbackAllowPrivate !== undefined) {
    if (typeof r.hubCallbackAllowPrivate !== 'boolean') problems.push({ field: 'hubCallbackAllowPrivate', message: 'must be true or false' });
    else hubCallbackAllowPrivate = r.hubCallbackAllowPrivate;
  }
  const hubs = parseHubs(r.hubs, problems);
  if (r.hub !== undefined && r.hub !== null && r.hub !== 'builtin') problems.push({ field: 'hub', message: 'must be "builtin" (the built-in WebSub hub at /websub), or left out' });
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.field} ${p.message}`).join('; ');
    throw new FeedwrightError('CONFIG_INVALID', `site.json: ${list}`, { file: 'site.json', problems });
  }
  const config: SiteConfig = { title, description, language, timeZone, origins, behindProxy, itemLimit, schedule, author, idPrefix, mirrorNotice, embedHosts, hubCallbackAllowPrivate };
  if (unconditionalPerPeriod !== undefined) config.unconditionalPerPeriod = unconditionalPerPeriod;
  if (redirects.length > 0) config.redirects = redirects;
  if (hubs.length > 0) config.hubs = hubs;
  if (r.hub === 'builtin') config.hub = 'builtin';
  return config;
}
