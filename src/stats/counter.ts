// Counting the readers (issue 12) on the serving thread: an observer of every fast-path answer
// (src/http/served-response.ts) adds to integer counters in memory, and a flush (flush.ts)
// drains them into the store. O(1) per answer and allocation-light: counters are typed arrays
// reused from hour to hour, keyed by the document path the server already sliced; the
// User-Agent is parsed once per string (an LRU cache); a reader is a 52-bit hash of its address
// and User-Agent in a per-day Set (bounded), never stored anywhere.
import type { IncomingMessage } from 'node:http';
import type { ResponseObserver, ServedResponse } from '../http/served-response.js';
import { canonicalPath } from '../http/document-path.js';
import { utcDay, utcHour, type CountedCoding, type ReaderCount, type StatsBatch, type SubscriberCount, type TrafficCount } from '../store/reader-stats.js';
import { createUserAgentCache, READER_FAMILIES, type ReaderFamily, type UserAgentInfo } from './user-agents.js';

/** Distinct readers remembered per UTC day, per kind (site-wide and per document), by default. */
export const DEFAULT_MAX_READERS_PER_DAY = 200_000;
/** Distinct document paths counted per UTC day by default; the rest count under {@link OTHER_PATH}. */
export const DEFAULT_MAX_PATHS = 10_000;
/** Where answers beyond the path bound are counted (never a real path: it does not start with `/`). */
export const OTHER_PATH = '(other paths)';

const CODINGS: readonly CountedCoding[] = ['identity', 'gzip', 'br', 'none'];
const FAMILY_INDEX = new Map<ReaderFamily, number>(READER_FAMILIES.map((f, i) => [f, i]));
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** What a counter needs. */
export interface ReaderCounterOptions {
  /** The site's origins' hrefs, by the index the server reports (`site.origins[i].href`). */
  origins: readonly string[];
  /** Take the address from the first `X-Forwarded-For` entry (site.json `behindProxy`). */
  behindProxy: boolean;
  /** Epoch ms now (tests pass their own). */
  clock?: () => number;
  /**
   * Distinct readers remembered per UTC day, site-wide and per document each (default
   * {@link DEFAULT_MAX_READERS_PER_DAY}; ~40 bytes each, so ~16 MB at most for both). Past it,
   * readers not yet seen that day are not counted as new (the figure is then a lower bound).
   */
  maxReadersPerDay?: number;
  /** Distinct document paths per UTC day (default {@link DEFAULT_MAX_PATHS}). */
  maxPaths?: number;
}

/** Counts answers; see the module comment. */
export interface ReaderCounter {
  /** The observer to give the fast path (FeedServerOptions.observe): one plain function, composable with others. */
  observe: ResponseObserver;
  /** Takes every count made since the last drain, resetting them (the readers seen today stay remembered). */
  drain(): StatsBatch;
  /** Puts back a batch that could not be stored: its counts are drained again next time. */
  restore(batch: StatsBatch): void;
}

/** The counters of one document path: per origin, per coding × [requests, 200, 304, bytes]; per family × [requests, new readers]. */
interface PathEntry {
  traffic: (Float64Array | undefined)[];
  families: Float64Array;
  /** Mixed into a reader's hash for the per-document reader set. */
  salt: number;
  touched: boolean;
}

/** A connection's last reader (see readerOf in createReaderCounter). */
interface ReaderMemo {
  ua: string | undefined;
  address: string;
  /** The UTC day (epoch ms of its start) the memo belongs to: a new day counts every reader again. */
  day: number;
  info: UserAgentInfo;
  /** Index of the family's request count in a `families` array (its reader count is the next cell). */
  family: number;
  h1: number;
  h2: number;
  /** The site-wide reader set was asked about this reader today. */
  siteDone: boolean;
  /** The document the per-document set was last asked about for this reader. */
  lastPath: PathEntry | undefined;
}

/** FNV-1a over a string, from a seed (32 bits). */
function fnv(s: string, seed: number): number {
  let h = seed;
  for (let i = 0; i < s.length; i += 1) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Two 32-bit hashes into one 52-bit integer (exact in a double), for the reader sets. */
function join52(a: number, b: number): number {
  return (a >>> 0) * 1048576 + (b >>> 12);
}

/** Normalises a percent-encoded path as the server's document look-up does (canonicalPath), so `/r%73s.xml` counts as `/rss.xml`. */
function canonical(path: string): string {
  return canonicalPath(path) ?? path;
}

/** Creates a counter. Throws RangeError when a bound is not a positive integer. */
export function createReaderCounter(options: ReaderCounterOptions): ReaderCounter {
  const clock = options.clock ?? Date.now;
  const maxReaders = options.maxReadersPerDay ?? DEFAULT_MAX_READERS_PER_DAY;
  const maxPaths = options.maxPaths ?? DEFAULT_MAX_PATHS;
  if (!Number.isInteger(maxReaders) || maxReaders < 1 || !Number.isInteger(maxPaths) || maxPaths < 1) throw new RangeError('the counter bounds must be positive integers');
  const { origins, behindProxy } = options;
  const userAgent = createUserAgentCache(1024);
  const paths = new Map<string, PathEntry>();
  const site: PathEntry = { traffic: [], families: new Float64Array(READER_FAMILIES.length * 2), salt: 0, touched: false };
  const seenSite = new Set<number>();
  const seenPath = new Set<number>();
  const memos = new WeakMap<object, ReaderMemo>();
  let subscribers = new Map<string, SubscriberCount>();
  let sealed: StatsBatch = { traffic: [], readers: [], subscribers: [] };
  let hourStart = utcHour(clock());
  let dayStart = hourStart - (((hourStart % DAY_MS) + DAY_MS) % DAY_MS);

  const entryOf = (path: string): PathEntry => {
    let e = paths.get(path);
    if (e !== undefined) return e;
    const key = canonical(path);
    e = paths.get(key);
    if (e === undefined) {
      // Past the bound every new path counts under OTHER_PATH, which itself is always let in.
      if (paths.size >= maxPaths && key !== OTHER_PATH) return entryOf(OTHER_PATH);
      e = { traffic: [], families: new Float64Array(READER_FAMILIES.length * 2), salt: fnv(key, 0x811c9dc5) | 1, touched: false };
      paths.set(key, e);
    }
    return e;
  };

  /** Moves the traffic counts of the current hour into `out`, zeroing them. */
  const takeTraffic = (out: TrafficCount[]) => {
    for (const [path, e] of paths) {
      if (!e.touched) continue;
      e.touched = false;
      e.traffic.forEach((cells, originIndex) => {
        if (cells === undefined) return;
        for (let c = 0; c < 4; c += 1) {
          const requests = cells[c * 4] as number;
          if (requests === 0) continue;
          out.push({ hour: hourStart, path, origin: origins[originIndex] ?? origins[0] ?? '', coding: CODINGS[c] as CountedCoding, requests, ok: cells[c * 4 + 1] as number, notModified: cells[c * 4 + 2] as number, bytes: cells[c * 4 + 3] as number });
        }
        cells.fill(0);
      });
    }
  };
  /** Moves the reader counts and subscriber maxima of the current day into `out`, zeroing them. */
  const takeDay = (out: StatsBatch) => {
    const day = utcDay(dayStart);
    const families = (path: string, e: PathEntry) => {
      for (let f = 0; f < READER_FAMILIES.length; f += 1) {
        const requests = e.families[f * 2] as number;
        const readers = e.families[f * 2 + 1] as number;
        if (requests === 0 && readers === 0) continue;
        out.readers.push({ day, path, family: READER_FAMILIES[f] as string, requests, readers } satisfies ReaderCount);
      }
      e.families.fill(0);
    };
    families('', site);
    for (const [path, e] of paths) families(path, e);
    out.subscribers.push(...subscribers.values());
    subscribers = new Map();
  };
  const roll = (now: number) => {
    takeTraffic(sealed.traffic);
    hourStart = utcHour(now);
    const newDay = hourStart - (((hourStart % DAY_MS) + DAY_MS) % DAY_MS);
    if (newDay !== dayStart) {
      takeDay(sealed);
      dayStart = newDay;
      // A new day: every reader counts again (UTC days; see README "Readers counted").
      seenSite.clear();
      seenPath.clear();
      // Both counts of every path are taken: the path bound starts again too.
      paths.clear();
    }
  };

  /**
   * The reader behind a request, remembered on its connection: a keep-alive connection (an
   * aggregator polling many feeds, a reader refreshing) repeats its address and User-Agent, so
   * the User-Agent is parsed and the reader hashed once per connection, User-Agent, address and
   * UTC day, and each set is asked once per connection and document in a row.
   */
  const readerOf = (req: IncomingMessage, ua: string | undefined, address: string): ReaderMemo => {
    const socket = req.socket as object | undefined;
    const held = socket === undefined ? undefined : memos.get(socket);
    if (held !== undefined && held.ua === ua && held.address === address && held.day === dayStart) return held;
    const info = userAgent(ua);
    const memo: ReaderMemo = {
      ua,
      address,
      day: dayStart,
      info,
      family: (FAMILY_INDEX.get(info.family) as number) * 2,
      h1: fnv(ua ?? '', fnv(address, 0x811c9dc5)),
      h2: fnv(ua ?? '', fnv(address, 0x01000193)),
      siteDone: false,
      lastPath: undefined,
    };
    if (socket !== undefined) memos.set(socket, memo);
    return memo;
  };

  const observe = (req: IncomingMessage, served: ServedResponse): void => {
    const now = clock();
    if (now >= hourStart + HOUR_MS || now < hourStart) roll(now);
    const e = entryOf(served.path);
    e.touched = true;
    const oi = served.originIndex;
    let cells = e.traffic[oi];
    if (cells === undefined) cells = e.traffic[oi] = new Float64Array(16);
    const c = served.coding === undefined ? 12 : served.coding === 'identity' ? 0 : served.coding === 'gzip' ? 4 : 8;
    const status = served.status;
    cells[c] = (cells[c] as number) + 1;
    if (status === 200) cells[c + 1] = (cells[c + 1] as number) + 1;
    else if (status === 304) cells[c + 2] = (cells[c + 2] as number) + 1;
    else return; // readers and subscribers count only answers that served the feed
    cells[c + 3] = (cells[c + 3] as number) + served.bytes;

    const ua = req.headers['user-agent'];
    const forwarded = behindProxy ? req.headers['x-forwarded-for'] : undefined;
    const address = typeof forwarded === 'string' && forwarded !== '' ? (forwarded.split(',')[0] as string).trim() : (req.socket?.remoteAddress ?? '');
    const memo = readerOf(req, ua, address);
    const info = memo.info;
    const f = memo.family;
    site.families[f] = (site.families[f] as number) + 1;
    e.families[f] = (e.families[f] as number) + 1;
    if (info.aggregator !== undefined) {
      // An aggregator's fetch stands for its subscribers: the day's highest count per document, origin and aggregator.
      // Keyed by the path as counted (canonical), so two spellings of one document are one entry.
      const path = canonical(served.path);
      const key = `${path}\0${oi}\0${info.aggregator}`;
      const held = subscribers.get(key);
      const n = info.subscribers as number;
      if (held === undefined) subscribers.set(key, { day: utcDay(dayStart), path, origin: origins[oi] ?? origins[0] ?? '', aggregator: info.aggregator, subscribers: n, observedAt: now });
      else if (n > held.subscribers) {
        held.subscribers = n;
        held.observedAt = now;
      }
      return;
    }
    if (!memo.siteDone) {
      memo.siteDone = true;
      const siteKey = join52(memo.h1, memo.h2);
      if (!seenSite.has(siteKey) && seenSite.size < maxReaders) {
        seenSite.add(siteKey);
        site.families[f + 1] = (site.families[f + 1] as number) + 1;
      }
    }
    if (memo.lastPath !== e) {
      memo.lastPath = e;
      const pathKey = join52(Math.imul(memo.h1 ^ e.salt, 0x9e3779b1), Math.imul(memo.h2 ^ e.salt, 0x85ebca77));
      if (!seenPath.has(pathKey) && seenPath.size < maxReaders) {
        seenPath.add(pathKey);
        e.families[f + 1] = (e.families[f + 1] as number) + 1;
      }
    }
  };

  return {
    observe,
    drain() {
      const now = clock();
      if (now >= hourStart + HOUR_MS || now < hourStart) roll(now);
      const out = sealed;
      sealed = { traffic: [], readers: [], subscribers: [] };
      takeTraffic(out.traffic);
      takeDay(out);
      return out;
    },
    restore(batch) {
      sealed.traffic.push(...batch.traffic);
      sealed.readers.push(...batch.readers);
      sealed.subscribers.push(...batch.subscribers);
    },
  };
}
